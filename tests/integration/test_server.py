"""Connection and server commands: PING/ECHO/QUIT/RESET/HELLO/AUTH/CLIENT/INFO/CONFIG/TIME/
MONITOR/SLOWLOG/LATENCY/MEMORY/DEBUG/COMMAND/SHUTDOWN."""

import os
import re
import time

import pytest

import helpers
from helpers import Map, RespError, RespSet, Verbatim, wait_for

E = RespError
SYNTAX = E("ERR syntax error")
WRONGPASS = E("WRONGPASS invalid username-password pair or user is disabled.")
NOAUTH = E("NOAUTH Authentication required.")


def info_dict(text):
    if isinstance(text, Verbatim) or isinstance(text, bytes):
        text = bytes(text).decode()
    out = {}
    for line in text.split("\r\n"):
        if line and not line.startswith("#"):
            k, _, v = line.partition(":")
            out[k] = v
    return out


# --------------------------------------------------------------------------------------------
# PING / ECHO / QUIT / RESET
# --------------------------------------------------------------------------------------------

def test_ping_echo(raw):
    assert raw.call_raw("PING") == b"+PONG\r\n"
    assert raw.call_raw("PING", "hi") == b"$2\r\nhi\r\n"
    assert raw.call_raw("ECHO", "") == b"$0\r\n\r\n"
    assert raw.call("ECHO", b"bin\x00\r\n") == b"bin\x00\r\n"
    assert raw.call("PING", "a", "b") == E("ERR wrong number of arguments for 'ping' command")
    assert raw.call("ECHO") == E("ERR wrong number of arguments for 'echo' command")
    assert raw.call("ECHO", "a", "b") == E("ERR wrong number of arguments for 'echo' command")


def test_ping_resp3(r3):
    assert r3.call_raw("PING") == b"+PONG\r\n"
    assert r3.call_raw("PING", "x") == b"$1\r\nx\r\n"


def test_quit(raw):
    raw.send_command("QUIT")
    assert raw.read_until_closed() == b"+OK\r\n"


def test_quit_discards_pipelined_commands(raw):
    raw.send(helpers.encode_command("SET", "q", "1") + helpers.encode_command("QUIT")
             + helpers.encode_command("SET", "q", "2"))
    assert raw.read_until_closed() == b"+OK\r\n+OK\r\n"


def test_reset(raw, r):
    raw.call("SELECT", "2")
    raw.call("CLIENT", "SETNAME", "before-reset")
    raw.call("HELLO", "3")
    raw.send_command("CLIENT", "REPLY", "OFF")
    assert raw.call_raw("RESET") == b"+RESET\r\n"
    assert raw.call("CLIENT", "GETNAME") is None
    assert raw.call_raw("GET", "nokey") == b"$-1\r\n"  # back to RESP2
    raw.call("SET", "k", "db0")
    assert r.get("k") == b"db0"  # back to db 0
    info = raw.call("CLIENT", "INFO").decode()
    assert " db=0 " in info and " resp=2" in info and " name= " in info


# --------------------------------------------------------------------------------------------
# HELLO
# --------------------------------------------------------------------------------------------

def test_hello_2(raw):
    reply = raw.call("HELLO", "2")
    assert isinstance(reply, list) and len(reply) == 14
    d = dict(zip(reply[0::2], reply[1::2]))
    assert set(d) == {b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"}
    assert d[b"proto"] == 2
    assert d[b"id"] == raw.call("CLIENT", "ID")
    assert d[b"mode"] == b"standalone"
    assert d[b"role"] == b"master"
    assert d[b"modules"] == []
    assert re.fullmatch(rb"7\.\d+\.\d+", d[b"version"])


def test_hello_3_returns_map_and_switches(raw):
    reply = raw.call("HELLO", "3")
    assert isinstance(reply, Map)
    assert reply[b"proto"] == 3
    assert list(reply) == [b"server", b"version", b"proto", b"id", b"mode", b"role", b"modules"]
    assert raw.call_raw("GET", "nokey") == b"_\r\n"
    reply = raw.call("HELLO", "2")
    assert isinstance(reply, list)
    assert raw.call_raw("GET", "nokey") == b"$-1\r\n"


def test_hello_without_version(raw):
    reply = raw.call("HELLO")
    d = dict(zip(reply[0::2], reply[1::2]))
    assert d[b"proto"] == 2


def test_hello_setname(raw):
    raw.call("HELLO", "3", "SETNAME", "conn-name")
    assert raw.call("CLIENT", "GETNAME") == b"conn-name"


def test_hello_errors(raw):
    assert raw.call("HELLO", "4") == E("NOPROTO unsupported protocol version")
    assert raw.call("HELLO", "1") == E("NOPROTO unsupported protocol version")
    assert raw.call("HELLO", "abc") == E("ERR Protocol version is not an integer or out of range")
    assert raw.call("HELLO", "2", "foo") == E("ERR Syntax error in HELLO option 'foo'")
    # the option is echoed as the client spelled it
    assert raw.call("HELLO", "2", "AUTH", "default") == E(
        "ERR Syntax error in HELLO option 'AUTH'")
    assert raw.call("HELLO", "2", "auth", "default") == E(
        "ERR Syntax error in HELLO option 'auth'")
    assert raw.call("HELLO", "2", "SetName") == E("ERR Syntax error in HELLO option 'SetName'")
    assert raw.call("HELLO", "2", "SETNAME", "a b") == E(
        "ERR Client names cannot contain spaces, newlines or special characters.")
    # a failed HELLO leaves the protocol unchanged
    assert raw.call_raw("GET", "nokey") == b"$-1\r\n"


# --------------------------------------------------------------------------------------------
# AUTH / requirepass
# --------------------------------------------------------------------------------------------

def test_auth_without_password_configured(raw):
    assert raw.call("AUTH", "x") == E(
        "ERR AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?")
    assert raw.call("AUTH", "nouser", "x") == WRONGPASS
    assert raw.call("AUTH", "a", "b", "c") == SYNTAX
    # the default user has nopass: any password works with an explicit user name
    assert raw.call("AUTH", "default", "anything") == b"OK"


@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    srv = helpers.start_server(["--requirepass", "secret"],
                               cwd=tmp_path_factory.mktemp("auth"))
    yield srv
    srv.stop_and_check()


def test_requirepass_noauth(auth_server):
    with auth_server.raw() as c:
        for cmd in (["PING"], ["GET", "a"], ["SET", "a", "1"], ["CLIENT", "ID"], ["SELECT", "1"],
                    ["INFO"], ["COMMAND", "COUNT"], ["ECHO", "x"], ["CONFIG", "GET", "port"]):
            assert c.call(*cmd) == NOAUTH, cmd
        # commands allowed before AUTH
        assert c.call("RESET") == b"RESET"
        assert c.call("AUTH", "wrong") == WRONGPASS
        assert c.call("AUTH", "default", "wrong") == WRONGPASS
        assert c.call("AUTH", "nouser", "secret") == WRONGPASS
        assert c.call("GET", "a") == NOAUTH
        assert c.call("AUTH", "secret") == b"OK"
        assert c.call("PING") == b"PONG"
        assert c.call("SET", "a", "1") == b"OK"
        # RESET logs the client out again
        assert c.call("RESET") == b"RESET"
        assert c.call("GET", "a") == NOAUTH
        assert c.call("AUTH", "default", "secret") == b"OK"
        assert c.call("GET", "a") == b"1"
    with auth_server.raw() as c:
        c.send_command("QUIT")
        assert c.read_until_closed() == b"+OK\r\n"


def test_requirepass_hello(auth_server):
    with auth_server.raw() as c:
        assert c.call("HELLO", "3") == E(
            "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
            "HELLO AUTH <user> <pass> option can be used to authenticate the client and select "
            "the RESP protocol version at the same time")
        assert c.call("HELLO", "2", "AUTH", "default", "wrong") == WRONGPASS
        reply = c.call("HELLO", "3", "AUTH", "default", "secret", "SETNAME", "authed")
        assert isinstance(reply, Map) and reply[b"proto"] == 3
        assert c.call("CLIENT", "GETNAME") == b"authed"
        assert c.call_raw("GET", "nokey") == b"_\r\n"


def test_requirepass_redis_py(auth_server):
    import redis
    client = auth_server.client()
    with pytest.raises(redis.RedisError, match="NOAUTH|Authentication required"):
        client.ping()
    good = auth_server.client(password="secret")
    assert good.ping() is True
    good.set("k", "v")
    assert good.get("k") == b"v"
    with pytest.raises(redis.RedisError, match="WRONGPASS|invalid username-password"):
        auth_server.client(password="bad").ping()
    good.close()
    client.close()


def test_requirepass_config_set_changes_password(auth_server):
    with auth_server.raw() as admin:
        assert admin.call("AUTH", "secret") == b"OK"
        assert admin.call("CONFIG", "GET", "requirepass") == [b"requirepass", b"secret"]
        assert admin.call("CONFIG", "SET", "requirepass", "other") == b"OK"
        try:
            with auth_server.raw() as c:
                assert c.call("AUTH", "secret") == WRONGPASS
                assert c.call("AUTH", "other") == b"OK"
        finally:
            assert admin.call("CONFIG", "SET", "requirepass", "secret") == b"OK"


# --------------------------------------------------------------------------------------------
# CLIENT
# --------------------------------------------------------------------------------------------

CLIENT_FIELDS = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub",
                 "multi", "qbuf", "qbuf-free", "argv-mem", "obl", "oll", "omem", "tot-mem",
                 "events", "cmd", "user", "redir", "resp"]


def parse_client_line(line):
    fields = {}
    for part in line.strip().split(" "):
        k, _, v = part.partition("=")
        fields[k] = v
    return fields


def test_client_id_setname_getname(raw, server):
    cid = raw.call("CLIENT", "ID")
    assert isinstance(cid, int) and cid > 0
    with server.raw() as other:
        assert other.call("CLIENT", "ID") > cid
    assert raw.call("CLIENT", "GETNAME") is None
    assert raw.call("CLIENT", "SETNAME", "worker-1") == b"OK"
    assert raw.call("CLIENT", "GETNAME") == b"worker-1"
    assert raw.call("CLIENT", "SETNAME", "") == b"OK"
    assert raw.call("CLIENT", "GETNAME") is None
    bad = E("ERR Client names cannot contain spaces, newlines or special characters.")
    assert raw.call("CLIENT", "SETNAME", "a b") == bad
    assert raw.call("CLIENT", "SETNAME", "a\nb") == bad


def test_client_info_and_list(raw, server):
    raw.call("CLIENT", "SETNAME", "lister")
    raw.call("SELECT", "3")
    info = raw.call("CLIENT", "INFO")
    assert isinstance(info, bytes) and info.endswith(b"\n") and info.count(b"\n") == 1
    f = parse_client_line(info.decode())
    for name in CLIENT_FIELDS:
        assert name in f, name
    assert int(f["id"]) == raw.call("CLIENT", "ID")
    assert f["name"] == "lister"
    assert f["db"] == "3"
    assert f["cmd"] == "client|info"
    assert f["resp"] == "2"
    assert f["user"] == "default"
    assert f["laddr"] == f"127.0.0.1:{server.port}"
    assert f["addr"].startswith("127.0.0.1:")
    assert f["flags"] == "N"

    with server.raw() as other:
        other.call("CLIENT", "SETNAME", "other")
        listing = raw.call("CLIENT", "LIST").decode()
        lines = [parse_client_line(ln) for ln in listing.strip("\n").split("\n")]
        names = {ln["name"] for ln in lines}
        assert {"lister", "other"} <= names
        me = [ln for ln in lines if ln["name"] == "lister"][0]
        assert me["cmd"] == "client|list"
        # filter by id
        oid = other.call("CLIENT", "ID")
        only = raw.call("CLIENT", "LIST", "ID", oid).decode().strip("\n").split("\n")
        assert len(only) == 1 and parse_client_line(only[0])["name"] == "other"
        assert raw.call("CLIENT", "LIST", "TYPE", "normal").count(b"\n") >= 2
    assert raw.call("CLIENT", "LIST", "TYPE", "foo") == E("ERR Unknown client type 'foo'")
    assert raw.call("CLIENT", "LIST", "ID", "abc") == E("ERR Invalid client ID")


def test_client_info_resp3_is_verbatim(r3):
    info = r3.call("CLIENT", "INFO")
    assert isinstance(info, Verbatim) and info.fmt == b"txt"
    assert b" resp=3" in info


def addr_of(conn):
    return parse_client_line(conn.call("CLIENT", "INFO").decode())["addr"]


def test_client_kill_by_id(raw, server):
    victim = server.raw()
    vid = victim.call("CLIENT", "ID")
    assert raw.call("CLIENT", "KILL", "ID", vid) == 1
    assert victim.is_closed()
    assert raw.call("CLIENT", "KILL", "ID", vid) == 0
    assert raw.call("CLIENT", "KILL", "ID", "999999999") == 0
    assert raw.call("CLIENT", "KILL", "ID", "abc") == E("ERR client-id should be greater than 0")
    assert raw.call("CLIENT", "KILL", "ID", "0") == E("ERR client-id should be greater than 0")
    # SKIPME defaults to yes: a client cannot kill itself by its own ID unless SKIPME no
    me = raw.call("CLIENT", "ID")
    assert raw.call("CLIENT", "KILL", "ID", me) == 0
    assert raw.call("PING") == b"PONG"


def test_client_kill_by_addr(raw, server):
    victim = server.raw()
    addr = addr_of(victim)
    assert raw.call("CLIENT", "KILL", "ADDR", addr) == 1
    assert victim.is_closed()
    assert raw.call("CLIENT", "KILL", "ADDR", "1.2.3.4:5") == 0
    # old form: CLIENT KILL ip:port replies OK or an error
    victim = server.raw()
    addr = addr_of(victim)
    assert raw.call("CLIENT", "KILL", addr) == b"OK"
    assert victim.is_closed()
    assert raw.call("CLIENT", "KILL", addr) == E("ERR No such client")
    assert raw.call("CLIENT", "KILL", "foo", "bar") == SYNTAX


def test_client_kill_self_with_skipme_no(raw):
    me = raw.call("CLIENT", "ID")
    raw.send_command("CLIENT", "KILL", "ID", me, "SKIPME", "no")
    assert raw.read_until_closed() == b":1\r\n"


def test_client_reply(raw):
    raw.send_command("CLIENT", "REPLY", "SKIP")   # no reply to this
    raw.send_command("PING", "skipped")           # nor to this
    raw.send_command("PING", "seen")
    assert raw.read_reply() == b"seen"
    raw.send_command("CLIENT", "REPLY", "OFF")    # no reply
    raw.send_command("SET", "k", "v")
    raw.send_command("PING", "silent")
    raw.send_command("CLIENT", "REPLY", "ON")
    assert raw.read_reply() == b"OK"
    assert raw.call("GET", "k") == b"v"
    assert raw.call("CLIENT", "REPLY", "ON") == b"OK"
    assert raw.call("CLIENT", "REPLY", "foo") == SYNTAX


def test_client_no_evict(raw):
    assert raw.call("CLIENT", "NO-EVICT", "on") == b"OK"
    assert b"e" in parse_client_line(raw.call("CLIENT", "INFO").decode())["flags"].encode()
    assert raw.call("CLIENT", "NO-EVICT", "OFF") == b"OK"
    assert raw.call("CLIENT", "NO-EVICT", "foo") == SYNTAX


def test_client_errors(raw):
    assert raw.call("CLIENT", "foo") == E("ERR unknown subcommand 'foo'. Try CLIENT HELP.")
    assert raw.call("CLIENT") == E("ERR wrong number of arguments for 'client' command")
    assert raw.call("CLIENT", "SETNAME") == E(
        "ERR wrong number of arguments for 'client|setname' command")
    help_lines = raw.call("CLIENT", "HELP")
    assert help_lines[0].startswith(b"CLIENT <subcommand>")


# --------------------------------------------------------------------------------------------
# INFO
# --------------------------------------------------------------------------------------------

REQUIRED_SECTIONS = ["Server", "Clients", "Memory", "Persistence", "Stats", "Replication", "CPU",
                     "Errorstats", "Keyspace"]


def sections_of(text):
    return re.findall(r"^# (\w+)\r$", text, re.M)


def test_info_default_sections(raw):
    text = raw.call("INFO").decode()
    secs = sections_of(text)
    for s in REQUIRED_SECTIONS:
        assert s in secs, s
    assert "Commandstats" not in secs
    assert text.endswith("\r\n")


def test_info_all_and_everything(raw):
    for arg in ("all", "everything", "ALL"):
        secs = sections_of(raw.call("INFO", arg).decode())
        for s in REQUIRED_SECTIONS + ["Commandstats"]:
            assert s in secs, (arg, s)


def test_info_single_and_multiple_sections(raw):
    assert sections_of(raw.call("INFO", "server").decode()) == ["Server"]
    assert sections_of(raw.call("INFO", "SERVER").decode()) == ["Server"]
    assert sections_of(raw.call("INFO", "server", "clients").decode()) == ["Server", "Clients"]
    assert raw.call("INFO", "nosuchsection") == b""


def test_info_fields(raw, server):
    raw.call("SET", "a", "1")
    raw.call("SET", "b", "2", "EX", "1000")
    d = info_dict(raw.call("INFO", "everything"))
    assert d["redis_version"].startswith("7.")
    assert int(d["process_id"]) == server.pid
    assert int(d["tcp_port"]) == server.port
    assert int(d["connected_clients"]) >= 2  # the fixture's redis-py client and this one
    assert int(d["used_memory"]) > 0
    assert int(d["used_memory_rss"]) > 0
    if helpers.sanitized():
        assert d["mem_allocator"].startswith(("libc", "jemalloc"))
    else:
        assert d["mem_allocator"].startswith("jemalloc")
    assert int(d["total_commands_processed"]) > 0
    assert d["role"] == "master"
    assert int(d["uptime_in_seconds"]) >= 0
    for name in ("run_id", "used_memory_human", "used_memory_peak", "maxmemory",
                 "maxmemory_policy", "total_connections_received", "keyspace_hits",
                 "keyspace_misses", "expired_keys", "evicted_keys", "used_cpu_sys",
                 "used_cpu_user", "loading", "rdb_changes_since_last_save", "aof_enabled",
                 "connected_slaves", "master_repl_offset", "instantaneous_ops_per_sec",
                 "total_net_input_bytes", "total_net_output_bytes", "blocked_clients",
                 "maxclients", "hz", "executable", "config_file", "mem_fragmentation_ratio"):
        assert name in d, name
    assert len(d["run_id"]) == 40
    assert re.fullmatch(r"keys=2,expires=1,avg_ttl=\d+", d["db0"]), d["db0"]
    assert d["aof_enabled"] == "0"


def test_info_keyspace_lists_nonempty_dbs_only(raw):
    raw.call("SET", "a", "1")
    raw.call("SELECT", "5")
    raw.call("SET", "b", "1")
    raw.call("SET", "c", "1", "PX", "10000000")
    text = raw.call("INFO", "keyspace").decode()
    lines = text.split("\r\n")
    assert lines[0] == "# Keyspace"
    dbs = [ln for ln in lines if ln.startswith("db")]
    assert dbs[0] == "db0:keys=1,expires=0,avg_ttl=0"
    assert re.fullmatch(r"db5:keys=2,expires=1,avg_ttl=\d+", dbs[1])
    assert len(dbs) == 2


def test_info_commandstats_and_errorstats(raw):
    assert raw.call("CONFIG", "RESETSTAT") == b"OK"
    raw.call("SET", "a", "1")
    raw.call("GET", "a")
    raw.call("GET", "a")
    raw.call("GET")  # arity error: rejected call
    raw.call("INCR", "nokey-is-fine")
    raw.call("SET", "s", "x")
    raw.call("INCR", "s")  # failed call
    raw.call("NOSUCHCOMMAND")
    text = raw.call("INFO", "commandstats").decode()
    stats = {}
    for line in text.split("\r\n")[1:]:
        if line:
            name, _, rest = line.partition(":")
            stats[name] = dict(kv.split("=") for kv in rest.split(","))
    assert set(stats["cmdstat_get"]) == {"calls", "usec", "usec_per_call", "rejected_calls",
                                         "failed_calls"}
    assert stats["cmdstat_get"]["calls"] == "2"
    assert stats["cmdstat_get"]["rejected_calls"] == "1"
    assert stats["cmdstat_set"]["calls"] == "2"
    assert stats["cmdstat_incr"]["calls"] == "2"
    assert stats["cmdstat_incr"]["failed_calls"] == "1"
    assert "cmdstat_config|resetstat" in stats
    assert not any("nosuchcommand" in k for k in stats)
    errs = info_dict(raw.call("INFO", "errorstats"))
    assert errs["errorstat_ERR"] == "count=3"


def test_info_errorstats_error_codes(raw):
    raw.call("CONFIG", "RESETSTAT")
    raw.call("HELLO", "9")
    raw.call("HELLO", "9")
    raw.call("SET", "k", "v", "NX", "XX")
    errs = info_dict(raw.call("INFO", "errorstats"))
    assert errs == {"errorstat_NOPROTO": "count=2", "errorstat_ERR": "count=1"}


def test_info_stats_counters(raw):
    raw.call("CONFIG", "RESETSTAT")
    raw.call("SET", "a", "1")
    raw.call("GET", "a")
    raw.call("GET", "missing")
    d = info_dict(raw.call("INFO", "stats"))
    assert d["keyspace_hits"] == "1"
    assert d["keyspace_misses"] == "1"
    # resetstat, set, get, get (INFO itself counts after its reply)
    assert int(d["total_commands_processed"]) == 4


def test_info_rates_and_memory_figures(raw, server):
    # about a second of traffic: the instantaneous rates average the last 16 samples of 100 ms
    end = time.monotonic() + 1.2
    while time.monotonic() < end:
        for _ in range(100):
            raw.send_command("PING")
        for _ in range(100):
            assert raw.read_reply() == b"PONG"
    st = info_dict(raw.call("INFO", "stats"))
    assert int(st["instantaneous_ops_per_sec"]) > 0
    assert float(st["instantaneous_input_kbps"]) > 0
    assert float(st["instantaneous_output_kbps"]) > 0
    mem = {k: int(v) for k, v in info_dict(raw.call("INFO", "memory")).items()
           if re.fullmatch(r"-?\d+", v)}
    assert mem["used_memory_peak"] >= mem["used_memory"]
    assert mem["used_memory_startup"] > 0
    assert mem["mem_clients_normal"] > 0
    assert mem["used_memory_overhead"] >= mem["used_memory_startup"] + mem["mem_clients_normal"]
    assert mem["used_memory_dataset"] <= mem["used_memory"]
    # the peak outlives the data that made it
    raw.call("SET", "big", "x" * (32 << 20))
    raw.call("INFO", "memory")
    raw.call("DEL", "big")
    mem = info_dict(raw.call("INFO", "memory"))
    assert int(mem["used_memory_peak"]) >= 32 << 20
    assert int(mem["used_memory"]) < int(mem["used_memory_peak"]) - (16 << 20)
    # CLIENT LIST shows the socket's real descriptor
    fd = int(parse_client_line(raw.call("CLIENT", "INFO").decode())["fd"])
    assert os.path.exists(f"/proc/{server.pid}/fd/{fd}")
    assert os.readlink(f"/proc/{server.pid}/fd/{fd}").startswith("socket:")


def test_info_resp3_is_verbatim(r3):
    reply = r3.call("INFO", "server")
    assert isinstance(reply, Verbatim) and reply.fmt == b"txt"
    assert reply.startswith(b"# Server\r\n")


# --------------------------------------------------------------------------------------------
# CONFIG
# --------------------------------------------------------------------------------------------

def config_get(conn, *patterns):
    reply = conn.call("CONFIG", "GET", *patterns)
    if isinstance(reply, dict):
        return dict(reply)
    return dict(zip(reply[0::2], reply[1::2]))


def test_config_get(raw, server):
    assert config_get(raw, "port") == {b"port": str(server.port).encode()}
    # Redis 7.0 quirk: an exact (non-glob) name is echoed back as the client spelled it
    assert config_get(raw, "PORT") == {b"PORT": str(server.port).encode()}
    assert config_get(raw, "nonexistent") == {}
    got = config_get(raw, "maxmemory*")
    assert {b"maxmemory", b"maxmemory-policy", b"maxmemory-samples"} <= set(got)
    assert all(k.startswith(b"maxmemory") for k in got)
    assert got[b"maxmemory"] == b"0" and got[b"maxmemory-policy"] == b"noeviction"
    got = config_get(raw, "port", "bind", "nonexistent")
    assert got == {b"port": str(server.port).encode(), b"bind": b"127.0.0.1"}
    got = config_get(raw, "*")
    assert len(got) > 50 and b"hz" in got and b"save" in got
    assert got[b"save"] == b""
    assert got[b"appendonly"] == b"no"
    assert got[b"enable-debug-command"] == b"yes"
    assert config_get(raw, "h?") == {b"hz": b"10"}
    assert config_get(raw, "slowlog-*") == {b"slowlog-log-slower-than": b"10000",
                                            b"slowlog-max-len": b"128"}


def test_config_get_resp3_map(r3):
    reply = r3.call("CONFIG", "GET", "hz")
    assert isinstance(reply, Map) and reply == {b"hz": b"10"}
    assert r3.call_raw("CONFIG", "GET", "hz") == b"%1\r\n$2\r\nhz\r\n$2\r\n10\r\n"
    assert r3.call_raw("CONFIG", "GET", "nonexistent") == b"%0\r\n"


def test_config_set(raw):
    try:
        assert raw.call("CONFIG", "SET", "maxmemory", "100mb") == b"OK"
        assert config_get(raw, "maxmemory") == {b"maxmemory": b"104857600"}
        assert raw.call("CONFIG", "SET", "hz", "20", "slowlog-max-len", "64") == b"OK"
        assert config_get(raw, "hz", "slowlog-max-len") == {b"hz": b"20",
                                                           b"slowlog-max-len": b"64"}
        assert raw.call("CONFIG", "SET", "HZ", "1000") == b"OK"   # clamped to 500
        assert config_get(raw, "hz") == {b"hz": b"500"}
        assert raw.call("CONFIG", "SET", "maxmemory-policy", "ALLKEYS-LRU") == b"OK"
        assert config_get(raw, "maxmemory-policy") == {b"maxmemory-policy": b"allkeys-lru"}
    finally:
        raw.call("CONFIG", "SET", "maxmemory", "0", "hz", "10", "slowlog-max-len", "128",
                 "maxmemory-policy", "noeviction")


def test_config_set_errors(raw):
    assert raw.call("CONFIG", "SET", "foo", "bar") == E(
        "ERR Unknown option or number of arguments for CONFIG SET - 'foo'")
    assert raw.call("CONFIG", "SET", "maxmemory", "abc") == E(
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be "
        "a memory value")
    assert raw.call("CONFIG", "SET", "hz", "10", "hz", "10") == E(
        "ERR CONFIG SET failed (possibly related to argument 'hz') - duplicate parameter")
    assert raw.call("CONFIG", "SET", "daemonize", "yes") == E(
        "ERR CONFIG SET failed (possibly related to argument 'daemonize') - can't set "
        "immutable config")
    assert raw.call("CONFIG", "SET", "slowlog-log-slower-than", "abc") == E(
        "ERR CONFIG SET failed (possibly related to argument 'slowlog-log-slower-than') - "
        "argument couldn't be parsed into an integer")
    assert raw.call("CONFIG", "SET", "maxmemory-policy", "foo") == E(
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory-policy') - argument(s) "
        "must be one of the following: volatile-lru, volatile-lfu, volatile-random, "
        "volatile-ttl, allkeys-lru, allkeys-lfu, allkeys-random, noeviction")
    assert raw.call("CONFIG", "SET", "maxclients", "-5") == E(
        "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be "
        "between 1 and 4294967295 inclusive")
    assert raw.call("CONFIG", "SET", "hz") == E(
        "ERR wrong number of arguments for 'config|set' command")
    assert raw.call("CONFIG", "SET", "hz", "10", "maxmemory") == SYNTAX
    # a failed multi-set applies nothing
    assert raw.call("CONFIG", "SET", "hz", "33", "maxmemory", "abc") == E(
        "ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be "
        "a memory value")
    assert config_get(raw, "hz") == {b"hz": b"10"}
    assert raw.call("CONFIG", "foo") == E("ERR unknown subcommand 'foo'. Try CONFIG HELP.")


def test_config_rewrite_without_file(raw):
    assert raw.call("CONFIG", "REWRITE") == E("ERR The server is running without a config file")


def test_config_rewrite_with_file(spawn, tmp_path):
    conf = tmp_path / "rw.conf"
    conf.write_text("# keep this comment\nhz 15\nmaxmemory 10mb\n")
    srv = spawn(config_file=conf)
    with srv.raw() as c:
        assert config_get(c, "hz") == {b"hz": b"15"}
        assert c.call("CONFIG", "SET", "hz", "25", "maxmemory-policy", "allkeys-lru") == b"OK"
        assert c.call("CONFIG", "REWRITE") == b"OK"
        d = info_dict(c.call("INFO", "server"))
        assert d["config_file"] == str(conf)
    text = conf.read_text()
    assert "# keep this comment" in text
    assert re.search(r"^hz 25$", text, re.M)
    assert re.search(r"^maxmemory-policy allkeys-lru$", text, re.M)
    assert not re.search(r"^hz 15$", text, re.M)
    # the rewritten file loads and gives the new values
    srv2 = spawn(config_file=conf)
    with srv2.raw() as c:
        assert config_get(c, "hz", "maxmemory-policy", "maxmemory") == {
            b"hz": b"25", b"maxmemory-policy": b"allkeys-lru", b"maxmemory": b"10485760"}


def test_config_resetstat(raw):
    raw.call("SET", "a", "1")
    raw.call("GET", "a", "b")
    assert raw.call("CONFIG", "RESETSTAT") == b"OK"
    text = raw.call("INFO", "commandstats").decode()
    assert "cmdstat_set" not in text and "cmdstat_get" not in text
    assert info_dict(raw.call("INFO", "errorstats")) == {}
    d = info_dict(raw.call("INFO", "stats"))
    assert d["keyspace_hits"] == "0"
    # RESETSTAT itself and the two INFO calls before this one
    assert int(d["total_commands_processed"]) == 3


# --------------------------------------------------------------------------------------------
# TIME / MONITOR
# --------------------------------------------------------------------------------------------

def test_time(raw):
    reply = raw.call("TIME")
    assert isinstance(reply, list) and len(reply) == 2
    secs, usecs = int(reply[0]), int(reply[1])
    assert abs(secs - time.time()) < 5
    assert 0 <= usecs < 1000000
    assert raw.call("TIME", "x") == E("ERR wrong number of arguments for 'time' command")


def test_monitor(raw, server):
    mon = server.raw()
    try:
        assert mon.call("MONITOR") == b"OK"
        raw.call("SET", "foo", "bar baz")
        raw.call("SELECT", "3")
        raw.call("GET", 'q"x\n')
        raw.call("SELECT", "0")
        raw.call("AUTH", "default", "pw")
        lines = [mon.read_reply() for _ in range(5)]
        pat = rb'\d+\.\d{6} \[(\d+) 127\.0\.0\.1:\d+\] (.*)'
        parsed = [re.fullmatch(pat, ln) for ln in lines]
        assert all(parsed), lines
        assert [(m.group(1), m.group(2)) for m in parsed] == [
            (b"0", b'"SET" "foo" "bar baz"'),
            (b"3", b'"SELECT" "3"'),
            (b"3", b'"GET" "q\\"x\\n"'),
            (b"0", b'"SELECT" "0"'),
            (b"0", b'"AUTH" "(redacted)" "(redacted)"'),
        ]
        # a monitoring client cannot run keyspace commands
        assert mon.call("GET", "x") == E("ERR Replica can't interact with the keyspace")
    finally:
        mon.close()


# --------------------------------------------------------------------------------------------
# SLOWLOG / LATENCY / MEMORY
# --------------------------------------------------------------------------------------------

def test_slowlog(raw):
    try:
        assert raw.call("CONFIG", "SET", "slowlog-log-slower-than", "-1") == b"OK"
        assert raw.call("SLOWLOG", "RESET") == b"OK"
        assert raw.call("SLOWLOG", "LEN") == 0
        raw.call("SET", "disabled", "1")
        assert raw.call("SLOWLOG", "LEN") == 0
        raw.call("CLIENT", "SETNAME", "slowpoke")
        assert raw.call("CONFIG", "SET", "slowlog-log-slower-than", "0") == b"OK"
        raw.call("SET", "foo", "bar")
        raw.call("SET", "a" * 200, "b")
        raw.call("MSET", *[str(i) for i in range(40)])
        entries = raw.call("SLOWLOG", "GET", "3")
        assert len(entries) == 3
        mset, setlong, setfoo = entries
        for e in entries:
            assert len(e) == 6
            assert isinstance(e[0], int) and abs(e[1] - time.time()) < 10 and e[2] >= 0
            assert e[4].startswith(b"127.0.0.1:")
            assert e[5] == b"slowpoke"
        assert mset[0] > setlong[0] > setfoo[0]
        assert setfoo[3] == [b"SET", b"foo", b"bar"]
        assert setlong[3] == [b"SET", b"a" * 128 + b"... (72 more bytes)", b"b"]
        assert mset[3] == [b"MSET"] + [str(i).encode() for i in range(30)] + [
            b"... (10 more arguments)"]
        assert raw.call("SLOWLOG", "LEN") >= 4
        assert len(raw.call("SLOWLOG", "GET", "-1")) >= 5
        assert raw.call("SLOWLOG", "GET", "0") == []
        for _ in range(10):
            raw.call("PING")
        assert len(raw.call("SLOWLOG", "GET")) == 10  # default count
        assert raw.call("SLOWLOG", "GET", "abc") == E(
            "ERR count should be greater than or equal to -1")
    finally:
        raw.call("CONFIG", "SET", "slowlog-log-slower-than", "-1")
        raw.call("SLOWLOG", "RESET")
        assert raw.call("SLOWLOG", "LEN") == 0
        raw.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")


def test_slowlog_max_len(raw):
    try:
        raw.call("CONFIG", "SET", "slowlog-max-len", "5", "slowlog-log-slower-than", "0")
        for i in range(10):
            raw.call("SET", f"k{i}", i)
        assert raw.call("SLOWLOG", "LEN") == 5
    finally:
        raw.call("CONFIG", "SET", "slowlog-max-len", "128", "slowlog-log-slower-than", "-1")
        raw.call("SLOWLOG", "RESET")
        raw.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")


def test_latency(raw):
    try:
        assert raw.call("LATENCY", "RESET") >= 0
        assert raw.call("LATENCY", "LATEST") == []
        assert raw.call("CONFIG", "SET", "latency-monitor-threshold", "1") == b"OK"
        assert raw.call("DEBUG", "SLEEP", "0.05") == b"OK"
        latest = raw.call("LATENCY", "LATEST")
        events = {e[0]: e for e in latest}
        assert b"command" in events
        name, ts, last, worst = events[b"command"]
        assert abs(ts - time.time()) < 10
        assert 50 <= last < 5000 and worst >= last
        hist = raw.call("LATENCY", "HISTORY", "command")
        assert len(hist) >= 1 and len(hist[0]) == 2 and hist[0][1] >= 50
        assert raw.call("LATENCY", "HISTORY", "nosuchevent") == []
        assert raw.call("LATENCY", "RESET", "command") == 1
        assert raw.call("LATENCY", "HISTORY", "command") == []
        assert raw.call("LATENCY", "RESET") == 0
    finally:
        raw.call("CONFIG", "SET", "latency-monitor-threshold", "0")


def test_memory_usage(raw):
    raw.call("SET", "small", "hello")
    raw.call("SET", "big", "x" * 10000)
    small = raw.call("MEMORY", "USAGE", "small")
    big = raw.call("MEMORY", "USAGE", "big")
    assert isinstance(small, int) and 5 < small < 200
    assert 10000 < big < 20000
    assert raw.call("MEMORY", "USAGE", "small", "SAMPLES", "5") == small
    assert raw.call("MEMORY", "USAGE", "missing") is None
    assert raw.call("MEMORY", "USAGE", "small", "foo") == SYNTAX


# --------------------------------------------------------------------------------------------
# DEBUG
# --------------------------------------------------------------------------------------------

def test_debug_sleep(raw):
    assert raw.call("DEBUG", "SLEEP", "0") == b"OK"
    t0 = time.monotonic()
    assert raw.call("DEBUG", "SLEEP", "0.2") == b"OK"
    assert time.monotonic() - t0 >= 0.19


def test_debug_set_active_expire(raw):
    assert raw.call("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
    try:
        raw.call("SET", "e", "1", "PX", "1")
        time.sleep(0.3)
        assert raw.call("DBSIZE") == 1
    finally:
        assert raw.call("DEBUG", "SET-ACTIVE-EXPIRE", "1") == b"OK"
    assert wait_for(lambda: raw.call("DBSIZE") == 0, timeout=3)


def test_debug_object(raw):
    raw.call("SET", "dk", "hello")
    reply = raw.call_raw("DEBUG", "OBJECT", "dk")
    assert re.fullmatch(rb"\+Value at:0x[0-9a-f]+ refcount:1 encoding:embstr serializedlength:\d+ "
                        rb"lru:\d+ lru_seconds_idle:\d+\r\n", reply), reply
    raw.call("SET", "dr", "x" * 100)
    assert b" encoding:raw " in raw.call("DEBUG", "OBJECT", "dr")
    raw.call("SET", "di", "12345678")
    assert b" encoding:int " in raw.call("DEBUG", "OBJECT", "di")
    assert raw.call("DEBUG", "OBJECT", "nokey") == E("ERR no such key")


def test_debug_unknown_subcommand(raw):
    assert raw.call("DEBUG", "nosuchthing") == E(
        "ERR unknown subcommand or wrong number of arguments for 'nosuchthing'. Try DEBUG HELP.")


DEBUG_PROTOCOL_RESP2 = {
    "string": b"$11\r\nHello World\r\n",
    "integer": b":12345\r\n",
    "double": b"$5\r\n3.141\r\n",
    "bignum": b"$37\r\n1234567999999999999999999999999999999\r\n",
    "null": b"$-1\r\n",
    "array": b"*3\r\n:0\r\n:1\r\n:2\r\n",
    "set": b"*3\r\n:0\r\n:1\r\n:2\r\n",
    "map": b"*6\r\n:0\r\n:0\r\n:1\r\n:1\r\n:2\r\n:0\r\n",
    "attrib": b"$39\r\nSome real reply following the attribute\r\n",
    "push": b"-ERR RESP2 is not supported by this command\r\n",
    "verbatim": b"$25\r\nThis is a verbatim\nstring\r\n",
    "true": b":1\r\n",
    "false": b":0\r\n",
}

DEBUG_PROTOCOL_RESP3 = {
    "string": b"$11\r\nHello World\r\n",
    "integer": b":12345\r\n",
    "double": b",3.141\r\n",
    "bignum": b"(1234567999999999999999999999999999999\r\n",
    "null": b"_\r\n",
    "array": b"*3\r\n:0\r\n:1\r\n:2\r\n",
    "set": b"~3\r\n:0\r\n:1\r\n:2\r\n",
    "map": b"%3\r\n:0\r\n#f\r\n:1\r\n#t\r\n:2\r\n#f\r\n",
    "attrib": b"|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n"
              b"$39\r\nSome real reply following the attribute\r\n",
    "verbatim": b"=29\r\ntxt:This is a verbatim\nstring\r\n",
    "true": b"#t\r\n",
    "false": b"#f\r\n",
}


@pytest.mark.parametrize("kind", sorted(DEBUG_PROTOCOL_RESP2))
def test_debug_protocol_resp2(raw, kind):
    assert raw.call_raw("DEBUG", "PROTOCOL", kind) == DEBUG_PROTOCOL_RESP2[kind]


@pytest.mark.parametrize("kind", sorted(DEBUG_PROTOCOL_RESP3))
def test_debug_protocol_resp3(r3, kind):
    assert r3.call_raw("DEBUG", "PROTOCOL", kind) == DEBUG_PROTOCOL_RESP3[kind]


def test_debug_protocol_resp3_parsed(r3):
    assert r3.call("DEBUG", "PROTOCOL", "double") == 3.141
    assert isinstance(r3.call("DEBUG", "PROTOCOL", "set"), RespSet)
    assert r3.call("DEBUG", "PROTOCOL", "map") == {0: False, 1: True, 2: False}
    assert r3.call("DEBUG", "PROTOCOL", "bignum") == 1234567999999999999999999999999999999


def test_debug_protocol_push_resp3(r3):
    # a push message first, then the real reply
    r3.send_command("DEBUG", "PROTOCOL", "push")
    assert r3.read_reply_raw() == b">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n"
    assert r3.read_reply_raw() == b"$40\r\nSome real reply following the push reply\r\n"
    assert r3.call("PING") == b"PONG"


def test_debug_protocol_bad_type(raw):
    assert raw.call("DEBUG", "PROTOCOL", "foo") == E(
        "ERR Wrong protocol type name. Please use one of the following: "
        "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")


def test_debug_refused_when_disabled(spawn):
    # enable-debug-command no (the default): DEBUG is refused
    srv = spawn("--enable-debug-command", "no")
    with srv.raw() as c:
        reply = c.call("DEBUG", "SLEEP", "0")
        assert isinstance(reply, RespError)
        assert reply.message.startswith(
            "ERR DEBUG command not allowed. If the enable-debug-command option is set to "
            "\"local\", you can run it from a local connection, otherwise you need to set this "
            "option in the configuration file, and then restart the server.")


# --------------------------------------------------------------------------------------------
# COMMAND
# --------------------------------------------------------------------------------------------

def test_command_count_and_list(raw):
    count = raw.call("COMMAND", "COUNT")
    assert isinstance(count, int) and count > 20
    names = raw.call("COMMAND", "LIST")
    assert len(names) >= count  # LIST includes subcommands
    needed = {b"get", b"set", b"getex", b"lcs", b"scan", b"expire", b"hello", b"client",
              b"config", b"command", b"info", b"object", b"debug", b"setrange", b"copy"}
    assert needed <= set(names)
    assert b"config|get" in names and b"client|list" in names
    got = set(raw.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "get*"))
    assert {b"get", b"getex", b"getdel", b"getset", b"getrange"} <= got
    assert all(n.startswith(b"get") for n in got)
    got = set(raw.call("COMMAND", "LIST", "FILTERBY", "ACLCAT", "string"))
    assert {b"get", b"set", b"incrbyfloat", b"lcs", b"mset"} <= got
    assert b"expire" not in got
    assert raw.call("COMMAND", "COUNT", "x") == E(
        "ERR wrong number of arguments for 'command|count' command")


def test_command_all_matches_count(raw):
    allinfo = raw.call("COMMAND")
    assert len(allinfo) == raw.call("COMMAND", "COUNT")
    names = {e[0] for e in allinfo}
    assert {b"get", b"set", b"ping"} <= names


def test_command_info_get(raw):
    (entry,) = raw.call("COMMAND", "INFO", "get")
    assert len(entry) == 10
    name, arity, flags, first, last, step, acl, tips, keyspecs, subcmds = entry
    assert name == b"get"
    assert arity == 2
    assert b"readonly" in flags and b"fast" in flags
    assert (first, last, step) == (1, 1, 1)
    assert {b"@read", b"@string", b"@fast"} <= set(acl)
    assert isinstance(keyspecs, list) and len(keyspecs) == 1
    assert subcmds == []


@pytest.mark.parametrize("cmd,arity,flags,keys", [
    ("set", -3, {b"write", b"denyoom"}, (1, 1, 1)),
    ("mset", -3, {b"write", b"denyoom"}, (1, -1, 2)),
    ("mget", -2, {b"readonly", b"fast"}, (1, -1, 1)),
    ("del", -2, {b"write"}, (1, -1, 1)),
    ("rename", 3, {b"write"}, (1, 2, 1)),
    ("lcs", -3, {b"readonly"}, (1, 2, 1)),
    ("ping", -1, {b"fast"}, (0, 0, 0)),
    ("incrbyfloat", 3, {b"write", b"denyoom", b"fast"}, (1, 1, 1)),
    ("expire", -3, {b"write", b"fast"}, (1, 1, 1)),
    ("ttl", 2, {b"readonly", b"fast"}, (1, 1, 1)),
    ("dbsize", 1, {b"readonly", b"fast"}, (0, 0, 0)),
    ("getex", -2, {b"write", b"fast"}, (1, 1, 1)),
    ("auth", -2, {b"noscript", b"loading", b"stale", b"fast", b"no_auth"}, (0, 0, 0)),
])
def test_command_info_metadata(raw, cmd, arity, flags, keys):
    (entry,) = raw.call("COMMAND", "INFO", cmd)
    assert entry[0] == cmd.encode()
    assert entry[1] == arity
    assert flags <= set(entry[2]), entry[2]
    assert tuple(entry[3:6]) == keys


def test_command_info_subcommands(raw):
    (entry,) = raw.call("COMMAND", "INFO", "config|get")
    assert entry[0] == b"config|get" and entry[1] == -3
    (entry,) = raw.call("COMMAND", "INFO", "config")
    subnames = {s[0] for s in entry[9]}
    assert {b"config|get", b"config|set", b"config|rewrite", b"config|resetstat"} <= subnames


def test_command_info_multiple_and_unknown(raw):
    reply = raw.call("COMMAND", "INFO", "get", "nosuch", "SET")
    assert len(reply) == 3
    assert reply[0][0] == b"get" and reply[1] is None and reply[2][0] == b"set"


def test_command_getkeys(raw):
    assert raw.call("COMMAND", "GETKEYS", "SET", "a", "b") == [b"a"]
    assert raw.call("COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2") == [b"a", b"b"]
    assert raw.call("COMMAND", "GETKEYS", "mget", "x", "y", "z") == [b"x", b"y", b"z"]
    assert raw.call("COMMAND", "GETKEYS", "copy", "a", "b") == [b"a", b"b"]
    assert raw.call("COMMAND", "GETKEYS", "LCS", "a", "b", "LEN") == [b"a", b"b"]
    assert raw.call("COMMAND", "GETKEYS", "getex", "k", "EX", "10") == [b"k"]
    assert raw.call("COMMAND", "GETKEYS", "ping", "x") == E("ERR The command has no key arguments")
    assert raw.call("COMMAND", "GETKEYS", "get", "a", "b") == E(
        "ERR Invalid number of arguments specified for command")
    assert raw.call("COMMAND", "GETKEYS", "nosuch", "a") == E("ERR Invalid command specified")
    assert raw.call("COMMAND", "GETKEYS", "get") == E(
        "ERR wrong number of arguments for 'command|getkeys' command")
    # numkeys commands: keys follow the count; a bad count is "invalid arguments".
    invalid = E("ERR Invalid arguments specified for command")
    assert raw.call("COMMAND", "GETKEYS", "lmpop", 2, "a", "b", "left") == [b"a", b"b"]
    assert raw.call("COMMAND", "GETKEYS", "lmpop", 3, "a", "b", "left") == [b"a", b"b", b"left"]
    assert raw.call("COMMAND", "GETKEYS", "blmpop", 0, 2, "a", "b", "left") == [b"a", b"b"]
    assert raw.call("COMMAND", "GETKEYS", "lmpop", 0, "a", "left") == invalid
    assert raw.call("COMMAND", "GETKEYS", "sintercard", 2, "a", "b") == [b"a", b"b"]
    assert raw.call("COMMAND", "GETKEYS", "sintercard", 0, "a") == invalid
    assert raw.call("COMMAND", "GETKEYS", "zdiff", 3, "a", "b") == invalid
    assert raw.call("COMMAND", "GETKEYS", "zunionstore", "d", 2, "a", "b") == [b"d", b"a", b"b"]


def test_command_docs(raw):
    reply = raw.call("COMMAND", "DOCS", "get")
    assert len(reply) == 2 and reply[0] == b"get"
    doc = dict(zip(reply[1][0::2], reply[1][1::2]))
    assert {b"summary", b"since", b"group", b"complexity", b"arguments"} <= set(doc)
    assert doc[b"group"] == b"string"
    assert doc[b"since"] == b"1.0.0"
    arg = dict(zip(doc[b"arguments"][0][0::2], doc[b"arguments"][0][1::2]))
    assert arg[b"name"] == b"key" and arg[b"type"] == b"key"
    assert raw.call("COMMAND", "DOCS", "nosuchcommand") == []
    reply = raw.call("COMMAND", "DOCS", "set", "get")
    assert set(reply[0::2]) == {b"set", b"get"}


def test_command_docs_resp3_map(r3):
    reply = r3.call("COMMAND", "DOCS", "get")
    assert isinstance(reply, Map) and isinstance(reply[b"get"], Map)
    assert reply[b"get"][b"group"] == b"string"


def test_command_errors(raw):
    assert raw.call("COMMAND", "foo") == E("ERR unknown subcommand 'foo'. Try COMMAND HELP.")


# --------------------------------------------------------------------------------------------
# SHUTDOWN
# --------------------------------------------------------------------------------------------

def test_shutdown_nosave(spawn):
    srv = spawn()
    srv.expected_exit = True
    with srv.raw() as c:
        c.call("SET", "k", "v")
        c.send_command("SHUTDOWN", "NOSAVE")
        assert c.read_until_closed() == b""
    assert srv.wait_exit(10) == 0
    assert "AddressSanitizer" not in srv.output()


def test_shutdown_errors(raw):
    assert raw.call("SHUTDOWN", "foo") == SYNTAX
    assert raw.call("SHUTDOWN", "NOSAVE", "SAVE") == SYNTAX
    assert raw.call("PING") == b"PONG"


def test_role_module_and_cluster_commands_of_a_standalone_server(raw):
    assert raw.call("ROLE") == [b"master", 0, []]
    assert raw.call("MODULE", "LIST") == []
    not_allowed = E('ERR MODULE command not allowed. If the enable-module-command option is set '
                    'to "local", you can run it from a local connection, otherwise you need to '
                    'set this option in the configuration file, and then restart the server.')
    assert raw.call("MODULE", "LOAD", "/nonexistent.so") == not_allowed
    assert raw.call("MODULE", "UNLOAD", "x") == not_allowed
    assert raw.call("MODULE", "HELP")[0] == (
        b"MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
    disabled = E("ERR This instance has cluster support disabled")
    for cmd in (["CLUSTER", "INFO"], ["CLUSTER", "KEYSLOT", "k"], ["READONLY"], ["READWRITE"],
                ["ASKING"]):
        assert raw.call(*cmd) == disabled, cmd
    assert raw.call("CLUSTER", "NOPE") == E(
        "ERR unknown subcommand 'NOPE'. Try CLUSTER HELP.")
    assert raw.call("EVAL", "return redis.pcall('cluster', 'reset')", "0") == E(
        "ERR This Redis command is not allowed from script")
    payload = raw.call("DUMP", "missing")
    assert payload is None
    raw.call("SET", "k", "v")
    payload = raw.call("DUMP", "k")
    assert raw.call("RESTORE-ASKING", "k2", "0", payload) == b"OK"
    assert raw.call("GET", "k2") == b"v"


def test_wait_without_replicas(raw, server):
    assert raw.call("WAIT", "0", "0") == 0
    t0 = time.monotonic()
    assert raw.call("WAIT", "1", "200") == 0  # nobody acknowledges: the timeout answers
    assert time.monotonic() - t0 >= 0.15
    assert raw.call("WAIT", "1", "-1") == E("ERR timeout is negative")
    assert raw.call("WAIT", "1", "x") == E("ERR timeout is not an integer or out of range")
    assert raw.call("MULTI") == b"OK"
    assert raw.call("WAIT", "1", "0") == b"QUEUED"
    assert raw.call("EXEC") == [0]  # no blocking inside a transaction
    # blocked for good, until CLIENT UNBLOCK (a timeout-style answer)
    with server.raw() as other:
        cid = other.call("CLIENT", "ID")
        other.send_command("WAIT", "1", "0")
        assert wait_for(lambda: int(info_dict(raw.call("INFO", "clients"))["blocked_clients"])
                        == 1)
        assert raw.call("CLIENT", "UNBLOCK", cid) == 1
        assert other.read_reply() == 0


def test_process_title_follows_the_template(raw, server):
    def cmdline():
        with open(f"/proc/{server.pid}/cmdline", "rb") as f:
            return f.read().rstrip(b"\0").replace(b"\0", b" ").decode()
    old = config_get(raw, "proc-title-template")[b"proc-title-template"]
    try:
        assert raw.call("CONFIG", "SET", "proc-title-template",
                        "TEST {title} {port} {{x}}") == b"OK"
        words = cmdline().split()
        assert words[0] == "TEST" and words[1].endswith("-server")
        assert words[2:] == [str(server.port), "{x}}"]  # only {{ is an escape
        assert raw.call("CONFIG", "SET", "proc-title-template", "{invalid-var}") == E(
            "ERR CONFIG SET failed (possibly related to argument 'proc-title-template') - "
            "template format is invalid or contains unknown variables")
        assert cmdline().split()[0] == "TEST"
    finally:
        raw.call("CONFIG", "SET", "proc-title-template", old)
    assert cmdline().split()[0].endswith("-server")


def test_debug_htstats(raw):
    raw.call("SELECT", "9")
    raw.call("DEBUG", "POPULATE", "100")
    text = raw.call("DEBUG", "HTSTATS", "9").decode()
    assert text.startswith("[Dictionary HT]\nHash table 0 stats (main hash table):\n")
    assert " table size: 128\n number of elements: 100\n" in text
    assert "[Expires HT]\n" in text
    assert raw.call("DEBUG", "HTSTATS", "99") == E("ERR Out of range database")
    assert raw.call("DEBUG", "HTSTATS", "10").decode() == (
        "[Dictionary HT]\nHash table 0 stats (main hash table):\n"
        "No stats available for empty dictionaries\n[Expires HT]\n"
        "Hash table 0 stats (main hash table):\nNo stats available for empty dictionaries\n")
    raw.call("FLUSHDB")
