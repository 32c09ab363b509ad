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

    def __reduce__(self):  # whole across processes (a check or build worker's error reaches the CLI intact)
        return (self.__class__, (self.message, self.path, self.line, self.hint))

    def __str__(self) -> str:
        where = ""
        if self.path:
            where = f"{self.path}:{self.line}: " if self.line else f"{self.path}: "
        text = f"{where}{self.message}"
        if self.hint:
            text += f" — {self.hint}"
        return " ".join(text.split("\n"))


class HandoutErrors(HandoutError):
    """Several problems found in one pass (every bad key of a configuration): one line each, the first one's
    file, line and hint as the error's own."""

    def __init__(self, errors: list[HandoutError]) -> None:
        flat: list[HandoutError] = []
        for error in errors:
            flat += error.errors if isinstance(error, HandoutErrors) else [error]
        first = flat[0]
        super().__init__(first.message, first.path, first.line, first.hint)
        self.errors = flat

    def __reduce__(self):  # from a worker process whole, every line (HandoutError's would lose them)
        return (self.__class__, (self.errors,))

    def __str__(self) -> str:
        return "\n".join(HandoutError.__str__(error) for error in self.errors)


class BuildCrashed(Exception):
    """A worker process died; outputs written so far are whole (atomic), the rest are not written."""
