"""Set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER
SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN, their encodings (intset /
hashtable and the one-way conversion), RESP3 set replies and errors."""

import collections
import glob
import os
import random
import time

import pytest

import helpers
from helpers import RespError, RespSet

E = RespError
SYNTAX = E("ERR syntax error")
NOT_INT = E("ERR value is not an integer or out of range")
WRONGTYPE = E("WRONGTYPE Operation against a key holding the wrong kind of value")
NOT_POSITIVE = E("ERR value is out of range, must be positive")

SET_COMMANDS = ["SADD", "SREM", "SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD", "SPOP",
                "SRANDMEMBER", "SMOVE", "SINTER", "SINTERCARD", "SINTERSTORE", "SUNION",
                "SUNIONSTORE", "SDIFF", "SDIFFSTORE", "SSCAN"]


def is_redis():
    return helpers.server_binary() == helpers.REDIS_SERVER


def members(r, key):
    return set(r.smembers(key))


def encoding(r, key):
    return r.object("encoding", key)


@pytest.fixture
def intset_max(r):
    """Restores set-max-intset-entries after a test that changes it."""
    old = r.config_get("set-max-intset-entries")["set-max-intset-entries"]
    yield
    r.config_set("set-max-intset-entries", old)


# --------------------------------------------------------------------------------------------
# SADD / SCARD / SISMEMBER / SMISMEMBER / SMEMBERS / SREM
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, items", [("hashtable", [b"foo", b"bar"]),
                                         ("intset", [b"17", b"16"])])
def test_basics(r, kind, items):
    a, b = items
    assert r.sadd("s", a) == 1
    assert encoding(r, "s") == kind.encode()
    assert r.sadd("s", b) == 1
    assert r.sadd("s", b) == 0
    assert r.scard("s") == 2
    assert r.sismember("s", a) == 1
    assert r.sismember("s", b"nope") == 0
    assert r.sismember("s", b"18") == 0
    assert r.smismember("s", a, b"nope", b) == [1, 0, 1]
    assert members(r, "s") == {a, b}
    assert r.type("s") == b"set"


def test_variadic_sadd_srem(r):
    assert r.sadd("s", "a", "b", "c") == 3
    assert r.sadd("s", "A", "a", "b", "c", "B") == 2
    assert members(r, "s") == {b"a", b"b", b"c", b"A", b"B"}
    assert r.srem("s", "k", "k", "k") == 0
    assert r.srem("s", "b", "B", "x", "b") == 2
    assert members(r, "s") == {b"a", b"c", b"A"}


def test_srem_deletes_empty_key(r):
    r.sadd("s", 1, 2, 3)
    assert r.srem("s", 1, 2, 3, 4, 5, 6) == 3
    assert r.exists("s") == 0
    r.sadd("h", "a")
    assert r.srem("h", "a") == 1
    assert r.exists("h") == 0
    assert r.srem("missing", "a") == 0


def test_missing_key_reads(raw):
    assert raw.call("SCARD", "nokey") == 0
    assert raw.call("SISMEMBER", "nokey", "a") == 0
    assert raw.call("SMISMEMBER", "nokey", "a", "b") == [0, 0]
    assert raw.call_raw("SMEMBERS", "nokey") == b"*0\r\n"
    assert raw.call_raw("SPOP", "nokey") == b"$-1\r\n"
    assert raw.call_raw("SRANDMEMBER", "nokey") == b"$-1\r\n"
    assert raw.call_raw("SPOP", "nokey", "3") == b"*0\r\n"
    assert raw.call_raw("SRANDMEMBER", "nokey", "3") == b"*0\r\n"
    assert raw.call_raw("SRANDMEMBER", "nokey", "-3") == b"*0\r\n"
    assert raw.call_raw("SSCAN", "nokey", "0") == b"*2\r\n$1\r\n0\r\n*0\r\n"


def test_binary_and_edge_members(r):
    weird = [b"", b"\x00", b"a\x00b", b"\r\n", b"\xff" * 3, b"x" * 253, b"y" * 254,
             b"z" * 70000]
    assert r.sadd("s", *weird) == len(weird)
    assert members(r, "s") == set(weird)
    for m in weird:
        assert r.sismember("s", m) == 1
    assert r.srem("s", b"") == 1
    assert r.sismember("s", b"") == 0
    assert r.scard("s") == len(weird) - 1


# --------------------------------------------------------------------------------------------
# Encodings
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("member", ["007", "+1", " 1", "1 ", "-0", "1.0", "0x10", "",
                                    "9223372036854775808", "-9223372036854775809",
                                    "213244124402402314402033402"])
def test_non_canonical_integers_are_strings(r, member):
    r.sadd("s", member)
    assert encoding(r, "s") == b"hashtable"
    assert r.sismember("s", member) == 1


@pytest.mark.parametrize("member", ["0", "-1", "32767", "-32768", "65536", "-2147483649",
                                    "9223372036854775807", "-9223372036854775808"])
def test_integers_stay_intset(r, member):
    r.sadd("s", "1", member)
    assert encoding(r, "s") == b"intset"
    assert r.sismember("s", member) == 1
    assert members(r, "s") == {b"1", member.encode()}


def test_intset_widening_keeps_members(r, raw):
    vals = [1, -2, 40000, -70000, 5000000000, -9223372036854775808, 9223372036854775807, 3]
    for v in vals:
        r.sadd("s", v)
    assert encoding(r, "s") == b"intset"
    assert members(r, "s") == {str(v).encode() for v in vals}
    assert r.smembers("s") == {str(v).encode() for v in vals}
    # intsets reply in increasing order, like Redis
    assert [int(x) for x in raw.call("SMEMBERS", "s")] == sorted(vals)


def test_non_integer_converts_and_never_back(r):
    r.sadd("s", 1, 2, 3)
    assert encoding(r, "s") == b"intset"
    assert r.sadd("s", "a") == 1
    assert encoding(r, "s") == b"hashtable"
    r.srem("s", "a")
    assert encoding(r, "s") == b"hashtable"
    assert members(r, "s") == {b"1", b"2", b"3"}


def test_intset_max_entries(r, intset_max):
    assert r.config_get("set-max-intset-entries")["set-max-intset-entries"] in ("512", b"512")
    for i in range(512):
        r.sadd("s", i)
    assert encoding(r, "s") == b"intset"
    assert r.sadd("s", 512) == 1
    assert encoding(r, "s") == b"hashtable"
    assert r.scard("s") == 513
    # re-adding an existing member of a full intset does not convert
    r.config_set("set-max-intset-entries", 3)
    r.sadd("t", 1, 2, 3)
    assert encoding(r, "t") == b"intset"
    assert r.sadd("t", 3) == 0
    assert encoding(r, "t") == b"intset"
    assert r.sadd("t", 4) == 1
    assert encoding(r, "t") == b"hashtable"
    # a variadic SADD past the limit converts; zero means "never an intset"
    r.sadd("u", *range(10))
    assert encoding(r, "u") == b"hashtable"
    r.config_set("set-max-intset-entries", 0)
    r.sadd("v", 1)
    assert encoding(r, "v") == b"hashtable"


def test_copy_keeps_encoding_and_is_independent(r):
    r.sadd("i", 1, 2, 3)
    r.sadd("h", "a", "b")
    assert r.copy("i", "i2") == 1
    assert r.copy("h", "h2") == 1
    assert encoding(r, "i2") == b"intset"
    assert encoding(r, "h2") == b"hashtable"
    r.sadd("i2", 4)
    r.srem("h2", "a")
    assert members(r, "i") == {b"1", b"2", b"3"}
    assert members(r, "h") == {b"a", b"b"}
    assert members(r, "h2") == {b"b"}


def test_rename_move_del_memory(r):
    r.sadd("s", "a", "b")
    r.rename("s", "t")
    assert members(r, "t") == {b"a", b"b"}
    assert r.move("t", 1) == 1
    r.execute_command("SELECT", 1)
    assert members(r, "t") == {b"a", b"b"}
    assert r.memory_usage("t") > 0
    r.sadd("i", 1, 2)
    assert r.memory_usage("i") > 0
    assert r.delete("t", "i") == 2
    r.execute_command("SELECT", 0)


def test_expired_set_is_gone(r):
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        r.sadd("s", "a", "b")
        r.pexpire("s", 1)
        helpers.wait_for(lambda: r.pttl("s") == -2, timeout=2)
        assert r.scard("s") == 0
        assert r.sadd("s", "c") == 1
        assert members(r, "s") == {b"c"}
        assert r.ttl("s") == -1
    finally:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


# --------------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------------

def test_wrongtype(raw):
    raw.call("SET", "str", "x")
    raw.call("SADD", "set", "a")
    cases = [["SADD", "str", "a"], ["SREM", "str", "a"], ["SMEMBERS", "str"],
             ["SISMEMBER", "str", "a"], ["SMISMEMBER", "str", "a"], ["SCARD", "str"],
             ["SPOP", "str"], ["SPOP", "str", "2"], ["SRANDMEMBER", "str"],
             ["SRANDMEMBER", "str", "2"], ["SMOVE", "str", "set", "a"],
             ["SMOVE", "set", "str", "a"], ["SINTER", "set", "str"], ["SINTER", "str", "nokey"],
             ["SINTERCARD", "2", "set", "str"], ["SINTERSTORE", "d", "set", "str"],
             ["SUNION", "nokey", "str"], ["SUNIONSTORE", "d", "str"], ["SDIFF", "set", "str"],
             ["SDIFF", "nokey", "str"], ["SDIFFSTORE", "d", "str", "set"], ["SSCAN", "str", "0"]]
    for c in cases:
        assert raw.call(*c) == WRONGTYPE, c
    assert raw.call("EXISTS", "d") == 0
    # SMOVE with a missing source answers 0 before looking at the destination's type
    assert raw.call("SMOVE", "nokey", "str", "a") == 0


def test_arity(raw):
    minimal = [["SADD", "k", "m"], ["SREM", "k", "m"], ["SMEMBERS", "k"], ["SISMEMBER", "k", "m"],
               ["SMISMEMBER", "k", "m"], ["SCARD", "k"], ["SPOP", "k"], ["SRANDMEMBER", "k"],
               ["SMOVE", "a", "b", "m"], ["SINTER", "k"], ["SINTERCARD", "1", "k"],
               ["SINTERSTORE", "d", "k"], ["SUNION", "k"], ["SUNIONSTORE", "d", "k"],
               ["SDIFF", "k"], ["SDIFFSTORE", "d", "k"], ["SSCAN", "k", "0"]]
    assert sorted(c[0] for c in minimal) == sorted(SET_COMMANDS)
    for args in minimal:
        cmd = args[0].lower()
        assert raw.call(*args[:-1]) == E(f"ERR wrong number of arguments for '{cmd}' command")
    for args in (["SMEMBERS", "a", "b"], ["SCARD", "a", "b"], ["SISMEMBER", "a", "b", "c"],
                 ["SMOVE", "a", "b", "c", "d"]):
        cmd = args[0].lower()
        assert raw.call(*args) == E(f"ERR wrong number of arguments for '{cmd}' command")


def test_spop_srandmember_count_errors(raw):
    raw.call("SADD", "s", "a", "b")
    assert raw.call("SPOP", "s", "1", "2") == SYNTAX
    assert raw.call("SRANDMEMBER", "s", "1", "2") == SYNTAX
    assert raw.call("SPOP", "s", "-1") == NOT_POSITIVE
    assert raw.call("SPOP", "s", "abc") == NOT_POSITIVE
    assert raw.call("SPOP", "nokey", "-1") == NOT_POSITIVE  # count is checked first
    assert raw.call("SRANDMEMBER", "s", "abc") == NOT_INT
    assert raw.call("SRANDMEMBER", "s", "1.5") == NOT_INT
    assert raw.call("SRANDMEMBER", "s", "-9223372036854775808") == E(
        "ERR value is out of range, value must between -9223372036854775807 and "
        "9223372036854775807")
    assert raw.call("SRANDMEMBER", "nokey", "abc") == NOT_INT
    assert raw.call("SCARD", "s") == 2


def test_sintercard_errors(raw):
    wrong = E("ERR wrong number of arguments for 'sintercard' command")
    assert raw.call("SINTERCARD") == wrong
    assert raw.call("SINTERCARD", "1") == wrong
    numkeys = E("ERR numkeys should be greater than 0")
    assert raw.call("SINTERCARD", "0", "s") == numkeys
    assert raw.call("SINTERCARD", "a", "s") == numkeys
    assert raw.call("SINTERCARD", "-1", "s") == numkeys
    toomany = E("ERR Number of keys can't be greater than number of args")
    assert raw.call("SINTERCARD", "2", "s") == toomany
    assert raw.call("SINTERCARD", "3", "s", "t") == toomany
    assert raw.call("SINTERCARD", "1", "s", "t") == SYNTAX
    assert raw.call("SINTERCARD", "1", "s", "LIMIT") == SYNTAX
    assert raw.call("SINTERCARD", "1", "s", "LIMIT", "1", "extra") == SYNTAX
    neg = E("ERR LIMIT can't be negative")
    assert raw.call("SINTERCARD", "1", "s", "LIMIT", "-1") == neg
    assert raw.call("SINTERCARD", "1", "s", "LIMIT", "a") == neg


def test_sscan_errors(raw):
    raw.call("SADD", "s", "a", "b")
    invalid = E("ERR invalid cursor")
    for cur in ["abc", " 1", "1 ", "1.5", "18446744073709551616", "\t0"]:
        assert raw.call("SSCAN", "s", cur) == invalid, cur
    assert raw.call("SSCAN", "nokey", "x") == invalid  # cursor checked before the key
    assert raw.call("SSCAN", "s", "0", "COUNT", "0") == SYNTAX
    assert raw.call("SSCAN", "s", "0", "COUNT", "-1") == SYNTAX
    assert raw.call("SSCAN", "s", "0", "COUNT", "x") == NOT_INT
    assert raw.call("SSCAN", "s", "0", "COUNT") == SYNTAX
    assert raw.call("SSCAN", "s", "0", "MATCH") == SYNTAX
    assert raw.call("SSCAN", "s", "0", "TYPE", "set") == SYNTAX
    assert raw.call("SSCAN", "s", "0", "FOO", "bar") == SYNTAX
    # a missing key answers the empty scan before options are parsed
    assert raw.call("SSCAN", "nokey", "0", "COUNT", "0") == [b"0", []]
    # strtoul's leniency: '+', '-' (negated) and the empty string are cursors
    for cur in ["+0", "", "-0", "0\x00junk"]:
        reply = raw.call("SSCAN", "s", cur)
        assert isinstance(reply, list) and len(reply) == 2, cur


# --------------------------------------------------------------------------------------------
# SMOVE
# --------------------------------------------------------------------------------------------

def setup_move(r):
    r.delete("s1", "s2", "s3")
    r.sadd("s1", 1, "a", "b")
    r.sadd("s2", 2, 3, 4)
    assert encoding(r, "s1") == b"hashtable"
    assert encoding(r, "s2") == b"intset"


def test_smove(r):
    setup_move(r)
    assert r.smove("s1", "s2", "a") == 1
    assert members(r, "s1") == {b"1", b"b"}
    assert members(r, "s2") == {b"2", b"3", b"4", b"a"}
    assert encoding(r, "s2") == b"hashtable"

    setup_move(r)
    assert r.smove("s1", "s2", 1) == 1
    assert members(r, "s2") == {b"1", b"2", b"3", b"4"}
    assert encoding(r, "s2") == b"intset"

    setup_move(r)
    assert r.smove("s2", "s1", 2) == 1
    assert members(r, "s1") == {b"1", b"2", b"a", b"b"}
    assert members(r, "s2") == {b"3", b"4"}

    setup_move(r)
    assert r.smove("s1", "s2", "foo") == 0
    assert r.smove("s1", "s1", "foo") == 0
    assert r.smove("nokey", "s2", "foo") == 0
    assert members(r, "s2") == {b"2", b"3", b"4"}

    setup_move(r)
    assert r.smove("s1", "s3", "a") == 1
    assert encoding(r, "s3") == b"hashtable"
    assert r.smove("s2", "s3x", 2) == 1
    assert encoding(r, "s3x") == b"intset"

    # same source and destination: membership answer, nothing changes
    assert r.smove("s1", "s1", "b") == 1
    assert members(r, "s1") == {b"1", b"b"}

    # already in the destination: removed from the source only
    r.sadd("s3", "b")
    assert r.smove("s1", "s3", "b") == 1
    assert members(r, "s1") == {b"1"}
    # the last member moved away deletes the source
    assert r.smove("s1", "s3", 1) == 1
    assert r.exists("s1") == 0


def test_smove_watch_dst_unchanged(server, r):
    """Redis signals the destination only when the member was added to it."""
    r.sadd("src", "a", "b")
    r.sadd("dst", "a")
    other = server.client()
    p = r.pipeline(transaction=True)
    p.watch("dst")
    p.multi()
    p.sadd("dst", "c")
    other.smove("src", "dst", "a")
    assert p.execute() == [1]
    other.close()


# --------------------------------------------------------------------------------------------
# SPOP
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("items", [[b"a", b"b", b"c"], [b"1", b"2", b"3"]])
def test_spop_single(r, items):
    r.sadd("s", *items)
    got = [r.spop("s") for _ in items]
    assert sorted(got) == sorted(items)
    assert r.exists("s") == 0
    assert r.spop("s") is None


@pytest.mark.parametrize("contents", [[chr(ord("a") + i) for i in range(26)],
                                      [str(i) for i in range(1, 27)]])
def test_spop_with_count(r, contents):
    r.sadd("s", *contents)
    popped = []
    for n in (11, 9, 0, 4, 1, 0, 1, 0):
        got = r.spop("s", n)
        assert len(got) == n
        popped += got
    assert sorted(popped) == sorted(x.encode() for x in contents)
    assert r.exists("s") == 0


@pytest.mark.parametrize("count", [2, 18, 20, 30])
@pytest.mark.parametrize("kind", ["intset", "hashtable"])
def test_spop_code_paths(r, count, kind):
    content = [str(i).encode() for i in range(1, 21)]
    if kind == "hashtable":
        content[-1] = b"x"
    r.sadd("s", *content)
    res = r.spop("s", count)
    assert len(res) == min(count, 20)
    assert len(set(res)) == len(res)
    left = list(r.smembers("s"))
    assert sorted(left + res) == sorted(content)
    assert r.scard("s") == max(0, 20 - count)


def test_spop_rebuilt_set_is_intset_again(r, intset_max):
    """Popping most of a hashtable set of integers rebuilds the rest as an intset (Redis's
    "create new set" strategy starts from setTypeCreate)."""
    r.config_set("set-max-intset-entries", 10)
    r.sadd("s", *range(1, 21))
    assert encoding(r, "s") == b"hashtable"
    assert len(r.spop("s", 18)) == 18
    assert encoding(r, "s") == b"intset"
    assert r.scard("s") == 2
    # few pops: one at a time, the encoding stays
    r.sadd("t", *range(1, 21))
    r.spop("t", 2)
    assert encoding(r, "t") == b"hashtable"
    # strings left over stay a hashtable
    r.sadd("u", *[f"m{i}" for i in range(20)])
    r.spop("u", 18)
    assert encoding(r, "u") == b"hashtable"


def test_spop_large(r):
    r.sadd("s", *[f"m{i}" for i in range(5000)])
    seen = set()
    for n in (1, 10, 100, 1000, 3000, 2000):
        got = r.spop("s", n)
        assert len(set(got)) == len(got)
        assert not (seen & set(got))
        seen |= set(got)
    assert len(seen) == 5000
    assert r.exists("s") == 0


def test_spop_intset_stress(r):
    rng = random.Random(5)
    for _ in range(10):
        r.delete("s")
        ref = set()
        for _ in range(rng.randrange(300)):
            v = rng.choice([rng.randrange(65536), rng.randrange(2**32), rng.randrange(2**63)])
            ref.add(str(v).encode())
            r.sadd("s", v)
        assert members(r, "s") == ref
        while ref:
            v = r.spop("s")
            assert v in ref
            ref.remove(v)
        assert r.scard("s") == 0


# --------------------------------------------------------------------------------------------
# SRANDMEMBER
# --------------------------------------------------------------------------------------------

HIST_SETS = {
    "hashtable": ["1", "5", "10", "50", "125", "MARY", "PATRICIA", "LINDA", "BARBARA",
                  "ELIZABETH"],
    "intset": [str(i) for i in range(10)],
}


def chi_square(values):
    counts = collections.Counter(values)
    expected = len(values) / len(counts)
    return sum((c - expected) ** 2 / expected for c in counts.values())


@pytest.mark.parametrize("kind", ["hashtable", "intset"])
def test_srandmember_distribution(r, kind):
    r.sadd("s", *HIST_SETS[kind])
    assert encoding(r, "s") == kind.encode()
    res = r.srandmember("s", -1000)
    assert len(res) == 1000
    assert chi_square(res) < 40  # df = 9: p ~ 1e-5
    for size in (8, 2):
        allkeys = []
        for _ in range(1000 // size):
            got = r.srandmember("s", size)
            assert len(set(got)) == size
            allkeys += got
        assert chi_square(allkeys) < 40
    singles = [r.srandmember("s") for _ in range(500)]
    assert set(singles) == {x.encode() for x in HIST_SETS[kind]}


@pytest.mark.parametrize("kind", ["hashtable", "intset"])
def test_srandmember_count_paths(r, kind):
    contents = [str(i) for i in range(50)]
    if kind == "hashtable":
        contents = [f"e{i}" for i in range(50)]
    r.sadd("s", *contents)
    expect = {c.encode() for c in contents}
    assert r.srandmember("s", 0) == []
    res = r.srandmember("s", -100)
    assert len(res) == 100 and set(res) <= expect
    for size in (50, 100):
        res = r.srandmember("s", size)
        assert len(res) == 50 and set(res) == expect
    for size in (45, 5):
        seen = set()
        for _ in range(200):
            res = r.srandmember("s", size)
            assert len(res) == size and len(set(res)) == size and set(res) <= expect
            seen |= set(res)
        assert seen == expect
    assert r.scard("s") == 50  # read-only


def test_srandmember_large_set(r):
    r.sadd("s", *[f"m{i}" for i in range(3000)])
    res = r.srandmember("s", 100)
    assert len(set(res)) == 100
    res = r.srandmember("s", 2900)
    assert len(set(res)) == 2900
    res = r.srandmember("s", -5000)
    assert len(res) == 5000
    assert len(set(res)) > 1500


def test_srandmember_raw_replies(raw):
    raw.call("SADD", "s", "a")
    assert raw.call_raw("SRANDMEMBER", "s", "0") == b"*0\r\n"
    assert raw.call_raw("SRANDMEMBER", "s") == b"$1\r\na\r\n"
    assert raw.call_raw("SRANDMEMBER", "s", "1") == b"*1\r\n$1\r\na\r\n"
    assert raw.call_raw("SRANDMEMBER", "s", "-3") == b"*3\r\n" + b"$1\r\na\r\n" * 3
    assert raw.call_raw("SPOP", "s", "0") == b"*0\r\n"


# --------------------------------------------------------------------------------------------
# SINTER / SUNION / SDIFF and the *STORE / CARD forms
# --------------------------------------------------------------------------------------------

def make_algebra_sets(r, kind):
    for i in range(1, 6):
        r.delete(f"set{i}")
    r.sadd("set1", *range(200))
    r.sadd("set2", *range(195, 395))
    r.sadd("set3", 199, 195, 1000, 2000)
    r.sadd("set4", *range(5, 200))
    r.sadd("set5", 0)
    large = "200" if kind == "intset" else "foo"
    for i in range(1, 6):
        r.sadd(f"set{i}", large)
        assert encoding(r, f"set{i}") == kind.encode()
    return large.encode()


@pytest.mark.parametrize("kind", ["hashtable", "intset"])
def test_algebra(r, kind):
    large = make_algebra_sets(r, kind)
    inter12 = {str(i).encode() for i in range(195, 200)} | {large}
    assert r.sinter("set1", "set2") == inter12
    assert r.execute_command("SINTERCARD", 2, "set1", "set2") == 6
    assert r.execute_command("SINTERCARD", 2, "set1", "set2", "LIMIT", 0) == 6
    assert r.execute_command("SINTERCARD", 2, "set1", "set2", "limit", 3) == 3
    assert r.execute_command("SINTERCARD", 2, "set1", "set2", "LIMIT", 10) == 6
    assert r.sinterstore("res", "set1", "set2") == 6
    assert encoding(r, "res") == kind.encode()
    assert members(r, "res") == inter12

    union = members(r, "set1") | members(r, "set2")
    assert r.sunion("set1", "set2") == union
    assert r.sunionstore("res", "set1", "set2") == len(union)
    assert encoding(r, "res") == kind.encode()
    assert members(r, "res") == union

    inter123 = {b"195", b"199", large}
    assert r.sinter("set1", "set2", "set3") == inter123
    assert r.execute_command("SINTERCARD", 3, "set1", "set2", "set3") == 3
    assert r.execute_command("SINTERCARD", 3, "set1", "set2", "set3", "LIMIT", 2) == 2
    assert r.sinterstore("res", "set1", "set2", "set3") == 3
    assert members(r, "res") == inter123

    assert r.sunion("nokey1", "set1", "set2", "nokey2") == union
    assert r.sdiff("set1", "set4") == {b"0", b"1", b"2", b"3", b"4"}
    assert r.sdiff("set1", "set4", "set5") == {b"1", b"2", b"3", b"4"}
    assert r.sdiffstore("res", "set1", "set4", "set5") == 4
    if kind == "intset":
        assert encoding(r, "res") == b"intset"
    assert members(r, "res") == {b"1", b"2", b"3", b"4"}

    same = members(r, "set1")
    assert r.sinter("set1", "set1", "set1") == same
    assert r.sunion("set1", "set1", "set1") == same
    assert r.sdiff("set1", "set1", "set1") == set()
    assert r.execute_command("SINTERCARD", 2, "set1", "set1") == len(same)


def test_intersection_mixed_encodings(r):
    r.sadd("a", 1, 2, 3)
    r.sadd("b", 1, 2, 3, "x")
    r.srem("b", "x")
    assert encoding(r, "a") == b"intset" and encoding(r, "b") == b"hashtable"
    assert r.sinter("a", "b") == {b"1", b"2", b"3"}
    assert r.sinter("b", "a") == {b"1", b"2", b"3"}
    r.sadd("c", "2", "3", "y")
    assert r.sinter("a", "c") == {b"2", b"3"}
    assert r.sdiff("a", "c") == {b"1"}
    assert r.sdiff("c", "a") == {b"y"}
    assert r.sinterstore("d", "c", "a") == 2
    assert encoding(r, "d") == b"intset"


def test_missing_keys_in_algebra(r):
    r.sadd("s1", "a", "b", "c")
    r.sadd("s2", "b", "c", "d")
    assert r.sinter("s1", "s2", "nokey") == set()
    assert r.execute_command("SINTERCARD", 1, "nokey") == 0
    assert r.execute_command("SINTERCARD", 1, "nokey", "LIMIT", 10) == 0
    assert r.sunion("s1", "s2", "nokey") == {b"a", b"b", b"c", b"d"}
    assert r.sdiff("s1", "s2", "nokey") == {b"a"}
    assert r.sdiff("nokey", "s2", "s1") == set()


def test_store_replaces_and_deletes_destination(r):
    r.sadd("s1", "a", "b", "c")
    r.set("dst", "string", ex=100)
    assert r.sunionstore("dst", "s1") == 3
    assert r.type("dst") == b"set"
    assert r.ttl("dst") == -1
    for cmd in ("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"):
        r.set("dst", "xxx")
        assert r.execute_command(cmd, "dst", "foo111", "bar222") == 0
        assert r.exists("dst") == 0
    r.sadd("dst", "e")
    assert r.sinterstore("dst", "s1", "nokey") == 0
    assert r.exists("dst") == 0
    r.sadd("dst", "e")
    assert r.sdiffstore("dst", "s1", "s1") == 0
    assert r.exists("dst") == 0
    # the destination can be a source
    r.sadd("dst", "c", "z")
    assert r.sinterstore("dst", "dst", "s1") == 1
    assert members(r, "dst") == {b"c"}
    assert r.sunionstore("dst", "dst", "s1") == 3
    assert r.sdiffstore("dst", "s1", "dst") == 0
    assert r.exists("dst") == 0


def test_store_wrongtype_leaves_destination(r):
    r.set("key1", "x")
    r.sadd("s1", "a", "b", "c")
    r.sadd("s3", "e")
    for cmd in ("SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"):
        with pytest.raises(Exception, match="WRONGTYPE"):
            r.execute_command(cmd, "s3", "s1", "key1", "nokey")
        with pytest.raises(Exception, match="WRONGTYPE"):
            r.execute_command(cmd, "newdst", "key1", "nokey")
        assert members(r, "s3") == {b"e"}
        assert r.exists("newdst") == 0


def test_store_result_encoding(r, intset_max):
    r.sadd("a", *range(10))
    r.sadd("b", "x", *range(5, 15))
    assert r.sinterstore("d", "a", "b") == 5
    assert encoding(r, "d") == b"intset"  # starts as an intset, whatever the sources
    assert r.sunionstore("d", "a", "b") == 16
    assert encoding(r, "d") == b"hashtable"
    r.config_set("set-max-intset-entries", 4)
    assert r.sdiffstore("d", "a", "nokey") == 10
    assert encoding(r, "d") == b"hashtable"
    assert r.sinterstore("d", "a", "b") == 5
    assert encoding(r, "d") == b"hashtable"


def test_sdiff_fuzz(r):
    rng = random.Random(11)
    for _ in range(30):
        keys, ref = [], None
        for i in range(rng.randint(1, 8)):
            k = f"fz{i}"
            r.delete(k)
            keys.append(k)
            vals = {str(rng.choice([rng.randrange(50), f"s{rng.randrange(50)}"])).encode()
                    for _ in range(rng.randrange(60))}
            if vals:
                r.sadd(k, *vals)
            ref = vals if ref is None else ref - vals
        assert r.sdiff(*keys) == ref
        assert r.sdiffstore("fzout", *keys) == len(ref)
        inter = set.intersection(*[members(r, k) for k in keys])
        assert r.sinter(*keys) == inter
        assert r.execute_command("SINTERCARD", len(keys), *keys) == len(inter)
        union = set.union(*[members(r, k) for k in keys])
        assert r.sunion(*keys) == union


# --------------------------------------------------------------------------------------------
# SSCAN
# --------------------------------------------------------------------------------------------

def test_sscan_intset_returns_everything_at_once(raw):
    raw.call("SADD", "s", *range(100))
    cursor, items = raw.call("SSCAN", "s", "0", "COUNT", "5")
    assert cursor == b"0"
    assert [int(x) for x in items] == list(range(100))
    cursor, items = raw.call("SSCAN", "s", "12345")  # the cursor is ignored
    assert cursor == b"0" and len(items) == 100
    cursor, items = raw.call("SSCAN", "s", "0", "MATCH", "1*")
    assert sorted(int(x) for x in items) == [1] + list(range(10, 20))


def full_scan(raw, key, *opts):
    seen, cursor, calls = [], b"0", 0
    while True:
        cursor, items = raw.call("SSCAN", key, cursor, *opts)
        seen += items
        calls += 1
        if cursor == b"0":
            return seen, calls


def test_sscan_hashtable(raw):
    raw.call("SADD", "s", *[f"m{i}" for i in range(1000)])
    seen, calls = full_scan(raw, "s")
    assert set(seen) == {f"m{i}".encode() for i in range(1000)}
    assert calls > 10
    seen, calls = full_scan(raw, "s", "COUNT", "100")
    assert set(seen) == {f"m{i}".encode() for i in range(1000)}
    seen, _ = full_scan(raw, "s", "MATCH", "m1*", "COUNT", "50")
    assert set(seen) == {f"m{i}".encode() for i in range(1000) if str(i).startswith("1")}
    seen, _ = full_scan(raw, "s", "MATCH", "*", "COUNT", "1000000")
    assert len(set(seen)) == 1000


def test_sscan_guarantee_while_growing_and_shrinking(raw):
    initial = {f"m{i}".encode() for i in range(500)}
    raw.call("SADD", "s", *initial)
    seen, cursor, n = set(), b"0", 500
    while True:
        cursor, items = raw.call("SSCAN", "s", cursor)
        seen |= set(items)
        raw.call("SADD", "s", *[f"m{i}" for i in range(n, n + 30)])  # forces resizes
        n += 30
        if cursor == b"0":
            break
    assert initial <= seen
    # shrinking: remove members not in `keep` between calls
    raw.call("DEL", "t")
    raw.call("SADD", "t", *[f"m{i}" for i in range(2000)])
    keep = {f"m{i}".encode() for i in range(0, 2000, 10)}
    doomed = [f"m{i}" for i in range(2000) if i % 10]
    seen, cursor = set(), b"0"
    while True:
        cursor, items = raw.call("SSCAN", "t", cursor, "COUNT", "20")
        seen |= set(items)
        if doomed:
            raw.call("SREM", "t", *doomed[:100])
            doomed = doomed[100:]
        if cursor == b"0":
            break
    assert keep <= seen


# --------------------------------------------------------------------------------------------
# RESP3
# --------------------------------------------------------------------------------------------

def test_resp3_reply_types(r3):
    r3.call("SADD", "s", "a", "b")
    r3.call("SADD", "i", "1", "2", "3")
    for cmd in (["SMEMBERS", "s"], ["SINTER", "s", "s"], ["SUNION", "s", "i"],
                ["SDIFF", "s", "i"], ["SMEMBERS", "nokey"], ["SINTER", "s", "nokey"],
                ["SUNION", "nokey"], ["SDIFF", "nokey", "s"]):
        assert isinstance(r3.call(*cmd), RespSet), cmd
    assert r3.call_raw("SMEMBERS", "nokey") == b"~0\r\n"
    assert r3.call_raw("SMEMBERS", "i") == b"~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert r3.call_raw("SUNION", "i", "nokey") == b"~3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert r3.call_raw("SPOP", "nokey") == b"_\r\n"
    assert r3.call_raw("SRANDMEMBER", "nokey") == b"_\r\n"
    assert r3.call_raw("SPOP", "nokey", "2") == b"~0\r\n"
    assert r3.call_raw("SPOP", "s", "0") == b"~0\r\n"
    assert r3.call_raw("SRANDMEMBER", "nokey", "2") == b"*0\r\n"
    assert r3.call_raw("SRANDMEMBER", "s", "0") == b"*0\r\n"
    assert isinstance(r3.call("SRANDMEMBER", "s", "2"), list)
    assert not isinstance(r3.call("SRANDMEMBER", "s", "2"), RespSet)
    assert isinstance(r3.call("SRANDMEMBER", "s", "-5"), list)
    assert not isinstance(r3.call("SMISMEMBER", "s", "a"), RespSet)
    sscan = r3.call("SSCAN", "s", "0")
    assert not isinstance(sscan, RespSet) and not isinstance(sscan[1], RespSet)
    assert isinstance(r3.call("SPOP", "i", "1"), RespSet)
    assert isinstance(r3.call("SPOP", "i", "5"), RespSet)  # whole set
    assert r3.call("EXISTS", "i") == 0


def test_resp2_set_replies_are_arrays(raw):
    raw.call("SADD", "i", "3", "1", "2")
    assert raw.call_raw("SMEMBERS", "i") == b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"
    assert raw.call_raw("SINTER", "i", "nokey") == b"*0\r\n"
    assert raw.call_raw("SPOP", "i", "10") == b"*3\r\n$1\r\n1\r\n$1\r\n2\r\n$1\r\n3\r\n"


# --------------------------------------------------------------------------------------------
# Transactions, dirty counter, COMMAND metadata
# --------------------------------------------------------------------------------------------

def test_multi_exec(r):
    p = r.pipeline(transaction=True)
    p.sadd("s", "a", "b", 1)
    p.srem("s", "b")
    p.scard("s")
    p.smove("s", "t", "a")
    p.sunionstore("u", "s", "t")
    assert p.execute() == [3, 1, 2, 1, 2]
    assert members(r, "u") == {b"1", b"a"}


def test_dirty_counter(r):
    def dirty():
        return r.info("persistence")["rdb_changes_since_last_save"]
    d0 = dirty()
    r.sadd("s", "a", "b", "c")
    assert dirty() == d0 + 3
    r.sadd("s", "a")
    assert dirty() == d0 + 3
    r.srem("s", "a", "zz")
    assert dirty() == d0 + 4
    r.spop("s", 5)
    assert dirty() == d0 + 6
    r.sadd("s", "a")
    r.smove("s", "t", "a")
    assert dirty() == d0 + 9


def test_watch_invalidated_by_sadd(server, r):
    other = server.client()
    p = r.pipeline(transaction=True)
    p.watch("s")
    p.multi()
    p.scard("s")
    other.sadd("s", "x")
    with pytest.raises(Exception):
        p.execute()
    other.close()


def test_command_info(raw):
    expected = {
        "sadd": [-3, {b"write", b"denyoom", b"fast"}, 1, 1, 1, {b"@write", b"@set", b"@fast"}],
        "srem": [-3, {b"write", b"fast"}, 1, 1, 1, {b"@write", b"@set", b"@fast"}],
        "smembers": [2, {b"readonly"}, 1, 1, 1, {b"@read", b"@set", b"@slow"}],
        "sismember": [3, {b"readonly", b"fast"}, 1, 1, 1, {b"@read", b"@set", b"@fast"}],
        "smismember": [-3, {b"readonly", b"fast"}, 1, 1, 1, {b"@read", b"@set", b"@fast"}],
        "scard": [2, {b"readonly", b"fast"}, 1, 1, 1, {b"@read", b"@set", b"@fast"}],
        "spop": [-2, {b"write", b"fast"}, 1, 1, 1, {b"@write", b"@set", b"@fast"}],
        "srandmember": [-2, {b"readonly"}, 1, 1, 1, {b"@read", b"@set", b"@slow"}],
        "smove": [4, {b"write", b"fast"}, 1, 2, 1, {b"@write", b"@set", b"@fast"}],
        "sinter": [-2, {b"readonly"}, 1, -1, 1, {b"@read", b"@set", b"@slow"}],
        "sintercard": [-3, {b"readonly", b"movablekeys"}, 0, 0, 0,
                       {b"@read", b"@set", b"@slow"}],
        "sinterstore": [-3, {b"write", b"denyoom"}, 1, -1, 1, {b"@write", b"@set", b"@slow"}],
        "sunion": [-2, {b"readonly"}, 1, -1, 1, {b"@read", b"@set", b"@slow"}],
        "sunionstore": [-3, {b"write", b"denyoom"}, 1, -1, 1, {b"@write", b"@set", b"@slow"}],
        "sdiff": [-2, {b"readonly"}, 1, -1, 1, {b"@read", b"@set", b"@slow"}],
        "sdiffstore": [-3, {b"write", b"denyoom"}, 1, -1, 1, {b"@write", b"@set", b"@slow"}],
        "sscan": [-3, {b"readonly"}, 1, 1, 1, {b"@read", b"@set", b"@slow"}],
    }
    infos = raw.call("COMMAND", "INFO", *expected)
    for (name, exp), info in zip(expected.items(), infos):
        assert info[0] == name.encode()
        got = [info[1], set(info[2]), info[3], info[4], info[5], set(info[6])]
        assert got == exp, name
    docs = raw.call("COMMAND", "DOCS", "sadd")
    assert docs[1][docs[1].index(b"group") + 1] == b"set"


# --------------------------------------------------------------------------------------------
# Persistence, DUMP/RESTORE, digests, propagation
# --------------------------------------------------------------------------------------------

def test_debug_reload_keeps_encodings(r):
    r.sadd("myintset", *range(100))
    r.sadd("mylargeintset", *range(1280))
    r.sadd("myhashset", *[f"i{i:03d}" for i in range(256)])
    r.sadd("mixed", 1, 2, 3, "x")
    r.srem("mixed", "x")  # a hashtable of integers only
    before = {k: members(r, k) for k in ("myintset", "mylargeintset", "myhashset", "mixed")}
    assert r.execute_command("DEBUG", "RELOAD") == b"OK"
    assert encoding(r, "myintset") == b"intset"
    assert encoding(r, "mylargeintset") == b"hashtable"
    assert encoding(r, "myhashset") == b"hashtable"
    # saved as a plain set, small and all integers: loads as an intset (as Redis)
    assert encoding(r, "mixed") == b"intset"
    for k, v in before.items():
        assert members(r, k) == v


def test_dump_payload(raw):
    raw.call("SADD", "s", "1", "2", "3")
    raw.call("SADD", "h", "a")
    # Redis 7.0.15's exact payloads (RDB_TYPE_SET_INTSET / RDB_TYPE_SET, version 10, CRC64)
    assert raw.call("DUMP", "s") == (b"\x0b\x0e\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02"
                                     b"\x00\x03\x00\n\x00\xa5\x02\\\xe2mnM\x1b")
    assert raw.call("DUMP", "h") == b"\x02\x01\x01a\n\x00b\x96\xe9~D\xd2\x1am"


def test_restore_roundtrip(raw):
    raw.call("SADD", "s", "1", "2", "3")
    raw.call("SADD", "h", "a")
    raw.call("SADD", "big", *[f"m{i}" for i in range(1000)])
    raw.call("SADD", "ints", *range(-300, 300))
    for key in ("s", "h", "big", "ints"):
        payload = raw.call("DUMP", key)
        assert raw.call("RESTORE", key + "2", "0", payload) == b"OK"
        assert sorted(raw.call("SMEMBERS", key + "2")) == sorted(raw.call("SMEMBERS", key))
        assert raw.call("OBJECT", "ENCODING", key + "2") == raw.call("OBJECT", "ENCODING", key)


def test_digest_is_encoding_independent(raw):
    raw.call("SADD", "a", "1", "2", "3")
    raw.call("SADD", "b", "3", "2", "1", "x")
    raw.call("SREM", "b", "x")
    assert raw.call("OBJECT", "ENCODING", "a") != raw.call("OBJECT", "ENCODING", "b")
    da, db = raw.call("DEBUG", "DIGEST-VALUE", "a", "b")
    assert da == db
    raw.call("SADD", "c", "1", "2", "4")
    assert raw.call("DEBUG", "DIGEST-VALUE", "c")[0] != da


def read_aof_commands(directory):
    """Commands of the incremental AOF files under `directory`, without SELECT and the
    MULTI/EXEC that Redis wraps around a command's several propagated effects."""
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
        c.call("SADD", "s", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
        c.call("SADD", "s", "a")  # unchanged: not propagated
        one = c.call("SPOP", "s")
        few = c.call("SPOP", "s", "2")  # one at a time
        many = c.call("SPOP", "s", "6")  # the "keep the rest" strategy
        c.call("SRANDMEMBER", "s", "3")
        c.call("SPOP", "nokey")
        c.call("SADD", "i", "1", "2", "3")
        c.call("SMOVE", "i", "s", "1")
        c.call("SMOVE", "i", "s", "9")  # not a member: not propagated
        c.call("SINTERSTORE", "d", "s", "nokey")  # nothing to delete: not propagated
        c.call("SUNIONSTORE", "d", "s", "i")
        rest = c.call("SPOP", "i", "5")  # the whole set: a DEL
        c.call("SREM", "s", "zzz")  # not a member: not propagated
        time.sleep(0.2)
        got = read_aof_commands(tmp_path)
        expect = [["SADD", "s", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j"],
                  ["SREM", "s", one.decode()]]
        expect += [["SREM", "s", m.decode()] for m in few]
        expect += [["SREM", "s", m.decode()] for m in many]
        expect += [["SADD", "i", "1", "2", "3"], ["SMOVE", "i", "s", "1"],
                   ["SUNIONSTORE", "d", "s", "i"], ["DEL", "i"]]
        assert rest == [b"2", b"3"]
        # the order of one SPOP's SREMs follows its reply
        assert got == expect
        before = {k: sorted(c.call("SMEMBERS", k)) for k in ("s", "i", "d")}
        assert c.call("DEBUG", "LOADAOF") == b"OK"
        assert {k: sorted(c.call("SMEMBERS", k)) for k in ("s", "i", "d")} == before
    finally:
        c.close()
