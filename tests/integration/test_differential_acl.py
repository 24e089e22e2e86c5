"""Differential test for ACL: fixed scenarios (SETUSER rules and their errors, GETUSER / LIST
descriptions, AUTH / HELLO / RESET, NOPERM for commands, subcommands, keys and selectors, the
ACL log, DRYRUN, CAT) run on Debian's redis-server and on the server under test over two
connections each (an admin and a client); the replies must be equal.

Redis leaves two things open, which are normalized before comparing:
  - the order of the single-command rules ("+get -debug|digest ...") in a description: Redis
    emits them in its command dictionary's hash order. The categories and flags, and which
    rules appear, are compared exactly;
  - the time and client fields of ACL LOG entries (age-seconds, client-info).
ACL CAT <category> is compared for categories whose commands Sable all has.
"""

import re

import pytest

from helpers import RespError

ADMIN, CLIENT = 0, 1
HASH4 = "34344e4d60c2b6d639b7bd22e18f2b0b91bc34bf0ac5f9952744435093cfb4e6"

SCENARIOS = {
    "users_and_auth": [
        (ADMIN, ["ACL", "WHOAMI"]),
        (ADMIN, ["ACL", "SETUSER", "newuser"]),
        (ADMIN, ["ACL", "GETUSER", "newuser"]),
        (ADMIN, ["ACL", "SETUSER", "a a"]),
        (ADMIN, ["ACL", "SETUSER", "newuser", ">passwd1"]),
        (CLIENT, ["AUTH", "newuser", "passwd1"]),
        (ADMIN, ["ACL", "SETUSER", "newuser", "on", "+acl"]),
        (CLIENT, ["AUTH", "newuser", "passwd1"]),
        (CLIENT, ["ACL", "WHOAMI"]),
        (CLIENT, ["AUTH", "passwd1"]),
        (ADMIN, ["ACL", "SETUSER", "newuser", ">passwd2", "#" + HASH4, "<passwd1"]),
        (CLIENT, ["AUTH", "newuser", "passwd1"]),
        (CLIENT, ["AUTH", "newuser", "passwd4"]),
        (ADMIN, ["ACL", "GETUSER", "newuser"]),
        (ADMIN, ["ACL", "SETUSER", "newuser", "!" + HASH4, "nopass"]),
        (CLIENT, ["AUTH", "newuser", "whatever"]),
        (CLIENT, ["HELLO", "2", "AUTH", "newuser", "x", "SETNAME", "c1"]),
        (CLIENT, ["HELLO", "2", "AUTH", "nouser", "x"]),
        (CLIENT, ["RESET"]),
        (CLIENT, ["ACL", "WHOAMI"]),
        (ADMIN, ["ACL", "USERS"]),
        (ADMIN, ["ACL", "LIST"]),
        (ADMIN, ["ACL", "DELUSER", "newuser", "nosuch"]),
        (ADMIN, ["ACL", "DELUSER", "default"]),
        (ADMIN, ["ACL", "GETUSER", "newuser"]),
    ],
    "setuser_errors": [
        (ADMIN, ["ACL", "SETUSER", "u", "#" + HASH4[:-1]]),
        (ADMIN, ["ACL", "SETUSER", "u", "#" + HASH4[:-1] + "q"]),
        (ADMIN, ["ACL", "SETUSER", "u", "bogus"]),
        (ADMIN, ["ACL", "SETUSER", "u", "+nosuch"]),
        (ADMIN, ["ACL", "SETUSER", "u", "-@nosuch"]),
        (ADMIN, ["ACL", "SETUSER", "u", "+config|get|appendonly"]),
        (ADMIN, ["ACL", "SETUSER", "u", "+config|asdf"]),
        (ADMIN, ["ACL", "SETUSER", "u", "-config|asdf"]),
        (ADMIN, ["ACL", "SETUSER", "u", "+get|key1|key2"]),
        (ADMIN, ["ACL", "SETUSER", "u", "+debug|"]),
        (ADMIN, ["ACL", "SETUSER", "u", "-select|0"]),
        (ADMIN, ["ACL", "SETUSER", "u", "~*", "~foo"]),
        (ADMIN, ["ACL", "SETUSER", "u", "&*", "&foo"]),
        (ADMIN, ["ACL", "SETUSER", "u", "%X~foo"]),
        (ADMIN, ["ACL", "SETUSER", "u", "%RR~foo"]),
        (ADMIN, ["ACL", "SETUSER", "u", "<nope"]),
        (ADMIN, ["ACL", "SETUSER", "u", "(~x"]),
        (ADMIN, ["ACL", "SETUSER", "u", "(this-is-invalid)"]),
        (ADMIN, ["ACL", "SETUSER", "u", "(&* &fail)"]),
        (ADMIN, ["ACL", "SETUSER", "u", " () "]),
        (ADMIN, ["ACL", "SETUSER", "u", ")"]),
        (ADMIN, ["ACL", "GETUSER", "u"]),
        (ADMIN, ["ACL", "SETUSER", "u", "", "on"]),
        (ADMIN, ["ACL", "GETUSER", "u"]),
    ],
    "describe": [
        (ADMIN, ["ACL", "SETUSER", "a", "reset", "+@all", "~*", "-@string", "+incr", "-debug",
                 "+debug|digest"]),
        (ADMIN, ["ACL", "GETUSER", "a"]),
        (ADMIN, ["ACL", "SETUSER", "b", "reset", "+@string", "-incr", "+acl", "+debug|digest",
                 "+debug|segfault"]),
        (ADMIN, ["ACL", "GETUSER", "b"]),
        (ADMIN, ["ACL", "SETUSER", "c", "+@all", "-client", "+client|id", "+client|setname"]),
        (ADMIN, ["ACL", "GETUSER", "c"]),
        (ADMIN, ["ACL", "SETUSER", "d", "-@all", "+acl", "+config", "-config|set", "+select|0",
                 "+select|1", "+SELECT|1"]),
        (ADMIN, ["ACL", "GETUSER", "d"]),
        (ADMIN, ["ACL", "SETUSER", "e", "+memory|doctor"]),
        (ADMIN, ["ACL", "GETUSER", "e"]),
        (ADMIN, ["ACL", "SETUSER", "e", "+memory"]),
        (ADMIN, ["ACL", "GETUSER", "e"]),
        (ADMIN, ["ACL", "SETUSER", "e", "+@all", "+client|id"]),
        (ADMIN, ["ACL", "GETUSER", "e"]),
        (ADMIN, ["ACL", "SETUSER", "f", "on", "nopass", "resetchannels", "&foo", "&bar:*",
                 "&foo", "%R~r*", "%W~w*", "%RW~rw*", "%R~x", "%W~x", "~y", "+@all",
                 "-@dangerous", "(-@all +set resetchannels &c2 %R~foo2 ~baz2)",
                 "(~key1", "+get", ")", "allchannels"]),
        (ADMIN, ["ACL", "GETUSER", "f"]),
        (ADMIN, ["ACL", "SETUSER", "g", "reset", "()"]),
        (ADMIN, ["ACL", "GETUSER", "g"]),
        (ADMIN, ["ACL", "SETUSER", "g", "skip-sanitize-payload", "clearselectors"]),
        (ADMIN, ["ACL", "GETUSER", "g"]),
        (ADMIN, ["ACL", "SETUSER", "h", "+@all", "-@keyspace", "-@hyperloglog", "+@geo",
                 "-@admin", "+flushall", "allkeys", "resetkeys", "~a"]),
        (ADMIN, ["ACL", "GETUSER", "h"]),
        (ADMIN, ["ACL", "SETUSER", "i", "nocommands", "+@hyperloglog", "-pfcount", "+@bitmap",
                 "-@write"]),
        (ADMIN, ["ACL", "GETUSER", "i"]),
        (ADMIN, ["ACL", "LIST"]),
    ],
    "noperm": [
        (ADMIN, ["ACL", "SETUSER", "nu", "on", "nopass", "+acl"]),
        (CLIENT, ["AUTH", "nu", "x"]),
        (CLIENT, ["SET", "foo", "bar"]),
        (ADMIN, ["ACL", "SETUSER", "nu", "+set"]),
        (CLIENT, ["SET", "foo", "bar"]),
        (ADMIN, ["ACL", "SETUSER", "nu", "allcommands", "~foo:*", "~bar:*"]),
        (CLIENT, ["SET", "foo:1", "a"]),
        (CLIENT, ["MSET", "foo:2", "a", "zap:3", "b"]),
        (CLIENT, ["MGET", "foo:1", "bar:1"]),
        (CLIENT, ["GET", "nope"]),
        (CLIENT, ["DEL", "foo:1", "zap"]),
        (ADMIN, ["ACL", "SETUSER", "nu", "allkeys", "-ping", "-client|kill", "-config"]),
        (CLIENT, ["PING"]),
        (CLIENT, ["CLIENT", "GETNAME"]),
        (CLIENT, ["CLIENT", "KILL", "TYPE", "master"]),
        (CLIENT, ["CONFIG", "GET", "maxmemory"]),
        (CLIENT, ["CONFIG", "NOSUCH"]),
        (CLIENT, ["NOSUCHCMD"]),
        (CLIENT, ["PING", "a", "b"]),
        (ADMIN, ["ACL", "SETUSER", "nu", "-@all", "+acl", "+select|0", "+multi", "+exec",
                 "+discard", "+incr"]),
        (CLIENT, ["SELECT", "0"]),
        (CLIENT, ["SELECT", "1"]),
        (CLIENT, ["MULTI"]),
        (CLIENT, ["INCR", "x"]),
        (CLIENT, ["GET", "x"]),
        (CLIENT, ["EXEC"]),
        (CLIENT, ["MULTI"]),
        (CLIENT, ["INCR", "x"]),
        (ADMIN, ["ACL", "SETUSER", "nu", "-incr"]),
        (CLIENT, ["EXEC"]),
        (ADMIN, ["ACL", "SETUSER", "nu", "+@all", "resetkeys", "%R~read*", "%W~write*",
                 "%RW~rw*"]),
        (ADMIN, ["SET", "readstr", "v"]),
        (CLIENT, ["GET", "readstr"]),
        (CLIENT, ["SET", "readstr", "v"]),
        (CLIENT, ["SET", "writestr", "v"]),
        (CLIENT, ["SET", "writestr", "v", "GET"]),
        (CLIENT, ["SET", "writestr", "v", "EX", "GET"]),
        (CLIENT, ["SET", "rwstr", "v", "EX", "GET"]),
        (CLIENT, ["LPUSH", "writelist", "1"]),
        (CLIENT, ["LPUSH", "readlist", "1"]),
        (CLIENT, ["COPY", "readstr", "write2"]),
        (CLIENT, ["COPY", "writestr", "read2"]),
        (CLIENT, ["EXISTS", "readstr", "writestr", "rwx"]),
        (CLIENT, ["EXISTS", "nothing"]),
        (CLIENT, ["BITFIELD", "readstr", "GET", "u4", "0"]),
        (CLIENT, ["BITFIELD", "readstr", "INCRBY", "u4", "0", "1"]),
        (CLIENT, ["BITFIELD", "writestr", "GET", "u4", "0"]),
        (CLIENT, ["SINTERCARD", "2", "read1", "write1"]),
        (CLIENT, ["SMOVE", "read1", "write1", "m"]),
        (CLIENT, ["LMOVE", "rw1", "write1", "LEFT", "RIGHT"]),
        (CLIENT, ["RENAME", "rw1", "write1"]),
        (ADMIN, ["ACL", "SETUSER", "nu", "resetkeys", "(+@write ~write::*)", "(+@read",
                 "~read::*)", "-@all"]),
        (CLIENT, ["SET", "write::foo", "bar"]),
        (CLIENT, ["GET", "read::foo"]),
        (CLIENT, ["GET", "write::foo"]),
        (CLIENT, ["PING"]),
        (CLIENT, ["RESET"]),
        (CLIENT, ["ACL", "WHOAMI"]),
    ],
    "log": [
        (ADMIN, ["ACL", "SETUSER", "antirez", ">foo", "on", "+set", "~object:1234", "+multi",
                 "+exec"]),
        (CLIENT, ["AUTH", "antirez", "foo"]),
        (CLIENT, ["GET", "foo"]),
        (CLIENT, ["GET", "foo"]),
        (CLIENT, ["SET", "somekeynotallowed", "1"]),
        (CLIENT, ["MULTI"]),
        (CLIENT, ["INCR", "foo"]),
        (CLIENT, ["EXEC"]),
        (CLIENT, ["AUTH", "antirez", "wrong"]),
        (CLIENT, ["HELLO", "2", "AUTH", "nobody", "wrong"]),
        (ADMIN, ["ACL", "LOG"]),
        (ADMIN, ["ACL", "LOG", "2"]),
        (ADMIN, ["ACL", "LOG", "-1"]),
        (ADMIN, ["ACL", "LOG", "x"]),
        (ADMIN, ["ACL", "LOG", "1", "2"]),
        (ADMIN, ["ACL", "LOG", "RESET"]),
        (ADMIN, ["ACL", "LOG"]),
    ],
    "dryrun_cat_genpass": [
        (ADMIN, ["ACL", "SETUSER", "ct", "+@all", "%R~read*", "%W~write*", "%RW~rw*"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "GET", "read"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "GET", "write"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "SORT", "read", "STORE", "write"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "SORT", "read", "STORE", "read"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "SORT", "write", "BY", "x", "STORE", "write"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "GEORADIUS", "read", "0", "0", "1", "M", "STOREDIST",
                 "write"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "GEORADIUS", "write1", "0", "0", "1", "M", "STORE",
                 "write2"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "ZUNIONSTORE", "write", "2", "read", "rw"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "ZUNIONSTORE", "write", "2", "read", "write"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "ZINTERCARD", "2", "write", "read"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "PFCOUNT", "read", "write"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "HEXISTS", "write", "f"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "HSTRLEN", "nothing", "f"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "MEMORY", "USAGE", "write"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "OBJECT", "ENCODING", "nothing"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "TOUCH", "read", "write", "nothing"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "BLMPOP", "0", "2", "rw1", "read", "LEFT"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "LMPOP", "x", "rw1", "LEFT"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "BITOP", "AND", "write", "read", "rw"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "BITOP", "AND", "read", "rw"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "SET", "v"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "CONFIG"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "CONFIG", "NOSUCH"]),
        (ADMIN, ["ACL", "DRYRUN", "nouser", "GET", "x"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "nocmd", "x"]),
        (ADMIN, ["ACL", "SETUSER", "ct", "-@all", "+config|get"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "CONFIG", "GET", "x"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "CONFIG", "SET", "x", "y"]),
        (ADMIN, ["ACL", "DRYRUN", "ct", "get", "somekey"]),
        (ADMIN, ["ACL", "CAT"]),
        (ADMIN, ["ACL", "CAT", "NON_EXISTS"]),
        (ADMIN, ["ACL", "CAT", "a", "b"]),
        (ADMIN, ["ACL", "CAT", "transaction"]),
        (ADMIN, ["ACL", "CAT", "hyperloglog"]),
        (ADMIN, ["ACL", "CAT", "geo"]),
        (ADMIN, ["ACL", "GENPASS", "-236"]),
        (ADMIN, ["ACL", "GENPASS", "5000"]),
        (ADMIN, ["ACL", "GENPASS", "abc"]),
        (ADMIN, ["ACL", "GENPASS", "1", "2"]),
        (ADMIN, ["ACL", "HELP", "xxx"]),
        (ADMIN, ["ACL", "NOSUCH"]),
        (ADMIN, ["ACL", "LOAD"]),
        (ADMIN, ["ACL", "SAVE"]),
    ],
    "requirepass": [
        (ADMIN, ["CONFIG", "SET", "requirepass", "pw"]),
        (ADMIN, ["ACL", "GETUSER", "default"]),
        (ADMIN, ["ACL", "LIST"]),
        (CLIENT, ["RESET"]),
        (CLIENT, ["PING"]),
        (CLIENT, ["HELLO", "2"]),
        (CLIENT, ["AUTH", "nope"]),
        (CLIENT, ["AUTH", "pw"]),
        (CLIENT, ["ACL", "WHOAMI"]),
        (ADMIN, ["ACL", "SETUSER", "default", "nopass"]),
        (ADMIN, ["CONFIG", "GET", "requirepass"]),
        (CLIENT, ["AUTH", "x"]),
        (ADMIN, ["CONFIG", "SET", "requirepass", ""]),
        (ADMIN, ["ACL", "SETUSER", "default", "off"]),
        (CLIENT, ["RESET"]),
        (CLIENT, ["PING"]),
        (CLIENT, ["AUTH", "default", "x"]),
        (ADMIN, ["ACL", "SETUSER", "default", "on"]),
        (CLIENT, ["PING"]),
    ],
}


def norm_rules(text):
    """Sorts the single-command rules of each selector of a description; keeps the rest."""
    if not isinstance(text, bytes) or (b"@all" not in text):
        return text
    parts = re.split(rb"(\([^)]*\))", text)
    out = []
    for part in parts:
        inner = part[1:-1] if part.startswith(b"(") else part
        toks = inner.split(b" ")
        pos = [i for i, t in enumerate(toks) if t[:1] in (b"+", b"-") and t[1:2] != b"@"]
        rules = sorted(toks[i] for i in pos)
        for i, rule in zip(pos, rules):
            toks[i] = rule
        joined = b" ".join(toks)
        out.append(b"(" + joined + b")" if part.startswith(b"(") else joined)
    return b"".join(out)


def normalize(cmd, reply):
    name = " ".join(cmd[:2]).upper()
    if isinstance(reply, list):
        reply = [normalize(cmd, x) for x in reply]
        if name == "ACL LOG" and reply and isinstance(reply[0], list):
            reply = [[v for k, v in zip(e[::2], e[1::2])
                      if k not in (b"age-seconds", b"client-info")] for e in reply]
        if name == "ACL CAT" and len(cmd) == 3:
            reply = sorted(reply)
        return reply
    if name == "ACL GENPASS" and isinstance(reply, bytes):
        return ("genpass", len(reply))
    if name.startswith("HELLO") and isinstance(reply, list):
        return "hello"
    return norm_rules(reply)


def fresh_state(conn):
    conn.call("AUTH", "default", "x")
    for name in conn.call("ACL", "USERS"):
        if name != b"default":
            conn.call("ACL", "DELUSER", name)
    conn.call("ACL", "SETUSER", "default", "reset", "on", "nopass", "~*", "&*", "+@all")
    conn.call("CONFIG", "SET", "requirepass", "")
    conn.call("ACL", "LOG", "RESET")
    conn.call("FLUSHALL")


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_acl_scenario(pair, name):
    servers = pair
    conns = [[srv.raw(timeout=10), srv.raw(timeout=10)] for srv in servers]
    try:
        for cs in conns:
            fresh_state(cs[ADMIN])
            cs[CLIENT].call("PING")
        history = []
        for who, cmd in SCENARIOS[name]:
            ref = conns[0][who].call(*cmd)
            sut = conns[1][who].call(*cmd)
            history.append((who, cmd))
            if name != "describe" and "HELLO" in cmd[0].upper() and not isinstance(
                    ref, RespError):
                ref, sut = "hello", ("hello" if not isinstance(sut, RespError) else sut)
            a, b = normalize(cmd, ref), normalize(cmd, sut)
            assert a == b, (
                f"scenario {name}, step {len(history) - 1} on conn {who}: {cmd}\n"
                f"  redis: {ref!r}\n  sable: {sut!r}\n"
                f"  after: {history[-8:-1]}")
    finally:
        for cs in conns:
            try:
                fresh_state(cs[ADMIN])
            finally:
                for c in cs:
                    c.close()
