"""Stream commands: every Redis 7.0 stream command, its errors and edge cases, consumer groups,
blocking XREAD/XREADGROUP, XINFO shapes, persistence (DUMP/RESTORE, DEBUG RELOAD, COPY) and
the propagated forms (XADD with the generated ID and exact trimming, XREADGROUP as XCLAIM).

Exact replies go through the raw connections (`raw`, `r3`); redis-py (`r`) is used where the
parsed value is enough. Everything here must pass against /usr/bin/redis-server 7.0.15 too;
XINFO's radix-tree-nodes (Redis's rax internals) is never compared.
"""

import glob
import os
import time

import helpers
from helpers import Map, RespError, wait_for

E = RespError
SYNTAX = E("ERR syntax error")
NOT_INT = E("ERR value is not an integer or out of range")
WRONGTYPE = E("WRONGTYPE Operation against a key holding the wrong kind of value")
BAD_ID = E("ERR Invalid stream ID specified as stream command argument")
SMALLER = E("ERR The ID specified in XADD is equal or smaller than the target stream top item")


def arity(cmd):
    return E(f"ERR wrong number of arguments for '{cmd}' command")


def blocked_clients(c):
    """INFO's blocked_clients through a raw connection or a redis-py client."""
    if not hasattr(c, "call"):
        return int(c.info("clients")["blocked_clients"])
    info = c.call("INFO", "clients").decode()
    for line in info.split("\r\n"):
        if line.startswith("blocked_clients:"):
            return int(line.split(":")[1])
    return -1


def wait_blocked(c, n):
    assert wait_for(lambda: blocked_clients(c) == n), f"expected {n} blocked clients"


def as_dict(flat):
    return {flat[i]: flat[i + 1] for i in range(0, len(flat), 2)}




# --------------------------------------------------------------------------------------------
# XADD / XLEN / XRANGE / XREVRANGE
# --------------------------------------------------------------------------------------------

def test_xadd_and_range(raw):
    assert raw.call("XADD", "s", "1-1", "a", "1", "b", "2") == b"1-1"
    assert raw.call("XADD", "s", "1-*", "a", "3", "b", "4") == b"1-2"
    assert raw.call("XADD", "s", "5", "c", "x") == b"5-0"
    assert raw.call("XLEN", "s") == 3
    assert raw.call("TYPE", "s") == b"stream"
    assert raw.call("OBJECT", "ENCODING", "s") == b"stream"
    assert raw.call_raw("XRANGE", "s", "-", "+", "COUNT", "1") == \
        b"*1\r\n*2\r\n$3\r\n1-1\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n"
    assert raw.call("XRANGE", "s", "-", "+") == [
        [b"1-1", [b"a", b"1", b"b", b"2"]], [b"1-2", [b"a", b"3", b"b", b"4"]],
        [b"5-0", [b"c", b"x"]]]
    assert raw.call("XREVRANGE", "s", "+", "-", "COUNT", 2) == [
        [b"5-0", [b"c", b"x"]], [b"1-2", [b"a", b"3", b"b", b"4"]]]
    assert raw.call("XRANGE", "s", "(1-1", "(5-0") == [[b"1-2", [b"a", b"3", b"b", b"4"]]]
    assert len(raw.call("XRANGE", "s", "(1-1", "(5")) == 2  # "(5" excludes 5-UINT64_MAX only
    assert raw.call("XRANGE", "s", "1", "1") == raw.call("XRANGE", "s", "1-0", "1-18446744073709551615")
    assert raw.call_raw("XRANGE", "s", "-", "+", "COUNT", 0) == b"*-1\r\n"
    assert raw.call_raw("XRANGE", "missing", "-", "+") == b"*0\r\n"
    assert raw.call_raw("XRANGE", "s", "6", "+") == b"*0\r\n"
    assert raw.call("XLEN", "missing") == 0


def test_xadd_generated_ids(raw):
    first = raw.call("XADD", "s", "*", "f", "v").decode()
    ms, seq = map(int, first.split("-"))
    assert abs(ms - time.time() * 1000) < 60000
    second = raw.call("XADD", "s", "*", "f", "v").decode()
    assert tuple(map(int, second.split("-"))) > (ms, seq)
    raw.call("XADD", "f", "99999999999999-5", "f", "v")  # the future: the clock is behind
    assert raw.call("XADD", "f", "*", "f", "v") == b"99999999999999-6"
    assert raw.call("XADD", "z", "0-*", "f", "v") == b"0-1"


def test_xadd_errors(raw):
    assert raw.call("XADD", "s") == arity("xadd")
    assert raw.call("XADD", "s", "*") == arity("xadd")
    assert raw.call("XADD", "s", "*", "f") == arity("xadd")
    assert raw.call("XADD", "s", "*", "f", "v", "g") == arity("xadd")
    assert raw.call("XADD", "s", "MAXLEN", "5", "f", "v") == BAD_ID  # "f" taken as the ID
    assert raw.call("XADD", "s", "0-0", "f", "v") == \
        E("ERR The ID specified in XADD must be greater than 0-0")
    assert raw.call("XADD", "s", "+", "f", "v") == BAD_ID
    assert raw.call("XADD", "s", "1-x", "f", "v") == BAD_ID
    assert raw.call("EXISTS", "s") == 0
    raw.call("XADD", "s", "10-5", "f", "v")
    assert raw.call("XADD", "s", "10-5", "f", "v") == SMALLER
    assert raw.call("XADD", "s", "9-*", "f", "v") == SMALLER
    assert raw.call("XADD", "s", "MAXLEN", "-1", "*", "f", "v") == \
        E("ERR The MAXLEN argument must be >= 0.")
    assert raw.call("XADD", "s", "MAXLEN", "x", "*", "f", "v") == NOT_INT
    assert raw.call("XADD", "s", "MAXLEN", "1", "MINID", "1", "*", "f", "v") == \
        E("ERR syntax error, MAXLEN and MINID options at the same time are not compatible")
    assert raw.call("XADD", "s", "LIMIT", "10", "*", "f", "v") == \
        E("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
    assert raw.call("XADD", "s", "MAXLEN", "1", "LIMIT", "10", "*", "f", "v") == \
        E("ERR syntax error, LIMIT cannot be used without the special ~ option")
    assert raw.call("XADD", "s", "MAXLEN", "~", "1", "LIMIT", "-1", "*", "f", "v") == \
        E("ERR The LIMIT argument must be >= 0.")
    raw.call("XADD", "max", "18446744073709551615-18446744073709551615", "f", "v")
    assert raw.call("XADD", "max", "*", "f", "v") == \
        E("ERR The stream has exhausted the last possible ID, unable to add more items")
    raw.call("SET", "str", "v")
    assert raw.call("XADD", "str", "*", "f", "v") == WRONGTYPE
    assert raw.call("XLEN", "s") == 1


def test_xadd_nomkstream_and_trimming(raw):
    assert raw.call_raw("XADD", "s", "NOMKSTREAM", "*", "f", "v") == b"$-1\r\n"
    assert raw.call("EXISTS", "s") == 0
    for i in range(1, 11):
        raw.call("XADD", "s", "MAXLEN", "5", f"{i}-0", "i", i)
    assert [e[0] for e in raw.call("XRANGE", "s", "-", "+")] == \
        [f"{i}-0".encode() for i in range(6, 11)]
    raw.call("XADD", "s", "NOMKSTREAM", "MINID", "9", "11-0", "i", "11")
    assert [e[0] for e in raw.call("XRANGE", "s", "-", "+")] == [b"9-0", b"10-0", b"11-0"]
    assert raw.call("XADD", "e", "MAXLEN", "0", "1-0", "f", "v") == b"1-0"
    assert raw.call("XLEN", "e") == 0  # an empty stream stays
    assert raw.call("EXISTS", "e") == 1


def test_approximate_trimming_follows_nodes(raw):
    raw.call("CONFIG", "SET", "stream-node-max-entries", "10")
    try:
        for i in range(1, 101):
            raw.call("XADD", "s", f"{i}-0", "f", "v")
        assert raw.call("XTRIM", "s", "MAXLEN", "~", "55") == 40  # whole nodes only
        assert raw.call("XLEN", "s") == 60
        assert raw.call("XTRIM", "s", "MAXLEN", "~", "0", "LIMIT", "25") == 20
        assert raw.call("XTRIM", "s", "MINID", "~", "95") == 30
        assert raw.call("XTRIM", "s", "MINID", "95") == 4
        assert raw.call("XRANGE", "s", "-", "+", "COUNT", 1)[0][0] == b"95-0"
        assert raw.call("XTRIM", "s", "MAXLEN", "=", "2") == 4
        assert raw.call("XTRIM", "missing", "MAXLEN", "0") == 0
    finally:
        raw.call("CONFIG", "SET", "stream-node-max-entries", "100")


def test_xtrim_errors(raw):
    raw.call("XADD", "s", "1-0", "f", "v")
    assert raw.call("XTRIM", "s") == arity("xtrim")
    assert raw.call("XTRIM", "s", "FOO", "1") == SYNTAX
    assert raw.call("XTRIM", "s", "LIMIT", "1") == \
        E("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy")
    assert raw.call("XTRIM", "s", "MINID", "abc") == BAD_ID
    raw.call("SET", "str", "v")
    assert raw.call("XTRIM", "str", "MAXLEN", "1") == WRONGTYPE


def test_range_errors(raw):
    raw.call("XADD", "s", "1-0", "f", "v")
    assert raw.call("XRANGE", "s", "-") == arity("xrange")
    assert raw.call("XRANGE", "s", "x", "+") == BAD_ID
    assert raw.call("XRANGE", "s", "(-", "+") == BAD_ID
    assert raw.call("XRANGE", "s", "-", "(+") == BAD_ID
    assert raw.call("XRANGE", "s", "(18446744073709551615-18446744073709551615", "+") == \
        E("ERR invalid start ID for the interval")
    assert raw.call("XRANGE", "s", "-", "(0-0") == E("ERR invalid end ID for the interval")
    assert raw.call("XRANGE", "s", "-", "+", "COUNT") == SYNTAX
    assert raw.call("XRANGE", "s", "-", "+", "COUNT", "x") == NOT_INT
    assert raw.call("XRANGE", "s", "-", "+", "LIMIT", "1") == SYNTAX
    assert raw.call("XRANGE", "s", "-", "+", "COUNT", "-3") == \
        raw.call("XRANGE", "s", "-", "+", "COUNT", "0")
    raw.call("SET", "str", "v")
    for cmd in (["XRANGE", "str", "-", "+"], ["XREVRANGE", "str", "+", "-"], ["XLEN", "str"]):
        assert raw.call(*cmd) == WRONGTYPE


def test_values_round_trip(raw):
    values = [b"0", b"-1", b"127", b"-4096", b"9223372036854775807", b"-9223372036854775808",
              b"9223372036854775808", b"007", b"", b"\x00\xff\r\n", b"x" * 70, b"y" * 5000]
    for i, v in enumerate(values):
        raw.call("XADD", "s", f"{i + 1}-0", v, v, "same", v)
    got = raw.call("XRANGE", "s", "-", "+")
    assert [e[1] for e in got] == [[v, v, b"same", v] for v in values]


# --------------------------------------------------------------------------------------------
# XDEL / XSETID / XINFO STREAM counters
# --------------------------------------------------------------------------------------------

def test_xdel(raw):
    for i in range(1, 6):
        raw.call("XADD", "s", f"{i}-0", "f", i)
    assert raw.call("XDEL", "s", "2-0", "4", "9-0") == 2
    assert raw.call("XDEL", "s", "2-0") == 0
    assert raw.call("XDEL", "s", "1-0", "bad") == BAD_ID  # checked before any deletion
    assert raw.call("XLEN", "s") == 3
    assert raw.call("XDEL", "missing", "bad") == 0  # no key: nothing checked
    assert raw.call("XDEL", "s") == arity("xdel")
    info = as_dict(raw.call("XINFO", "STREAM", "s"))
    assert info[b"max-deleted-entry-id"] == b"4-0"
    assert info[b"recorded-first-entry-id"] == b"1-0"
    assert raw.call("XDEL", "s", "1-0") == 1
    assert as_dict(raw.call("XINFO", "STREAM", "s"))[b"recorded-first-entry-id"] == b"3-0"
    raw.call("XDEL", "s", "3-0", "5-0")
    info = as_dict(raw.call("XINFO", "STREAM", "s"))
    assert (info[b"length"], info[b"recorded-first-entry-id"], info[b"last-generated-id"]) == \
        (0, b"0-0", b"5-0")
    assert raw.call("EXISTS", "s") == 1
    assert raw.call("XADD", "s", "5-0", "f", "v") == SMALLER
    raw.call("SET", "str", "v")
    assert raw.call("XDEL", "str", "1-0") == WRONGTYPE


def test_xsetid(raw):
    assert raw.call("XSETID", "s", "1-1") == E("ERR no such key")
    raw.call("XADD", "s", "5-0", "f", "v")
    assert raw.call("XSETID", "s", "4-0") == \
        E("ERR The ID specified in XSETID is smaller than the target stream top item")
    assert raw.call("XSETID", "s", "10-0", "ENTRIESADDED", "0", "MAXDELETEDID", "0-0") == \
        E("ERR The entries_added specified in XSETID is smaller than the target stream length")
    assert raw.call("XSETID", "s", "10-0", "ENTRIESADDED", "-1") == \
        E("ERR entries_added must be positive")
    assert raw.call("XSETID", "s", "10-0", "MAXDELETEDID", "11-0") == \
        E("ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id")
    assert raw.call("XSETID", "s", "10-0", "0") == SYNTAX
    assert raw.call("XSETID", "s", "+") == BAD_ID
    assert raw.call("XSETID", "s", "10-0", "ENTRIESADDED", "7", "MAXDELETEDID", "3-0") == b"OK"
    info = as_dict(raw.call("XINFO", "STREAM", "s"))
    assert (info[b"last-generated-id"], info[b"entries-added"], info[b"max-deleted-entry-id"]) \
        == (b"10-0", 7, b"3-0")
    assert raw.call("XADD", "s", "10-0", "f", "v") == SMALLER
    raw.call("SET", "str", "v")
    assert raw.call("XSETID", "str", "1-0") == WRONGTYPE


def test_xinfo_stream(raw):
    assert raw.call("XINFO", "STREAM", "missing") == E("ERR no such key")
    raw.call("XADD", "s", "1-0", "a", "1")
    raw.call("XADD", "s", "2-0", "b", "2")
    info = as_dict(raw.call("XINFO", "STREAM", "s"))
    assert list(info) == [b"length", b"radix-tree-keys", b"radix-tree-nodes",
                          b"last-generated-id", b"max-deleted-entry-id", b"entries-added",
                          b"recorded-first-entry-id", b"groups", b"first-entry", b"last-entry"]
    assert info[b"first-entry"] == [b"1-0", [b"a", b"1"]]
    assert info[b"last-entry"] == [b"2-0", [b"b", b"2"]]
    assert info[b"radix-tree-keys"] == 1
    assert raw.call("XINFO", "STREAM", "s", "FULL", "COUNT") == E(
        "ERR unknown subcommand or wrong number of arguments for 'STREAM'. Try XINFO HELP.")
    assert raw.call("XINFO", "stream", "s", "PARTIAL") == E(
        "ERR unknown subcommand or wrong number of arguments for 'stream'. Try XINFO HELP.")
    full = as_dict(raw.call("XINFO", "STREAM", "s", "FULL", "COUNT", "1"))
    assert full[b"entries"] == [[b"1-0", [b"a", b"1"]]]
    assert full[b"groups"] == []
    raw.call("XADD", "e", "MAXLEN", "0", "1-0", "f", "v")
    info = as_dict(raw.call("XINFO", "STREAM", "e"))
    assert info[b"first-entry"] is None and info[b"last-entry"] is None
    assert raw.call("XINFO", "HELP", "x") == arity("xinfo|help")
    assert raw.call("XINFO", "FOO", "s") == E("ERR unknown subcommand 'FOO'. Try XINFO HELP.")
    help_lines = raw.call("XINFO", "HELP")
    assert help_lines[0] == b"XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    assert help_lines[-2:] == [b"HELP", b"    Prints this help."]
    raw.call("SET", "str", "v")
    assert raw.call("XINFO", "STREAM", "str") == WRONGTYPE


def test_xinfo_resp3_maps(r3):
    r3.call("XADD", "s", "1-0", "a", "1")
    info = r3.call("XINFO", "STREAM", "s")
    assert isinstance(info, Map) and info[b"length"] == 1
    r3.call("XGROUP", "CREATE", "s", "g", "0")
    groups = r3.call("XINFO", "GROUPS", "s")
    assert isinstance(groups[0], Map) and groups[0][b"lag"] == 1
    reply = r3.call("XREAD", "STREAMS", "s", "0")
    assert isinstance(reply, Map) and reply[b"s"] == [[b"1-0", [b"a", b"1"]]]
    assert r3.call_raw("XREAD", "STREAMS", "s", "1-0") == b"_\r\n"


# --------------------------------------------------------------------------------------------
# XREAD (and blocking)
# --------------------------------------------------------------------------------------------

def test_xread(raw):
    raw.call("XADD", "a", "1-0", "f", "1")
    raw.call("XADD", "a", "2-0", "f", "2")
    raw.call("XADD", "b", "3-0", "g", "3")
    assert raw.call("XREAD", "STREAMS", "a", "b", "0", "0") == [
        [b"a", [[b"1-0", [b"f", b"1"]], [b"2-0", [b"f", b"2"]]]], [b"b", [[b"3-0", [b"g", b"3"]]]]]
    assert raw.call("XREAD", "COUNT", 1, "STREAMS", "a", "missing", "1-0", "0") == \
        [[b"a", [[b"2-0", [b"f", b"2"]]]]]
    assert raw.call_raw("XREAD", "STREAMS", "a", "$") == b"*-1\r\n"
    assert raw.call_raw("XREAD", "STREAMS", "missing", "0") == b"*-1\r\n"
    assert raw.call("XREAD", "STREAMS", "a") == arity("xread")
    assert raw.call("XREAD", "STREAMS", "a", "b", "0") == E(
        "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
        "specified.")
    assert raw.call("XREAD", "COUNT", 1, "a", "0") == SYNTAX
    assert raw.call("XREAD", "GROUP", "g", "c", "STREAMS", "a", "0") == E(
        "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.")
    assert raw.call("XREAD", "NOACK", "STREAMS", "a", "0") == E(
        "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.")
    assert raw.call("XREAD", "STREAMS", "a", ">") == E(
        "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
        "<consumer> option.")
    assert raw.call("XREAD", "STREAMS", "a", "x") == BAD_ID
    assert raw.call("XREAD", "BLOCK", "-1", "STREAMS", "a", "0") == E("ERR timeout is negative")
    assert raw.call("XREAD", "BLOCK", "1.5", "STREAMS", "a", "0") == \
        E("ERR timeout is not an integer or out of range")
    raw.call("SET", "str", "v")
    assert raw.call("XREAD", "STREAMS", "a", "str", "0", "0") == WRONGTYPE


def test_blocking_xread(r, conns):
    r.xadd("s", {"old": "1"}, id="1-0")
    c = conns()
    c.send_command("XREAD", "BLOCK", 0, "STREAMS", "s", "other", "$", "$")
    wait_blocked(r, 1)
    r.xadd("other", {"x": "y"}, id="5-0")
    assert c.read_reply() == [[b"other", [[b"5-0", [b"x", b"y"]]]]]
    # "$" means the last ID when the client blocked, not when it is served
    c.send_command("XREAD", "BLOCK", 0, "STREAMS", "s", "$")
    wait_blocked(r, 1)
    p = r.pipeline(transaction=True)
    p.xadd("s", {"n": "1"}, id="2-0")
    p.xadd("s", {"n": "2"}, id="3-0")
    p.execute()
    assert c.read_reply() == [[b"s", [[b"2-0", [b"n", b"1"]], [b"3-0", [b"n", b"2"]]]]]
    assert blocked_clients(c) == 0


def test_blocking_xread_timeout_and_multi(r, conns):
    c = conns()
    start = time.monotonic()
    assert c.call_raw("XREAD", "BLOCK", 100, "STREAMS", "s", "$") == b"*-1\r\n"
    assert time.monotonic() - start >= 0.09
    c.call("MULTI")
    c.call("XREAD", "BLOCK", 0, "STREAMS", "s", "$")
    assert c.call_raw("EXEC") == b"*1\r\n*-1\r\n"
    # the key deleted (XADD then DEL in one transaction) does not serve the client
    c.send_command("XREAD", "BLOCK", 0, "STREAMS", "s", "$")
    wait_blocked(r, 1)
    p = r.pipeline(transaction=True)
    p.xadd("s", {"a": "1"})
    p.delete("s")
    p.execute()
    time.sleep(0.05)
    assert blocked_clients(r) == 1
    r.set("s", "string")  # not a stream: still waiting
    time.sleep(0.05)
    assert blocked_clients(r) == 1
    r.delete("s")
    r.xadd("s", {"b": "2"}, id="7-0")
    assert c.read_reply() == [[b"s", [[b"7-0", [b"b", b"2"]]]]]


def test_blocking_xread_other_key_changes_type(r, conns):
    c = conns()
    c.send_command("XREAD", "BLOCK", 0, "STREAMS", "s1", "s2", "$", "$")
    wait_blocked(r, 1)
    r.set("s2", "string")
    r.xadd("s1", {"f": "v"}, id="3-0")
    assert c.read_reply() == [[b"s1", [[b"3-0", [b"f", b"v"]]]]]


def test_client_unblock_xread(r, conns):
    c = conns()
    cid = c.call("CLIENT", "ID")
    c.send_command("XREAD", "BLOCK", 0, "STREAMS", "s", "$")
    wait_blocked(r, 1)
    assert r.client_unblock(cid) == 1
    assert c.read_reply_raw() == b"*-1\r\n"


# --------------------------------------------------------------------------------------------
# Consumer groups
# --------------------------------------------------------------------------------------------

def test_xgroup_create_and_errors(raw):
    assert raw.call("XGROUP", "CREATE", "s", "g", "$") == E(
        "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want "
        "to use the MKSTREAM option to create an empty stream automatically.")
    assert raw.call("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM") == b"OK"
    assert raw.call("XGROUP", "CREATE", "s", "g", "$") == \
        E("BUSYGROUP Consumer Group name already exists")
    assert raw.call("XGROUP", "CREATE", "s", "g2", "x") == BAD_ID
    assert raw.call("XGROUP", "CREATE", "s", "g2", "0", "FOO") == E(
        "ERR unknown subcommand or wrong number of arguments for 'CREATE'. Try XGROUP HELP.")
    assert raw.call("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "-2") == \
        E("ERR value for ENTRIESREAD must be positive or -1")
    assert raw.call("XGROUP", "CREATE", "s", "g2", "0", "ENTRIESREAD", "3") == b"OK"
    assert raw.call("XGROUP", "SETID", "s", "nog", "0") == \
        E("NOGROUP No such consumer group 'nog' for key name 's'")
    assert raw.call("XGROUP", "CREATECONSUMER", "s", "nog", "c") == \
        E("NOGROUP No such consumer group 'nog' for key name 's'")
    assert raw.call("XGROUP", "CREATE", "s") == arity("xgroup|create")
    assert raw.call("XGROUP", "DESTROY", "s", "g", "x") == arity("xgroup|destroy")
    assert raw.call("XGROUP", "HELP", "x") == arity("xgroup|help")
    assert raw.call("XGROUP", "NOPE", "s") == E("ERR unknown subcommand 'NOPE'. Try XGROUP HELP.")
    assert len(raw.call("XGROUP", "HELP")) == 17
    assert raw.call("XGROUP", "CREATECONSUMER", "s", "g", "alice") == 1
    assert raw.call("XGROUP", "CREATECONSUMER", "s", "g", "alice") == 0
    assert raw.call("XGROUP", "DELCONSUMER", "s", "g", "alice") == 0
    assert raw.call("XGROUP", "DELCONSUMER", "s", "g", "alice") == 0
    assert raw.call("XGROUP", "DESTROY", "s", "g") == 1
    assert raw.call("XGROUP", "DESTROY", "s", "g") == 0
    raw.call("SET", "str", "v")
    assert raw.call("XGROUP", "CREATE", "str", "g", "$") == WRONGTYPE


def test_xreadgroup_pel_and_xack(raw):
    for i in range(1, 5):
        raw.call("XADD", "s", f"{i}-0", "f", i)
    raw.call("XGROUP", "CREATE", "s", "g", "0")
    assert raw.call("XREADGROUP", "GROUP", "g", "alice", "COUNT", 2, "STREAMS", "s", ">") == \
        [[b"s", [[b"1-0", [b"f", b"1"]], [b"2-0", [b"f", b"2"]]]]]
    assert raw.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">") == \
        [[b"s", [[b"3-0", [b"f", b"3"]], [b"4-0", [b"f", b"4"]]]]]
    assert raw.call_raw("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "s", ">") == b"*-1\r\n"
    # history: only the consumer's own pending entries
    assert raw.call("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0") == \
        [[b"s", [[b"1-0", [b"f", b"1"]], [b"2-0", [b"f", b"2"]]]]]
    summary = raw.call("XPENDING", "s", "g")
    assert summary == [4, b"1-0", b"4-0", [[b"alice", b"2"], [b"bob", b"2"]]]
    ext = raw.call("XPENDING", "s", "g", "-", "+", 10)
    assert [(e[0], e[1], e[3]) for e in ext] == [
        (b"1-0", b"alice", 2), (b"2-0", b"alice", 2), (b"3-0", b"bob", 1), (b"4-0", b"bob", 1)]
    assert [e[0] for e in raw.call("XPENDING", "s", "g", "(1-0", "+", 2, "bob")] == \
        [b"3-0", b"4-0"]
    assert raw.call("XPENDING", "s", "g", "IDLE", 1000000, "-", "+", 10) == []
    assert raw.call("XPENDING", "s", "g", "-", "+", 10, "nobody") == []
    assert raw.call("XACK", "s", "g", "1-0", "1-0", "9-0") == 1
    assert raw.call("XACK", "s", "g", "2-0", "bad") == BAD_ID
    assert raw.call("XACK", "s", "nog", "bad") == 0
    assert raw.call("XACK", "missing", "g", "1-0") == 0
    raw.call("XDEL", "s", "2-0")
    assert raw.call("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", "0") == \
        [[b"s", [[b"2-0", None]]]]
    assert raw.call("XPENDING", "s", "g", "-", "+") == SYNTAX
    assert raw.call("XPENDING", "s", "g", "IDLE", "x", "-", "+", 10) == NOT_INT
    assert raw.call("XPENDING", "s", "nog") == \
        E("NOGROUP No such key 's' or consumer group 'nog'")
    assert raw.call_raw("XPENDING", "s", "g2") == \
        b"-NOGROUP No such key 's' or consumer group 'g2'\r\n"
    raw.call("XGROUP", "CREATE", "s", "empty", "$")
    assert raw.call_raw("XPENDING", "s", "empty") == b"*4\r\n:0\r\n$-1\r\n$-1\r\n*-1\r\n"


def test_xreadgroup_errors(raw):
    raw.call("XADD", "s", "1-0", "f", "v")
    assert raw.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">") == E(
        "NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option")
    raw.call("XGROUP", "CREATE", "s", "g", "0")
    assert raw.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", "$") == E(
        "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history "
        "of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ "
        "ID would just return an empty result set.")
    assert raw.call("XREADGROUP", "COUNT", 1, "STREAMS", "s", ">") == arity("xreadgroup")
    assert raw.call("XREADGROUP", "COUNT", 1, "BLOCK", 1, "STREAMS", "s", ">") == \
        E("ERR Missing GROUP option for XREADGROUP")
    raw.call("SET", "str", "v")
    assert raw.call("XREADGROUP", "GROUP", "g", "c", "STREAMS", "str", ">") == WRONGTYPE


def test_group_lag_and_entries_read(raw):
    for i in range(1, 6):
        raw.call("XADD", "x", f"{i}-0", "data", i)
    raw.call("XGROUP", "CREATE", "x", "g1", "0")
    group = as_dict(raw.call("XINFO", "GROUPS", "x")[0])
    assert (group[b"entries-read"], group[b"lag"]) == (None, 5)
    raw.call("XREADGROUP", "GROUP", "g1", "c", "COUNT", 2, "STREAMS", "x", ">")
    group = as_dict(raw.call("XINFO", "GROUPS", "x")[0])
    assert (group[b"entries-read"], group[b"lag"], group[b"pending"], group[b"consumers"]) == \
        (2, 3, 2, 1)
    raw.call("XDEL", "x", "4-0")
    group = as_dict(raw.call("XINFO", "GROUPS", "x")[0])
    assert group[b"lag"] is None
    raw.call("XGROUP", "SETID", "x", "g1", "$", "ENTRIESREAD", "5")
    group = as_dict(raw.call("XINFO", "GROUPS", "x")[0])
    assert (group[b"last-delivered-id"], group[b"entries-read"], group[b"lag"]) == \
        (b"5-0", 5, 0)
    consumers = raw.call("XINFO", "CONSUMERS", "x", "g1")
    assert [(c[1], c[3]) for c in consumers] == [(b"c", 2)]
    assert raw.call("XINFO", "CONSUMERS", "x", "nog") == \
        E("NOGROUP No such consumer group 'nog' for key name 'x'")


def test_xclaim_and_xautoclaim(raw):
    for i in range(1, 5):
        raw.call("XADD", "s", f"{i}-0", "f", i)
    raw.call("XGROUP", "CREATE", "s", "g", "0")
    raw.call("XREADGROUP", "GROUP", "g", "alice", "STREAMS", "s", ">")
    assert raw.call("XCLAIM", "s", "g", "bob", 100000, "1-0") == []  # not idle enough
    assert raw.call("XCLAIM", "s", "g", "bob", 0, "1-0", "2-0") == \
        [[b"1-0", [b"f", b"1"]], [b"2-0", [b"f", b"2"]]]
    assert raw.call("XCLAIM", "s", "g", "carol", 0, "1-0", "JUSTID", "RETRYCOUNT", 7) == [b"1-0"]
    pending = {e[0]: (e[1], e[3]) for e in raw.call("XPENDING", "s", "g", "-", "+", 10)}
    assert pending[b"1-0"] == (b"carol", 7)
    assert pending[b"2-0"] == (b"bob", 2)
    raw.call("XDEL", "s", "3-0")
    assert raw.call("XCLAIM", "s", "g", "bob", 0, "3-0") == []
    assert len(raw.call("XPENDING", "s", "g", "-", "+", 10)) == 3  # 3-0 dropped from the PEL
    assert raw.call("XCLAIM", "s", "g", "bob", 0, "4-0", "FOO") == \
        E("ERR Unrecognized XCLAIM option 'FOO'")
    assert raw.call("XCLAIM", "s", "g", "bob", "x", "4-0") == \
        E("ERR Invalid min-idle-time argument for XCLAIM")
    assert raw.call("XCLAIM", "s", "g", "bob", 0, "4-0", "IDLE", "x") == \
        E("ERR Invalid IDLE option argument for XCLAIM")
    assert raw.call("XCLAIM", "s", "nog", "bob", 0, "4-0") == \
        E("NOGROUP No such key 's' or consumer group 'nog'")
    # FORCE creates a PEL entry for an entry never delivered
    raw.call("XADD", "s", "5-0", "f", "5")
    assert raw.call("XCLAIM", "s", "g", "dave", 0, "5-0", "FORCE", "JUSTID") == [b"5-0"]
    assert raw.call("XAUTOCLAIM", "s", "g", "erin", 0, "0-0", "COUNT", 2) == \
        [b"4-0", [[b"1-0", [b"f", b"1"]], [b"2-0", [b"f", b"2"]]], []]
    raw.call("XDEL", "s", "4-0")
    assert raw.call("XAUTOCLAIM", "s", "g", "erin", 0, "4-0", "JUSTID") == \
        [b"0-0", [b"5-0"], [b"4-0"]]
    assert raw.call("XAUTOCLAIM", "s", "g", "erin", 0, "0-0", "COUNT", 0) == \
        E("ERR COUNT must be > 0")
    assert raw.call("XAUTOCLAIM", "s", "g", "erin", 0, "0-0", "FOO") == SYNTAX
    assert raw.call("XAUTOCLAIM", "s", "g", "erin", "x", "0-0") == \
        E("ERR Invalid min-idle-time argument for XAUTOCLAIM")
    raw.call("SET", "str", "v")
    assert raw.call("XCLAIM", "str", "g", "c", 0, "1-0") == WRONGTYPE
    assert raw.call("XAUTOCLAIM", "str", "g", "c", 0, "0") == WRONGTYPE
    assert raw.call("XACK", "str", "g", "1-0") == WRONGTYPE
    assert raw.call("XPENDING", "str", "g") == WRONGTYPE


def test_blocking_xreadgroup(r, conns):
    r.execute_command("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    c = conns()
    c.send_command("XREADGROUP", "GROUP", "g", "alice", "BLOCK", 0, "STREAMS", "s", ">")
    wait_blocked(r, 1)
    r.xadd("s", {"f": "v"}, id="1-0")
    assert c.read_reply() == [[b"s", [[b"1-0", [b"f", b"v"]]]]]
    assert r.xpending("s", "g")["pending"] == 1
    # the group goes away: -NOGROUP; the key goes away: -UNBLOCKED
    c.send_command("XREADGROUP", "GROUP", "g", "alice", "BLOCK", 0, "STREAMS", "s", ">")
    wait_blocked(r, 1)
    r.execute_command("XGROUP", "DESTROY", "s", "g")
    reply = c.read_reply()
    assert isinstance(reply, RespError) and reply.startswith("NOGROUP")
    r.execute_command("XGROUP", "CREATE", "s", "g", "$")
    c.send_command("XREADGROUP", "GROUP", "g", "alice", "BLOCK", 0, "STREAMS", "s", ">")
    wait_blocked(r, 1)
    r.delete("s")
    assert c.read_reply() == E("UNBLOCKED the stream key no longer exists")
    assert blocked_clients(r) == 0


def test_blocking_xreadgroup_on_expiring_stream(r, conns):
    r.execute_command("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    r.pexpire("s", 100)
    c = conns()
    c.send_command("XREADGROUP", "GROUP", "g", "alice", "BLOCK", 0, "STREAMS", "s", ">")
    # nothing else runs: the active expiry alone releases the client
    assert c.read_reply() == E("UNBLOCKED the stream key no longer exists")


def test_blocking_xreadgroup_stats(r, conns):
    r.config_resetstat()
    r.execute_command("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")
    c = conns()
    c.send_command("XREADGROUP", "GROUP", "g", "alice", "BLOCK", 0, "STREAMS", "s", ">")
    wait_blocked(r, 1)
    r.execute_command("XGROUP", "DESTROY", "s", "g")
    c.read_reply()
    stats = r.info("commandstats")["cmdstat_xreadgroup"]
    assert (stats["calls"], stats["failed_calls"]) == (1, 1)


# --------------------------------------------------------------------------------------------
# Persistence, COPY, expiry
# --------------------------------------------------------------------------------------------

def make_grouped_stream(raw, key):
    for i in range(1, 8):
        raw.call("XADD", key, f"{100 + i}-0", "f", i, *(["g", "x"] if i % 3 == 0 else []))
    raw.call("XDEL", key, "103-0")
    raw.call("XGROUP", "CREATE", key, "g1", "0")
    raw.call("XGROUP", "CREATE", key, "g2", "$")
    raw.call("XREADGROUP", "GROUP", "g1", "alice", "COUNT", 2, "STREAMS", key, ">")
    raw.call("XREADGROUP", "GROUP", "g1", "bob", "COUNT", 1, "STREAMS", key, ">")
    raw.call("XGROUP", "CREATECONSUMER", key, "g2", "idle")


def test_copy_and_dump_restore(raw):
    make_grouped_stream(raw, "s")
    full = raw.call("XINFO", "STREAM", "s", "FULL")
    assert raw.call("COPY", "s", "c") == 1
    assert raw.call("XINFO", "STREAM", "c", "FULL") == full
    assert raw.call("DEBUG", "DIGEST-VALUE", "s") == raw.call("DEBUG", "DIGEST-VALUE", "c")
    raw.call("XADD", "c", "200-0", "f", "v")
    assert raw.call("XLEN", "s") == 6  # independent copies
    payload = raw.call("DUMP", "s")
    assert raw.call("RESTORE", "r", 0, payload) == b"OK"
    assert raw.call("XINFO", "STREAM", "r", "FULL") == full
    assert raw.call("DEBUG", "DIGEST-VALUE", "r") == raw.call("DEBUG", "DIGEST-VALUE", "s")


def test_debug_reload_keeps_streams(raw):
    make_grouped_stream(raw, "s")
    raw.call("XADD", "e", "MAXLEN", "0", "5-0", "f", "v")
    raw.call("XADD", "t", "1-0", "f", "v")
    raw.call("PEXPIRE", "t", 100000)
    before = [raw.call("XINFO", "STREAM", k, "FULL") for k in ("s", "e", "t")]
    assert raw.call("DEBUG", "RELOAD") == b"OK"
    assert [raw.call("XINFO", "STREAM", k, "FULL") for k in ("s", "e", "t")] == before
    assert raw.call("PTTL", "t") > 0


def test_expired_stream(raw):
    raw.call("XADD", "s", "1-0", "f", "v")
    raw.call("PEXPIRE", "s", 1)
    time.sleep(0.02)
    assert raw.call("XLEN", "s") == 0
    assert raw.call_raw("XRANGE", "s", "-", "+") == b"*0\r\n"
    assert raw.call("EXISTS", "s") == 0


# DUMP of redis-server 7.0.15 after XADD x 1-0 a 1, XADD x 2-0 a 2 b 3, XADD x 3-0 a y*40,
# XDEL x 2-0: RDB_TYPE_STREAM_LISTPACKS_2, the node's listpack LZF-compressed.
REDIS_STREAM_DUMP = (
    b"\x13\x01\x10\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\xc3;@b\x07b"
    b"\x00\x00\x00\x18\x00\x02\x01@\x00\x07\x81a\x02\x00\x01\x02\x01\x00 \x01\x02\x01\x01\x04 \x03"
    b"\x00\x01 \t\x00\x02@\x16 \x04\x04b\x02\x03\x01\x08 \r@\x1f\x01\xa8y\xe0\x1e\x00\x03)\x04\x01"
    b"\xff\x02\x03\x00\x01\x00\x02\x00\x03\x00\n\x00izY;MKB\x06")


def test_dump_matches_redis(raw):
    raw.call("XADD", "x", "1-0", "a", "1")
    raw.call("XADD", "x", "2-0", "a", "2", "b", "3")
    raw.call("XADD", "x", "3-0", "a", "y" * 40)
    raw.call("XDEL", "x", "2-0")
    assert raw.call("DUMP", "x") == REDIS_STREAM_DUMP
    assert raw.call("RESTORE", "y", 0, REDIS_STREAM_DUMP) == b"OK"
    assert raw.call("XRANGE", "y", "-", "+") == raw.call("XRANGE", "x", "-", "+")
    info = as_dict(raw.call("XINFO", "STREAM", "y"))
    assert (info[b"max-deleted-entry-id"], info[b"entries-added"]) == (b"2-0", 3)


def test_restore_stream_payload(raw):
    make = raw.call("XADD", "x", "1-0", "a", "1")
    assert make == b"1-0"
    raw.call("XADD", "x", "2-0", "a", "2", "b", "3")
    payload = raw.call("DUMP", "x")
    assert payload[0] == 19  # RDB_TYPE_STREAM_LISTPACKS_2
    raw.call("DEL", "x")
    assert raw.call("RESTORE", "x", 0, payload) == b"OK"
    assert raw.call("XRANGE", "x", "-", "+") == [[b"1-0", [b"a", b"1"]],
                                                 [b"2-0", [b"a", b"2", b"b", b"3"]]]
    corrupt = payload[:20] + bytes([payload[20] ^ 0xFF]) + payload[21:]
    assert raw.call("RESTORE", "y", 0, corrupt) == \
        E("ERR DUMP payload version or checksum are wrong")


# --------------------------------------------------------------------------------------------
# Metadata and propagation
# --------------------------------------------------------------------------------------------

COMMAND_INFO = {
    "xadd": (-5, ["write", "denyoom", "fast"], 1, 1, 1, ["@write", "@stream", "@fast"]),
    "xtrim": (-4, ["write"], 1, 1, 1, ["@write", "@stream", "@slow"]),
    "xdel": (-3, ["write", "fast"], 1, 1, 1, ["@write", "@stream", "@fast"]),
    "xlen": (2, ["readonly", "fast"], 1, 1, 1, ["@read", "@stream", "@fast"]),
    "xrange": (-4, ["readonly"], 1, 1, 1, ["@read", "@stream", "@slow"]),
    "xrevrange": (-4, ["readonly"], 1, 1, 1, ["@read", "@stream", "@slow"]),
    "xsetid": (-3, ["write", "denyoom", "fast"], 1, 1, 1, ["@write", "@stream", "@fast"]),
    "xread": (-4, ["readonly", "blocking", "movablekeys"], 0, 0, 0,
              ["@read", "@stream", "@slow", "@blocking"]),
    "xreadgroup": (-7, ["write", "blocking", "movablekeys"], 0, 0, 0,
                   ["@write", "@stream", "@slow", "@blocking"]),
    "xack": (-4, ["write", "fast"], 1, 1, 1, ["@write", "@stream", "@fast"]),
    "xpending": (-3, ["readonly"], 1, 1, 1, ["@read", "@stream", "@slow"]),
    "xclaim": (-6, ["write", "fast"], 1, 1, 1, ["@write", "@stream", "@fast"]),
    "xautoclaim": (-6, ["write", "fast"], 1, 1, 1, ["@write", "@stream", "@fast"]),
}


def test_command_info_metadata(raw):
    names = sorted(COMMAND_INFO)
    infos = raw.call("COMMAND", "INFO", *names)
    for name, info in zip(names, infos):
        arity_, flags, first, last, step, acl = COMMAND_INFO[name]
        assert info[0] == name.encode()
        assert info[1] == arity_, name
        assert [f.decode() for f in info[2]] == flags, name
        assert info[3:6] == [first, last, step], name
        assert [a.decode() for a in info[6]] == acl, name
    assert raw.call("COMMAND", "GETKEYS", "XREAD", "COUNT", 2, "STREAMS", "a", "b", "0", "0") \
        == [b"a", b"b"]
    assert raw.call("COMMAND", "GETKEYS", "XREADGROUP", "GROUP", "g", "c", "NOACK", "STREAMS",
                    "k", ">") == [b"k"]


def read_aof_commands(directory):
    cmds = []
    for path in sorted(glob.glob(os.path.join(directory, "appendonlydir", "*.incr.aof"))):
        data = open(path, "rb").read()
        pos = 0
        while pos < len(data):
            value, pos = helpers.parse_reply(data, pos)
            cmds.append([v.decode() for v in value])
    return [c for c in cmds if c[0].upper() not in ("SELECT", "MULTI", "EXEC")]


def test_propagation_to_aof(spawn, tmp_path):
    srv = spawn("--appendonly", "yes", "--appendfsync", "always",
                "--stream-node-max-entries", "10")
    c = srv.raw()
    try:
        generated = c.call("XADD", "s", "*", "f", "v").decode()
        c.call("XADD", "s", "NOMKSTREAM", "5-*", "f", "v")  # ms in the past: fails
        for i in range(1, 31):
            c.call("XADD", "t", f"{i}-0", "f", "v")
        c.call("XADD", "t", "MAXLEN", "~", "15", "31-*", "f", "v")  # drops the node 1-10
        c.call("XTRIM", "t", "MAXLEN", "18")
        c.call("XTRIM", "t", "MINID", "~", "31")  # the node 21-30, tombstones included
        c.call("XTRIM", "t", "MAXLEN", "~", "1")  # nothing to do: not propagated
        for i in range(1, 5):
            c.call("XADD", "q", f"{i}-0", "f", "v")
        c.call("XGROUP", "CREATE", "q", "g", "0")
        c.call("XREADGROUP", "GROUP", "g", "alice", "COUNT", 1, "STREAMS", "q", ">")
        c.call("XREADGROUP", "GROUP", "g", "bob", "NOACK", "COUNT", 1, "STREAMS", "q", ">")
        c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "q", ">")
        c.call("XREADGROUP", "GROUP", "g", "bob", "STREAMS", "q", "0")  # history: nothing
        c.call("XACK", "q", "g", "1-0")
        c.call("XCLAIM", "q", "g", "carol", 0, "3-0")
        c.call("XLEN", "q")
        time.sleep(0.2)
        got = read_aof_commands(tmp_path)
        for cmd in got:
            if cmd[0] == "XCLAIM":
                cmd[7] = "*"  # the delivery time

        def claim(consumer, id_, count, last):
            return ["XCLAIM", "q", "g", consumer, "0", id_, "TIME", "*", "RETRYCOUNT", str(count),
                    "FORCE", "JUSTID", "LASTID", last]

        expected = [["XADD", "s", generated, "f", "v"]]
        expected += [["XADD", "t", f"{i}-0", "f", "v"] for i in range(1, 31)]
        expected += [
            ["XADD", "t", "MAXLEN", "=", "21", "31-0", "f", "v"],
            ["XTRIM", "t", "MAXLEN", "18"],
            ["XTRIM", "t", "MINID", "=", "31-0"],
        ]
        expected += [["XADD", "q", f"{i}-0", "f", "v"] for i in range(1, 5)]
        expected += [
            ["XGROUP", "CREATE", "q", "g", "0"],
            claim("alice", "1-0", 1, "1-0"),
            ["XGROUP", "CREATECONSUMER", "q", "g", "bob"],
            ["XGROUP", "SETID", "q", "g", "2-0", "ENTRIESREAD", "2"],
            claim("bob", "3-0", 1, "3-0"),
            claim("bob", "4-0", 1, "4-0"),
            ["XACK", "q", "g", "1-0"],
            claim("carol", "3-0", 3, "4-0"),
        ]
        assert got == expected
    finally:
        c.close()
