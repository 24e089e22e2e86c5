"""Pub/Sub: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH PUBSUB and the shard forms
SSUBSCRIBE SUNSUBSCRIBE SPUBLISH (non-cluster), RESP2 messages and RESP3 pushes, the RESP2
Pub/Sub context, CLIENT REPLY OFF, RESET/QUIT/disconnect cleanup, CLIENT LIST and INFO fields,
the pubsub output buffer limit, and keyspace notifications (notify-keyspace-events) per event
class."""

import time

import pytest

from helpers import Push, RespError

E = RespError


def ctx_error(cmd):
    return E(f"ERR Can't execute '{cmd}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT "
             "/ RESET are allowed in this context")




@pytest.fixture
def events(r):
    yield
    r.config_set("notify-keyspace-events", "")


def read_n(conn, n):
    return [conn.read_reply() for _ in range(n)]


# --------------------------------------------------------------------------------------------
# Subscribe / publish
# --------------------------------------------------------------------------------------------

def test_subscribe_publish_resp2(r, conns):
    sub = conns()
    sub.send_command("SUBSCRIBE", "a", "b", "a")
    assert read_n(sub, 3) == [[b"subscribe", b"a", 1], [b"subscribe", b"b", 2],
                              [b"subscribe", b"a", 2]]
    assert r.publish("a", "hello") == 1
    assert r.publish("zz", "nobody") == 0
    assert sub.read_reply() == [b"message", b"a", b"hello"]
    sub.send_command("UNSUBSCRIBE", "a", "zz")
    assert read_n(sub, 2) == [[b"unsubscribe", b"a", 1], [b"unsubscribe", b"zz", 1]]
    assert r.publish("a", "x") == 0
    sub.send_command("UNSUBSCRIBE")
    assert sub.read_reply() == [b"unsubscribe", b"b", 0]
    sub.send_command("UNSUBSCRIBE")
    assert sub.read_reply() == [b"unsubscribe", None, 0]
    assert sub.call("GET", "k") is None  # out of Pub/Sub mode


def test_psubscribe_and_counts(r, conns):
    sub = conns()
    sub.send_command("SUBSCRIBE", "news.1")
    sub.read_reply()
    sub.send_command("PSUBSCRIBE", "news.*", "n?ws.*", "news.*")
    assert read_n(sub, 3) == [[b"psubscribe", b"news.*", 2], [b"psubscribe", b"n?ws.*", 3],
                              [b"psubscribe", b"news.*", 3]]
    assert r.publish("news.1", "m") == 3
    got = read_n(sub, 3)
    assert got[0] == [b"message", b"news.1", b"m"]
    assert sorted(got[1:]) == [[b"pmessage", b"n?ws.*", b"news.1", b"m"],
                               [b"pmessage", b"news.*", b"news.1", b"m"]]
    assert r.execute_command("PUBSUB", "NUMPAT") == 2
    assert r.execute_command("PUBSUB", "NUMSUB", "news.1", "x") == [b"news.1", 1, b"x", 0]
    assert r.execute_command("PUBSUB", "CHANNELS") == [b"news.1"]
    assert r.execute_command("PUBSUB", "CHANNELS", "x*") == []
    sub.send_command("PUNSUBSCRIBE", "nope", "news.*")
    assert read_n(sub, 2) == [[b"punsubscribe", b"nope", 3], [b"punsubscribe", b"news.*", 2]]
    sub.send_command("PUNSUBSCRIBE")
    assert sub.read_reply() == [b"punsubscribe", b"n?ws.*", 1]
    sub.send_command("PUNSUBSCRIBE")
    assert sub.read_reply() == [b"punsubscribe", None, 1]


def test_unsubscribe_when_never_subscribed(conns):
    c = conns()
    assert c.call("UNSUBSCRIBE") == [b"unsubscribe", None, 0]
    assert c.call("PUNSUBSCRIBE") == [b"punsubscribe", None, 0]
    assert c.call("SUNSUBSCRIBE") == [b"sunsubscribe", None, 0]
    assert c.call("SET", "k", "v") == b"OK"


def test_shard_channels(r, conns):
    a, b = conns(), conns()
    a.send_command("SSUBSCRIBE", "ch", "ch2")
    assert read_n(a, 2) == [[b"ssubscribe", b"ch", 1], [b"ssubscribe", b"ch2", 2]]
    b.send_command("SUBSCRIBE", "ch")
    b.read_reply()
    assert r.execute_command("SPUBLISH", "ch", "s") == 1
    assert r.publish("ch", "p") == 1
    assert a.read_reply() == [b"smessage", b"ch", b"s"]
    assert b.read_reply() == [b"message", b"ch", b"p"]
    assert r.execute_command("PUBSUB", "SHARDNUMSUB", "ch", "no") == [b"ch", 1, b"no", 0]
    assert sorted(r.execute_command("PUBSUB", "SHARDCHANNELS")) == [b"ch", b"ch2"]
    assert r.execute_command("PUBSUB", "SHARDCHANNELS", "*2") == [b"ch2"]
    # patterns never match shard channels
    c = conns()
    c.send_command("PSUBSCRIBE", "*")
    c.read_reply()
    assert r.execute_command("SPUBLISH", "ch2", "x") == 1
    assert a.read_reply() == [b"smessage", b"ch2", b"x"]
    # a client in shard channels only is in Pub/Sub mode too
    assert a.call("GET", "k") == ctx_error("get")
    a.send_command("SUNSUBSCRIBE")
    got = read_n(a, 2)  # in no particular order; the counts go down
    assert sorted(m[1] for m in got) == [b"ch", b"ch2"]
    assert [m[0] for m in got] == [b"sunsubscribe"] * 2 and [m[2] for m in got] == [1, 0]
    assert a.call("GET", "k") is None


def test_ssubscribe_inside_exec_is_denied(conns):
    c = conns()
    assert c.call("MULTI") == b"OK"
    assert c.call("SSUBSCRIBE", "x") == b"QUEUED"
    assert c.call("EXEC") == [E("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client")]


def test_resp2_context_restrictions(conns):
    c = conns()
    c.send_command("SUBSCRIBE", "x")
    c.read_reply()
    assert c.call("GET", "k") == ctx_error("get")
    assert c.call("CLIENT", "ID") == ctx_error("client|id")
    assert c.call("PING") == [b"pong", b""]
    assert c.call("PING", "hi") == [b"pong", b"hi"]
    c.send_command("PSUBSCRIBE", "p*")
    assert c.read_reply() == [b"psubscribe", b"p*", 2]
    assert c.call("RESET") == b"RESET"
    assert c.call("GET", "k") is None
    assert c.call("PING") == b"PONG"


def test_resp3_pushes_and_no_restrictions(r, conns):
    c = conns(resp3=True)
    assert c.call("SUBSCRIBE", "x") == Push([b"subscribe", b"x", 1])
    assert c.call("GET", "k") is None
    assert c.call("PING") == b"PONG"
    assert r.publish("x", "m") == 1
    assert c.read_reply() == Push([b"message", b"x", b"m"])
    # a message to itself comes before the PUBLISH reply
    c.send_command("PUBLISH", "x", "self")
    assert c.read_reply() == Push([b"message", b"x", b"self"])
    assert c.read_reply() == 1
    assert c.call("UNSUBSCRIBE") == Push([b"unsubscribe", b"x", 0])
    raw = c.call_raw("UNSUBSCRIBE")
    assert raw == b">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n"


def test_client_reply_off_still_gets_pushes(r, conns):
    c = conns()
    c.send_command("CLIENT", "REPLY", "OFF")
    c.send_command("SUBSCRIBE", "x")
    assert c.read_reply() == [b"subscribe", b"x", 1]
    assert r.publish("x", "m") == 1
    assert c.read_reply() == [b"message", b"x", b"m"]


def test_disconnect_and_quit_clean_up(r, conns, server):
    a = conns()
    a.send_command("SUBSCRIBE", "gone")
    a.read_reply()
    a.send_command("PSUBSCRIBE", "gone*")
    a.read_reply()
    assert r.execute_command("PUBSUB", "NUMSUB", "gone") == [b"gone", 1]
    a.send_command("QUIT")
    assert a.read_reply() == b"OK"
    for _ in range(100):
        if r.execute_command("PUBSUB", "NUMPAT") == 0:
            break
        time.sleep(0.01)
    assert r.execute_command("PUBSUB", "NUMSUB", "gone") == [b"gone", 0]
    assert r.execute_command("PUBSUB", "NUMPAT") == 0
    assert r.publish("gone", "x") == 0
    b = server.raw()
    b.send_command("SUBSCRIBE", "gone2")
    b.read_reply()
    b.close()
    for _ in range(100):
        if r.publish("gone2", "x") == 0:
            break
        time.sleep(0.01)
    assert r.publish("gone2", "x") == 0


def test_client_list_and_info_fields(r, conns):
    a = conns()
    a.send_command("SUBSCRIBE", "c1", "c2")
    read_n(a, 2)
    a.send_command("PSUBSCRIBE", "p*")
    a.read_reply()
    a.send_command("SSUBSCRIBE", "s")
    a.read_reply()
    lines = [ln for ln in r.execute_command("CLIENT", "LIST").decode().splitlines()
             if "sub=2" in ln]
    assert len(lines) == 1
    assert " flags=P " in lines[0] and " psub=1 " in lines[0] and " ssub=1 " in lines[0]
    pubsub_only = r.execute_command("CLIENT", "LIST", "TYPE", "pubsub").decode().splitlines()
    assert len(pubsub_only) == 1 and " sub=2 " in pubsub_only[0]
    normal = r.execute_command("CLIENT", "LIST", "TYPE", "normal").decode()
    assert " sub=2 " not in normal
    info = r.info("stats")
    assert info["pubsub_channels"] == 2
    assert info["pubsub_patterns"] == 1
    assert info["pubsubshard_channels"] == 1
    assert r.execute_command("CLIENT", "KILL", "TYPE", "pubsub") == 1


def test_pubsub_errors_and_help(r):
    with pytest.raises(Exception, match="wrong number of arguments for 'subscribe'"):
        r.execute_command("SUBSCRIBE")
    with pytest.raises(Exception, match="wrong number of arguments for 'publish'"):
        r.execute_command("PUBLISH", "x")
    with pytest.raises(Exception, match="unknown subcommand 'FOO'"):
        r.execute_command("PUBSUB", "FOO")
    with pytest.raises(Exception, match="unknown subcommand or wrong number of arguments for "
                                        "'CHANNELS'"):
        r.execute_command("PUBSUB", "CHANNELS", "a", "b")
    assert r.execute_command("PUBSUB", "NUMSUB") == []
    helptext = r.execute_command("PUBSUB", "HELP")
    assert helptext[0].startswith(b"PUBSUB <subcommand>") and helptext[-1] == b"    Prints this help."


def test_command_info_flags(raw):
    info = raw.call("COMMAND", "INFO", "publish", "subscribe", "spublish")
    assert info[0][2] == [b"pubsub", b"loading", b"stale", b"fast"]
    assert info[1][2] == [b"pubsub", b"noscript", b"loading", b"stale"]
    assert info[2][3:6] == [1, 1, 1]


def test_publish_waits_for_client_pause_write(r, conns):
    c = conns()
    assert r.execute_command("CLIENT", "PAUSE", "300", "WRITE")
    t0 = time.monotonic()
    assert c.call("PUBLISH", "x", "y") == 0
    assert time.monotonic() - t0 > 0.2


def test_pubsub_output_buffer_limit(r, conns, server):
    old = r.config_get("client-output-buffer-limit")["client-output-buffer-limit"]
    try:
        r.config_set("client-output-buffer-limit", "pubsub 100000 0 0")
        assert r.config_get("client-output-buffer-limit")["client-output-buffer-limit"] == \
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 100000 0 0"
        slow = server.raw()
        slow.sock.setsockopt(__import__("socket").SOL_SOCKET, __import__("socket").SO_RCVBUF, 4096)
        slow.send_command("SUBSCRIBE", "flood")
        slow.read_reply()
        payload = "x" * 10000
        closed = False
        for _ in range(3000):
            if r.publish("flood", payload) == 0:
                closed = True
                break
        assert closed, "the slow subscriber was never disconnected"
        slow.close()
    finally:
        r.config_set("client-output-buffer-limit", old)


def test_output_buffer_limit_config_errors(r):
    for bad, msg in [("wrong number", "Wrong number of arguments"),
                     ("invalid_class 10mb 10mb 60", "Invalid client class"),
                     ("master 10mb 10mb 60", "Invalid client class"),
                     ("normal 10mbs 10mb 60", "Error in hard, soft or soft_seconds"),
                     ("pubsub 10mb 10mb 60s", "Error in hard, soft or soft_seconds")]:
        with pytest.raises(Exception, match=msg):
            r.config_set("client-output-buffer-limit", bad)


# --------------------------------------------------------------------------------------------
# Keyspace notifications
# --------------------------------------------------------------------------------------------

def collect(sub, n):
    return [tuple(m[2:]) for m in read_n(sub, n)]


def test_notify_config_values(r, events):
    for given, shown in [("KEA", b"AKE"), ("gKE", b"gKE"), ("$lshzxeKE", b"$lshzxeKE"),
                         ("KA", b"AK"), ("EA", b"AE"), ("Kx", b"xK"), ("", b""),
                         ("AKEmn", b"AKEm"), ("g$lshzxetdnKE", b"AKE")]:
        r.config_set("notify-keyspace-events", given)
        assert r.config_get("notify-keyspace-events")["notify-keyspace-events"] == \
            shown.decode(), given
    with pytest.raises(Exception, match="Invalid event class character"):
        r.config_set("notify-keyspace-events", "KEX")


def test_keyspace_and_keyevent_channels(r, conns, events):
    sub = conns()
    sub.send_command("PSUBSCRIBE", "*")
    sub.read_reply()
    r.config_set("notify-keyspace-events", "KEA")
    r.execute_command("SELECT", 0)
    r.set("foo", "bar")
    assert collect(sub, 2) == [(b"__keyspace@0__:foo", b"set"), (b"__keyevent@0__:set", b"foo")]
    r.config_set("notify-keyspace-events", "El")
    r.set("foo", "x")
    r.lpush("l", "a")
    assert collect(sub, 1) == [(b"__keyevent@0__:lpush", b"l")]


@pytest.mark.parametrize("classes,commands,expected", [
    ("Eg", [["SET", "k", "v"], ["EXPIRE", "k", "100"], ["PERSIST", "k"], ["RENAME", "k", "k2"],
            ["DEL", "k2", "nope"]],
     ["expire:k", "persist:k", "rename_from:k", "rename_to:k2", "del:k2"]),
    ("E$", [["SET", "k", "1"], ["INCRBY", "k", "2"], ["INCRBYFLOAT", "k", "1"],
            ["APPEND", "k", "x"], ["SETRANGE", "k", "0", "y"], ["SETBIT", "b", "1", "1"]],
     ["set:k", "incrby:k", "incrbyfloat:k", "append:k", "setrange:k", "setbit:b"]),
    ("El", [["RPUSH", "l", "a", "b"], ["LPOP", "l"], ["LINSERT", "l", "BEFORE", "b", "c"],
            ["LSET", "l", "0", "z"], ["LTRIM", "l", "0", "0"], ["RPOP", "l"]],
     ["rpush:l", "lpop:l", "linsert:l", "lset:l", "ltrim:l", "rpop:l"]),
    ("Egs", [["SADD", "s", "a"], ["SREM", "s", "a"]], ["sadd:s", "srem:s", "del:s"]),
    ("Eh", [["HSET", "h", "f", "1"], ["HINCRBY", "h", "f", "1"], ["HDEL", "h", "f"]],
     ["hset:h", "hincrby:h", "hdel:h"]),
    ("Ez", [["ZADD", "z", "1", "a"], ["ZINCRBY", "z", "1", "a"], ["ZREM", "z", "a"]],
     ["zadd:z", "zincr:z", "zrem:z"]),
    ("En", [["SET", "n", "1"], ["SET", "n", "2"], ["LPUSH", "n2", "x"]], ["new:n", "new:n2"]),
])
def test_event_classes(r, conns, events, classes, commands, expected):
    sub = conns()
    sub.send_command("PSUBSCRIBE", "__keyevent@*")
    sub.read_reply()
    r.config_set("notify-keyspace-events", classes)
    for cmd in commands:
        r.execute_command(*cmd)
    got = [f"{m[2].decode().split(':', 1)[1]}:{m[3].decode()}" for m in
           read_n(sub, len(expected))]
    assert got == expected
    # nothing more was published
    assert r.publish("__keyevent@0__:probe", "end") == 1
    assert sub.read_reply()[3] == b"end"


def test_expired_events_lazy_and_active(r, conns, events):
    sub = conns()
    sub.send_command("SUBSCRIBE", "__keyevent@0__:expired")
    sub.read_reply()
    r.config_set("notify-keyspace-events", "Ex")
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        r.set("lazy", "1", px=1)
        time.sleep(0.01)
        assert r.get("lazy") is None
        assert sub.read_reply() == [b"message", b"__keyevent@0__:expired", b"lazy"]
    finally:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    r.set("active", "1", px=50)
    assert sub.read_reply() == [b"message", b"__keyevent@0__:expired", b"active"]


def test_keymiss_events(r, conns, events):
    sub = conns()
    sub.send_command("SUBSCRIBE", "__keyevent@0__:keymiss")
    sub.read_reply()
    r.config_set("notify-keyspace-events", "KEA")
    r.get("missing1")
    r.config_set("notify-keyspace-events", "Em")
    r.get("missing2")
    r.set("present", "1")
    r.get("present")
    r.hget("missing3", "f")
    assert read_n(sub, 2) == [[b"message", b"__keyevent@0__:keymiss", b"missing2"],
                              [b"message", b"__keyevent@0__:keymiss", b"missing3"]]


def test_events_in_other_db_and_resp3_subscriber(r, conns, events):
    sub = conns(resp3=True)
    sub.call("PSUBSCRIBE", "__keyspace@3__:*")
    r.config_set("notify-keyspace-events", "K$")
    c = conns()
    c.call("SELECT", "3")
    c.call("SET", "x", "1")
    assert sub.read_reply() == Push([b"pmessage", b"__keyspace@3__:*", b"__keyspace@3__:x",
                                     b"set"])


# --------------------------------------------------------------------------------------------
# ACL channel permissions
# --------------------------------------------------------------------------------------------

def test_acl_channels_and_killed_subscribers(r, conns):
    r.execute_command("ACL", "SETUSER", "psuser", "on", ">pw", "+@all", "~*", "resetchannels",
                      "&news.*")
    try:
        c = conns()
        assert c.call("AUTH", "psuser", "pw") == b"OK"
        assert c.call("PUBLISH", "other", "x") == E(
            "NOPERM this user has no permissions to access one of the channels used as "
            "arguments")
        assert c.call("SUBSCRIBE", "other") == E(
            "NOPERM this user has no permissions to access one of the channels used as "
            "arguments")
        assert c.call("PSUBSCRIBE", "news.*x") == E(
            "NOPERM this user has no permissions to access one of the channels used as "
            "arguments")
        assert c.call("SUBSCRIBE", "news.1") == [b"subscribe", b"news.1", 1]
        assert r.publish("news.1", "m") == 1
        assert c.read_reply() == [b"message", b"news.1", b"m"]
        # a wider list keeps the subscriber; losing its channel disconnects it
        r.execute_command("ACL", "SETUSER", "psuser", "&other")
        assert c.call("PING") == [b"pong", b""]
        r.execute_command("ACL", "SETUSER", "psuser", "resetchannels", "&other")
        assert c.is_closed()
        assert r.execute_command("PUBSUB", "NUMSUB", "news.1") == [b"news.1", 0]
    finally:
        r.execute_command("ACL", "DELUSER", "psuser")
