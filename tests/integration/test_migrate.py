"""MIGRATE: keys move to another server (RESTORE with DUMP payloads over a cached connection),
with COPY, REPLACE, KEYS, AUTH/AUTH2, the target's errors and I/O errors, and the move
propagated to the AOF as DEL. Sable and redis-server 7.0.15 serve as each other's target.
Every test also passes with SABLE_SERVER=/usr/bin/redis-server.
"""

import pytest

import helpers
from helpers import RespError
from test_bitmaps import read_aof_commands

REDIS = helpers.REDIS_SERVER


def fill_all_types(c):
    c.set("s", "v")
    c.set("n", "12345")
    c.set("ttl", "x", ex=1000)
    c.rpush("l", *[f"e{i}" for i in range(300)])
    c.sadd("set", *range(20))
    c.sadd("sset", *[f"m{i}" for i in range(600)])
    c.zadd("z", {f"z{i}": i / 3 for i in range(200)})
    c.hset("h", mapping={f"f{i}": f"v{i}" for i in range(100)})
    c.xadd("st", {"a": "1"}, id="1-1")
    c.xgroup_create("st", "g", id="0")


def snapshot(c, keys):
    return {k: (c.type(k), c.execute_command("DEBUG", "DIGEST-VALUE", k)[0],
                c.pttl(k) > 900_000 if c.pttl(k) > 0 else c.pttl(k)) for k in keys}


KEYS = ["s", "n", "ttl", "l", "set", "sset", "z", "h", "st"]


@pytest.mark.parametrize("target_binary", ["sut", "redis"])
def test_migrate_every_type(spawn, target_binary):
    src = spawn()
    dst = spawn(binary=None if target_binary == "sut" else REDIS)
    c, d = src.client(), dst.client()
    fill_all_types(c)
    want = snapshot(c, KEYS)
    with src.raw() as r:
        for k in KEYS[:3]:
            assert r.call("MIGRATE", "127.0.0.1", dst.port, k, "0", "5000") == b"OK"
        assert r.call("MIGRATE", "127.0.0.1", dst.port, "", "0", "5000", "KEYS",
                      *KEYS[3:], "missing") == b"OK"
        assert r.call("MIGRATE", "127.0.0.1", dst.port, "missing", "0", "5000") == b"NOKEY"
        assert r.call("INFO", "stats").count(b"migrate_cached_sockets:1") == 1
    assert c.dbsize() == 0
    assert snapshot(d, KEYS) == want


def test_migrate_options_and_errors(spawn):
    src = spawn()
    dst = spawn("--requirepass", "pw")
    c = src.client()
    d = dst.client(password="pw")
    with src.raw() as r:
        c.set("k", "1")
        assert r.call("MIGRATE", "127.0.0.1", dst.port, "k", "2", "5000") == RespError(
            "ERR Target instance replied with error: NOAUTH Authentication required.")
        assert r.call("MIGRATE", "127.0.0.1", dst.port, "k", "2", "5000", "AUTH",
                      "wrong").startswith("ERR Target instance replied with error: WRONGPASS")
        assert c.get("k") == b"1"  # nothing moved
        assert r.call("MIGRATE", "127.0.0.1", dst.port, "k", "2", "5000", "COPY", "AUTH",
                      "pw") == b"OK"
        assert c.get("k") == b"1"  # COPY keeps it
        assert d.execute_command("SELECT", 2) and d.get("k") == b"1"
        c.set("k", "2")
        assert r.call("MIGRATE", "127.0.0.1", dst.port, "k", "2", "5000", "AUTH2",
                      "default", "pw") == RespError(
            "ERR Target instance replied with error: BUSYKEY Target key name already exists.")
        assert r.call("MIGRATE", "127.0.0.1", dst.port, "k", "2", "5000", "REPLACE", "AUTH2",
                      "default", "pw") == b"OK"
        assert c.exists("k") == 0 and d.get("k") == b"2"
        c.set("k", "3")
        assert r.call("MIGRATE", "127.0.0.1", dst.port, "k", "0", "5000", "KEYS",
                      "k") == RespError("ERR When using MIGRATE KEYS option, the key argument "
                                        "must be set to the empty string")
        assert r.call("MIGRATE", "127.0.0.1", dst.port, "k", "0", "5000",
                      "BOGUS") == RespError("ERR syntax error")
        assert r.call("MIGRATE", "127.0.0.1", dst.port, "k", "x", "5000") == RespError(
            "ERR value is not an integer or out of range")
        assert r.call("MIGRATE", "127.0.0.1", dst.port, "k") == RespError(
            "ERR wrong number of arguments for 'migrate' command")
        closed = helpers.free_port()
        assert r.call("MIGRATE", "127.0.0.1", closed, "k", "0", "1000") == RespError(
            "IOERR error or timeout writing to target instance")
        assert c.get("k") == b"3"
        assert r.call("COMMAND", "GETKEYS", "MIGRATE", "h", "1", "", "0", "5", "AUTH", "x",
                      "KEYS", "a", "b") == [b"a", b"b"]


def test_migrate_is_propagated_as_del(spawn, tmp_path):
    src = spawn("--appendonly", "yes", "--appendfsync", "always")
    dst = spawn()
    c = src.client()
    c.set("a", "1")
    c.set("b", "2")
    c.set("keep", "3")
    assert c.execute_command("MIGRATE", "127.0.0.1", dst.port, "", "0", "5000", "KEYS",
                             "a", "b") == b"OK"
    assert c.execute_command("MIGRATE", "127.0.0.1", dst.port, "keep", "0", "5000",
                             "COPY") == b"OK"
    cmds = read_aof_commands(tmp_path)
    assert cmds[-1] == ["DEL", "a", "b"], cmds
    assert not any(cmd[0].upper() == "MIGRATE" for cmd in cmds)
