"""ACL: users, SETUSER rules, GETUSER/LIST shapes, AUTH/HELLO/RESET flows, NOPERM checks for
commands, subcommands, keys (%R~/%W~) and selectors, the ACL log, DRYRUN, the ACL file and
`user` config lines, requirepass as the default user's password.

Every test also passes against Debian's redis-server 7.0.15 (SABLE_SERVER=/usr/bin/redis-server).
"""

import pytest

from helpers import RespError, wait_for

PASSHASH = "34344e4d60c2b6d639b7bd22e18f2b0b91bc34bf0ac5f9952744435093cfb4e6"  # sha256("passwd4")


@pytest.fixture
def acl(server, r):
    """A clean ACL state: only the default user (on nopass ~* &* +@all), empty log."""
    conn = server.raw()
    yield conn
    conn.close()
    admin = server.raw()
    for name in admin.call("ACL", "USERS"):
        if name != b"default":
            admin.call("ACL", "DELUSER", name)
    assert admin.call("ACL", "SETUSER", "default", "reset", "on", "nopass", "~*", "&*",
                      "+@all") == b"OK"
    admin.call("ACL", "LOG", "RESET")
    admin.call("CONFIG", "SET", "acllog-max-len", "128")
    admin.close()


def getuser(conn, name):
    reply = conn.call("ACL", "GETUSER", name)
    if reply is None:
        return None
    if isinstance(reply, dict):
        return reply
    return dict(zip(reply[::2], reply[1::2]))


def err(reply):
    assert isinstance(reply, RespError), reply
    return reply.message


def test_default_user(acl):
    assert acl.call("ACL", "WHOAMI") == b"default"
    assert acl.call("ACL", "LIST") == [b"user default on nopass ~* &* +@all"]
    assert acl.call("ACL", "USERS") == [b"default"]
    u = getuser(acl, "default")
    assert u[b"flags"] == [b"on", b"nopass"]
    assert u[b"passwords"] == []
    assert u[b"commands"] == b"+@all"
    assert u[b"keys"] == b"~*"
    assert u[b"channels"] == b"&*"
    assert u[b"selectors"] == []
    assert acl.call("ACL", "GETUSER", "nosuchuser") is None


def test_new_users_start_disabled_and_auth(acl):
    assert acl.call("ACL", "SETUSER", "newuser") == b"OK"
    assert getuser(acl, "newuser")[b"flags"] == [b"off"]
    assert acl.call("ACL", "SETUSER", "newuser", ">passwd1") == b"OK"
    assert err(acl.call("AUTH", "newuser", "passwd1")).startswith("WRONGPASS")
    assert acl.call("ACL", "SETUSER", "newuser", "on", "+acl") == b"OK"
    assert acl.call("AUTH", "newuser", "passwd1") == b"OK"
    assert acl.call("ACL", "WHOAMI") == b"newuser"
    assert err(acl.call("AUTH", "newuser", "nope")) == (
        "WRONGPASS invalid username-password pair or user is disabled.")
    assert err(acl.call("AUTH", "nosuchuser", "x")).startswith("WRONGPASS")
    # A failed AUTH keeps the current user.
    assert acl.call("ACL", "WHOAMI") == b"newuser"


def test_usernames_and_modifier_errors(acl):
    assert err(acl.call("ACL", "SETUSER", "a a")) == (
        "ERR Usernames can't contain spaces or null characters")
    e = err(acl.call("ACL", "SETUSER", "u", "#" + PASSHASH[:-1]))
    assert e.startswith("ERR Error in ACL SETUSER modifier '#") and "64 characters" in e
    assert "Syntax error" in err(acl.call("ACL", "SETUSER", "u", "bogus"))
    assert err(acl.call("ACL", "SETUSER", "u", "+nosuchcmd")) == (
        "ERR Error in ACL SETUSER modifier '+nosuchcmd': Unknown command or category name "
        "in ACL")
    assert "Unknown command or category" in err(acl.call("ACL", "SETUSER", "u", "+@nosuch"))
    assert "first-arg of a subcommand" in err(
        acl.call("ACL", "SETUSER", "u", "+config|get|appendonly"))
    assert "Unknown command" in err(acl.call("ACL", "SETUSER", "u", "+config|asdf"))
    assert "Unknown command" in err(acl.call("ACL", "SETUSER", "u", "-select|0"))
    assert "Unknown command" in err(acl.call("ACL", "SETUSER", "u", "+get|key1|key2"))
    assert "'allkeys' flag" in err(acl.call("ACL", "SETUSER", "u", "allkeys", "~foo"))
    assert "'allchannels' flag" in err(acl.call("ACL", "SETUSER", "u", "allchannels", "&foo"))
    assert "does not exist" in err(acl.call("ACL", "SETUSER", "u", "<neverset"))
    assert "Unmatched parenthesis" in err(acl.call("ACL", "SETUSER", "u", "(~x"))
    # Errors are atomic: nothing of a failed SETUSER applies (and no user is created).
    assert acl.call("ACL", "GETUSER", "u") is None
    assert acl.call("ACL", "SETUSER", "u", "on") == b"OK"
    assert err(acl.call("ACL", "SETUSER", "u", "off", "+nosuchcmd"))
    assert getuser(acl, "u")[b"flags"] == [b"on"]


def test_passwords_are_hashes(acl):
    acl.call("ACL", "SETUSER", "newuser", "on", ">passwd1", ">passwd2", "#" + PASSHASH, "+acl")
    pw = getuser(acl, "newuser")[b"passwords"]
    assert PASSHASH.encode() in pw and len(pw) == 3 and all(len(p) == 64 for p in pw)
    for p in ("passwd1", "passwd2", "passwd4"):
        assert acl.call("AUTH", "newuser", p) == b"OK"
    acl.call("ACL", "SETUSER", "newuser", "<passwd1", "!" + PASSHASH)
    assert err(acl.call("AUTH", "newuser", "passwd1")).startswith("WRONGPASS")
    assert err(acl.call("AUTH", "newuser", "passwd4")).startswith("WRONGPASS")
    assert acl.call("AUTH", "newuser", "passwd2") == b"OK"
    acl.call("ACL", "SETUSER", "newuser", "nopass")
    assert acl.call("AUTH", "newuser", "anything") == b"OK"
    assert getuser(acl, "newuser")[b"flags"] == [b"on", b"nopass"]
    acl.call("ACL", "SETUSER", "newuser", "resetpass")
    assert err(acl.call("AUTH", "newuser", "anything")).startswith("WRONGPASS")


def test_noperm_commands_and_keys(server, acl):
    acl.call("ACL", "SETUSER", "limited", "on", "nopass", "+acl")
    c = server.raw()
    assert c.call("AUTH", "limited", "x") == b"OK"
    assert err(c.call("SET", "foo", "bar")) == (
        "NOPERM this user has no permissions to run the 'set' command")
    acl.call("ACL", "SETUSER", "limited", "+set")
    assert err(c.call("SET", "foo", "bar")) == (
        "NOPERM this user has no permissions to access one of the keys used as arguments")
    acl.call("ACL", "SETUSER", "limited", "allcommands", "~foo:*", "~bar:*")
    assert c.call("SET", "foo:1", "a") == b"OK"
    assert c.call("MSET", "foo:2", "a", "bar:2", "b") == b"OK"
    assert err(c.call("MSET", "foo:3", "a", "zap:3", "b")).startswith("NOPERM")
    acl.call("ACL", "SETUSER", "limited", "-ping")
    assert err(c.call("PING")) == "NOPERM this user has no permissions to run the 'ping' command"
    acl.call("ACL", "SETUSER", "limited", "allkeys", "-@all", "+@set", "+acl")
    assert c.call("SADD", "myset", "a") == 1
    assert err(c.call("GET", "x")).startswith("NOPERM")
    acl.call("ACL", "SETUSER", "limited", "+@all", "-client|kill")
    assert getuser(acl, "limited")[b"commands"] == b"+@all -client|kill"
    assert isinstance(c.call("CLIENT", "ID"), int)
    assert err(c.call("CLIENT", "KILL", "TYPE", "master")) == (
        "NOPERM this user has no permissions to run the 'client|kill' command")
    acl.call("ACL", "SETUSER", "limited", "-@all", "+acl", "+select|0")
    assert b"+select|0" in getuser(acl, "limited")[b"commands"]
    assert c.call("SELECT", "0") == b"OK"
    assert err(c.call("SELECT", "1")).startswith("NOPERM")
    # AUTH, HELLO, RESET, QUIT are never denied (no_auth commands).
    assert c.call("AUTH", "limited", "x") == b"OK"
    c.close()


def test_read_write_key_permissions(server, acl):
    acl.call("ACL", "SETUSER", "rw", "on", "nopass", "+@all", "%R~read*", "%W~write*",
             "%RW~rw*")
    assert getuser(acl, "rw")[b"keys"] == b"%R~read* %W~write* ~rw*"
    c = server.raw()
    c.call("AUTH", "rw", "x")
    acl.call("SET", "readstr", "v")
    assert c.call("GET", "readstr") == b"v"
    assert err(c.call("SET", "readstr", "v")).startswith("NOPERM")
    assert c.call("LPUSH", "writelist", "1") == 1
    assert err(c.call("GET", "writestr")).startswith("NOPERM")
    assert c.call("SET", "writestr", "v") == b"OK"           # SET without GET only writes
    assert err(c.call("SET", "writestr", "v", "GET")).startswith("NOPERM")
    assert c.call("COPY", "readstr", "writestr2") == 1
    assert err(c.call("COPY", "writestr", "readstr2")).startswith("NOPERM")
    assert c.call("EXISTS", "readstr", "writestr") == 2      # existence checks need either
    assert c.call("BITFIELD", "readstr", "GET", "u4", "0") == [7]
    assert err(c.call("BITFIELD", "readstr", "SET", "u4", "0", "1")).startswith("NOPERM")
    c.close()


def test_selectors(server, acl):
    acl.call("ACL", "SETUSER", "sel", "on", "nopass", "-@all", "resetkeys",
             "(+@write ~write::*)", "(+@read", "~read::*)")
    u = getuser(acl, "sel")
    assert u[b"commands"] == b"-@all" and u[b"keys"] == b""
    sels = u[b"selectors"]
    if isinstance(sels[0], list):
        sels = [dict(zip(s[::2], s[1::2])) for s in sels]
    assert [s[b"keys"] for s in sels] == [b"~write::*", b"~read::*"]
    c = server.raw()
    c.call("AUTH", "sel", "x")
    assert c.call("SET", "write::foo", "bar") == b"OK"
    assert c.call("GET", "read::foo") is None
    assert err(c.call("GET", "write::foo")).startswith("NOPERM")
    assert err(c.call("PING")).startswith("NOPERM")
    acl.call("ACL", "SETUSER", "sel", "clearselectors")
    assert getuser(acl, "sel")[b"selectors"] == []
    assert err(c.call("SET", "write::foo", "bar")).startswith("NOPERM")
    c.close()


def test_acl_list_and_describe(acl):
    acl.call("ACL", "SETUSER", "hp", "on", "nopass", "resetchannels", "&foo", "+@all")
    acl.call("ACL", "SETUSER", "x", "reset", "%R~a", "%W~a", "~b", "(-@all +get ~k)")
    lst = acl.call("ACL", "LIST")
    assert b"user hp on nopass resetchannels &foo +@all" in lst
    assert b"user x off sanitize-payload ~a ~b resetchannels -@all (~k resetchannels -@all +get)" \
        in lst
    acl.call("ACL", "SETUSER", "bob", "+memory|doctor")
    assert getuser(acl, "bob")[b"commands"] == b"-@all +memory|doctor"
    acl.call("ACL", "SETUSER", "bob", "+memory")
    assert getuser(acl, "bob")[b"commands"] == b"-@all +memory"
    acl.call("ACL", "SETUSER", "bob", "+@all", "+client|id")
    assert getuser(acl, "bob")[b"commands"] == b"+@all"
    for cat in (b"keyspace", b"string", b"admin", b"dangerous", b"connection"):
        acl.call("ACL", "SETUSER", "add", "reset", "+@all", b"-@" + cat)
        assert getuser(acl, "add")[b"commands"] == b"+@all -@" + cat
        acl.call("ACL", "SETUSER", "res", "reset", "-@all", b"+@" + cat)
        assert getuser(acl, "res")[b"commands"] == b"-@all +@" + cat


def test_acl_cat_and_genpass(acl):
    cats = acl.call("ACL", "CAT")
    assert cats[:3] == [b"keyspace", b"read", b"write"] and len(cats) == 21
    assert b"multi" in acl.call("ACL", "CAT", "transaction")
    assert b"set" not in acl.call("ACL", "CAT", "keyspace")
    assert b"client|kill" in acl.call("ACL", "CAT", "admin")
    assert err(acl.call("ACL", "CAT", "NON_EXISTS")) == "ERR Unknown category 'NON_EXISTS'"
    assert "unknown subcommand or wrong number of arguments for 'CAT'" in err(
        acl.call("ACL", "CAT", "a", "b"))
    assert len(acl.call("ACL", "GENPASS")) == 64
    assert len(acl.call("ACL", "GENPASS", "5")) == 2
    assert "ACL GENPASS argument must be the number" in err(acl.call("ACL", "GENPASS", "-236"))
    assert "ACL GENPASS argument must be the number" in err(acl.call("ACL", "GENPASS", "5000"))
    assert "wrong number of arguments for 'acl|help'" in err(acl.call("ACL", "HELP", "xxx"))


def log_entry(conn, i=0):
    e = conn.call("ACL", "LOG")[i]
    return dict(zip(e[::2], e[1::2]))


def test_acl_log(server, acl):
    acl.call("ACL", "SETUSER", "antirez", ">foo", "on", "+set", "~object:1234", "+multi",
             "+exec")
    c = server.raw()
    c.call("AUTH", "antirez", "foo")
    for _ in range(3):
        assert err(c.call("GET", "foo")).startswith("NOPERM")
    e = log_entry(acl)
    assert (e[b"username"], e[b"context"], e[b"reason"], e[b"object"], e[b"count"]) == (
        b"antirez", b"toplevel", b"command", b"get", 3)
    assert b"user=antirez" in e[b"client-info"] and b"age-seconds" in e
    c.call("SET", "somekeynotallowed", "1")
    e = log_entry(acl)
    assert (e[b"reason"], e[b"object"]) == (b"key", b"somekeynotallowed")
    c.call("MULTI")
    assert err(c.call("INCR", "foo")).startswith("NOPERM")
    assert err(c.call("EXEC")).startswith("EXECABORT")
    e = log_entry(acl)
    assert (e[b"context"], e[b"object"]) == (b"multi", b"incr")
    acl.call("ACL", "SETUSER", "antirez", "+incr")
    c.call("MULTI")
    assert c.call("INCR", "object:1234") == b"QUEUED"
    acl.call("ACL", "SETUSER", "antirez", "-incr")
    res = c.call("EXEC")
    assert len(res) == 1 and err(res[0]).startswith("NOPERM ACLs rules changed")
    assert log_entry(acl)[b"context"] == b"multi"
    c.call("AUTH", "antirez", "wrong-password")
    e = log_entry(acl)
    assert (e[b"reason"], e[b"object"], e[b"username"]) == (b"auth", b"AUTH", b"antirez")
    assert len(acl.call("ACL", "LOG", "2")) == 2
    acl.call("ACL", "LOG", "RESET")
    acl.call("CONFIG", "SET", "acllog-max-len", "5")
    for j in range(10):
        c.call("SET", f"obj:{j}", "1")
    assert len(acl.call("ACL", "LOG")) == 5
    assert acl.call("ACL", "LOG", "RESET") == b"OK" and acl.call("ACL", "LOG") == []
    c.close()


def test_dryrun(acl):
    acl.call("ACL", "SETUSER", "ct", "+@all", "%R~read*", "%W~write*", "%RW~rw*")
    assert acl.call("ACL", "DRYRUN", "ct", "GET", "read") == b"OK"
    assert acl.call("ACL", "DRYRUN", "ct", "GET", "write") == (
        b"This user has no permissions to access the 'write' key")
    assert acl.call("ACL", "DRYRUN", "ct", "SORT", "read", "STORE", "write") == b"OK"
    assert acl.call("ACL", "DRYRUN", "ct", "SINTERCARD", "2", "write", "read") == (
        b"This user has no permissions to access the 'write' key")
    assert acl.call("ACL", "DRYRUN", "ct", "GEORADIUS", "read1", "0", "0", "1", "M",
                    "STORE", "read2") == (
        b"This user has no permissions to access the 'read2' key")
    assert err(acl.call("ACL", "DRYRUN", "nouser", "GET", "x")) == "ERR User 'nouser' not found"
    assert err(acl.call("ACL", "DRYRUN", "ct", "nocmd", "x")) == "ERR Command 'nocmd' not found"
    assert err(acl.call("ACL", "DRYRUN", "ct", "SET", "v")) == (
        "ERR wrong number of arguments for 'set' command")
    acl.call("ACL", "SETUSER", "ct", "-@all")
    assert acl.call("ACL", "DRYRUN", "ct", "config", "get", "x") == (
        b"This user has no permissions to run the 'config|get' command")


def test_auth_hello_reset(server, acl):
    acl.call("ACL", "SETUSER", "user1", "on", ">secret", "+@all", "~*")
    c = server.raw()
    assert err(c.call("AUTH", "secret")).startswith(
        "ERR AUTH <password> called without any password configured")
    hello = c.call("HELLO", "2", "AUTH", "user1", "secret")
    assert b"proto" in hello
    assert c.call("ACL", "WHOAMI") == b"user1"
    assert err(c.call("HELLO", "2", "AUTH", "user1", "bad")).startswith("WRONGPASS")
    assert c.call("RESET") == b"RESET"
    assert c.call("ACL", "WHOAMI") == b"default"
    assert b"user=default" in c.call("CLIENT", "INFO")
    c.close()


def test_requirepass_sets_default_password(server, acl):
    other = server.raw()
    try:
        assert acl.call("CONFIG", "SET", "requirepass", "pw") == b"OK"
        u = getuser(acl, "default")
        assert b"nopass" not in u[b"flags"] and len(u[b"passwords"]) == 1
        fresh = server.raw()
        assert err(fresh.call("GET", "x")) == "NOAUTH Authentication required."
        assert err(fresh.call("AUTH", "bad")).startswith("WRONGPASS")
        assert fresh.call("AUTH", "pw") == b"OK"
        assert fresh.call("AUTH", "default", "pw") == b"OK"
        fresh.close()
        assert other.call("PING") == b"PONG"  # already connected clients stay authenticated
    finally:
        acl.call("CONFIG", "SET", "requirepass", "")
    assert b"nopass" in getuser(acl, "default")[b"flags"]
    other.close()


def test_default_user_off_requires_auth(server, acl):
    acl.call("ACL", "SETUSER", "default", "off")
    try:
        c = server.raw()
        assert err(c.call("PING")) == "NOAUTH Authentication required."
        c.close()
    finally:
        acl.call("ACL", "SETUSER", "default", "on")


def test_deluser_kills_clients(server, acl):
    acl.call("ACL", "SETUSER", "not_used", "on", ">passwd")
    assert acl.call("ACL", "DELUSER", "not_used", "nosuch") == 1
    assert err(acl.call("ACL", "DELUSER", "default")) == (
        "ERR The 'default' user cannot be removed")
    acl.call("ACL", "SETUSER", "using", "on", "+acl", ">passwd")
    other = server.raw()
    other.call("AUTH", "using", "passwd")
    acl.call("AUTH", "using", "passwd")
    assert acl.call("ACL", "DELUSER", "using") == 1  # the reply arrives, then the close
    assert acl.is_closed()
    assert other.is_closed()


def test_client_list_and_kill_user(server, acl):
    acl.call("ACL", "SETUSER", "k", "on", "nopass", "+@all")
    c = server.raw()
    c.call("AUTH", "k", "x")
    c.call("CLIENT", "SETNAME", "victim")
    listing = acl.call("CLIENT", "LIST")
    line = [ln for ln in listing.split(b"\n") if b"name=victim" in ln][0]
    assert b" user=k " in line
    assert err(acl.call("CLIENT", "KILL", "USER", "nosuch")) == "ERR No such user 'nosuch'"
    assert acl.call("CLIENT", "KILL", "USER", "k") == 1
    assert c.is_closed()


def test_sort_by_get_need_full_key_access(server, acl):
    acl.call("SET", "v1", "1")
    acl.call("LPUSH", "mylist", "1")
    acl.call("ACL", "SETUSER", "s", "on", "nopass", "(+sort ~mylist ~v*)")
    c = server.raw()
    c.call("AUTH", "s", "x")
    assert err(c.call("SORT", "mylist", "BY", "v*")) == (
        "ERR BY option of SORT denied due to insufficient ACL permissions.")
    assert err(c.call("SORT", "mylist", "GET", "v*")) == (
        "ERR GET option of SORT denied due to insufficient ACL permissions.")
    acl.call("ACL", "SETUSER", "s", "clearselectors", "(+sort ~mylist %R~*)")
    assert c.call("SORT", "mylist", "BY", "v*") == [b"1"]
    c.close()


def test_acl_file_load_and_save(spawn, tmp_path):
    aclfile = tmp_path / "users.acl"
    aclfile.write_text("user alice on allcommands allkeys &* >alice\n"
                       "user bob on -@all +@set +acl ~set* &* >bob\n"
                       "user default on nopass ~* &* +@all\n")
    srv = spawn("--aclfile", str(aclfile))
    c = srv.raw()
    assert sorted(c.call("ACL", "USERS")) == [b"alice", b"bob", b"default"]
    assert c.call("AUTH", "bob", "bob") == b"OK"
    assert c.call("SADD", "set", "1") == 1
    assert err(c.call("SET", "key", "v")).startswith("NOPERM")
    c.call("AUTH", "alice", "alice")
    assert c.call("ACL", "SETUSER", "eve", "+get", "allkeys", ">eve", "on") == b"OK"
    assert c.call("ACL", "SAVE") == b"OK"
    text = aclfile.read_text()
    assert "user eve on #" in text and "user alice on #" in text
    # LOAD frees the old users: their clients (this one, after its reply) are disconnected.
    assert c.call("ACL", "LOAD") == b"OK"
    assert c.is_closed()
    c = srv.raw()
    assert c.call("AUTH", "eve", "eve") == b"OK"
    assert err(c.call("SET", "key", "v")).startswith("NOPERM")
    # A broken file changes nothing.
    c.call("AUTH", "default", "x")
    aclfile.write_text(text + "user alice on nopass ~* -@all\n")
    e = err(c.call("ACL", "LOAD"))
    assert "Duplicate user 'alice' found" in e and "no change" in e
    assert getuser(c, "alice")[b"commands"] == b"+@all"
    c.close()


def test_acl_load_without_file(acl):
    assert "not configured to use an ACL file" in err(acl.call("ACL", "LOAD"))
    assert "not configured to use an ACL file" in err(acl.call("ACL", "SAVE"))


def test_user_config_lines(spawn, tmp_path):
    conf = tmp_path / "acl.conf"
    conf.write_text("user default on nopass ~* +@all -flushdb\n"
                    "user worker on >pw ~job:* +@list\n")
    srv = spawn(config_file=conf)
    c = srv.raw()
    assert err(c.call("FLUSHDB")).startswith("NOPERM")
    assert c.call("AUTH", "worker", "pw") == b"OK"
    assert c.call("LPUSH", "job:1", "x") == 1
    assert err(c.call("GET", "job:1")).startswith("NOPERM")
    c.call("AUTH", "default", "x")
    assert c.call("CONFIG", "REWRITE") == b"OK"
    text = conf.read_text()
    assert "user worker on #" in text and "-flushdb" in text
    c.close()
    assert wait_for(lambda: srv.alive())


def test_bad_user_config_fails_to_start(tmp_path):
    from helpers import assert_fails_to_start, free_port
    port = ["--port", str(free_port()), "--bind", "127.0.0.1", "--save", ""]
    assert_fails_to_start(port + ["--user", "foo", "--user", "foo"], ["Duplicate user"],
                          cwd=tmp_path)
    assert_fails_to_start(port + ["--user", "foo", "+nosuchcommand"], ["nosuchcommand"],
                          cwd=tmp_path)
    (tmp_path / "x.acl").write_text("user alice on +nosuchcommand\n")
    assert_fails_to_start(port + ["--aclfile", str(tmp_path / "x.acl")], ["nosuchcommand"],
                          cwd=tmp_path)
