"""The exceptions of the ward package.

Every failure of the package is an instance of :class:`WardError`; those caused by bad input
are also the matching built-in (a :class:`RequestError` is a ``ValueError``), so that callers
may catch either. Wrong argument types raise ``TypeError``; files that cannot be read raise
``OSError`` (``FileNotFoundError``).

The Node.js binding has the same classes under the same names (``WardError``,
``PolicyError``, ``BundleError``, ``EntityError``, ``RequestError``, ``NotFoundError``,
``EngineClosedError``, ``SigningKeyError``, ``RedactionError``, ``DeniedError``,
``ApprovalRequiredError``). ``Error``, ``Denied``, ``ApprovalRequired`` and ``ClosedError``
are other names of ``WardError``, ``DeniedError``, ``ApprovalRequiredError`` and
``EngineClosedError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, List, Optional, Sequence


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


class WardError(Exception):
    """The base class of every error the package raises."""


# The name of the base class before 0.2.
Error = WardError


class PolicyError(WardError):
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


class BundleError(PolicyError):
    """A bundle that is not one, is of another format version, is truncated or corrupted,
    or is unsigned or badly signed while the engine trusts signing keys."""


class EntityError(WardError, ValueError):
    """Entities that do not load or do not fit the policy's schema."""


class RequestError(WardError, ValueError):
    """A request the exchange format rejects (malformed JSON, a missing field, ...)."""


class NotFoundError(WardError, LookupError):
    """An entity update names an identity or resource that does not exist."""


class EngineClosedError(WardError):
    """A call on an engine after close()."""


ClosedError = EngineClosedError


class SigningKeyError(WardError, ValueError):
    """A key that is not an Ed25519 key in PEM of the expected half: a public key (SPKI)
    for ``approval_keys`` and ``trusted_keys``, an unencrypted private key (PKCS#8) to sign
    grants and bundles. The message names the argument and the entry."""


class RedactionError(WardError):
    """Output could not be redacted, so none of it is released: a redaction of the decision
    cannot be applied, the output is of a type that can carry text but cannot be redacted
    (an arbitrary object), it is not valid UTF-8, a stream would have to hold more than it
    may, or the decision is not ALLOW."""


class NotAllowed(WardError):
    """A guarded call was not allowed; ``decision`` is the engine's decision."""

    def __init__(self, message: str, decision: Any) -> None:
        super().__init__(message)
        self.decision = decision


class DeniedError(NotAllowed):
    """A guarded call was denied (the decision's effect is DENY)."""


class ApprovalRequiredError(NotAllowed):
    """A guarded call needs a person's approval (the decision's effect is NEEDS_APPROVAL).

    ``digest`` is the approval digest: what a grant for exactly this call must name (the
    approval service signs one with ``Engine.approve`` once a person says yes; the call is then
    retried with ``guarded.with_approval(token)``). When the call carried a grant that was
    refused (used up, for other arguments, from an untrusted key, ...), the decision's
    ``errors`` start with an entry (rule ``""``) that says why.
    """

    def __init__(self, message: str, decision: Any) -> None:
        super().__init__(message, decision)
        self.digest: Optional[str] = decision.approval_digest


Denied = DeniedError
ApprovalRequired = ApprovalRequiredError
