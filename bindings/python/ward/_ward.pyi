"""Type stubs of the native extension ward._ward (use it through ``import ward``)."""

import datetime
import os
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple, Union, overload

from ward._types import Explanation

# (kind, id): kind is "user", "agent" or "builder". A {"kind": ..., "id": ...} dict works too.
IdentityLike = Union[Tuple[str, str], Sequence[str], Mapping[str, str]]
# (type, id), or {"type": ..., "id": ..., "attrs": {...}} with inline attributes (for a
# resource that is not in the store only: on a stored one they make the request invalid).
ResourceLike = Union[Tuple[str, str], Sequence[str], Mapping[str, Any]]
# Context entries and inline attributes: str, int, bool, lists of str or of int are the
# language's values; None is absent; anything else is passed as its JSON form (opaque to
# the language: reading it in a rule is an evaluation error).
ContextLike = Mapping[str, Any]
# A tool call's arguments: a dict with str keys of JSON-like values (None, bool, int, float,
# str, list, tuple, dict), sent as JSON text; anything else raises TypeError.
ArgsLike = Mapping[str, Any]
# RFC 3339 text or an aware datetime; a naive datetime is rejected (ward.RequestError).
TimeLike = Union[str, datetime.datetime]
PathLike = Union[str, bytes, "os.PathLike[str]"]
TextLike = Union[str, bytes, bytearray, memoryview]
EntityLike = Union[str, bytes, Mapping[str, Any]]
SourcesLike = Union[Sequence[Tuple[str, Union[str, bytes]]], Mapping[str, Union[str, bytes]]]
BundleLike = Union[bytes, bytearray, memoryview, PathLike]
# A PEM text: a public key (SPKI, "-----BEGIN PUBLIC KEY-----") or a private key (PKCS#8).
PemLike = Union[str, bytes]
# A grant's lifetime: seconds, or a timedelta.
TtlLike = Union[int, float, datetime.timedelta]
# When a grant was issued: an aware datetime, RFC 3339 text or Unix seconds.
IssuedAtLike = Union[datetime.datetime, str, int, float]

class Obligations:
    """What the caller must enforce on an ALLOW."""

    @property
    def redact(self) -> List[Tuple[str, str]]:
        """(pattern, replacement) pairs, RE2 syntax, sorted; applied by Decision.redact."""
    @property
    def limits(self) -> Dict[str, int]: ...
    @property
    def log(self) -> str:
        """"none", "summary" or "full"."""
    def to_dict(self) -> Dict[str, Any]:
        """{"redact": [{"pattern", "replacement"}...], "limits": {...}, "log": ...}."""

class EvaluationError:
    """An error while evaluating a condition of a candidate rule (rule "" for the request)."""

    @property
    def rule(self) -> str: ...
    @property
    def principal(self) -> Tuple[str, str]: ...
    @property
    def message(self) -> str: ...

class Decision:
    @property
    def effect(self) -> str:
        """"ALLOW", "DENY" or "NEEDS_APPROVAL"."""
    @property
    def reason(self) -> str:
        """"permitted", "forbidden", "approval_required", "no_matching_permit",
        "unknown_identity", "lifecycle", "unowned", "internal_error" or "invalid_request"."""
    @property
    def allowed(self) -> bool: ...
    @property
    def denied_by(self) -> Optional[Tuple[str, str]]:
        """None on ALLOW; else the (kind, id) whose own decision is the final one."""
    @property
    def rules(self) -> List[str]: ...
    @property
    def obligations(self) -> Optional[Obligations]:
        """The obligations on ALLOW; None on any other effect."""
    @property
    def errors(self) -> List[EvaluationError]: ...
    @property
    def approval_digest(self) -> Optional[str]:
        """On NEEDS_APPROVAL: the digest (64 hex digits) a grant must name; else None."""
    @property
    def approved_by(self) -> Optional[Tuple[str, str]]:
        """On an ALLOW that a grant made possible: the approver's (kind, id); else None."""
    @property
    def shadow(self) -> Optional[Dict[str, Any]]:
        """When the policy has @shadow rules and enforcing them would change this decision: what
        it would have been (the keys of the JSON `shadow`: effect, reason, denied_by, rules,
        obligations); else None."""
    @property
    def policy_hash(self) -> int: ...
    def to_json(self) -> str:
        """The canonical JSON decision, as `ward eval` prints it."""
    @overload
    def redact(self, text: str) -> str: ...
    @overload
    def redact(self, text: Union[bytes, bytearray, memoryview]) -> bytes: ...

class Redactor:
    """A decision's redactions applied to output that arrives in chunks.

    Whatever the split into chunks, what write() and finish() return adds up to
    Decision.redact of the whole text: a match split between chunks is still redacted. The
    first chunk fixes the kind of text (str, or UTF-8 bytes, checked). A pattern that can
    match unboundedly long text makes the redactor hold everything until finish()
    (``incremental`` is False), up to ``max_buffered`` bytes. After any failure
    (ward.RedactionError) every call fails: release nothing more.
    """

    def __init__(self, decision: Decision, *, window: int = 4096,
                 max_buffered: int = 16777216) -> None: ...
    @overload
    def write(self, chunk: str) -> str: ...
    @overload
    def write(self, chunk: Union[bytes, bytearray, memoryview]) -> bytes: ...
    def finish(self) -> Union[str, bytes]: ...
    @property
    def incremental(self) -> bool: ...
    @property
    def held_bytes(self) -> int: ...

class DecisionLog:
    """Every decision of the engines it is given to, one JSON object per line (schema
    version 1, docs/decision-logs.md), written by a thread of its own; a record that does not
    fit in the deciding thread's queue is dropped and counted (stats)."""
    @staticmethod
    def to_file(
        path: str,
        *,
        level: str = "summary",
        thread_queue_bytes: int = 0,
        revision: str = "",
        max_file_bytes: int = 100 << 20,
        max_files: int = 5,
    ) -> DecisionLog: ...
    @staticmethod
    def to_stdout(
        *, level: str = "summary", thread_queue_bytes: int = 0, revision: str = ""
    ) -> DecisionLog: ...
    @staticmethod
    def to_callback(
        callback: Callable[[str], Any],
        *,
        level: str = "summary",
        thread_queue_bytes: int = 0,
        revision: str = "",
    ) -> DecisionLog:
        """`callback(record)` runs on the log's thread with each record (one JSON object)."""
    def flush(self) -> None: ...
    def close(self) -> None: ...
    @property
    def stats(self) -> Dict[str, int]: ...
    def __enter__(self) -> DecisionLog: ...
    def __exit__(self, *args: Any) -> bool: ...

class Engine:
    @staticmethod
    def from_sources(
        sources: SourcesLike,
        entities_json: Optional[EntityLike] = None,
        *,
        approval_keys: Sequence[PemLike] = ...,
        trusted_keys: Sequence[PemLike] = ...,
        max_used_grants: Optional[int] = None,
    ) -> Engine:
        """Compiles policy sources; raises ward.PolicyError with .issues on errors.

        approval_keys: the public keys (SPKI PEM) whose grants the engine accepts (none: every
        grant is refused). trusted_keys: the keys every bundle the engine loads later
        (reload(bundle=...)) must be signed by. max_used_grants: how many used grants it
        remembers at once."""
    @staticmethod
    def from_files(
        paths: Union[PathLike, Sequence[PathLike]],
        entities: Optional[PathLike] = None,
        *,
        entities_json: Optional[EntityLike] = None,
        approval_keys: Sequence[PemLike] = ...,
        trusted_keys: Sequence[PemLike] = ...,
        max_used_grants: Optional[int] = None,
    ) -> Engine: ...
    @staticmethod
    def from_bundle(
        bundle: BundleLike,
        entities: Optional[PathLike] = None,
        *,
        entities_json: Optional[EntityLike] = None,
        approval_keys: Sequence[PemLike] = ...,
        trusted_keys: Sequence[PemLike] = ...,
        max_used_grants: Optional[int] = None,
    ) -> Engine:
        """With trusted_keys, the bundle (and every later one) must be signed by one of them
        (ward.BundleError otherwise)."""
    def decide(
        self,
        subject: IdentityLike,
        action: str,
        resource: ResourceLike,
        context: Optional[ContextLike] = None,
        on_behalf_of: Optional[Sequence[IdentityLike]] = None,
        now: Optional[TimeLike] = None,
        *,
        args: Optional[ArgsLike] = None,
        approval: Optional[str] = None,
    ) -> Decision:
        """`context`: what the host asserts; `args`: the tool call's arguments as the model
        wrote them; `approval`: a grant token."""
    def decide_json(self, request: TextLike) -> str:
        """Decides a JSON request (exchange format); returns the JSON decision."""
    def explain(
        self,
        subject: IdentityLike,
        action: str,
        resource: ResourceLike,
        context: Optional[ContextLike] = None,
        on_behalf_of: Optional[Sequence[IdentityLike]] = None,
        now: Optional[TimeLike] = None,
        *,
        args: Optional[ArgsLike] = None,
        approval: Optional[str] = None,
    ) -> Explanation:
        """The decision and its trace: .decision, .text, .principals; unpacks as
        (decision, text)."""
    def explain_json(self, request: TextLike) -> Explanation: ...
    def approval_digest(
        self,
        subject: IdentityLike,
        action: str,
        resource: ResourceLike,
        context: Optional[ContextLike] = None,
        on_behalf_of: Optional[Sequence[IdentityLike]] = None,
        now: Optional[TimeLike] = None,
        *,
        args: Optional[ArgsLike] = None,
        approval: Optional[str] = None,
    ) -> str:
        """The approval digest of a request, without deciding it (context, time and grant
        play no part): what an approval service signs for the request it showed a person."""
    def approval_digest_json(self, request: TextLike) -> str: ...
    def approve(
        self,
        digest: str,
        approver: str,
        key: PemLike,
        *,
        ttl: TtlLike = 900,
        issued_at: Optional[IssuedAtLike] = None,
        jti: Optional[str] = None,
    ) -> str:
        """Signs a grant (a token for a request's `approval`): the user `approver` approves
        the request whose digest is `digest`; `key` is the approval service's private key
        (PKCS#8 PEM); `ttl` in seconds (default 900) or a timedelta."""
    @property
    def used_grant_count(self) -> int: ...
    def upsert_identity(self, identity: EntityLike) -> None: ...
    def upsert_resource(self, resource: EntityLike) -> None: ...
    def revoke(self, id: str) -> None: ...
    def remove_identity(self, id: str) -> None: ...
    def remove_resource(self, type: str, id: str) -> None: ...
    def replace_entities(
        self, entities: Optional[PathLike] = None, *, entities_json: Optional[EntityLike] = None
    ) -> None: ...
    def reload(
        self,
        files: Optional[Union[PathLike, Sequence[PathLike]]] = None,
        *,
        sources: Optional[SourcesLike] = None,
        bundle: Optional[BundleLike] = None,
    ) -> None:
        """A bundle must be signed by one of the engine's trusted_keys, when it has any."""
    def to_bundle(self, *, key: Optional[PemLike] = None) -> bytes:
        """The current policy as bundle bytes, as `ward compile` writes them; signed with the
        private key `key` when given."""
    def what_may(
        self,
        subject: IdentityLike,
        on_behalf_of: Optional[Sequence[IdentityLike]] = None,
        context: Optional[ContextLike] = None,
        now: Optional[TimeLike] = None,
        *,
        fix_now: bool = False,
        sensitivity: Optional[Dict[str, str]] = None,
    ) -> Dict[str, Any]:
        """Every action on every stored resource `subject` may reach, with the effect and the
        condition on the request when it depends on one."""
    def unknown_identities(self) -> List[Dict[str, Any]]:
        """The unknown identities that called the engine, most recently seen first."""
    def set_decision_log(self, log: Optional[DecisionLog]) -> None:
        """Records every later decision in `log`; None stops recording."""
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    @property
    def warnings(self) -> List[Any]:
        """The compile warnings of the current policy, as ward.Issue objects."""
    @property
    def policy_hash(self) -> int: ...
    def __enter__(self) -> Engine: ...
    def __exit__(self, *args: Any) -> bool: ...

def generate_signing_key() -> Tuple[str, str]:
    """A new Ed25519 key pair: (private_pem (PKCS#8), public_pem (SPKI))."""

def public_key_of(key: PemLike) -> str:
    """The public key (SPKI PEM) of a private key (PKCS#8 PEM)."""

def mint_grant(
    digest: str,
    approver: str,
    key: PemLike,
    *,
    ttl: TtlLike = 900,
    issued_at: Optional[IssuedAtLike] = None,
    jti: Optional[str] = None,
) -> str:
    """As Engine.approve, without an engine."""
