"""Problems found while reading an issue, shared by every importer.

Each importer collects what it finds into a :class:`ProblemLog` instead of stopping at the
first mistake, so an editor sees every problem of a file at once. Errors make the input
unusable and end in a :class:`ReportError`; warnings are oddities that the importer repaired
or let through, reported next to the document so the editor can check them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

#: Past this many errors the rest are summarised: a binary or wrongly chosen file would
#: otherwise produce one error per line.
MAX_ERRORS = 50


@dataclass(frozen=True)
class Problem:
    """One problem: a message and where it is, by line (text formats) or JSON path."""

    message: str
    line: int | None = None
    path: str | None = None

    def __str__(self) -> str:
        if self.line is not None:
            return f"line {self.line}: {self.message}"
        if self.path:
            return f"{self.path}: {self.message}"
        return self.message

    def located(self, filename: str, severity: str) -> str:
        """The problem as ``FILE:LINE: severity: message``, the shape editors and tools know."""
        if self.line is not None:
            return f"{filename}:{self.line}: {severity}: {self.message}"
        where = f"{self.path}: " if self.path else ""
        return f"{filename}: {severity}: {where}{self.message}"


class ReportError(ValueError):
    """The input cannot be turned into an issue; ``problems`` says every reason found."""

    def __init__(self, problems: Sequence[Problem], warnings: Sequence[Problem] = ()) -> None:
        self.problems = list(problems)
        self.warnings = list(warnings)
        super().__init__("\n".join(str(problem) for problem in self.problems))


@dataclass
class ProblemLog:
    """Collects errors and warnings while one input is read."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def error(self, message: str, line: int | None = None, path: str | None = None) -> None:
        """Record an error; past :data:`MAX_ERRORS` only a final summary is kept."""
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(Problem(message, line, path))
        elif len(self.errors) == MAX_ERRORS:
            self.errors.append(Problem("too many problems; the rest are not listed", line, path))

    def warn(self, message: str, line: int | None = None, path: str | None = None) -> None:
        """Record a warning: something repaired or let through that an editor should check."""
        self.warnings.append(Problem(message, line, path))

    def fail(self, message: str, line: int | None = None, path: str | None = None) -> ReportError:
        """Record an error that stops reading at once and return the exception to raise."""
        self.error(message, line, path)
        return ReportError(self.errors, self.warnings)

    def finish(self, sink: list[Problem] | None) -> None:
        """Raise the collected errors, if any; otherwise hand the warnings to ``sink``."""
        if self.errors:
            raise ReportError(self.errors, self.warnings)
        if sink is not None:
            sink.extend(self.warnings)
