"""How well the gate's content checks catch crafted faults, and how often they cry wolf on correct text.

Run: .venv/bin/python benchmarks/gate_mutations.py [--root .]
Mutations are made from the shipped catalogs' safety messages (every language x every safety message), one kind
at a time; correct variations come from tests/fixtures/gate/correct_variations.toml. Nothing is written.
"""

from __future__ import annotations

import argparse
import tomllib
from collections import Counter
from pathlib import Path

from handout_pipeline.checks.catalog import integrity_problems
from handout_pipeline.checks.content import LanguageIdentifier, safety_text_problems
from handout_pipeline.config import CheckConfig
from handout_pipeline.i18n.units import units
from handout_pipeline.languages import get_language
from handout_pipeline.project import Project

VARIATIONS = Path(__file__).parent.parent / "tests" / "fixtures" / "gate" / "correct_variations.toml"
CYRILLIC = str.maketrans("aeopcx", "аеорсх")


def mutations(english: str, translation: str, other: str):
    yield "zero-width space", "\u200b"
    yield "Hangul filler", "\u3164"
    yield "lone combining mark", "\u0301"
    yield "a dot", "."
    yield "English left", english
    yield "English, look-alike letters", english.translate(CYRILLIC)
    yield "English, punctuation changed", english.rstrip(".:") + "!"
    yield "English in [TODO]", f"[TODO] {english} (needs translation)"
    yield "struck through", "".join(ch + "\u0336" if ch.isalpha() else ch for ch in translation)
    yield "number added", translation.rstrip(".。:：") + " 811."
    yield "another language's sign", other


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", default=".")
    args = parser.parse_args()
    project = Project.open(Path(args.root))
    identifier = LanguageIdentifier(project.config.languages)
    cfg = CheckConfig()
    caught, total = Counter(), Counter()
    for handout_id in project.handout_ids():
        safety = [u for u in units(project.handout(handout_id)) if u.safety_critical]
        strings = {}
        for language in project.config.translated_languages:
            catalog = project.catalog(language, handout_id)
            strings[language.code] = {u.context: str(catalog.get(u.msgid, u.context).string) for u in safety}
        codes = list(strings)
        for i, code in enumerate(codes):
            language = get_language(code)
            other_code = codes[(i + 1) % len(codes)]
            for unit in safety:
                for kind, text in mutations(unit.msgid, strings[code][unit.context], strings[other_code][unit.context]):
                    problems = safety_text_problems(unit.msgid, text, language, identifier,
                                                    label=unit.context.startswith("label/"))
                    problems += [d for s, d in integrity_problems(unit.msgid, text, language, cfg, True) if s == "error"]
                    total[kind] += 1
                    caught[kind] += bool(problems)
    print("Crafted faults caught (shipped catalogs' safety messages, every language):")
    for kind in total:
        print(f"  {kind:<30} {caught[kind]:>4}/{total[kind]:<4} {caught[kind] / total[kind]:.1%}")
    variations = tomllib.loads(VARIATIONS.read_text(encoding="utf-8"))["variation"]
    alarms, seen = Counter(), Counter()
    for v in variations:
        language = get_language(v["language"])
        problems = safety_text_problems(v["english"], v["translation"], language, identifier,
                                        label=v.get("label", False))
        problems += [d for s, d in integrity_problems(v["english"], v["translation"], language, cfg, True)
                     if s == "error"]
        seen[v["kind"]] += 1
        alarms[v["kind"]] += bool(problems)
        if problems:
            print(f"  FALSE ALARM [{v['language']}] {v['translation']!r}: {problems}")
    print("False alarms on correct variations:")
    for kind in seen:
        print(f"  {kind:<30} {alarms[kind]:>3}/{seen[kind]:<3}")
    print(f"  {'all':<30} {sum(alarms.values()):>3}/{sum(seen.values()):<3}")


if __name__ == "__main__":
    main()
