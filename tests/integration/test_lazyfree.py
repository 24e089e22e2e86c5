"""Lazy freeing (Redis's lazyfree): UNLINK, FLUSHDB/FLUSHALL ASYNC and the lazyfree-lazy-*
settings free large values on a background thread; INFO's lazyfree_pending_objects and
lazyfreed_objects count them, and used_memory falls once they are freed. Every test also
passes against redis-server 7.0.15 (SABLE_SERVER=/usr/bin/redis-server).
"""

import time

import helpers


def wait_until(pred, timeout=10.0, what="condition"):
    assert helpers.wait_for(pred, timeout=timeout, interval=0.02), f"timed out waiting: {what}"


def mem(c):
    return c.info("memory")


def settled(c):
    """Waits until nothing is queued for the background thread; returns INFO memory."""
    wait_until(lambda: mem(c)["lazyfree_pending_objects"] == 0, what="lazyfree done")
    return mem(c)


def big_set(c, key, n=100_000):
    p = c.pipeline(transaction=False)
    for i in range(0, n, 10_000):
        p.sadd(key, *range(i, i + 10_000))
    p.execute()


def test_unlink_frees_a_large_value_in_the_background(spawn):
    srv = spawn()
    c = srv.client()
    c.config_resetstat()
    orig = settled(c)["used_memory"]
    big_set(c, "myset")
    peak = mem(c)["used_memory"]
    assert peak > orig + 1_000_000
    assert c.unlink("myset") == 1
    assert c.exists("myset") == 0
    wait_until(lambda: mem(c)["used_memory"] < orig + 500_000, what="memory given back")
    assert settled(c)["lazyfreed_objects"] == 1
    # small values (one allocation) are freed at once, not counted
    c.sadd("small", "a", "b")
    c.set("str", "x" * 1000)
    c.hset("h", mapping={f"f{i}": i for i in range(100)})  # a listpack hash
    assert c.unlink("small", "str", "h", "missing") == 3
    assert settled(c)["lazyfreed_objects"] == 1
    c.config_resetstat()
    assert mem(c)["lazyfreed_objects"] == 0
    c.close()


def test_del_is_synchronous_unless_lazyfree_lazy_user_del(spawn):
    srv = spawn()
    c = srv.client()
    big_set(c, "a")
    assert c.delete("a") == 1
    assert settled(c)["lazyfreed_objects"] == 0
    c.config_set("lazyfree-lazy-user-del", "yes")
    big_set(c, "b")
    for i in range(0, 300_000, 30_000):  # a quicklist of a few hundred 8 KB nodes
        c.rpush("l", *range(i, i + 30_000))
    c.zadd("z", {f"m{i}": i for i in range(1000)})  # a skiplist
    assert c.delete("b", "l", "z") == 3
    assert settled(c)["lazyfreed_objects"] == 3
    c.close()


def test_flush_async_frees_every_key_in_the_background(spawn):
    srv = spawn()
    c = srv.client()
    orig = settled(c)["used_memory"]
    c.execute_command("DEBUG", "POPULATE", "200000")
    other = srv.client(db=2)
    other.execute_command("DEBUG", "POPULATE", "1000")
    assert c.flushall(asynchronous=True) is True
    assert c.dbsize() == 0 and other.dbsize() == 0
    c.set("after", "1")  # the emptied databases take writes at once
    assert c.get("after") == b"1"
    wait_until(lambda: mem(c)["used_memory"] < orig + 1_000_000, what="memory given back")
    assert settled(c)["lazyfreed_objects"] == 201_000
    # FLUSHDB ASYNC empties only the selected database
    other.set("k", "v")
    assert other.flushdb(asynchronous=True) is True
    assert other.dbsize() == 0 and c.get("after") == b"1"
    # lazyfree-lazy-user-flush makes a plain FLUSHALL asynchronous; SYNC still is not
    c.config_resetstat()
    c.config_set("lazyfree-lazy-user-flush", "yes")
    c.execute_command("DEBUG", "POPULATE", "1000")
    c.execute_command("FLUSHALL")
    assert settled(c)["lazyfreed_objects"] == 1001  # with "after"
    c.execute_command("DEBUG", "POPULATE", "1000")
    c.execute_command("FLUSHALL", "SYNC")
    assert settled(c)["lazyfreed_objects"] == 1001
    other.close()
    c.close()


def test_lazyfree_lazy_expire(spawn):
    srv = spawn("--lazyfree-lazy-expire", "yes")
    c = srv.client()
    big_set(c, "s", 20_000)
    c.pexpire("s", 50)
    time.sleep(0.1)
    assert c.exists("s") == 0  # lazy expiry
    assert settled(c)["lazyfreed_objects"] == 1
    assert c.info("stats")["expired_keys"] == 1
    c.close()


def test_a_long_command_does_not_keep_its_argument_array(spawn):
    """After SADD of 100,000 members and UNLINK, memory is back near where it started (the
    connection does not hold the command's argument array)."""
    srv = spawn()
    c = srv.client()
    orig = settled(c)["used_memory"]
    c.sadd("myset", *range(100_000))
    assert c.unlink("myset") == 1
    wait_until(lambda: mem(c)["used_memory"] < orig * 1.5, what="memory given back")
    c.close()


def test_lazyfree_lazy_server_del(spawn):
    """Values a command overwrites (SET, RENAME, a STORE destination) or deletes as a side
    effect go to the background thread with lazyfree-lazy-server-del."""
    srv = spawn("--lazyfree-lazy-server-del", "yes")
    c = srv.client()
    big_set(c, "s", 20_000)
    assert c.set("s", "now a string") is True
    assert settled(c)["lazyfreed_objects"] == 1
    big_set(c, "a", 20_000)
    big_set(c, "b", 20_000)
    assert c.rename("a", "b") is True
    assert settled(c)["lazyfreed_objects"] == 2
    c.sadd("small", "x")
    assert c.sunionstore("b", ["small"]) == 1
    assert settled(c)["lazyfreed_objects"] == 3
    assert c.smembers("b") == {b"x"}
    c.config_set("lazyfree-lazy-server-del", "no")
    big_set(c, "t", 20_000)
    assert c.set("t", "x") is True
    assert settled(c)["lazyfreed_objects"] == 3
    c.close()
