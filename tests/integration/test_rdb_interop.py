"""RDB interoperability with Debian's redis-server 7.0.15 (differential).

(a) RDB files of Redis's own test suite (every old encoding: zipmap, ziplist, intset,
    quicklist v1/v2, ...) load into the server under test and into redis-server, and both serve
    the same keys, types, values and TTLs (also with tiny *-max-listpack-* limits, so loaded
    values must convert as Redis converts them);
(b) an RDB saved by the server under test (every type, several DBs, TTLs, long compressible
    strings, rdbcompression yes and no) loads into redis-server with identical contents;
(c) redis-check-rdb accepts those files;
(d) DUMP payloads go both ways, LZF-compressed ones included, and match byte for byte where
    the encoding has a defined order;
(e) corrupt files are refused with a clear error and a non-zero exit, never a crash, and
    corrupt RESTORE payloads are refused without harming the server.

The suite's assets come from Debian's redis source package, cached by scripts/redis-suite
(never committed); the fixture fetches them with `scripts/redis-suite --fetch-only`.
"""

import os
import random
import shutil
import signal
import struct
import subprocess

import pytest

import helpers

REFERENCE = helpers.REDIS_SERVER
IS_REDIS = os.path.basename(helpers.server_binary()) == "redis-server"
CHECK_RDB = "/usr/bin/redis-check-rdb"
DATABASES = 16

ASSETS = ["encodings.rdb", "hash-zipmap.rdb", "hash-ziplist.rdb", "list-quicklist.rdb",
          "zset-ziplist.rdb", "scriptbackup.rdb", "corrupt_empty_keys.rdb"]
# Assets that must hold keys once loaded (the others are about AUX fields / skipped keys).
NON_EMPTY = {"encodings.rdb", "hash-zipmap.rdb", "hash-ziplist.rdb", "list-quicklist.rdb",
             "zset-ziplist.rdb"}
TINY_LIMITS = ["--hash-max-listpack-entries", "1", "--hash-max-listpack-value", "1",
               "--zset-max-listpack-entries", "1", "--zset-max-listpack-value", "1",
               "--set-max-intset-entries", "1", "--list-max-listpack-size", "1"]


# ---------------------------------------------------------------------------------------------
# Fixtures and helpers
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def assets():
    """Directory holding the Redis suite's tests/assets (fetched into the cache if missing)."""
    return helpers.suite_assets()


@pytest.fixture
def servers():
    """Starts servers (binary, dir, dbfilename, extra args); stops and checks them at the end."""
    started = []

    def start(binary, directory, dbfilename="dump.rdb", extra=()):
        args = ["--dir", str(directory), "--dbfilename", dbfilename] + list(extra)
        srv = helpers.start_server(args, binary=binary, cwd=directory)
        started.append(srv)
        return srv

    yield start
    problems = []
    for srv in started:
        try:
            srv.stop_and_check()
        except AssertionError as e:
            problems.append(str(e))
    if problems:
        pytest.fail("\n".join(problems))


def fresh_dir(tmp_path, name):
    d = tmp_path / name
    d.mkdir()
    return d


def value_of(c, key, kind):
    if kind == b"string":
        return c.get(key)
    if kind == b"list":
        return c.lrange(key, 0, -1)
    if kind == b"set":
        return sorted(c.smembers(key))
    if kind == b"zset":
        # the reply's exact text (scores formatted by the server)
        return c.execute_command("ZRANGE", key, 0, -1, "WITHSCORES")
    if kind == b"hash":
        return sorted(c.hgetall(key).items())
    raise AssertionError(f"unexpected type {kind!r} for {key!r}")


def dataset(srv):
    """{db: {key: (type, value, pttl)}} of every key in every database."""
    out = {}
    for db in range(DATABASES):
        c = srv.client(db=db)
        keys = list(c.scan_iter(count=1000))
        if keys:
            out[db] = {k: (c.type(k), value_of(c, k, c.type(k)), c.pttl(k)) for k in keys}
        c.close()
    return out


def encodings(srv):
    """{(db, key): OBJECT ENCODING} for every key except lists (Sable keeps small lists as a
    listpack, as Redis 7.2 does; Redis 7.0 always reports quicklist)."""
    out = {}
    for db in range(DATABASES):
        c = srv.client(db=db)
        for k in c.scan_iter(count=1000):
            if c.type(k) != b"list":
                out[(db, k)] = c.object("encoding", k)
        c.close()
    return out


def assert_same_data(got, want, what):
    assert got.keys() == want.keys(), f"{what}: databases differ: {got.keys()} vs {want.keys()}"
    for db in want:
        assert got[db].keys() == want[db].keys(), f"{what}: keys of db {db} differ"
        for k, (t, v, ttl) in want[db].items():
            gt, gv, gttl = got[db][k]
            assert gt == t, f"{what}: db {db} key {k!r}: type {gt!r}, want {t!r}"
            assert gv == v, f"{what}: db {db} key {k!r}: value differs"
            if ttl < 0 or gttl < 0:
                assert gttl == ttl, f"{what}: db {db} key {k!r}: pttl {gttl}, want {ttl}"
            else:
                assert abs(gttl - ttl) < 5000, f"{what}: db {db} key {k!r}: pttl {gttl} vs {ttl}"


def check_rdb(path):
    proc = subprocess.run([CHECK_RDB, str(path)], capture_output=True, text=True, timeout=60)
    return proc.returncode, proc.stdout + proc.stderr


# ---------------------------------------------------------------------------------------------
# (a) the suite's RDB files: the server under test serves what redis-server serves
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("limits", ["default", "tiny"])
@pytest.mark.parametrize("asset", ASSETS)
def test_suite_asset_loads_like_redis(assets, servers, tmp_path, asset, limits):
    extra = TINY_LIMITS if limits == "tiny" else []
    loaded = {}
    for name, binary in (("ref", REFERENCE), ("sut", helpers.server_binary())):
        d = fresh_dir(tmp_path, name)
        shutil.copy(assets / asset, d / asset)
        srv = servers(binary, d, asset, extra)
        loaded[name] = (srv, dataset(srv))
    ref, sut = loaded["ref"], loaded["sut"]
    assert_same_data(sut[1], ref[1], asset)
    if asset in NON_EMPTY:
        assert sum(len(v) for v in ref[1].values()) > 0, "the asset loaded no keys at all"
    # Values converted on load as Redis converts them (zipmap/ziplist -> listpack or table).
    assert encodings(sut[0]) == encodings(ref[0])


def test_suite_corrupt_ziplist_is_refused(assets, tmp_path):
    for name, binary in (("ref", REFERENCE), ("sut", helpers.server_binary())):
        d = fresh_dir(tmp_path, name)
        shutil.copy(assets / "corrupt_ziplist.rdb", d / "corrupt_ziplist.rdb")
        rc, out = helpers.run_expect_failure(
            ["--port", str(helpers.free_port()), "--dir", str(d), "--dbfilename",
             "corrupt_ziplist.rdb", "--save", "", "--sanitize-dump-payload", "yes"],
            cwd=d, binary=binary)
        assert rc > 0, f"{binary}: expected an error exit, got rc={rc}:\n{out}"
        assert "ziplist" in out.lower() or "integrity" in out.lower(), out


# ---------------------------------------------------------------------------------------------
# Shared data set for (b), (c), (d)
# ---------------------------------------------------------------------------------------------

def populate(c_for_db):
    """Every type and encoding, in several databases, with TTLs and long strings."""
    rng = random.Random(20260101)
    c = c_for_db(0)
    c.set("str:small", "hello")
    c.set("str:int", 12345)
    c.set("str:negint", -7)
    c.set("str:bigint", 1 << 40)
    c.set("str:int-text", "007")
    c.set("str:empty", "")
    c.set("str:binary", b"\x00\xff\r\n\x01bytes")
    c.set("str:compressible", "abcdefghij" * 300)
    c.set("str:just-over-20", "a" * 21)
    c.set("str:random", bytes(rng.getrandbits(8) for _ in range(2000)))
    c.set("str:ttl", "expiring " * 10, px=5_000_000)
    c.rpush("list:small", "a", "1", "-7", "hello")
    c.rpush("list:big", *range(5000))
    c.rpush("list:long-elements", *(["x" * 100] * 3 + ["y" * 5000, "z" * 30]))
    c.rpush("list:mixed", *[rng.choice(["w" * rng.randint(1, 300), rng.randint(-10**12, 10**12)])
                            for _ in range(600)])
    c.sadd("set:intset", *range(-5, 100, 3))
    c.sadd("set:bigints", 1 << 40, -(1 << 50), 3)
    c.sadd("set:strings", *[f"member:{i}" for i in range(50)])
    c.sadd("set:large-intset", *range(1000))
    c.zadd("zset:small", {"a": 1.5, "b": -2, "c": 0, "d": 1e300, "e": float("inf"),
                          "f": float("-inf"), "g": 0.1})
    c.zadd("zset:big", {f"member:{i}": i * 1.25 - 50 for i in range(300)})
    c.zadd("zset:long-members", {"m" * 100 + str(i): i for i in range(5)})
    c.hset("hash:small", mapping={"f1": "v1", "f2": 2, "f3": "x" * 60})
    c.hset("hash:long-values", mapping={f"f{i}": "value " * 40 for i in range(5)})
    c.hset("hash:big", mapping={f"field:{i}": i for i in range(700)})
    c.expire("hash:big", 100_000)
    c.expire("list:big", 200_000)
    c.expire("zset:big", 300_000)
    c3 = c_for_db(3)
    c3.set("db3:string", "in db 3" * 10)
    c3.rpush("db3:list", *["long element " * 5] * 50)
    c3.pexpire("db3:list", 4_000_000)
    c15 = c_for_db(15)
    c15.hset("db15:hash", mapping={"a": "b"})
    c15.zadd("db15:zset", {"only": 42})
    c15.expire("db15:zset", 86_400)


def sut_with_data(servers, directory, extra=()):
    srv = servers(helpers.server_binary(), directory, "dump.rdb", extra)
    clients = {}

    def client_for(db):
        if db not in clients:
            clients[db] = srv.client(db=db)
        return clients[db]

    populate(client_for)
    return srv


# ---------------------------------------------------------------------------------------------
# (b) + (c): redis-server (and redis-check-rdb) read what the server under test saves
# ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("compression", ["yes", "no"])
def test_saved_rdb_loads_in_redis(servers, tmp_path, compression):
    d = fresh_dir(tmp_path, "sut")
    sut = sut_with_data(servers, d, ["--rdbcompression", compression])
    c = sut.client()
    assert c.save()
    rdb = d / "dump.rdb"
    want = dataset(sut)
    assert len(want) == 3

    rc, out = check_rdb(rdb)
    assert rc == 0 and "RDB looks OK" in out, f"redis-check-rdb refused the file:\n{out}"

    ref_dir = fresh_dir(tmp_path, "ref")
    shutil.copy(rdb, ref_dir / "dump.rdb")
    ref = servers(REFERENCE, ref_dir)
    assert_same_data(dataset(ref), want, "redis-server loading the saved RDB")
    assert encodings(ref) == encodings(sut)
    # DEBUG DIGEST is Redis's algorithm: the whole dataset hashes the same in both servers
    assert ref.client().execute_command("DEBUG", "DIGEST") == c.execute_command("DEBUG", "DIGEST")

    # The same file back into the server under test.
    again_dir = fresh_dir(tmp_path, "again")
    shutil.copy(rdb, again_dir / "dump.rdb")
    again = servers(helpers.server_binary(), again_dir)
    assert_same_data(dataset(again), want, "reloading the saved RDB")

    # LZF is used exactly when asked: the compressed file is much smaller.
    other = "no" if compression == "yes" else "yes"
    sizes = {compression: rdb.stat().st_size}
    c.config_set("rdbcompression", other)
    assert c.save()
    sizes[other] = rdb.stat().st_size
    assert sizes["yes"] < sizes["no"] - 20000, sizes


def test_redis_rdb_loads_in_sut(servers, tmp_path):
    """The other direction for the same data: redis-server saves, the server under test loads."""
    d = fresh_dir(tmp_path, "ref")
    ref = servers(REFERENCE, d)
    clients = {}
    populate(lambda db: clients.setdefault(db, ref.client(db=db)))
    ref.client().execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1000")
    ref.client().rpush("list:plain-nodes", "small", "p" * 3000, "tail", "q" * 5000)
    assert ref.client().save()
    want = dataset(ref)
    sut_dir = fresh_dir(tmp_path, "sut")
    shutil.copy(d / "dump.rdb", sut_dir / "dump.rdb")
    sut = servers(helpers.server_binary(), sut_dir)
    assert_same_data(dataset(sut), want, "loading redis-server's RDB")
    assert encodings(sut) == encodings(ref)
    assert sut.client().execute_command("DEBUG", "DIGEST") == \
        ref.client().execute_command("DEBUG", "DIGEST")


# ---------------------------------------------------------------------------------------------
# (d) DUMP / RESTORE both ways
# ---------------------------------------------------------------------------------------------

def test_dump_payloads_interchange(servers, tmp_path):
    ref = servers(REFERENCE, fresh_dir(tmp_path, "ref"))
    sut = servers(helpers.server_binary(), fresh_dir(tmp_path, "sut"))
    rc_ = {}
    sc_ = {}
    populate(lambda db: rc_.setdefault(db, ref.client(db=db)))
    populate(lambda db: sc_.setdefault(db, sut.client(db=db)))
    rc, sc = ref.client(), sut.client()
    compressed = 0
    for key in sorted(rc.keys("*")):
        kind = rc.type(key)
        want = value_of(rc, key, kind)
        assert value_of(sc, key, kind) == want
        from_ref = rc.dump(key)
        from_sut = sc.dump(key)
        compressed += b"\xc3" in from_ref
        # Redis's payload into the server under test, and the other way round.
        assert sc.restore(key + b":from-ref", 0, from_ref) == b"OK"
        assert value_of(sc, key + b":from-ref", kind) == want, key
        assert rc.restore(key + b":from-sut", 0, from_sut) == b"OK"
        assert value_of(rc, key + b":from-sut", kind) == want, key
        # Identical bytes wherever the encoding fixes the order (not for hash tables).
        if rc.object("encoding", key) != b"hashtable":
            assert from_sut == from_ref, key
    assert compressed >= 5, "expected LZF-compressed strings in Redis's payloads"


def test_dump_payloads_without_compression_match(servers, tmp_path):
    ref = servers(REFERENCE, fresh_dir(tmp_path, "ref"), extra=["--rdbcompression", "no"])
    sut = servers(helpers.server_binary(), fresh_dir(tmp_path, "sut"),
                  extra=["--rdbcompression", "no"])
    rc, sc = ref.client(), sut.client()
    for c in (rc, sc):
        c.set("s", "abc" * 100)
        c.rpush("l", *["x" * 100] * 3)
        c.hset("h", mapping={"f": "v" * 50})
        c.zadd("z", {"m" * 40: 1})
    for key in ("s", "l", "h", "z"):
        payload = rc.dump(key)
        assert b"\xc3" not in payload[:3]
        assert sc.dump(key) == payload, key


def test_plain_quicklist_nodes_interchange(servers, tmp_path):
    ref = servers(REFERENCE, fresh_dir(tmp_path, "ref"))
    sut = servers(helpers.server_binary(), fresh_dir(tmp_path, "sut"))
    rc, sc = ref.client(), sut.client()
    rc.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100")
    items = [b"small", b"p" * 500, b"tail", b"q" * 3000, b"r" * 200]
    rc.rpush("plain", *items)
    payload = rc.dump("plain")
    assert sc.restore("plain", 0, payload) == b"OK"
    assert sc.lrange("plain", 0, -1) == items
    assert rc.restore("back", 0, sc.dump("plain")) == b"OK"
    assert rc.lrange("back", 0, -1) == items


# ---------------------------------------------------------------------------------------------
# (e) corruption
# ---------------------------------------------------------------------------------------------

def start_on_file(binary, d, extra=()):
    return helpers.run_expect_failure(
        ["--port", str(helpers.free_port()), "--dir", str(d), "--dbfilename", "dump.rdb",
         "--save", ""] + list(extra), cwd=d, binary=binary)


# What the servers say when a file is refused (Sable and redis-server wordings).
ERROR_MARKERS = ("Wrong RDB checksum", "integrity check failed", "Short read",
                 "Unexpected EOF", "Unknown RDB", "Invalid LZF", "Fatal error loading")


def test_flipped_byte_is_refused(servers, tmp_path):
    d = fresh_dir(tmp_path, "sut")
    sut = sut_with_data(servers, d)
    assert sut.client().save()
    data = bytearray((d / "dump.rdb").read_bytes())
    for i, pos in enumerate((len(data) // 3, len(data) // 2, len(data) - 20)):
        bad = bytearray(data)
        bad[pos] ^= 0x20
        bd = fresh_dir(tmp_path, f"bad{i}")
        (bd / "dump.rdb").write_bytes(bytes(bad))
        rc, out = start_on_file(helpers.server_binary(), bd)
        assert rc > 0, f"expected an error exit, got rc={rc}:\n{out}"
        assert any(m in out for m in ERROR_MARKERS), out
        for m in helpers.SANITIZER_MARKERS:
            assert m not in out, out


def test_corrupt_rdb_without_checksum_never_crashes(servers, tmp_path):
    """With the checksum off every flipped byte reaches the decoders: each start must either
    load (the byte was in a harmless place) or exit with an error, never die by a signal."""
    d = fresh_dir(tmp_path, "src")
    srv = servers(helpers.server_binary(), d, "dump.rdb", ["--rdbchecksum", "no"])
    c = srv.client()
    c.rpush("list", *["element %d" % i for i in range(50)], "x" * 300)
    c.hset("hash", mapping={f"f{i}": "v" * i for i in range(20)})
    c.zadd("zset", {f"m{i}": i / 3 for i in range(20)})
    c.sadd("intset", *range(30))
    c.set("string", "compress me " * 20)
    assert c.save()
    data = (d / "dump.rdb").read_bytes()
    rng = random.Random(7)
    errors = 0
    positions = sorted(rng.sample(range(9, len(data) - 9), 40))
    for n, pos in enumerate(positions):
        bad = bytearray(data)
        bad[pos] = (bad[pos] + rng.randint(1, 255)) % 256
        bd = fresh_dir(tmp_path, f"bad{n}")
        (bd / "dump.rdb").write_bytes(bytes(bad))
        args = ["--dir", str(bd), "--dbfilename", "dump.rdb", "--sanitize-dump-payload", "yes"]
        port = helpers.free_port()
        s = helpers.ServerProcess(helpers.server_binary(),
                                  ["--port", str(port)] + helpers.BASE_ARGS + args,
                                  bd, bd / "server.log", port)
        if s.wait_ready(timeout=10.0):  # it loaded the file: it must be healthy
            with s.raw() as conn:
                assert conn.call("PING") == b"PONG"
                conn.call("DBSIZE")
            rc = s.stop()
            assert rc in (0, -signal.SIGTERM), f"offset {pos}: rc={rc}\n{s.output()}"
        else:
            rc = s.wait_exit(timeout=5.0)
            s.stop()
            out = s.output()
            assert rc is not None and rc > 0, f"offset {pos}: rc={rc}:\n{out}"
            errors += 1
        for m in helpers.SANITIZER_MARKERS:
            assert m not in s.output(), s.output()
    assert errors > 0


def crc64(data):
    # Redis's CRC-64/Jones (reflected, polynomial 0xad93d23594c935a9), bitwise.
    crc = 0
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x95AC9329AC4BC9B5 if crc & 1 else 0)
    return crc


def with_footer(body):
    body = body + struct.pack("<H", 10)
    return body + struct.pack("<Q", crc64(body))


def test_corrupt_restore_payloads_are_refused(servers, tmp_path):
    srv = servers(helpers.server_binary(), fresh_dir(tmp_path, "sut"),
                  extra=["--sanitize-dump-payload", "yes"])
    c = srv.client()
    c.rpush("l", *["x" * 100] * 3, "small", 17)
    c.hset("h", mapping={f"f{i}": "v" * 30 for i in range(6)})
    c.zadd("z", {f"m{i}": i * 0.5 for i in range(8)})
    c.sadd("s", *range(12))
    c.set("str", "abcdefghij" * 30)
    rng = random.Random(99)
    readers = {b"list": lambda k: c.lrange(k, 0, -1), b"hash": c.hgetall,
               b"zset": lambda k: c.zrange(k, 0, -1, withscores=True), b"set": c.smembers,
               b"string": c.get}
    refused = 0
    for key in ("l", "h", "z", "s", "str"):
        body = c.dump(key)[:-10]
        assert c.restore("copy", 0, with_footer(body), replace=True) == b"OK"  # CRC helper ok
        for _ in range(60):
            bad = bytearray(body)
            for _ in range(rng.randint(1, 2)):
                bad[rng.randrange(len(bad))] = rng.randrange(256)
            try:
                c.restore("fuzz", 0, with_footer(bytes(bad)), replace=True)
            except Exception as e:  # redis-py raises the error reply
                assert "Bad data format" in str(e), e
                refused += 1
                continue
            kind = c.type("fuzz")
            readers[kind]("fuzz")  # whatever was accepted must be readable
            c.delete("fuzz")
    assert refused > 0
    assert c.ping()
    # A payload whose checksum does not match is refused before decoding.
    try:
        c.restore("x", 0, c.dump("l")[:-1] + b"\x00")
        raise AssertionError("RESTORE accepted a payload with a bad checksum")
    except Exception as e:
        assert "checksum" in str(e), e


# ---------------------------------------------------------------------------------------------
# Module and function data (as Redis 7.0 without the module / Sable without functions)
# ---------------------------------------------------------------------------------------------

def rdb_length(n):
    if n < 64:
        return bytes([n])
    if n < 16384:
        return bytes([0x40 | (n >> 8), n & 0xFF])
    if n < 1 << 32:
        return b"\x80" + n.to_bytes(4, "big")
    return b"\x81" + n.to_bytes(8, "big")


def module_id(name, version):
    charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    v = 0
    for ch in name:
        v = (v << 6) | charset.index(ch)
    return (v << 10) | version


def test_module_aux_data_is_refused_like_redis(tmp_path):
    body = (b"REDIS0010" + b"\xfa" + rdb_length(9) + b"redis-ver" + rdb_length(6) + b"7.0.15"
            + b"\xf7" + rdb_length(module_id("mymodtype", 1)) + rdb_length(2) + rdb_length(2)
            + b"\x02" + rdb_length(5) + b"\xff")
    data = body + struct.pack("<Q", crc64(body))
    for name, binary in (("ref", REFERENCE), ("sut", helpers.server_binary())):
        d = fresh_dir(tmp_path, name)
        (d / "dump.rdb").write_bytes(data)
        rc, out = start_on_file(binary, d)
        assert rc > 0, f"{binary}: rc={rc}\n{out}"
        assert "no matching module 'mymodtype'" in out, out


def test_function_libraries_in_rdb(servers, tmp_path):
    d = fresh_dir(tmp_path, "ref")
    ref = servers(REFERENCE, d)
    c = ref.client()
    c.execute_command("FUNCTION", "LOAD",
                      "#!lua name=mylib\nredis.register_function('f', function() return 1 end)")
    c.set("k", "v")
    assert c.save()
    sd = fresh_dir(tmp_path, "sut")
    shutil.copy(d / "dump.rdb", sd / "dump.rdb")
    # The library loads with the data (FUNCTION2 record), and is saved again by the server.
    srv = servers(helpers.server_binary(), sd)
    sc = srv.client()
    assert sc.get("k") == b"v"
    assert sc.execute_command("FCALL", "f", 0) == 1
    libs = sc.execute_command("FUNCTION", "LIST")
    assert len(libs) == 1 and libs[0][1] == b"mylib"