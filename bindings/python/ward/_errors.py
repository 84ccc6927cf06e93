"""The exceptions of the ward package.

Every failure of the package is an instance of :class:`Error`; those caused by bad input are
also the matching built-in (a :class:`RequestError` is a ``ValueError``), so that callers
may catch either. Wrong argument types raise ``TypeError``; files that cannot be read raise
``OSError`` (``FileNotFoundError``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Sequence


@dataclass(frozen=True)
class Issue:
    """One compile diagnostic: where it is and what it says."""

    severity: str  # "error" or "warning"
    source: str  # the source name given to the compiler (the path for files)
    line: int  # 1-based; 0 when it concerns no position
    column: int  # 1-based, in characters
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}:{self.column}: {self.severity}: {self.message}"


class Error(Exception):
    """The base class of every error the package raises."""


class PolicyError(Error):
    """The policy set does not compile, or a bundle is invalid.

    ``issues`` lists the compile diagnostics (errors and warnings), each an :class:`Issue`;
    it is empty for an invalid bundle.
    """

    def __init__(self, message: str, issues: Sequence[Issue] = ()) -> None:
        super().__init__(message)
        self.issues: List[Issue] = list(issues)

    @property
    def errors(self) -> List[Issue]:
        """The issues of severity "error"."""
        return [issue for issue in self.issues if issue.severity == "error"]


class EntityError(Error, ValueError):
    """Entities that do not load or do not fit the policy's schema."""


class RequestError(Error, ValueError):
    """A request the exchange format rejects (malformed JSON, a missing field, ...)."""


class NotFoundError(Error, LookupError):
    """An entity update names an identity or resource that does not exist."""


class EngineClosedError(Error):
    """A call on an engine after close()."""


class NotAllowed(Error):
    """A guarded call was not allowed; ``decision`` is the engine's decision."""

    def __init__(self, message: str, decision: Any) -> None:
        super().__init__(message)
        self.decision = decision


class Denied(NotAllowed):
    """A guarded call was denied (the decision's effect is DENY)."""


class ApprovalRequired(NotAllowed):
    """A guarded call needs a person's approval (the decision's effect is NEEDS_APPROVAL)."""
