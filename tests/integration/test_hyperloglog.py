"""HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST.

The HLL is a plain string in Redis's own byte format, so counts must equal Redis 7.0.15's
exactly and GET/SET must carry an HLL between the two servers both ways: a module-scoped
reference redis-server runs next to the server under test for those checks. Every test also
passes with SABLE_SERVER=/usr/bin/redis-server. Errors are checked byte-exact.
"""

import glob
import os
import random
import time

import pytest

import helpers
from helpers import RespError

E = RespError
WRONGTYPE = E("WRONGTYPE Operation against a key holding the wrong kind of value")
NOT_HLL = E("WRONGTYPE Key is not a valid HyperLogLog string value.")
INVALID = E("INVALIDOBJ Corrupted HLL object detected")
NO_KEY = E("ERR The specified key does not exist")
EMPTY_HLL = b"HYLL\x01" + b"\x00" * 11 + b"\x7f\xff"  # cached cardinality 0
FRESH_HLL = b"HYLL\x01" + b"\x00" * 10 + b"\x80\x7f\xff"  # as PFADD/PFMERGE leave it: stale
DENSE_SIZE = 12304

# PFCOUNT of {"e0", ..., "e<n-1>"} as redis-server 7.0.15 reports it, with its encoding and
# string length at the default hll-sparse-max-bytes (3000).
KNOWN_COUNTS = [
    (1, 1, b"sparse", 21), (2, 2, b"sparse", 24), (3, 3, b"sparse", 27),
    (10, 10, b"sparse", 48), (100, 100, b"sparse", 285), (500, 506, b"sparse", 1068),
    (1000, 1008, b"sparse", 1906), (2000, 2000, b"dense", DENSE_SIZE),
    (5000, 4968, b"dense", DENSE_SIZE), (20000, 19901, b"dense", DENSE_SIZE),
    (100000, 100853, b"dense", DENSE_SIZE), (1000000, 991657, b"dense", DENSE_SIZE),
]


def dirty(r):
    return r.info("persistence")["rdb_changes_since_last_save"]


def add_range(r, key, start, stop, prefix="e"):
    for s in range(start, stop, 10000):
        r.pfadd(key, *[f"{prefix}{i}" for i in range(s, min(stop, s + 10000))])


@pytest.fixture(scope="module")
def ref_server(tmp_path_factory):
    """A reference redis-server for GET/SET interoperability."""
    srv = helpers.start_server(binary=helpers.REDIS_SERVER,
                               cwd=tmp_path_factory.mktemp("reference"))
    yield srv
    srv.stop_and_check()


@pytest.fixture
def ref(ref_server):
    c = ref_server.client()
    c.flushall()
    c.config_set("hll-sparse-max-bytes", 3000)
    yield c
    c.close()


# --------------------------------------------------------------------------------------------
# PFADD
# --------------------------------------------------------------------------------------------

def test_pfadd_creates_empty_hll(r):
    before = dirty(r)
    assert r.pfadd("h") == 1
    assert dirty(r) == before + 1
    assert r.get("h") == FRESH_HLL
    assert r.type("h") == b"string"
    assert r.object("encoding", "h") == b"raw"
    assert r.pfcount("h") == 0
    assert r.pfadd("h") == 0


def test_pfadd_returns_whether_a_register_changed(r):
    before = dirty(r)
    assert r.pfadd("h", "a", "b", "c") == 1
    assert dirty(r) == before + 4  # the key and one per register raised
    assert r.pfadd("h", "a", "b", "c") == 0
    assert dirty(r) == before + 4
    assert r.pfadd("h", "") == 1
    assert r.pfcount("h") == 4


def test_pfadd_bytes_equal_redis(r):
    r.pfadd("h", *"abcdefg")
    assert r.get("h").hex() == ("48594c4c010000000000000000000080466d80560c80443c84388050b184"
                                "498c80426d80425a")
    assert r.execute_command("PFDEBUG", "DECODE", "h") == (
        b"Z:1646 v:1,1 Z:5645 v:1,1 Z:1085 v:2,1 z:57 v:1,1 Z:4274 v:2,1 Z:2445 v:1,1 Z:622 "
        b"v:1,1 Z:603")
    assert r.pfcount("h") == 7


def test_pfadd_type_errors(raw):
    raw.call("RPUSH", "l", "x")
    raw.call("SET", "s", "not an hll at all")
    raw.call("SET", "i", "12345")
    assert raw.call("PFADD", "l", "a") == WRONGTYPE
    assert raw.call("PFADD", "s", "a") == NOT_HLL
    assert raw.call("PFADD", "i", "a") == NOT_HLL
    assert raw.call("PFADD", "s") == NOT_HLL
    assert raw.call("GET", "s") == b"not an hll at all"


def test_pfadd_on_expired_key_creates_a_new_hll(r):
    r.pfadd("h", "a", "b")
    r.pexpire("h", 1)
    time.sleep(0.02)
    assert r.pfadd("h", "x") == 1
    assert r.pfcount("h") == 1
    assert r.ttl("h") == -1


def test_pfadd_keeps_ttl(r):
    r.pfadd("h", "a")
    r.expire("h", 1000)
    r.pfadd("h", "b", "c")
    assert 0 < r.ttl("h") <= 1000


def test_inline_sized_hll_becomes_raw(r):
    r.set("h", EMPTY_HLL)  # 18 bytes: an embedded string
    assert r.object("encoding", "h") == b"embstr"
    assert r.pfcount("h") == 0
    assert r.object("encoding", "h") == b"raw"  # PFCOUNT unshares the value, as Redis
    r.set("h", EMPTY_HLL)
    assert r.pfadd("h", "a") == 1
    assert r.object("encoding", "h") == b"raw"
    assert r.pfcount("h") == 1


# --------------------------------------------------------------------------------------------
# PFCOUNT
# --------------------------------------------------------------------------------------------

def test_pfcount_missing_key_is_zero(r):
    assert r.pfcount("nokey") == 0
    assert r.pfcount("nokey", "other") == 0
    assert not r.exists("nokey")


def test_pfcount_equals_redis_for_many_cardinalities(r):
    done = 0
    for n, card, encoding, length in KNOWN_COUNTS:
        add_range(r, "h", done, n)
        done = n
        assert r.pfcount("h") == card, n
        assert r.execute_command("PFDEBUG", "ENCODING", "h") == encoding, n
        assert r.strlen("h") == length, n


def test_pfcount_caches_cardinality(r):
    r.pfadd("h", "a", "b", "c")
    assert r.getrange("h", 15, 15) == b"\x80"  # stale
    before = dirty(r)
    assert r.pfcount("h") == 3
    assert dirty(r) == before + 1  # the cache write is a change
    assert r.getrange("h", 8, 15) == b"\x03" + b"\x00" * 7
    assert r.pfcount("h") == 3
    assert dirty(r) == before + 1  # served from the cache
    assert r.pfadd("h", "a") == 0
    assert r.getrange("h", 15, 15) == b"\x00"
    assert r.pfadd("h", "d") == 1
    assert r.getrange("h", 15, 15) == b"\x80"


def test_pfcount_trusts_a_valid_cache(r):
    hll = bytearray(EMPTY_HLL)
    hll[8:16] = (12345).to_bytes(8, "little")
    r.set("h", bytes(hll))
    assert r.pfcount("h") == 12345


def test_pfcount_several_keys_is_a_read(r):
    add_range(r, "a", 0, 3000)
    add_range(r, "b", 2000, 6000)
    a, b = r.get("a"), r.get("b")
    before = dirty(r)
    assert r.pfcount("a", "b") == 5953
    assert r.pfcount("a", "b", "nokey") == 5953
    assert r.pfcount("nokey", "a") == r.pfcount("a")
    assert dirty(r) == before + 1  # only the single-key PFCOUNT above cached its value
    assert r.get("b") == b
    assert r.get("a")[16:] == a[16:]


def test_pfcount_type_errors(raw):
    raw.call("RPUSH", "l", "x")
    raw.call("SET", "s", "foo")
    raw.call("PFADD", "h", "a")
    assert raw.call("PFCOUNT", "l") == WRONGTYPE
    assert raw.call("PFCOUNT", "s") == NOT_HLL
    assert raw.call("PFCOUNT", "h", "l") == WRONGTYPE
    assert raw.call("PFCOUNT", "h", "s") == NOT_HLL
    assert raw.call("PFCOUNT", "s", "l") == NOT_HLL  # keys are checked in order


def test_corrupted_hlls_are_detected(raw):
    raw.call("PFADD", "h", "a", "b", "c")
    raw.call("APPEND", "h", "hello")
    assert raw.call("PFCOUNT", "h") == INVALID
    assert raw.call("PFCOUNT", "h", "nokey") == INVALID
    assert raw.call("PFMERGE", "d", "h") == INVALID
    assert raw.call("EXISTS", "d") == 0
    assert raw.call("PFDEBUG", "GETREG", "h") == INVALID
    assert raw.call("PFDEBUG", "TODENSE", "h") == INVALID

    raw.call("DEL", "h")
    raw.call("PFADD", "h", "a", "b", "c")
    raw.call("SETRANGE", "h", 0, "0123")
    assert raw.call("PFCOUNT", "h") == NOT_HLL
    raw.call("SETRANGE", "h", 0, "HYLL")
    raw.call("SETRANGE", "h", 4, "x")
    assert raw.call("PFCOUNT", "h") == NOT_HLL
    raw.call("SETRANGE", "h", 4, "\x00")  # claims dense with a sparse length
    assert raw.call("PFCOUNT", "h") == NOT_HLL

    # A sparse HLL cut short: registers before the cut can still be raised (as in Redis),
    # the count reports the corruption.
    raw.call("SET", "c", EMPTY_HLL[:16] + b"\x7f\xfe")  # covers 16383 registers
    assert raw.call("PFCOUNT", "c") == 0  # the cached 0 is still trusted
    raw.call("SET", "c", EMPTY_HLL[:15] + b"\x80\x7f\xfe")
    assert raw.call("PFCOUNT", "c") == INVALID
    assert raw.call("PFADD", "c", "a") == 1
    assert raw.call("PFCOUNT", "c") == INVALID
    raw.call("SET", "c", EMPTY_HLL[:16])  # no opcodes at all
    assert raw.call("PFADD", "c", "a") == INVALID


def test_cut_xzero_reads_the_byte_after_the_string(raw):
    # XZERO:12031 then an XZERO cut after its first byte: Redis reads the NUL that ends the
    # string as its low byte (0x51 0x00 = 4353 registers), so this counts as valid.
    raw.call("SET", "g", b"HYLL\x01" + b"\x00" * 10 + b"\x80" + b"\x6e\xfe\x51")
    assert raw.call("PFCOUNT", "g") == 0
    # Splitting it at register 12711 writes XZERO:680 VAL:2 XZERO:3672, whose last byte
    # (0x57) lands where the NUL was: outside the string, yet still read by Redis afterwards.
    assert raw.call("PFADD", "g", "a") == 1
    stored = raw.call("GET", "g")
    assert stored.hex() == "48594c4c0100000000000000000000806efe42a7844e"
    assert raw.call("PFDEBUG", "DECODE", "g") == b"Z:12031 Z:680 v:2,1 Z:3672"
    assert raw.call("PFCOUNT", "g") == 1
    raw.call("SET", "copy", stored)  # the same bytes, now followed by a NUL: 0x4e00 = 3585
    assert raw.call("PFCOUNT", "copy") == INVALID
    assert raw.call("PFADD", "g", "b", "c") == 1
    assert raw.call("GET", "g").hex() == "48594c4c01000000010000000000008060f3804e0942a7844bfb8042"
    assert raw.call("PFCOUNT", "g") == INVALID


def test_random_corruption_never_crashes(r, server):
    rng = random.Random(3)
    for _ in range(300):
        r.delete("h")
        r.pfadd("h", *[str(rng.random()) for _ in range(rng.randint(0, 3000))])
        for _ in range(rng.randint(1, 5)):
            pos = rng.randrange(r.strlen("h"))
            r.setrange("h", pos, bytes([rng.randrange(256)]))
        for cmd in (["PFCOUNT", "h"], ["PFADD", "h", "x", "y"], ["PFCOUNT", "h", "nokey"],
                    ["PFMERGE", "d", "h"]):
            try:
                r.execute_command(*cmd)
            except Exception as e:  # noqa: BLE001  (error replies are fine, crashes are not)
                assert "INVALIDOBJ" in str(e) or "WRONGTYPE" in str(e), e
    assert server.alive()


# --------------------------------------------------------------------------------------------
# PFMERGE
# --------------------------------------------------------------------------------------------

def test_pfmerge_union(r):
    r.pfadd("a", "a", "b", "c")
    r.pfadd("b", "b", "c", "d")
    r.pfadd("c", "c", "d", "e")
    before = dirty(r)
    assert r.pfmerge("d", "a", "b", "c") is True
    assert dirty(r) == before + 1
    assert r.pfcount("d") == 5
    assert r.getrange("d", 15, 15) == b"\x00"


def test_pfmerge_creates_destination_and_merges_it_as_a_source(r):
    assert r.pfmerge("d") is True
    assert r.get("d") == FRESH_HLL
    assert r.pfmerge("d2", "nokey") is True
    assert r.get("d2") == FRESH_HLL
    r.pfadd("d", "x", "y")
    r.pfadd("s", "z")
    r.pfmerge("d", "s")
    assert r.pfcount("d") == 3
    before = dirty(r)
    r.pfmerge("d")  # no change, still counted and propagated as Redis does
    assert dirty(r) == before + 1


def test_pfmerge_bytes_and_encoding(r):
    add_range(r, "s1", 0, 30)
    add_range(r, "s2", 20, 60)
    r.pfmerge("m", "s1", "s2")
    assert r.pfcount("m") == 60
    assert r.get("m").hex() == (
        "48594c4c010000003c0000000000000040748041b99c048840e28041358840d380411d8840898042a8"
        "8042da8441868440e184421c804085840780404e80423c8440d38042638040a280404b8c406f804386"
        "8041478041638041618c018421881180418284409488409d80420688420090118440c184419c8c40e4"
        "8440e180422a8441038442968c41d880411c88413c8803804078803f80409b8041518842f680338440"
        "7984419384408880406a840d8039801380409a8840b6")
    assert r.execute_command("PFDEBUG", "ENCODING", "m") == b"sparse"
    # One dense input makes the destination dense.
    r.pfadd("d")
    r.execute_command("PFDEBUG", "TODENSE", "d")
    r.pfmerge("m2", "s1", "d")
    assert r.execute_command("PFDEBUG", "ENCODING", "m2") == b"dense"
    assert r.pfcount("m2") == r.pfcount("s1")
    # A sparse destination that outgrows hll-sparse-max-bytes turns dense.
    add_range(r, "big", 0, 5000)
    r.pfmerge("m3", "s1", "big")
    assert r.execute_command("PFDEBUG", "ENCODING", "m3") == b"dense"
    assert r.pfcount("m3") == r.pfcount("big")


def test_pfmerge_type_errors(raw):
    raw.call("SET", "s", "bar")
    raw.call("RPUSH", "l", "x")
    raw.call("PFADD", "h", "a")
    assert raw.call("PFMERGE", "d", "s") == NOT_HLL
    assert raw.call("PFMERGE", "d", "h", "l") == WRONGTYPE
    assert raw.call("EXISTS", "d") == 0  # sources are checked before the destination is made
    assert raw.call("PFMERGE", "s", "h") == NOT_HLL  # the destination is a source too
    assert raw.call("PFMERGE", "l", "h") == WRONGTYPE
    assert raw.call("GET", "s") == b"bar"


# --------------------------------------------------------------------------------------------
# Promotion and hll-sparse-max-bytes
# --------------------------------------------------------------------------------------------

def test_sparse_to_dense_promotion(r):
    r.config_set("hll-sparse-max-bytes", 3000)
    rng = random.Random(1)
    n = 0
    while n < 20000:
        r.pfadd("h", *[str(rng.random()) for _ in range(100)])
        n += 100
        encoding = r.execute_command("PFDEBUG", "ENCODING", "h")
        if n < 1000:
            assert encoding == b"sparse"
            assert r.strlen("h") <= 3000
        elif n > 10000:
            assert encoding == b"dense"
            assert r.strlen("h") == DENSE_SIZE
        card = r.pfcount("h")
        assert abs(card - n) < card * 0.05


def test_hll_sparse_max_bytes_is_honoured(r):
    try:
        r.config_set("hll-sparse-max-bytes", 100)
        r.pfadd("h", *[f"e{i}" for i in range(30)])
        assert r.execute_command("PFDEBUG", "ENCODING", "h") == b"dense"
        r.config_set("hll-sparse-max-bytes", 0)
        r.pfadd("z")
        assert r.pfadd("z", "a") == 1  # the first split already passes 0 bytes
        assert r.execute_command("PFDEBUG", "ENCODING", "z") == b"dense"
        r.config_set("hll-sparse-max-bytes", 100000)
        add_range(r, "big", 0, 5000)
        assert r.execute_command("PFDEBUG", "ENCODING", "big") == b"sparse"
        assert r.pfcount("big") == 4968
    finally:
        r.config_set("hll-sparse-max-bytes", 3000)


def test_sparse_and_dense_count_the_same(r):
    rng = random.Random(5)
    for _ in range(100):
        r.delete("s", "d")
        r.pfadd("d")
        r.execute_command("PFDEBUG", "TODENSE", "d")
        elements = [str(rng.random()) for _ in range(rng.randint(0, 100))]
        if elements:
            r.pfadd("s", *elements)
            r.pfadd("d", *elements)
        else:
            r.pfadd("s")
        assert r.execute_command("PFDEBUG", "ENCODING", "s") == b"sparse"
        assert r.pfcount("s") == r.pfcount("d")


# --------------------------------------------------------------------------------------------
# Interoperability with redis-server through GET/SET
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [0, 1, 5, 50, 300, 1000, 1500, 3000, 20000, 200000])
def test_hll_from_redis_counts_the_same_in_sable(r, ref, n):
    add_range(ref, "h", 0, n, prefix="x")
    if n == 0:
        ref.pfadd("h")
    data = ref.get("h")
    r.set("h", data)
    assert r.pfcount("h") == ref.pfcount("h")
    assert r.get("h") == ref.get("h")  # same cached cardinality written
    # keep adding on both sides: identical bytes after every step
    add_range(ref, "h", n, n + 700, prefix="y")
    add_range(r, "h", n, n + 700, prefix="y")
    assert r.get("h") == ref.get("h")
    assert r.pfcount("h") == ref.pfcount("h")
    assert r.execute_command("PFDEBUG", "ENCODING", "h") == \
        ref.execute_command("PFDEBUG", "ENCODING", "h")


@pytest.mark.parametrize("n", [0, 3, 100, 1200, 4000, 50000])
def test_hll_from_sable_counts_the_same_in_redis(r, ref, n):
    add_range(r, "h", 0, n, prefix="z")
    r.pfadd("h")
    data = r.get("h")
    ref.set("h", data)
    assert ref.pfcount("h") == r.pfcount("h")
    assert ref.get("h") == r.get("h")
    add_range(r, "h2", 0, n, prefix="z")
    r.pfadd("h2")
    add_range(ref, "h2", 0, n, prefix="z")
    ref.pfadd("h2")
    assert r.get("h2") == ref.get("h2")  # built independently: same bytes


def test_merge_of_imported_hlls_matches_redis(r, ref):
    add_range(ref, "a", 0, 800)
    add_range(ref, "b", 500, 40000)
    add_range(ref, "c", 100000, 100050)
    for k in ("a", "b", "c"):
        r.set(k, ref.get(k))
    assert r.pfcount("a", "b", "c") == ref.pfcount("a", "b", "c")
    ref.pfmerge("m", "a", "c")
    r.pfmerge("m", "a", "c")
    assert r.get("m") == ref.get("m")
    ref.pfmerge("m", "b")
    r.pfmerge("m", "b")
    assert r.get("m") == ref.get("m")
    assert r.pfcount("m") == ref.pfcount("m")


def test_dense_conversion_matches_redis(r, ref):
    add_range(ref, "h", 0, 200)
    r.set("h", ref.get("h"))
    assert r.execute_command("PFDEBUG", "TODENSE", "h") == 1
    assert ref.execute_command("PFDEBUG", "TODENSE", "h") == 1
    assert r.get("h") == ref.get("h")
    assert r.execute_command("PFDEBUG", "TODENSE", "h") == 0
    assert r.execute_command("PFDEBUG", "GETREG", "h") == \
        ref.execute_command("PFDEBUG", "GETREG", "h")


# --------------------------------------------------------------------------------------------
# PFDEBUG / PFSELFTEST
# --------------------------------------------------------------------------------------------

def test_pfdebug(raw):
    assert raw.call("PFDEBUG", "ENCODING", "nokey") == NO_KEY
    assert raw.call("PFDEBUG", "FOO", "nokey") == NO_KEY  # the key is looked up first
    raw.call("SET", "s", "foo")
    assert raw.call("PFDEBUG", "FOO", "s") == NOT_HLL
    raw.call("PFADD", "h", "a")
    assert raw.call("PFDEBUG", "FOO", "h") == E("ERR Unknown PFDEBUG subcommand 'FOO'")
    assert raw.call("PFDEBUG", "encoding", "h") == b"sparse"
    assert raw.call("PFDEBUG", "decode", "h") == b"Z:12711 v:2,1 Z:3672"
    regs = raw.call("PFDEBUG", "GETREG", "h")  # converts to dense
    assert len(regs) == 16384
    assert [(i, v) for i, v in enumerate(regs) if v] == [(12711, 2)]
    assert raw.call("PFDEBUG", "ENCODING", "h") == b"dense"
    assert raw.call("PFDEBUG", "DECODE", "h") == E("ERR HLL encoding is not sparse")
    assert raw.call("PFDEBUG", "TODENSE", "h") == 0
    assert raw.call("STRLEN", "h") == DENSE_SIZE
    assert raw.call("PFCOUNT", "h") == 1
    assert raw.call("PFDEBUG", "GETREG") == E(
        "ERR wrong number of arguments for 'pfdebug' command")
    assert raw.call("PFDEBUG", "GETREG", "h", "x") == E(
        "ERR wrong number of arguments for 'pfdebug' command")


def test_pfdebug_dirty(r):
    r.pfadd("h", "a")
    before = dirty(r)
    assert r.execute_command("PFDEBUG", "TODENSE", "h") == 1
    assert dirty(r) == before + 1
    r.execute_command("PFDEBUG", "GETREG", "h")
    assert dirty(r) == before + 1
    r.pfadd("g", "a")
    before = dirty(r)
    r.execute_command("PFDEBUG", "GETREG", "g")
    assert dirty(r) == before + 1


def test_pfselftest(raw):
    assert raw.call("PFSELFTEST") == b"OK"
    assert raw.call("PFSELFTEST", "x") == E(
        "ERR wrong number of arguments for 'pfselftest' command")


# --------------------------------------------------------------------------------------------
# Metadata, arity, transactions, propagation
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("cmd,arity,flags,keys,acl", [
    ("pfadd", -2, [b"write", b"denyoom", b"fast"], (1, 1, 1),
     [b"@write", b"@hyperloglog", b"@fast"]),
    ("pfcount", -2, [b"readonly"], (1, -1, 1), [b"@read", b"@hyperloglog", b"@slow"]),
    ("pfmerge", -2, [b"write", b"denyoom"], (1, -1, 1), [b"@write", b"@hyperloglog", b"@slow"]),
    ("pfdebug", 3, [b"write", b"denyoom", b"admin"], (2, 2, 1),
     [b"@write", b"@hyperloglog", b"@admin", b"@slow", b"@dangerous"]),
    ("pfselftest", 1, [b"admin"], (0, 0, 0),
     [b"@hyperloglog", b"@admin", b"@slow", b"@dangerous"]),
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
    assert doc[b"group"] == b"hyperloglog"
    assert doc[b"since"] == b"2.8.9"


@pytest.mark.parametrize("args", [["PFADD"], ["PFCOUNT"], ["PFMERGE"]])
def test_wrong_arity(raw, args):
    assert raw.call(*args) == E(
        f"ERR wrong number of arguments for '{args[0].lower()}' command")


def test_pfcount_cache_write_invalidates_watch(server, r):
    r.pfadd("h", "a", "b")
    w = server.raw()
    try:
        assert w.call("WATCH", "h") == b"OK"
        assert r.pfcount("h") == 2  # stores the cardinality: a modification
        w.call("MULTI")
        w.call("SET", "x", "1")
        assert w.call("EXEC") is None
        assert w.call("WATCH", "h") == b"OK"
        assert r.pfcount("h") == 2  # cached: nothing written
        w.call("MULTI")
        w.call("SET", "x", "1")
        assert w.call("EXEC") == [b"OK"]
    finally:
        w.close()


def test_in_multi(raw):
    assert raw.call("MULTI") == b"OK"
    for cmd in (["PFADD", "h", "a", "b"], ["PFCOUNT", "h"], ["PFMERGE", "m", "h"],
                ["PFCOUNT", "h", "m"]):
        assert raw.call(*cmd) == b"QUEUED"
    assert raw.call("EXEC") == [1, 2, b"OK", 2]


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
        c.call("PFADD", "h", "a", "b", "c")
        c.call("PFADD", "h", "a")  # unchanged: not propagated
        c.call("PFCOUNT", "h")  # stale cache written: propagated although readonly
        c.call("PFCOUNT", "h")  # cached
        c.call("PFCOUNT", "h", "nokey")  # a temporary merge
        c.call("pfmerge", "m", "h")
        c.call("PFDEBUG", "TODENSE", "m")
        c.call("PFDEBUG", "TODENSE", "m")  # already dense
        c.call("PFDEBUG", "GETREG", "m")
        c.call("PFDEBUG", "ENCODING", "h")
        c.call("PFCOUNT", "nokey")
        time.sleep(0.2)
        got = read_aof_commands(tmp_path)
        assert got == [
            ["PFADD", "h", "a", "b", "c"],
            ["PFCOUNT", "h"],
            ["pfmerge", "m", "h"],
            ["PFDEBUG", "TODENSE", "m"],
        ]
        before = [c.call("GET", k) for k in ("h", "m")]
        assert c.call("DEBUG", "LOADAOF") == b"OK"
        assert [c.call("GET", k) for k in ("h", "m")] == before
    finally:
        c.close()
