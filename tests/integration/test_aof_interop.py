"""AOF directories interchange with redis-server 7.0.15 in both directions.

Each side writes a multi-part AOF (an RDB-preamble base after BGREWRITEAOF, then an incr file)
holding every type, two databases and TTLs; redis-check-aof accepts Sable's directory, and the
other server loads the directory and serves the same data.
"""
import shutil
import subprocess
import time

import pytest
import redis

import helpers

REDIS = "/usr/bin/redis-server"
CHECK_AOF = shutil.which("redis-check-aof")


def _write(port):
    r = redis.Redis(host="127.0.0.1", port=port)
    r.flushall()
    r.set("k", "v")
    r.set("n", 12345)
    r.setex("t", 1000, "x")
    r.rpush("l", "a", "b", "c")
    r.sadd("s", 1, 2, "x")
    r.zadd("z", {"a": 1, "b": 2.5})
    r.hset("h", mapping={"f": "v", "g": "w"})
    r.xadd("st", {"f": "v"}, id="1-1")
    r.pfadd("hll", "a", "b", "c")
    r3 = redis.Redis(host="127.0.0.1", port=port, db=3)
    r3.set("other", "1")
    r.bgrewriteaof()
    assert helpers.wait_for(lambda: r.info("persistence")["aof_rewrite_in_progress"] == 0, 10)
    time.sleep(0.2)
    r.incr("after_rewrite")        # in the new incr file
    r.pexpire("k", 500000)
    r3.lpush("l3", "x")


def _snapshot(port):
    out = {}
    for db in (0, 3):
        r = redis.Redis(host="127.0.0.1", port=port, db=db)
        for k in sorted(r.keys("*")):
            t = r.type(k).decode()
            if t == "string":
                v = r.get(k)
            elif t == "list":
                v = r.lrange(k, 0, -1)
            elif t == "set":
                v = sorted(r.smembers(k))
            elif t == "zset":
                v = r.zrange(k, 0, -1, withscores=True)
            elif t == "hash":
                v = sorted(r.hgetall(k).items())
            else:
                v = r.xrange(k)
            ttl = r.ttl(k)
            out[(db, k)] = (t, v, ttl > 0 and ttl > 400 if ttl != -1 else -1)
    return out


@pytest.mark.parametrize("writer,reader", [("sable", "redis"), ("redis", "sable")])
def test_aof_directory_interop(tmp_path, writer, reader):
    binaries = {"sable": helpers.server_binary(), "redis": REDIS}
    args = ("--appendonly", "yes", "--appendfsync", "always", "--aof-use-rdb-preamble", "yes")
    w = helpers.start_server(args, binary=binaries[writer], cwd=tmp_path)
    try:
        _write(w.port)
        expected = _snapshot(w.port)
        digest = redis.Redis(host="127.0.0.1", port=w.port).execute_command("DEBUG", "DIGEST")
    finally:
        w.stop()
    if writer == "sable":
        assert CHECK_AOF, "redis-check-aof is missing (Debian's redis-tools)"
        out = subprocess.run([CHECK_AOF, str(tmp_path / "appendonlydir" /
                                             "appendonly.aof.manifest")],
                             capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stdout + out.stderr
        assert "All AOF files and manifest are valid" in out.stdout
    rd = helpers.start_server(("--appendonly", "yes"), binary=binaries[reader], cwd=tmp_path)
    try:
        assert _snapshot(rd.port) == expected
        assert len(expected) == 12
        # DEBUG DIGEST is Redis's algorithm in both servers: the whole dataset, TTL flags included
        assert redis.Redis(host="127.0.0.1", port=rd.port).execute_command(
            "DEBUG", "DIGEST") == digest
    finally:
        rd.stop()


@pytest.mark.parametrize("preamble", [False, True])
def test_old_style_single_file_aof_is_upgraded(tmp_path, preamble):
    # A pre-7.0 appendonly.aof in the server dir (RESP, or an RDB preamble followed by RESP
    # commands) becomes the base of the multi-part directory, as redis-server 7.0 does.
    body = b""
    if preamble:
        gen = tmp_path / "gen"
        gen.mkdir()
        r = helpers.start_server((), binary=REDIS, cwd=gen)
        try:
            c = redis.Redis(host="127.0.0.1", port=r.port)
            c.set("k1", "v1")
            c.save()
        finally:
            r.stop()
        body = (gen / "dump.rdb").read_bytes()
    else:
        body = helpers.encode_command("SET", "k1", "v1")
    body += helpers.encode_command("SET", "k3", "v3")
    (tmp_path / "appendonly.aof").write_bytes(body)
    srv = helpers.start_server(("--appendonly", "yes"), cwd=tmp_path)
    try:
        c = redis.Redis(host="127.0.0.1", port=srv.port)
        assert c.get("k1") == b"v1" and c.get("k3") == b"v3"
        assert not (tmp_path / "appendonly.aof").exists()
        assert (tmp_path / "appendonlydir" / "appendonly.aof").exists()
        manifest = (tmp_path / "appendonlydir" / "appendonly.aof.manifest").read_text()
        assert manifest == ("file appendonly.aof seq 1 type b\n"
                            "file appendonly.aof.1.incr.aof seq 1 type i\n")
        assert "Successfully migrated an old-style AOF" in srv.output()
    finally:
        srv.stop()
