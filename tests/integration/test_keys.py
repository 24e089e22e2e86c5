"""Keyspace commands: DEL/EXISTS/RENAME/COPY/MOVE/SELECT/SWAPDB/FLUSH*/SCAN/KEYS, expiry, OBJECT."""

import random
import time

import pytest
import redis

from helpers import RespError, wait_for

E = RespError
SYNTAX = E("ERR syntax error")
NOT_INT = E("ERR value is not an integer or out of range")
DB_RANGE = E("ERR DB index is out of range")


# --------------------------------------------------------------------------------------------
# DEL / UNLINK / EXISTS / TOUCH / TYPE
# --------------------------------------------------------------------------------------------

def test_del_unlink(r):
    r.mset({"a": 1, "b": 2, "c": 3})
    assert r.delete("a", "a", "missing") == 1
    assert r.unlink("b", "b") == 1
    assert r.delete("missing") == 0
    assert r.exists("a", "b", "c") == 1


def test_exists_counts_duplicates(r):
    r.mset({"a": 1, "b": 2})
    assert r.exists("a", "a", "b", "c") == 3
    assert r.exists("a", "a", "a") == 3
    assert r.exists("missing") == 0


def test_touch_counts_existing_with_duplicates(r):
    r.set("a", 1)
    assert r.touch("a", "missing", "a") == 2
    assert r.touch("missing") == 0


def test_type(r):
    r.set("s", "v")
    r.set("i", 10)
    assert r.type("s") == b"string"
    assert r.type("i") == b"string"
    assert r.type("missing") == b"none"


def test_key_arity_errors(raw):
    for cmd in ("DEL", "UNLINK", "EXISTS", "TOUCH", "TYPE"):
        assert raw.call(cmd) == E(f"ERR wrong number of arguments for '{cmd.lower()}' command")
    assert raw.call("TYPE", "a", "b") == E("ERR wrong number of arguments for 'type' command")


# --------------------------------------------------------------------------------------------
# RENAME / RENAMENX / COPY / MOVE
# --------------------------------------------------------------------------------------------

def test_rename(r):
    r.set("a", "1", ex=100)
    assert r.rename("a", "b") is True
    assert r.exists("a") == 0
    assert r.get("b") == b"1"
    assert 98 <= r.ttl("b") <= 100


def test_rename_overwrites_and_transfers_ttl(r):
    r.set("src", "x")
    r.set("dst", "y", ex=100)
    r.rename("src", "dst")
    assert r.get("dst") == b"x"
    assert r.ttl("dst") == -1


def test_rename_same_key(raw):
    raw.call("SET", "a", "1")
    assert raw.call("RENAME", "a", "a") == b"OK"
    assert raw.call("GET", "a") == b"1"
    assert raw.call("RENAMENX", "a", "a") == 0


def test_rename_missing(raw):
    assert raw.call("RENAME", "nokey", "x") == E("ERR no such key")
    assert raw.call("RENAMENX", "nokey", "x") == E("ERR no such key")
    assert raw.call("RENAME", "nokey", "nokey") == E("ERR no such key")


def test_renamenx(r):
    r.mset({"a": 1, "b": 2})
    assert r.renamenx("a", "b") is False
    assert r.get("a") == b"1"
    assert r.renamenx("a", "c") is True
    assert r.exists("a") == 0
    assert r.get("c") == b"1"


def test_copy(r, raw):
    r.set("src", "v", ex=100)
    assert raw.call("COPY", "src", "dst") == 1
    assert r.get("dst") == b"v"
    assert 98 <= r.ttl("dst") <= 100
    r.set("src", "v2")
    assert raw.call("COPY", "src", "dst") == 0
    assert r.get("dst") == b"v"
    assert raw.call("COPY", "src", "dst", "REPLACE") == 1
    assert r.get("dst") == b"v2"
    assert r.ttl("dst") == -1
    assert raw.call("COPY", "nokey", "x") == 0
    # the copy is independent of the source
    r.append("dst", "!")
    assert r.get("src") == b"v2"


def test_copy_to_db(r, raw):
    r.set("src", "v")
    assert raw.call("COPY", "src", "dst", "DB", "1") == 1
    assert raw.call("COPY", "src", "dst", "DB", "1") == 0
    assert raw.call("COPY", "src", "src", "DB", "1") == 1
    r.set("src", "v2")
    assert raw.call("COPY", "src", "dst", "DB", "1", "REPLACE") == 1
    assert raw.call("SELECT", "1") == b"OK"
    assert raw.call("GET", "dst") == b"v2"
    assert raw.call("GET", "src") == b"v"
    assert raw.call("DBSIZE") == 2


def test_copy_errors(raw):
    raw.call("SET", "c", "1")
    assert raw.call("COPY", "c", "c") == E("ERR source and destination objects are the same")
    assert raw.call("COPY", "c", "d", "DB", "16") == DB_RANGE
    assert raw.call("COPY", "c", "d", "DB", "-1") == DB_RANGE
    assert raw.call("COPY", "c", "d", "DB", "abc") == NOT_INT
    assert raw.call("COPY", "c", "d", "foo") == SYNTAX
    assert raw.call("COPY", "c", "d", "DB") == SYNTAX
    assert raw.call("COPY", "c") == E("ERR wrong number of arguments for 'copy' command")


def test_move(r, raw):
    r.set("k", "v", ex=100)
    assert raw.call("MOVE", "k", "1") == 1
    assert r.exists("k") == 0
    assert raw.call("MOVE", "k", "1") == 0
    assert raw.call("SELECT", "1") == b"OK"
    assert raw.call("GET", "k") == b"v"
    assert 98 <= raw.call("TTL", "k") <= 100
    # destination already has the key: nothing moves
    raw.call("SELECT", "0")
    r.set("k", "other")
    assert raw.call("MOVE", "k", "1") == 0
    assert r.get("k") == b"other"
    assert raw.call("MOVE", "nokey", "1") == 0


def test_move_errors(raw):
    raw.call("SET", "c", "1")
    assert raw.call("MOVE", "c", "0") == E("ERR source and destination objects are the same")
    assert raw.call("MOVE", "c", "16") == DB_RANGE
    assert raw.call("MOVE", "c", "-1") == DB_RANGE
    assert raw.call("MOVE", "c", "abc") == NOT_INT
    assert raw.call("MOVE", "c", "1", "1") == E("ERR wrong number of arguments for 'move' command")


# --------------------------------------------------------------------------------------------
# SELECT / SWAPDB / FLUSHDB / FLUSHALL / DBSIZE
# --------------------------------------------------------------------------------------------

def test_select_isolates_databases(raw):
    raw.call("SET", "k", "db0")
    assert raw.call("SELECT", "15") == b"OK"
    assert raw.call("GET", "k") is None
    raw.call("SET", "k", "db15")
    assert raw.call("DBSIZE") == 1
    raw.call("SELECT", "0")
    assert raw.call("GET", "k") == b"db0"


def test_select_errors(raw):
    assert raw.call("SELECT", "16") == DB_RANGE
    assert raw.call("SELECT", "-1") == DB_RANGE
    assert raw.call("SELECT", "abc") == NOT_INT
    assert raw.call("SELECT") == E("ERR wrong number of arguments for 'select' command")


def test_swapdb(raw, server):
    raw.call("SET", "a", "0")
    raw.call("SELECT", "1")
    raw.call("MSET", "b", "1", "c", "1")
    # a second client stays on db 0 and must see the swapped contents
    with server.raw() as other:
        assert raw.call("SWAPDB", "0", "1") == b"OK"
        assert other.call("DBSIZE") == 2
        assert other.call("GET", "b") == b"1"
    assert raw.call("DBSIZE") == 1
    assert raw.call("GET", "a") == b"0"
    assert raw.call("SWAPDB", "0", "0") == b"OK"


def test_swapdb_errors(raw):
    assert raw.call("SWAPDB", "0", "16") == DB_RANGE
    assert raw.call("SWAPDB", "-1", "0") == DB_RANGE
    assert raw.call("SWAPDB", "abc", "0") == E("ERR invalid first DB index")
    assert raw.call("SWAPDB", "0", "abc") == E("ERR invalid second DB index")
    assert raw.call("SWAPDB", "0") == E("ERR wrong number of arguments for 'swapdb' command")


@pytest.mark.parametrize("mode", [[], ["ASYNC"], ["SYNC"], ["async"]])
def test_flushdb(raw, mode):
    raw.call("MSET", "a", "1", "b", "2")
    raw.call("SELECT", "1")
    raw.call("SET", "c", "3")
    assert raw.call("FLUSHDB", *mode) == b"OK"
    assert raw.call("DBSIZE") == 0
    raw.call("SELECT", "0")
    assert raw.call("DBSIZE") == 2


@pytest.mark.parametrize("mode", [[], ["ASYNC"], ["SYNC"]])
def test_flushall(raw, mode):
    raw.call("MSET", "a", "1", "b", "2")
    raw.call("SELECT", "3")
    raw.call("SET", "c", "3", "EX", "100")
    assert raw.call("FLUSHALL", *mode) == b"OK"
    assert raw.call("DBSIZE") == 0
    raw.call("SELECT", "0")
    assert raw.call("DBSIZE") == 0


def test_flush_errors(raw):
    for cmd in ("FLUSHDB", "FLUSHALL"):
        assert raw.call(cmd, "foo") == SYNTAX
        assert raw.call(cmd, "ASYNC", "SYNC") == SYNTAX


def test_dbsize(r):
    assert r.dbsize() == 0
    for i in range(50):
        r.set(f"k{i}", i)
    assert r.dbsize() == 50
    r.delete("k0")
    assert r.dbsize() == 49


# --------------------------------------------------------------------------------------------
# KEYS / RANDOMKEY
# --------------------------------------------------------------------------------------------

def test_keys_patterns(r):
    names = ["hello", "hallo", "hxllo", "hllo", "heeeello", "a*", "ab", "a?c", "x[y]",
             "foo:1", "foo:2", "bar"]
    for n in names:
        r.set(n, 1)

    def keys(p):
        return sorted(k.decode() for k in r.keys(p))
    assert keys("*") == sorted(names)
    assert keys("h?llo") == ["hallo", "hello", "hxllo"]
    assert keys("h*llo") == ["hallo", "heeeello", "hello", "hllo", "hxllo"]
    assert keys("h[ae]llo") == ["hallo", "hello"]
    assert keys("h[^e]llo") == ["hallo", "hxllo"]
    assert keys("h[a-b]llo") == ["hallo"]
    assert keys("a\\*") == ["a*"]
    assert keys("a[*]") == ["a*"]
    assert keys("a\\?c") == ["a?c"]
    assert keys("x\\[y\\]") == ["x[y]"]
    assert keys("foo:*") == ["foo:1", "foo:2"]
    assert keys("nomatch*") == []
    assert keys("*b*") == ["ab", "bar"]


def test_keys_skips_expired(r):
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        r.set("live", 1)
        r.set("dead", 1, px=1)
        time.sleep(0.01)
        assert r.keys("*") == [b"live"]
    finally:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_randomkey(r):
    assert r.randomkey() is None
    names = {f"k{i}".encode() for i in range(20)}
    for n in names:
        r.set(n, 1)
    seen = {r.randomkey() for _ in range(200)}
    assert seen <= names
    assert len(seen) > 1


# --------------------------------------------------------------------------------------------
# SCAN
# --------------------------------------------------------------------------------------------

def full_scan(r, **kw):
    cursor, out, calls = 0, [], 0
    while True:
        cursor, keys = r.scan(cursor, **kw)
        out.extend(keys)
        calls += 1
        assert calls < 100000
        if cursor == 0:
            return out


def test_scan_returns_all_keys(r):
    names = {f"key:{i}".encode() for i in range(1000)}
    pipe = r.pipeline(transaction=False)
    for n in names:
        pipe.set(n, 1)
    pipe.execute()
    got = full_scan(r, count=17)
    assert set(got) == names


def test_scan_match_count_type(r):
    for i in range(200):
        r.set(f"user:{i}", i)
        r.set(f"item:{i}", i)
    got = full_scan(r, match="user:*", count=50)
    assert set(got) == {f"user:{i}".encode() for i in range(200)}
    assert set(full_scan(r, match="user:1?", count=1000)) == {
        f"user:{i}".encode() for i in range(10, 20)}
    assert len(set(full_scan(r, _type="string"))) == 400
    assert len(set(full_scan(r, _type="STRING"))) == 400
    assert full_scan(r, _type="list") == []
    assert full_scan(r, _type="nosuchtype") == []


def test_scan_reply_shape(raw):
    raw.call("SET", "a", "1")
    cursor, keys = raw.call("SCAN", "0")
    assert cursor == b"0" and keys == [b"a"]
    raw.call("FLUSHALL")
    assert raw.call("SCAN", "0") == [b"0", []]


def test_scan_errors(raw):
    assert raw.call("SCAN", "abc") == E("ERR invalid cursor")
    assert raw.call("SCAN", "18446744073709551616") == E("ERR invalid cursor")
    assert raw.call("SCAN", "0", "COUNT", "0") == SYNTAX
    assert raw.call("SCAN", "0", "COUNT", "-1") == SYNTAX
    assert raw.call("SCAN", "0", "COUNT", "abc") == NOT_INT
    assert raw.call("SCAN", "0", "foo", "bar") == SYNTAX
    assert raw.call("SCAN", "0", "MATCH") == SYNTAX
    assert raw.call("SCAN") == E("ERR wrong number of arguments for 'scan' command")


def test_scan_guarantee_while_table_grows(r):
    """Every key present for the whole iteration is returned at least once, even while
    10,000 new keys force the table to resize (several times) mid-iteration."""
    rng = random.Random(1234)
    original = {f"orig:{i}".encode() for i in range(500)}
    pipe = r.pipeline(transaction=False)
    for k in original:
        pipe.set(k, 1)
    pipe.execute()
    added = 0
    cursor, seen, rounds = 0, [], 0
    while True:
        cursor, keys = r.scan(cursor, count=10)
        seen.extend(keys)
        rounds += 1
        if added < 10000:
            pipe = r.pipeline(transaction=False)
            for _ in range(250):
                pipe.set(f"new:{added}:{rng.random()}", 1)
                added += 1
            pipe.execute()
        if cursor == 0:
            break
        assert rounds < 200000
    assert added >= 1000, "iteration ended before the table had to grow"
    missing = original - set(seen)
    assert not missing, f"{len(missing)} keys never returned, e.g. {sorted(missing)[:5]}"


def test_scan_guarantee_while_table_shrinks(r):
    keep = {f"keep:{i}".encode() for i in range(300)}
    pipe = r.pipeline(transaction=False)
    for k in keep:
        pipe.set(k, 1)
    for i in range(8000):
        pipe.set(f"tmp:{i}", 1)
    pipe.execute()
    tmp = [f"tmp:{i}" for i in range(8000)]
    cursor, seen = 0, []
    while True:
        cursor, keys = r.scan(cursor, count=20)
        seen.extend(keys)
        if tmp:
            r.delete(*tmp[:400])
            del tmp[:400]
        if cursor == 0:
            break
    assert keep <= set(seen)


# --------------------------------------------------------------------------------------------
# EXPIRE family / TTL / PERSIST
# --------------------------------------------------------------------------------------------

def test_ttl_pttl_no_expire_and_missing(r):
    r.set("a", 1)
    assert r.ttl("a") == -1
    assert r.pttl("a") == -1
    assert r.ttl("missing") == -2
    assert r.pttl("missing") == -2
    assert r.execute_command("EXPIRETIME", "a") == -1
    assert r.execute_command("PEXPIRETIME", "a") == -1
    assert r.execute_command("EXPIRETIME", "missing") == -2
    assert r.execute_command("PEXPIRETIME", "missing") == -2


def test_expire_pexpire(r):
    r.set("a", 1)
    assert r.expire("a", 100) is True
    assert 98 <= r.ttl("a") <= 100
    assert r.pexpire("a", 200000) is True
    assert 198000 <= r.pttl("a") <= 200000
    assert r.expire("missing", 100) is False
    assert r.pexpire("missing", 100) is False


def test_expireat_pexpireat_and_expiretime(r, raw):
    r.set("a", 1)
    at = int(time.time()) + 1000
    assert raw.call("EXPIREAT", "a", at) == 1
    assert raw.call("EXPIRETIME", "a") == at
    assert raw.call("PEXPIRETIME", "a") == at * 1000
    assert 998 <= raw.call("TTL", "a") <= 1000
    assert raw.call("PEXPIREAT", "a", "100000000000000") == 1
    assert raw.call("PEXPIRETIME", "a") == 100000000000000
    assert raw.call("EXPIRETIME", "a") == 100000000000
    assert raw.call("EXPIREAT", "missing", at) == 0


def test_ttl_rounding(r):
    # TTL rounds to the nearest second: (pttl + 500) / 1000
    r.set("a", 1, px=100900)
    assert r.ttl("a") == 101
    r.set("b", 1, px=1400)
    assert r.ttl("b") == 1


def test_expire_past_or_zero_deletes(r, raw):
    for cmd, arg in [("EXPIRE", "-1"), ("EXPIRE", "0"), ("PEXPIRE", "0"), ("PEXPIRE", "-100"),
                     ("EXPIREAT", "1"), ("PEXPIREAT", "1"), ("EXPIREAT", "0")]:
        r.set("a", 1)
        assert raw.call(cmd, "a", arg) == 1, cmd
        assert raw.call("EXISTS", "a") == 0, cmd


def test_expire_nx_xx_gt_lt(raw):
    raw.call("SET", "a", "1")
    # no TTL yet: XX and GT fail, LT succeeds (no TTL counts as infinite), NX succeeds
    assert raw.call("EXPIRE", "a", "100", "XX") == 0
    assert raw.call("EXPIRE", "a", "100", "GT") == 0
    assert raw.call("TTL", "a") == -1
    assert raw.call("EXPIRE", "a", "100", "LT") == 1
    assert raw.call("PERSIST", "a") == 1
    assert raw.call("EXPIRE", "a", "100", "NX") == 1
    assert raw.call("EXPIRE", "a", "50", "NX") == 0
    assert raw.call("EXPIRE", "a", "200", "GT") == 1
    assert raw.call("TTL", "a") == 200
    assert raw.call("EXPIRE", "a", "100", "GT") == 0
    assert raw.call("EXPIRE", "a", "300", "LT") == 0
    assert raw.call("EXPIRE", "a", "50", "LT") == 1
    assert raw.call("TTL", "a") == 50
    assert raw.call("EXPIRE", "a", "60", "XX") == 1
    assert raw.call("EXPIRE", "a", "60", "xx", "XX") == 1
    assert raw.call("PEXPIRE", "a", "70000", "GT") == 1
    assert 69000 <= raw.call("PTTL", "a") <= 70000
    at = int(time.time()) + 5000
    assert raw.call("EXPIREAT", "a", at, "GT") == 1
    assert raw.call("EXPIREAT", "a", at - 10, "GT") == 0
    assert raw.call("PEXPIREAT", "a", (at - 10) * 1000, "LT") == 1
    assert raw.call("EXPIRETIME", "a") == at - 10


def test_expire_option_errors(raw):
    raw.call("SET", "a", "1")
    nx_err = E("ERR NX and XX, GT or LT options at the same time are not compatible")
    assert raw.call("EXPIRE", "a", "60", "NX", "XX") == nx_err
    assert raw.call("EXPIRE", "a", "60", "NX", "GT") == nx_err
    assert raw.call("PEXPIRE", "a", "60", "LT", "NX") == nx_err
    assert raw.call("EXPIRE", "a", "60", "GT", "LT") == E(
        "ERR GT and LT options at the same time are not compatible")
    assert raw.call("EXPIRE", "a", "60", "foo") == E("ERR Unsupported option foo")
    assert raw.call("EXPIREAT", "a", "60", "bar") == E("ERR Unsupported option bar")
    assert raw.call("EXPIRE", "a", "abc") == NOT_INT
    assert raw.call("EXPIRE", "a") == E("ERR wrong number of arguments for 'expire' command")
    assert raw.call("TTL", "a") == -1


@pytest.mark.parametrize("cmd,val", [
    ("EXPIRE", "9223372036854775807"), ("EXPIRE", "9223372036854775"),
    ("EXPIRE", "-9223372036854775808"), ("PEXPIRE", "9223372036854775807"),
    ("EXPIREAT", "9223372036854775807"),
])
def test_expire_overflow(raw, cmd, val):
    raw.call("SET", "a", "1")
    assert raw.call(cmd, "a", val) == E(f"ERR invalid expire time in '{cmd.lower()}' command")
    assert raw.call("TTL", "a") == -1


def test_persist(r):
    r.set("a", 1, ex=100)
    assert r.persist("a") is True
    assert r.ttl("a") == -1
    assert r.persist("a") is False
    assert r.persist("missing") is False


def test_overwrite_clears_ttl_but_modify_keeps_it(r):
    r.set("a", 1, ex=100)
    r.incr("a")
    r.append("a", "0")
    r.setrange("a", 0, "5")
    assert r.ttl("a") > 0
    r.set("a", 2)
    assert r.ttl("a") == -1


def test_lazy_expiry_on_access(r):
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        r.set("a", 1, px=50)
        r.set("b", 1, px=50)
        r.set("c", 1, px=50)
        r.set("keep", 1)
        time.sleep(0.12)
        # nobody touched them yet and the active cycle is off: still counted
        assert r.dbsize() == 4
        assert r.get("a") is None
        assert r.exists("b") == 0
        assert r.ttl("c") == -2
        assert r.dbsize() == 1
    finally:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_lazy_expiry_other_commands(r, raw):
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        for k in ("a", "b", "c", "d", "e"):
            r.set(k, "5", px=30)
        time.sleep(0.08)
        assert raw.call("INCR", "a") == 1
        assert raw.call("TTL", "a") == -1
        assert raw.call("APPEND", "b", "x") == 1
        assert raw.call("SET", "c", "v", "NX") == b"OK"
        assert raw.call("RENAME", "d", "z") == E("ERR no such key")
        assert raw.call("STRLEN", "e") == 0
    finally:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def test_active_expiry_without_access(r):
    """Keys nobody reads still go away: the active expire cycle removes them."""
    # created with the active cycle off so that the count below cannot race with it
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        pipe = r.pipeline(transaction=False)
        for i in range(100):
            pipe.set(f"vol:{i}", i, px=100)
        pipe.execute()
        r.set("persistent", 1)
        assert r.dbsize() == 101
    finally:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    assert wait_for(lambda: r.dbsize() == 1, timeout=2.0, interval=0.05), \
        f"dbsize still {r.dbsize()} after 2s"
    info = r.info("stats")
    assert info["expired_keys"] >= 100


def test_expires_counted_in_keyspace_info(r):
    r.set("a", 1)
    r.set("b", 1, ex=100)
    r.set("c", 1, ex=200)
    ks = r.info("keyspace")
    assert ks["db0"]["keys"] == 3
    assert ks["db0"]["expires"] == 2
    assert "avg_ttl" in ks["db0"]


# --------------------------------------------------------------------------------------------
# OBJECT
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("value,encoding", [
    ("123", b"int"), ("-5", b"int"), ("0", b"int"), ("9223372036854775807", b"int"),
    ("abc", b"embstr"), ("x" * 44, b"embstr"), ("x" * 45, b"raw"),
    ("12345678901234567890", b"embstr"), ("0123", b"embstr"), (" 12", b"embstr"),
    ("1.5", b"embstr"), ("", b"embstr"),
])
def test_object_encoding(r, value, encoding):
    r.set("k", value)
    assert r.object("encoding", "k") == encoding


def test_object_encoding_after_modification(r):
    r.set("s", "abc")
    r.append("s", "d")
    assert r.object("encoding", "s") == b"raw"
    r.set("n", 10)
    r.incr("n")
    assert r.object("encoding", "n") == b"int"
    r.incrbyfloat("n", 1)
    assert r.object("encoding", "n") == b"embstr"
    r.set("i", 12345)
    r.setrange("i", 1, "9")
    assert r.object("encoding", "i") == b"raw"


def test_object_missing_key(raw):
    for sub in ("ENCODING", "REFCOUNT", "IDLETIME", "FREQ"):
        assert raw.call("OBJECT", sub, "nokey") is None


def test_object_refcount(r):
    r.set("s", "a string that is not shared")
    assert r.object("refcount", "s") == 1


def test_object_idletime(r):
    r.set("k", "v")
    assert r.object("idletime", "k") == 0
    time.sleep(2.1)
    idle = r.object("idletime", "k")
    assert 1 <= idle <= 3
    # OBJECT itself does not touch the key; GET and TOUCH do
    assert r.object("idletime", "k") >= 1
    r.get("k")
    assert r.object("idletime", "k") == 0


def test_object_freq_requires_lfu(r, raw):
    r.set("k", "v")
    assert raw.call("OBJECT", "FREQ", "k") == E(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please "
        "note that when switching between policies at runtime LRU and LFU data will take some "
        "time to adjust.")
    r.config_set("maxmemory-policy", "allkeys-lfu")
    try:
        r.set("k2", "v")
        freq = raw.call("OBJECT", "FREQ", "k2")
        assert isinstance(freq, int) and 0 <= freq <= 255
        assert raw.call("OBJECT", "IDLETIME", "k2") == E(
            "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that "
            "when switching between policies at runtime LRU and LFU data will take some time "
            "to adjust.")
    finally:
        r.config_set("maxmemory-policy", "noeviction")


def test_object_help(raw):
    lines = raw.call("OBJECT", "HELP")
    assert isinstance(lines, list)
    assert lines[0].startswith(b"OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    heads = {ln.split()[0] for ln in lines[1:] if not ln.startswith(b" ")}
    assert {b"ENCODING", b"FREQ", b"IDLETIME", b"REFCOUNT", b"HELP"} <= heads


def test_object_errors(raw):
    assert raw.call("OBJECT", "foo") == E("ERR unknown subcommand 'foo'. Try OBJECT HELP.")
    assert raw.call("OBJECT", "foo", "bar") == E("ERR unknown subcommand 'foo'. Try OBJECT HELP.")
    assert raw.call("OBJECT") == E("ERR wrong number of arguments for 'object' command")
    assert raw.call("OBJECT", "ENCODING") == E(
        "ERR wrong number of arguments for 'object|encoding' command")
    assert raw.call("OBJECT", "encoding", "a", "b") == E(
        "ERR wrong number of arguments for 'object|encoding' command")


def test_lfu_counters_under_an_lfu_policy(r):
    r.config_set("maxmemory-policy", "allkeys-lfu")
    try:
        r.set("lfu:k", "v")
        assert r.object("freq", "lfu:k") == 5  # LFU_INIT_VAL
        for _ in range(2000):
            r.get("lfu:k")
        freq = r.object("freq", "lfu:k")
        assert 10 <= freq <= 40, freq  # logarithmic: ~2000 hits with lfu-log-factor 10
        payload = r.dump("lfu:k")
        r.delete("lfu:k")
        r.restore("lfu:k", 0, payload, frequency=100)
        assert r.object("freq", "lfu:k") == 100
        with pytest.raises(redis.ResponseError, match="idle time not tracked"):
            r.object("idletime", "lfu:k")
    finally:
        r.config_set("maxmemory-policy", "noeviction")
    with pytest.raises(redis.ResponseError, match="access frequency not tracked"):
        r.object("freq", "lfu:k")
    r.restore("lfu:idle", 0, r.dump("lfu:k"), idletime=1000)
    assert 1000 <= r.object("idletime", "lfu:idle") <= 1002
