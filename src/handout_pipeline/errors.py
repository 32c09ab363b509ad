"""The one exception type for errors a user can cause (bad input), with file and line."""

from __future__ import annotations

from pathlib import Path


class HandoutError(Exception):
    """A problem with the user's input: names the file, the line, and what to do."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.hint = hint

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = f"{where}{self.message}"
        if self.hint:
            text += f" — {self.hint}"
        return " ".join(text.split("\n"))
