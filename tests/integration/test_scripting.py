"""Lua scripting: EVAL/EVALSHA/EVAL_RO, SCRIPT, FUNCTION/FCALL, conversions, errors and their
stats, effects replication (the AOF holds the commands a script ran, wrapped in MULTI/EXEC when
more than one, never the EVAL), MULTI/WATCH interplay, the busy state and SCRIPT KILL.

Byte-exact replies of many scripts are compared with redis-server in
test_differential_scripting.py; here are the behaviours around them. Everything must also pass
against /usr/bin/redis-server 7.0.15.
"""

import time

import pytest

import helpers
from helpers import RespError, wait_for
from test_bitmaps import read_aof_commands

E = RespError


def sha1(body):
    import hashlib
    return hashlib.sha1(body.encode()).hexdigest()


def info_field(conn, section, name):
    text = conn.call("INFO", section).decode()
    for line in text.split("\r\n"):
        if line.startswith(name + ":"):
            return line.split(":", 1)[1]
    return None


def test_eval_basics(raw):
    assert raw.call("EVAL", "return 'hello'", "0") == b"hello"
    assert raw.call("EVAL", "return {1, 2.9, 'x', true, false, {ok='st'}}", "0") == [
        1, 2, b"x", 1, None, b"st"]
    assert raw.call("EVAL", "return {KEYS[1], ARGV[1], #KEYS, #ARGV}", "1", "k", "a") == [
        b"k", b"a", 1, 1]
    raw.call("SET", "mykey", "myval")
    assert raw.call("EVAL", "return redis.call('get', KEYS[1])", "1", "mykey") == b"myval"


def test_evalsha_and_script_cache(raw):
    raw.call("SCRIPT", "FLUSH")
    body = "return redis.call('get', KEYS[1])"
    sha = sha1(body)
    assert raw.call("SCRIPT", "EXISTS", sha) == [0]
    assert raw.call("EVALSHA", sha, "0") == E("NOSCRIPT No matching script. Please use EVAL.")
    assert raw.call("SCRIPT", "LOAD", body) == sha.encode()
    assert raw.call("SCRIPT", "EXISTS", sha, "0" * 40) == [1, 0]
    raw.call("SET", "k", "v")
    assert raw.call("EVALSHA", sha.upper(), "1", "k") == b"v"
    assert raw.call("EVALSHA_RO", sha, "1", "k") == b"v"
    # EVAL caches the script too
    raw.call("EVAL", "return 5", "0")
    assert raw.call("SCRIPT", "EXISTS", sha1("return 5")) == [1]
    assert int(info_field(raw, "memory", "number_of_cached_scripts")) >= 2
    assert int(info_field(raw, "memory", "used_memory_lua")) > 0
    assert raw.call("SCRIPT", "FLUSH") == b"OK"
    assert raw.call("SCRIPT", "EXISTS", sha) == [0]
    assert info_field(raw, "memory", "number_of_cached_scripts") == "0"
    assert raw.call("SCRIPT", "FLUSH", "ASYNC") == b"OK"
    assert raw.call("SCRIPT", "FLUSH", "X") == E("ERR SCRIPT FLUSH only support SYNC|ASYNC option")


def test_error_texts(raw):
    def sha_of(body):
        return sha1(body)

    body = "redis.call('nosuchcommand')"
    assert raw.call("EVAL", body, "0") == E(
        f"ERR Unknown Redis command called from script script: {sha_of(body)}, on @user_script:1.")
    body = "redis.call('get','a','b')"
    assert raw.call("EVAL", body, "0") == E(
        "ERR Wrong number of args calling Redis command from script script: "
        f"{sha_of(body)}, on @user_script:1.")
    body = "return a"
    assert raw.call("EVAL", body, "0") == E(
        "ERR user_script:1: Script attempted to access nonexistent global variable 'a' "
        f"script: {sha_of(body)}, on @user_script:1.")
    body = "a = 1"
    assert raw.call("EVAL", body, "0") == E(
        f"ERR user_script:1: Attempt to modify a readonly table script: {sha_of(body)}, "
        "on @user_script:1.")
    assert raw.call("EVAL", "return {err='My Error'}", "0") == E("My Error")
    assert raw.call("EVAL", "x(", "0") == E(
        "ERR Error compiling script (new function): user_script:1: unexpected symbol near "
        "'<eof>'")
    assert raw.call("EVAL", "return 1", "2", "a") == E(
        "ERR Number of keys can't be greater than number of args")
    assert raw.call("EVAL", "return 1", "-1") == E("ERR Number of keys can't be negative")
    raw.call("SET", "str", "x")
    body = "return redis.call('lpush', KEYS[1], 'v')"
    assert raw.call("EVAL", body, "1", "str") == E(
        "WRONGTYPE Operation against a key holding the wrong kind of value script: "
        f"{sha_of(body)}, on @user_script:1.")
    assert raw.call("EVAL", "return redis.pcall('lpush', KEYS[1], 'v')", "1", "str") == E(
        "WRONGTYPE Operation against a key holding the wrong kind of value")


def test_noscript_and_read_only(raw):
    for call in ("'blpop', 'x', 0", "'brpop', 'x', 0", "'bzpopmin', 'x', 0", "'multi'",
                 "'eval', 'return 1', 0", "'script', 'flush'",
                 "'function', 'flush'", "'fcall', 'f', 0"):
        body = f"return redis.pcall({call})"
        got = raw.call("EVAL", body, "0")
        cmd = call
        assert got == E("ERR This Redis command is not allowed from script"), (cmd, got)
    assert raw.call("EVAL_RO", "return redis.pcall('set', 'k', 'v')", "1", "k") == E(
        "ERR Write commands are not allowed from read-only scripts.")
    assert raw.call("EVAL", "#!lua flags=no-writes\nreturn redis.pcall('del', 'k')", "0") == E(
        "ERR Write commands are not allowed from read-only scripts.")
    assert raw.call("EVAL_RO", "#!lua\nreturn 1", "0") == E(
        "ERR Can not execute a script with write flag using *_ro command.")
    assert raw.call("EVAL", "#!lua flags=bogus\nreturn 1", "0") == E(
        "ERR Unexpected flag in script shebang: bogus")
    assert raw.call("EXISTS", "k") == 0


def test_select_inside_script_does_not_affect_caller(raw):
    raw.call("SET", "mykey", "db0")
    assert raw.call("EVAL", "redis.call('select', 9) return redis.call('set', 'mykey', 'db9')",
                    "0") == b"OK"
    assert raw.call("GET", "mykey") == b"db0"
    raw.call("SELECT", "9")
    assert raw.call("GET", "mykey") == b"db9"
    assert raw.call("EVAL", "return redis.call('get', 'mykey')", "0") == b"db9"


def test_resp3_conversions(r3):
    r3.call("HSET", "h", "f", "v")
    assert r3.call("EVAL", "redis.setresp(3) return redis.call('hgetall', 'h')", "0") == \
        helpers.Map({b"f": b"v"})
    assert r3.call("EVAL", "redis.setresp(2) return redis.call('hgetall', 'h')", "0") == [
        b"f", b"v"]
    assert r3.call_raw("EVAL", "redis.setresp(3) return {double=1.5}", "0") == b",1.5\r\n"
    assert r3.call_raw("EVAL", "redis.setresp(3) return true", "0") == b"#t\r\n"
    assert r3.call_raw("EVAL", "return true", "0") == b":1\r\n"
    assert r3.call_raw("EVAL", "return false", "0") == b"_\r\n"
    assert r3.call_raw("EVAL", "return {big_number='12345'}", "0") == b"(12345\r\n"


def test_sort_by_nosort_in_scripts(raw):
    # A set BY nosort is sorted inside scripts (replicas and the AOF must agree); a sorted set
    # keeps its rank order.
    raw.call("SADD", "s", "5", "3", "9", "1")
    assert raw.call("EVAL", "return redis.call('sort', KEYS[1], 'by', 'nosort')", "1", "s") == [
        b"1", b"3", b"5", b"9"]
    raw.call("ZADD", "z", "1", "c", "2", "a", "3", "b")
    assert raw.call("EVAL", "return redis.call('sort', KEYS[1], 'by', 'nosort')", "1", "z") == [
        b"c", b"a", b"b"]


def test_error_stats(raw):
    raw.call("CONFIG", "RESETSTAT")
    assert raw.call("EVAL", "return redis.call('select', 99)", "0").startswith(
        "ERR DB index is out of range")
    assert info_field(raw, "stats", "total_error_replies") == "1"
    stats = raw.call("INFO", "commandstats").decode()
    assert "cmdstat_eval:calls=1," in stats and "failed_calls=1" in stats.split(
        "cmdstat_eval:")[1].split("\r\n")[0]
    raw.call("CONFIG", "RESETSTAT")
    assert raw.call("EVAL", "local t = redis.pcall('select', 99) return 1", "0") == 1
    assert info_field(raw, "stats", "total_error_replies") == "1"
    line = raw.call("INFO", "commandstats").decode().split("cmdstat_eval:")[1].split("\r\n")[0]
    assert "failed_calls=0" in line


def test_multi_and_watch(raw, server):
    raw.call("MULTI")
    assert raw.call("EVAL", "return redis.call('incr', 'c')", "0") == b"QUEUED"
    assert raw.call("EXEC") == [1]
    other = server.raw()
    try:
        raw.call("WATCH", "w")
        other.call("EVAL", "return redis.call('set', 'w', '1')", "0")
        raw.call("MULTI")
        raw.call("GET", "w")
        assert raw.call("EXEC") is None
    finally:
        other.close()


def test_blocking_commands_do_not_block_in_scripts(raw):
    # Allowed only through set-disable-deny-scripts: they then answer at once.
    raw.call("DEBUG", "set-disable-deny-scripts", "1")
    try:
        assert raw.call("EVAL", "return redis.call('blpop', 'nolist', 0)", "0") is None
        raw.call("RPUSH", "l", "x")
        assert raw.call("EVAL", "return redis.call('blpop', 'l', 0)", "0") == [b"l", b"x"]
    finally:
        raw.call("DEBUG", "set-disable-deny-scripts", "0")


def test_effects_propagated_to_aof(spawn, tmp_path):
    srv = spawn("--appendonly", "yes", "--appendfsync", "always")
    c = srv.raw()
    try:
        c.call("EVAL", "redis.call('set', KEYS[1], 'a') redis.call('incr', 'n') "
                       "return redis.call('get', KEYS[1])", "1", "k")
        c.call("EVAL", "return redis.call('incr', 'n')", "0")         # one command: no MULTI
        c.call("EVAL", "return redis.call('get', 'n')", "0")          # read only: nothing
        c.call("EVAL", "redis.call('set', 'x', 1) redis.call('nosuch')", "0")  # error after a write
        c.call("EVAL", "redis.set_repl(redis.REPL_NONE) redis.call('set', 'quiet', 1) "
                       "redis.set_repl(redis.REPL_ALL) redis.call('set', 'loud', 1)", "0")
        c.call("EVAL", "redis.call('spop', 'nosuchset') return 1", "0")
        c.call("MULTI")
        c.call("EVAL", "return redis.call('incr', 'n')", "0")
        c.call("SET", "after", "1")
        c.call("EXEC")
        cmds = [[a.lower() if i == 0 else a for i, a in enumerate(cmd)]
                for cmd in read_aof_commands(tmp_path)]
        assert not any(cmd[0].startswith("eval") for cmd in cmds)
        assert cmds == [
            ["multi"], ["set", "k", "a"], ["incr", "n"], ["exec"],
            ["incr", "n"],
            ["set", "x", "1"],
            ["set", "loud", "1"],
            ["multi"], ["incr", "n"], ["set", "after", "1"], ["exec"],
        ], cmds
    finally:
        c.close()


def test_aof_reload_restores_script_effects(spawn, tmp_path):
    srv = spawn("--appendonly", "yes", "--appendfsync", "always")
    c = srv.raw()
    try:
        c.call("EVAL", "for i = 1, 5 do redis.call('rpush', 'l', i) end "
                       "redis.call('select', 3) redis.call('set', 'in3', 'x') return 1", "0")
        assert c.call("DEBUG", "LOADAOF") == b"OK"
        assert c.call("LRANGE", "l", "0", "-1") == [b"1", b"2", b"3", b"4", b"5"]
        c.call("SELECT", "3")
        assert c.call("GET", "in3") == b"x"
    finally:
        c.close()


def test_monitor_shows_script_commands(server, raw):
    mon = server.raw()
    try:
        assert mon.call("MONITOR") == b"OK"
        raw.call("EVAL", "return redis.call('set', 'mk', 'v')", "0")
        first = mon.read_reply().decode()
        second = mon.read_reply().decode()
        assert '"EVAL"' in first or '"eval"' in first
        assert "lua]" in second and '"set"' in second and '"mk"' in second
    finally:
        mon.close()


def test_busy_script_and_script_kill(spawn):
    srv = spawn()
    c, other = srv.raw(), srv.raw()
    try:
        assert other.call("CONFIG", "SET", "busy-reply-threshold", "50") == b"OK"
        assert other.call("CONFIG", "GET", "lua-time-limit") == [b"lua-time-limit", b"50"]
        assert other.call("SCRIPT", "KILL") == E("NOTBUSY No scripts in execution right now.")
        c.send_command("EVAL", "local i = 0 while true do i = i + 1 end", "0")
        assert wait_for(lambda: isinstance(other.call("PING"), RespError), timeout=5)
        assert other.call("PING") == E(
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN "
            "NOSAVE.")
        assert other.call("SCRIPT", "KILL") == b"OK"
        reply = c.read_reply()
        assert isinstance(reply, RespError) and "Script killed by user with SCRIPT KILL" in \
            reply.message
        assert wait_for(lambda: other.call("PING") == b"PONG")
        assert c.call("PING") == b"PONG"
    finally:
        c.close()
        other.close()


def test_busy_script_that_wrote_is_unkillable(spawn):
    srv = spawn()
    c, other = srv.raw(), srv.raw()
    try:
        other.call("CONFIG", "SET", "lua-time-limit", "50")
        c.send_command("EVAL", "redis.call('set', 'x', 1) local t = redis.call('time') "
                               "local s = tonumber(t[1]) while true do local n = "
                               "tonumber(redis.call('time')[1]) if n > s + 1 then break end end "
                               "return 'done'", "0")
        assert wait_for(lambda: isinstance(other.call("PING"), RespError), timeout=5)
        assert other.call("SCRIPT", "KILL").startswith("UNKILLABLE")
        assert c.read_reply() == b"done"
        assert other.call("GET", "x") == b"1"
    finally:
        c.close()
        other.close()


def test_functions(raw):
    raw.call("FUNCTION", "FLUSH")
    code = ("#!lua name=mylib\n"
            "redis.register_function('myget', function(keys, args) "
            "return redis.call('get', keys[1]) end)\n"
            "redis.register_function{function_name='ro', callback=function() return 1 end, "
            "flags={'no-writes'}}")
    assert raw.call("FUNCTION", "LOAD", code) == b"mylib"
    assert raw.call("FUNCTION", "LOAD", code) == E("ERR Library 'mylib' already exists")
    assert raw.call("FUNCTION", "LOAD", "REPLACE", code) == b"mylib"
    raw.call("SET", "k", "v")
    assert raw.call("FCALL", "myget", "1", "k") == b"v"
    assert raw.call("FCALL_RO", "ro", "0") == 1
    assert raw.call("FCALL_RO", "myget", "1", "k") == E(
        "ERR Can not execute a script with write flag using *_ro command.")
    listing = raw.call("FUNCTION", "LIST", "WITHCODE")
    assert listing[0][1] == b"mylib" and listing[0][-1] == code.encode()
    assert raw.call("FUNCTION", "DELETE", "mylib") == b"OK"
    assert raw.call("FCALL", "myget", "1", "k") == E("ERR Function not found")


def test_sha1hex(raw):
    assert raw.call("EVAL", "return redis.sha1hex('Pizza & Mandolino')", "0") == \
        b"74822d82031af7493c20eefa13bd07ec4fada82f"


def test_shutdown_nosave_stops_a_busy_script(spawn):
    srv = spawn()
    c, other = srv.raw(), srv.raw()
    try:
        other.call("CONFIG", "SET", "busy-reply-threshold", "50")
        c.send_command("EVAL", "redis.call('set', 'x', 1) while true do end", "0")
        assert wait_for(lambda: isinstance(other.call("PING"), RespError), timeout=5)
        assert other.call("SCRIPT", "KILL").startswith("UNKILLABLE")
        assert other.call("SHUTDOWN") == E(
            "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN "
            "NOSAVE.")
        srv.expected_exit = True
        other.send_command("SHUTDOWN", "NOSAVE")
        assert other.is_closed(timeout=5)
        assert wait_for(lambda: not srv.alive(), timeout=5)
    finally:
        c.close()
        other.close()


LIB = ("#!lua name=plib\n"
       "redis.register_function('pf', function(keys, args) return 'persisted' end)")


def test_function_dump_and_restore(raw):
    raw.call("FUNCTION", "FLUSH")
    assert raw.call("FUNCTION", "LOAD", LIB) == b"plib"
    payload = raw.call("FUNCTION", "DUMP")
    assert raw.call("FUNCTION", "RESTORE", payload) == E("ERR Library plib already exists")
    assert raw.call("FUNCTION", "RESTORE", payload, "REPLACE") == b"OK"
    assert raw.call("FUNCTION", "RESTORE", payload, "BAD") == E(
        "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.")
    assert raw.call("FUNCTION", "RESTORE", b"junk") == E(
        "ERR DUMP payload version or checksum are wrong")
    raw.call("FUNCTION", "FLUSH")
    assert raw.call("FCALL", "pf", "0") == E("ERR Function not found")
    assert raw.call("FUNCTION", "RESTORE", payload) == b"OK"
    assert raw.call("FCALL", "pf", "0") == b"persisted"
    other = ("#!lua name=other\n"
             "redis.register_function('pf', function() return 'clash' end)")
    raw.call("FUNCTION", "FLUSH")
    assert raw.call("FUNCTION", "LOAD", other) == b"other"
    assert raw.call("FUNCTION", "RESTORE", payload) == E("ERR Function pf already exists")
    assert raw.call("FCALL", "pf", "0") == b"clash"   # nothing changed
    assert raw.call("FUNCTION", "RESTORE", payload, "FLUSH") == b"OK"
    assert raw.call("FCALL", "pf", "0") == b"persisted"
    assert [lib[1] for lib in raw.call("FUNCTION", "LIST")] == [b"plib"]
    raw.call("FUNCTION", "FLUSH")


def test_functions_persist_in_rdb_and_aof(spawn, tmp_path):
    srv = spawn("--appendonly", "no")
    c = srv.raw()
    try:
        c.call("FUNCTION", "LOAD", LIB)
        assert c.call("DEBUG", "RELOAD") == b"OK"
        assert c.call("FCALL", "pf", "0") == b"persisted"
        assert c.call("DEBUG", "RELOAD", "NOFLUSH").startswith("ERR Error trying to load the RDB")
        assert c.call("DEBUG", "RELOAD", "NOFLUSH", "MERGE") == b"OK"
        assert c.call("FLUSHALL") == b"OK"  # keeps the functions, as in Redis
        assert c.call("FCALL", "pf", "0") == b"persisted"
        # the AOF base written when the AOF is switched on carries the libraries too
        assert c.call("CONFIG", "SET", "appendonly", "yes") == b"OK"
        assert wait_for(lambda: info_field(c, "persistence", "aof_rewrite_in_progress") == "0")
        assert c.call("DEBUG", "LOADAOF") == b"OK"
        assert c.call("FCALL", "pf", "0") == b"persisted"
        assert c.call("SAVE") == b"OK"
    finally:
        c.close()
    srv.expected_exit = True
    srv.stop()
    srv2 = spawn("--appendonly", "no")
    c2 = srv2.raw()
    try:
        assert c2.call("FCALL", "pf", "0") == b"persisted"
    finally:
        c2.close()


def test_client_pause_write_lets_no_writes_scripts_run(server, raw):
    other = server.raw()
    try:
        assert raw.call("CLIENT", "PAUSE", "5000", "WRITE") == b"OK"
        # declared read-only: served during the pause
        assert other.call("EVAL", "#!lua flags=no-writes\nreturn 1", "0") == 1
        assert other.call("EVAL_RO", "return 2", "0") == 2
        # may write: held until the pause ends
        other.send_command("EVAL", "return 3", "0")
        time.sleep(0.1)
        assert raw.call("CLIENT", "UNPAUSE") == b"OK"
        assert other.read_reply() == 3
    finally:
        raw.call("CLIENT", "UNPAUSE")
        other.close()


def test_scripts_run_with_the_callers_acl_permissions(r, server):
    import redis as redis_py
    r.execute_command("ACL", "SETUSER", "lua-u1", "on", ">p", "+@all", "-set", "~*")
    try:
        u = redis_py.Redis(host="127.0.0.1", port=server.port, username="lua-u1", password="p")
        with pytest.raises(redis_py.ResponseError,
                           match="The user executing the script can't run this command"):
            u.eval("return redis.call('set','a','1')", 0)
        assert u.eval("return redis.acl_check_cmd('set','a','1')", 0) is None  # false
        assert u.eval("return redis.acl_check_cmd('get','a')", 0) == 1
        entry = r.execute_command("ACL", "LOG", "1")[0]
        fields = dict(zip(entry[::2], entry[1::2]))
        assert fields[b"context"] == b"lua" and fields[b"object"] == b"set"
        u.close()
    finally:
        r.execute_command("ACL", "DELUSER", "lua-u1")
        r.execute_command("ACL", "LOG", "RESET")
