"""maxmemory: eviction policies, -OOM refusals, the evicted keyspace event, and evictions
propagated to the AOF. Every test also passes against redis-server 7.0.15
(SABLE_SERVER=/usr/bin/redis-server).

Limits are set relative to INFO used_memory of the running server, so the tests do not depend
on how many bytes a key takes in either server.
"""

import time

import helpers
from helpers import RespError
from test_bitmaps import read_aof_commands

OOM = RespError("OOM command not allowed when used memory > 'maxmemory'.")
VALUE = "v" * 1000


def wait_until(pred, timeout=10.0, what="condition"):
    assert helpers.wait_for(pred, timeout=timeout, interval=0.02), f"timed out waiting: {what}"


def used(c):
    m = c.info("memory")
    return m["used_memory"] - m["mem_not_counted_for_evict"]


def within_limit(c):
    """used_memory is at most maxmemory, give or take what the measuring INFO itself holds:
    eviction runs before a command, and INFO's reply is being built when it reads the figure
    (a few hundred bytes; 4 KiB is under four of the tests' 1 KB values)."""
    return used(c) <= c.info("memory")["maxmemory"] + 4096


def fill(c, n, prefix="k", ex=None):
    p = c.pipeline(transaction=False)
    for i in range(n):
        p.set(f"{prefix}{i}", VALUE, ex=ex(i) if ex else None)
    p.execute()


def test_noeviction_refuses_denyoom_commands_only(spawn):
    srv = spawn()
    c = srv.client()
    fill(c, 2000)
    c.config_set("maxmemory", used(c) - 500_000)
    with srv.raw() as r:
        assert r.call("SET", "x", "1") == OOM
        assert r.call("LPUSH", "l", "a") == OOM
        assert r.call("GET", "k1") == VALUE.encode()  # reads work
        assert r.call("DEL", "k1") == 1               # DEL is not denyoom
        assert r.call("EXPIRE", "k2", "100") == 1
        # in MULTI everything queued is refused, and EXEC aborts
        assert r.call("MULTI") == b"OK"
        assert r.call("GET", "k3") == OOM
        assert r.call("EXEC") == RespError(
            "EXECABORT Transaction discarded because of previous errors.")
        # scripts: flags decide; compat-mode scripts fail at their first write
        assert r.call("EVAL", "#!lua\nreturn 1", "0") == OOM
        assert r.call("EVAL", "#!lua flags=no-writes\nreturn 2", "0") == 2
        assert r.call("EVAL", "#!lua flags=allow-oom\nreturn redis.call('set','y','1')",
                      "0") == b"OK"
        err = r.call("EVAL", "return redis.call('set','z','1')", "0")
        assert isinstance(err, RespError) and err.startswith("OOM command not allowed"), err
        assert r.call("EVAL", "return redis.call('get','y')", "0") == b"1"
    assert c.info("stats")["evicted_keys"] == 0
    assert c.dbsize() == 2000  # 2000 - k1 + y
    c.config_set("maxmemory", 0)
    assert c.set("x", "1") is True
    c.close()


def test_allkeys_lru_keeps_recently_used_keys(spawn):
    srv = spawn("--maxmemory-policy", "allkeys-lru", "--maxmemory-samples", "10")
    c = srv.client()
    fill(c, 4000)
    time.sleep(2.1)  # the LRU clock counts seconds
    hot = [f"k{i}" for i in range(0, 4000, 10)]
    p = c.pipeline(transaction=False)
    for k in hot:
        p.get(k)
    p.execute()
    c.config_set("maxmemory", used(c) - 2000 * 1100)
    wait_until(lambda: c.info("stats")["evicted_keys"] >= 1500, what="evictions")
    assert c.dbsize() < 2600
    survivors = sum(c.exists(k) for k in hot)
    assert survivors >= 0.9 * len(hot), survivors
    assert within_limit(c)
    c.close()


def test_volatile_policies_evict_only_keys_with_a_ttl(spawn):
    for policy in ("volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"):
        srv = spawn("--maxmemory-policy", policy)
        c = srv.client()
        fill(c, 1000, "p")                                      # persistent
        fill(c, 1000, "t", ex=lambda i: 1000 + i * 10)           # TTLs grow with i
        c.config_set("maxmemory", used(c) - 500 * 1100)
        wait_until(lambda: c.info("stats")["evicted_keys"] >= 400, what=f"{policy} evictions")
        assert all(c.exists(f"p{i}") for i in range(1000)), policy
        if policy == "volatile-ttl":
            # the shortest TTLs went first. The policy is sampled (5 keys per round into a
            # 16-entry pool), so a single short-TTL key may survive; both servers keep about
            # 5 of the 100 shortest and all of the 100 longest after ~570 evictions.
            wait_until(lambda: within_limit(c), what="limit reached")
            shortest = sum(c.exists(f"t{i}") for i in range(100))
            longest = sum(c.exists(f"t{i}") for i in range(900, 1000))
            assert shortest <= 25 and longest >= 95, (shortest, longest)
        # once only persistent keys are left over the limit, writes are refused
        c.config_set("maxmemory", 1)
        with srv.raw() as r:
            wait_until(lambda: r.call("SET", "new", "1") == OOM, what=f"{policy} OOM")
        assert sum(c.exists(f"t{i}") for i in range(1000)) == 0
        assert c.dbsize() == 1000
        c.close()


def test_evictions_fire_events_and_reach_the_aof(spawn, tmp_path):
    srv = spawn("--appendonly", "yes", "--appendfsync", "always",
                "--maxmemory-policy", "allkeys-random", "--notify-keyspace-events", "Ee")
    c = srv.client()
    fill(c, 300)
    sub = srv.client().pubsub()
    sub.psubscribe("__keyevent@0__:evicted")
    assert sub.get_message(timeout=2)["type"] == "psubscribe"
    c.config_set("maxmemory", 1)
    wait_until(lambda: c.dbsize() == 0, what="every key evicted")
    evicted = set()
    while len(evicted) < 300:
        m = sub.get_message(timeout=2)
        assert m is not None, f"only {len(evicted)} evicted events"
        if m["type"] == "pmessage":
            evicted.add(m["data"].decode())
    assert evicted == {f"k{i}" for i in range(300)}
    assert c.info("stats")["evicted_keys"] == 300
    c.config_set("maxmemory", 0)
    c.set("after", "1")
    dels = [cmd[1] for cmd in read_aof_commands(tmp_path) if cmd[0].upper() == "DEL"]
    assert sorted(dels) == sorted(evicted)
    sub.close()
    c.close()


def test_memory_stays_near_the_limit_under_a_write_load(spawn):
    srv = spawn("--maxmemory-policy", "allkeys-lru")
    c = srv.client()
    limit = used(c) + 8 * 1024 * 1024
    c.config_set("maxmemory", limit)
    for batch in range(30):  # ~30 MB of writes into an 8 MB budget
        fill(c, 1000, f"b{batch}:")
        assert used(c) <= limit + 256 * 1024
    assert c.info("stats")["evicted_keys"] > 15000
    assert c.get("b29:999") == VALUE.encode()  # the newest keys are there
    c.close()
