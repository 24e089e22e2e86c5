"""client-output-buffer-limit for normal clients, as Redis 7.0: a client whose reply goes past
the hard limit is closed without getting any of it (even for pipelined commands), a
transaction still runs whole, and huge replies (HRANDFIELD with a huge count, KEYS) stop
being built. Every test also passes against redis-server 7.0.15
(SABLE_SERVER=/usr/bin/redis-server).
"""

import time

import pytest

import helpers


@pytest.fixture
def limited(server):
    with server.raw() as admin:
        assert admin.call("FLUSHALL") == b"OK"
        assert admin.call("CONFIG", "SET", "client-output-buffer-limit",
                          "normal 100000 0 0") == b"OK"
        yield admin
        assert admin.call("CONFIG", "SET", "client-output-buffer-limit",
                          "normal 0 0 0") == b"OK"


def closed_without_reply(conn):
    """The server closes `conn` and sends nothing."""
    return conn.read_until_closed(timeout=5) == b""


def client_names(admin):
    return {line.split(" name=")[1].split(" ")[0]
            for line in admin.call("CLIENT", "LIST").decode().splitlines()}


def test_a_reply_past_the_hard_limit_closes_the_client_without_it(server, limited):
    item = "x" * 1000
    for _ in range(150):
        limited.call("LPUSH", "mylist", item)
    with server.raw() as big:
        assert big.call("CLIENT", "SETNAME", "mybiglist") == b"OK"
        big.send_command("LRANGE", "mylist", "0", "-1")
        assert closed_without_reply(big)
    assert "mybiglist" not in client_names(limited)
    assert limited.call("LLEN", "mylist") == 150  # the server keeps serving


def test_pipelined_commands_stop_at_the_limit(server, limited):
    limited.call("SET", "bigkey", "x" * 10000)
    with server.raw() as c:
        assert c.call("CLIENT", "SETNAME", "pipeline") == b"OK"
        c.send(b"".join(helpers.encode_command("GET", "bigkey") for _ in range(15)) +
               helpers.encode_command("SET", "after", "1"))
        assert closed_without_reply(c)
    assert "pipeline" not in client_names(limited)
    assert limited.call("EXISTS", "after") == 0  # nothing after the limit ran


def test_a_transaction_runs_whole_past_the_limit(server, limited):
    item = "x" * 1000
    for _ in range(150):
        limited.call("LPUSH", "mylist2", item)
    limited.call("SET", "k1", "v1")
    with server.raw() as c:
        c.call("MULTI")
        c.call("SET", "k2", "v2")
        c.call("LRANGE", "mylist2", "0", "-1")
        c.call("SET", "k3", "v3")
        c.call("DEL", "k1")
        c.send_command("EXEC")
        assert closed_without_reply(c)
    assert limited.call("MGET", "k1", "k2", "k3") == [None, b"v2", b"v3"]


@pytest.mark.parametrize("cmd", [("HRANDFIELD", "h", "-999999999"),
                                 ("SRANDMEMBER", "s", "-999999999"),
                                 ("ZRANDMEMBER", "z", "-999999999", "WITHSCORES"),
                                 ("KEYS", "*")])
def test_huge_replies_stop_being_built(server, limited, cmd):
    limited.call("HSET", "h", "a", "b")
    limited.call("SADD", "s", "m")
    limited.call("ZADD", "z", "1", "m")
    limited.call("DEBUG", "POPULATE", "2000", "long-key-name-prefix-" + "-" * 80)
    t0 = time.monotonic()
    with server.raw() as c:
        c.send_command(*cmd)
        assert closed_without_reply(c)
    assert time.monotonic() - t0 < 5
    assert limited.call("PING") == b"PONG"
