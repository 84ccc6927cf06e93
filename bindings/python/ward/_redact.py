"""Redacting what a guarded call releases: text, JSON-like structures and streams.

An ALLOW decision may carry redactions (``decision.obligations.redact``). :func:`redact`
applies them to whatever a tool returns, so that nothing that can carry text leaves
unredacted:

- ``str``: redacted; ``bytes``, ``bytearray`` and ``memoryview``: read as UTF-8 text
  (``RedactionError`` when they are not valid UTF-8), redacted, returned as ``bytes``
  (``bytearray`` for a ``bytearray``).
- ``dict`` (and any other mapping), ``list``, ``tuple`` (named tuples keep their type),
  ``set``, ``frozenset``: a new structure with every string redacted, dict keys included
  (``RedactionError`` when two keys become the same once redacted).
- ``None`` and ``bool``: as they are. A number (``int``, ``float``, any ``numbers.Number``) is
  not text and is returned as it is, unless its decimal form contains a match (a card number
  given as an int, say): then it is replaced by its redacted decimal form, a ``str``.
- A generator or any other iterator: a generator that yields the redacted stream. Runs of
  ``str`` chunks (or of bytes chunks) go through one :class:`ward.Redactor`, so a match split
  between chunks is still redacted; pieces are yielded as soon as no redaction can change
  them. When a pattern can match unboundedly long text (``sk-[A-Za-z0-9]+``) the whole run is
  held until the end (at most 16 MiB; beyond, ``RedactionError``). Other items (a dict, say)
  are redacted as above, one by one. An async generator or other async iterable: the same,
  as an async generator. An awaitable: a coroutine that awaits it and redacts the result.
- Anything else (an arbitrary object, a dataclass, a model instance) cannot be redacted and
  raises ``RedactionError``, rather than passing through: convert it to a dict or text first.

With no redactions, the value is returned untouched, whatever it is. A decision other than
ALLOW releases nothing: ``RedactionError``. Error messages never quote the output.
"""

from __future__ import annotations

import collections.abc
import inspect
import numbers
from typing import Any, AsyncIterator, Iterator, Optional

from ward._errors import RedactionError
from ward._ward import Redactor

_TEXT_CHUNK = (str, bytes, bytearray, memoryview)


def redact(decision: Any, value: Any) -> Any:
    """Returns ``value`` with the redactions of ``decision`` applied (see the module)."""
    if decision.effect != "ALLOW":
        raise RedactionError(f"cannot release output under a {decision.effect} decision")
    if not decision.obligations.redact:
        return value
    return _redact(decision, value, set())


def _redact(decision: Any, value: Any, open_containers: set) -> Any:
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return decision.redact(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise RedactionError(
                f"output bytes are not valid UTF-8 (at byte {error.start}): nothing is released"
            ) from None
        redacted = decision.redact(data)
        return bytearray(redacted) if isinstance(value, bytearray) else redacted
    if isinstance(value, numbers.Number):
        text = repr(value) if isinstance(value, float) else str(value)
        redacted = decision.redact(text)
        return value if redacted == text else redacted
    if isinstance(value, (dict, list, tuple, set, frozenset, collections.abc.Mapping)):
        return _redact_container(decision, value, open_containers)
    if inspect.isawaitable(value):
        return _redact_awaitable(decision, value)
    if isinstance(value, collections.abc.AsyncIterable):
        return _redact_async_stream(decision, value)
    if isinstance(value, collections.abc.Iterator):
        return _redact_stream(decision, value)
    raise RedactionError(
        f"cannot redact a {type(value).__module__}.{type(value).__qualname__}: return text, "
        "bytes, JSON-like data (dict, list, tuple, numbers) or a stream of them")


def _redact_container(decision: Any, value: Any, open_containers: set) -> Any:
    key = id(value)
    if key in open_containers:
        raise RedactionError("cannot redact a structure that contains itself")
    open_containers.add(key)
    try:
        if isinstance(value, collections.abc.Mapping):
            out = {}
            for k, v in value.items():
                out[_redact(decision, k, open_containers)] = _redact(decision, v, open_containers)
            if len(out) != len(value):
                raise RedactionError("two keys of a dict are the same once redacted")
            return out
        items = [_redact(decision, item, open_containers) for item in value]
        if isinstance(value, list):
            return items
        if isinstance(value, tuple):
            make = getattr(type(value), "_make", None)  # a named tuple keeps its type
            return make(items) if make is not None else tuple(items)
        return type(value)(items) if type(value) in (set, frozenset) else set(items)
    finally:
        open_containers.discard(key)


def _chunk_kind(item: Any) -> type:
    return str if isinstance(item, str) else bytes


def _redact_stream(decision: Any, iterator: Iterator[Any]) -> Iterator[Any]:
    redactor: Optional[Redactor] = None
    kind: Optional[type] = None
    try:
        for item in iterator:
            if isinstance(item, _TEXT_CHUNK):
                if redactor is not None and _chunk_kind(item) is not kind:
                    rest = redactor.finish()
                    redactor = None
                    if rest:
                        yield rest
                if redactor is None:
                    redactor, kind = Redactor(decision), _chunk_kind(item)
                piece = redactor.write(item)
                if piece:
                    yield piece
                continue
            if redactor is not None:
                rest = redactor.finish()
                redactor = None
                if rest:
                    yield rest
            yield _redact(decision, item, set())
        if redactor is not None:
            rest = redactor.finish()
            if rest:
                yield rest
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()


async def _redact_async_stream(decision: Any, iterable: Any) -> AsyncIterator[Any]:
    iterator = iterable.__aiter__()
    redactor: Optional[Redactor] = None
    kind: Optional[type] = None
    try:
        async for item in iterator:
            if isinstance(item, _TEXT_CHUNK):
                if redactor is not None and _chunk_kind(item) is not kind:
                    rest = redactor.finish()
                    redactor = None
                    if rest:
                        yield rest
                if redactor is None:
                    redactor, kind = Redactor(decision), _chunk_kind(item)
                piece = redactor.write(item)
                if piece:
                    yield piece
                continue
            if redactor is not None:
                rest = redactor.finish()
                redactor = None
                if rest:
                    yield rest
            yield _redact(decision, item, set())
        if redactor is not None:
            rest = redactor.finish()
            if rest:
                yield rest
    finally:
        close = getattr(iterator, "aclose", None)
        if close is not None:
            await close()


async def _redact_awaitable(decision: Any, awaitable: Any) -> Any:
    return _redact(decision, await awaitable, set())
