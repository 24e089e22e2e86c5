"""The server under test as a replication primary, with Debian's redis-server 7.0.15 as its
replica: the replica syncs (RDB image, then the command stream) and serves the same data;
replicas acknowledge offsets, so WAIT counts them, INFO replication and ROLE list them with
their offsets, and min-replicas-to-write counts only replicas that acknowledged recently.
Every test also passes with SABLE_SERVER=/usr/bin/redis-server.
"""

import time

import pytest

import helpers
from helpers import RespError


def wait_until(pred, timeout=15.0, what="condition"):
    assert helpers.wait_for(pred, timeout=timeout, interval=0.05), f"timed out waiting: {what}"


def info(conn, section="replication"):
    out = {}
    for line in conn.call("INFO", section).decode().splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v
    return out


def slave0(conn):
    return dict(kv.split("=") for kv in info(conn)["slave0"].split(","))


@pytest.fixture
def primary_and_replica(spawn, tmp_path):
    primary = spawn()
    replica_dir = tmp_path / "replica"
    replica_dir.mkdir()
    replica = helpers.start_server(["--replicaof", helpers.HOST, str(primary.port)],
                                   binary=helpers.REDIS_SERVER, cwd=replica_dir)
    try:
        with replica.raw() as r:
            wait_until(lambda: info(r).get("master_link_status") == "up", what="replica in sync")
        yield primary, replica
    finally:
        if replica.alive():
            replica.stop_and_check()


def test_replica_serves_the_primary_data(primary_and_replica):
    primary, replica = primary_and_replica
    with primary.raw() as p, replica.raw() as r:
        p.call("SET", "a", "1")
        p.call("RPUSH", "l", "x", "y")
        p.call("SELECT", "3")
        p.call("HSET", "h", "f", "v")
        p.call("SET", "ttl", "v", "EX", "1000")
        p.call("SELECT", "0")
        assert p.call("WAIT", "1", "5000") == 1
        assert r.call("GET", "a") == b"1"
        assert r.call("LRANGE", "l", "0", "-1") == [b"x", b"y"]
        r.call("SELECT", "3")
        assert r.call("HGET", "h", "f") == b"v"
        assert 0 < r.call("TTL", "ttl") <= 1000
        assert r.call("DEBUG", "DIGEST") == p.call("DEBUG", "DIGEST")


def test_wait_counts_replicas_that_acknowledged(primary_and_replica):
    primary, replica = primary_and_replica
    with primary.raw() as p:
        assert p.call("WAIT", "0", "0") in (0, 1)
        p.call("SET", "k", "v")
        assert p.call("WAIT", "1", "5000") == 1
        # more replicas than there are: the count after the timeout
        t0 = time.monotonic()
        assert p.call("WAIT", "2", "300") == 1
        assert time.monotonic() - t0 >= 0.25
        # offsets: the replica's acknowledged offset reaches the primary's
        offset = int(info(p)["master_repl_offset"])
        assert offset > 0
        wait_until(lambda: int(slave0(p)["offset"]) == int(info(p)["master_repl_offset"]),
                   what="the replica's offset in INFO to reach the primary's")
        fields = slave0(p)
        assert info(p)["connected_slaves"] == "1"
        assert fields["ip"] == helpers.HOST
        assert fields["port"] == str(replica.port)
        assert fields["state"] == "online"
        assert int(fields["offset"]) == int(info(p)["master_repl_offset"])
        role = p.call("ROLE")
        assert role[0] == b"master" and role[1] == int(info(p)["master_repl_offset"])
        assert role[2] == [[helpers.HOST.encode(), str(replica.port).encode(),
                            fields["offset"].encode()]]


def test_min_replicas_to_write_counts_acknowledging_replicas(primary_and_replica):
    primary, replica = primary_and_replica
    with primary.raw() as p:
        assert p.call("CONFIG", "SET", "min-replicas-to-write", "1") == b"OK"
        # redis-server counts a replica as good from its first acknowledgement after the sync
        # (within a second); Sable from the sync
        wait_until(lambda: p.call("SET", "k", "v") == b"OK", what="a good replica")
        assert p.call("CONFIG", "SET", "min-replicas-to-write", "2") == b"OK"
        assert p.call("SET", "k", "v2") == RespError(
            "NOREPLICAS Not enough good replicas to write.")
        assert p.call("CONFIG", "SET", "min-replicas-to-write", "0") == b"OK"
    replica.stop_and_check()
    with primary.raw() as p:
        wait_until(lambda: info(p)["connected_slaves"] == "0", what="replica gone")
        assert p.call("WAIT", "1", "100") == 0
