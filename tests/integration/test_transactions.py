"""MULTI/EXEC as Redis 7.0 runs it: WATCH of keys that are already expired, refusals of EXEC
itself (EXECABORT ... because of: OOM / NOREPLICAS / BUSY), and what a transaction propagates
to the AOF and to replicas. Every test also passes against redis-server 7.0.15
(SABLE_SERVER=/usr/bin/redis-server).
"""

import time

import pytest

from helpers import RespError
from test_bitmaps import read_aof_commands

OOM = "OOM command not allowed when used memory > 'maxmemory'."


@pytest.fixture
def db(server):
    """A raw connection on a flushed server with active expiry off (restored afterwards)."""
    with server.raw() as r:
        r.call("FLUSHALL")
        r.call("DEBUG", "SET-ACTIVE-EXPIRE", "0")
        yield r
    with server.raw() as r:  # a fresh connection: a failed test may leave `r` in MULTI
        for setting in (("maxmemory", "0"), ("min-replicas-to-write", "0"),
                        ("min-replicas-max-lag", "10"), ("busy-reply-threshold", "5000")):
            assert r.call("CONFIG", "SET", *setting) == b"OK"
        assert r.call("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"OK"


def stale(r, key="x"):
    """`key` holds a value whose TTL has passed but that nothing has deleted yet."""
    assert r.call("SET", key, "v", "PX", "1") == b"OK"
    time.sleep(0.01)


def exec_ping(r):
    assert r.call("MULTI") == b"OK"
    assert r.call("PING") == b"QUEUED"
    return r.call("EXEC")


def test_watching_a_stale_key_and_its_deletion_is_no_change(db):
    stale(db)
    assert db.call("WATCH", "x") == b"OK"
    assert exec_ping(db) == [b"PONG"]
    stale(db)
    db.call("WATCH", "x")
    assert db.call("EXISTS", "x") == 0  # lazy expiry deletes it: logically nothing changed
    assert exec_ping(db) == [b"PONG"]
    stale(db)
    db.call("WATCH", "x")
    assert db.call("FLUSHDB") == b"OK"
    assert exec_ping(db) == [b"PONG"]


def test_a_stale_watched_key_written_again_fails_exec(db):
    stale(db)
    db.call("WATCH", "x")
    assert db.call("SET", "x", "new") == b"OK"
    assert exec_ping(db) is None


def test_a_watched_key_that_expires_before_exec_fails_it(db):
    db.call("SET", "x", "1", "PX", "50")
    db.call("WATCH", "x")
    time.sleep(0.1)
    assert db.call("MULTI") == b"OK"
    assert db.call("INCR", "x") == b"QUEUED"
    assert db.call("EXEC") is None
    assert db.call("EXISTS", "x") == 0  # the INCR did not run


def test_flushall_touches_only_watched_keys_that_exist(db):
    db.call("WATCH", "missing")
    db.call("FLUSHALL")
    assert exec_ping(db) == [b"PONG"]
    db.call("SET", "x", "1")
    db.call("WATCH", "x")
    db.call("FLUSHALL")
    assert exec_ping(db) is None


def test_swapdb_and_stale_keys(db):
    # an expired key replaced by no key, and no key replaced by an expired one: no change
    db.call("SELECT", "1")
    stale(db)
    db.call("WATCH", "x")
    db.call("SWAPDB", "0", "1")
    assert exec_ping(db) == [b"PONG"]
    db.call("FLUSHALL")
    db.call("SELECT", "0")
    stale(db)
    db.call("SELECT", "1")
    db.call("WATCH", "x")
    db.call("SWAPDB", "0", "1")
    assert exec_ping(db) == [b"PONG"]
    # a live key replaced by an expired one is a change
    db.call("FLUSHALL")
    db.call("SET", "x", "live")
    db.call("SELECT", "0")
    stale(db)
    db.call("SELECT", "1")
    db.call("WATCH", "x")
    db.call("SWAPDB", "0", "1")
    assert exec_ping(db) is None


def test_exec_refused_for_oom_discards_the_transaction(server, db):
    with server.raw() as admin:
        assert db.call("MULTI") == b"OK"
        assert db.call("SET", "x", "1") == b"QUEUED"
        assert db.call("GET", "x") == b"QUEUED"
        admin.call("CONFIG", "SET", "maxmemory", "1")
        assert db.call("EXEC") == RespError(
            "EXECABORT Transaction discarded because of: " + OOM)
        assert db.call("PING", "out") == b"out"  # no longer in MULTI
        # a transaction of reads runs; DISCARD is never refused
        assert db.call("MULTI") == b"OK"
        assert db.call("PING") == RespError(OOM)
        assert db.call("DISCARD") == b"OK"
        admin.call("CONFIG", "SET", "maxmemory", "0")
        db.call("SET", "y", "v")
        assert db.call("MULTI") == b"OK"
        assert db.call("GET", "y") == b"QUEUED"
        admin.call("CONFIG", "SET", "maxmemory", "1")
        assert db.call("EXEC") == [b"v"]
        admin.call("CONFIG", "SET", "maxmemory", "0")
    assert db.call("EXISTS", "x") == 0


def test_min_replicas_to_write_refuses_writes(server, db):
    noreplicas = "NOREPLICAS Not enough good replicas to write."
    db.call("SET", "x", "1")
    assert db.call("MULTI") == b"OK"
    assert db.call("INCR", "x") == b"QUEUED"
    with server.raw() as admin:  # the setting changes after the write was queued
        assert admin.call("CONFIG", "SET", "min-slaves-to-write", "2") == b"OK"
        assert admin.call("CONFIG", "GET", "min-replicas-to-write") == [
            b"min-replicas-to-write", b"2"]
    assert db.call("EXEC") == RespError("EXECABORT Transaction discarded because of: "
                                        + noreplicas)
    assert db.call("SET", "x", "2") == RespError(noreplicas)
    assert db.call("GET", "x") == b"1"  # reads are served
    assert db.call("MULTI") == b"OK"
    assert db.call("INCR", "x") == RespError(noreplicas)  # refused while queueing
    assert db.call("EXEC") == RespError(
        "EXECABORT Transaction discarded because of previous errors.")
    assert db.call("MULTI") == b"OK"
    assert db.call("GET", "x") == b"QUEUED"
    assert db.call("EXEC") == [b"1"]
    db.call("CONFIG", "SET", "min-replicas-max-lag", "0")  # 0 turns the check off
    assert db.call("INCR", "x") == 2


def test_exec_during_a_busy_script_is_aborted(server, db):
    db.call("CONFIG", "SET", "busy-reply-threshold", "10")
    db.call("SET", "xx", "1")
    with server.raw() as busy, server.raw() as killer:
        assert db.call("MULTI") == b"OK"
        assert db.call("INCR", "xx") == b"QUEUED"
        busy.send_command("EVAL", "while true do end", "0")
        time.sleep(0.2)
        reply = db.call("EXEC")
        assert isinstance(reply, RespError) and reply.startswith(
            "EXECABORT Transaction discarded because of: BUSY"), reply
        assert killer.call("SCRIPT", "KILL") == b"OK"
        assert isinstance(busy.read_reply(), RespError)
    assert db.call("PING", "x") == b"x"  # out of MULTI
    assert db.call("GET", "xx") == b"1"


def attach_replica_stream(srv):
    """A connection that did SYNC, with the RDB image consumed: what follows is the stream."""
    r = srv.raw()
    r.send_command("SYNC")
    while True:
        while not r.buf or b"\r\n" not in r.buf:
            r._fill()
        if r.buf[:1] == b"\n":  # keep-alive newlines while the image is made
            del r.buf[:1]
            continue
        break
    header, _, rest = bytes(r.buf).partition(b"\r\n")
    assert header.startswith(b"$"), header
    size = int(header[1:])
    r.buf = bytearray(rest)
    while len(r.buf) < size:
        r._fill()
    del r.buf[:size]
    return r


def test_transactions_and_publish_in_the_aof_and_the_replica_stream(spawn, tmp_path):
    srv = spawn("--appendonly", "yes", "--appendfsync", "always")
    with srv.raw() as c:
        repl = attach_replica_stream(srv)
        c.call("MULTI")
        c.call("SET", "one", "1")
        assert c.call("EXEC") == [b"OK"]
        c.call("MULTI")
        c.call("SET", "a", "1")
        c.call("GET", "a")
        c.call("SET", "b", "2")
        assert c.call("EXEC") == [b"OK", b"1", b"OK"]
        c.call("MULTI")
        c.call("PUBLISH", "ch", "msg")
        assert c.call("EXEC") == [0]
        assert c.call("PUBLISH", "ch", "msg2") == 0
        c.call("SET", "last", "x")
        stream = []
        while not stream or stream[-1][0] != b"SET" or stream[-1][1] != b"last":
            cmd = repl.read_reply()
            if cmd[0].upper() != b"PING":
                stream.append([cmd[0].upper()] + cmd[1:])
        repl.close()
    # one write in a transaction goes out alone; several stay one MULTI/EXEC block
    assert [s for s in stream if s[0] != b"SELECT"] == [
        [b"SET", b"one", b"1"],
        [b"MULTI"], [b"SET", b"a", b"1"], [b"SET", b"b", b"2"], [b"EXEC"],
        [b"PUBLISH", b"ch", b"msg"], [b"PUBLISH", b"ch", b"msg2"],
        [b"SET", b"last", b"x"]]
    # PUBLISH reaches replicas only, never the AOF
    assert [[a.upper() if i == 0 else a for i, a in enumerate(cmd)]
            for cmd in read_aof_commands(str(tmp_path))] == [
        ["SET", "one", "1"], ["MULTI"], ["SET", "a", "1"], ["SET", "b", "2"], ["EXEC"],
        ["SET", "last", "x"]]
