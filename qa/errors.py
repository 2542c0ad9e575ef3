"""The project's own errors: each message is one sentence a user can act on."""

from __future__ import annotations

from dataclasses import dataclass

MAX_PROBLEMS_SHOWN = 50


class ArchiveError(Exception):
    """Base of every error archive-qa reports to a user (CLI and web turn it into one message)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the records: where it is and what it is."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.file}, line {self.line}" if self.line is not None else self.file
        return f"{where}: {self.message}"


class RecordsError(ArchiveError):
    """One or more records could not be read; carries every problem found."""

    def __init__(self, problems: list[Problem], hint: str = "") -> None:
        self.problems = list(problems)
        self.hint = hint
        super().__init__(self.describe())

    def describe(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the records"
        lines = [str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        if n > MAX_PROBLEMS_SHOWN:
            lines.append(f"... and {n - MAX_PROBLEMS_SHOWN} more")
        text = head + ":\n  " + "\n  ".join(lines)
        if self.hint:
            text += "\n" + self.hint
        return text


class DateError(ArchiveError):
    """A date string that is not a date (unknown form or impossible day)."""


class IndexProblem(ArchiveError):
    """The index on disk is missing, damaged or does not match what it claims."""


class RebuildRunning(IndexProblem):
    """A rebuild or upload asked for while another one runs; nothing was changed."""


class ModelError(ArchiveError):
    """The embedding model could not be loaded."""


class QuestionError(ArchiveError):
    """A question that cannot be asked (empty, too long)."""


class SettingError(ArchiveError):
    """An environment setting archive-qa cannot use; the message names it and the values it may take."""


class ServiceError(ArchiveError):
    """A service a build or an index needs (a Ray cluster, a Milvus server) cannot be reached or failed; the
    message names its address and the command that starts it."""
