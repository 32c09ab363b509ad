"""Atomic writes: a temporary file in the same folder, fsync, then rename; never a torn file."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from handout_pipeline.errors import HandoutError

_WHY = {
    errno.ENOSPC: ("the disk is full", "free some space and run the command again"),
    errno.EDQUOT: ("the disk quota is used up", "free some space and run the command again"),
    errno.EACCES: ("permission denied", "make the folder writable or choose another with --root"),
    errno.EPERM: ("permission denied", "make the folder writable or choose another with --root"),
    errno.EROFS: ("the folder is read-only", "make the folder writable or choose another with --root"),
}


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see the old file or the new one, never a part."""
    path = Path(path)
    tmp_name = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
        tmp_name = None
    except OSError as exc:
        reason, hint = _WHY.get(exc.errno, (exc.strerror or str(exc), "check the folder and try again"))
        raise HandoutError(f"cannot write the file: {reason}", path, hint=hint) from None
    finally:
        if tmp_name is not None:
            try:
                os.unlink(tmp_name)
            except OSError:
                pass


def write_text_atomic(path: Path, text: str) -> None:
    write_atomic(path, text.encode("utf-8"))
