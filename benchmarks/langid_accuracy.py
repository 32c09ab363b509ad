"""Which offline language identifier to trust: accuracy per language on the short messages of OUR catalogs.

Run: .venv/bin/python benchmarks/langid_accuracy.py [--root .]
Each translated message of every shipped catalog (and the English source) is identified by lingua-language-detector,
py3langid and pycld2, each restricted to the project's languages where the library allows it (pycld2 does not),
and counted right when the identifier names the catalog's language. Chinese is one language to all three; the
Simplified/Traditional split is the script check's job. Reported for safety messages and for all messages.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

from handout_pipeline.i18n.units import is_safety_context, units
from handout_pipeline.inline import PLACEHOLDER
from handout_pipeline.project import Project

BASE = {"zh_Hans": "zh", "zh_Hant": "zh"}


def lingua_identifier(codes):
    from lingua import IsoCode639_1, LanguageDetectorBuilder

    detector = LanguageDetectorBuilder.from_iso_codes_639_1(
        *[getattr(IsoCode639_1, c.upper()) for c in codes]).build()
    return lambda text: (lambda lang: lang.iso_code_639_1.name.lower() if lang else None)(
        detector.detect_language_of(text))


def py3langid_identifier(codes):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(codes))
    return lambda text: identifier.classify(text)[0]


def pycld2_identifier(codes):
    import pycld2

    def identify(text):
        reliable, _, details = pycld2.detect(text)
        code = details[0][1]
        return {"zh-Hant": "zh", "un": None}.get(code, code)
    return identify


def samples(project: Project):
    for handout_id in project.handout_ids():
        source = project.handout(handout_id)
        template = list(units(source))
        yield from (("en", u.context, u.msgid) for u in template)
        for language in project.config.translated_languages:
            catalog = project.catalog(language, handout_id)
            for unit in template:
                message = catalog.get(unit.msgid, unit.context) if catalog else None
                if message is not None and message.string and not message.fuzzy:
                    yield language.code, unit.context, str(message.string)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", default=".")
    args = parser.parse_args()
    project = Project.open(Path(args.root))
    codes = sorted({BASE.get(lang.code, lang.code) for lang in project.config.languages})
    data = [(code, ctx, PLACEHOLDER.sub("", text)) for code, ctx, text in samples(project)]
    results = {}
    for name, factory in (("lingua", lingua_identifier), ("py3langid", py3langid_identifier),
                          ("pycld2", pycld2_identifier)):
        started = time.perf_counter()
        identify = factory(codes)
        loaded = time.perf_counter() - started
        right: dict[tuple[str, bool], list[int]] = defaultdict(lambda: [0, 0])
        started = time.perf_counter()
        for code, ctx, text in data:
            got = identify(text)
            for key in ((code, True), (code, is_safety_context(ctx))) if is_safety_context(ctx) else ((code, False),):
                pass
            cell = right[(code, is_safety_context(ctx))]
            cell[0] += got == BASE.get(code, code)
            cell[1] += 1
        results[name] = (right, loaded, time.perf_counter() - started)
    languages = sorted({code for code, _, _ in data})
    print(f"{len(data)} messages; per language: safety messages right/total, then all messages")
    print(f"{'language':<9}" + "".join(f"{name:>24}" for name in results))
    for code in languages:
        row = f"{code:<9}"
        for right, _, _ in results.values():
            s, o = right[(code, True)], right[(code, False)]
            row += f"{s[0]:>7}/{s[1]:<3} {s[0] + o[0]:>6}/{s[1] + o[1]:<5}"
        print(row)
    for name, (right, loaded, spent) in results.items():
        s_right = sum(v[0] for (c, safe), v in right.items() if safe)
        s_total = sum(v[1] for (c, safe), v in right.items() if safe)
        a_right = sum(v[0] for v in right.values())
        a_total = sum(v[1] for v in right.values())
        print(f"{name}: safety {s_right}/{s_total} ({s_right / s_total:.1%}), all {a_right}/{a_total} "
              f"({a_right / a_total:.1%}); load {loaded:.2f} s, {spent * 1000 / len(data):.2f} ms a message")


if __name__ == "__main__":
    main()
