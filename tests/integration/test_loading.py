"""Clients while a dataset loads (startup from dump.rdb or the AOF, DEBUG RELOAD): connections
are accepted and answered, commands without the `loading` flag get -LOADING, INFO shows the
progress, closed connections are freed, and SIGTERM or SHUTDOWN during a load exits at once
without saving the half-loaded dataset.

key-load-delay (a hidden Redis setting: microseconds slept per key loaded) makes a load slow
enough to watch; loading-process-events-interval-bytes 1024 makes the server answer often.
Every test also passes against redis-server 7.0.15 (SABLE_SERVER=/usr/bin/redis-server).
"""

import hashlib
import os
import signal
import socket
import time

import helpers
from helpers import RespError

LOADING = RespError("LOADING Redis is loading the dataset in memory")
KEYS = 20000
SLOW = ["--key-load-delay", "300", "--loading-process-events-interval-bytes", "1024"]


def wait_until(pred, timeout=20.0, what="condition"):
    assert helpers.wait_for(pred, timeout=timeout, interval=0.02), f"timed out waiting: {what}"


def try_call(srv, *args):
    """One command on a fresh connection; None if the server does not accept yet."""
    try:
        with srv.raw(timeout=5.0) as r:
            return r.call(*args)
    except (OSError, ConnectionError):
        return None


def make_dataset(spawn, *extra):
    """A server in spawn's dir with KEYS keys of 100 bytes; returns (server, client)."""
    srv = spawn(*extra)
    c = srv.client()
    c.execute_command("DEBUG", "POPULATE", KEYS, "key", 100)
    return srv, c


def stop(srv, c):
    c.close()
    srv.expected_exit = True
    assert srv.stop() == 0


def saved_dataset(spawn, tmp_path):
    """dump.rdb with KEYS keys in spawn's dir, its server stopped; returns the file's digest."""
    srv, c = make_dataset(spawn)
    c.save()
    stop(srv, c)
    return digest(tmp_path / "dump.rdb")


def start_slow(spawn, *extra):
    """Starts a server whose load takes several seconds and waits until it says LOADING."""
    srv = spawn(*SLOW, *extra, wait=False)
    wait_until(lambda: try_call(srv, "PING") == LOADING, 20, "the server to report LOADING")
    return srv


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def info_fields(r, section="persistence"):
    text = r.call("INFO", section).decode()
    out = {}
    for line in text.splitlines():
        if ":" in line and not line.startswith("#"):
            k, v = line.split(":", 1)
            out[k] = v
    return out


def test_clients_are_served_while_the_rdb_loads(spawn, tmp_path):
    saved_dataset(spawn, tmp_path)
    size = (tmp_path / "dump.rdb").stat().st_size
    srv = start_slow(spawn)
    with srv.raw() as r:
        assert r.call("PING") == LOADING
        assert r.call("GET", "key:1") == LOADING
        assert r.call("SET", "k", "v") == LOADING
        assert r.call("DBSIZE") == LOADING
        assert r.call("ECHO", "hi") == b"hi"  # a `loading` command
        # a transaction cannot queue what loading refuses
        assert r.call("MULTI") == b"OK"
        assert r.call("SET", "k", "v") == LOADING
        assert r.call("EXEC") == RespError(
            "EXECABORT Transaction discarded because of previous errors.")
        f = info_fields(r)
        assert f["loading"] == "1"
        assert f["async_loading"] == "0"
        assert int(f["loading_total_bytes"]) == size
        assert 0 < int(f["loading_loaded_bytes"]) <= size
        assert 0.0 < float(f["loading_loaded_perc"]) < 100.0
        assert int(f["loading_eta_seconds"]) >= 0
        assert abs(int(f["loading_start_time"]) - time.time()) < 60
        assert int(f["loading_rdb_used_mem"]) > 0
        assert "loading_start_time" not in info_fields(r, "server")
        # connections opened and closed during the load are freed
        others = [srv.raw() for _ in range(5)]
        for o in others:
            assert o.call("CLIENT", "ID") > 0  # CLIENT ID runs while loading
        wait_until(lambda: int(info_fields(r, "clients")["connected_clients"]) == 6, 10,
                   "six clients")
        for o in others:
            o.close()
        wait_until(lambda: int(info_fields(r, "clients")["connected_clients"]) == 1, 10,
                   "the closed clients to be freed")
        assert info_fields(r)["loading"] == "1"
        # the load completes with every key
        wait_until(lambda: r.call("PING") == b"PONG", 60, "the load to finish")
        assert r.call("DBSIZE") == KEYS
        f = info_fields(r)
        assert f["loading"] == "0"
        assert "loading_total_bytes" not in f
        assert f["rdb_last_load_keys_loaded"] == str(KEYS)
        assert r.call("GET", "key:7") == b"value:7" + b"\x00" * (100 - len("value:7"))


def test_clients_are_served_while_the_aof_loads(spawn, tmp_path):
    srv, c = make_dataset(spawn, "--appendonly", "yes", "--aof-use-rdb-preamble", "no")
    # DEBUG POPULATE is not propagated: rewrite the AOF so that its base holds the keys, then
    # add commands to an incr file
    c.bgrewriteaof()
    wait_until(lambda: c.info("persistence")["aof_rewrite_in_progress"] == 0, 30, "rewrite")
    for i in range(100):
        c.set(f"later:{i}", i)
    stop(srv, c)
    srv = start_slow(spawn, "--appendonly", "yes")
    with srv.raw() as r:
        assert r.call("GET", "later:1") == LOADING
        f = info_fields(r)
        assert f["loading"] == "1"
        assert int(f["loading_total_bytes"]) > KEYS * 100
        wait_until(lambda: r.call("PING") == b"PONG", 60, "the load to finish")
        assert r.call("DBSIZE") == KEYS + 100
        assert r.call("GET", "later:99") == b"99"


def test_sigterm_during_load_exits_without_saving(spawn, tmp_path):
    before = saved_dataset(spawn, tmp_path)
    srv = start_slow(spawn, "--save", "1 1")
    t0 = time.monotonic()
    os.kill(srv.pid, signal.SIGTERM)
    rc = srv.wait_exit(timeout=10)
    srv.expected_exit = True
    assert rc == 0, srv.output()[-2000:]
    assert time.monotonic() - t0 < 5
    assert "Received shutdown signal during loading" in srv.output()
    assert digest(tmp_path / "dump.rdb") == before
    assert not list(tmp_path.glob("temp-*.rdb"))


def test_shutdown_during_load_never_saves_a_partial_dataset(spawn, tmp_path):
    before = saved_dataset(spawn, tmp_path)
    srv = start_slow(spawn, "--save", "1 1")
    with srv.raw() as r:
        r.send_command("SHUTDOWN", "SAVE")
        try:
            reply = r.read_reply()
        except (OSError, ConnectionError):
            reply = None
        assert reply is None or reply == b"", reply  # the connection just closes
    rc = srv.wait_exit(timeout=10)
    srv.expected_exit = True
    assert rc == 0, srv.output()[-2000:]
    assert digest(tmp_path / "dump.rdb") == before


def test_debug_reload_serves_other_clients(spawn):
    srv, c = make_dataset(spawn)
    c.config_set("key-load-delay", 300)
    c.config_set("loading-process-events-interval-bytes", 1024)
    with srv.raw() as busy, srv.raw() as r:
        busy.send_command("DEBUG", "RELOAD")
        wait_until(lambda: r.call("PING") == LOADING, 20, "LOADING during DEBUG RELOAD")
        assert info_fields(r)["loading"] == "1"
        # a client connecting now is served too
        assert try_call(srv, "GET", "key:1") == LOADING
        assert busy.read_reply() == b"OK"
        assert r.call("PING") == b"PONG"
        assert r.call("DBSIZE") == KEYS
    c.config_set("key-load-delay", 0)
    c.close()


def test_unix_socket_clients_during_load(spawn, tmp_path):
    sock = str(tmp_path / "sable.sock")
    saved_dataset(spawn, tmp_path)
    start_slow(spawn, "--unixsocket", sock)  # loading: connections are still answered
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(sock)
    s.sendall(b"*1\r\n$4\r\nPING\r\n")
    assert s.recv(100) == b"-LOADING Redis is loading the dataset in memory\r\n"
    s.close()
