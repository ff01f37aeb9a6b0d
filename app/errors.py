"""Domain errors: each carries a message a person can act on, shown as-is by the UI and CLI."""

from __future__ import annotations

from dataclasses import dataclass

# Re-exported: the GUI shell handles it before the data layer has loaded.
from db.errors import DatabaseProblem as DatabaseProblem


class DomainError(Exception):
    """A refusal the user can understand and fix; `str(exc)` is the message to show."""


class NotFound(DomainError):
    pass


class ValidationError(DomainError):
    """Bad input; `field` names what to fix."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Conflict(DomainError):
    """The change clashes with existing data (duplicate number, already returned, ...)."""


class OutOfStock(DomainError):
    pass


class InvalidTransition(DomainError):
    def __init__(self, kind: str, current: str, target: str, why: str = "") -> None:
        message = f"cannot move {kind} from {current} to {target}"
        super().__init__(f"{message}: {why}" if why else message)
        self.current = current
        self.target = target


class WrongItem(DomainError):
    """A product was scanned that the order being packed does not contain."""


class OverScan(DomainError):
    """More units of a product were scanned than the order needs."""


class UnknownBarcode(DomainError):
    def __init__(self, code: str) -> None:
        super().__init__(f"unknown barcode {code!r}: not a product, order, bin or command")
        self.code = code


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"row {self.row}, {self.column}: {self.reason}"


class DataImportError(DomainError):
    """A file could not be imported; `problems` lists every bad row (nothing was written)."""

    def __init__(self, source: str, problems: list[RowProblem]) -> None:
        shown = "; ".join(str(p) for p in problems[:5])
        more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
        super().__init__(f"{source}: {len(problems)} problem(s): {shown}{more}")
        self.problems = problems
