"""Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO.

Replies, error texts and argument-checking order are Redis 7.0.15's (every test also passes
against /usr/bin/redis-server). Errors are checked byte-exact through the raw connection.
"""

import functools
import glob
import os
import random
import time

import pytest
import redis

import helpers
from helpers import RespError

E = RespError
SYNTAX = E("ERR syntax error")
NOT_INT = E("ERR value is not an integer or out of range")
WRONGTYPE = E("WRONGTYPE Operation against a key holding the wrong kind of value")
BAD_OFFSET = E("ERR bit offset is not an integer or out of range")
BAD_BIT = E("ERR bit is not an integer or out of range")
BAD_BITPOS_ARG = E("ERR The bit argument must be 1 or 0.")
BAD_TYPE = E("ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not "
             "supported but i64 is.")
BAD_OVERFLOW = E("ERR Invalid OVERFLOW type specified")
RO_ONLY_GET = E("ERR BITFIELD_RO only supports the GET subcommand")
NOT_ONE_KEY = E("ERR BITOP NOT must be called with a single source key.")


def bits_of(data):
    return "".join(f"{b:08b}" for b in data)


def dirty(r):
    return r.info("persistence")["rdb_changes_since_last_save"]


# --------------------------------------------------------------------------------------------
# SETBIT / GETBIT
# --------------------------------------------------------------------------------------------

def test_setbit_creates_zero_padded_string(r):
    assert r.setbit("k", 7, 1) == 0
    assert r.get("k") == b"\x01"
    assert r.setbit("k", 17, 1) == 0
    assert r.get("k") == b"\x01\x00\x40"
    assert r.setbit("k", 17, 1) == 1
    assert r.setbit("k", 17, 0) == 1
    assert r.get("k") == b"\x01\x00\x00"
    assert r.strlen("k") == 3


def test_setbit_on_existing_encodings(r):
    r.set("s", "@")  # 0x40
    assert r.setbit("s", 1, 0) == 1
    assert r.setbit("s", 2, 1) == 0
    assert r.get("s") == b" "
    r.set("i", "1")  # int encoded: "1" is 0x31
    assert r.setbit("i", 6, 1) == 0
    assert r.get("i") == b"3"
    assert r.object("encoding", "i") == b"raw"
    r.set("big", "x" * 100)
    assert r.setbit("big", 800, 1) == 0
    assert r.get("big") == b"x" * 100 + b"\x80"


def test_setbit_unchanged_value_still_converts_to_raw(r):
    r.set("k", "12")
    assert r.setbit("k", 0, 0) == 0
    assert r.object("encoding", "k") == b"raw"
    assert r.get("k") == b"12"


def test_setbit_keeps_ttl(r):
    r.set("k", "abc", ex=100)
    r.setbit("k", 100, 1)
    assert 98 <= r.ttl("k") <= 100


def test_getbit(r):
    assert r.getbit("missing", 0) == 0
    assert r.getbit("missing", 4294967295) == 0
    r.set("k", "`")  # 0110 0000
    assert [r.getbit("k", i) for i in range(8)] == [0, 1, 1, 0, 0, 0, 0, 0]
    assert r.getbit("k", 8) == 0
    assert r.getbit("k", 1000000) == 0
    r.set("i", 5)  # "5" = 0x35 = 0011 0101
    assert [r.getbit("i", i) for i in range(8)] == [0, 0, 1, 1, 0, 1, 0, 1]


@pytest.mark.parametrize("offset", ["-1", "4294967296", "abc", "1.5", "", " 1", "+1",
                                    "9223372036854775807", "#1"])
def test_bit_offset_errors(raw, offset):
    assert raw.call("SETBIT", "k", offset, "1") == BAD_OFFSET
    assert raw.call("GETBIT", "k", offset) == BAD_OFFSET
    assert raw.call("EXISTS", "k") == 0


@pytest.mark.parametrize("bit", ["2", "-1", "a", "", "1.0", "01"])
def test_setbit_value_errors(raw, bit):
    assert raw.call("SETBIT", "k", "0", bit) == BAD_BIT
    assert raw.call("EXISTS", "k") == 0


def test_setbit_error_order(raw):
    # the offset is checked first, then the bit, then the key's type
    assert raw.call("SETBIT", "k", "-1", "2") == BAD_OFFSET
    raw.call("RPUSH", "l", "a")
    assert raw.call("SETBIT", "l", "0", "2") == BAD_BIT
    assert raw.call("SETBIT", "l", "0", "1") == WRONGTYPE
    assert raw.call("GETBIT", "l", "0") == WRONGTYPE
    assert raw.call("GETBIT", "l", "x") == BAD_OFFSET


def test_largest_offset_follows_proto_max_bulk_len(raw):
    assert raw.call("CONFIG", "SET", "proto-max-bulk-len", "1048576") == b"OK"
    try:
        assert raw.call("SETBIT", "k", "8388608", "1") == BAD_OFFSET
        assert raw.call("GETBIT", "k", "8388608") == BAD_OFFSET
        assert raw.call("SETBIT", "k", "8388607", "1") == 0
        assert raw.call("STRLEN", "k") == 1048576
        assert raw.call("GETBIT", "k", "8388607") == 1
        assert raw.call("BITCOUNT", "k") == 1
        # BITFIELD checks the field's first bit only, so a write may end past the limit
        assert raw.call("BITFIELD", "k", "SET", "u8", "8388607", "255") == [128]
        assert raw.call("STRLEN", "k") == 1048577
        assert raw.call("BITFIELD", "k", "GET", "u8", "8388608") == BAD_OFFSET
    finally:
        raw.call("CONFIG", "SET", "proto-max-bulk-len", "536870912")


def test_setbit_dirty_only_on_change(r):
    d0 = dirty(r)
    r.setbit("k", 0, 0)  # a new key always counts
    assert dirty(r) == d0 + 1
    r.setbit("k", 0, 0)
    assert dirty(r) == d0 + 1
    r.setbit("k", 0, 1)
    r.setbit("k", 0, 1)
    assert dirty(r) == d0 + 2
    r.setbit("k", 100, 0)  # lengthening counts
    assert dirty(r) == d0 + 3


def test_setbit_expired_key_is_absent(r):
    r.set("k", "\xff", px=30)
    time.sleep(0.06)
    assert r.setbit("k", 3, 1) == 0
    assert r.get("k") == b"\x10"
    assert r.ttl("k") == -1
    r.set("g", "\xff", px=30)
    time.sleep(0.06)
    assert r.getbit("g", 0) == 0
    assert r.bitcount("g") == 0
    assert r.bitpos("g", 0) == 0


def test_setbit_unchanged_does_not_touch_watch(server, r):
    r.setbit("k", 0, 1)
    other = server.client()
    try:
        with r.pipeline(transaction=True) as p:
            p.watch("k")
            other.setbit("k", 0, 1)  # no change: watchers are not invalidated
            p.multi()
            p.get("k")
            assert p.execute() == [b"\x80"]
        with r.pipeline(transaction=True) as p:
            p.watch("k")
            other.setbit("k", 0, 0)
            p.multi()
            p.get("k")
            with pytest.raises(redis.WatchError):
                p.execute()
    finally:
        other.close()


# --------------------------------------------------------------------------------------------
# BITCOUNT
# --------------------------------------------------------------------------------------------

def test_bitcount_whole_and_ranges(r):
    r.set("k", "foobar")
    assert r.bitcount("k") == 26
    assert r.bitcount("k", 0, 0) == 4
    assert r.bitcount("k", 1, 1) == 6
    assert r.bitcount("k", 1, -1) == 22
    assert r.bitcount("k", -2, -1) == 7
    assert r.bitcount("k", -100, 100) == 26
    assert r.bitcount("k", 4, 2) == 0
    assert r.bitcount("k", 6, 10) == 0
    assert r.bitcount("k", -1, -3) == 0


def test_bitcount_bit_mode(raw):
    raw.call("SET", "k", "foobar")
    assert raw.call("BITCOUNT", "k", "5", "30", "BIT") == 17
    assert raw.call("BITCOUNT", "k", "5", "30", "bit") == 17
    assert raw.call("BITCOUNT", "k", "0", "-1", "BIT") == 26
    assert raw.call("BITCOUNT", "k", "1", "1", "BIT") == 1
    assert raw.call("BITCOUNT", "k", "0", "0", "BIT") == 0
    assert raw.call("BITCOUNT", "k", "-3", "-1", "BIT") == 1
    assert raw.call("BITCOUNT", "k", "1", "1", "BYTE") == 6
    assert raw.call("BITCOUNT", "k", "47", "100", "BIT") == 0


def test_bitcount_matches_python_on_random_data(r):
    rng = random.Random(11)
    data = bytes(rng.getrandbits(8) for _ in range(5000))
    r.set("k", data)
    assert r.bitcount("k") == bits_of(data).count("1")
    for _ in range(50):
        a, b = sorted(rng.randrange(len(data) * 8) for _ in range(2))
        assert r.execute_command("BITCOUNT", "k", a, b, "BIT") == bits_of(data)[a:b + 1].count("1")
        a, b = a // 8, b // 8
        assert r.bitcount("k", a, b) == bits_of(data[a:b + 1]).count("1")


def test_bitcount_integer_encoded(r):
    r.set("k", 1234)
    assert r.bitcount("k") == bits_of(b"1234").count("1")


def test_bitcount_missing_key_answers_before_arguments(raw):
    # 7.0 looks the key up first: a missing key is 0 whatever follows
    assert raw.call("BITCOUNT", "nokey") == 0
    assert raw.call("BITCOUNT", "nokey", "a", "b") == 0
    assert raw.call("BITCOUNT", "nokey", "0") == 0
    assert raw.call("BITCOUNT", "nokey", "0", "1", "FOO") == 0


def test_bitcount_errors(raw):
    raw.call("SET", "k", "foobar")
    assert raw.call("BITCOUNT", "k", "0") == SYNTAX
    assert raw.call("BITCOUNT", "k", "0", "1", "BIT", "x") == SYNTAX
    assert raw.call("BITCOUNT", "k", "a", "1") == NOT_INT
    assert raw.call("BITCOUNT", "k", "0", "b") == NOT_INT
    assert raw.call("BITCOUNT", "k", "0", "1", "BITS") == SYNTAX
    assert raw.call("BITCOUNT", "k", "a", "1", "BITS") == NOT_INT
    # 7.0 answers "start > end, both negative" before looking at the unit word
    assert raw.call("BITCOUNT", "k", "-1", "-5", "FOO") == 0
    raw.call("RPUSH", "l", "a")
    assert raw.call("BITCOUNT", "l") == WRONGTYPE
    assert raw.call("BITCOUNT", "l", "x", "y") == WRONGTYPE
    assert raw.call("BITCOUNT") == E("ERR wrong number of arguments for 'bitcount' command")


# --------------------------------------------------------------------------------------------
# BITPOS
# --------------------------------------------------------------------------------------------

def test_bitpos_basic(r):
    r.set("k", b"\xff\xf0\x00")
    assert r.bitpos("k", 0) == 12
    assert r.bitpos("k", 1) == 0
    assert r.bitpos("k", 0, 2) == 16
    assert r.bitpos("k", 1, 2) == -1
    assert r.bitpos("k", 1, 1) == 8
    assert r.bitpos("k", 1, -1) == -1
    assert r.bitpos("k", 0, -2, -1) == 12


def test_bitpos_clear_bit_beyond_end(r):
    r.set("k", b"\xff\xff\xff")
    assert r.bitpos("k", 0) == 24  # no end given: the string is zero-padded
    assert r.bitpos("k", 0, 0) == 24
    assert r.bitpos("k", 0, 1) == 24
    assert r.bitpos("k", 0, 0, -1) == -1  # explicit end: only the range counts
    assert r.bitpos("k", 0, 0, 2) == -1
    assert r.execute_command("BITPOS", "k", 0, 0, -1, "BIT") == -1
    assert r.bitpos("k", 0, 3) == -1  # start past the end: empty range


def test_bitpos_bit_mode(raw):
    raw.call("SET", "k", b"\x00\xff\x00")
    assert raw.call("BITPOS", "k", "1", "7", "15", "BIT") == 8
    assert raw.call("BITPOS", "k", "1", "9", "12", "BIT") == 9
    assert raw.call("BITPOS", "k", "0", "9", "15", "BIT") == -1
    assert raw.call("BITPOS", "k", "0", "9", "16", "BIT") == 16
    assert raw.call("BITPOS", "k", "1", "16", "-1", "BIT") == -1
    assert raw.call("BITPOS", "k", "0", "3", "3", "bit") == 3
    assert raw.call("BITPOS", "k", "1", "-10", "-1", "BIT") == 14
    assert raw.call("BITPOS", "k", "1", "1", "1", "BYTE") == 8
    assert raw.call("BITPOS", "k", "1", "5", "2", "BIT") == -1


def test_bitpos_random_against_python(r):
    rng = random.Random(5)
    for _ in range(40):
        n = rng.randrange(1, 40)
        data = bytes(rng.choice([0, 255, rng.getrandbits(8)]) for _ in range(n))
        r.set("k", data)
        bits = bits_of(data)
        for _ in range(10):
            bit = rng.randrange(2)
            a, b = sorted(rng.randrange(n * 8) for _ in range(2))
            want = bits.find(str(bit), a, b + 1)
            assert r.execute_command("BITPOS", "k", bit, a, b, "BIT") == want
            sa, sb = a // 8, b // 8
            want = bits.find(str(bit), sa * 8, sb * 8 + 8)
            assert r.bitpos("k", bit, sa, sb) == want
            want = bits.find(str(bit), sa * 8)
            if want < 0 and bit == 0:
                want = n * 8
            assert r.bitpos("k", bit, sa) == want


def test_bitpos_missing_and_empty(raw):
    assert raw.call("BITPOS", "nokey", "0") == 0
    assert raw.call("BITPOS", "nokey", "1") == -1
    # 7.0: a missing key answers before the range is parsed
    assert raw.call("BITPOS", "nokey", "1", "a") == -1
    assert raw.call("BITPOS", "nokey", "0", "1", "2", "FOO") == 0
    raw.call("SET", "empty", "")
    assert raw.call("BITPOS", "empty", "0") == -1
    assert raw.call("BITPOS", "empty", "1") == -1
    assert raw.call("BITPOS", "empty", "0", "0") == -1


def test_bitpos_integer_encoded(r):
    r.set("k", 10)  # "10" = 0x31 0x30
    assert r.bitpos("k", 1) == 2
    assert r.bitpos("k", 0) == 0
    assert r.bitpos("k", 1, 1) == 10


def test_bitpos_errors(raw):
    raw.call("SET", "k", "abc")
    assert raw.call("BITPOS", "k", "2") == BAD_BITPOS_ARG
    assert raw.call("BITPOS", "nokey", "2") == BAD_BITPOS_ARG
    assert raw.call("BITPOS", "k", "x") == NOT_INT
    assert raw.call("BITPOS", "k", "1", "a") == NOT_INT
    assert raw.call("BITPOS", "k", "1", "0", "a") == NOT_INT
    assert raw.call("BITPOS", "k", "1", "0", "1", "FOO") == SYNTAX
    # the unit word is checked before the end
    assert raw.call("BITPOS", "k", "1", "0", "a", "FOO") == SYNTAX
    assert raw.call("BITPOS", "k", "1", "a", "1", "FOO") == NOT_INT
    assert raw.call("BITPOS", "k", "1", "0", "1", "BIT", "x") == SYNTAX
    raw.call("RPUSH", "l", "a")
    assert raw.call("BITPOS", "l", "1") == WRONGTYPE
    assert raw.call("BITPOS", "l", "1", "x") == WRONGTYPE
    assert raw.call("BITPOS", "l", "2") == BAD_BITPOS_ARG


# --------------------------------------------------------------------------------------------
# BITOP
# --------------------------------------------------------------------------------------------

def test_bitop_operations(r):
    r.set("a", b"\xf0\x0f\xff")
    r.set("b", b"\x3c")
    assert r.bitop("AND", "d", "a", "b") == 3
    assert r.get("d") == b"\x30\x00\x00"
    assert r.bitop("OR", "d", "a", "b") == 3
    assert r.get("d") == b"\xfc\x0f\xff"
    assert r.bitop("XOR", "d", "a", "b") == 3
    assert r.get("d") == b"\xcc\x0f\xff"
    assert r.bitop("NOT", "d", "b") == 1
    assert r.get("d") == b"\xc3"
    assert r.bitop("and", "d", "a", "nokey") == 3
    assert r.get("d") == b"\x00\x00\x00"
    assert r.bitop("Or", "d", "nokey", "b") == 1
    assert r.get("d") == b"\x3c"


def test_bitop_long_and_many_sources(r):
    rng = random.Random(3)
    srcs = [bytes(rng.getrandbits(8) for _ in range(rng.randrange(0, 3000))) for _ in range(5)]
    for i, s in enumerate(srcs):
        r.set(f"s{i}", s)
    n = max(len(s) for s in srcs)
    padded = [s + b"\x00" * (n - len(s)) for s in srcs]
    ops = {"AND": lambda x, y: x & y, "OR": lambda x, y: x | y, "XOR": lambda x, y: x ^ y}
    for name, f in ops.items():
        assert r.bitop(name, "d", *[f"s{i}" for i in range(5)]) == n
        want = bytes(functools.reduce(f, col) for col in zip(*padded))
        assert r.get("d") == want


def test_bitop_empty_result_deletes_dest(r):
    r.set("d", "old")
    r.set("empty", "")
    assert r.bitop("AND", "d", "nokey", "nokey2") == 0
    assert r.exists("d") == 0
    r.set("d", "old")
    assert r.bitop("NOT", "d", "empty") == 0
    assert r.exists("d") == 0
    d0 = dirty(r)
    assert r.bitop("OR", "d", "nokey") == 0  # nothing deleted: not a change
    assert dirty(r) == d0


def test_bitop_overwrites_dest_and_clears_ttl(r):
    r.set("a", "x")
    r.rpush("d", "1", "2")
    assert r.bitop("OR", "d", "a") == 1
    assert r.type("d") == b"string"
    assert r.get("d") == b"x"
    r.set("e", "zzz", ex=100)
    assert r.bitop("OR", "e", "a") == 1
    assert r.ttl("e") == -1
    assert r.object("encoding", "e") == b"raw"


def test_bitop_dest_is_a_source(r):
    r.set("a", b"\x0f")
    assert r.bitop("NOT", "a", "a") == 1
    assert r.get("a") == b"\xf0"
    r.set("b", b"\x01\x02")
    assert r.bitop("XOR", "a", "a", "b") == 2
    assert r.get("a") == b"\xf1\x02"


def test_bitop_integer_sources(r):
    r.set("a", 1)
    r.set("b", 22)
    assert r.bitop("OR", "d", "a", "b") == 2
    assert r.get("d") == bytes([ord("1") | ord("2"), ord("2")])


def test_bitop_errors(raw):
    raw.call("SET", "a", "x")
    raw.call("RPUSH", "l", "a")
    assert raw.call("BITOP", "FOO", "d", "a") == SYNTAX
    assert raw.call("BITOP", "ANDX", "d", "a") == SYNTAX
    assert raw.call("BITOP", "NOT", "d", "a", "a") == NOT_ONE_KEY
    assert raw.call("BITOP", "NOT", "d") == E("ERR wrong number of arguments for 'bitop' command")
    assert raw.call("BITOP", "AND", "d", "a", "l") == WRONGTYPE
    assert raw.call("BITOP", "NOT", "d", "l") == WRONGTYPE
    assert raw.call("EXISTS", "d") == 0
    # a list destination is simply overwritten
    assert raw.call("BITOP", "AND", "l", "a") == 1
    assert raw.call("TYPE", "l") == b"string"


# --------------------------------------------------------------------------------------------
# BITFIELD / BITFIELD_RO
# --------------------------------------------------------------------------------------------

def bf(raw, *args):
    return raw.call("BITFIELD", *args)


def test_bitfield_set_get_signed_unsigned(raw):
    assert bf(raw, "k", "SET", "i8", "0", "-100", "GET", "i8", "0") == [0, -100]
    assert bf(raw, "k", "SET", "u8", "0", "255", "GET", "u8", "0") == [156, 255]
    assert bf(raw, "k", "GET", "i8", "0", "GET", "u4", "0", "GET", "i4", "4") == [-1, 15, -1]
    assert bf(raw, "k", "SET", "u2", "100", "3", "GET", "u2", "100") == [0, 3]
    assert raw.call("STRLEN", "k") == 13


def test_bitfield_hash_offsets(raw):
    assert bf(raw, "k", "SET", "u8", "#1", "5", "SET", "u8", "#0", "7") == [0, 0]
    assert raw.call("GET", "k") == b"\x07\x05"
    assert bf(raw, "k", "GET", "u4", "#3", "GET", "i16", "#0") == [5, 0x0705]


def test_bitfield_incrby(raw):
    assert bf(raw, "k", "INCRBY", "u8", "0", "100", "INCRBY", "u8", "0", "100") == [100, 200]
    assert bf(raw, "k", "INCRBY", "i5", "100", "1", "INCRBY", "i5", "100", "-3") == [1, -2]


def test_bitfield_overflow_modes(raw):
    assert bf(raw, "k", "SET", "u8", "0", "250", "INCRBY", "u8", "0", "10") == [0, 4]
    assert bf(raw, "k", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "300") == [255]
    assert bf(raw, "k", "OVERFLOW", "SAT", "INCRBY", "u8", "0", "-300") == [0]
    assert bf(raw, "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "-1", "GET", "u8", "0") == [
        None, 0]
    assert bf(raw, "k", "OVERFLOW", "wrap", "INCRBY", "i8", "0", "128") == [-128]
    assert bf(raw, "k", "OVERFLOW", "sat", "INCRBY", "i8", "0", "-1") == [-128]
    assert bf(raw, "k", "OVERFLOW", "sat", "INCRBY", "i8", "0", "1000") == [127]
    # OVERFLOW applies to the operations after it only
    assert bf(raw, "k", "INCRBY", "i8", "0", "1", "OVERFLOW", "FAIL", "INCRBY", "i8", "0", "1",
              "OVERFLOW", "SAT", "INCRBY", "i8", "0", "1") == [-128, -127, -126]
    # SET values out of range
    assert bf(raw, "k", "OVERFLOW", "SAT", "SET", "i8", "0", "300", "GET", "i8", "0") == [-126,
                                                                                          127]
    assert bf(raw, "k", "OVERFLOW", "SAT", "SET", "u8", "0", "-1", "GET", "u8", "0") == [127, 255]
    assert bf(raw, "k", "OVERFLOW", "FAIL", "SET", "u8", "0", "256", "GET", "u8", "0") == [None,
                                                                                           255]
    assert bf(raw, "k", "SET", "i8", "0", "-129", "GET", "i8", "0") == [-1, 127]
    assert bf(raw, "k", "OVERFLOW", "SAT", "SET", "i8", "0", "-9223372036854775808",
              "GET", "i8", "0") == [127, 127]


def test_bitfield_64_bit(raw):
    mx, mn = "9223372036854775807", "-9223372036854775808"
    assert bf(raw, "k", "SET", "i64", "0", mx, "INCRBY", "i64", "0", "1") == [0, int(mn)]
    assert bf(raw, "k", "OVERFLOW", "SAT", "INCRBY", "i64", "0", "-1") == [int(mn)]
    assert bf(raw, "k", "OVERFLOW", "SAT", "INCRBY", "i64", "0", mx) == [-1]
    assert bf(raw, "k", "SET", "u63", "1", mx, "GET", "u63", "1", "GET", "i64", "0") == [
        int(mx), int(mx), -1]
    assert bf(raw, "k", "OVERFLOW", "FAIL", "INCRBY", "u63", "1", "1") == [None]
    assert bf(raw, "k", "GET", "i64", "3", "GET", "u63", "5") == [-8, (1 << 63) - 16]


def test_bitfield_get_reads_past_end_as_zero(raw):
    raw.call("SET", "k", b"\xff")
    assert bf(raw, "k", "GET", "u16", "0", "GET", "i8", "4", "GET", "u8", "1000") == [
        0xff00, -16, 0]
    assert bf(raw, "nokey", "GET", "u8", "0") == [0]
    assert raw.call("EXISTS", "nokey") == 0


def test_bitfield_integer_encoded(raw):
    raw.call("SET", "k", "7")  # 0x37
    assert bf(raw, "k", "GET", "u8", "0") == [0x37]
    assert bf(raw, "k", "INCRBY", "u8", "0", "1") == [0x38]
    assert raw.call("GET", "k") == b"8"


def test_bitfield_no_ops(raw):
    assert bf(raw, "k") == []
    assert raw.call("EXISTS", "k") == 0
    assert raw.call("BITFIELD_RO", "k") == []
    raw.call("RPUSH", "l", "a")
    assert bf(raw, "l") == WRONGTYPE
    assert raw.call("BITFIELD_RO", "l") == WRONGTYPE


def test_bitfield_failed_write_still_creates_key(raw, r):
    d0 = dirty(r)
    assert bf(raw, "k", "OVERFLOW", "FAIL", "SET", "u2", "10", "100") == [None]
    assert raw.call("GET", "k") == b"\x00\x00"
    assert dirty(r) == d0  # but nothing counted as a change


def test_bitfield_dirty(r, raw):
    d0 = dirty(r)
    bf(raw, "k", "SET", "i5", "0", "0")
    assert dirty(r) == d0 + 1  # new key
    bf(raw, "k", "SET", "i5", "0", "0")
    assert dirty(r) == d0 + 1
    bf(raw, "k", "SET", "i5", "0", "1", "SET", "i5", "0", "2", "GET", "u8", "0")
    assert dirty(r) == d0 + 3  # one per change
    bf(raw, "k", "INCRBY", "i5", "0", "0")
    assert dirty(r) == d0 + 3
    bf(raw, "k", "SET", "i5", "90", "0")
    assert dirty(r) == d0 + 4  # lengthening


@pytest.mark.parametrize("typ", ["u64", "i65", "i0", "u0", "x8", "I8", "U8", "u08", "u", "",
                                 "u-1", "i 8", "8"])
def test_bitfield_type_errors(raw, typ):
    assert bf(raw, "k", "GET", typ, "0") == BAD_TYPE
    assert bf(raw, "k", "SET", typ, "0", "1") == BAD_TYPE
    assert raw.call("EXISTS", "k") == 0


@pytest.mark.parametrize("offset", ["-1", "#-1", "abc", "#", "##1", "4294967296", "#67108864",
                                    "#9223372036854775807", " 1"])
def test_bitfield_offset_errors(raw, offset):
    assert bf(raw, "k", "GET", "i64", offset) == BAD_OFFSET
    assert bf(raw, "k", "SET", "i64", offset, "1") == BAD_OFFSET


def test_bitfield_offset_limits(raw):
    assert bf(raw, "k", "GET", "i64", "#67108863") == [0]
    assert bf(raw, "k", "GET", "u8", "4294967295") == [0]
    # Redis 7.0 multiplies "#N" without an overflow check: a product wrapping to a small
    # positive offset is accepted
    assert bf(raw, "k", "GET", "i4", "#4611686018427387905") == [0]


def test_bitfield_syntax_errors(raw):
    assert bf(raw, "k", "FOO") == SYNTAX
    assert bf(raw, "k", "GET") == SYNTAX
    assert bf(raw, "k", "GET", "u8") == SYNTAX
    assert bf(raw, "k", "SET", "u8", "0") == SYNTAX
    assert bf(raw, "k", "INCRBY", "u8", "0") == SYNTAX
    assert bf(raw, "k", "OVERFLOW") == SYNTAX
    assert bf(raw, "k", "OVERFLOW", "FOO") == BAD_OVERFLOW
    assert bf(raw, "k", "GET", "u8", "0", "OVERFLOW", "SATX", "GET", "u8", "0") == BAD_OVERFLOW
    assert bf(raw, "k", "SET", "u8", "0", "a") == NOT_INT
    assert bf(raw, "k", "INCRBY", "u8", "0", "1.5") == NOT_INT
    # every op is parsed before anything runs
    assert bf(raw, "k", "SET", "u8", "0", "1", "FOO") == SYNTAX
    assert raw.call("EXISTS", "k") == 0
    raw.call("RPUSH", "l", "a")
    assert bf(raw, "l", "GET", "u8", "a") == BAD_OFFSET
    assert bf(raw, "l", "GET", "u8", "0") == WRONGTYPE
    assert bf(raw, "l", "SET", "u8", "0", "1") == WRONGTYPE
    assert raw.call("BITFIELD") == E("ERR wrong number of arguments for 'bitfield' command")


def test_bitfield_ro(raw):
    raw.call("SET", "k", b"\x80")
    assert raw.call("BITFIELD_RO", "k", "GET", "u8", "0", "GET", "i1", "#0") == [128, -1]
    assert raw.call("BITFIELD_RO", "k", "OVERFLOW", "SAT", "GET", "u8", "0") == [128]
    assert raw.call("BITFIELD_RO", "k", "GET", "u8", "0", "SET", "u8", "0", "1") == RO_ONLY_GET
    assert raw.call("BITFIELD_RO", "k", "INCRBY", "u8", "0", "1") == RO_ONLY_GET
    assert raw.call("BITFIELD_RO", "k", "GET", "u8", "0", "FOO") == SYNTAX
    assert raw.call("BITFIELD_RO", "k", "SET", "u8", "0", "x") == NOT_INT
    raw.call("RPUSH", "l", "a")
    assert raw.call("BITFIELD_RO", "l", "SET", "u8", "0", "1") == RO_ONLY_GET
    assert raw.call("BITFIELD_RO", "l", "GET", "u8", "0") == WRONGTYPE
    assert raw.call("GET", "k") == b"\x80"


def test_bitfield_resp3_nil(r3):
    assert r3.call("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u1", "0", "2") == [None]
    r3.send_command("BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u1", "0", "2")
    assert r3.read_reply_raw() == b"*1\r\n_\r\n"


# --------------------------------------------------------------------------------------------
# Metadata, arity, propagation
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cmd,arity,flags,keys,acl", [
    ("setbit", 4, [b"write", b"denyoom"], (1, 1, 1), [b"@write", b"@bitmap", b"@slow"]),
    ("getbit", 3, [b"readonly", b"fast"], (1, 1, 1), [b"@read", b"@bitmap", b"@fast"]),
    ("bitcount", -2, [b"readonly"], (1, 1, 1), [b"@read", b"@bitmap", b"@slow"]),
    ("bitpos", -3, [b"readonly"], (1, 1, 1), [b"@read", b"@bitmap", b"@slow"]),
    ("bitop", -4, [b"write", b"denyoom"], (2, -1, 1), [b"@write", b"@bitmap", b"@slow"]),
    ("bitfield", -2, [b"write", b"denyoom"], (1, 1, 1), [b"@write", b"@bitmap", b"@slow"]),
    ("bitfield_ro", -2, [b"readonly", b"fast"], (1, 1, 1), [b"@read", b"@bitmap", b"@fast"]),
])
def test_command_info(raw, cmd, arity, flags, keys, acl):
    info = raw.call("COMMAND", "INFO", cmd)[0]
    assert info[0] == cmd.encode()
    assert info[1] == arity
    assert info[2] == flags
    assert tuple(info[3:6]) == keys
    assert info[6] == acl
    docs = raw.call("COMMAND", "DOCS", cmd)
    doc = dict(zip(docs[1][0::2], docs[1][1::2]))
    assert doc[b"group"] == b"bitmap"


@pytest.mark.parametrize("args", [["SETBIT", "k", "0"], ["GETBIT", "k"], ["BITPOS", "k"],
                                  ["BITOP", "AND", "d"], ["SETBIT", "k", "0", "1", "x"],
                                  ["GETBIT", "k", "0", "x"]])
def test_wrong_arity(raw, args):
    assert raw.call(*args) == E(
        f"ERR wrong number of arguments for '{args[0].lower()}' command")


def read_aof_commands(directory):
    """All commands of the incremental AOF files under `directory`, in order."""
    cmds = []
    for path in sorted(glob.glob(os.path.join(directory, "appendonlydir", "*.incr.aof"))):
        data = open(path, "rb").read()
        pos = 0
        while pos < len(data):
            value, pos = helpers.parse_reply(data, pos)
            cmds.append([v.decode() for v in value])
    return [c for c in cmds if c[0].upper() != "SELECT"]


def test_propagation_to_aof(spawn, tmp_path):
    srv = spawn("--appendonly", "yes", "--appendfsync", "always")
    c = srv.raw()
    try:
        c.call("SETBIT", "b", "3", "1")
        c.call("SETBIT", "b", "3", "1")  # unchanged: not propagated
        c.call("BITFIELD", "f", "SET", "u8", "0", "7", "GET", "u8", "0")
        c.call("BITFIELD", "f", "SET", "u8", "0", "7")  # unchanged
        c.call("BITFIELD", "g", "OVERFLOW", "FAIL", "SET", "u2", "0", "9")  # no change
        c.call("BITFIELD_RO", "f", "GET", "u8", "0")
        c.call("BITOP", "OR", "d", "b", "f")
        c.call("BITOP", "AND", "d", "nokey")  # deletes d
        c.call("BITOP", "AND", "d", "nokey")  # nothing to delete
        c.call("GETBIT", "b", "3")
        c.call("BITCOUNT", "b")
        time.sleep(0.2)
        got = read_aof_commands(tmp_path)
        assert got == [
            ["SETBIT", "b", "3", "1"],
            ["BITFIELD", "f", "SET", "u8", "0", "7", "GET", "u8", "0"],
            ["BITOP", "OR", "d", "b", "f"],
            ["BITOP", "AND", "d", "nokey"],
        ]
        # the log replays to the same data
        before = [c.call("GET", k) for k in ("b", "f", "d", "g")]
        assert c.call("DEBUG", "LOADAOF") == b"OK"
        after = [c.call("GET", k) for k in ("b", "f", "d", "g")]
        assert before[:3] == after[:3]
    finally:
        c.close()
