"""`check --rebuild`: build again into a temporary folder and compare bytes, so a file that is not what the
pipeline makes today fails, whatever output/.cache says (the cache sits beside the outputs it vouches for)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from handout_pipeline import build as builder
from handout_pipeline.build import output_path
from handout_pipeline.checks import Finding
from handout_pipeline.project import Project

REPRODUCIBLE = ("pdf", "docx", "txt")   # MP3 narration is not byte-reproducible (eSpeak NG, LAME)


def rebuild_findings(project: Project, handouts: tuple[str, ...] = (), languages: tuple[str, ...] = (),
                     workers: int | None = None) -> list[Finding]:
    """An error for every reproducible output that differs from (or is missing next to) a fresh build."""
    findings: list[Finding] = []
    with tempfile.TemporaryDirectory(prefix="handout-rebuild-") as tmp:
        fresh_root = Path(tmp) / "root"
        _copy_inputs(project, fresh_root)
        fresh = Project.open(fresh_root)
        jobs = builder.plan(fresh, handouts, languages, REPRODUCIBLE, force=True)
        results = builder.execute(jobs, workers or builder.default_workers(), lambda result: None)
        failed = {(r.handout, r.language, r.format): r.reason for r in results if r.status == builder.FAILED}
        for handout_id in project.handout_ids(handouts):
            for language in project.languages(languages):
                for fmt in REPRODUCIBLE:
                    mine = output_path(project, handout_id, language, fmt)
                    theirs = output_path(fresh, handout_id, language, fmt)
                    rel = mine.relative_to(project.root).as_posix()

                    def add(detail: str) -> None:
                        findings.append(Finding("outputs", "error", handout_id, language.tag, None, detail,
                                                path=rel, format=fmt))

                    if (handout_id, language.tag, fmt) in failed:
                        continue  # the language is not built at all: the catalog findings say why
                    if not theirs.exists():
                        continue
                    if not mine.exists():
                        add(f"{fmt.upper()} missing ({mine.name}): run 'handout build'")
                    elif mine.read_bytes() != theirs.read_bytes():
                        add(f"{fmt.upper()} is not what the pipeline makes today from these inputs (its bytes "
                            "differ from a fresh build): something changed it after the build; run "
                            "'handout build --force' and find out what touched the file")
    return findings


def _copy_inputs(project: Project, target: Path) -> None:
    """Source, catalogs and configuration: everything a build reads from the content root, not output/."""
    target.mkdir(parents=True)
    for folder in ("source", "locales"):
        if (project.root / folder).is_dir():
            shutil.copytree(project.root / folder, target / folder)
    config = project.config.path
    if config is not None:
        shutil.copy2(config, target / Path(config).name)
