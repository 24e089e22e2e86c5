"""Hash commands: HSET HGET HMSET HMGET HDEL HEXISTS HLEN HKEYS HVALS HGETALL HINCRBY
HINCRBYFLOAT HSETNX HSTRLEN HRANDFIELD HSCAN, their encodings (listpack / hashtable and the
one-way conversion), RESP3 replies, errors, persistence and propagation."""

import glob
import os
import struct
import time

import pytest

import helpers
from helpers import Map, RespError, RespSet

E = RespError
SYNTAX = E("ERR syntax error")
NOT_INT = E("ERR value is not an integer or out of range")
NOT_FLOAT = E("ERR value is not a valid float")
WRONGTYPE = E("WRONGTYPE Operation against a key holding the wrong kind of value")
RANGE_LONG = E("ERR value is out of range, value must between -9223372036854775807 and "
               "9223372036854775807")

HASH_COMMANDS = ["HSET", "HGET", "HMSET", "HMGET", "HDEL", "HEXISTS", "HLEN", "HKEYS", "HVALS",
                 "HGETALL", "HINCRBY", "HINCRBYFLOAT", "HSETNX", "HSTRLEN", "HRANDFIELD",
                 "HSCAN"]


def encoding(r, key):
    return r.object("encoding", key)


def as_dict(flat):
    return dict(zip(flat[::2], flat[1::2]))


@pytest.fixture
def limits(r):
    """Restores the listpack limits after a test that changes them."""
    old = {k: r.config_get(k)[k] for k in ("hash-max-listpack-entries",
                                           "hash-max-listpack-value")}
    yield
    for k, v in old.items():
        r.config_set(k, v)


def force_hashtable(r, key, pairs):
    """Creates `key` in the hashtable encoding whatever its size (as Redis would)."""
    old = r.config_get("hash-max-listpack-entries")["hash-max-listpack-entries"]
    r.config_set("hash-max-listpack-entries", 0)
    try:
        r.hset(key, mapping=pairs)
    finally:
        r.config_set("hash-max-listpack-entries", old)
    assert encoding(r, key) == b"hashtable"


# --------------------------------------------------------------------------------------------
# Basics, in both encodings
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["listpack", "hashtable"])
def test_basics(r, kind):
    pairs = {"a": "1", "b": "hello", "c": "-7", "": "empty field", "e": ""}
    if kind == "listpack":
        assert r.hset("h", mapping=pairs) == 5
    else:
        force_hashtable(r, "h", pairs)
    assert encoding(r, "h") == kind.encode()
    assert r.type("h") == b"hash"
    assert r.hlen("h") == 5
    assert r.hget("h", "b") == b"hello"
    assert r.hget("h", "c") == b"-7"
    assert r.hget("h", "") == b"empty field"
    assert r.hget("h", "e") == b""
    assert r.hget("h", "nope") is None
    assert r.hexists("h", "a") == 1 and r.hexists("h", "x") == 0
    assert r.hstrlen("h", "b") == 5 and r.hstrlen("h", "c") == 2
    assert r.hstrlen("h", "e") == 0 and r.hstrlen("h", "nope") == 0
    assert r.hmget("h", "a", "nope", "c") == [b"1", None, b"-7"]
    want = {k.encode(): v.encode() for k, v in pairs.items()}
    assert r.hgetall("h") == want
    assert sorted(r.hkeys("h")) == sorted(want)
    assert sorted(r.hvals("h")) == sorted(want.values())
    # HKEYS and HVALS walk the same order, matching HGETALL's
    assert dict(zip(r.hkeys("h"), r.hvals("h"))) == want
    # update, return value counts only new fields
    assert r.hset("h", mapping={"a": "2", "new": "x"}) == 1
    assert r.hget("h", "a") == b"2"
    assert r.hlen("h") == 6


def test_hset_repeated_field_in_one_call(r):
    assert r.execute_command("HSET", "h", "a", "1", "a", "2", "b", "3", "a", "4") == 2
    assert r.hgetall("h") == {b"a": b"4", b"b": b"3"}
    assert r.hlen("h") == 2
    assert encoding(r, "h") == b"listpack"


def test_hmset_replies_ok(raw):
    assert raw.call("HMSET", "h", "a", "1", "b", "2") == b"OK"
    assert raw.call("HMSET", "h", "a", "9") == b"OK"
    assert as_dict(raw.call("HGETALL", "h")) == {b"a": b"9", b"b": b"2"}


def test_hsetnx(r):
    assert r.hsetnx("h", "a", "1") == 1
    assert r.hsetnx("h", "a", "2") == 0
    assert r.hget("h", "a") == b"1"
    assert r.hsetnx("h", "b", "2") == 1
    assert r.hgetall("h") == {b"a": b"1", b"b": b"2"}


def test_hdel(r):
    r.hset("h", mapping={"a": 1, "b": 2, "c": 3})
    assert r.hdel("h", "x") == 0
    assert r.hdel("h", "a", "a", "x") == 1
    assert r.hgetall("h") == {b"b": b"2", b"c": b"3"}
    assert r.hdel("nokey", "a") == 0
    # emptying deletes the key
    assert r.hdel("h", "b", "c", "d") == 2
    assert r.exists("h") == 0


def test_hdel_hashtable_deletes_empty_key(r):
    force_hashtable(r, "h", {f"f{i}": i for i in range(20)})
    assert r.hdel("h", *[f"f{i}" for i in range(10)]) == 10
    assert encoding(r, "h") == b"hashtable"  # never back to a listpack
    assert r.hdel("h", *[f"f{i}" for i in range(25)]) == 10
    assert r.exists("h") == 0


def test_missing_key_reads(raw):
    assert raw.call("HGET", "nokey", "f") is None
    assert raw.call("HMGET", "nokey", "a", "b") == [None, None]
    assert raw.call("HLEN", "nokey") == 0
    assert raw.call("HEXISTS", "nokey", "f") == 0
    assert raw.call("HSTRLEN", "nokey", "f") == 0
    assert raw.call_raw("HKEYS", "nokey") == b"*0\r\n"
    assert raw.call_raw("HVALS", "nokey") == b"*0\r\n"
    assert raw.call_raw("HGETALL", "nokey") == b"*0\r\n"
    assert raw.call("HRANDFIELD", "nokey") is None
    assert raw.call_raw("HRANDFIELD", "nokey", "5") == b"*0\r\n"
    assert raw.call_raw("HRANDFIELD", "nokey", "-5", "WITHVALUES") == b"*0\r\n"
    assert raw.call("HSCAN", "nokey", "0") == [b"0", []]
    assert raw.call("EXISTS", "nokey") == 0


@pytest.mark.parametrize("text", ["0", "12", "-7", "127", "128", "-4096", "32767", "8388607",
                                  "2147483647", "-2147483648", "9223372036854775807",
                                  "-9223372036854775808", "9223372036854775808", "007", "-0",
                                  "+1", " 1", "1 ", "1.5", "1e3", "0x10", ""])
def test_integer_like_texts_round_trip(r, text):
    """Listpacks store canonical integers as integers: every text must read back unchanged,
    as field and as value, in both encodings."""
    r.hset("h", text, text)
    assert r.hget("h", text) == text.encode()
    assert r.hstrlen("h", text) == len(text)
    assert r.hgetall("h") == {text.encode(): text.encode()}
    assert r.hscan("h", 0)[1] == {text.encode(): text.encode()}
    r.copy("h", "h2")
    force_hashtable(r, "t", {text: text})
    assert r.hget("t", text) == text.encode()
    payload = r.dump("h")
    r.restore("h3", 0, payload)
    assert r.hgetall("h3") == {text.encode(): text.encode()}


def test_binary_fields_and_values(r):
    pairs = {b"\x00": b"\x00\xff", b"a\r\nb": b"\r\n", b"\xff" * 40: b"x" * 64}
    r.hset("h", mapping=pairs)
    assert encoding(r, "h") == b"listpack"
    assert r.hgetall("h") == pairs
    r.hset("h", "long", "y" * 65)
    assert encoding(r, "h") == b"hashtable"
    pairs[b"long"] = b"y" * 65
    assert r.hgetall("h") == pairs


def test_values_of_every_listpack_string_size(r):
    for n in (0, 1, 63, 64, 65, 4095, 4096, 4097, 70000):
        r.delete("h")
        r.hset("h", "f", "v" * n)
        r.hset("h", "g", "1")
        assert r.hget("h", "f") == b"v" * n
        assert r.hstrlen("h", "f") == n
        assert encoding(r, "h") == (b"listpack" if n <= 64 else b"hashtable")


# --------------------------------------------------------------------------------------------
# Encoding conversions
# --------------------------------------------------------------------------------------------

def test_entries_limit(r, limits):
    r.config_set("hash-max-listpack-entries", 4)
    r.hset("h", mapping={f"f{i}": i for i in range(4)})
    assert encoding(r, "h") == b"listpack"
    r.hset("h", "f0", "updated")  # an update does not grow the hash
    assert encoding(r, "h") == b"listpack"
    r.hset("h", "f4", 4)
    assert encoding(r, "h") == b"hashtable"
    r.hdel("h", "f1", "f2", "f3", "f4")
    assert encoding(r, "h") == b"hashtable"  # never back
    assert r.hgetall("h") == {b"f0": b"updated"}
    # one HSET of more pairs than the limit
    r.hset("k", mapping={f"f{i}": i for i in range(5)})
    assert encoding(r, "k") == b"hashtable"
    # HSETNX and HINCRBY* add fields too
    for cmd in (["HSETNX", "n", "{}", "v"], ["HINCRBY", "n", "{}", "1"],
                ["HINCRBYFLOAT", "n", "{}", "1.5"]):
        r.delete("n")
        r.hset("n", mapping={f"f{i}": i for i in range(4)})
        r.execute_command(*[a.replace("{}", "extra") for a in cmd])
        assert encoding(r, "n") == b"hashtable", cmd
    r.config_set("hash-max-listpack-entries", 0)
    r.hset("z", "a", "b")
    assert encoding(r, "z") == b"hashtable"


def test_lowered_entries_limit_converts_at_the_next_write(r, limits):
    for cmd in (["HSET", "h", "a", "9"], ["HINCRBY", "h", "a", "1"],
                ["HINCRBYFLOAT", "h", "a", "1"], ["HMSET", "h", "b", "1"]):
        r.delete("h")
        r.hset("h", mapping={"a": 1, "b": 2, "c": 3})
        r.config_set("hash-max-listpack-entries", 2)
        assert encoding(r, "h") == b"listpack"  # reads do not convert
        r.hsetnx("h", "a", "x")  # nor does a write that writes nothing
        r.hdel("h", "zz")
        assert encoding(r, "h") == b"listpack"
        r.execute_command(*cmd)  # an update of an existing field does
        assert encoding(r, "h") == b"hashtable", cmd
        r.config_set("hash-max-listpack-entries", 512)


def test_value_limit(r, limits):
    r.config_set("hash-max-listpack-value", 8)
    r.hset("h", "f" * 8, "v" * 8)
    assert encoding(r, "h") == b"listpack"
    r.hset("h", "g", "v" * 9)
    assert encoding(r, "h") == b"hashtable"
    r.hset("k", "f" * 9, "v")
    assert encoding(r, "k") == b"hashtable"
    r.hsetnx("n", "a", "123456789")
    assert encoding(r, "n") == b"hashtable"
    # a failed HSETNX converts nothing
    r.hset("m", "a", "1")
    assert r.hsetnx("m", "a", "123456789") == 0
    assert encoding(r, "m") == b"listpack"
    # HINCRBY / HINCRBYFLOAT results longer than the limit convert (Redis 7.0.15 hashTypeSet)
    r.hset("i", "a", "99999999")
    r.hincrby("i", "a", 1)
    assert encoding(r, "i") == b"hashtable"
    assert r.hget("i", "a") == b"100000000"
    r.hset("f", "a", "1")
    r.hincrbyfloat("f", "a", "0.125")
    assert encoding(r, "f") == b"listpack"
    r.hincrbyfloat("f", "a", "0.0000001")
    assert encoding(r, "f") == b"hashtable"
    r.hincrby("g", "x" * 9, 1)
    assert encoding(r, "g") == b"hashtable"


def test_ziplist_alias_configs(r, limits):
    r.config_set("hash-max-ziplist-entries", 2)
    assert r.config_get("hash-max-listpack-entries")["hash-max-listpack-entries"] == "2"
    r.hset("h", mapping={"a": 1, "b": 2, "c": 3})
    assert encoding(r, "h") == b"hashtable"
    r.config_set("hash-max-ziplist-value", 3)
    r.config_set("hash-max-ziplist-entries", 512)
    r.hset("k", "a", "abcd")
    assert encoding(r, "k") == b"hashtable"


def test_conversion_keeps_every_pair(r, limits):
    r.config_set("hash-max-listpack-entries", 100)
    pairs = {f"field:{i}".encode(): str(i * 7).encode() for i in range(100)}
    pairs[b"-5"] = b"9223372036854775807"
    pairs[b""] = b""
    r.hset("h", mapping=pairs)
    assert encoding(r, "h") == b"hashtable"
    assert r.hgetall("h") == pairs
    assert r.hget("h", "-5") == b"9223372036854775807"


# --------------------------------------------------------------------------------------------
# HINCRBY / HINCRBYFLOAT
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["listpack", "hashtable"])
def test_hincrby(r, kind):
    if kind == "hashtable":
        force_hashtable(r, "h", {"x": "y"})
    assert r.hincrby("h", "n", 5) == 5
    assert r.hincrby("h", "n", -7) == -2
    assert r.hget("h", "n") == b"-2"
    r.hset("h", "big", "9223372036854775806")
    assert r.hincrby("h", "big", 1) == 9223372036854775807
    r.hset("h", "s", "abc")
    r.hset("h", "sp", " 1")
    r.hset("h", "f", "1.5")
    r.hset("h", "min", "-9223372036854775808")
    with pytest.raises(Exception, match="increment or decrement would overflow"):
        r.hincrby("h", "big", 1)
    with pytest.raises(Exception, match="increment or decrement would overflow"):
        r.hincrby("h", "min", -1)
    for f in ("s", "sp", "f"):
        with pytest.raises(Exception, match="hash value is not an integer"):
            r.hincrby("h", f, 1)
    assert encoding(r, "h") == kind.encode()


def test_hincrby_errors(raw):
    assert raw.call("HINCRBY", "h", "f", "x") == NOT_INT
    assert raw.call("HINCRBY", "h", "f", "1.0") == NOT_INT
    assert raw.call("HINCRBY", "h", "f", "9223372036854775808") == NOT_INT
    assert raw.call("EXISTS", "h") == 0
    assert raw.call("HINCRBY", "h", "f", "-9223372036854775808") == -9223372036854775808
    assert raw.call("HINCRBY", "h", "f", "0") == -9223372036854775808


@pytest.mark.parametrize("kind", ["listpack", "hashtable"])
def test_hincrbyfloat(r, raw, kind):
    if kind == "hashtable":
        force_hashtable(r, "h", {"x": "y"})
    assert r.hincrbyfloat("h", "f", "10.5") == 10.5
    assert r.hget("h", "f") == b"10.5"
    assert raw.call("HINCRBYFLOAT", "h", "f", "0.1") == b"10.6"
    r.hset("h", "i", "17")
    assert raw.call("HINCRBYFLOAT", "h", "i", "3") == b"20"
    assert r.hget("h", "i") == b"20"
    assert raw.call("HINCRBYFLOAT", "h", "e", "5.0e3") == b"5000"
    assert raw.call("HINCRBYFLOAT", "h", "e", "-5000") == b"0"
    assert raw.call("HINCRBYFLOAT", "h", "g", "1.23") == b"1.23"
    assert raw.call("HINCRBYFLOAT", "h", "g", "0.77") == b"2"
    assert raw.call("HINCRBYFLOAT", "h", "g", "-0.1") == b"1.9"
    assert raw.call("HINCRBYFLOAT", "h", "g", "-1.9") == b"0"
    assert raw.call("HINCRBYFLOAT", "h", "z", "-0.0") == b"0"
    assert raw.call("HINCRBYFLOAT", "h", "hex", "0x10") == b"16"
    r.hset("h", "s", "abc")
    with pytest.raises(Exception, match="hash value is not a float"):
        r.hincrbyfloat("h", "s", 1)
    r.hset("h", "sp", " 1")
    with pytest.raises(Exception, match="hash value is not a float"):
        r.hincrbyfloat("h", "sp", 1)
    assert encoding(r, "h") == kind.encode()


def test_hincrbyfloat_errors(raw):
    assert raw.call("HINCRBYFLOAT", "h", "f", "abc") == NOT_FLOAT
    assert raw.call("HINCRBYFLOAT", "h", "f", "") == NOT_FLOAT
    assert raw.call("HINCRBYFLOAT", "h", "f", "nan") == NOT_FLOAT
    for inf in ("inf", "+inf", "-inf", "Infinity"):
        assert raw.call("HINCRBYFLOAT", "h", "f", inf) == E("ERR value is NaN or Infinity")
    assert raw.call("EXISTS", "h") == 0
    raw.call("HSET", "h", "f", "1e4932")
    assert raw.call("HINCRBYFLOAT", "h", "f", "1e4932") == E(
        "ERR increment would produce NaN or Infinity")
    raw.call("HSET", "h", "g", "inf")
    assert raw.call("HINCRBYFLOAT", "h", "g", "1") == E(
        "ERR increment would produce NaN or Infinity")
    assert raw.call("HGET", "h", "g") == b"inf"


# --------------------------------------------------------------------------------------------
# HRANDFIELD
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["listpack", "hashtable"])
def test_hrandfield(r, kind):
    pairs = {f"f{i}".encode(): f"v{i}".encode() for i in range(30)}
    if kind == "listpack":
        r.hset("h", mapping=pairs)
    else:
        force_hashtable(r, "h", pairs)
    assert encoding(r, "h") == kind.encode()
    seen = set()
    for _ in range(300):
        f = r.hrandfield("h")
        assert f in pairs
        seen.add(f)
    assert len(seen) > 20
    for count in (1, 2, 5, 9, 10, 11, 20, 29, 30, 31, 100):
        got = r.hrandfield("h", count)
        assert len(got) == min(count, 30)
        assert len(set(got)) == len(got) and set(got) <= set(pairs)
        got = r.hrandfield("h", count, withvalues=True)
        assert len(got) == 2 * min(count, 30)
        d = as_dict(got)
        assert len(d) == min(count, 30)
        assert all(pairs[f] == v for f, v in d.items())
    for count in (1, 3, 30, 100, 1001):
        got = r.hrandfield("h", -count)
        assert len(got) == count and set(got) <= set(pairs)
        got = r.hrandfield("h", -count, withvalues=True)
        assert len(got) == 2 * count
        assert all(pairs[f] == v for f, v in zip(got[::2], got[1::2]))
    # negative counts repeat fields; a large draw covers every one
    assert set(r.hrandfield("h", -3000)) == set(pairs)
    assert r.hrandfield("h", 0) == []
    assert r.hrandfield("h", 0, withvalues=True) == []


def test_hrandfield_errors(raw):
    raw.call("HSET", "h", "a", "1")
    assert raw.call("HRANDFIELD", "h", "x") == NOT_INT
    assert raw.call("HRANDFIELD", "h", "1.5") == NOT_INT
    assert raw.call("HRANDFIELD", "h", "-9223372036854775808") == RANGE_LONG
    assert raw.call("HRANDFIELD", "nokey", "-9223372036854775808") == RANGE_LONG
    assert raw.call("HRANDFIELD", "h", "1", "WITHSCORES") == SYNTAX
    assert raw.call("HRANDFIELD", "h", "1", "WITHVALUES", "x") == SYNTAX
    assert raw.call("HRANDFIELD", "h", "x", "foo") == NOT_INT  # the count is parsed first
    out = E("ERR value is out of range")
    assert raw.call("HRANDFIELD", "h", "-9223372036854770000", "WITHVALUES") == out
    assert raw.call("HRANDFIELD", "h", "-9223372036854775808", "WITHVALUES") == RANGE_LONG
    assert raw.call("HRANDFIELD", "h", "4611686018427387904", "WITHVALUES") == out
    assert raw.call("HRANDFIELD", "nokey", "-4611686018427387904", "withvalues") == out
    assert raw.call("HRANDFIELD", "h", "4611686018427387903", "WITHVALUES") == [b"a", b"1"]
    assert raw.call("HRANDFIELD", "h", "9223372036854775807") == [b"a"]


def test_hrandfield_resp3_shapes(r3):
    r3.call("HSET", "h", "a", "1", "b", "2", "c", "3")
    got = r3.call("HRANDFIELD", "h", "2", "WITHVALUES")
    assert len(got) == 2 and all(isinstance(p, list) and len(p) == 2 for p in got)
    got = r3.call("HRANDFIELD", "h", "-5", "WITHVALUES")
    assert len(got) == 5 and all(isinstance(p, list) and len(p) == 2 for p in got)
    got = r3.call("HRANDFIELD", "h", "10", "WITHVALUES")
    assert sorted(got) == [[b"a", b"1"], [b"b", b"2"], [b"c", b"3"]]
    got = r3.call("HRANDFIELD", "h", "2")
    assert len(got) == 2 and all(isinstance(f, bytes) for f in got)
    assert not isinstance(got, RespSet)
    assert r3.call_raw("HRANDFIELD", "nokey") == b"_\r\n"
    assert r3.call_raw("HRANDFIELD", "nokey", "3") == b"*0\r\n"
    assert r3.call_raw("HRANDFIELD", "h", "0", "WITHVALUES") == b"*0\r\n"
    assert r3.call_raw("HRANDFIELD", "h", "1", "WITHVALUES") in (
        b"*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n", b"*1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n",
        b"*1\r\n*2\r\n$1\r\nc\r\n$1\r\n3\r\n")


# --------------------------------------------------------------------------------------------
# HSCAN
# --------------------------------------------------------------------------------------------

def full_scan(raw, key, *opts):
    seen, cursor, calls = [], b"0", 0
    while True:
        cursor, items = raw.call("HSCAN", key, cursor, *opts)
        assert len(items) % 2 == 0
        seen += list(zip(items[::2], items[1::2]))
        calls += 1
        if cursor == b"0":
            return seen, calls


def test_hscan_listpack_returns_everything_at_once(raw):
    raw.call("HSET", "h", *sum([[f"f{i}", str(i)] for i in range(100)], []))
    cursor, items = raw.call("HSCAN", "h", "0", "COUNT", "5")
    assert cursor == b"0"
    assert items == sum([[f"f{i}".encode(), str(i).encode()] for i in range(100)], [])
    cursor, items = raw.call("HSCAN", "h", "12345")  # the cursor is ignored
    assert cursor == b"0" and len(items) == 200
    cursor, items = raw.call("HSCAN", "h", "0", "MATCH", "f1*")
    assert as_dict(items) == {f"f{i}".encode(): str(i).encode() for i in range(100)
                              if str(i).startswith("1")}
    # MATCH looks at fields only
    cursor, items = raw.call("HSCAN", "h", "0", "MATCH", "1*")
    assert items == []
    raw.call("HSET", "n", "12", "x", "x", "12")
    assert raw.call("HSCAN", "n", "0", "MATCH", "1?") == [b"0", [b"12", b"x"]]


def test_hscan_hashtable(raw):
    pairs = {f"f{i}".encode(): f"v{i}".encode() for i in range(1000)}
    raw.call("HSET", "h", *sum([[k, v] for k, v in pairs.items()], []))
    assert raw.call("OBJECT", "ENCODING", "h") == b"hashtable"
    seen, calls = full_scan(raw, "h")
    assert dict(seen) == pairs
    assert calls > 10
    seen, _ = full_scan(raw, "h", "COUNT", "100")
    assert dict(seen) == pairs
    seen, _ = full_scan(raw, "h", "MATCH", "f1*", "COUNT", "50")
    assert dict(seen) == {k: v for k, v in pairs.items() if k.startswith(b"f1")}
    cursor, items = raw.call("HSCAN", "h", "0", "MATCH", "*", "COUNT", "1000000")
    assert cursor == b"0" and dict(zip(items[::2], items[1::2])) == pairs


def test_hscan_guarantee_while_growing_and_shrinking(raw):
    initial = {f"f{i}".encode() for i in range(600)}
    raw.call("HSET", "h", *sum([[f, "v"] for f in initial], []))
    seen, cursor, n = set(), b"0", 600
    while True:
        cursor, items = raw.call("HSCAN", "h", cursor)
        seen |= set(items[::2])
        raw.call("HSET", "h", *sum([[f"f{i}", "w"] for i in range(n, n + 40)], []))
        n += 40
        if cursor == b"0":
            break
    assert initial <= seen
    raw.call("DEL", "t")
    raw.call("HSET", "t", *sum([[f"f{i}", "v"] for i in range(2000)], []))
    keep = {f"f{i}".encode() for i in range(0, 2000, 10)}
    doomed = [f"f{i}" for i in range(2000) if i % 10]
    seen, cursor = set(), b"0"
    while True:
        cursor, items = raw.call("HSCAN", "t", cursor, "COUNT", "20")
        seen |= set(items[::2])
        if doomed:
            raw.call("HDEL", "t", *doomed[:100])
            doomed = doomed[100:]
        if cursor == b"0":
            break
    assert keep <= seen


def test_hscan_errors(raw):
    raw.call("HSET", "h", "a", "1")
    assert raw.call("HSCAN", "h", "x") == E("ERR invalid cursor")
    assert raw.call("HSCAN", "h", "-1x") == E("ERR invalid cursor")
    assert raw.call("HSCAN", "h", "0", "COUNT", "0") == SYNTAX
    assert raw.call("HSCAN", "h", "0", "COUNT", "-1") == SYNTAX
    assert raw.call("HSCAN", "h", "0", "COUNT", "x") == NOT_INT
    assert raw.call("HSCAN", "h", "0", "MATCH") == SYNTAX
    assert raw.call("HSCAN", "h", "0", "TYPE", "hash") == SYNTAX
    assert raw.call("HSCAN", "h", "0", "FOO", "bar") == SYNTAX
    # a missing key answers before the options are looked at
    assert raw.call("HSCAN", "nokey", "0", "COUNT", "0") == [b"0", []]
    assert raw.call("HSCAN", "nokey", "x") == E("ERR invalid cursor")
    # the cursor is printed as Redis's signed value
    assert raw.call("HSCAN", "h", "18446744073709551615") == [b"0", [b"a", b"1"]]


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------

def test_wrongtype(raw):
    raw.call("SET", "str", "x")
    cases = [["HSET", "str", "a", "1"], ["HMSET", "str", "a", "1"], ["HSETNX", "str", "a", "1"],
             ["HGET", "str", "a"], ["HMGET", "str", "a"], ["HDEL", "str", "a"],
             ["HEXISTS", "str", "a"], ["HLEN", "str"], ["HKEYS", "str"], ["HVALS", "str"],
             ["HGETALL", "str"], ["HINCRBY", "str", "a", "1"],
             ["HINCRBYFLOAT", "str", "a", "1"], ["HSTRLEN", "str", "a"], ["HRANDFIELD", "str"],
             ["HRANDFIELD", "str", "2"], ["HRANDFIELD", "str", "-2", "WITHVALUES"],
             ["HSCAN", "str", "0"]]
    assert sorted({c[0] for c in cases}) == sorted(HASH_COMMANDS)
    for c in cases:
        assert raw.call(*c) == WRONGTYPE, c
    assert raw.call("GET", "str") == b"x"
    # argument errors come before the type check where Redis parses first
    assert raw.call("HINCRBY", "str", "a", "x") == NOT_INT
    assert raw.call("HINCRBYFLOAT", "str", "a", "x") == NOT_FLOAT
    assert raw.call("HRANDFIELD", "str", "x") == NOT_INT
    assert raw.call("HSCAN", "str", "x") == E("ERR invalid cursor")
    # and a hash is the wrong type for others
    raw.call("HSET", "h", "a", "1")
    assert raw.call("GET", "h") == WRONGTYPE
    assert raw.call("SADD", "h", "a") == WRONGTYPE


def test_arity(raw):
    minimal = [["HSET", "k", "f", "v"], ["HMSET", "k", "f", "v"], ["HSETNX", "k", "f", "v"],
               ["HGET", "k", "f"], ["HMGET", "k", "f"], ["HDEL", "k", "f"],
               ["HEXISTS", "k", "f"], ["HLEN", "k"], ["HKEYS", "k"], ["HVALS", "k"],
               ["HGETALL", "k"], ["HINCRBY", "k", "f", "1"], ["HINCRBYFLOAT", "k", "f", "1"],
               ["HSTRLEN", "k", "f"], ["HRANDFIELD", "k"], ["HSCAN", "k", "0"]]
    assert sorted(c[0] for c in minimal) == sorted(HASH_COMMANDS)
    for args in minimal:
        cmd = args[0].lower()
        assert raw.call(*args[:-1]) == E(f"ERR wrong number of arguments for '{cmd}' command")
    too_many = [["HGET", "k", "f", "x"], ["HLEN", "k", "x"], ["HKEYS", "k", "x"],
                ["HSETNX", "k", "f", "v", "x"], ["HINCRBY", "k", "f", "1", "x"],
                ["HSTRLEN", "k", "f", "x"], ["HEXISTS", "k", "f", "x"],
                ["HGETALL", "k", "x"], ["HVALS", "k", "x"]]
    for args in too_many:
        cmd = args[0].lower()
        assert raw.call(*args) == E(f"ERR wrong number of arguments for '{cmd}' command")
    # HSET/HMSET with a field but no value: the handler's own check (odd argument count)
    for cmd in ("HSET", "HMSET"):
        assert raw.call(cmd, "k", "a", "1", "b") == E(
            f"ERR wrong number of arguments for '{cmd.lower()}' command")
    assert raw.call("EXISTS", "k") == 0


def test_expired_hash_is_gone(r):
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        r.hset("h", mapping={"a": 1, "b": 2})
        r.pexpire("h", 1)
        helpers.wait_for(lambda: r.pttl("h") == -2, timeout=2)
        assert r.hlen("h") == 0
        assert r.hget("h", "a") is None
        assert r.hset("h", "c", 3) == 1
        assert r.hgetall("h") == {b"c": b"3"}
        assert r.ttl("h") == -1
    finally:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_hset_keeps_ttl(r):
    r.hset("h", "a", 1)
    r.expire("h", 1000)
    r.hset("h", "b", 2)
    r.hincrby("h", "c", 1)
    r.hdel("h", "a")
    assert 990 < r.ttl("h") <= 1000


# --------------------------------------------------------------------------------------------
# RESP3
# --------------------------------------------------------------------------------------------

def test_resp3_reply_types(r3):
    r3.call("HSET", "h", "a", "1", "b", "2")
    assert r3.call("HGETALL", "h") == Map({b"a": b"1", b"b": b"2"})
    assert isinstance(r3.call("HGETALL", "h"), Map)
    assert r3.call_raw("HGETALL", "h") == b"%2\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
    assert r3.call_raw("HGETALL", "nokey") == b"%0\r\n"
    assert r3.call_raw("HKEYS", "nokey") == b"*0\r\n"
    assert r3.call_raw("HVALS", "h") == b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n"
    assert r3.call_raw("HGET", "h", "x") == b"_\r\n"
    assert r3.call_raw("HMGET", "h", "x", "a") == b"*2\r\n_\r\n$1\r\n1\r\n"
    assert r3.call_raw("HSCAN", "h", "0") == (b"*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n"
                                              b"$1\r\nb\r\n$1\r\n2\r\n")
    assert r3.call_raw("HINCRBYFLOAT", "h", "a", "1.5") == b"$3\r\n2.5\r\n"


def test_resp2_raw_replies(raw):
    raw.call("HSET", "h", "a", "1", "b", "x")
    assert raw.call_raw("HGETALL", "h") == b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\nx\r\n"
    assert raw.call_raw("HGET", "h", "nope") == b"$-1\r\n"
    assert raw.call_raw("HINCRBY", "h", "a", "2") == b":3\r\n"
    assert raw.call_raw("HSET", "h", "c", "1") == b":1\r\n"
    assert raw.call_raw("HMSET", "h", "c", "1") == b"+OK\r\n"


# --------------------------------------------------------------------------------------------
# Transactions, dirty counter, WATCH, COMMAND metadata
# --------------------------------------------------------------------------------------------

def test_multi_exec(r):
    p = r.pipeline(transaction=True)
    p.hset("h", mapping={"a": 1, "b": 2})
    p.hincrby("h", "a", 10)
    p.hdel("h", "b")
    p.hgetall("h")
    assert p.execute() == [2, 11, 1, {b"a": b"11"}]


def test_dirty_counter(r):
    def dirty():
        return r.info("persistence")["rdb_changes_since_last_save"]
    d0 = dirty()
    r.hset("h", mapping={"a": 1, "b": 2, "c": 3})
    assert dirty() == d0 + 3
    r.hset("h", "a", 1)  # Redis counts every pair written, changed or not
    assert dirty() == d0 + 4
    r.hsetnx("h", "a", 5)
    assert dirty() == d0 + 4
    r.hdel("h", "a", "zz")
    assert dirty() == d0 + 5
    r.hdel("h", "zz")
    assert dirty() == d0 + 5
    r.hincrby("h", "n", 1)
    r.hincrbyfloat("h", "n", 1)
    assert dirty() == d0 + 7
    r.hget("h", "n")
    r.hrandfield("h", -5)
    assert dirty() == d0 + 7


def test_watch_invalidated_by_hset(server, r):
    other = server.client()
    p = r.pipeline(transaction=True)
    p.watch("h")
    p.multi()
    p.hlen("h")
    other.hset("h", "x", 1)
    with pytest.raises(Exception):
        p.execute()
    # a no-op write does not touch the key
    p = r.pipeline(transaction=True)
    p.watch("h")
    p.multi()
    p.hlen("h")
    other.hdel("h", "nope")
    other.hsetnx("h", "x", 2)
    assert p.execute() == [1]
    other.close()


def test_command_info(raw):
    wf = {b"@write", b"@hash", b"@fast"}
    rf = {b"@read", b"@hash", b"@fast"}
    rs = {b"@read", b"@hash", b"@slow"}
    wdf = {b"write", b"denyoom", b"fast"}
    expected = {
        "hset": [-4, wdf, 1, 1, 1, wf],
        "hget": [3, {b"readonly", b"fast"}, 1, 1, 1, rf],
        "hmset": [-4, wdf, 1, 1, 1, wf],
        "hmget": [-3, {b"readonly", b"fast"}, 1, 1, 1, rf],
        "hdel": [-3, {b"write", b"fast"}, 1, 1, 1, wf],
        "hexists": [3, {b"readonly", b"fast"}, 1, 1, 1, rf],
        "hlen": [2, {b"readonly", b"fast"}, 1, 1, 1, rf],
        "hkeys": [2, {b"readonly"}, 1, 1, 1, rs],
        "hvals": [2, {b"readonly"}, 1, 1, 1, rs],
        "hgetall": [2, {b"readonly"}, 1, 1, 1, rs],
        "hincrby": [4, wdf, 1, 1, 1, wf],
        "hincrbyfloat": [4, wdf, 1, 1, 1, wf],
        "hsetnx": [4, wdf, 1, 1, 1, wf],
        "hstrlen": [3, {b"readonly", b"fast"}, 1, 1, 1, rf],
        "hrandfield": [-2, {b"readonly"}, 1, 1, 1, rs],
        "hscan": [-3, {b"readonly"}, 1, 1, 1, rs],
    }
    assert sorted(expected) == sorted(c.lower() for c in HASH_COMMANDS)
    infos = raw.call("COMMAND", "INFO", *expected)
    for (name, exp), info in zip(expected.items(), infos):
        assert info[0] == name.encode()
        got = [info[1], set(info[2]), info[3], info[4], info[5], set(info[6])]
        assert got == exp, name
    docs = raw.call("COMMAND", "DOCS", *expected)
    for i in range(0, len(docs), 2):
        d = as_dict(docs[i + 1])
        assert d[b"group"] == b"hash", docs[i]
        assert d[b"complexity"].startswith(b"O("), docs[i]
    assert as_dict(as_dict(docs)[b"hstrlen"])[b"since"] == b"3.2.0"


# --------------------------------------------------------------------------------------------
# Keyspace commands on hashes
# --------------------------------------------------------------------------------------------

def test_copy_keeps_encoding_and_is_independent(r):
    r.hset("l", mapping={"a": 1, "b": 2})
    force_hashtable(r, "t", {"a": 1, "b": 2})
    assert r.copy("l", "l2") == 1
    assert r.copy("t", "t2") == 1
    assert encoding(r, "l2") == b"listpack"
    assert encoding(r, "t2") == b"hashtable"
    r.hset("l2", "c", 3)
    r.hdel("t2", "a")
    r.hincrby("t2", "b", 5)
    assert r.hgetall("l") == {b"a": b"1", b"b": b"2"}
    assert r.hgetall("t") == {b"a": b"1", b"b": b"2"}
    assert r.hgetall("t2") == {b"b": b"7"}


def test_rename_move_del_memory(r):
    r.hset("h", mapping={"a": "x" * 10, "b": "y"})
    r.rename("h", "g")
    assert r.hgetall("g") == {b"a": b"x" * 10, b"b": b"y"}
    assert r.move("g", 1) == 1
    r.execute_command("SELECT", 1)
    assert r.hget("g", "b") == b"y"
    assert r.memory_usage("g") > 0
    force_hashtable(r, "t", {f"f{i}": "v" * 20 for i in range(100)})
    assert r.memory_usage("t") > 100 * 30
    assert r.delete("g", "t") == 2
    r.execute_command("SELECT", 0)


def test_scan_type_hash(r):
    r.hset("h", "a", 1)
    r.set("s", "x")
    assert r.scan(0, _type="hash")[1] == [b"h"]


# --------------------------------------------------------------------------------------------
# Persistence, DUMP/RESTORE, digests, propagation
# --------------------------------------------------------------------------------------------

# DUMP of HSET h a 1 b hello c -7 from redis-server 7.0.15: RDB_TYPE_HASH_LISTPACK (16), the
# listpack verbatim, RDB version 10, CRC64.
REDIS_LISTPACK_DUMP = (b"\x10\x1c\x1c\x00\x00\x00\x06\x00\x81a\x02\x01\x01\x81b\x02\x85hello"
                       b"\x06\x81c\x02\xdf\xf9\x02\xff\n\x00\xf2z\x9b;\x14\xa6\xde`")
# DUMP of a one-field hashtable-encoded hash (x -> 1) from redis-server 7.0.15: RDB_TYPE_HASH.
REDIS_HASHTABLE_DUMP = b"\x04\x01\x01x\xc0\x01\n\x00\x98S\xc8\xdd\x03\xdaT\xde"


def crc64(data):
    """Redis's CRC-64/Jones (reflected), as in the DUMP trailer."""
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ 0x95AC9329AC4BC9B5 if crc & 1 else crc >> 1
    return crc


def raw_payload(body, version=9):
    """A DUMP payload: the value bytes, the RDB version and the CRC64 trailer."""
    body += struct.pack("<H", version)
    return body + struct.pack("<Q", crc64(body))


def dump_payload(rdb_type, blob, version=9):
    """A DUMP payload holding `blob` as one RDB string of type `rdb_type`."""
    n = len(blob)
    if n < 64:
        length = bytes([n])
    elif n < 16384:
        length = bytes([0x40 | (n >> 8), n & 0xFF])
    else:
        length = b"\x80" + struct.pack(">I", n)
    return raw_payload(bytes([rdb_type]) + length + blob, version)


def ziplist(items):
    """A Redis ziplist (pre-7.0 small-hash blob) holding `items` (bytes or int)."""
    entries, prev = [], 0
    for it in items:
        prevlen = bytes([prev]) if prev < 254 else b"\xfe" + struct.pack("<I", prev)
        if isinstance(it, int):
            if 0 <= it <= 12:
                enc = bytes([0xF1 + it])
            elif -128 <= it <= 127:
                enc = b"\xfe" + struct.pack("<b", it)
            elif -32768 <= it <= 32767:
                enc = b"\xc0" + struct.pack("<h", it)
            elif -(1 << 23) <= it < (1 << 23):
                enc = b"\xf0" + struct.pack("<i", it)[:3]
            elif -(1 << 31) <= it < (1 << 31):
                enc = b"\xd0" + struct.pack("<i", it)
            else:
                enc = b"\xe0" + struct.pack("<q", it)
        else:
            n = len(it)
            if n <= 63:
                enc = bytes([n]) + it
            elif n <= 16383:
                enc = bytes([0x40 | (n >> 8), n & 0xFF]) + it
            else:
                enc = b"\x80" + struct.pack(">I", n) + it
        entry = prevlen + enc
        entries.append(entry)
        prev = len(entry)
    body = b"".join(entries)
    zlbytes = 10 + len(body) + 1
    zltail = 10 + len(body) - (len(entries[-1]) if entries else 0)
    return struct.pack("<IIH", zlbytes, zltail, len(items)) + body + b"\xff"


def zipmap(pairs):
    """A Redis 2.4 zipmap holding `pairs`."""
    def length(n):
        return bytes([n]) if n < 254 else b"\xfe" + struct.pack("<I", n)
    out = [bytes([len(pairs) if len(pairs) < 254 else 254])]
    for f, v in pairs:
        out += [length(len(f)), f, length(len(v)), b"\x02", v, b"\x00\x00"]  # 2 free bytes
    return b"".join(out) + b"\xff"


def test_dump_payload_matches_redis(raw):
    raw.call("HSET", "h", "a", "1", "b", "hello", "c", "-7")
    assert raw.call("DUMP", "h") == REDIS_LISTPACK_DUMP
    raw.call("CONFIG", "SET", "hash-max-listpack-entries", "0")
    try:
        raw.call("HSET", "t", "x", "1")
    finally:
        raw.call("CONFIG", "SET", "hash-max-listpack-entries", "512")
    assert raw.call("DUMP", "t") == REDIS_HASHTABLE_DUMP


def test_restore_redis_payloads(raw):
    assert raw.call("RESTORE", "h", "0", REDIS_LISTPACK_DUMP) == b"OK"
    assert raw.call("HGETALL", "h") == [b"a", b"1", b"b", b"hello", b"c", b"-7"]
    assert raw.call("OBJECT", "ENCODING", "h") == b"listpack"
    assert raw.call("RESTORE", "t", "0", REDIS_HASHTABLE_DUMP) == b"OK"
    assert raw.call("HGETALL", "t") == [b"x", b"1"]
    # a plain RDB_TYPE_HASH small enough loads as a listpack (as Redis)
    assert raw.call("OBJECT", "ENCODING", "t") == b"listpack"


def test_restore_roundtrip(raw):
    raw.call("HSET", "small", "a", "1", "b", "2")
    raw.call("HSET", "big", *sum([[f"f{i}", f"v{i}"] for i in range(1000)], []))
    raw.call("HSET", "long", "f", "x" * 100)
    raw.call("HSET", "ints", *sum([[str(i), str(-i)] for i in range(-100, 100)], []))
    for key in ("small", "big", "long", "ints"):
        payload = raw.call("DUMP", key)
        assert raw.call("RESTORE", key + "2", "0", payload) == b"OK"
        assert as_dict(raw.call("HGETALL", key + "2")) == as_dict(raw.call("HGETALL", key))
        assert raw.call("OBJECT", "ENCODING", key + "2") == raw.call("OBJECT", "ENCODING", key)
    assert raw.call("OBJECT", "ENCODING", "big2") == b"hashtable"
    assert raw.call("OBJECT", "ENCODING", "ints2") == b"listpack"


def test_restore_ziplist_and_zipmap_payloads(raw):
    items = [b"a", 1, b"int8", -100, b"int16", 30000, b"int24", -8000000, b"int32", 2000000000,
             b"int64", -9000000000000000000, b"s", b"x" * 70, b"imm", 12, b"big", b"y" * 20000]
    zl = dump_payload(13, ziplist(items))
    assert raw.call("RESTORE", "z", "0", zl) == b"OK"
    want = {(it if isinstance(it, bytes) else str(it).encode()) for it in items}
    got = as_dict(raw.call("HGETALL", "z"))
    assert set(got) | set(got.values()) == want
    assert got[b"int64"] == b"-9000000000000000000" and got[b"big"] == b"y" * 20000
    # too many fields for the default limit: a hashtable
    many = sum([[f"f{i}".encode(), i] for i in range(600)], [])
    assert raw.call("RESTORE", "z2", "0", dump_payload(13, ziplist(many))) == b"OK"
    assert raw.call("OBJECT", "ENCODING", "z2") == b"hashtable"
    assert raw.call("HGET", "z2", "f599") == b"599"
    zm = dump_payload(9, zipmap([(b"name", b"value"), (b"n", b"12"), (b"", b"")]))
    assert raw.call("RESTORE", "m", "0", zm) == b"OK"
    assert as_dict(raw.call("HGETALL", "m")) == {b"name": b"value", b"n": b"12", b"": b""}
    assert raw.call("OBJECT", "ENCODING", "m") == b"listpack"
    zm = dump_payload(9, zipmap([(b"f", b"v" * 300)]))  # a long value: a hashtable
    assert raw.call("RESTORE", "m2", "0", zm) == b"OK"
    assert raw.call("HGET", "m2", "f") == b"v" * 300
    assert raw.call("OBJECT", "ENCODING", "m2") == b"hashtable"


def listpack(items):
    """A listpack of short strings (< 64 bytes each)."""
    body = b"".join(bytes([0x80 | len(it)]) + it + bytes([len(it) + 1]) for it in items)
    return struct.pack("<IH", 6 + len(body) + 1, len(items)) + body + b"\xff"


def test_restore_rejects_corrupt_payloads(raw):
    """Sable always checks payloads deeply; Redis does with sanitize-dump-payload yes (without
    it Redis accepts some of these and may crash later)."""
    bad = E("ERR Bad data format")
    assert raw.call("RESTORE", "ok", "0", dump_payload(16, listpack([b"a", b"1"]))) == b"OK"
    assert raw.call("HGETALL", "ok") == [b"a", b"1"]
    good = listpack([b"a", b"1", b"b", b"2"])
    cases = [
        dump_payload(16, good[:-1] + b"\x00"),                    # no terminator
        dump_payload(16, good[:10] + b"\xff"),                    # truncated
        dump_payload(16, listpack([])),                           # empty
        dump_payload(16, listpack([b"a", b"1", b"b"])),           # a field without value
        dump_payload(16, listpack([b"a", b"1", b"a", b"2"])),     # duplicate fields
        dump_payload(13, ziplist([b"a", b"1", b"b"])),            # odd ziplist
        dump_payload(13, ziplist([b"a", b"1", b"a", b"2"])),      # duplicate fields
        dump_payload(13, b"\x00" * 11),                           # not a ziplist
        dump_payload(9, b"\x01\x03abc\xff"),                      # truncated zipmap
        dump_payload(9, zipmap([(b"a", b"1"), (b"a", b"2")])),    # duplicate fields
        dump_payload(9, b"\x00\xff"),                             # empty zipmap
        # plain hash, no value (with version 10 the trailer cannot pass for the value)
        raw_payload(b"\x04\x01\x01x", 10),
        raw_payload(b"\x04\x00"),                                 # plain hash, empty
        raw_payload(b"\x04\x02\x01x\x01a\x01x\x01b"),              # plain hash, dup fields
    ]
    assert raw.call("CONFIG", "SET", "sanitize-dump-payload", "yes") == b"OK"
    try:
        for i, payload in enumerate(cases):
            assert raw.call("RESTORE", f"k{i}", "0", payload) == bad, i
            assert raw.call("EXISTS", f"k{i}") == 0, i
    finally:
        raw.call("CONFIG", "SET", "sanitize-dump-payload", "no")


def test_debug_reload_keeps_data_and_encodings(r, limits):
    r.hset("small", mapping={"a": 1, "b": "two", "": ""})
    r.hset("big", mapping={f"f{i}": f"v{i}" for i in range(1000)})
    r.hset("long", "f", "x" * 100)
    r.hset("shrunk", mapping={f"f{i}": i for i in range(600)})
    r.hdel("shrunk", *[f"f{i}" for i in range(590)])
    before = {k: r.hgetall(k) for k in ("small", "big", "long", "shrunk")}
    assert encoding(r, "shrunk") == b"hashtable"
    r.expire("small", 1000)
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert {k: r.hgetall(k) for k in before} == before
    assert encoding(r, "small") == b"listpack"
    assert encoding(r, "big") == b"hashtable"
    assert encoding(r, "long") == b"hashtable"
    # saved as a plain hash of 10 small fields: it loads as a listpack (as Redis)
    assert encoding(r, "shrunk") == b"listpack"
    assert 990 < r.ttl("small") <= 1000


def test_digest_is_encoding_independent(raw):
    raw.call("HSET", "a", "x", "1", "y", "2")
    raw.call("CONFIG", "SET", "hash-max-listpack-entries", "0")
    try:
        raw.call("HSET", "b", "y", "2", "x", "1")
    finally:
        raw.call("CONFIG", "SET", "hash-max-listpack-entries", "512")
    assert raw.call("OBJECT", "ENCODING", "a") != raw.call("OBJECT", "ENCODING", "b")
    da, db = raw.call("DEBUG", "DIGEST-VALUE", "a", "b")
    assert da == db
    raw.call("HSET", "c", "x", "2", "y", "1")  # same strings, paired differently
    raw.call("HSET", "d", "x", "1")
    dc, dd = raw.call("DEBUG", "DIGEST-VALUE", "c", "d")
    assert len({da, dc, dd}) == 3


def read_aof_commands(directory):
    """Commands of the incremental AOF files under `directory`, without SELECT and MULTI/EXEC."""
    cmds = []
    for path in sorted(glob.glob(os.path.join(directory, "appendonlydir", "*.incr.aof"))):
        data = open(path, "rb").read()
        pos = 0
        while pos < len(data):
            value, pos = helpers.parse_reply(data, pos)
            cmds.append([v.decode() for v in value])
    return [c for c in cmds if c[0].upper() not in ("SELECT", "MULTI", "EXEC")]


def test_propagation_to_aof(spawn, tmp_path):
    srv = spawn("--appendonly", "yes", "--appendfsync", "always")
    c = srv.raw()
    try:
        c.call("HSET", "h", "a", "1", "b", "2")
        c.call("HMSET", "h", "a", "1")  # unchanged but written: propagated (as Redis)
        c.call("HSETNX", "h", "a", "9")  # nothing done: not propagated
        c.call("HSETNX", "h", "c", "3")
        c.call("HINCRBY", "h", "a", "5")
        c.call("HINCRBYFLOAT", "h", "f", "1.10")
        c.call("HINCRBYFLOAT", "h", "f", "2e1")
        c.call("HDEL", "h", "zz")  # not propagated
        c.call("HDEL", "h", "b", "zz")
        c.call("HRANDFIELD", "h", "-3")
        c.call("HINCRBY", "h", "c", "x")  # an error: not propagated
        time.sleep(0.2)
        got = read_aof_commands(tmp_path)
        assert got == [["HSET", "h", "a", "1", "b", "2"], ["HMSET", "h", "a", "1"],
                       ["HSETNX", "h", "c", "3"], ["HINCRBY", "h", "a", "5"],
                       ["HSET", "h", "f", "1.1"], ["HSET", "h", "f", "21.1"],
                       ["HDEL", "h", "b", "zz"]]
        before = c.call("HGETALL", "h")
        assert c.call("DEBUG", "LOADAOF") == b"OK"
        assert as_dict(c.call("HGETALL", "h")) == as_dict(before)
    finally:
        c.close()
