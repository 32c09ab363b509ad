"""Plan (handout x language x format), incremental cache, parallel executor, one result per output."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path
from typing import Callable, Iterator

from handout_pipeline import __version__
from handout_pipeline.writers.audio_synth import SynthesisError
from handout_pipeline.errors import BuildCrashed, HandoutError
from handout_pipeline.fsutil import write_atomic
from handout_pipeline.languages import Language, get_language
from handout_pipeline.project import Project
from handout_pipeline.review.records import record_path
from handout_pipeline.review.status import is_draft
from handout_pipeline.writers import FORMATS, WriterUnavailable, get_writer

PACKAGE = Path(__file__).resolve().parent
CACHE_DIR = ".cache"
# Slowest first, so two workers finish together: CJK subsetting dominates PDF time.
_COST = {"zh_Hans": 0, "zh_Hant": 0, "ko": 1}

BUILT, UP_TO_DATE, FAILED, SKIPPED = "built", "up to date", "failed", "skipped"


@dataclass(frozen=True, slots=True)
class Result:
    handout: str
    language: str      # BCP 47 tag
    format: str
    status: str        # built | up to date | failed | skipped
    path: str | None = None
    reason: str = ""
    seconds: float = 0.0
    finding: bool = False  # failed because of the content (untranslated warning signs), not bad input


@dataclass(frozen=True, slots=True)
class Job:
    root: str
    handout: str
    language: str      # locale code
    formats: tuple[str, ...]
    force: bool = False


def output_path(project: Project, handout_id: str, language: Language, fmt: str) -> Path:
    return project.config.output_dir / handout_id / language.tag / f"{handout_id}.{language.tag}.{fmt}"


def manifest_path(project: Project, handout_id: str, language: Language, fmt: str) -> Path:
    return project.config.output_dir / CACHE_DIR / handout_id / f"{language.tag}.{fmt}.json"


@lru_cache(maxsize=1)
def _package_digest() -> str:
    """The package's own code and assets: a change to any writer or template rebuilds."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".j2", ".css", ".html", ".toml"} and \
                path.relative_to(PACKAGE).parts[0] != "site":  # the status site is no writer's input
            digest.update(str(path.relative_to(PACKAGE)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def _file_digest(path: Path) -> str:
    """What a file contributes to an output's inputs; by content, so a moved content root stays current."""
    try:
        stat = path.stat()
    except OSError:
        return f"{path.name}:missing"
    if stat.st_size > 4_000_000:  # large fonts: size and mtime are enough and hashing them is slow
        return f"{path}:{stat.st_size}:{stat.st_mtime_ns}"
    return f"{path.name}:" + hashlib.sha256(path.read_bytes()).hexdigest()


def file_digest(path: Path) -> str:
    """_file_digest of a system file (font, voice data, package module), hashed once per process while its
    size, date and inode stay the same: a worker building 40 outputs reads each font once, not 40 times.
    Never used for content (source, catalogs, configuration), which a test or an editor rewrites in place."""
    try:
        stat = path.stat()
    except OSError:
        return f"{path.name}:missing"
    return _system_file_digest(str(path), stat.st_size, stat.st_mtime_ns, stat.st_ino)


@lru_cache(maxsize=1024)
def _system_file_digest(path: str, size: int, mtime_ns: int, inode: int) -> str:
    return _file_digest(Path(path))


def inputs_digest(project: Project, handout_id: str, language: Language, fmt: str) -> str:
    """Everything an output depends on: source, catalog, configuration, templates, fonts, package."""
    parts = [_package_digest(), fmt, language.code,
             _file_digest(project.source_path(handout_id)),
             _file_digest(project.config.path) if project.config.path else "no-config"]
    if language.code != "en":
        po = project.po_path(language, handout_id)
        parts += [_file_digest(po), _file_digest(record_path(po))]  # an approval removes the draft mark
    parts += [file_digest(p) for p in _writer_inputs(fmt, project.render_context(language))]
    if fmt == "mp3":  # human recordings played in the narration (content, read each time)
        from handout_pipeline import recordings

        parts.append(recordings.content_digest(project.root, language))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


_WRITER_INPUTS: dict[tuple[str, str], tuple[Path, ...]] = {}


def _writer_inputs(fmt: str, ctx) -> tuple[Path, ...]:
    """The system files a writer's output depends on for a context (templates, fonts, voice data): found once
    per process (the MP3 writer searches eSpeak NG's data folder for them); their digests are taken each time."""
    key = (fmt, repr(ctx))  # a RenderContext holds dicts (the region's facts): not hashable itself
    if key not in _WRITER_INPUTS:
        _WRITER_INPUTS[key] = tuple(Path(p) for p in get_writer(fmt).inputs(ctx))
    return _WRITER_INPUTS[key]


def sha256_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def output_state(project: Project, handout_id: str, language: Language, fmt: str) -> str:
    """'current', 'missing', 'stale' (inputs changed) or 'damaged' (file differs from what was built)."""
    out = output_path(project, handout_id, language, fmt)
    if not out.exists():
        return "missing"
    try:
        record = json.loads(manifest_path(project, handout_id, language, fmt).read_text())
    except (OSError, ValueError):
        return "stale"
    if record.get("output_sha256") != sha256_file(out):
        return "damaged"
    if record.get("inputs") != inputs_digest(project, handout_id, language, fmt):
        return "stale"
    return "current"


def _record(project: Project, handout_id: str, language: Language, fmt: str, digest: str, data: bytes,
            seconds: float) -> None:
    record = {"inputs": digest, "output_sha256": hashlib.sha256(data).hexdigest(), "version": __version__,
              "seconds": round(seconds, 2)}  # build time, for the status site's chart
    write_atomic(manifest_path(project, handout_id, language, fmt), json.dumps(record).encode())


def run_job(job: Job) -> list[Result]:
    """Build the formats of one handout in one language; never raises for a user error."""
    project = Project.open(job.root)
    language = project.config.language(job.language)
    results: list[Result] = []
    pending = []
    for fmt in job.formats:
        if not job.force and output_state(project, job.handout, language, fmt) == "current":
            results.append(Result(job.handout, language.tag, fmt, UP_TO_DATE,
                                  str(output_path(project, job.handout, language, fmt))))
        else:
            pending.append(fmt)
    if not pending:
        return results
    try:
        translated = project.localized(job.handout, language)
    except HandoutError as exc:
        return results + [Result(job.handout, language.tag, fmt, FAILED, reason=str(exc)) for fmt in pending]
    if translated.missing_safety:
        ids = ", ".join(u.context for u in translated.missing_safety[:4])
        more = "" if len(translated.missing_safety) <= 4 else f" and {len(translated.missing_safety) - 4} more"
        reason = (f"not built: {len(translated.missing_safety)} warning sign(s) not translated or fuzzy ({ids}{more});"
                  " finish them in the catalog (see 'handout stats')")
        return results + [Result(job.handout, language.tag, fmt, FAILED, reason=reason, finding=True)
                          for fmt in pending]
    english = (f"; {len(translated.missing)} message(s) not translated yet are in English"
               if translated.missing else "")
    ctx = replace(project.render_context(language), draft=is_draft(project, job.handout, language))
    for fmt in pending:
        started = time.monotonic()
        out = output_path(project, job.handout, language, fmt)
        try:
            digest = inputs_digest(project, job.handout, language, fmt)
            data = get_writer(fmt).write(translated.handout, ctx)
            write_atomic(out, data)
            _record(project, job.handout, language, fmt, digest, data, time.monotonic() - started)
        except WriterUnavailable as exc:
            results.append(Result(job.handout, language.tag, fmt, SKIPPED, reason=str(exc)))
            continue
        except HandoutError as exc:
            results.append(Result(job.handout, language.tag, fmt, FAILED, reason=str(exc)))
            continue
        except SynthesisError as exc:  # e.g. silence for a text with nothing to say: a failed output, not a crash
            results.append(Result(job.handout, language.tag, fmt, FAILED,
                                  reason=f"speech synthesis failed: {exc}; check the text of that message"))
            continue
        results.append(Result(job.handout, language.tag, fmt, BUILT, str(out), english.lstrip("; "),
                              round(time.monotonic() - started, 2)))
    return results


def plan(project: Project, handouts: tuple[str, ...] = (), languages: tuple[str, ...] = (),
         formats: tuple[str, ...] = (), force: bool = False) -> list[Job]:
    """One job per handout and language, slowest languages first."""
    for fmt in formats:
        get_writer(fmt)
    chosen_formats = tuple(dict.fromkeys(formats)) or FORMATS
    ids = project.handout_ids(handouts)
    for handout_id in ids:
        project.handout(handout_id)  # a broken source is one clear error before any work starts
    langs = sorted(project.languages(languages), key=lambda lang: _COST.get(lang.code, 9))
    return [Job(str(project.root), h, lang.code, chosen_formats, force) for lang in langs for h in ids]


@contextlib.contextmanager
def build_lock(project: Project, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Serialise builds of one content root: a second build waits for the first."""
    out = project.config.output_dir
    # filelock, not fcntl: the CLI must start on Windows too (fcntl does not exist there).
    from filelock import FileLock, Timeout

    try:
        out.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(out / ".lock"))
        try:
            lock.acquire(timeout=0)
        except Timeout:
            if on_wait:
                on_wait()
            lock.acquire()
    except OSError as exc:
        raise HandoutError(f"cannot use the output folder ({exc.strerror})", out,
                           hint="make it writable or remove it") from None
    try:
        _remove_torn_temporaries(out)
        yield
    finally:
        lock.release()


def _remove_torn_temporaries(out: Path) -> None:
    """Temporary files left by a killed build are never outputs; clear them under the lock."""
    for tmp in out.rglob(".*.tmp"):
        with contextlib.suppress(OSError):
            tmp.unlink()


def execute(jobs: list[Job], workers: int, on_result: Callable[[Result], None]) -> list[Result]:
    """Run jobs across processes (or inline for one worker); report each result as it comes."""
    results: list[Result] = []
    if workers <= 1 or len(jobs) <= 1:
        for job in jobs:
            for result in run_job(job):
                results.append(result)
                on_result(result)
        return results
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(run_job, job) for job in jobs]
            for future in as_completed(futures):
                for result in future.result():
                    results.append(result)
                    on_result(result)
    except BrokenProcessPool:
        raise BuildCrashed("a build worker stopped unexpectedly (killed or out of memory); every file already "
                           "written is complete: run 'handout build' again") from None
    return results


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
