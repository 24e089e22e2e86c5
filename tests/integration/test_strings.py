"""String commands: every Redis 7.0 string command, its options, errors and edge cases.

Error replies are checked byte-exact through the raw connection (`raw`), because redis-py
strips the `ERR ` prefix; normal replies go through redis-py (`r`).
"""

import time

import pytest

from helpers import RespError

E = RespError


def err_set(opt_cmd):
    return E(f"ERR invalid expire time in '{opt_cmd}' command")


SYNTAX = E("ERR syntax error")
NOT_INT = E("ERR value is not an integer or out of range")
NOT_FLOAT = E("ERR value is not a valid float")


# --------------------------------------------------------------------------------------------
# SET
# --------------------------------------------------------------------------------------------

def test_set_get_basic(r):
    assert r.set("k", "v") is True
    assert r.get("k") == b"v"
    assert r.get("missing") is None
    assert r.set("k", "w") is True
    assert r.get("k") == b"w"


def test_set_binary_safe(r):
    value = bytes(range(256)) * 4 + b"\r\n\x00tail"
    r.set(b"\x00bin\r\nkey", value)
    assert r.get(b"\x00bin\r\nkey") == value
    assert r.strlen(b"\x00bin\r\nkey") == len(value)


def test_set_empty_value_and_key(r):
    assert r.set("", "") is True
    assert r.get("") == b""
    assert r.exists("") == 1
    assert r.strlen("") == 0


def test_set_nx_xx(r):
    assert r.set("k", "1", nx=True) is True
    assert r.set("k", "2", nx=True) is None
    assert r.get("k") == b"1"
    assert r.set("k", "3", xx=True) is True
    assert r.get("k") == b"3"
    assert r.set("other", "x", xx=True) is None
    assert r.exists("other") == 0


def test_set_ex_px_exat_pxat(r):
    r.set("a", "v", ex=100)
    assert 98 <= r.ttl("a") <= 100
    r.set("b", "v", px=100000)
    assert 98000 <= r.pttl("b") <= 100000
    at = int(time.time()) + 200
    r.execute_command("SET", "c", "v", "EXAT", at)
    assert r.execute_command("EXPIRETIME", "c") == at
    pat = int(time.time() * 1000) + 300000
    r.execute_command("SET", "d", "v", "PXAT", pat)
    assert r.execute_command("PEXPIRETIME", "d") == pat


def test_set_without_options_clears_ttl(r):
    r.set("k", "v", ex=100)
    r.set("k", "v2")
    assert r.ttl("k") == -1
    r.set("k", "v", ex=100)
    r.set("k", "v3", xx=True)
    assert r.ttl("k") == -1


def test_set_keepttl(r, raw):
    r.set("k", "v", ex=100)
    assert raw.call("SET", "k", "v2", "KEEPTTL") == b"OK"
    assert r.get("k") == b"v2"
    assert 98 <= r.ttl("k") <= 100
    # KEEPTTL on a key without a TTL keeps "no TTL"
    r.set("p", "v")
    r.execute_command("SET", "p", "v2", "KEEPTTL")
    assert r.ttl("p") == -1


def test_set_get_option(r, raw):
    assert raw.call("SET", "k", "v1", "GET") is None
    assert raw.call("SET", "k", "v2", "GET") == b"v1"
    assert r.get("k") == b"v2"


def test_set_get_with_nx_xx(r, raw):
    # Redis 7.0 allows NX and XX together with GET.
    assert raw.call("SET", "k", "v", "NX", "GET") is None
    assert r.get("k") == b"v"
    # NX fails, GET still returns the old value, value unchanged
    assert raw.call("SET", "k", "other", "NX", "GET") == b"v"
    assert r.get("k") == b"v"
    assert raw.call("SET", "k", "v2", "XX", "GET") == b"v"
    assert r.get("k") == b"v2"
    assert raw.call("SET", "missing", "x", "XX", "GET") is None
    assert r.exists("missing") == 0


def test_set_get_option_with_expire(r, raw):
    r.set("k", "old")
    assert raw.call("SET", "k", "new", "GET", "EX", "100") == b"old"
    assert 98 <= r.ttl("k") <= 100


def test_set_repeated_same_option_is_allowed(r, raw):
    assert raw.call("SET", "k", "v", "EX", "10", "EX", "20") == b"OK"
    assert 18 <= r.ttl("k") <= 20
    assert raw.call("SET", "k", "v", "PX", "10", "PX", "20000") == b"OK"
    assert 18000 <= r.pttl("k") <= 20000
    assert raw.call("SET", "k", "v", "KEEPTTL", "KEEPTTL") == b"OK"
    assert raw.call("SET", "k", "w", "GET", "GET") == b"v"
    assert raw.call("SET", "k", "w", "nx", "NX") is None


@pytest.mark.parametrize("args", [
    ["NX", "XX"],
    ["XX", "NX"],
    ["EX", "10", "PX", "100"],
    ["PX", "100", "EXAT", "1"],
    ["EXAT", "99999999999", "PXAT", "1"],
    ["KEEPTTL", "EX", "10"],
    ["EX", "10", "KEEPTTL"],
    ["PXAT", "99999999999999", "KEEPTTL"],
    ["EX", "100", "GET", "KEEPTTL"],
    ["GETS"],
    ["EX"],
    ["PX"],
    ["foo"],
    ["NX", "XX", "NX"],
])
def test_set_syntax_errors(raw, args):
    assert raw.call("SET", "k", "v", *args) == SYNTAX
    assert raw.call("EXISTS", "k") == 0


@pytest.mark.parametrize("opt,val", [
    ("EX", "0"), ("EX", "-1"), ("PX", "0"), ("PX", "-100"), ("EXAT", "0"), ("PXAT", "0"),
    ("EXAT", "-5"),
    ("EX", "9999999999999999"), ("EX", "9223372036854775807"), ("PX", "9223372036854775807"),
    ("EXAT", "9223372036854775807"),
])
def test_set_invalid_expire(raw, opt, val):
    assert raw.call("SET", "k", "v", opt, val) == err_set("set")
    assert raw.call("EXISTS", "k") == 0


@pytest.mark.parametrize("val", ["abc", "1.5", "", " 1", "1 "])
def test_set_expire_not_integer(raw, val):
    assert raw.call("SET", "k", "v", "EX", val) == NOT_INT


def test_set_options_case_insensitive(r, raw):
    assert raw.call("set", "k", "v", "ex", "100", "nx") == b"OK"
    assert raw.call("SeT", "k", "v2", "Xx", "kEePtTl", "gEt") == b"v"
    assert r.ttl("k") > 0


def test_set_past_exat_deletes_nothing_visible(r, raw):
    # EXAT in the past is valid (not an error): the key is created already expired.
    r.set("k", "v")
    assert raw.call("SET", "k", "v2", "EXAT", "1") == b"OK"
    assert r.get("k") is None
    assert r.exists("k") == 0


# --------------------------------------------------------------------------------------------
# GETSET / GETDEL / GETEX
# --------------------------------------------------------------------------------------------

def test_getset(r):
    assert r.getset("k", "1") is None
    assert r.getset("k", "2") == b"1"
    assert r.get("k") == b"2"


def test_getset_clears_ttl(r):
    r.set("k", "v", ex=100)
    r.getset("k", "w")
    assert r.ttl("k") == -1


def test_getdel(r):
    r.set("k", "v", ex=100)
    assert r.getdel("k") == b"v"
    assert r.exists("k") == 0
    assert r.getdel("k") is None


def test_getex_without_options_is_get(r):
    r.set("k", "v", ex=100)
    assert r.getex("k") == b"v"
    assert 98 <= r.ttl("k") <= 100
    assert r.getex("missing") is None


def test_getex_options(r):
    r.set("k", "v")
    assert r.getex("k", ex=100) == b"v"
    assert 98 <= r.ttl("k") <= 100
    assert r.getex("k", px=200000) == b"v"
    assert 198000 <= r.pttl("k") <= 200000
    assert r.execute_command("GETEX", "k", "EXAT", "4102444800") == b"v"
    assert r.execute_command("EXPIRETIME", "k") == 4102444800
    assert r.execute_command("GETEX", "k", "PXAT", "99999999999999") == b"v"
    assert r.execute_command("PEXPIRETIME", "k") == 99999999999999
    assert r.getex("k", persist=True) == b"v"
    assert r.ttl("k") == -1


def test_getex_past_time_deletes(r):
    r.set("k", "v")
    assert r.execute_command("GETEX", "k", "EXAT", "1") == b"v"
    assert r.exists("k") == 0
    r.set("k", "v")
    assert r.execute_command("GETEX", "k", "PXAT", "1") == b"v"
    assert r.exists("k") == 0


def test_getex_missing_key_with_options(r):
    assert r.execute_command("GETEX", "nokey", "EX", "10") is None
    assert r.exists("nokey") == 0


def test_getex_errors(raw):
    raw.call("SET", "k", "v")
    assert raw.call("GETEX", "k", "PERSIST", "EX", "10") == SYNTAX
    assert raw.call("GETEX", "k", "EX", "10", "PX", "10") == SYNTAX
    assert raw.call("GETEX", "k", "EX", "100", "PERSIST") == SYNTAX
    assert raw.call("GETEX", "k", "foo") == SYNTAX
    assert raw.call("GETEX", "k", "EX") == SYNTAX
    assert raw.call("GETEX", "k", "EX", "0") == err_set("getex")
    assert raw.call("GETEX", "k", "PX", "-1") == err_set("getex")
    assert raw.call("GETEX", "k", "EXAT", "0") == err_set("getex")
    assert raw.call("GETEX", "k", "EX", "9223372036854775807") == err_set("getex")
    assert raw.call("GETEX", "k", "EX", "abc") == NOT_INT
    assert raw.call("GETEX") == E("ERR wrong number of arguments for 'getex' command")
    # repeated identical option is fine
    assert raw.call("GETEX", "k", "EX", "30", "EX", "40") == b"v"
    assert raw.call("TTL", "k") in (39, 40)
    assert raw.call("GETEX", "k", "PERSIST", "PERSIST") == b"v"
    assert raw.call("TTL", "k") == -1


# --------------------------------------------------------------------------------------------
# SETNX / SETEX / PSETEX
# --------------------------------------------------------------------------------------------

def test_setnx(r):
    assert r.setnx("k", "1") is True
    assert r.setnx("k", "2") is False
    assert r.get("k") == b"1"


def test_setex_psetex(r):
    assert r.setex("k", 100, "v") is True
    assert r.get("k") == b"v"
    assert 98 <= r.ttl("k") <= 100
    assert r.psetex("p", 100000, "v") is True
    assert 98000 <= r.pttl("p") <= 100000


@pytest.mark.parametrize("cmd,ttl", [
    ("SETEX", "0"), ("SETEX", "-5"), ("PSETEX", "0"), ("PSETEX", "-1"),
    ("SETEX", "9223372036854775807"), ("SETEX", "9223372036854775"),
    ("SETEX", "9223372036854774"), ("PSETEX", "9223372036854775807"),
])
def test_setex_invalid_expire(raw, cmd, ttl):
    assert raw.call(cmd, "k", ttl, "v") == err_set(cmd.lower())
    assert raw.call("EXISTS", "k") == 0


def test_setex_errors(raw):
    assert raw.call("SETEX", "k", "abc", "v") == NOT_INT
    assert raw.call("PSETEX", "k", "1.5", "v") == NOT_INT
    assert raw.call("SETEX", "k", "10") == E("ERR wrong number of arguments for 'setex' command")


# --------------------------------------------------------------------------------------------
# MSET / MSETNX / MGET
# --------------------------------------------------------------------------------------------

def test_mset_mget(r):
    assert r.mset({"a": "1", "b": "2", "c": "3"}) is True
    assert r.mget("a", "b", "missing", "c") == [b"1", b"2", None, b"3"]


def test_mset_last_wins_and_clears_ttl(r):
    r.set("a", "old", ex=100)
    r.execute_command("MSET", "a", "1", "a", "2")
    assert r.get("a") == b"2"
    assert r.ttl("a") == -1


def test_msetnx(r):
    assert r.msetnx({"a": "1", "b": "2"}) is True
    assert r.msetnx({"b": "x", "c": "3"}) is False
    assert r.exists("c") == 0
    assert r.get("b") == b"2"
    assert r.msetnx({"c": "3", "d": "4"}) is True
    assert r.mget("c", "d") == [b"3", b"4"]


def test_msetnx_same_key_twice(r):
    assert r.execute_command("MSETNX", "x", "1", "x", "2") == 1
    assert r.get("x") == b"2"


@pytest.mark.parametrize("args", [["a"], ["a", "1", "b"], []])
def test_mset_arity(raw, args):
    for cmd in ("MSET", "MSETNX"):
        assert raw.call(cmd, *args) == E(
            f"ERR wrong number of arguments for '{cmd.lower()}' command")


def test_mget_arity(raw):
    assert raw.call("MGET") == E("ERR wrong number of arguments for 'mget' command")


# --------------------------------------------------------------------------------------------
# APPEND / STRLEN
# --------------------------------------------------------------------------------------------

def test_append_strlen(r):
    assert r.append("k", "foo") == 3
    assert r.append("k", "bar") == 6
    assert r.get("k") == b"foobar"
    assert r.strlen("k") == 6
    assert r.strlen("missing") == 0
    assert r.append("k", "") == 6


def test_append_to_integer(r):
    r.set("n", 123)
    assert r.append("n", "4") == 4
    assert r.get("n") == b"1234"
    assert r.incr("n") == 1235


def test_append_keeps_ttl(r):
    r.set("k", "v", ex=100)
    r.append("k", "w")
    assert 98 <= r.ttl("k") <= 100


def test_strlen_integer_encoded(r):
    r.set("n", -12345)
    assert r.strlen("n") == 6
    r.set("z", 0)
    assert r.strlen("z") == 1


# --------------------------------------------------------------------------------------------
# INCR family
# --------------------------------------------------------------------------------------------

def test_incr_decr(r):
    assert r.incr("n") == 1
    assert r.incr("n") == 2
    assert r.decr("n") == 1
    assert r.incrby("n", 10) == 11
    assert r.decrby("n", 20) == -9
    assert r.decr("fresh") == -1
    assert r.get("n") == b"-9"


def test_incr_keeps_ttl(r):
    r.set("n", 1, ex=100)
    r.incr("n")
    assert 98 <= r.ttl("n") <= 100


def test_incr_on_large_values(r):
    r.set("n", "9223372036854775806")
    assert r.incr("n") == 9223372036854775807
    r.set("m", "-9223372036854775807")
    assert r.decr("m") == -9223372036854775808


def test_incr_overflow(raw):
    raw.call("SET", "n", "9223372036854775807")
    overflow = E("ERR increment or decrement would overflow")
    assert raw.call("INCR", "n") == overflow
    assert raw.call("INCRBY", "n", "1") == overflow
    raw.call("SET", "n", "-9223372036854775808")
    assert raw.call("DECR", "n") == overflow
    assert raw.call("INCRBY", "n", "-1") == overflow
    assert raw.call("DECRBY", "n", "1") == overflow
    raw.call("SET", "n", "10")
    assert raw.call("INCRBY", "n", "9223372036854775807") == overflow
    # DECRBY of LLONG_MIN cannot be negated: a distinct message
    assert raw.call("DECRBY", "n", "-9223372036854775808") == E("ERR decrement would overflow")
    assert raw.call("DECRBY", "n", "9223372036854775808") == NOT_INT
    assert raw.call("GET", "n") == b"10"


@pytest.mark.parametrize("value", [
    "abc", " 1", "1 ", "+1", "01", "-0", "1.5", "99999999999999999999", "", "0x10", "1e3",
    "\x001",
])
def test_incr_non_integer_value(raw, value):
    raw.call("SET", "s", value)
    for cmd in (["INCR", "s"], ["DECR", "s"], ["INCRBY", "s", "1"], ["DECRBY", "s", "1"]):
        assert raw.call(*cmd) == NOT_INT, cmd
    assert raw.call("GET", "s") == value.encode()


@pytest.mark.parametrize("incr", ["abc", "1.0", "", "9223372036854775808", " 5"])
def test_incrby_non_integer_argument(raw, incr):
    assert raw.call("INCRBY", "n", incr) == NOT_INT
    assert raw.call("DECRBY", "n", incr) == NOT_INT
    assert raw.call("EXISTS", "n") == 0


def test_incr_negative_zero_like_values(r):
    r.set("n", "-1")
    assert r.incr("n") == 0
    assert r.get("n") == b"0"


def test_incr_arity(raw):
    assert raw.call("INCR") == E("ERR wrong number of arguments for 'incr' command")
    assert raw.call("INCR", "a", "b") == E("ERR wrong number of arguments for 'incr' command")
    assert raw.call("INCRBY", "a") == E("ERR wrong number of arguments for 'incrby' command")


# --------------------------------------------------------------------------------------------
# INCRBYFLOAT
# --------------------------------------------------------------------------------------------

def test_incrbyfloat_basic(raw):
    assert raw.call("INCRBYFLOAT", "f", "1.5") == b"1.5"
    assert raw.call("INCRBYFLOAT", "f", "1e3") == b"1001.5"
    assert raw.call("INCRBYFLOAT", "f", "-1001.5") == b"0"
    assert raw.call("GET", "f") == b"0"


def test_incrbyfloat_formatting(raw):
    # Redis computes in long double and prints with %.17Lg-like trimming: these are exact.
    raw.call("SET", "f", "10.5")
    assert raw.call("INCRBYFLOAT", "f", "0.1") == b"10.6"
    raw.call("SET", "g", "3")
    assert raw.call("INCRBYFLOAT", "g", "1.0e1") == b"13"
    assert raw.call("INCRBYFLOAT", "g", "5.0e3") == b"5013"
    assert raw.call("INCRBYFLOAT", "h", "3.0") == b"3"
    assert raw.call("INCRBYFLOAT", "h", "1e-5") == b"3.00001"
    assert raw.call("INCRBYFLOAT", "i", "2e17") == b"200000000000000000"
    assert raw.call("INCRBYFLOAT", "i", "1") == b"200000000000000001"
    assert raw.call("INCRBYFLOAT", "j", "1e20") == b"100000000000000000000"
    assert raw.call("INCRBYFLOAT", "k", "-2.5") == b"-2.5"


def test_incrbyfloat_long_double_precision(raw):
    # 1.5 + 1e3 + 0.1 in 80-bit long double, printed with 17 fractional digits, trimmed.
    raw.call("INCRBYFLOAT", "f", "1.5")
    raw.call("INCRBYFLOAT", "f", "1e3")
    assert raw.call("INCRBYFLOAT", "f", "0.1") == b"1001.59999999999999998"
    raw.call("SET", "g", "5013")
    assert raw.call("INCRBYFLOAT", "g", "1.23456789012345678") == b"5014.23456789012345691"


def test_incrbyfloat_on_integer_value(r):
    r.set("n", 10)
    assert r.incrbyfloat("n", 1) == 11.0
    assert r.get("n") == b"11"
    assert r.incr("n") == 12


def test_incrbyfloat_keeps_ttl(r):
    r.set("f", "1", ex=100)
    r.incrbyfloat("f", 0.5)
    assert 98 <= r.ttl("f") <= 100


def test_incrbyfloat_errors(raw):
    assert raw.call("INCRBYFLOAT", "f", "nan") == NOT_FLOAT
    assert raw.call("INCRBYFLOAT", "f", "abc") == NOT_FLOAT
    assert raw.call("INCRBYFLOAT", "f", "") == NOT_FLOAT
    assert raw.call("INCRBYFLOAT", "f", " 1") == NOT_FLOAT
    assert raw.call("INCRBYFLOAT", "f", "inf") == E("ERR increment would produce NaN or Infinity")
    assert raw.call("INCRBYFLOAT", "f", "+inf") == E(
        "ERR increment would produce NaN or Infinity")
    assert raw.call("INCRBYFLOAT", "f", "-inf") == E(
        "ERR increment would produce NaN or Infinity")
    assert raw.call("EXISTS", "f") == 0
    raw.call("SET", "s", "abc")
    assert raw.call("INCRBYFLOAT", "s", "1") == NOT_FLOAT
    raw.call("SET", "s", " 1")
    assert raw.call("INCRBYFLOAT", "s", "1") == NOT_FLOAT
    raw.call("SET", "s", "1")
    assert raw.call("INCRBYFLOAT", "s", "1", "2") == E(
        "ERR wrong number of arguments for 'incrbyfloat' command")


# --------------------------------------------------------------------------------------------
# GETRANGE / SUBSTR / SETRANGE
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("start,end,expected", [
    (0, 4, b"Hello"), (-5, -1, b"World"), (-100, -1, b"Hello World"), (5, 2, b""),
    (0, 100, b"Hello World"), (-1, -5, b""), (20, 30, b""), (0, -1, b"Hello World"),
    (6, 6, b"W"), (-1, -1, b"d"), (0, 0, b"H"), (-1, -100, b""),
    ("0", "9223372036854775807", b"Hello World"),
    ("-9223372036854775808", "-1", b"Hello World"),
])
def test_getrange(r, start, end, expected):
    r.set("s", "Hello World")
    assert r.getrange("s", start, end) == expected
    assert r.execute_command("SUBSTR", "s", start, end) == expected


def test_getrange_missing_and_empty(r):
    assert r.getrange("missing", 0, -1) == b""
    r.set("e", "")
    assert r.getrange("e", 0, -1) == b""
    assert r.getrange("e", -1, -1) == b""


def test_getrange_integer_encoded(r):
    r.set("i", 12345)
    assert r.getrange("i", 1, 2) == b"23"
    assert r.getrange("i", -2, -1) == b"45"


def test_getrange_errors(raw):
    raw.call("SET", "s", "abc")
    assert raw.call("GETRANGE", "s", "a", "b") == NOT_INT
    assert raw.call("GETRANGE", "s", "0") == E(
        "ERR wrong number of arguments for 'getrange' command")
    assert raw.call("SUBSTR", "s", "0") == E("ERR wrong number of arguments for 'substr' command")


def test_setrange(r):
    assert r.setrange("k", 0, "Hello World") == 11
    assert r.setrange("k", 6, "Redis") == 11
    assert r.get("k") == b"Hello Redis"
    assert r.setrange("k", 11, "!") == 12
    assert r.get("k") == b"Hello Redis!"


def test_setrange_zero_padding(r):
    assert r.setrange("k", 5, "abc") == 8
    assert r.get("k") == b"\x00\x00\x00\x00\x00abc"
    r.set("s", "ab")
    assert r.setrange("s", 4, "z") == 5
    assert r.get("s") == b"ab\x00\x00z"


def test_setrange_empty_value(r):
    # an empty value never creates the key, whatever the offset
    assert r.setrange("k", 0, "") == 0
    assert r.exists("k") == 0
    assert r.setrange("k", 10, "") == 0
    assert r.exists("k") == 0
    r.set("e", "abc")
    assert r.setrange("e", 100, "") == 3
    assert r.get("e") == b"abc"


def test_setrange_integer_encoded(r):
    r.set("i", 12345)
    assert r.setrange("i", 1, "9") == 5
    assert r.get("i") == b"19345"
    assert r.incr("i") == 19346


def test_setrange_keeps_ttl(r):
    r.set("k", "value", ex=100)
    r.setrange("k", 0, "V")
    assert 98 <= r.ttl("k") <= 100


def test_setrange_errors(raw):
    raw.call("SET", "k", "abc")
    assert raw.call("SETRANGE", "k", "-1", "x") == E("ERR offset is out of range")
    assert raw.call("SETRANGE", "k", "abc", "x") == NOT_INT
    too_big = E("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
    assert raw.call("SETRANGE", "k", "536870912", "x") == too_big
    assert raw.call("SETRANGE", "k", "536870911", "xx") == too_big
    assert raw.call("SETRANGE", "new", "536870912", "x") == too_big
    assert raw.call("EXISTS", "new") == 0
    assert raw.call("GET", "k") == b"abc"


# --------------------------------------------------------------------------------------------
# LCS
# --------------------------------------------------------------------------------------------

@pytest.fixture
def lcs_keys(r):
    r.mset({"a": "ohmytext", "b": "mynewtext"})
    return r


def test_lcs_string_and_len(lcs_keys, raw):
    assert raw.call("LCS", "a", "b") == b"mytext"
    assert raw.call("LCS", "a", "b", "LEN") == 6
    assert raw.call("LCS", "b", "a", "LEN") == 6


def test_lcs_idx(lcs_keys, raw):
    assert raw.call("LCS", "a", "b", "IDX") == [
        b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6]


def test_lcs_idx_minmatchlen(lcs_keys, raw):
    assert raw.call("LCS", "a", "b", "IDX", "MINMATCHLEN", "4") == [
        b"matches", [[[4, 7], [5, 8]]], b"len", 6]
    # negative MINMATCHLEN is treated as 0
    assert raw.call("LCS", "a", "b", "MINMATCHLEN", "-1", "IDX") == [
        b"matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], b"len", 6]


def test_lcs_idx_withmatchlen(lcs_keys, raw):
    assert raw.call("LCS", "a", "b", "IDX", "WITHMATCHLEN") == [
        b"matches", [[[4, 7], [5, 8], 4], [[2, 3], [0, 1], 2]], b"len", 6]
    assert raw.call("LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN") == [
        b"matches", [[[4, 7], [5, 8], 4]], b"len", 6]


def test_lcs_options_ignored_without_idx(lcs_keys, raw):
    assert raw.call("LCS", "a", "b", "LEN", "WITHMATCHLEN") == 6
    assert raw.call("LCS", "a", "b", "LEN", "MINMATCHLEN", "3") == 6


def test_lcs_missing_keys(lcs_keys, raw):
    assert raw.call("LCS", "a", "nokey") == b""
    assert raw.call("LCS", "nokey", "nokey2", "LEN") == 0
    assert raw.call("LCS", "nokey", "a", "IDX") == [b"matches", [], b"len", 0]


def test_lcs_integer_encoded(r, raw):
    r.set("x", 12345)
    r.set("y", 2349)
    assert raw.call("LCS", "x", "y") == b"234"


def test_lcs_errors(lcs_keys, raw):
    both = E("ERR If you want both the length and indexes, please just use IDX.")
    assert raw.call("LCS", "a", "b", "LEN", "IDX") == both
    assert raw.call("LCS", "a", "b", "IDX", "LEN") == both
    assert raw.call("LCS", "a", "b", "MINMATCHLEN", "abc") == NOT_INT
    assert raw.call("LCS", "a", "b", "MINMATCHLEN") == SYNTAX
    assert raw.call("LCS", "a", "b", "foo") == SYNTAX
    assert raw.call("LCS", "a") == E("ERR wrong number of arguments for 'lcs' command")


def test_lcs_longer_strings(r, raw):
    a = "ACGTTGCAACGTAGCTAGCTAGCATCGATCGATCGTACGATCGATCGA" * 4
    b = "TTGCAGCTAGCTAGGGATCGATCGATTTACGATCGAAAACGTAGCTA" * 4
    r.mset({"a": a, "b": b})
    lcs = raw.call("LCS", "a", "b")
    assert raw.call("LCS", "a", "b", "LEN") == len(lcs)
    # the LCS is a subsequence of both inputs

    def is_subseq(s, t):
        it = iter(t)
        return all(ch in it for ch in s)
    assert is_subseq(lcs, a.encode()) and is_subseq(lcs, b.encode())
    # and has the optimal length (checked with a reference DP)
    prev = [0] * (len(b) + 1)
    for i in range(1, len(a) + 1):
        cur = [0] * (len(b) + 1)
        for j in range(1, len(b) + 1):
            cur[j] = prev[j - 1] + 1 if a[i - 1] == b[j - 1] else max(prev[j], cur[j - 1])
        prev = cur
    assert len(lcs) == prev[len(b)]


# --------------------------------------------------------------------------------------------
# Generic error texts
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cmd", [
    ["GET"], ["GET", "a", "b"], ["SET", "k"], ["SET"], ["GETSET", "k"], ["GETDEL"],
    ["SETNX", "k"], ["APPEND", "k"], ["STRLEN"], ["DECR"], ["DECRBY", "k"], ["SETRANGE", "k", "0"],
    ["PSETEX", "k", "10"], ["GETRANGE", "k", "0", "1", "2"],
])
def test_wrong_arity(raw, cmd):
    assert raw.call(*cmd) == E(f"ERR wrong number of arguments for '{cmd[0].lower()}' command")


def test_wrong_arity_uses_lowercase_name(raw):
    assert raw.call("GeT") == E("ERR wrong number of arguments for 'get' command")


def test_unknown_command(raw):
    assert raw.call("foobar", "a", "b", "c d") == E(
        "ERR unknown command 'foobar', with args beginning with: 'a' 'b' 'c d' ")
    assert raw.call("foobar") == E("ERR unknown command 'foobar', with args beginning with: ")
    assert raw.call("") == E("ERR unknown command '', with args beginning with: ")
    # the case of the unknown name is kept as sent
    assert raw.call("FooBar", "x") == E(
        "ERR unknown command 'FooBar', with args beginning with: 'x' ")


def test_unknown_command_truncates_args(raw):
    # args are listed until the list reaches 128 chars; each is cut to fit in that budget
    long1, long2 = "x" * 200, "y" * 200
    assert raw.call("foobar", long1, long2) == E(
        "ERR unknown command 'foobar', with args beginning with: '" + "x" * 128 + "' ")
    args = ["a" * 50, "b" * 50, "c" * 50, "d"]
    assert raw.call("foobar", *args) == E(
        "ERR unknown command 'foobar', with args beginning with: "
        "'" + "a" * 50 + "' '" + "b" * 50 + "' '" + "c" * 22 + "' ")
    assert raw.call("z" * 200) == E(
        "ERR unknown command '" + "z" * 128 + "', with args beginning with: ")


def test_unknown_command_sanitizes_newlines(raw):
    # CR/LF inside an error message would break the protocol: Redis turns them into spaces
    assert raw.call("foo\r\nbar", "a\nb") == E(
        "ERR unknown command 'foo  bar', with args beginning with: 'a b' ")
    assert raw.call("PING") == b"PONG"


def test_errors_do_not_break_connection(raw):
    for _ in range(3):
        assert raw.call("SET", "k", "v", "NX", "XX") == SYNTAX
        assert raw.call("GET", "k") is None
    assert raw.call("SET", "k", "v") == b"OK"
    assert raw.call("GET", "k") == b"v"
