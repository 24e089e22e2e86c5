"""Many clients blocked at once: 1,000 clients in BLPOP on 100 keys.

Each push must release each waiting client exactly once, in the order the clients blocked,
and while they all wait the server must not spin (no busy polling): its CPU stays idle.
"""
import os
import resource
import select
import time

import helpers

CLIENTS = 1000
KEYS = 100


def _raise_fd_limit(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(needed, hard), hard))
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert soft >= needed, f"need {needed} file descriptors for this test, the limit is {soft}"


def _cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(") ", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _blocked(ctl):
    info = ctl.call("INFO", "clients")
    return int(info.split(b"blocked_clients:")[1].split(b"\r\n")[0])


def _block_all(ctl, conns, key_of):
    # One at a time, waiting until the server has parked each, so arrival order is defined.
    for i, c in enumerate(conns):
        c.send_command("BLPOP", key_of(i), 0)
        assert helpers.wait_for(lambda: _blocked(ctl) == i + 1, timeout=10, interval=0.001), \
            f"client {i} did not block"


def _no_more_data(conns, wait=0.3):
    time.sleep(wait)
    readable, _, _ = select.select([c.sock for c in conns if not c.buf], [], [], 0)
    return not readable and all(not c.buf for c in conns)


def test_thousand_clients_blocked_on_hundred_keys(spawn):
    _raise_fd_limit(CLIENTS + 200)
    srv = spawn("--maxclients", "10000")
    ctl = srv.raw()
    conns = [srv.raw() for _ in range(CLIENTS)]
    try:
        key_of = lambda i: f"q:{i % KEYS}"  # noqa: E731 - clients i, i+100, ... share a key
        _block_all(ctl, conns, key_of)
        assert _blocked(ctl) == CLIENTS

        # Waiting costs nothing: over 2 s the server uses (almost) no CPU.
        before = _cpu_seconds(srv.pid)
        time.sleep(2.0)
        idle_cpu = _cpu_seconds(srv.pid) - before
        assert idle_cpu <= 0.1, f"server used {idle_cpu:.2f} s of CPU in 2 s while clients wait"

        # One RPUSH per key with 10 values: the 10 clients of that key get one value each,
        # first blocked first served.
        for k in range(KEYS):
            assert ctl.call("RPUSH", f"q:{k}", *[f"v{k}-{j}" for j in range(10)]) == 10
        for i, c in enumerate(conns):
            k, j = i % KEYS, i // KEYS
            assert c.read_reply() == [f"q:{k}".encode(), f"v{k}-{j}".encode()], f"client {i}"
        assert _no_more_data(conns), "a client got a second reply"
        assert _blocked(ctl) == 0
        for k in range(KEYS):
            assert ctl.call("EXISTS", f"q:{k}") == 0, "a pushed value was not consumed"

        # Again, with single-element pushes interleaved over the keys and more values than
        # waiters: each client exactly once, leftovers stay in the lists.
        _block_all(ctl, conns, key_of)
        for j in range(11):
            for k in range(KEYS):
                ctl.call("LPUSH", f"q:{k}", f"w{k}-{j}")
        for i, c in enumerate(conns):
            k, j = i % KEYS, i // KEYS
            assert c.read_reply() == [f"q:{k}".encode(), f"w{k}-{j}".encode()], f"client {i}"
        assert _no_more_data(conns), "a client got a second reply"
        for k in range(KEYS):
            assert ctl.call("LRANGE", f"q:{k}", 0, -1) == [f"w{k}-10".encode()]
        assert _blocked(ctl) == 0
        assert ctl.call("PING") == b"PONG"
    finally:
        for c in conns:
            c.close()
        ctl.close()
