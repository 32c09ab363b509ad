"""Human recordings of narration messages: where they live, the text digest each carries, whether it is current.

recordings/<locale>/<handout-id>/<message-id>.(wav|flac|mp3), e.g. recordings/tl/mini/warning-sign/fever.wav,
with a sidecar <message-id>.json written by `handout recordings stamp`: the text the recording was made from
(its digest) and the digest of the audio file it vouches for. A recording whose text changed since is stale
and is never played; one whose audio changed since its stamp (or that has none) is not stamped yet."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from handout_pipeline.errors import HandoutError
from handout_pipeline.languages import Language

RECORDINGS_DIR = "recordings"
EXTENSIONS = ("wav", "flac", "mp3")
CURRENT, STALE, UNSTAMPED = "current", "stale", "unstamped"


def text_digest(text: str) -> str:
    """The digest a recording's stamp keeps of the text it says: SHA-256 of the NFC text, 16 hex digits."""
    return hashlib.sha256(unicodedata.normalize("NFC", " ".join(text.split())).encode("utf-8")).hexdigest()[:16]


def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def folder(root: Path, language: Language, handout_id: str) -> Path:
    """Where the recordings of one handout in one language live."""
    return Path(root) / RECORDINGS_DIR / language.code / handout_id


def language_folder(root: Path, language: Language) -> Path:
    return Path(root) / RECORDINGS_DIR / language.code


def content_digest(root: Path, language: Language) -> str:
    """Every recording and stamp of a language (all its handouts) by path and whole content, read each time:
    recordings are content (replaced in place by a person), not system files hashed once per process."""
    base = language_folder(root, language)
    if not base.is_dir():
        return "no recordings"
    digest = hashlib.sha256()
    for path in sorted(p for p in base.rglob("*") if p.is_file()):
        digest.update(f"{path.relative_to(base).as_posix()}:{hashlib.sha256(path.read_bytes()).hexdigest()}\n"
                      .encode("utf-8"))
    return digest.hexdigest()


def sidecar(audio: Path) -> Path:
    return audio.with_suffix(".json")


@dataclass(frozen=True, slots=True)
class Recording:
    """One message's recording and what its stamp says about it."""

    message_id: str
    path: Path
    status: str                   # current | stale | unstamped
    stamped_text: str | None = None   # the text the stamp says was recorded

    def relative(self, root: Path) -> str:
        try:
            return self.path.relative_to(root).as_posix()
        except ValueError:
            return self.path.as_posix()


def audio_files(base: Path) -> dict[str, Path]:
    """Every recording under a handout's folder by message id; two files for one message is an error."""
    found: dict[str, Path] = {}
    if not base.is_dir():
        return found
    for path in sorted(base.rglob("*")):
        if not path.is_file() or path.suffix.lower().lstrip(".") not in EXTENSIONS:
            continue
        message_id = path.relative_to(base).with_suffix("").as_posix()
        if message_id in found:
            raise HandoutError(f"two recordings of {message_id}: {found[message_id].name} and {path.name}", path,
                               hint="keep one of them (remove or rename the other)")
        found[message_id] = path
    return found


def lookup(base: Path, message_id: str, text: str, files: dict[str, Path] | None = None) -> Recording | None:
    """The recording of a message, if there is one, with its status for the text said now."""
    files = audio_files(base) if files is None else files
    path = files.get(message_id)
    if path is None:
        return None
    stamp = read_stamp(path)
    if stamp is None or stamp.get("audio_sha256") != _file_digest(path):
        return Recording(message_id, path, UNSTAMPED, stamp.get("text") if stamp else None)
    status = CURRENT if stamp.get("text_sha256") == text_digest(text) else STALE
    return Recording(message_id, path, status, stamp.get("text"))


def read_stamp(path: Path) -> dict | None:
    """A recording's sidecar, or None when there is none; an unreadable one is an error naming it."""
    side = sidecar(path)
    if not side.is_file():
        return None
    try:
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise HandoutError(f"recording stamp cannot be read ({exc})", side,
                           hint="remove it and run 'handout recordings stamp' again") from None
    if not isinstance(data, dict):
        raise HandoutError("recording stamp is not a JSON object", side,
                           hint="remove it and run 'handout recordings stamp' again")
    return data


def write_stamp(path: Path, message_id: str, text: str) -> Path:
    """Vouch that the recording at `path` says `text` now (the sidecar next to it)."""
    from handout_pipeline.fsutil import write_atomic

    record = {"message_id": message_id, "text": text, "text_sha256": text_digest(text),
              "audio_sha256": _file_digest(path)}
    side = sidecar(path)
    write_atomic(side, (json.dumps(record, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    return side


def decode(path: Path, rate: int) -> bytes:
    """A recording as 16-bit mono PCM at `rate` (miniaudio decodes WAV, FLAC and MP3 and resamples)."""
    import miniaudio

    try:
        decoded = miniaudio.decode_file(str(path), output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1,
                                        sample_rate=rate)
    except (miniaudio.DecodeError, OSError) as exc:
        raise HandoutError(f"recording cannot be decoded ({exc})", path,
                           hint="export it again as WAV, FLAC or MP3 from the recording software") from None
    import numpy as np

    samples = np.asarray(decoded.samples, dtype=np.int32)
    pcm = decoded.samples.tobytes()
    if samples.size == 0 or int(np.abs(samples).max()) < 256:
        raise HandoutError("recording is empty or silent", path, hint="record the message again")
    return pcm
