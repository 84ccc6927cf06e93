"""Type stubs of the native extension ward._ward (use it through ``import ward``)."""

import datetime
import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union, overload

# (kind, id): kind is "user", "agent" or "builder". A {"kind": ..., "id": ...} dict works too.
IdentityLike = Union[Tuple[str, str], Sequence[str], Mapping[str, str]]
# (type, id), or {"type": ..., "id": ..., "attrs": {...}} with inline attributes.
ResourceLike = Union[Tuple[str, str], Sequence[str], Mapping[str, Any]]
# Context entries and inline attributes: str, int, bool, lists of str or of int are the
# language's values; None is absent; anything else is passed as its JSON form (opaque to
# the language: reading it in a rule is an evaluation error).
ContextLike = Mapping[str, Any]
# RFC 3339 text or an aware datetime; a naive datetime is rejected (ward.RequestError).
TimeLike = Union[str, datetime.datetime]
PathLike = Union[str, bytes, "os.PathLike[str]"]
TextLike = Union[str, bytes, bytearray, memoryview]
EntityLike = Union[str, bytes, Mapping[str, Any]]
SourcesLike = Union[Sequence[Tuple[str, Union[str, bytes]]], Mapping[str, Union[str, bytes]]]

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
    """An error while evaluating a condition of a candidate rule."""

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
        "unknown_identity", "lifecycle", "unowned" or "internal_error"."""
    @property
    def allowed(self) -> bool: ...
    @property
    def denied_by(self) -> Optional[Tuple[str, str]]:
        """None on ALLOW; else the (kind, id) whose own decision is the final one."""
    @property
    def rules(self) -> List[str]: ...
    @property
    def obligations(self) -> Obligations:
        """Empty (no redactions, no limits, log "none") unless the effect is ALLOW."""
    @property
    def errors(self) -> List[EvaluationError]: ...
    @property
    def policy_hash(self) -> int: ...
    def to_json(self) -> str:
        """The canonical JSON decision, as `ward eval` prints it."""
    @overload
    def redact(self, text: str) -> str: ...
    @overload
    def redact(self, text: Union[bytes, bytearray, memoryview]) -> bytes: ...

class Engine:
    @staticmethod
    def from_sources(sources: SourcesLike, entities_json: Optional[EntityLike] = None) -> Engine:
        """Compiles policy sources; raises ward.PolicyError with .issues on errors."""
    @staticmethod
    def from_files(
        paths: Union[PathLike, Sequence[PathLike]],
        entities: Optional[PathLike] = None,
        *,
        entities_json: Optional[EntityLike] = None,
    ) -> Engine: ...
    @staticmethod
    def from_bundle(
        bundle: Union[bytes, bytearray, memoryview, PathLike],
        entities: Optional[PathLike] = None,
        *,
        entities_json: Optional[EntityLike] = None,
    ) -> Engine: ...
    def decide(
        self,
        subject: IdentityLike,
        action: str,
        resource: ResourceLike,
        context: Optional[ContextLike] = None,
        on_behalf_of: Optional[Sequence[IdentityLike]] = None,
        now: Optional[TimeLike] = None,
    ) -> Decision: ...
    def decide_json(self, request: Union[str, bytes, bytearray, memoryview]) -> str:
        """Decides a JSON request (exchange format); returns the JSON decision."""
    def explain(
        self,
        subject: IdentityLike,
        action: str,
        resource: ResourceLike,
        context: Optional[ContextLike] = None,
        on_behalf_of: Optional[Sequence[IdentityLike]] = None,
        now: Optional[TimeLike] = None,
    ) -> Tuple[Decision, str]:
        """The decision and the readable trace of every candidate rule."""
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
        bundle: Optional[Union[bytes, bytearray, memoryview, PathLike]] = None,
    ) -> None: ...
    def to_bundle(self) -> bytes:
        """The current policy as bundle bytes, as `ward compile` writes them."""
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
