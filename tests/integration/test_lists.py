"""List commands: every Redis 7.0 list command, its errors and edge cases, the encodings and
the blocking commands (order of service, timeouts, CLIENT UNBLOCK, MULTI, BLMOVE chains).

Exact replies go through the raw connections (`raw`, `r3`); redis-py (`r`) is used where the
parsed value is enough. Everything here must pass against /usr/bin/redis-server 7.0.15 too.
OBJECT ENCODING says "quicklist" for every list, as 7.0 does, although Sable keeps a small list
in one bare listpack (tests/unit/quicklist_test.cc covers the conversions both ways).
"""

import glob
import os
import time

import pytest

import helpers
from helpers import RespError, wait_for
from test_bitmaps import read_aof_commands
from test_hashes import dump_payload, raw_payload, ziplist

E = RespError
SYNTAX = E("ERR syntax error")
NOT_INT = E("ERR value is not an integer or out of range")
WRONGTYPE = E("WRONGTYPE Operation against a key holding the wrong kind of value")


def arity(cmd):
    return E(f"ERR wrong number of arguments for '{cmd}' command")


def small_encoding():
    return b"quicklist"  # Redis 7.0's name for every list, however small


def blocked_clients(r):
    return int(r.info("clients")["blocked_clients"])


def wait_blocked(r, n, timeout=5.0):
    assert wait_for(lambda: blocked_clients(r) == n, timeout), \
        f"expected {n} blocked clients, have {blocked_clients(r)}"




# --------------------------------------------------------------------------------------------
# Push / pop
# --------------------------------------------------------------------------------------------

def test_push_and_range(r):
    assert r.lpush("l", "a") == 1
    assert r.lpush("l", "b", "c") == 3
    assert r.rpush("l", "d", "e") == 5
    assert r.lrange("l", 0, -1) == [b"c", b"b", b"a", b"d", b"e"]
    assert r.llen("l") == 5
    assert r.type("l") == b"list"


def test_pushx(raw):
    assert raw.call("LPUSHX", "l", "a") == 0
    assert raw.call("RPUSHX", "l", "a", "b") == 0
    assert raw.call("EXISTS", "l") == 0
    raw.call("RPUSH", "l", "x")
    assert raw.call("LPUSHX", "l", "a", "b") == 3
    assert raw.call("RPUSHX", "l", "y", "z") == 5
    assert raw.call("LRANGE", "l", 0, -1) == [b"b", b"a", b"x", b"y", b"z"]
    raw.call("SET", "s", "v")
    assert raw.call("LPUSHX", "s", "a") == WRONGTYPE
    assert raw.call("RPUSHX", "s", "a") == WRONGTYPE


def test_pop_single(raw):
    raw.call("RPUSH", "l", "a", "b", "c")
    assert raw.call_raw("LPOP", "l") == b"$1\r\na\r\n"
    assert raw.call_raw("RPOP", "l") == b"$1\r\nc\r\n"
    assert raw.call("LPOP", "l") == b"b"
    assert raw.call("EXISTS", "l") == 0  # emptied lists are deleted
    assert raw.call_raw("LPOP", "l") == b"$-1\r\n"
    assert raw.call_raw("RPOP", "l") == b"$-1\r\n"


def test_pop_with_count(raw):
    raw.call("RPUSH", "l", "a", "b", "c", "d", "1", "-2")
    assert raw.call_raw("LPOP", "l", 1) == b"*1\r\n$1\r\na\r\n"
    assert raw.call("LPOP", "l", 2) == [b"b", b"c"]
    assert raw.call("RPOP", "l", 2) == [b"-2", b"1"]
    assert raw.call_raw("LPOP", "l", 0) == b"*0\r\n"
    assert raw.call_raw("RPOP", "l", 0) == b"*0\r\n"
    assert raw.call("RPOP", "l", 10) == [b"d"]
    assert raw.call("EXISTS", "l") == 0
    assert raw.call_raw("LPOP", "l", 3) == b"*-1\r\n"
    assert raw.call_raw("RPOP", "l", 0) == b"*-1\r\n"


def test_pop_errors(raw):
    raw.call("RPUSH", "l", "a")
    positive = E("ERR value is out of range, must be positive")
    assert raw.call("LPOP", "l", -1) == positive
    assert raw.call("RPOP", "l", "abc") == positive
    assert raw.call("LPOP", "missing", "abc") == positive  # count is checked first
    assert raw.call("LPOP", "l", 1, 2) == arity("lpop")
    assert raw.call("RPOP", "l", 1, 2) == arity("rpop")
    assert raw.call("LPOP") == arity("lpop")
    raw.call("SET", "s", "v")
    assert raw.call("LPOP", "s") == WRONGTYPE
    assert raw.call("RPOP", "s", 0) == WRONGTYPE
    assert raw.call("LLEN", "l") == 1


def test_pop_resp3(r3):
    assert r3.call_raw("LPOP", "missing") == b"_\r\n"
    assert r3.call_raw("LPOP", "missing", 2) == b"_\r\n"
    assert r3.call_raw("RPOP", "missing", 0) == b"_\r\n"
    r3.call("RPUSH", "l", "a", "7")
    assert r3.call_raw("LPOP", "l", 0) == b"*0\r\n"
    assert r3.call_raw("RPOP", "l", 5) == b"*2\r\n$1\r\n7\r\n$1\r\na\r\n"
    assert r3.call_raw("LINDEX", "l", 0) == b"_\r\n"
    assert r3.call_raw("LPOS", "l", "a") == b"_\r\n"
    assert r3.call_raw("LMPOP", 1, "l", "LEFT") == b"_\r\n"


def test_variadic_push_order(r):
    r.lpush("l", "a", "b", "c")
    r.rpush("l", "x", "y")
    assert r.lrange("l", 0, -1) == [b"c", b"b", b"a", b"x", b"y"]


def test_push_errors(raw):
    raw.call("SET", "s", "v")
    assert raw.call("LPUSH", "s", "a") == WRONGTYPE
    assert raw.call("RPUSH", "s", "a") == WRONGTYPE
    assert raw.call("LPUSH", "l") == arity("lpush")
    assert raw.call("RPUSHX", "l") == arity("rpushx")
    assert raw.call("GET", "s") == b"v"


def test_values_round_trip(r):
    values = [b"0", b"-1", b"127", b"128", b"-4096", b"4095", b"-32769", b"8388607",
              b"-8388609", b"2147483647", b"-2147483649", b"9223372036854775807",
              b"-9223372036854775808", b"9223372036854775808", b"007", b"-0", b"+1", b" 1",
              b"1.5", b"", b"\x00\xff\r\n", b"x" * 63, b"y" * 64, b"z" * 4095, b"w" * 4096,
              b"v" * 20000]
    r.rpush("l", *values)
    assert r.lrange("l", 0, -1) == values
    for i, v in enumerate(values):
        assert r.lindex("l", i) == v
        assert r.lindex("l", i - len(values)) == v
    r.lpush("m", *values)
    assert r.lrange("m", 0, -1) == values[::-1]


# --------------------------------------------------------------------------------------------
# LLEN LRANGE LINDEX LSET
# --------------------------------------------------------------------------------------------

def test_llen(raw):
    assert raw.call("LLEN", "missing") == 0
    raw.call("RPUSH", "l", "a", "b")
    assert raw.call("LLEN", "l") == 2
    raw.call("SET", "s", "v")
    assert raw.call("LLEN", "s") == WRONGTYPE
    assert raw.call("LLEN") == arity("llen")


def test_lrange(raw):
    raw.call("RPUSH", "l", *"abcdef")
    assert raw.call("LRANGE", "l", 1, 3) == [b"b", b"c", b"d"]
    assert raw.call("LRANGE", "l", -3, -1) == [b"d", b"e", b"f"]
    assert raw.call("LRANGE", "l", -100, 1) == [b"a", b"b"]
    assert raw.call("LRANGE", "l", 4, 100) == [b"e", b"f"]
    assert raw.call_raw("LRANGE", "l", 3, 2) == b"*0\r\n"
    assert raw.call_raw("LRANGE", "l", 6, 10) == b"*0\r\n"
    assert raw.call_raw("LRANGE", "l", 0, -7) == b"*0\r\n"
    assert raw.call("LRANGE", "l", -9223372036854775808, 9223372036854775807) == \
        [bytes([c]) for c in b"abcdef"]
    assert raw.call_raw("LRANGE", "missing", 0, -1) == b"*0\r\n"
    assert raw.call("LRANGE", "l", "a", 1) == NOT_INT
    assert raw.call("LRANGE", "missing", 0, "1.5") == NOT_INT  # parsed before lookup
    assert raw.call("LRANGE", "l", 0, "9223372036854775808") == NOT_INT
    raw.call("SET", "s", "v")
    assert raw.call("LRANGE", "s", 0, 1) == WRONGTYPE
    assert raw.call("LRANGE", "l", 0) == arity("lrange")


def test_lindex(raw):
    raw.call("RPUSH", "l", "a", "b", "c")
    assert raw.call("LINDEX", "l", 0) == b"a"
    assert raw.call("LINDEX", "l", -1) == b"c"
    assert raw.call("LINDEX", "l", 3) is None
    assert raw.call("LINDEX", "l", -4) is None
    assert raw.call_raw("LINDEX", "missing", 0) == b"$-1\r\n"
    assert raw.call("LINDEX", "missing", "abc") is None  # lookup before parsing
    assert raw.call("LINDEX", "l", "abc") == NOT_INT
    raw.call("SET", "s", "v")
    assert raw.call("LINDEX", "s", 0) == WRONGTYPE


def test_lset(raw):
    raw.call("RPUSH", "l", "a", "b", "c")
    assert raw.call("LSET", "l", 1, "B") == b"OK"
    assert raw.call("LSET", "l", -1, "12345") == b"OK"
    assert raw.call("LRANGE", "l", 0, -1) == [b"a", b"B", b"12345"]
    assert raw.call("LSET", "l", 3, "x") == E("ERR index out of range")
    assert raw.call("LSET", "l", -4, "x") == E("ERR index out of range")
    assert raw.call("LSET", "missing", 0, "x") == E("ERR no such key")
    assert raw.call("LSET", "l", "abc", "x") == NOT_INT
    raw.call("SET", "s", "v")
    assert raw.call("LSET", "s", 0, "x") == WRONGTYPE
    assert raw.call("LSET", "l", 0) == arity("lset")


def test_lset_large_and_small_values(r):
    big = b"d" * 50001
    r.rpush("l", "aa", "bb", "cc")
    r.lset("l", 0, big)
    r.lset("l", 2, big + b"!")
    assert r.lrange("l", 0, -1) == [big, b"bb", big + b"!"]
    r.lset("l", 0, "small")
    r.lset("l", -1, "7")
    assert r.lrange("l", 0, -1) == [b"small", b"bb", b"7"]


# --------------------------------------------------------------------------------------------
# LINSERT LREM LTRIM
# --------------------------------------------------------------------------------------------

def test_linsert(raw):
    raw.call("RPUSH", "l", "a", "b", "c")
    assert raw.call("LINSERT", "l", "BEFORE", "b", "x") == 4
    assert raw.call("LINSERT", "l", "after", "c", "y") == 5
    assert raw.call("LINSERT", "l", "Before", "a", "0") == 6
    assert raw.call("LRANGE", "l", 0, -1) == [b"0", b"a", b"x", b"b", b"c", b"y"]
    assert raw.call("LINSERT", "l", "AFTER", "nope", "z") == -1
    assert raw.call("LINSERT", "missing", "AFTER", "a", "z") == 0
    assert raw.call("EXISTS", "missing") == 0
    assert raw.call("LINSERT", "l", "MIDDLE", "a", "z") == SYNTAX
    assert raw.call("LINSERT", "missing", "MIDDLE", "a", "z") == SYNTAX
    raw.call("SET", "s", "v")
    assert raw.call("LINSERT", "s", "AFTER", "a", "z") == WRONGTYPE
    assert raw.call("LINSERT", "l", "AFTER", "a") == arity("linsert")


def test_linsert_integer_pivot(r):
    r.rpush("l", "1", "01", "2")
    assert r.linsert("l", "AFTER", "1", "x") == 4
    assert r.linsert("l", "BEFORE", "01", "y") == 5
    assert r.lrange("l", 0, -1) == [b"1", b"x", b"y", b"01", b"2"]


def test_lrem(raw):
    raw.call("RPUSH", "l", "a", "b", "a", "c", "a", "b", "a")
    assert raw.call("LREM", "l", 2, "a") == 2
    assert raw.call("LRANGE", "l", 0, -1) == [b"b", b"c", b"a", b"b", b"a"]
    assert raw.call("LREM", "l", -1, "b") == 1
    assert raw.call("LRANGE", "l", 0, -1) == [b"b", b"c", b"a", b"a"]
    assert raw.call("LREM", "l", 0, "a") == 2
    assert raw.call("LREM", "l", 0, "zz") == 0
    assert raw.call("LREM", "l", -9223372036854775808, "b") == 1
    assert raw.call("LREM", "l", 1, "c") == 1
    assert raw.call("EXISTS", "l") == 0
    assert raw.call("LREM", "missing", 1, "a") == 0
    assert raw.call("LREM", "missing", "x", "a") == NOT_INT
    raw.call("SET", "s", "v")
    assert raw.call("LREM", "s", 0, "v") == WRONGTYPE


def test_lrem_int_encoded(r):
    r.rpush("l", "1", "2", "1", "01", "1")
    assert r.lrem("l", -2, "1") == 2
    assert r.lrange("l", 0, -1) == [b"1", b"2", b"01"]


def test_ltrim(raw):
    raw.call("RPUSH", "l", *"abcdef")
    assert raw.call("LTRIM", "l", 1, -2) == b"OK"
    assert raw.call("LRANGE", "l", 0, -1) == [b"b", b"c", b"d", b"e"]
    assert raw.call("LTRIM", "l", -3, 100) == b"OK"
    assert raw.call("LRANGE", "l", 0, -1) == [b"c", b"d", b"e"]
    assert raw.call("LTRIM", "l", 0, -1) == b"OK"
    assert raw.call("LLEN", "l") == 3
    assert raw.call("LTRIM", "l", 2, 1) == b"OK"
    assert raw.call("EXISTS", "l") == 0
    assert raw.call("LTRIM", "missing", 0, 1) == b"OK"
    assert raw.call("LTRIM", "missing", "a", 1) == NOT_INT
    raw.call("SET", "s", "v")
    assert raw.call("LTRIM", "s", 0, 1) == WRONGTYPE


def test_ltrim_invalidates_watch_even_when_nothing_trimmed(server, r):
    r.rpush("l", "a", "b")
    c1 = server.raw()
    c2 = server.raw()
    try:
        assert c1.call("WATCH", "l") == b"OK"
        assert c2.call("LTRIM", "l", 0, -1) == b"OK"
        c1.call("MULTI")
        c1.call("PING")
        assert c1.call("EXEC") is None
    finally:
        c1.close()
        c2.close()


# --------------------------------------------------------------------------------------------
# LPOS
# --------------------------------------------------------------------------------------------

def test_lpos(raw):
    raw.call("RPUSH", "l", "a", "b", "c", "1", "2", "3", "c", "c")
    assert raw.call("LPOS", "l", "c") == 2
    assert raw.call("LPOS", "l", "c", "RANK", 2) == 6
    assert raw.call("LPOS", "l", "c", "RANK", -1) == 7
    assert raw.call("LPOS", "l", "c", "RANK", -3) == 2
    assert raw.call("LPOS", "l", "c", "RANK", 4) is None
    assert raw.call("LPOS", "l", "c", "COUNT", 0) == [2, 6, 7]
    assert raw.call("LPOS", "l", "c", "COUNT", 2) == [2, 6]
    assert raw.call("LPOS", "l", "c", "COUNT", 2, "RANK", -1) == [7, 6]
    assert raw.call("LPOS", "l", "c", "COUNT", 0, "MAXLEN", 7) == [2, 6]
    assert raw.call("LPOS", "l", "c", "RANK", -1, "MAXLEN", 1) == 7
    assert raw.call("LPOS", "l", "c", "RANK", -1, "MAXLEN", 2, "COUNT", 0) == [7, 6]
    assert raw.call("LPOS", "l", "c", "MAXLEN", 2) is None
    assert raw.call("LPOS", "l", "2") == 4
    assert raw.call("LPOS", "l", "x") is None
    assert raw.call_raw("LPOS", "l", "x", "COUNT", 1) == b"*0\r\n"
    assert raw.call_raw("LPOS", "missing", "x") == b"$-1\r\n"
    assert raw.call_raw("LPOS", "missing", "x", "COUNT", 0) == b"*0\r\n"
    # Redis negates RANK in place, so INT64_MIN stays negative: it matches from the tail and
    # (matches - rank + 1 wraps around) COUNT never stops it
    assert raw.call("LPOS", "l", "c", "RANK", -9223372036854775808) == 7
    assert raw.call("LPOS", "l", "c", "RANK", -9223372036854775808, "COUNT", 1) == [7, 6, 2]
    assert raw.call("LPOS", "l", "c", "RANK", 9223372036854775807) is None


def test_lpos_errors(raw):
    raw.call("RPUSH", "l", "a")
    assert raw.call("LPOS", "l", "a", "RANK", 0) == E(
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
        "or use negative to start from the end of the list")
    assert raw.call("LPOS", "l", "a", "RANK", "x") == NOT_INT
    assert raw.call("LPOS", "l", "a", "COUNT", -1) == E("ERR COUNT can't be negative")
    assert raw.call("LPOS", "l", "a", "COUNT", "x") == E("ERR COUNT can't be negative")
    assert raw.call("LPOS", "l", "a", "MAXLEN", -1) == E("ERR MAXLEN can't be negative")
    assert raw.call("LPOS", "l", "a", "COUNT") == SYNTAX
    assert raw.call("LPOS", "l", "a", "FOO", 1) == SYNTAX
    assert raw.call("LPOS", "missing", "a", "FOO") == SYNTAX
    raw.call("SET", "s", "v")
    assert raw.call("LPOS", "s", "a") == WRONGTYPE
    assert raw.call("LPOS", "s", "a", "RANK", 0) == E(
        "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
        "or use negative to start from the end of the list")
    assert raw.call("LPOS", "l") == arity("lpos")


# --------------------------------------------------------------------------------------------
# LMOVE RPOPLPUSH LMPOP
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("wherefrom", ["LEFT", "RIGHT"])
@pytest.mark.parametrize("whereto", ["LEFT", "RIGHT"])
def test_lmove(r, wherefrom, whereto):
    r.rpush("src", "a", "b", "c")
    r.rpush("dst", "x")
    moved = r.execute_command("LMOVE", "src", "dst", wherefrom, whereto)
    assert moved == (b"a" if wherefrom == "LEFT" else b"c")
    dst = r.lrange("dst", 0, -1)
    assert dst == ([moved, b"x"] if whereto == "LEFT" else [b"x", moved])
    assert r.llen("src") == 2


def test_lmove_same_list_rotates(r):
    r.rpush("l", "a", "b", "c")
    assert r.execute_command("LMOVE", "l", "l", "LEFT", "RIGHT") == b"a"
    assert r.lrange("l", 0, -1) == [b"b", b"c", b"a"]
    assert r.rpoplpush("l", "l") == b"a"
    assert r.lrange("l", 0, -1) == [b"a", b"b", b"c"]
    r.delete("one")
    r.rpush("one", "x")
    assert r.rpoplpush("one", "one") == b"x"
    assert r.lrange("one", 0, -1) == [b"x"]


def test_rpoplpush(raw):
    raw.call("RPUSH", "src", "a", "b")
    assert raw.call("RPOPLPUSH", "src", "dst") == b"b"
    assert raw.call("RPOPLPUSH", "src", "dst") == b"a"
    assert raw.call("EXISTS", "src") == 0
    assert raw.call("LRANGE", "dst", 0, -1) == [b"a", b"b"]
    assert raw.call_raw("RPOPLPUSH", "src", "dst") == b"$-1\r\n"
    assert raw.call_raw("LMOVE", "src", "dst", "LEFT", "LEFT") == b"$-1\r\n"


def test_lmove_errors(raw):
    raw.call("RPUSH", "l", "a")
    raw.call("SET", "s", "v")
    assert raw.call("LMOVE", "l", "d", "UP", "LEFT") == SYNTAX
    assert raw.call("LMOVE", "l", "d", "LEFT", "DOWN") == SYNTAX
    assert raw.call("LMOVE", "missing", "d", "UP", "LEFT") == SYNTAX
    assert raw.call("LMOVE", "s", "d", "LEFT", "LEFT") == WRONGTYPE
    assert raw.call("RPOPLPUSH", "s", "d") == WRONGTYPE
    # a wrong destination type leaves the source untouched
    assert raw.call("LMOVE", "l", "s", "LEFT", "LEFT") == WRONGTYPE
    assert raw.call("RPOPLPUSH", "l", "s") == WRONGTYPE
    assert raw.call("LRANGE", "l", 0, -1) == [b"a"]
    # a missing source wins over a wrong destination
    assert raw.call("RPOPLPUSH", "missing", "s") is None
    assert raw.call("LMOVE", "l", "d", "LEFT") == arity("lmove")


def test_lmpop(raw):
    raw.call("RPUSH", "l1", "a", "b", "c")
    raw.call("RPUSH", "l2", "x")
    assert raw.call("LMPOP", 2, "missing", "l1", "LEFT") == [b"l1", [b"a"]]
    assert raw.call("LMPOP", 2, "l1", "l2", "RIGHT", "COUNT", 5) == [b"l1", [b"c", b"b"]]
    assert raw.call("EXISTS", "l1") == 0
    assert raw.call_raw("LMPOP", 2, "l1", "l2", "left", "count", 3) == \
        b"*2\r\n$2\r\nl2\r\n*1\r\n$1\r\nx\r\n"
    assert raw.call_raw("LMPOP", 2, "l1", "l2", "LEFT") == b"*-1\r\n"


def test_lmpop_errors(raw):
    raw.call("RPUSH", "l", "a")
    raw.call("SET", "s", "v")
    numkeys = E("ERR numkeys should be greater than 0")
    count = E("ERR count should be greater than 0")
    assert raw.call("LMPOP", 0, "l", "LEFT") == numkeys
    assert raw.call("LMPOP", -1, "l", "LEFT") == numkeys
    assert raw.call("LMPOP", "x", "l", "LEFT") == numkeys
    assert raw.call("LMPOP", 2, "l", "LEFT") == SYNTAX
    assert raw.call("LMPOP", 9223372036854775807, "l", "LEFT") == SYNTAX
    assert raw.call("LMPOP", 1, "l", "MIDDLE") == SYNTAX
    assert raw.call("LMPOP", 1, "l", "LEFT", "COUNT", 0) == count
    assert raw.call("LMPOP", 1, "l", "LEFT", "COUNT", "x") == count
    assert raw.call("LMPOP", 1, "l", "LEFT", "COUNT") == SYNTAX
    assert raw.call("LMPOP", 1, "l", "LEFT", "COUNT", 1, "COUNT", 1) == SYNTAX
    assert raw.call("LMPOP", 1, "l", "LEFT", "FOO") == SYNTAX
    assert raw.call("LMPOP", 1, "l") == arity("lmpop")
    assert raw.call("LMPOP", 2, "missing", "s", "LEFT") == WRONGTYPE
    assert raw.call("LMPOP", 2, "l", "s", "LEFT") == [b"l", [b"a"]]  # stops at the first list


# --------------------------------------------------------------------------------------------
# Keyspace interplay: expiry, generic commands, encodings, memory
# --------------------------------------------------------------------------------------------

def test_expired_list_is_missing(raw):
    raw.call("RPUSH", "l", "a", "b")
    raw.call("PEXPIRE", "l", 1)
    time.sleep(0.02)
    assert raw.call("LLEN", "l") == 0
    assert raw.call("LPUSHX", "l", "x") == 0
    assert raw.call("RPUSH", "l", "c") == 1
    assert raw.call("TTL", "l") == -1
    raw.call("PEXPIRE", "l", 1)
    time.sleep(0.02)
    assert raw.call("LPOP", "l") is None
    assert raw.call("RPOPLPUSH", "l", "d") is None


def test_generic_commands_on_lists(r):
    r.rpush("l", "a", "b", "c")
    assert r.copy("l", "l2") is True
    r.rpush("l2", "d")
    assert r.lrange("l", 0, -1) == [b"a", b"b", b"c"]
    assert r.lrange("l2", 0, -1) == [b"a", b"b", b"c", b"d"]
    assert r.rename("l2", "l3") is True
    assert r.lrange("l3", 0, -1) == [b"a", b"b", b"c", b"d"]
    assert r.delete("l", "l3") == 2
    r.rpush("big", *[str(i) for i in range(5000)])
    assert r.copy("big", "big2") is True
    assert r.lrange("big2", 4990, -1) == [str(i).encode() for i in range(4990, 5000)]
    assert r.memory_usage("big") > 5000
    assert r.memory_usage("big2") > 5000


def test_encoding_conversions(r):
    r.rpush("l", "a", "b")
    assert r.object("encoding", "l") == small_encoding()
    r.rpush("l", *["x" * 100] * 100)  # > 8 KB with the default -2
    assert r.object("encoding", "l") == b"quicklist"
    r.ltrim("l", 0, 2)
    assert r.object("encoding", "l") == small_encoding()  # shrank below half the limit
    assert r.lrange("l", 0, -1) == [b"a", b"b", b"x" * 100]
    r.rpush("big", "x" * 10000)  # one element over the limit
    assert r.object("encoding", "big") == b"quicklist"
    assert r.lrange("big", 0, -1) == [b"x" * 10000]


def test_encoding_follows_count_limit(r):
    r.config_set("list-max-listpack-size", 4)
    try:
        r.rpush("l", 1, 2, 3, 4)
        assert r.object("encoding", "l") == small_encoding()
        r.rpush("l", 5)
        assert r.object("encoding", "l") == b"quicklist"
        r.rpop("l")
        assert r.object("encoding", "l") == b"quicklist"  # 4 > 4/2: no conversion back yet
        r.rpop("l", 2)
        assert r.object("encoding", "l") == small_encoding()
        assert r.lrange("l", 0, -1) == [b"1", b"2"]
        r.lpush("m", *range(100))
        assert r.lrange("m", 0, -1) == [str(i).encode() for i in range(99, -1, -1)]
        for i in range(0, 100, 7):
            assert r.lindex("m", i) == str(99 - i).encode()
    finally:
        r.config_set("list-max-listpack-size", -2)


@pytest.mark.parametrize("fill", [-1, -2, -5, 1, 3, 128])
def test_mixed_operations_across_fills(r, fill):
    r.config_set("list-max-listpack-size", fill)
    try:
        model = []
        big = "B" * 9000
        for i in range(60):
            v = big + str(i) if i % 11 == 0 else ("s" * (i * 37 % 300)) + str(i)
            if i % 2:
                r.rpush("l", v)
                model.append(v.encode())
            else:
                r.lpush("l", v)
                model.insert(0, v.encode())
        assert r.lrange("l", 0, -1) == model
        r.linsert("l", "AFTER", model[30], "ins")
        model.insert(31, b"ins")
        r.linsert("l", "BEFORE", model[0], big)
        model.insert(0, big.encode())
        r.lset("l", 17, "short")
        model[17] = b"short"
        r.lset("l", 18, big)
        model[18] = big.encode()
        assert r.lrem("l", 0, "short") == 1
        model.remove(b"short")
        r.ltrim("l", 3, -4)
        model = model[3:-3]
        assert r.lrange("l", 0, -1) == model
        assert r.lpop("l", 5) == model[:5]
        model = model[5:]
        assert r.rpop("l", 5) == model[::-1][:5]
        model = model[:-5]
        assert r.lrange("l", 0, -1) == model
        assert r.llen("l") == len(model)
    finally:
        r.config_set("list-max-listpack-size", -2)


def test_long_list_index_access(r):
    n = 20000
    pipe = r.pipeline(transaction=False)
    for i in range(0, n, 1000):
        pipe.rpush("l", *range(i, i + 1000))
    pipe.execute()
    for i in (0, 1, 999, 1000, 9999, 10000, 15000, n - 1):
        assert r.lindex("l", i) == str(i).encode()
        assert r.lindex("l", i - n) == str(i).encode()
    assert r.lrange("l", 9998, 10001) == [b"9998", b"9999", b"10000", b"10001"]
    assert r.lpos("l", "12345") == 12345
    assert r.lpos("l", "12345", rank=-1) == 12345
    r.linsert("l", "BEFORE", "10000", "mid")
    assert r.lindex("l", 10000) == b"mid"
    assert r.lrem("l", 0, "mid") == 1
    r.ltrim("l", 100, -101)
    assert r.llen("l") == n - 200
    assert r.lindex("l", 0) == b"100"


# --------------------------------------------------------------------------------------------
# Blocking: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP
# --------------------------------------------------------------------------------------------

def test_blocking_pop_serves_immediately(raw):
    raw.call("RPUSH", "l2", "a", "b")
    assert raw.call("BLPOP", "l1", "l2", 0) == [b"l2", b"a"]
    assert raw.call("BRPOP", "l1", "l2", 0) == [b"l2", b"b"]
    assert raw.call("EXISTS", "l2") == 0
    raw.call("RPUSH", "l1", "x", "y", "z")
    assert raw.call("BLMPOP", 0, 2, "l2", "l1", "RIGHT", "COUNT", 2) == [b"l1", [b"z", b"y"]]
    assert raw.call("BRPOPLPUSH", "l1", "d", 0) == b"x"
    assert raw.call("BLMOVE", "d", "e", "LEFT", "RIGHT", 0) == b"x"


def test_blocking_errors(raw):
    raw.call("SET", "s", "v")
    raw.call("RPUSH", "l", "a")
    assert raw.call("BLPOP", "l", -1) == E("ERR timeout is negative")
    assert raw.call("BLPOP", "l", "abc") == E("ERR timeout is not a float or out of range")
    assert raw.call("BLPOP", "l", "nan") == E("ERR timeout is not a float or out of range")
    # Milliseconds beyond a signed 64-bit integer read as negative, as in redis-server 7.0.
    for huge in ("1e20", "9223372036854776", "inf"):
        assert raw.call("BLPOP", "l", huge) == E("ERR timeout is negative"), huge
    assert raw.call("BLPOP", "l", "9223372036854775") == [b"l", b"a"]  # valid: served at once
    raw.call("RPUSH", "l", "a")
    assert raw.call("BRPOP", "s", "l", 0) == WRONGTYPE
    assert raw.call("BLPOP", "missing", "s", 0) == WRONGTYPE
    assert raw.call("BLPOP", "l", "s", 0) == [b"l", b"a"]  # stops at the first list
    assert raw.call("BLPOP", "l") == arity("blpop")
    assert raw.call("BRPOPLPUSH", "s", "d", 0) == WRONGTYPE
    assert raw.call("BRPOPLPUSH", "x", "d", -1) == E("ERR timeout is negative")
    assert raw.call("BLMOVE", "x", "d", "UP", "LEFT", "abc") == SYNTAX
    assert raw.call("BLMOVE", "x", "d", "LEFT", "LEFT", "abc") == E(
        "ERR timeout is not a float or out of range")
    assert raw.call("BLMPOP", "abc", 1, "l", "LEFT") == E(
        "ERR timeout is not a float or out of range")
    assert raw.call("BLMPOP", -1, 1, "l", "MIDDLE") == SYNTAX  # options before the timeout
    assert raw.call("BLMPOP", -1, 0, "l", "LEFT") == E("ERR numkeys should be greater than 0")
    assert raw.call("BLMPOP", 0, 1, "s", "LEFT") == WRONGTYPE
    assert raw.call("BLMPOP", 0, 1, "l") == arity("blmpop")


def test_blpop_blocks_then_served(r, conns):
    c = conns()
    c.send_command("BLPOP", "k", 0)
    wait_blocked(r, 1)
    assert r.rpush("k", "v1", "v2") == 2
    assert c.read_reply() == [b"k", b"v1"]
    assert r.lrange("k", 0, -1) == [b"v2"]
    assert blocked_clients(r) == 0


def test_blocked_clients_served_in_order(r, conns):
    clients = [conns() for _ in range(3)]
    for i, c in enumerate(clients):
        c.send_command("BLPOP", "k", 0)
        wait_blocked(r, i + 1)
    r.rpush("k", "a", "b", "c", "d")
    assert [c.read_reply() for c in clients] == [[b"k", b"a"], [b"k", b"b"], [b"k", b"c"]]
    assert r.lrange("k", 0, -1) == [b"d"]


def test_brpop_multiple_keys_first_ready(r, conns):
    c = conns()
    c.send_command("BRPOP", "k1", "k2", "k3", 0)
    wait_blocked(r, 1)
    r.rpush("k3", "x", "y")
    assert c.read_reply() == [b"k3", b"y"]


def test_blocking_timeout_is_a_double(r, conns):
    c = conns()
    start = time.monotonic()
    assert c.call_raw("BLPOP", "k", 0.2) == b"*-1\r\n"
    elapsed = time.monotonic() - start
    assert 0.15 <= elapsed < 2.0
    # Redis 7.0 times every list block out with a null array, BLMOVE/BRPOPLPUSH included
    assert c.call_raw("BLMOVE", "k", "d", "LEFT", "LEFT", "0.05") == b"*-1\r\n"
    assert c.call_raw("BRPOPLPUSH", "k", "d", "0.05") == b"*-1\r\n"
    assert c.call_raw("BLMPOP", "0.05", 1, "k", "LEFT") == b"*-1\r\n"
    assert blocked_clients(r) == 0


def test_blocking_timeout_resp3(server, r):
    c = server.raw()
    try:
        c.call("HELLO", "3")
        assert c.call_raw("BLPOP", "k", "0.05") == b"_\r\n"
        assert c.call_raw("BLMOVE", "k", "d", "LEFT", "LEFT", "0.05") == b"_\r\n"
    finally:
        c.close()


def test_zero_timeout_blocks_forever(r, conns):
    c = conns()
    c.send_command("BRPOPLPUSH", "src", "dst", 0)
    wait_blocked(r, 1)
    time.sleep(0.3)
    assert blocked_clients(r) == 1
    r.rpush("src", "v")
    assert c.read_reply() == b"v"
    assert r.lrange("dst", 0, -1) == [b"v"]
    assert r.exists("src") == 0


def test_client_unblock(r, conns):
    c = conns()
    cid = c.call("CLIENT", "ID")
    c.send_command("BLPOP", "k", 0)
    wait_blocked(r, 1)
    assert r.client_unblock(cid) == 1
    assert c.read_reply_raw() == b"*-1\r\n"
    c.send_command("BLMOVE", "k", "d", "LEFT", "LEFT", 0)
    wait_blocked(r, 1)
    assert r.execute_command("CLIENT", "UNBLOCK", cid, "ERROR") == 1
    assert c.read_reply() == E("UNBLOCKED client unblocked via CLIENT UNBLOCK")
    assert r.client_unblock(cid) == 0
    assert c.call("PING") == b"PONG"  # the connection goes on normally


def test_multi_does_not_block(raw):
    raw.call("MULTI")
    for cmd in (["BLPOP", "k", 0], ["BRPOP", "k", 0], ["BLMOVE", "k", "d", "LEFT", "LEFT", 0],
                ["BRPOPLPUSH", "k", "d", 0], ["BLMPOP", 0, 1, "k", "LEFT"]):
        assert raw.call(*cmd) == b"QUEUED"
    assert raw.call_raw("EXEC") == b"*5\r\n*-1\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n"


def test_multi_push_then_blpop(raw):
    raw.call("MULTI")
    raw.call("RPUSH", "k", "a")
    raw.call("BLPOP", "k", 0)
    assert raw.call("EXEC") == [1, [b"k", b"a"]]


def test_push_in_multi_serves_blocked_after_exec(r, conns):
    c = conns()
    c.send_command("BLPOP", "k", 0)
    wait_blocked(r, 1)
    p = r.pipeline(transaction=True)
    p.lpush("k", "a")
    p.lpush("k", "b")
    p.lpush("k", "c")
    p.execute()
    assert c.read_reply() == [b"k", b"c"]  # MULTI/EXEC is atomic for the blocked client


def test_push_then_del_in_multi_does_not_wake(r, conns):
    c = conns()
    c.send_command("BLPOP", "k", 0)
    wait_blocked(r, 1)
    p = r.pipeline(transaction=True)
    p.lpush("k", "a")
    p.delete("k")
    p.execute()
    time.sleep(0.1)
    assert blocked_clients(r) == 1
    r.lpush("k", "b")
    assert c.read_reply() == [b"k", b"b"]


def test_blocked_on_wrong_type_key(r, conns):
    r.set("k", "string")
    c = conns()
    assert c.call("BLPOP", "k", 0) == WRONGTYPE
    r.delete("k")
    c.send_command("BLPOP", "k", 0)
    wait_blocked(r, 1)
    r.set("k", "again a string")  # not a list: stays blocked
    time.sleep(0.1)
    assert blocked_clients(r) == 1
    r.delete("k")
    r.rpush("k", "x")
    assert c.read_reply() == [b"k", b"x"]


def test_blmove_chain(r, conns):
    a, b = conns(), conns()
    a.send_command("BLMOVE", "l1", "l2", "RIGHT", "LEFT", 0)
    wait_blocked(r, 1)
    b.send_command("BLPOP", "l2", 0)
    wait_blocked(r, 2)
    r.rpush("l1", "foo")
    assert a.read_reply() == b"foo"
    assert b.read_reply() == [b"l2", b"foo"]
    assert r.exists("l1", "l2") == 0


def test_circular_brpoplpush(r, conns):
    a, b = conns(), conns()
    a.send_command("BRPOPLPUSH", "l1", "l2", 0)
    wait_blocked(r, 1)
    b.send_command("BRPOPLPUSH", "l2", "l1", 0)
    wait_blocked(r, 2)
    r.rpush("l1", "foo")
    assert a.read_reply() == b"foo"
    assert b.read_reply() == b"foo"
    assert r.lrange("l1", 0, -1) == [b"foo"]
    assert r.exists("l2") == 0


def test_self_referential_brpoplpush(r, conns):
    c = conns()
    c.send_command("BRPOPLPUSH", "l", "l", 0)
    wait_blocked(r, 1)
    r.rpush("l", "a", "b")
    assert c.read_reply() == b"b"
    assert r.lrange("l", 0, -1) == [b"b", b"a"]


def test_blmove_wrong_destination_when_served(r, conns):
    r.set("dst", "string")
    c = conns()
    c.send_command("BLMOVE", "src", "dst", "LEFT", "LEFT", 0)
    wait_blocked(r, 1)
    r.rpush("src", "a")
    assert c.read_reply() == WRONGTYPE
    assert r.lrange("src", 0, -1) == [b"a"]
    assert blocked_clients(r) == 0


def test_blmpop_blocks_and_serves_count(r, conns):
    c = conns()
    c.send_command("BLMPOP", 0, 2, "k1", "k2", "RIGHT", "COUNT", 2)
    wait_blocked(r, 1)
    r.rpush("k2", "a", "b", "c")
    assert c.read_reply() == [b"k2", [b"c", b"b"]]
    assert r.lrange("k2", 0, -1) == [b"a"]


def test_pipelined_blpops_in_one_write(r, conns):
    c = conns()
    c.send(helpers.encode_command("BLPOP", "k", 0) * 3 + helpers.encode_command("PING"))
    wait_blocked(r, 1)  # the next commands wait behind the blocked one
    r.rpush("k", "a")
    assert c.read_reply() == [b"k", b"a"]
    wait_blocked(r, 1)
    r.rpush("k", "b", "c")
    assert c.read_reply() == [b"k", b"b"]
    assert c.read_reply() == [b"k", b"c"]
    assert c.read_reply() == b"PONG"
    assert blocked_clients(r) == 0


def test_blpop_same_key_twice(r, conns):
    c = conns()
    c.send_command("BLPOP", "k", "k", 0)
    wait_blocked(r, 1)
    r.rpush("k", "x")
    assert c.read_reply() == [b"k", b"x"]


def test_served_by_lmove_destination(r, conns):
    c = conns()
    c.send_command("BLPOP", "dst", 0)
    wait_blocked(r, 1)
    r.rpush("src", "v")
    assert r.execute_command("LMOVE", "src", "dst", "LEFT", "RIGHT") == b"v"
    assert c.read_reply() == [b"dst", b"v"]


def test_blpop_served_after_key_moved_into_place(r, conns):
    c = conns()
    c.send_command("BLPOP", "k", 0)
    wait_blocked(r, 1)
    r.rpush("other", "a", "b")
    r.rename("other", "k")
    assert c.read_reply() == [b"k", b"a"]


def test_swapdb_wakes_blocked_client(r, conns):
    c = conns()
    c.send_command("BLPOP", "k", 0)
    wait_blocked(r, 1)
    r.execute_command("SELECT", 1)
    r.rpush("k", "from-db1")
    r.execute_command("SWAPDB", 0, 1)
    assert c.read_reply() == [b"k", b"from-db1"]
    r.execute_command("SELECT", 0)


def test_many_clients_many_keys_released_once_in_order(r, conns):
    clients = []
    for i in range(40):
        c = conns()
        c.send_command("BLPOP", f"k{i % 4}", 0)
        clients.append(c)
        wait_blocked(r, i + 1)
    for k in range(4):
        r.rpush(f"k{k}", *[f"{k}-{j}" for j in range(10)])
    for i, c in enumerate(clients):
        assert c.read_reply() == [f"k{i % 4}".encode(), f"{i % 4}-{i // 4}".encode()]
    assert blocked_clients(r) == 0
    for k in range(4):
        assert r.llen(f"k{k}") == 0


# --------------------------------------------------------------------------------------------
# Metadata
# --------------------------------------------------------------------------------------------

COMMAND_INFO = {
    "lpush": (-3, ["write", "denyoom", "fast"], 1, 1, 1, ["@write", "@list", "@fast"]),
    "rpush": (-3, ["write", "denyoom", "fast"], 1, 1, 1, ["@write", "@list", "@fast"]),
    "lpushx": (-3, ["write", "denyoom", "fast"], 1, 1, 1, ["@write", "@list", "@fast"]),
    "rpushx": (-3, ["write", "denyoom", "fast"], 1, 1, 1, ["@write", "@list", "@fast"]),
    "lpop": (-2, ["write", "fast"], 1, 1, 1, ["@write", "@list", "@fast"]),
    "rpop": (-2, ["write", "fast"], 1, 1, 1, ["@write", "@list", "@fast"]),
    "llen": (2, ["readonly", "fast"], 1, 1, 1, ["@read", "@list", "@fast"]),
    "lrange": (4, ["readonly"], 1, 1, 1, ["@read", "@list", "@slow"]),
    "lindex": (3, ["readonly"], 1, 1, 1, ["@read", "@list", "@slow"]),
    "lset": (4, ["write", "denyoom"], 1, 1, 1, ["@write", "@list", "@slow"]),
    "linsert": (5, ["write", "denyoom"], 1, 1, 1, ["@write", "@list", "@slow"]),
    "lrem": (4, ["write"], 1, 1, 1, ["@write", "@list", "@slow"]),
    "ltrim": (4, ["write"], 1, 1, 1, ["@write", "@list", "@slow"]),
    "lpos": (-3, ["readonly"], 1, 1, 1, ["@read", "@list", "@slow"]),
    "lmove": (5, ["write", "denyoom"], 1, 2, 1, ["@write", "@list", "@slow"]),
    "rpoplpush": (3, ["write", "denyoom"], 1, 2, 1, ["@write", "@list", "@slow"]),
    "lmpop": (-4, ["write", "movablekeys"], 0, 0, 0, ["@write", "@list", "@slow"]),
    "blpop": (-3, ["write", "noscript", "blocking"], 1, -2, 1,
              ["@write", "@list", "@slow", "@blocking"]),
    "brpop": (-3, ["write", "noscript", "blocking"], 1, -2, 1,
              ["@write", "@list", "@slow", "@blocking"]),
    "blmove": (6, ["write", "denyoom", "noscript", "blocking"], 1, 2, 1,
               ["@write", "@list", "@slow", "@blocking"]),
    "brpoplpush": (4, ["write", "denyoom", "noscript", "blocking"], 1, 2, 1,
                   ["@write", "@list", "@slow", "@blocking"]),
    "blmpop": (-5, ["write", "blocking", "movablekeys"], 0, 0, 0,
               ["@write", "@list", "@slow", "@blocking"]),
}


def test_command_info_metadata(raw):
    names = sorted(COMMAND_INFO)
    infos = raw.call("COMMAND", "INFO", *names)
    for name, info in zip(names, infos):
        arity_, flags, first, last, step, acl = COMMAND_INFO[name]
        assert info[0] == name.encode()
        assert info[1] == arity_, name
        assert [f.decode() for f in info[2]] == flags, name
        assert info[3:6] == [first, last, step], name
        assert [a.decode() for a in info[6]] == acl, name


# --------------------------------------------------------------------------------------------
# Persistence and propagation
# --------------------------------------------------------------------------------------------

# DUMPs from redis-server 7.0.15 (RDB_TYPE_LIST_QUICKLIST_2, RDB version 10):
# RPUSH l a 1 -7 hello: one packed node, the listpack verbatim.
REDIS_SMALL_DUMP = (b"\x12\x01\x02\x16\x16\x00\x00\x00\x04\x00\x81a\x02\x01\x01\xdf\xf9\x02"
                    b"\x85hello\x06\xff\n\x00\xdc\xfb\x83\xd0\x08%\xa3\xea")
# RPUSH z x*100 x*100 x*100: the node is LZF-compressed.
REDIS_LZF_DUMP = (b"\x12\x01\x02\xc3\x15A<\x08<\x01\x00\x00\x03\x00\xe0dx\xe0Z\x00\x00f\xe0"
                  b"\xc4f\x01f\xff\n\x00\xdf\xe2\x1e\xa2q4\x9bJ")
# RPUSH p small y*30 tail with DEBUG QUICKLIST-PACKED-THRESHOLD 10b: packed, plain, packed.
REDIS_PLAIN_DUMP = (b"\x12\x03\x02\x0e\x0e\x00\x00\x00\x01\x00\x85small\x06\xff\x01\xc3\t\x1e"
                    b"\x01yy\xe0\x11\x00\x01yy\x02\r\r\x00\x00\x00\x01\x00\x84tail\x05\xff\n\x00"
                    b"k\x02\x03\xccpHa;")


def rdb_string(b):
    n = len(b)
    if n < 64:
        return bytes([n]) + b
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF]) + b
    return b"\x80" + n.to_bytes(4, "big") + b


def test_dump_payload_matches_redis(raw):
    raw.call("RPUSH", "l", "a", "1", "-7", "hello")
    assert raw.call("DUMP", "l") == REDIS_SMALL_DUMP


def test_restore_redis_payloads(raw):
    assert raw.call("RESTORE", "a", 0, REDIS_SMALL_DUMP) == b"OK"
    assert raw.call("LRANGE", "a", 0, -1) == [b"a", b"1", b"-7", b"hello"]
    assert raw.call("OBJECT", "ENCODING", "a") == small_encoding()


def test_restore_redis_compressed_payloads(raw):
    # Redis LZF-compresses nodes over 20 bytes (rdbcompression yes, the default)
    assert raw.call("RESTORE", "b", 0, REDIS_LZF_DUMP) == b"OK"
    assert raw.call("LRANGE", "b", 0, -1) == [b"x" * 100] * 3
    assert raw.call("RESTORE", "c", 0, REDIS_PLAIN_DUMP) == b"OK"
    assert raw.call("LRANGE", "c", 0, -1) == [b"small", b"y" * 30, b"tail"]
    assert raw.call("RPUSH", "c", "more") == 4
    assert raw.call("LINDEX", "c", 1) == b"y" * 30


def test_restore_older_encodings(raw):
    items = [b"a", 7, -300, 100000, 1 << 40, b"x" * 70]
    want = [b"a", b"7", b"-300", b"100000", str(1 << 40).encode(), b"x" * 70]
    # RDB_TYPE_LIST_ZIPLIST (10, Redis 2.6-3.0): one ziplist
    assert raw.call("RESTORE", "zl", 0, dump_payload(10, ziplist(items), version=6)) == b"OK"
    assert raw.call("LRANGE", "zl", 0, -1) == want
    # RDB_TYPE_LIST_QUICKLIST (14, Redis 3.2-6.2): ziplist nodes
    body = bytes([14, 2]) + rdb_string(ziplist(items)) + rdb_string(ziplist([b"tail"]))
    assert raw.call("RESTORE", "ql", 0, raw_payload(body, version=9)) == b"OK"
    assert raw.call("LRANGE", "ql", 0, -1) == want + [b"tail"]
    # RDB_TYPE_LIST (1): plain strings
    body = bytes([1, 3]) + b"".join(rdb_string(x) for x in (b"p", b"q", b"12"))
    assert raw.call("RESTORE", "pl", 0, raw_payload(body, version=9)) == b"OK"
    assert raw.call("LRANGE", "pl", 0, -1) == [b"p", b"q", b"12"]


def test_restore_rejects_corrupt_lists(raw):
    bad_listpack = b"\x0e\x00\x00\x00\x05\x00\x81a\x02\x01\x01\x81b\x02\xff"  # count says 5
    body = bytes([0x12, 1, 2]) + rdb_string(bad_listpack)
    assert raw.call("RESTORE", "k", 0, raw_payload(body, version=10)) == \
        E("ERR Bad data format")
    bad_ziplist = ziplist([b"abc", b"def"])[:-3] + b"\xff"
    assert raw.call("RESTORE", "k", 0, dump_payload(10, bad_ziplist, version=6)) == \
        E("ERR Bad data format")
    assert raw.call("EXISTS", "k") == 0


def test_dump_restore_roundtrip(raw):
    raw.call("RPUSH", "small", "a", "b", "3")
    raw.call("RPUSH", "big", *[str(i) for i in range(3000)])
    raw.call("RPUSH", "huge", "h" * 20000, "x", "g" * 9000)
    for key in ("small", "big", "huge"):
        payload = raw.call("DUMP", key)
        assert raw.call("RESTORE", key + "2", 0, payload) == b"OK"
        assert raw.call("LRANGE", key + "2", 0, -1) == raw.call("LRANGE", key, 0, -1)
        assert raw.call("OBJECT", "ENCODING", key + "2") == raw.call("OBJECT", "ENCODING", key)


def test_debug_reload_keeps_lists(r):
    r.rpush("small", "a", "1", "-7")
    r.rpush("big", *range(5000))
    r.rpush("plain", "p" * 20000, "q", "r" * 10000)
    r.lpush("ttl", "x")
    r.expire("ttl", 1000)
    before = {k: r.lrange(k, 0, -1) for k in ("small", "big", "plain", "ttl")}
    digest = r.execute_command("DEBUG", "DIGEST")
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert {k: r.lrange(k, 0, -1) for k in before} == before
    assert r.execute_command("DEBUG", "DIGEST") == digest
    assert r.object("encoding", "small") == small_encoding()
    assert r.object("encoding", "big") == b"quicklist"
    assert 990 <= r.ttl("ttl") <= 1000


def test_propagation_to_aof(spawn, tmp_path):
    srv = spawn("--appendonly", "yes", "--appendfsync", "always")
    c = srv.raw()
    c2 = srv.raw()
    try:
        c.call("SET", "s", "str")
        c.call("RPUSH", "l", "a", "b", "c", "d", "e", "f")
        c.call("LPOP", "missing")                      # nothing changed: not propagated
        c.call("BLPOP", "l", 0)                        # -> LPOP l
        c.call("BRPOP", "nokey", "l", 0)               # -> RPOP l
        c.call("BLMOVE", "l", "m", "LEFT", "RIGHT", 0)  # -> LMOVE
        c.call("BRPOPLPUSH", "l", "m", 0)              # -> RPOPLPUSH
        c.call("LMPOP", 2, "nokey", "m", "LEFT", "COUNT", 5)  # -> LPOP m 2
        c.call("BLMPOP", 0, 1, "l", "RIGHT", "COUNT", 1)      # -> RPOP l 1
        assert c.call("LMOVE", "l", "s", "LEFT", "LEFT") == WRONGTYPE  # not propagated
        assert c.call("BLMOVE", "l", "s", "LEFT", "LEFT", 0) == WRONGTYPE
        c.call("LTRIM", "l", 0, -1)                    # nothing trimmed: not propagated
        c2.send_command("BLPOP", "q", 0)
        assert wait_for(lambda: int(c.call("INFO", "clients").split(b"blocked_clients:")[1]
                                    .split(b"\r\n")[0]) == 1)
        c.call("RPUSH", "q", "v")                      # -> RPUSH q v, then LPOP q
        assert c2.read_reply() == [b"q", b"v"]
        time.sleep(0.3)
        got = [[cmd[0].upper()] + cmd[1:] for cmd in read_aof_commands(tmp_path)]
        assert got == [
            ["SET", "s", "str"],
            ["RPUSH", "l", "a", "b", "c", "d", "e", "f"],
            ["LPOP", "l"],
            ["RPOP", "l"],
            ["LMOVE", "l", "m", "LEFT", "RIGHT"],
            ["RPOPLPUSH", "l", "m"],
            ["LPOP", "m", "2"],
            ["RPOP", "l", "1"],
            ["RPUSH", "q", "v"],
            ["LPOP", "q"],
        ]
    finally:
        c.close()
        c2.close()


def _aof_with_selects(directory):
    cmds = []
    for path in sorted(glob.glob(os.path.join(directory, "appendonlydir", "*.incr.aof"))):
        data = open(path, "rb").read()
        pos = 0
        while pos < len(data):
            value, pos = helpers.parse_reply(data, pos)
            cmds.append([v.decode().lower() for v in value])
    return cmds


def test_swapdb_wakes_nobody_for_an_expired_key_and_propagates_in_order(spawn, tmp_path):
    # Redis: SWAPDB is propagated first; the ready-key lookup then finds the key expired,
    # deletes it (DEL propagated after SWAPDB) and the client stays blocked.
    srv = spawn("--appendonly", "yes", "--appendfsync", "always")
    c, c2 = srv.raw(), srv.raw()
    try:
        c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        c.call("SELECT", "1")
        c.call("RPUSH", "k", "hello")
        c.call("PEXPIRE", "k", 100)
        c2.call("SELECT", "9")
        cid = c2.call("CLIENT", "ID")
        c2.send_command("BRPOP", "k", 0)
        assert wait_for(lambda: b"flags=b" in c.call("CLIENT", "LIST", "ID", cid))
        time.sleep(0.15)
        assert c.call("SWAPDB", "1", "9") == b"OK"
        assert b"flags=b" in c.call("CLIENT", "LIST", "ID", cid)
        assert c.call("CLIENT", "UNBLOCK", cid) == 1
        assert c2.read_reply() is None
        time.sleep(0.2)
        got = _aof_with_selects(tmp_path)
        tail = [cmd for cmd in got if cmd[0] != "pexpireat"][-4:]
        assert tail == [["rpush", "k", "hello"], ["swapdb", "1", "9"], ["select", "9"], ["del", "k"]]
    finally:
        c.close()
        c2.close()


def test_exec_with_sleep_expires_the_key_before_serving_blocked_client(spawn, tmp_path):
    srv = spawn("--appendonly", "yes", "--appendfsync", "always")
    c, c2 = srv.raw(), srv.raw()
    try:
        c.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        cid = c2.call("CLIENT", "ID")
        c2.send_command("BRPOP", "k", 0)
        assert wait_for(lambda: b"flags=b" in c.call("CLIENT", "LIST", "ID", cid))
        c.call("MULTI")
        c.call("RPUSH", "k", "hello")
        c.call("PEXPIRE", "k", 100)
        c.call("DEBUG", "SLEEP", "0.2")
        c.call("EXEC")
        assert b"flags=b" in c.call("CLIENT", "LIST", "ID", cid)
        c.call("CLIENT", "UNBLOCK", cid)
        assert c2.read_reply() is None
        time.sleep(0.2)
        got = [cmd[0] for cmd in _aof_with_selects(tmp_path) if cmd[0] != "select"]
        assert got == ["multi", "rpush", "pexpireat", "exec", "del"]
    finally:
        c.close()
        c2.close()
