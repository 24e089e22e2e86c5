"""Client-side caching: CLIENT TRACKING (default mode, BCAST with prefixes, OPTIN/OPTOUT with
CLIENT CACHING, NOLOOP, REDIRECT to a RESP2 subscriber or a RESP3 client), invalidation shapes,
flush invalidation, tracking-table-max-keys, broken redirects, CLIENT GETREDIR/TRACKINGINFO/
LIST fields, INFO fields, RESET and disconnect."""

import time

import pytest

from helpers import Push, RespError, RespSet

E = RespError


@pytest.fixture(autouse=True)
def restore_tracking_table_limit(r):
    yield
    r.config_set("tracking-table-max-keys", 1000000)


def redirect_target(conns):
    """A RESP2 connection subscribed to __redis__:invalidate, and its id."""
    c = conns()
    cid = c.call("CLIENT", "ID")
    c.send_command("SUBSCRIBE", "__redis__:invalidate")
    assert c.read_reply() == [b"subscribe", b"__redis__:invalidate", 1]
    return c, cid


def invalidation(conn):
    """Reads one RESP2 invalidation message and returns its keys (None = everything)."""
    msg = conn.read_reply()
    assert msg[:2] == [b"message", b"__redis__:invalidate"], msg
    return msg[2]


def test_resp3_default_mode(r, conns):
    t = conns(resp3=True)
    assert t.call("CLIENT", "TRACKING", "on") == b"OK"
    r.set("a", "1")
    assert t.call("GET", "a") == b"1"
    r.set("a", "2")
    assert t.read_reply() == Push([b"invalidate", [b"a"]])
    r.set("a", "3")  # no longer tracked: nothing more
    assert t.call("PING") == b"PONG"


def test_own_write_invalidation_follows_the_reply(conns):
    t = conns(resp3=True)
    t.call("CLIENT", "TRACKING", "on")
    t.call("GET", "k")
    t.send_command("SET", "k", "1")
    assert t.read_reply() == b"OK"
    assert t.read_reply() == Push([b"invalidate", [b"k"]])
    t.call("GET", "k")
    t.call("MULTI")
    t.call("INCR", "k")
    t.call("GET", "k")
    t.send_command("EXEC")
    assert t.read_reply() == [2, b"2"]
    assert t.read_reply() == Push([b"invalidate", [b"k"]])


def test_redirect_to_resp2_subscriber(r, conns):
    target, tid = redirect_target(conns)
    t = conns()
    assert t.call("CLIENT", "TRACKING", "on", "REDIRECT", tid) == b"OK"
    assert t.call("CLIENT", "GETREDIR") == tid
    t.call("MGET", "a", "b")
    r.mset({"a": 1, "b": 2})
    got = [invalidation(target), invalidation(target)]
    assert sorted(got) == [[b"a"], [b"b"]]
    t.call("GET", "a")
    r.flushall()
    assert invalidation(target) is None


def test_resp2_client_without_redirect_gets_nothing(r, conns):
    t = conns()
    assert t.call("CLIENT", "TRACKING", "on") == b"OK"
    t.call("GET", "x")
    r.set("x", "1")
    assert t.call("PING") == b"PONG"  # no stray bytes before the reply


def test_bcast_prefixes_and_noloop(r, conns):
    target, tid = redirect_target(conns)
    t = conns()
    assert t.call("CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", tid, "PREFIX", "a:",
                  "PREFIX", "b:") == b"OK"
    r.mset({"a:1": 1, "a:2": 2, "b:1": 3, "c:1": 4})
    assert invalidation(target) == [b"a:1", b"a:2"]  # one message per prefix, sorted keys
    assert invalidation(target) == [b"b:1"]
    assert t.call("CLIENT", "TRACKING", "on", "BCAST", "NOLOOP", "REDIRECT", tid) == b"OK"
    t.call("SET", "a:mine", "1")
    r.set("a:theirs", "1")
    assert invalidation(target) == [b"a:theirs"]
    # re-enabling BCAST without PREFIX adds the empty prefix to the ones it had (as Redis)
    info = t.call("CLIENT", "TRACKINGINFO")
    assert info == [b"flags", [b"on", b"bcast", b"noloop"], b"redirect", tid,
                    b"prefixes", [b"", b"a:", b"b:"]]
    assert r.info("stats")["tracking_total_prefixes"] == 3


def test_bcast_empty_prefix_gets_everything(r, conns):
    t = conns(resp3=True)
    t.call("CLIENT", "TRACKING", "on", "BCAST")
    r.set("anything", "1")
    assert t.read_reply() == Push([b"invalidate", [b"anything"]])
    info = t.call("CLIENT", "TRACKINGINFO")
    assert info[b"prefixes"] == [b""]


def test_optin_optout(r, conns):
    t = conns(resp3=True)
    t.call("CLIENT", "TRACKING", "on", "OPTIN")
    t.call("GET", "no")
    assert t.call("CLIENT", "CACHING", "yes") == b"OK"
    assert t.call("CLIENT", "TRACKINGINFO")[b"flags"] == RespSet([b"on", b"optin",
                                                                  b"caching-yes"])
    t.call("GET", "yes")
    r.mset({"no": 1, "yes": 1})
    assert t.read_reply() == Push([b"invalidate", [b"yes"]])
    t.call("CLIENT", "TRACKING", "off")
    t.call("CLIENT", "TRACKING", "on", "OPTOUT")
    t.call("CLIENT", "CACHING", "no")
    t.call("GET", "skip")
    t.call("GET", "keep")
    r.mset({"skip": 1, "keep": 1})
    assert t.read_reply() == Push([b"invalidate", [b"keep"]])


@pytest.mark.parametrize("args,error", [
    (["on", "PREFIX", "x"], "ERR PREFIX option requires BCAST mode to be enabled"),
    (["on", "BCAST", "OPTIN"], "ERR OPTIN and OPTOUT are not compatible with BCAST"),
    (["on", "OPTIN", "OPTOUT"], "ERR You can't specify both OPTIN mode and OPTOUT mode"),
    (["on", "REDIRECT", "abc"], "ERR value is not an integer or out of range"),
    (["on", "REDIRECT", "0"], "ERR The client ID you want redirect to does not exist"),
    (["on", "REDIRECT", "99999999"], "ERR The client ID you want redirect to does not exist"),
    (["on", "FOO"], "ERR syntax error"),
    (["maybe"], "ERR syntax error"),
    (["on", "BCAST", "PREFIX", "FOOBAR", "PREFIX", "FOO"],
     "ERR Prefix 'FOOBAR' overlaps with another provided prefix 'FOO'. Prefixes for a single "
     "client must not overlap."),
])
def test_tracking_errors(conns, args, error):
    c = conns()
    assert c.call("CLIENT", "TRACKING", *args) == E(error)
    assert c.call("CLIENT", "TRACKINGINFO")[1] == [b"off"]


def test_mode_switch_errors(conns):
    c = conns()
    c.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "FOO")
    assert c.call("CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "FO") == E(
        "ERR Prefix 'FO' overlaps with an existing prefix 'FOO'. Prefixes for a single client "
        "must not overlap.")
    assert c.call("CLIENT", "TRACKING", "on") == E(
        "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and "
        "then re-enabling it with a different mode.")
    c.call("CLIENT", "TRACKING", "off")
    c.call("CLIENT", "TRACKING", "on", "OPTIN")
    assert c.call("CLIENT", "TRACKING", "on", "OPTOUT") == E(
        "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and "
        "then re-enabling it with a different mode.")
    assert c.call("CLIENT", "CACHING", "no") == E(
        "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.")
    assert c.call("CLIENT", "CACHING", "maybe") == E("ERR syntax error")
    c.call("CLIENT", "TRACKING", "off")
    assert c.call("CLIENT", "CACHING", "yes") == E(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN "
        "or OPTOUT mode enabled")
    assert c.call("CLIENT", "GETREDIR") == -1


def test_broken_redirect(r, conns):
    target, tid = redirect_target(conns)
    t = conns(resp3=True)
    t.call("CLIENT", "TRACKING", "on", "REDIRECT", tid)
    t.call("GET", "k")
    target.send_command("QUIT")
    assert target.read_reply() == b"OK"
    time.sleep(0.05)
    r.set("k", "1")
    assert t.read_reply() == Push([b"tracking-redir-broken", tid])
    info = t.call("CLIENT", "TRACKINGINFO")
    assert info[b"flags"] == RespSet([b"on", b"broken_redirect"])
    line = t.call("CLIENT", "INFO")
    assert b" flags=tR " in line and b" redir=%d " % tid in line


def test_flush_invalidation_after_exec_reply(r, conns):
    t = conns(resp3=True)
    t.call("CLIENT", "TRACKING", "on")
    t.call("GET", "a")
    t.call("MULTI")
    t.call("FLUSHDB")
    t.send_command("EXEC")
    assert t.read_reply() == [b"OK"]
    assert t.read_reply() == Push([b"invalidate", None])


def test_tracking_table_limit(r, conns):
    target, tid = redirect_target(conns)
    t = conns()
    t.call("CLIENT", "TRACKING", "on", "REDIRECT", tid)
    for i in range(150):
        t.call("GET", f"key{i}")
    assert r.info("stats")["tracking_total_keys"] == 150
    r.config_set("tracking-table-max-keys", 10)
    got = [invalidation(target) for _ in range(140)]
    assert len({k[0] for k in got}) == 140
    assert r.info("stats")["tracking_total_keys"] == 10


def test_info_client_list_reset_and_disconnect(r, conns, server):
    t = conns()
    t.call("CLIENT", "TRACKING", "on", "BCAST")
    assert r.info("clients")["tracking_clients"] == 1
    assert b" flags=tB " in t.call("CLIENT", "INFO")
    assert b" redir=0 " in t.call("CLIENT", "INFO")
    assert t.call("RESET") == b"RESET"
    assert r.info("clients")["tracking_clients"] == 0
    assert b" flags=N " in t.call("CLIENT", "INFO")
    assert b" redir=-1 " in t.call("CLIENT", "INFO")
    u = server.raw()
    u.call("CLIENT", "TRACKING", "on")
    u.call("GET", "x")
    assert r.info("clients")["tracking_clients"] == 1
    u.close()
    for _ in range(100):
        if r.info("clients")["tracking_clients"] == 0:
            break
        time.sleep(0.01)
    assert r.info("clients")["tracking_clients"] == 0
    r.set("x", "1")  # the stale id in the table is dropped lazily
    assert r.info("stats")["tracking_total_keys"] == 0


def test_resp3_redirect_target(r, conns):
    target = conns(resp3=True)
    tid = target.call("CLIENT", "ID")
    t = conns()
    t.call("CLIENT", "TRACKING", "on", "REDIRECT", tid)
    t.call("GET", "k")
    r.set("k", "v")
    assert target.read_reply() == Push([b"invalidate", [b"k"]])
