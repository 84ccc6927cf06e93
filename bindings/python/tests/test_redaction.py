"""Redacting what a guarded tool returns: text, structures, streams; and what cannot be.

The `report` and `stream` tools of the test policy carry three redactions (an SSN, a short
key `sk-XXXXXX`, a 16-digit card number), each with a bounded longest match, so that streams
are redacted chunk by chunk. The `search` tool's redaction (`sk-[A-Za-z0-9]{8,}`) can match
unboundedly long text, so its streams are held until the end.
"""

import asyncio
import collections

import pytest

import ward
from conftest import NOW

SSN = "123-45-6789"
KEY = "sk-abc123"
AGENT = ("agent", "a1")


def allowed(engine, tool):
    d = engine.decide(AGENT, "invoke", ("tool", tool), args={"limit": 1}, now=NOW)
    assert d.effect == "ALLOW", d
    return d


def test_dict_and_list_results_redact_every_string_and_key(tools_engine):
    @ward.guard(tools_engine, AGENT)
    def report():
        return {"name": "ada", "ssn": SSN, SSN: "as a key",
                "rows": [["x", f"id {SSN}"], ("key", KEY)], "count": 3, "ok": True,
                "missing": None, "ratio": 0.5}

    assert report() == {"name": "ada", "ssn": "[SSN]", "[SSN]": "as a key",
                        "rows": [["x", "id [SSN]"], ("key", "[KEY]")], "count": 3, "ok": True,
                        "missing": None, "ratio": 0.5}


def test_redaction_keeps_container_types(tools_engine):
    d = allowed(tools_engine, "report")
    Row = collections.namedtuple("Row", "name ssn")
    result = ward.redact(d, [Row("a", SSN), {SSN, "x"}, frozenset([KEY]),
                             collections.OrderedDict([("k", SSN)])])
    assert result[0] == Row("a", "[SSN]") and type(result[0]) is Row
    assert result[1] == {"[SSN]", "x"}
    assert result[2] == frozenset(["[KEY]"])
    assert result[3] == {"k": "[SSN]"}


def test_keys_that_collide_once_redacted_raise(tools_engine):
    d = allowed(tools_engine, "report")
    with pytest.raises(ward.RedactionError, match="same once redacted") as raised:
        ward.redact(d, {SSN: 1, "987-65-4321": 2})
    assert SSN not in str(raised.value)


def test_numbers_are_not_text_unless_their_digits_match(tools_engine):
    d = allowed(tools_engine, "report")
    assert ward.redact(d, {"n": 42, "f": 1.5, "card": 4111111111111111}) == \
        {"n": 42, "f": 1.5, "card": "[CARD]"}


def test_bytes_are_utf8_text(tools_engine):
    d = allowed(tools_engine, "report")
    assert ward.redact(d, f"é {SSN}".encode()) == "é [SSN]".encode()
    assert ward.redact(d, bytearray(SSN.encode())) == bytearray(b"[SSN]")
    assert ward.redact(d, memoryview(SSN.encode())) == b"[SSN]"
    with pytest.raises(ward.RedactionError, match="UTF-8"):
        ward.redact(d, b"\xff" + SSN.encode())


def test_an_unredactable_result_raises_instead_of_passing(tools_engine):
    class Record:
        def __init__(self):
            self.ssn = SSN

    @ward.guard(tools_engine, AGENT)
    def report():
        return Record()

    with pytest.raises(ward.RedactionError, match="cannot redact") as raised:
        report()
    assert SSN not in str(raised.value)

    @ward.guard(tools_engine, AGENT, tool="report")
    def nested():
        return {"rows": [Record()]}

    with pytest.raises(ward.RedactionError):
        nested()


def test_no_redactions_pass_everything_through(tools_engine):
    class Record:
        pass

    record = Record()

    def numbers():
        yield SSN

    generator = numbers()

    @ward.guard(tools_engine, ("user", "u1"), tool="anything")
    def tool(which):
        return {"record": record, "generator": generator}[which]

    assert tool("record") is record
    assert tool("generator") is generator
    d = tools_engine.decide(("user", "u1"), "invoke", ("tool", "anything"))
    assert ward.redact(d, record) is record


def test_a_sync_generator_with_a_secret_split_across_chunks(tools_engine):
    @ward.guard(tools_engine, AGENT)
    def stream():
        yield "the key is sk-ab"
        yield "c123 and the ssn 123-4"
        yield "5-6789."

    pieces = list(stream())
    assert "".join(pieces) == "the key is [KEY] and the ssn [SSN]."
    assert not any(KEY in p or "sk-ab" in p or "123-4" in p for p in pieces)
    assert len(pieces) > 1  # released as it came, not all at the end


def test_an_async_generator_with_a_secret_split_across_chunks(tools_engine):
    @ward.guard(tools_engine, AGENT)
    async def stream():
        for chunk in ["api key: sk-a", "bc123", " done"]:
            await asyncio.sleep(0)
            yield chunk

    async def collect():
        return [piece async for piece in stream()]

    pieces = asyncio.run(collect())
    assert "".join(pieces) == "api key: [KEY] done"
    assert not any("sk-a" in p for p in pieces)


def test_an_async_function_returning_an_async_generator(tools_engine):
    async def chunks():
        yield "sk-ab"
        yield "c123"

    @ward.guard(tools_engine, AGENT, tool="stream")
    async def stream():
        return chunks()

    async def collect():
        return "".join([piece async for piece in await stream()])

    assert asyncio.run(collect()) == "[KEY]"


def test_streams_of_bytes_and_of_structures(tools_engine):
    @ward.guard(tools_engine, AGENT)
    def stream():
        yield b"ssn 123-45"
        yield b"-6789 "
        yield {"event": "row", "ssn": SSN}
        yield "key sk-abc"
        yield "123"

    items = list(stream())
    kinds = [type(item) for item in items]
    # Each run is finished before the next item, so the order is kept.
    assert kinds == sorted(kinds, key=[bytes, dict, str].index)
    assert b"".join(i for i in items if isinstance(i, bytes)) == b"ssn [SSN] "
    assert [i for i in items if isinstance(i, dict)] == [{"event": "row", "ssn": "[SSN]"}]
    assert "".join(i for i in items if isinstance(i, str)) == "key [KEY]"

    @ward.guard(tools_engine, AGENT, tool="stream")
    def broken():
        yield b"ok "
        yield b"\xc3"  # a character that never ends
        yield b"("

    with pytest.raises(ward.RedactionError, match="UTF-8"):
        list(broken())


def test_a_non_incremental_pattern_holds_the_stream_until_the_end(tools_engine):
    d = allowed(tools_engine, "search")
    assert ward.Redactor(d).incremental is False
    assert ward.Redactor(allowed(tools_engine, "report")).incremental is True

    @ward.guard(tools_engine, AGENT, now=NOW)
    def search(limit=1):
        yield "a sk-ABCD"
        yield "EFGH1234"
        yield "5678 b"

    assert list(search()) == ["a [SECRET] b"]


def test_a_stream_that_would_hold_too_much_fails_closed(tools_engine):
    d = allowed(tools_engine, "search")
    redactor = ward.Redactor(d, max_buffered=16)
    assert redactor.write("0123456789") == ""
    with pytest.raises(ward.RedactionError):
        redactor.write("0123456789")
    with pytest.raises(ward.RedactionError):
        redactor.write("x")
    with pytest.raises(ward.RedactionError):
        redactor.finish()


def test_an_awaitable_from_a_sync_function_is_redacted(tools_engine):
    async def fetch():
        return {"ssn": SSN}

    @ward.guard(tools_engine, AGENT, tool="report")
    def report():
        return fetch()

    assert asyncio.run(report()) == {"ssn": "[SSN]"}


def test_the_redactor(tools_engine):
    d = allowed(tools_engine, "report")
    redactor = d_redactor = ward.Redactor(d)
    out = [redactor.write(c) for c in ["12", "3-45-67", "89 and sk-", "abc123!"]]
    out.append(redactor.finish())
    assert "".join(out) == "[SSN] and [KEY]!"
    assert d_redactor.held_bytes == 0
    with pytest.raises(ward.RedactionError):
        redactor.finish()  # after finish every call fails
    mixed = ward.Redactor(d)
    mixed.write("text")
    with pytest.raises(TypeError, match="str"):
        mixed.write(b"bytes")
    bytes_redactor = ward.Redactor(d)
    assert bytes_redactor.write("é".encode()[:1]) == b""
    assert bytes_redactor.write("é".encode()[1:] + b" ok") + bytes_redactor.finish() == \
        "é ok".encode()


def test_only_an_allow_releases_output(tools_engine):
    denied = tools_engine.decide(AGENT, "invoke", ("tool", "delete"))
    for call in [lambda: ward.redact(denied, "text"), lambda: denied.redact("text"),
                 lambda: ward.Redactor(denied)]:
        with pytest.raises(ward.RedactionError, match="DENY"):
            call()
    assert denied.obligations is None
