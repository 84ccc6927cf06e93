"""The explanation of a decision: ``Engine.explain`` returns an :class:`Explanation`.

The structure mirrors the C++ trace (ward/decision.h: Trace, TracePrincipal, TraceRule) and
the Node.js binding's ``explain().trace``, with Python names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, List, Optional, Tuple


@dataclass(frozen=True)
class TraceRule:
    """Why a candidate rule did or did not hold."""

    rule: str
    effect: str  # "permit", "forbid" or "require_approval"
    source: str  # "file:line"
    outcome: str  # "holds", "does_not_hold" or "error"
    # "true", "false", "error: ...", or None when the clause is absent or was not evaluated.
    when: Optional[str]
    unless: Optional[str]
    # The conditions as written in the policy (None when absent).
    when_condition: Optional[str]
    unless_condition: Optional[str]


@dataclass(frozen=True)
class TracePrincipal:
    """One principal of the request: its guard, its candidate rules and its own decision."""

    identity: Tuple[str, str]  # (kind, id)
    role: str  # "subject" or "on_behalf_of[N]"
    guard: Optional[str]  # None when the guard passed, else its reason ("lifecycle", ...)
    path: List[str]  # the index keys the engine probed to find the candidates
    candidates: List[TraceRule]
    effect: str
    reason: str


class Explanation:
    """A decision with its trace.

    ``decision`` is the :class:`ward.Decision`, ``text`` the trace as ``ward explain`` prints
    it, ``principals`` the structured trace (one :class:`TracePrincipal` per principal). It
    unpacks as ``(decision, text)``, as ``explain`` returned before 0.2.
    """

    __slots__ = ("decision", "text", "principals")

    def __init__(self, decision: Any, text: str, principals: List[TracePrincipal]) -> None:
        self.decision = decision
        self.text = text
        self.principals = principals

    def __iter__(self) -> Iterator[Any]:
        return iter((self.decision, self.text))

    def __len__(self) -> int:
        return 2

    def __getitem__(self, index: int) -> Any:
        return (self.decision, self.text)[index]

    def __repr__(self) -> str:
        return f"Explanation({self.decision!r}, principals={len(self.principals)})"
