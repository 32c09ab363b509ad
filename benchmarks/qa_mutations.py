"""How often the translator QA checks (checks/qa.py) catch crafted slips, and how often they cry wolf.

Run: .venv/bin/python benchmarks/qa_mutations.py [--root .]
Every translated message of every shipped catalog gets one slip at a time: its last sentence dropped (only where
the English has two sentences or more), a word doubled, its end mark dropped, the space before a French colon
dropped, the English put in its place. A slip counts as caught when the QA check meant for it reports it. False
alarms: QA findings on the shipped catalogs as they are, and on tests/fixtures/gate/correct_variations.toml.
Nothing is written.
"""

from __future__ import annotations

import argparse
import tomllib
from collections import Counter
from pathlib import Path

import regex

from handout_pipeline.checks.qa import _CLOSERS, _SENTENCE_END, end_class, problems, sentence_count
from handout_pipeline.i18n.units import units
from handout_pipeline.languages import get_language
from handout_pipeline.project import Project

VARIATIONS = Path(__file__).parent.parent / "tests" / "fixtures" / "gate" / "correct_variations.toml"


def slips(english: str, translation: str, code: str):
    if sentence_count(english) >= 2:
        ends = list(_SENTENCE_END.finditer(translation.rstrip()))
        if len(ends) >= 2:  # cut after the last sentence end but one
            yield "sentence dropped", "ignore-sentence-count", translation[: ends[-2].end()]
    tokens = translation.split(" ")
    whole = [i for i, t in enumerate(tokens) if regex.fullmatch(r"[\p{L}\p{M}]{2,}", t)]
    if whole:  # a whole word of the text (not part of a placeholder or a compound) said twice
        i = whole[len(whole) // 2]
        yield "word doubled", "ignore-duplicate", " ".join(tokens[: i + 1] + [tokens[i]] + tokens[i + 1:])
    stripped = translation.rstrip()
    if end_class(stripped) is not None and stripped[-1:] not in _CLOSERS:
        yield "end mark dropped", "ignore-end-", stripped[:-1]
    if code == "fr" and " :" in translation:
        yield "French space dropped", "ignore-punctuation-spacing", translation.replace(" :", ":")
    yield "English left", "ignore-same", english


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", default=".")
    args = parser.parse_args()
    project = Project.open(Path(args.root))
    canadian = project.config.region.country == "CA"
    caught, total, alarms = Counter(), Counter(), 0
    checked = 0
    for handout_id in project.handout_ids():
        template = list(units(project.handout(handout_id)))
        for language in project.config.translated_languages:
            catalog = project.catalog(language, handout_id)
            for unit in template:
                message = catalog.get(unit.msgid, unit.context)
                if message is None or message.fuzzy or not message.string:
                    continue
                checked += 1
                alarms += len(problems(unit.msgid, message.string, language, canadian, unit.safety_critical))
                for kind, flag, text in slips(unit.msgid, message.string, language.code):
                    if kind == "English left" and unit.safety_critical:
                        continue  # the content check's error already (not QA's)
                    if kind == "word doubled" and language.code in ("vi", "pa", "fa", "hi"):
                        continue  # not checked where a word said twice is grammar
                    total[kind] += 1
                    found = problems(unit.msgid, text, language, canadian, unit.safety_critical)
                    caught[kind] += any(any(f.startswith(flag) for f in p.flag) for p in found)
    variations = tomllib.loads(VARIATIONS.read_text(encoding="utf-8"))["variation"]
    wolf = sum(len(problems(v["english"], v["translation"], get_language(v["language"]), canadian, True))
               for v in variations)
    print(f"{checked} translated messages checked")
    for kind in total:
        print(f"  {kind:<22} caught {caught[kind]}/{total[kind]} ({100 * caught[kind] / total[kind]:.0f}%)")
    print(f"false alarms: {alarms} on the shipped catalogs, {wolf} on {len(variations)} correct variations")


if __name__ == "__main__":
    main()
