"""Findings in plain words for patient-education staff and clinical leads: what it means, what to do."""

from __future__ import annotations

from handout_pipeline.checks import Finding

_SEVERITY = {"error": "Blocks release", "warning": "Should be reviewed", "info": "For information"}

_PLAIN = {
    "warning-signs": ("A warning message is missing, unfinished or written for an older English text, so patients "
                      "reading this language would not get it.",
                      "Ask the translator to translate it in the catalog named below, then run "
                      "'handout update' and 'handout build'."),
    "content": ("A warning message does not read as real text in this language: it is empty, still in English, "
                "in the wrong script or language, or shares one translation with another sign.",
                "Ask the translator to write it out in words, in this language."),
    "integrity": ("A translation does not keep a fact of the English (a number, a phone-number placeholder, bold "
                  "text), adds something, or is left in English.",
                  "Ask the translator to keep numbers and {placeholders} exactly as in the English."),
    "outputs": ("A built file (PDF, Word, text or audio) is missing, out of date, or does not show a warning "
                "sign as it should.",
                "Run 'handout build'. If the problem stays, tell whoever maintains the handout pipeline."),
    "review": ("No qualified medical reviewer has approved this warning message as it reads now.",
               "Export a review worksheet ('handout review export'), have it reviewed, then record the approval "
               "('handout review approve')."),
    "glyphs": ("A character cannot be shown with the fonts the PDF and Word files use.",
               "Install the font named, or reword the text."),
    "readability": ("The text may be hard to read for some patients.",
                    "Use shorter sentences and everyday words; explain medical words."),
    "lint": ("The English handout or the configuration has a problem.",
             "Fix the line named (in the source file or handout.toml)."),
    "unreadable": ("A translation file (catalog) or its review record cannot be read, so nothing in this language "
                   "can be checked or built.",
                   "Open the file named below in Poedit or a text editor, fix the line named and save it, or "
                   "restore the file from version control."),
    "qa": ("A translation may have a slip a translator's tool would catch: a sentence left out, a word written twice, "
           "different punctuation at the end, French spacing, or English left in place.",
           "Ask the translator to look at the message named; if it is right as it is, they add the flag named to it."),
    "catalogs": ("The translation template is out of date with the English handout.",
                 "Run 'handout extract', then 'handout update'."),
}


def severity_words(severity: str) -> str:
    return _SEVERITY.get(severity, severity)


def explain(finding: Finding) -> tuple[str, str]:
    """(what it means, what to do) for a finding's check, in words for non-programmers."""
    return _PLAIN.get(finding.check, ("The check found a problem.", "Read the detail below and fix it."))
