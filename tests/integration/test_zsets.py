"""Sorted-set commands: every Redis 7.0 sorted-set command, its errors and edge cases, score
formatting (RESP2 "%.17g" bulks, RESP3 doubles), both encodings and the conversions between
them, the blocking pops (order of service, timeouts, MULTI), persistence and propagation.

Exact replies go through the raw connections (`raw`, `r3`); redis-py (`r`) is used where the
parsed value is enough. Everything here must pass against /usr/bin/redis-server 7.0.15 too.
"""

import glob
import os
import struct
import time

import pytest

import helpers
from helpers import RespError, wait_for

E = RespError
SYNTAX = E("ERR syntax error")
NOT_INT = E("ERR value is not an integer or out of range")
NOT_FLOAT = E("ERR value is not a valid float")
WRONGTYPE = E("WRONGTYPE Operation against a key holding the wrong kind of value")
RANGE_FLOAT = E("ERR min or max is not a float")
RANGE_LEX = E("ERR min or max not valid string range item")
NAN_RESULT = E("ERR resulting score is not a number (NaN)")
POSITIVE = E("ERR value is out of range, must be positive")
IS_REDIS = os.path.basename(helpers.server_binary()) == "redis-server"


def crc64(data):
    """Redis's CRC-64 (Jones polynomial, reflected), as DUMP payloads end with."""
    poly = 0x95AC9329AC4BC9B5
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
    return crc


def dump_payload(body):
    """A DUMP payload (RDB version 9) around a type byte + value body."""
    body += b"\x09\x00"
    return body + struct.pack("<Q", crc64(body))


def arity(cmd):
    return E(f"ERR wrong number of arguments for '{cmd}' command")


def encoding(c, key):
    return c.call("OBJECT", "ENCODING", key)


def blocked_clients(raw):
    info = raw.call("INFO", "clients").decode()
    for line in info.split("\r\n"):
        if line.startswith("blocked_clients:"):
            return int(line.split(":")[1])
    return -1


def wait_blocked(raw, n, timeout=5.0):
    assert wait_for(lambda: blocked_clients(raw) == n, timeout), \
        f"expected {n} blocked clients, have {blocked_clients(raw)}"




@pytest.fixture
def small(raw):
    """Default listpack limits, restored afterwards."""
    yield raw
    raw.call("CONFIG", "SET", "zset-max-listpack-entries", "128")
    raw.call("CONFIG", "SET", "zset-max-listpack-value", "64")


def both_encodings(raw, fn):
    """Runs fn(encoding) once with listpacks and once with skiplists forced."""
    try:
        for enc, entries in (("listpack", "128"), ("skiplist", "0")):
            raw.call("CONFIG", "SET", "zset-max-listpack-entries", entries)
            raw.call("FLUSHALL")
            fn(enc.encode())
    finally:
        raw.call("CONFIG", "SET", "zset-max-listpack-entries", "128")


# --------------------------------------------------------------------------------------------
# ZADD / ZINCRBY
# --------------------------------------------------------------------------------------------

def test_zadd_basic_and_update(raw):
    def check(enc):
        assert raw.call("ZADD", "z", "10", "x") == 1
        assert raw.call("ZADD", "z", "20", "y", "30", "z") == 2
        assert encoding(raw, "z") == enc
        assert raw.call("ZADD", "z", "1", "y") == 0  # update only
        assert raw.call("ZRANGE", "z", "0", "-1", "WITHSCORES") == [
            b"y", b"1", b"x", b"10", b"z", b"30"]
        assert raw.call("ZADD", "z", "1", "y", "1", "y") == 0
        assert raw.call("ZADD", "z", "5", "n", "6", "n") == 1  # the last score wins
        assert raw.call("ZSCORE", "z", "n") == b"6"
        assert raw.call("TYPE", "z") == b"zset"
    both_encodings(raw, check)


def test_zadd_options(raw):
    def check(enc):
        raw.call("ZADD", "z", "10", "a", "20", "b")
        assert raw.call("ZADD", "z", "XX", "1", "a", "1", "c") == 0
        assert raw.call("ZSCORE", "z", "a") == b"1"
        assert raw.call("ZSCORE", "z", "c") is None
        assert raw.call("ZADD", "z", "NX", "100", "a", "3", "c") == 1
        assert raw.call("ZSCORE", "z", "a") == b"1"
        assert raw.call("ZADD", "z", "CH", "2", "a", "20", "b", "4", "d") == 2
        assert raw.call("ZADD", "z", "GT", "CH", "1", "a", "30", "b", "5", "e") == 2
        assert raw.call("ZRANGE", "z", "0", "-1", "WITHSCORES") == [
            b"a", b"2", b"c", b"3", b"d", b"4", b"e", b"5", b"b", b"30"]
        assert raw.call("ZADD", "z", "LT", "CH", "9", "a", "1", "b") == 1
        assert raw.call("ZADD", "z", "XX", "GT", "CH", "100", "a", "100", "zz") == 1
        assert raw.call("ZCARD", "z") == 5
        assert raw.call("ZADD", "z", "xx", "lt", "ch", "0", "a") == 1
        # XX on a missing key creates nothing
        assert raw.call("ZADD", "nokey", "XX", "1", "a") == 0
        assert raw.call("EXISTS", "nokey") == 0
        assert raw.call("ZADD", "nokey", "XX", "INCR", "1", "a") is None
        assert raw.call("EXISTS", "nokey") == 0
    both_encodings(raw, check)


def test_zadd_incr(raw):
    assert raw.call("ZADD", "z", "INCR", "5", "a") == b"5"
    assert raw.call("ZADD", "z", "INCR", "-2.5", "a") == b"2.5"
    assert raw.call("ZADD", "z", "NX", "INCR", "1", "a") is None
    assert raw.call("ZADD", "z", "XX", "INCR", "1", "b") is None
    assert raw.call("ZADD", "z", "GT", "INCR", "-1", "a") is None
    assert raw.call("ZADD", "z", "LT", "INCR", "-1", "a") == b"1.5"
    assert raw.call("ZADD", "z", "INCR", "1", "a", "1", "b") == E(
        "ERR INCR option supports a single increment-element pair")
    raw.call("ZADD", "z", "+inf", "inf")
    assert raw.call("ZADD", "z", "INCR", "-inf", "inf") == NAN_RESULT
    assert raw.call("ZADD", "z", "GT", "INCR", "-inf", "inf") == NAN_RESULT
    assert raw.call("ZADD", "z", "INCR", "1", "inf") == b"inf"


def test_zadd_errors(raw):
    assert raw.call("ZADD", "z", "1") == arity("zadd")
    assert raw.call("ZADD", "z", "1", "a", "2") == SYNTAX
    assert raw.call("ZADD", "z", "NX", "1") == SYNTAX
    assert raw.call("ZADD", "z", "NX", "XX", "1", "a") == E(
        "ERR XX and NX options at the same time are not compatible")
    for opts in (["GT", "NX"], ["LT", "NX"], ["GT", "LT"], ["NX", "GT", "LT"]):
        assert raw.call("ZADD", "z", *opts, "1", "a") == E(
            "ERR GT, LT, and/or NX options at the same time are not compatible")
    for bad in ("abc", "", "nan", "1x", " 1", "1e500", "0x"):
        assert raw.call("ZADD", "z", bad, "a") == NOT_FLOAT, bad
    # one bad score and nothing is added
    assert raw.call("ZADD", "z", "1", "a", "x", "b") == NOT_FLOAT
    assert raw.call("EXISTS", "z") == 0
    raw.call("SET", "s", "v")
    assert raw.call("ZADD", "s", "1", "a") == WRONGTYPE
    assert raw.call("ZINCRBY", "s", "1", "a") == WRONGTYPE


def test_zincrby(raw):
    def check(enc):
        assert raw.call("ZINCRBY", "z", "1", "a") == b"1"
        assert raw.call("ZINCRBY", "z", "-2", "a") == b"-1"
        assert raw.call("ZINCRBY", "z", "0.1", "a") == b"-0.90000000000000002"
        assert raw.call("ZINCRBY", "z", "abc", "a") == NOT_FLOAT
        raw.call("ZADD", "z", "inf", "i")
        assert raw.call("ZINCRBY", "z", "-inf", "i") == NAN_RESULT
        assert raw.call("ZSCORE", "z", "i") == b"inf"
        assert raw.call("ZINCRBY", "z", "1", "b", "x") == arity("zincrby")
        assert encoding(raw, "z") == enc
    both_encodings(raw, check)


def test_score_formatting(raw, r3):
    scores = {"0.1": b"0.10000000000000001", "1e17": b"1e+17", "-0": b"-0", "3.0": b"3",
              "1.5": b"1.5", "-inf": b"-inf", "+inf": b"inf", "123456789012345678": b"1.2345678901234568e+17",
              "0x10": b"16", "1e-5": b"1.0000000000000001e-05",
              "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368": b"1.7976931348623157e+308"}
    for i, (s, want) in enumerate(scores.items()):
        raw.call("ZADD", "sk", "CH", s, f"m{i}")
        raw.call("ZADD", "lp", "CH", s, f"m{i}")
    raw.call("CONFIG", "SET", "zset-max-listpack-entries", "0")
    raw.call("ZADD", "sl", "0", "x")
    raw.call("CONFIG", "SET", "zset-max-listpack-entries", "128")
    for i, (s, want) in enumerate(scores.items()):
        raw.call("ZADD", "sl", s, f"m{i}")
        got = raw.call("ZSCORE", "lp", f"m{i}")
        if s == "-0":
            # a listpack stores -0 as the integer 0 (Redis's double2ll), a skiplist keeps it
            assert got == b"0"
            assert raw.call("ZSCORE", "sl", f"m{i}") == b"-0"
        else:
            assert got == want, s
            assert raw.call("ZSCORE", "sl", f"m{i}") == want, s
    assert encoding(raw, "sl") == b"skiplist"
    assert r3.call_raw("ZSCORE", "lp", "m0") == b",0.10000000000000001\r\n"
    assert r3.call_raw("ZSCORE", "lp", "m5") == b",-inf\r\n"
    assert r3.call_raw("ZSCORE", "lp", "m6") == b",inf\r\n"
    assert r3.call_raw("ZSCORE", "lp", "m3") == b",3\r\n"
    assert r3.call_raw("ZSCORE", "lp", "nope") == b"_\r\n"
    assert raw.call_raw("ZSCORE", "lp", "nope") == b"$-1\r\n"


# --------------------------------------------------------------------------------------------
# Point queries and removal
# --------------------------------------------------------------------------------------------

def test_zrem(raw):
    def check(enc):
        raw.call("ZADD", "z", "1", "a", "2", "b", "3", "c")
        assert raw.call("ZREM", "z", "a", "x") == 1
        assert raw.call("ZREM", "z", "a") == 0
        assert raw.call("ZREM", "z", "b", "c", "b") == 2
        assert raw.call("EXISTS", "z") == 0
        assert raw.call("ZREM", "z", "a") == 0
        assert raw.call("ZREM", "z") == arity("zrem")
    both_encodings(raw, check)
    raw.call("SET", "s", "v")
    assert raw.call("ZREM", "s", "a") == WRONGTYPE


def test_point_queries(raw):
    def check(enc):
        raw.call("ZADD", "z", "1", "a", "2", "b", "3", "c", "3", "d", "-1", "10")
        assert raw.call("ZCARD", "z") == 5
        assert raw.call("ZRANK", "z", "a") == 1
        assert raw.call("ZRANK", "z", "10") == 0
        assert raw.call("ZREVRANK", "z", "a") == 3
        assert raw.call("ZRANK", "z", "d") == 4
        assert raw.call("ZREVRANK", "z", "d") == 0
        assert raw.call("ZRANK", "z", "x") is None
        assert raw.call("ZREVRANK", "nokey", "x") is None
        assert raw.call("ZSCORE", "z", "10") == b"-1"
        assert raw.call("ZMSCORE", "z", "a", "x", "c") == [b"1", None, b"3"]
        assert raw.call("ZMSCORE", "nokey", "a", "b") == [None, None]
        assert raw.call("ZCARD", "nokey") == 0
        assert raw.call("ZMSCORE", "z") == arity("zmscore")
    both_encodings(raw, check)
    raw.call("SET", "s", "v")
    for cmd in (["ZCARD", "s"], ["ZSCORE", "s", "a"], ["ZMSCORE", "s", "a"],
                ["ZRANK", "s", "a"], ["ZREVRANK", "s", "a"]):
        assert raw.call(*cmd) == WRONGTYPE, cmd


def test_point_queries_resp3(r3):
    r3.call("ZADD", "z", "1.5", "a")
    assert r3.call_raw("ZMSCORE", "z", "a", "b") == b"*2\r\n,1.5\r\n_\r\n"
    assert r3.call_raw("ZRANK", "z", "b") == b"_\r\n"
    assert r3.call_raw("ZINCRBY", "z", "1", "a") == b",2.5\r\n"
    assert r3.call_raw("ZADD", "z", "NX", "INCR", "1", "a") == b"_\r\n"


def test_zcount_zlexcount(raw):
    def check(enc):
        raw.call("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e")
        assert raw.call("ZCOUNT", "z", "-inf", "+inf") == 5
        assert raw.call("ZCOUNT", "z", "2", "4") == 3
        assert raw.call("ZCOUNT", "z", "(2", "(4") == 1
        assert raw.call("ZCOUNT", "z", "(1", "5") == 4
        assert raw.call("ZCOUNT", "z", "4", "2") == 0
        assert raw.call("ZCOUNT", "z", "(3", "3") == 0
        assert raw.call("ZCOUNT", "z", "6", "10") == 0
        assert raw.call("ZCOUNT", "z", "", "3") == 3  # the empty bound reads as 0
        assert raw.call("ZCOUNT", "nokey", "0", "1") == 0
        raw.call("ZADD", "l", "0", "alpha", "0", "bar", "0", "cool", "0", "down", "0", "elephant")
        assert raw.call("ZLEXCOUNT", "l", "-", "+") == 5
        assert raw.call("ZLEXCOUNT", "l", "[bar", "[down") == 3
        assert raw.call("ZLEXCOUNT", "l", "(bar", "(down") == 1
        assert raw.call("ZLEXCOUNT", "l", "[c", "+") == 3
        assert raw.call("ZLEXCOUNT", "l", "+", "-") == 0
        assert raw.call("ZLEXCOUNT", "l", "[z", "[a") == 0
        assert raw.call("ZLEXCOUNT", "l", "(", "+") == 5
    both_encodings(raw, check)
    for bad in (["abc", "1"], ["1", "nan"], ["(", "(x"], ["1 ", "2"]):
        assert raw.call("ZCOUNT", "z", *bad) == RANGE_FLOAT, bad
    for bad in (["a", "+"], ["-", "b"], ["", "+"], ["+a", "+"], ["1", "2"]):
        assert raw.call("ZLEXCOUNT", "z", *bad) == RANGE_LEX, bad
    raw.call("SET", "s", "v")
    assert raw.call("ZCOUNT", "s", "0", "1") == WRONGTYPE
    assert raw.call("ZLEXCOUNT", "s", "-", "+") == WRONGTYPE
    # range errors come before the type check
    assert raw.call("ZCOUNT", "s", "x", "1") == RANGE_FLOAT


# --------------------------------------------------------------------------------------------
# ZRANGE and friends
# --------------------------------------------------------------------------------------------

def fill(raw):
    raw.call("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d", "5", "e", "5", "f")


def test_zrange_by_rank(raw):
    def check(enc):
        fill(raw)
        assert raw.call("ZRANGE", "z", "0", "-1") == [b"a", b"b", b"c", b"d", b"e", b"f"]
        assert raw.call("ZRANGE", "z", "1", "2", "WITHSCORES") == [b"b", b"2", b"c", b"3"]
        assert raw.call("ZRANGE", "z", "-2", "-1") == [b"e", b"f"]
        assert raw.call("ZRANGE", "z", "-100", "1") == [b"a", b"b"]
        assert raw.call("ZRANGE", "z", "5", "100") == [b"f"]
        assert raw.call("ZRANGE", "z", "6", "100") == []
        assert raw.call("ZRANGE", "z", "3", "2") == []
        assert raw.call("ZRANGE", "z", "0", "-1", "REV") == [b"f", b"e", b"d", b"c", b"b", b"a"]
        assert raw.call("ZREVRANGE", "z", "0", "1", "WITHSCORES") == [b"f", b"5", b"e", b"5"]
        assert raw.call("ZREVRANGE", "z", "-1", "-1") == [b"a"]
        assert raw.call("ZRANGE", "nokey", "0", "-1") == []
        assert raw.call_raw("ZRANGE", "z", "3", "2") == b"*0\r\n"
    both_encodings(raw, check)


def test_zrange_by_score(raw):
    def check(enc):
        fill(raw)
        assert raw.call("ZRANGEBYSCORE", "z", "2", "4") == [b"b", b"c", b"d"]
        assert raw.call("ZRANGEBYSCORE", "z", "(2", "+inf", "WITHSCORES") == [
            b"c", b"3", b"d", b"4", b"e", b"5", b"f", b"5"]
        assert raw.call("ZRANGEBYSCORE", "z", "-inf", "(3") == [b"a", b"b"]
        assert raw.call("ZRANGEBYSCORE", "z", "2", "4", "LIMIT", "1", "1") == [b"c"]
        assert raw.call("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "2", "-1") == [
            b"c", b"d", b"e", b"f"]
        assert raw.call("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "-1", "2") == []
        assert raw.call("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "10", "2") == []
        assert raw.call("ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", "0", "0") == []
        assert raw.call("ZREVRANGEBYSCORE", "z", "4", "2") == [b"d", b"c", b"b"]
        assert raw.call("ZREVRANGEBYSCORE", "z", "+inf", "(4", "WITHSCORES", "LIMIT", "1",
                        "5") == [b"e", b"5"]
        assert raw.call("ZREVRANGEBYSCORE", "z", "2", "4") == []
        assert raw.call("ZRANGE", "z", "(1", "3", "BYSCORE") == [b"b", b"c"]
        assert raw.call("ZRANGE", "z", "3", "(1", "BYSCORE", "REV", "LIMIT", "0", "1") == [b"c"]
        assert raw.call("ZRANGE", "z", "5", "5", "BYSCORE", "REV", "WITHSCORES") == [
            b"f", b"5", b"e", b"5"]
        assert raw.call("ZRANGEBYSCORE", "z", "", "1") == [b"a"]  # "" is 0
        assert raw.call("ZRANGEBYSCORE", "z", "(", "1") == [b"a"]
        assert raw.call("ZRANGEBYSCORE", "z", "1", "0x2") == [b"a", b"b"]
    both_encodings(raw, check)
    assert raw.call("ZRANGEBYSCORE", "z", "str", "1") == RANGE_FLOAT
    assert raw.call("ZRANGEBYSCORE", "z", "1", "NaN") == RANGE_FLOAT
    assert raw.call("ZRANGEBYSCORE", "z", "1", "2", "LIMIT", "a", "1") == NOT_INT
    assert raw.call("ZRANGEBYSCORE", "z", "1", "2", "LIMIT", "1") == SYNTAX
    assert raw.call("ZRANGEBYSCORE", "z", "1", "2", "REV") == SYNTAX
    assert raw.call("ZRANGEBYSCORE", "z", "1", "2", "BYSCORE") == SYNTAX


def test_zrange_by_lex(raw):
    def check(enc):
        raw.call("ZADD", "z", *[x for m in ["alpha", "bar", "cool", "down", "elephant", "foo",
                                            "great", "hill", "omega"] for x in ("0", m)])
        assert raw.call("ZRANGEBYLEX", "z", "-", "[cool") == [b"alpha", b"bar", b"cool"]
        assert raw.call("ZRANGEBYLEX", "z", "(bar", "(down") == [b"cool"]
        assert raw.call("ZRANGEBYLEX", "z", "[hill", "+") == [b"hill", b"omega"]
        assert raw.call("ZRANGEBYLEX", "z", "-", "+", "LIMIT", "2", "3") == [
            b"cool", b"down", b"elephant"]
        assert raw.call("ZREVRANGEBYLEX", "z", "[d", "[a") == [b"cool", b"bar", b"alpha"]
        assert raw.call("ZREVRANGEBYLEX", "z", "+", "-", "LIMIT", "0", "2") == [
            b"omega", b"hill"]
        assert raw.call("ZRANGE", "z", "[f", "(h", "BYLEX") == [b"foo", b"great"]
        assert raw.call("ZRANGE", "z", "(h", "[f", "BYLEX", "REV") == [b"great", b"foo"]
        assert raw.call("ZRANGEBYLEX", "z", "+", "-") == []
        assert raw.call("ZRANGEBYLEX", "z", "[zz", "+") == []
        assert raw.call("ZRANGEBYLEX", "z", "(", "[b") == [b"alpha"]
    both_encodings(raw, check)
    for bad in (["a", "+"], ["-", "b"], ["[a", ""], ["+x", "+"], ["1", "2"]):
        assert raw.call("ZRANGEBYLEX", "z", *bad) == RANGE_LEX, bad
    assert raw.call("ZRANGE", "z", "-", "+", "BYLEX", "WITHSCORES") == E(
        "ERR syntax error, WITHSCORES not supported in combination with BYLEX")
    assert raw.call("ZRANGEBYLEX", "z", "-", "+", "WITHSCORES") == E(
        "ERR syntax error, WITHSCORES not supported in combination with BYLEX")


def test_zrange_syntax_errors(raw):
    fill(raw)
    assert raw.call("ZRANGE", "z", "0", "1", "LIMIT", "0", "1") == E(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
    assert raw.call("ZREVRANGE", "z", "0", "1", "LIMIT", "0", "1") == E(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
    assert raw.call("ZRANGE", "z", "0", "1", "BYSCORE", "BYLEX") == SYNTAX
    assert raw.call("ZRANGE", "z", "0", "1", "REV", "REV") == SYNTAX
    assert raw.call("ZRANGE", "z", "0", "1", "foo") == SYNTAX
    assert raw.call("ZREVRANGE", "z", "0", "1", "REV") == SYNTAX
    assert raw.call("ZRANGE", "z", "a", "1") == NOT_INT
    assert raw.call("ZRANGE", "z", "0") == arity("zrange")
    assert raw.call("ZRANGE", "z", "0", "1", "LIMIT", "0", "x", "BYSCORE") == NOT_INT
    # the option loop runs first, then the checks, then the range, then the key
    raw.call("SET", "s", "v")
    assert raw.call("ZRANGE", "s", "0", "1") == WRONGTYPE
    assert raw.call("ZRANGE", "s", "x", "1") == NOT_INT
    assert raw.call("ZRANGE", "s", "0", "1", "LIMIT", "0", "1") == E(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")


def test_zrange_resp3(r3):
    r3.call("ZADD", "z", "1", "a", "2.5", "b")
    assert r3.call_raw("ZRANGE", "z", "0", "-1", "WITHSCORES") == (
        b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n")
    assert r3.call_raw("ZRANGEBYSCORE", "z", "2", "3", "WITHSCORES") == (
        b"*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n")
    assert r3.call_raw("ZRANGE", "z", "0", "-1") == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    assert r3.call_raw("ZRANGE", "nokey", "0", "-1") == b"*0\r\n"


def test_zrange_integer_members(raw):
    def check(enc):
        raw.call("ZADD", "z", "1", "10", "2", "-5", "3", "007", "4", "9223372036854775807")
        assert raw.call("ZRANGE", "z", "0", "-1") == [b"10", b"-5", b"007",
                                                       b"9223372036854775807"]
        assert raw.call("ZSCORE", "z", "007") == b"3"
        assert raw.call("ZSCORE", "z", "7") is None
        assert raw.call("ZRANK", "z", "-5") == 1
    both_encodings(raw, check)


def test_zrangestore(small):
    raw = small
    fill(raw)
    assert raw.call("ZRANGESTORE", "d", "z", "1", "2") == 2
    assert raw.call("ZRANGE", "d", "0", "-1", "WITHSCORES") == [b"b", b"2", b"c", b"3"]
    assert encoding(raw, "d") == b"listpack"
    assert raw.call("ZRANGESTORE", "d", "z", "5", "(3", "BYSCORE", "REV", "LIMIT", "1", "2") == 2
    assert raw.call("ZRANGE", "d", "0", "-1") == [b"d", b"e"]
    assert raw.call("ZRANGESTORE", "d", "z", "[c", "+", "BYLEX", "LIMIT", "1", "-1") == 3
    assert raw.call("ZRANGE", "d", "0", "-1") == [b"d", b"e", b"f"]
    raw.call("EXPIRE", "d", "100")
    assert raw.call("ZRANGESTORE", "d", "z", "0", "0") == 1
    assert raw.call("TTL", "d") == -1  # replaced, TTL gone
    # an empty result deletes the destination
    assert raw.call("ZRANGESTORE", "d", "z", "10", "20") == 0
    assert raw.call("EXISTS", "d") == 0
    raw.call("SET", "d", "x")
    assert raw.call("ZRANGESTORE", "d", "nokey", "0", "-1") == 0
    assert raw.call("EXISTS", "d") == 0
    raw.call("SET", "s", "v")
    assert raw.call("ZRANGESTORE", "d", "s", "0", "-1") == WRONGTYPE
    assert raw.call("ZRANGESTORE", "d", "z", "0", "-1", "WITHSCORES") == SYNTAX
    assert raw.call("ZRANGESTORE", "d", "z", "0") == arity("zrangestore")
    # destination encodings follow the limits
    raw.call("CONFIG", "SET", "zset-max-listpack-entries", "1")
    assert raw.call("ZRANGESTORE", "d", "z", "0", "1") == 2
    assert encoding(raw, "d") == b"skiplist"
    assert raw.call("ZRANGESTORE", "d", "z", "0", "0") == 1
    assert encoding(raw, "d") == b"listpack"
    assert raw.call("ZRANGESTORE", "d", "z", "-inf", "+inf", "BYSCORE") == 6
    assert encoding(raw, "d") == b"skiplist"
    raw.call("CONFIG", "SET", "zset-max-listpack-entries", "0")
    assert raw.call("ZRANGESTORE", "d", "z", "0", "0") == 1
    assert encoding(raw, "d") == b"skiplist"


def test_zremrange(raw):
    def check(enc):
        fill(raw)
        assert raw.call("ZREMRANGEBYRANK", "z", "1", "2") == 2
        assert raw.call("ZRANGE", "z", "0", "-1") == [b"a", b"d", b"e", b"f"]
        assert raw.call("ZREMRANGEBYRANK", "z", "-1", "-1") == 1
        assert raw.call("ZREMRANGEBYRANK", "z", "5", "10") == 0
        assert raw.call("ZREMRANGEBYRANK", "z", "2", "1") == 0
        assert raw.call("ZREMRANGEBYSCORE", "z", "(1", "4") == 1
        assert raw.call("ZREMRANGEBYSCORE", "z", "10", "20") == 0
        assert raw.call("ZRANGE", "z", "0", "-1") == [b"a", b"e"]
        raw.call("ZADD", "l", "0", "a", "0", "b", "0", "c", "0", "d")
        assert raw.call("ZREMRANGEBYLEX", "l", "(a", "[c") == 2
        assert raw.call("ZRANGE", "l", "0", "-1") == [b"a", b"d"]
        assert raw.call("ZREMRANGEBYLEX", "l", "-", "+") == 2
        assert raw.call("EXISTS", "l") == 0
        assert raw.call("ZREMRANGEBYRANK", "z", "0", "-1") == 2
        assert raw.call("EXISTS", "z") == 0
        assert raw.call("ZREMRANGEBYSCORE", "z", "0", "1") == 0
    both_encodings(raw, check)
    assert raw.call("ZREMRANGEBYRANK", "z", "a", "1") == NOT_INT
    assert raw.call("ZREMRANGEBYSCORE", "z", "a", "1") == RANGE_FLOAT
    assert raw.call("ZREMRANGEBYLEX", "z", "a", "+") == RANGE_LEX
    raw.call("SET", "s", "v")
    assert raw.call("ZREMRANGEBYRANK", "s", "0", "1") == WRONGTYPE
    assert raw.call("ZREMRANGEBYSCORE", "s", "0", "1") == WRONGTYPE
    assert raw.call("ZREMRANGEBYLEX", "s", "-", "+") == WRONGTYPE


# --------------------------------------------------------------------------------------------
# ZUNION / ZINTER / ZDIFF and the STORE forms
# --------------------------------------------------------------------------------------------

def algebra_data(raw):
    raw.call("ZADD", "z1", "1", "a", "2", "b", "3", "c")
    raw.call("ZADD", "z2", "1", "b", "2", "c", "3", "d")
    raw.call("SADD", "s1", "a", "d", "x")
    raw.call("SADD", "i1", "1", "2", "3")


def test_zunion_zinter_zdiff(raw):
    def check(enc):
        algebra_data(raw)
        assert raw.call("ZUNION", "2", "z1", "z2", "WITHSCORES") == [
            b"a", b"1", b"b", b"3", b"d", b"3", b"c", b"5"]
        assert raw.call("ZINTER", "2", "z1", "z2", "WITHSCORES") == [b"b", b"3", b"c", b"5"]
        assert raw.call("ZDIFF", "2", "z1", "z2", "WITHSCORES") == [b"a", b"1"]
        assert raw.call("ZDIFF", "1", "z1") == [b"a", b"b", b"c"]
        assert raw.call("ZDIFF", "2", "z1", "z1") == []
        assert raw.call("ZUNION", "2", "z1", "z2", "WEIGHTS", "2", "-1", "WITHSCORES") == [
            b"d", b"-3", b"a", b"2", b"b", b"3", b"c", b"4"]
        assert raw.call("ZUNION", "2", "z1", "z2", "AGGREGATE", "MIN", "WITHSCORES") == [
            b"a", b"1", b"b", b"1", b"c", b"2", b"d", b"3"]
        assert raw.call("ZINTER", "2", "z1", "z2", "AGGREGATE", "max", "WITHSCORES") == [
            b"b", b"2", b"c", b"3"]
        # plain sets count with score 1
        assert raw.call("ZUNION", "2", "z1", "s1", "WITHSCORES") == [
            b"d", b"1", b"x", b"1", b"a", b"2", b"b", b"2", b"c", b"3"]
        assert raw.call("ZINTER", "2", "s1", "z2", "WITHSCORES") == [b"d", b"4"]
        assert raw.call("ZINTER", "2", "i1", "i1", "WITHSCORES") == [
            b"1", b"2", b"2", b"2", b"3", b"2"]
        assert raw.call("ZDIFF", "2", "s1", "z1") == [b"d", b"x"]
        assert raw.call("ZUNION", "3", "z1", "nokey", "z2") == [b"a", b"b", b"d", b"c"]
        assert raw.call("ZINTER", "2", "z1", "nokey") == []
        assert raw.call("ZINTERCARD", "2", "z1", "z2") == 2
        assert raw.call("ZINTERCARD", "2", "z1", "z2", "LIMIT", "1") == 1
        assert raw.call("ZINTERCARD", "2", "z1", "z2", "LIMIT", "0") == 2
        assert raw.call("ZINTERCARD", "1", "nokey") == 0
    both_encodings(raw, check)


def test_algebra_nan_and_inf(raw):
    raw.call("ZADD", "z", "-inf", "neg", "inf", "pos")
    raw.call("ZADD", "w", "inf", "neg")
    assert raw.call("ZUNION", "1", "z", "WEIGHTS", "0", "WITHSCORES") == [
        b"neg", b"0", b"pos", b"0"]
    assert raw.call("ZUNION", "2", "z", "w", "WITHSCORES") == [b"neg", b"0", b"pos", b"inf"]
    # inf + -inf is 0; 0 * inf is 0 (the smaller input, w, goes first)
    assert raw.call("ZINTER", "2", "z", "w", "WITHSCORES") == [b"neg", b"0"]
    assert raw.call("ZINTER", "2", "z", "w", "WEIGHTS", "1", "0", "WITHSCORES") == [
        b"neg", b"-inf"]
    assert raw.call("ZINTER", "2", "z", "w", "WEIGHTS", "1", "0", "AGGREGATE", "MAX",
                    "WITHSCORES") == [b"neg", b"0"]
    assert raw.call("ZINTER", "2", "z", "w", "WEIGHTS", "1", "0", "AGGREGATE", "MIN",
                    "WITHSCORES") == [b"neg", b"-inf"]


def test_algebra_errors(raw):
    algebra_data(raw)
    for cmd in ("zunion", "zinter", "zdiff", "zintercard"):
        assert raw.call(cmd, "0", "z1") == E(
            f"ERR at least 1 input key is needed for '{cmd}' command")
        assert raw.call(cmd, "-1", "z1") == E(
            f"ERR at least 1 input key is needed for '{cmd}' command")
        assert raw.call(cmd, "x", "z1") == NOT_INT
        assert raw.call(cmd, "3", "z1", "z2") == SYNTAX
    for cmd in ("zunionstore", "zinterstore", "zdiffstore"):
        assert raw.call(cmd, "d", "0", "z1") == E(
            f"ERR at least 1 input key is needed for '{cmd}' command")
        assert raw.call(cmd, "d", "2", "z1", "z2", "WITHSCORES") == SYNTAX
        assert raw.call(cmd, "d", "1") == arity(cmd)
    assert raw.call("ZUNION", "2", "z1", "z2", "WEIGHTS", "1") == SYNTAX
    assert raw.call("ZUNION", "2", "z1", "z2", "WEIGHTS", "1", "x") == E(
        "ERR weight value is not a float")
    assert raw.call("ZUNION", "2", "z1", "z2", "AGGREGATE", "AVG") == SYNTAX
    assert raw.call("ZUNION", "2", "z1", "z2", "AGGREGATE") == SYNTAX
    assert raw.call("ZDIFF", "2", "z1", "z2", "WEIGHTS", "1", "1") == SYNTAX
    assert raw.call("ZDIFF", "2", "z1", "z2", "AGGREGATE", "SUM") == SYNTAX
    assert raw.call("ZINTERCARD", "2", "z1", "z2", "WITHSCORES") == SYNTAX
    assert raw.call("ZINTERCARD", "2", "z1", "z2", "LIMIT", "-1") == E(
        "ERR LIMIT can't be negative")
    assert raw.call("ZINTERCARD", "2", "z1", "z2", "LIMIT", "x") == E(
        "ERR LIMIT can't be negative")
    assert raw.call("ZINTERCARD", "2", "z1", "z2", "WEIGHTS", "1", "1") == SYNTAX
    assert raw.call("ZUNION", "1", "z1", "LIMIT", "1") == SYNTAX
    raw.call("SET", "str", "v")
    assert raw.call("ZUNION", "2", "z1", "str") == WRONGTYPE
    # the type check comes before the options are parsed
    assert raw.call("ZUNION", "2", "z1", "str", "WEIGHTS", "x", "y") == WRONGTYPE
    raw.call("LPUSH", "list", "a")
    assert raw.call("ZINTERSTORE", "d", "2", "z1", "list") == WRONGTYPE


def test_store_forms(small):
    raw = small
    algebra_data(raw)
    assert raw.call("ZUNIONSTORE", "d", "2", "z1", "z2") == 4
    assert raw.call("ZRANGE", "d", "0", "-1", "WITHSCORES") == [
        b"a", b"1", b"b", b"3", b"d", b"3", b"c", b"5"]
    assert encoding(raw, "d") == b"listpack"
    assert raw.call("ZINTERSTORE", "d", "2", "z1", "z2", "WEIGHTS", "1", "0.5") == 2
    assert raw.call("ZRANGE", "d", "0", "-1", "WITHSCORES") == [b"b", b"2.5", b"c", b"4"]
    assert raw.call("ZDIFFSTORE", "d", "2", "z1", "z2") == 1
    assert raw.call("ZRANGE", "d", "0", "-1", "WITHSCORES") == [b"a", b"1"]
    # an empty result deletes the destination
    assert raw.call("ZINTERSTORE", "d", "2", "z1", "nokey") == 0
    assert raw.call("EXISTS", "d") == 0
    assert raw.call("ZUNIONSTORE", "d", "1", "nokey") == 0
    # the destination may be a source
    assert raw.call("ZUNIONSTORE", "z1", "2", "z1", "z2") == 4
    assert raw.call("ZSCORE", "z1", "c") == b"5"
    # results convert to the small encoding when they fit, and the other way round
    raw.call("CONFIG", "SET", "zset-max-listpack-entries", "0")
    raw.call("ZADD", "big", "1", "x")
    assert encoding(raw, "big") == b"skiplist"
    raw.call("CONFIG", "SET", "zset-max-listpack-entries", "128")
    assert raw.call("ZUNIONSTORE", "d", "1", "big") == 1
    assert encoding(raw, "d") == b"listpack"
    raw.call("ZADD", "long", "1", "y" * 65)
    assert encoding(raw, "long") == b"skiplist"
    assert raw.call("ZUNIONSTORE", "d", "2", "big", "long") == 2
    assert encoding(raw, "d") == b"skiplist"
    raw.call("CONFIG", "SET", "zset-max-listpack-entries", "1")
    assert raw.call("ZUNIONSTORE", "d", "2", "z2", "s1") == 5
    assert encoding(raw, "d") == b"skiplist"


def test_algebra_resp3(r3):
    r3.call("ZADD", "z", "1", "a", "2", "b")
    assert r3.call_raw("ZUNION", "1", "z", "WITHSCORES") == (
        b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2\r\n")
    assert r3.call_raw("ZINTER", "1", "z") == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    assert r3.call_raw("ZDIFF", "1", "nokey") == b"*0\r\n"


# --------------------------------------------------------------------------------------------
# Pops
# --------------------------------------------------------------------------------------------

def test_zpopmin_zpopmax(raw):
    def check(enc):
        fill(raw)
        assert raw.call("ZPOPMIN", "z") == [b"a", b"1"]
        assert raw.call("ZPOPMAX", "z") == [b"f", b"5"]
        assert raw.call("ZPOPMIN", "z", "2") == [b"b", b"2", b"c", b"3"]
        assert raw.call("ZPOPMAX", "z", "1") == [b"e", b"5"]
        assert raw.call("ZPOPMIN", "z", "0") == []
        assert raw.call("ZPOPMAX", "z", "10") == [b"d", b"4"]
        assert raw.call("EXISTS", "z") == 0
        assert raw.call_raw("ZPOPMIN", "z") == b"*0\r\n"
        assert raw.call_raw("ZPOPMIN", "z", "3") == b"*0\r\n"
    both_encodings(raw, check)
    assert raw.call("ZPOPMIN", "z", "-1") == POSITIVE
    assert raw.call("ZPOPMIN", "z", "x") == POSITIVE
    assert raw.call("ZPOPMIN", "z", "1", "2") == SYNTAX
    raw.call("SET", "s", "v")
    assert raw.call("ZPOPMIN", "s") == WRONGTYPE
    assert raw.call("ZPOPMAX", "s", "0") == WRONGTYPE
    assert raw.call("ZPOPMAX", "s", "-1") == POSITIVE


def test_zpop_resp3(r3):
    r3.call("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert r3.call_raw("ZPOPMIN", "z") == b"*2\r\n$1\r\na\r\n,1\r\n"
    assert r3.call_raw("ZPOPMIN", "z", "1") == b"*1\r\n*2\r\n$1\r\nb\r\n,2\r\n"
    assert r3.call_raw("ZPOPMAX", "z", "0") == b"*0\r\n"
    assert r3.call_raw("ZPOPMAX", "nokey") == b"*0\r\n"


def test_zmpop(raw, r3):
    raw.call("ZADD", "z1", "1", "a", "2", "b", "3", "c")
    raw.call("ZADD", "z2", "5", "x")
    assert raw.call("ZMPOP", "2", "nokey", "z1", "MIN") == [b"z1", [[b"a", b"1"]]]
    assert raw.call("ZMPOP", "1", "z1", "max", "COUNT", "5") == [b"z1", [[b"c", b"3"],
                                                                       [b"b", b"2"]]]
    assert raw.call("EXISTS", "z1") == 0
    assert raw.call_raw("ZMPOP", "1", "z1", "MIN") == b"*-1\r\n"
    assert r3.call_raw("ZMPOP", "1", "z1", "MIN") == b"_\r\n"
    assert r3.call_raw("ZMPOP", "2", "z1", "z2", "MIN") == (
        b"*2\r\n$2\r\nz2\r\n*1\r\n*2\r\n$1\r\nx\r\n,5\r\n")
    for bad in (["0", "z", "MIN"], ["a", "z", "MIN"], ["-1", "z", "MAX"]):
        assert raw.call("ZMPOP", *bad) == E("ERR numkeys should be greater than 0"), bad
    for bad in (["1", "z", "bad"], ["1", "z", "MIN", "bar"], ["1", "z", "MAX", "MIN"],
                ["1", "z", "COUNT"], ["1", "z", "MAX", "COUNT", "1", "COUNT", "2"],
                ["2", "z", "z2", "bad"], ["5", "z", "MIN"]):
        assert raw.call("ZMPOP", *bad) == SYNTAX, bad
    for bad in (["1", "z", "MIN", "COUNT", "0"], ["1", "z", "MAX", "COUNT", "a"],
                ["1", "z", "MIN", "COUNT", "-1"]):
        assert raw.call("ZMPOP", *bad) == E("ERR count should be greater than 0"), bad
    assert raw.call("ZMPOP", "1", "z") == arity("zmpop")
    raw.call("SET", "s", "v")
    assert raw.call("ZMPOP", "2", "nokey", "s", "MIN") == WRONGTYPE


def test_bzpop_immediate(raw, r3):
    raw.call("ZADD", "z", "1", "a", "2", "b")
    assert raw.call("BZPOPMIN", "nokey", "z", "0") == [b"z", b"a", b"1"]
    assert raw.call("BZPOPMAX", "z", "0") == [b"z", b"b", b"2"]
    raw.call("ZADD", "z", "1", "a", "2", "b", "3", "c")
    assert raw.call("BZMPOP", "0", "2", "nokey", "z", "MAX", "COUNT", "2") == [
        b"z", [[b"c", b"3"], [b"b", b"2"]]]
    assert r3.call_raw("BZPOPMIN", "z", "0") == b"*3\r\n$1\r\nz\r\n$1\r\na\r\n,1\r\n"
    raw.call("SET", "s", "v")
    assert raw.call("BZPOPMIN", "s", "0") == WRONGTYPE
    assert raw.call("BZMPOP", "0", "1", "s", "MIN") == WRONGTYPE


def test_bzpop_argument_errors(raw):
    assert raw.call("BZPOPMIN", "z", "-1") == E("ERR timeout is negative")
    assert raw.call("BZPOPMIN", "z", "abc") == E("ERR timeout is not a float or out of range")
    assert raw.call("BZPOPMAX", "z") == arity("bzpopmax")
    assert raw.call("BZMPOP", "0", "1") == arity("bzmpop")
    assert raw.call("BZMPOP", "0", "0", "z", "MIN") == E("ERR numkeys should be greater than 0")
    assert raw.call("BZMPOP", "0", "1", "z", "LEFT") == SYNTAX
    assert raw.call("BZMPOP", "0", "1", "z", "MIN", "COUNT", "0") == E(
        "ERR count should be greater than 0")
    # argument errors come before the timeout's
    assert raw.call("BZMPOP", "x", "1", "z", "MIN", "COUNT", "0") == E(
        "ERR count should be greater than 0")
    assert raw.call("BZMPOP", "x", "1", "z", "MIN") == E(
        "ERR timeout is not a float or out of range")


def test_bzpop_blocks_and_is_served_in_order(raw, conns):
    a, b, c = conns(), conns(), conns()
    a.send_command("BZPOPMIN", "z1", "z2", "0")
    wait_blocked(raw, 1)
    b.send_command("BZPOPMAX", "z2", "0")
    wait_blocked(raw, 2)
    c.send_command("BZMPOP", "0", "2", "z2", "z1", "MIN", "COUNT", "5")
    wait_blocked(raw, 3)
    assert raw.call("ZADD", "z2", "1", "x", "2", "y", "3", "w") == 3
    assert a.read_reply() == [b"z2", b"x", b"1"]
    assert b.read_reply() == [b"z2", b"w", b"3"]
    assert c.read_reply() == [b"z2", [[b"y", b"2"]]]
    assert raw.call("EXISTS", "z2") == 0
    assert blocked_clients(raw) == 0


def test_bzpop_served_by_store_and_multi(raw, conns):
    a, b = conns(), conns()
    raw.call("ZADD", "src", "1", "m")
    a.send_command("BZPOPMIN", "dst", "0")
    b.send_command("BZPOPMIN", "dst2", "0")
    wait_blocked(raw, 2)
    assert raw.call("ZUNIONSTORE", "dst", "1", "src") == 1
    assert a.read_reply() == [b"dst", b"m", b"1"]
    raw.call("MULTI")
    raw.call("ZADD", "dst2", "0", "a")
    raw.call("ZADD", "dst2", "1", "b")
    assert raw.call("EXEC") == [1, 1]
    assert b.read_reply() == [b"dst2", b"a", b"0"]
    assert raw.call("ZRANGE", "dst2", "0", "-1") == [b"b"]
    # ZADD then DEL inside MULTI wakes nobody
    a.send_command("BZPOPMAX", "k", "0")
    wait_blocked(raw, 1)
    raw.call("MULTI")
    raw.call("ZADD", "k", "0", "foo")
    raw.call("DEL", "k")
    raw.call("EXEC")
    raw.call("ZADD", "k", "1", "bar")
    assert a.read_reply() == [b"k", b"bar", b"1"]


def test_bzpop_timeout_and_multi(raw, conns, r3):
    a = conns()
    t0 = time.monotonic()
    assert a.call_raw("BZPOPMIN", "z", "0.1") == b"*-1\r\n"
    assert a.call_raw("BZMPOP", "0.1", "1", "z", "MIN") == b"*-1\r\n"
    assert time.monotonic() - t0 >= 0.19
    assert r3.call_raw("BZPOPMAX", "z", "0.05") == b"_\r\n"
    # inside MULTI a blocking pop answers at once, as on timeout
    raw.call("MULTI")
    raw.call("BZPOPMIN", "z", "0")
    raw.call("BZMPOP", "0", "1", "z", "MIN")
    assert raw.call_raw("EXEC") == b"*2\r\n*-1\r\n*-1\r\n"
    # a key of another type does not release the client
    a.send_command("BZPOPMIN", "z", "0.3")
    wait_blocked(raw, 1)
    raw.call("LPUSH", "z", "x")
    assert a.read_reply() is None


def test_bzpop_client_unblock(raw, conns):
    a = conns()
    cid = a.call("CLIENT", "ID")
    a.send_command("BZPOPMIN", "z", "0")
    wait_blocked(raw, 1)
    assert raw.call("CLIENT", "UNBLOCK", cid) == 1
    assert a.read_reply() is None
    a.send_command("BZMPOP", "0", "1", "z", "MIN")
    wait_blocked(raw, 1)
    assert raw.call("CLIENT", "UNBLOCK", cid, "ERROR") == 1
    assert a.read_reply() == E("UNBLOCKED client unblocked via CLIENT UNBLOCK")


# --------------------------------------------------------------------------------------------
# ZRANDMEMBER / ZSCAN
# --------------------------------------------------------------------------------------------

def test_zrandmember(raw, r3):
    def check(enc):
        members = {f"m{i}".encode(): str(i).encode() for i in range(20)}
        raw.call("ZADD", "z", *[x for m, s in members.items() for x in (s, m)])
        assert raw.call("ZRANDMEMBER", "z") in members
        assert raw.call("ZRANDMEMBER", "nokey") is None
        assert raw.call_raw("ZRANDMEMBER", "nokey", "5") == b"*0\r\n"
        assert raw.call_raw("ZRANDMEMBER", "z", "0") == b"*0\r\n"
        for count in (1, 5, 7, 19, 20):
            got = raw.call("ZRANDMEMBER", "z", str(count))
            assert len(got) == count and len(set(got)) == count
            assert set(got) <= set(members)
        # all of it: in descending order, as Redis iterates
        assert raw.call("ZRANDMEMBER", "z", "100") == [f"m{i}".encode() for i in range(19, -1, -1)]
        got = raw.call("ZRANDMEMBER", "z", "-50")
        assert len(got) == 50 and set(got) <= set(members)
        got = raw.call("ZRANDMEMBER", "z", "-6", "WITHSCORES")
        assert len(got) == 12
        for m, s in zip(got[::2], got[1::2]):
            assert members[m] == s
        got = raw.call("ZRANDMEMBER", "z", "8", "withscores")
        assert len(set(got[::2])) == 8
        assert encoding(raw, "z") == enc
    both_encodings(raw, check)
    assert raw.call("ZRANDMEMBER", "z", "1", "WITHSCORES", "x") == SYNTAX
    assert raw.call("ZRANDMEMBER", "z", "1", "foo") == SYNTAX
    assert raw.call("ZRANDMEMBER", "z", "x") == NOT_INT
    assert raw.call("ZRANDMEMBER", "z", "-9223372036854775808") == E(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807")
    assert raw.call("ZRANDMEMBER", "z", "-9223372036854770000", "WITHSCORES") == E(
        "ERR value is out of range")
    r3.call("ZADD", "r", "1", "a")
    assert r3.call_raw("ZRANDMEMBER", "r", "1", "WITHSCORES") == b"*1\r\n*2\r\n$1\r\na\r\n,1\r\n"
    assert r3.call_raw("ZRANDMEMBER", "r", "-2") == b"*2\r\n$1\r\na\r\n$1\r\na\r\n"
    assert r3.call_raw("ZRANDMEMBER", "r") == b"$1\r\na\r\n"
    raw.call("SET", "s", "v")
    assert raw.call("ZRANDMEMBER", "s") == WRONGTYPE
    assert raw.call("ZRANDMEMBER", "s", "1") == WRONGTYPE


def scan_all(raw, key, *opts):
    cursor, seen, calls = b"0", {}, 0
    while True:
        cursor, items = raw.call("ZSCAN", key, cursor, *opts)
        for m, s in zip(items[::2], items[1::2]):
            seen[m] = s
        calls += 1
        if cursor == b"0":
            return seen, calls


def test_zscan(raw):
    raw.call("ZADD", "small", "1.5", "a", "2", "b", "0.1", "c")
    assert raw.call("ZSCAN", "small", "0") == [b"0", [b"c", b"0.10000000000000001", b"a", b"1.5",
                                                     b"b", b"2"]]
    assert raw.call("ZSCAN", "small", "0", "MATCH", "a*") == [b"0", [b"a", b"1.5"]]
    raw.call("ZADD", "big", *[x for i in range(500) for x in (str(i / 4), f"m{i}")])
    assert encoding(raw, "big") == b"skiplist"
    seen, calls = scan_all(raw, "big", "COUNT", "20")
    assert len(seen) == 500 and calls > 5
    assert seen[b"m1"] == b"0.25" and seen[b"m2"] == b"0.5" and seen[b"m0"] == b"0"
    seen, _ = scan_all(raw, "big", "MATCH", "m1?")
    assert set(seen) == {f"m{i}".encode() for i in range(10, 20)}
    assert raw.call("ZSCAN", "nokey", "0") == [b"0", []]
    assert raw.call("ZSCAN", "big", "x") == E("ERR invalid cursor")
    assert raw.call("ZSCAN", "big", "0", "COUNT", "0") == SYNTAX
    assert raw.call("ZSCAN", "big", "0", "COUNT", "x") == NOT_INT
    assert raw.call("ZSCAN", "big", "0", "TYPE", "zset") == SYNTAX
    assert raw.call("ZSCAN", "big", "0", "MATCH") == SYNTAX
    raw.call("SET", "s", "v")
    assert raw.call("ZSCAN", "s", "0") == WRONGTYPE


# --------------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------------

def test_encoding_thresholds(small):
    raw = small
    raw.call("CONFIG", "SET", "zset-max-listpack-entries", "4")
    raw.call("CONFIG", "SET", "zset-max-listpack-value", "8")
    raw.call("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
    assert encoding(raw, "z") == b"listpack"
    raw.call("ZADD", "z", "5", "e")
    assert encoding(raw, "z") == b"skiplist"
    # a skiplist stays a skiplist when it shrinks
    raw.call("ZREM", "z", "a", "b", "c")
    assert encoding(raw, "z") == b"skiplist"
    raw.call("ZADD", "v", "1", "12345678")
    assert encoding(raw, "v") == b"listpack"
    raw.call("ZADD", "v", "1", "123456789")
    assert encoding(raw, "v") == b"skiplist"
    raw.call("ZADD", "w", "1", "123456789")  # a long first member starts as a skiplist
    assert encoding(raw, "w") == b"skiplist"
    raw.call("ZINCRBY", "x", "1", "123456789")
    assert encoding(raw, "x") == b"skiplist"
    # the old config names are aliases
    assert raw.call("CONFIG", "GET", "zset-max-ziplist-entries") == [
        b"zset-max-ziplist-entries", b"4"]


def test_debug_reload_keeps_data(raw):
    raw.call("ZADD", "lp", "1.5", "a", "-inf", "b", "3", "100")
    raw.call("ZADD", "sk", *[x for i in range(200) for x in (str(i * 0.5), f"m{i}")])
    before = {k: raw.call("ZRANGE", k, "0", "-1", "WITHSCORES") for k in ("lp", "sk")}
    digest = raw.call("DEBUG", "DIGEST-VALUE", "lp", "sk")
    assert raw.call("DEBUG", "RELOAD") == b"OK"
    assert encoding(raw, "lp") == b"listpack"
    assert encoding(raw, "sk") == b"skiplist"
    for k, v in before.items():
        assert raw.call("ZRANGE", k, "0", "-1", "WITHSCORES") == v
    assert raw.call("DEBUG", "DIGEST-VALUE", "lp", "sk") == digest


def test_digest_ignores_encoding(raw):
    raw.call("ZADD", "a", "1", "x", "2.5", "y")
    raw.call("CONFIG", "SET", "zset-max-listpack-entries", "0")
    try:
        raw.call("ZADD", "b", "1", "x", "2.5", "y")
    finally:
        raw.call("CONFIG", "SET", "zset-max-listpack-entries", "128")
    assert encoding(raw, "b") == b"skiplist"
    da, db = raw.call("DEBUG", "DIGEST-VALUE", "a", "b")
    assert da == db


def test_dump_restore(raw):
    raw.call("ZADD", "lp", "1", "a", "2.5", "b")
    # Redis 7.0.15's exact payload: RDB_TYPE_ZSET_LISTPACK, version 10, CRC64
    payload = raw.call("DUMP", "lp")
    assert payload == (b"\x11\x14\x14\x00\x00\x00\x04\x00\x81a\x02\x01\x01\x81b\x02\x832.5\x04"
                       b"\xff\n\x00\xd4Ln\xa4\xf6D\xd9\xd7")
    raw.call("CONFIG", "SET", "zset-max-listpack-entries", "0")
    try:
        raw.call("ZADD", "sk", "1", "a", "2.5", "b")
    finally:
        raw.call("CONFIG", "SET", "zset-max-listpack-entries", "128")
    payload_sk = raw.call("DUMP", "sk")
    # RDB_TYPE_ZSET_2: highest element first, scores as 8 raw bytes
    assert payload_sk == (b"\x05\x02\x01b\x00\x00\x00\x00\x00\x00\x04@\x01a\x00\x00\x00\x00\x00"
                          b"\x00\xf0?\n\x00\xf4n\xb79\x19vr\x91")
    assert raw.call("RESTORE", "lp2", "0", payload) == b"OK"
    assert raw.call("RESTORE", "sk2", "0", payload_sk) == b"OK"
    assert raw.call("ZRANGE", "lp2", "0", "-1", "WITHSCORES") == [b"a", b"1", b"b", b"2.5"]
    assert raw.call("ZRANGE", "sk2", "0", "-1", "WITHSCORES") == [b"a", b"1", b"b", b"2.5"]
    assert encoding(raw, "lp2") == b"listpack"
    assert encoding(raw, "sk2") == b"listpack"  # small again after loading


def test_restore_ziplist_payload(raw):
    # ZADD z 1 a 2 b as Redis 6.2 dumps it: RDB_TYPE_ZSET_ZIPLIST, RDB version 9
    payload = (b"\x0c\x15\x15\x00\x00\x00\x12\x00\x00\x00\x04\x00\x00\x01a\x03\xf2\x02\x01b"
               b"\x03\xf3\xff\t\x00\x87\x0e\xbb}\xec\x97\xea\n")
    assert raw.call("RESTORE", "z", "0", payload) == b"OK"
    assert raw.call("ZRANGE", "z", "0", "-1", "WITHSCORES") == [b"a", b"1", b"b", b"2"]
    assert encoding(raw, "z") == b"listpack"
    assert dump_payload(payload[:-10]) == payload
    # damaged ziplists (with valid checksums) are refused: an odd count, a duplicate member
    zl = bytearray(payload[2:-10])
    odd = bytes(zl[10:18])  # a, 1, b: three entries
    odd = struct.pack("<IIH", 10 + len(odd) + 1, 10 + 5, 3) + odd + b"\xff"
    odd = b"\x0c" + bytes([len(odd)]) + odd
    assert isinstance(raw.call("RESTORE", "y", "0", dump_payload(odd)), RespError)
    dup = bytes(zl).replace(b"\x01b", b"\x01a")
    assert isinstance(raw.call("RESTORE", "y", "0", dump_payload(b"\x0c\x15" + dup)), RespError)
    assert raw.call("EXISTS", "y") == 0


def test_copy_and_rename(raw):
    def check(enc):
        raw.call("ZADD", "z", "1", "a", "2", "b")
        assert raw.call("COPY", "z", "c") == 1
        raw.call("ZADD", "z", "3", "c")
        assert raw.call("ZRANGE", "c", "0", "-1") == [b"a", b"b"]
        assert encoding(raw, "c") == enc
        raw.call("RENAME", "c", "d")
        assert raw.call("ZCARD", "d") == 2
    both_encodings(raw, check)


def test_expired_key_is_missing(raw):
    raw.call("ZADD", "z", "1", "a")
    raw.call("PEXPIRE", "z", "1")
    time.sleep(0.01)
    assert raw.call("ZCARD", "z") == 0
    assert raw.call("ZADD", "z", "XX", "1", "a") == 0
    assert raw.call("ZRANGE", "z", "0", "-1") == []


# --------------------------------------------------------------------------------------------
# Metadata, WATCH, propagation
# --------------------------------------------------------------------------------------------

def test_command_info(raw):
    info = raw.call("COMMAND", "INFO", "zadd", "zmpop", "bzpopmin", "zunionstore",
                    "zrangestore")
    by_name = {i[0]: i for i in info}
    assert by_name[b"zadd"][1:6] == [-4, [b"write", b"denyoom", b"fast"], 1, 1, 1]
    assert by_name[b"zmpop"][1:6] == [-4, [b"write", b"movablekeys"], 0, 0, 0]
    assert by_name[b"bzpopmin"][1:6] == [-3, [b"write", b"noscript", b"blocking", b"fast"], 1,
                                         -2, 1]
    assert by_name[b"zunionstore"][1:6] == [-4, [b"write", b"denyoom", b"movablekeys"], 1, 1, 1]
    assert by_name[b"zrangestore"][1:6] == [-5, [b"write", b"denyoom"], 1, 2, 1]
    assert set(by_name[b"bzpopmin"][6]) == {b"@write", b"@sortedset", b"@fast", b"@blocking"}


def test_command_getkeys_numkeys(raw):
    assert raw.call("COMMAND", "GETKEYS", "ZUNIONSTORE", "d", "2", "a", "b", "WEIGHTS", "1",
                    "2") == [b"d", b"a", b"b"]
    assert raw.call("COMMAND", "GETKEYS", "ZINTER", "3", "a", "b", "c", "WITHSCORES") == [
        b"a", b"b", b"c"]
    assert raw.call("COMMAND", "GETKEYS", "ZMPOP", "2", "a", "b", "MIN") == [b"a", b"b"]
    assert raw.call("COMMAND", "GETKEYS", "BZMPOP", "0", "2", "a", "b", "MIN") == [b"a", b"b"]
    assert raw.call("COMMAND", "GETKEYS", "ZINTERCARD", "2", "a", "b", "LIMIT", "1") == [
        b"a", b"b"]
    assert raw.call("COMMAND", "GETKEYS", "ZDIFFSTORE", "d", "1", "a") == [b"d", b"a"]
    # an impossible count has no keys (Redis words it "Invalid arguments specified for command")
    assert isinstance(raw.call("COMMAND", "GETKEYS", "ZUNION", "5", "a"), RespError)
    assert isinstance(raw.call("COMMAND", "GETKEYS", "ZMPOP", "0", "a", "MIN"), RespError)


def test_command_getkeys_fixed(raw):
    assert raw.call("COMMAND", "GETKEYS", "BZPOPMIN", "a", "b", "0") == [b"a", b"b"]
    assert raw.call("COMMAND", "GETKEYS", "ZRANGESTORE", "d", "s", "0", "1") == [b"d", b"s"]


def test_watch(raw, conns):
    other = conns()
    raw.call("ZADD", "z", "1", "a")
    raw.call("WATCH", "z")
    other.call("ZADD", "z", "1", "a")  # no change: does not touch the key
    raw.call("MULTI")
    raw.call("PING")
    assert raw.call("EXEC") == [b"PONG"]
    raw.call("WATCH", "z")
    other.call("ZMPOP", "1", "z", "MIN")
    raw.call("MULTI")
    raw.call("PING")
    assert raw.call("EXEC") is None


def read_aof_commands(directory):
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
    blocked = srv.raw()
    try:
        c.call("ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d")
        c.call("ZADD", "z", "1", "a")  # no change: not propagated
        c.call("ZINCRBY", "z", "1", "a")
        c.call("ZPOPMIN", "z")
        c.call("ZPOPMAX", "z", "1")
        c.call("ZMPOP", "2", "nokey", "z", "MAX", "COUNT", "10")
        c.call("ZMPOP", "1", "z", "MIN")  # nothing popped: not propagated
        c.call("ZADD", "y", "5", "m", "6", "n")
        c.call("BZPOPMIN", "y", "0")
        c.call("BZMPOP", "0", "1", "y", "MIN", "COUNT", "3")
        blocked.send_command("BZPOPMAX", "w", "0")
        assert wait_for(lambda: blocked_clients(c) == 1)
        c.call("ZADD", "w", "7", "p", "8", "q")
        assert blocked.read_reply() == [b"w", b"q", b"8"]
        c.call("ZREMRANGEBYSCORE", "w", "100", "200")  # nothing removed: not propagated
        c.call("ZUNIONSTORE", "u", "1", "w")
        time.sleep(0.2)
        got = read_aof_commands(tmp_path)
        assert got == [
            ["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"],
            ["ZINCRBY", "z", "1", "a"],
            ["ZPOPMIN", "z"],
            ["ZPOPMAX", "z", "1"],
            ["ZPOPMAX", "z", "2"],
            ["ZADD", "y", "5", "m", "6", "n"],
            ["ZPOPMIN", "y"],
            ["ZPOPMIN", "y", "1"],
            ["ZADD", "w", "7", "p", "8", "q"],
            ["ZPOPMAX", "w"],
            ["ZUNIONSTORE", "u", "1", "w"],
        ]
    finally:
        c.close()
        blocked.close()
