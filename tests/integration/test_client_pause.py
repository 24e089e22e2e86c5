"""CLIENT PAUSE WRITE|ALL as Redis 7.0: what is held back (writes, commands that may
replicate such as PUBLISH and PFCOUNT, an EXEC of a queue holding one), what runs, and that
keys are not expired (lazily or actively) while clients are paused. Every test also passes
against redis-server 7.0.15 (SABLE_SERVER=/usr/bin/redis-server).
"""

import time

import pytest

from helpers import RespError as E


def held(conn, timeout=0.3):
    """The command sent on `conn` has not been answered within `timeout`."""
    conn.sock.settimeout(timeout)
    try:
        with pytest.raises(OSError):
            conn.read_reply()
    finally:
        conn.sock.settimeout(10)
    return True


def info_field(conn, section, name):
    for line in conn.call("INFO", section).decode().splitlines():
        if line.startswith(name + ":"):
            return int(line.split(":", 1)[1])
    raise KeyError(name)


def test_client_pause_write(raw, server):
    writer = server.raw()
    reader = server.raw()
    try:
        assert raw.call("CLIENT", "PAUSE", "20000", "WRITE") == b"OK"
        writer.send_command("SET", "paused", "1")
        # reads still go through
        assert reader.call("GET", "paused") is None
        writer.sock.settimeout(0.3)
        with pytest.raises(OSError):
            writer.read_reply()
        writer.sock.settimeout(10)
        assert raw.call("CLIENT", "UNPAUSE") == b"OK"
        assert writer.read_reply() == b"OK"
        assert reader.call("GET", "paused") == b"1"
    finally:
        raw.call("CLIENT", "UNPAUSE")
        writer.close()
        reader.close()


def test_client_pause_all_expires(raw, server):
    with server.raw() as other:
        t0 = time.monotonic()
        assert raw.call("CLIENT", "PAUSE", "300") == b"OK"
        assert other.call("PING") == b"PONG"
        elapsed = time.monotonic() - t0
        assert 0.2 <= elapsed < 5, elapsed


def test_client_pause_errors(raw):
    assert raw.call("CLIENT", "PAUSE", "abc") == E(
        "ERR timeout is not an integer or out of range")
    assert raw.call("CLIENT", "PAUSE", "-1") == E("ERR timeout is negative")
    assert raw.call("CLIENT", "PAUSE", "10", "foo") == E(
        "ERR CLIENT PAUSE mode must be WRITE or ALL")


def test_pause_write_holds_commands_that_may_replicate(raw, server):
    raw.call("PFADD", "hll", "a", "b")
    with server.raw() as pf, server.raw() as pub, server.raw() as tx:
        try:
            assert tx.call("MULTI") == b"OK"
            assert tx.call("SET", "k", "v") == b"QUEUED"
            assert raw.call("CLIENT", "PAUSE", "20000", "WRITE") == b"OK"
            pf.send_command("PFCOUNT", "hll")
            pub.send_command("PUBLISH", "ch", "m")
            tx.send_command("EXEC")
            assert held(pf) and held(pub) and held(tx)
            assert info_field(raw, "clients", "blocked_clients") == 3
            # reads, an EXEC of reads and no-writes scripts still run
            assert raw.call("MULTI") == b"OK"
            assert raw.call("GET", "k") == b"QUEUED"
            assert raw.call("EXEC") == [None]
            assert raw.call("EVAL", "#!lua flags=no-writes\nreturn 1", "0") == 1
            assert raw.call("CLIENT", "UNPAUSE") == b"OK"
            assert pf.read_reply() == 2
            assert pub.read_reply() == 0
            assert tx.read_reply() == [b"OK"]
        finally:
            raw.call("CLIENT", "UNPAUSE")


def test_no_key_expires_while_clients_are_paused(raw):
    before = info_field(raw, "stats", "expired_keys")
    assert raw.call("MULTI") == b"OK"
    raw.call("SET", "a", "1", "PX", "10")
    raw.call("SET", "b", "2", "PX", "10")
    raw.call("CLIENT", "PAUSE", "20000", "WRITE")
    assert raw.call("EXEC") == [b"OK", b"OK", b"OK"]  # the pause starts after the EXEC
    try:
        time.sleep(0.3)  # several active-expiry cycles
        assert raw.call("GET", "a") is None  # logically expired ...
        assert raw.call("EXISTS", "b") == 0
        assert info_field(raw, "stats", "expired_keys") == before  # ... but not deleted
        assert raw.call("DBSIZE") == 2
    finally:
        raw.call("CLIENT", "UNPAUSE")
    raw.call("GET", "a")
    raw.call("GET", "b")
    assert info_field(raw, "stats", "expired_keys") == before + 2
    assert raw.call("DBSIZE") == 0
