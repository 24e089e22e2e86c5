"""Command line and config file handling, signals, log format.

Every process started here is stopped by pid (the `spawn` fixture, or run_expect_failure for
processes that must exit by themselves)."""

import os
import re
import signal

import pytest

import helpers
from helpers import assert_fails_to_start, free_port

LOG_LINE = re.compile(
    r"^(?P<pid>\d+):(?P<role>[CMSX]) (?P<day>\d{2}) (?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep"
    r"|Oct|Nov|Dec) (?P<year>\d{4}) \d{2}:\d{2}:\d{2}\.\d{3} (?P<level>[.\-*#]) (?P<msg>.+)$")
SIGNAL_LINE = re.compile(r"^(?P<pid>\d+):signal-handler \(\d+\) (?P<msg>.+)$")


def config_get(c, name):
    reply = c.call("CONFIG", "GET", name)
    return dict(zip(reply[0::2], reply[1::2]))[name.encode()]


# --------------------------------------------------------------------------------------------
# Config file and argv
# --------------------------------------------------------------------------------------------

def test_config_file_and_argv_override(spawn, tmp_path):
    file_port = free_port()
    conf = tmp_path / "sable.conf"
    conf.write_text(f"# a comment\n\nport {file_port}\nhz 15\nmaxmemory 10mb\n"
                    f"maxmemory-policy allkeys-lru\n")
    # start_server puts the config file first and then --port P: argv wins
    srv = spawn("--hz", "20", config_file=conf)
    with srv.raw() as c:
        assert config_get(c, "port") == str(srv.port).encode()
        assert config_get(c, "hz") == b"20"            # argv overrides the file
        assert config_get(c, "maxmemory") == b"10485760"  # from the file, with unit
        assert config_get(c, "maxmemory-policy") == b"allkeys-lru"
    if file_port != srv.port:
        with pytest.raises(OSError):
            helpers.RawConn(helpers.HOST, file_port, timeout=1).call("PING")


def test_config_file_syntax(spawn, tmp_path):
    conf = tmp_path / "syntax.conf"
    conf.write_text(
        "# comment line\n"
        "   # indented comment\n"
        "\n"
        "HZ 17\n"                         # directive names are case-insensitive
        "  maxmemory   \"20mb\"  \n"      # quoted value, extra blanks
        "slowlog-max-len '77'\n"         # single quotes
        "maxmemory-policy VOLATILE-LRU\n"  # enum values are case-insensitive
        "save \"\"\n"
        "appendonly no\n")
    srv = spawn(config_file=conf)
    with srv.raw() as c:
        assert config_get(c, "hz") == b"17"
        assert config_get(c, "maxmemory") == b"20971520"
        assert config_get(c, "slowlog-max-len") == b"77"
        assert config_get(c, "maxmemory-policy") == b"volatile-lru"
        assert config_get(c, "save") == b""


def test_argv_only(spawn):
    srv = spawn("--maxmemory", "1gb", "--hz", "12", "--requirepass", "pw")
    with srv.raw() as c:
        assert c.call("AUTH", "pw") == b"OK"
        assert config_get(c, "maxmemory") == b"1073741824"
        assert config_get(c, "hz") == b"12"


def test_memory_units(spawn):
    srv = spawn("--maxmemory", "1k", "--client-query-buffer-limit", "2MB")
    with srv.raw() as c:
        assert config_get(c, "maxmemory") == b"1000"
        assert config_get(c, "client-query-buffer-limit") == b"2097152"
        assert c.call("CONFIG", "SET", "maxmemory", "1kb") == b"OK"
        assert config_get(c, "maxmemory") == b"1024"
        assert c.call("CONFIG", "SET", "maxmemory", "0") == b"OK"


def test_unknown_setting_in_argv(tmp_path):
    out = assert_fails_to_start(["--port", str(free_port()), "--no-such-setting", "1"],
                                ["no-such-setting"], cwd=tmp_path)
    assert "Bad directive or wrong number of arguments" in out


def test_unknown_setting_in_file(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("hz 10\nfrobnicate yes\n")
    out = assert_fails_to_start([str(conf), "--port", str(free_port())], ["frobnicate"],
                                cwd=tmp_path)
    assert "Bad directive or wrong number of arguments" in out


@pytest.mark.parametrize("name,value", [
    ("port", "abc"), ("port", "99999"), ("hz", "abc"), ("maxmemory", "10zb"),
    ("appendonly", "maybe"), ("loglevel", "foo"), ("maxmemory-policy", "xyz"),
    ("maxclients", "-5"),
])
def test_invalid_value_in_argv(tmp_path, name, value):
    args = ["--port", str(free_port())] if name != "port" else []
    assert_fails_to_start(args + [f"--{name}", value], [name], cwd=tmp_path)


def test_invalid_value_in_file(tmp_path):
    conf = tmp_path / "bad.conf"
    conf.write_text("maxmemory-policy sometimes\n")
    assert_fails_to_start([str(conf), "--port", str(free_port())], ["maxmemory-policy"],
                          cwd=tmp_path)


def test_missing_argument(tmp_path):
    assert_fails_to_start(["--port", str(free_port()), "--requirepass"], ["requirepass"],
                          cwd=tmp_path)


def test_missing_config_file(tmp_path):
    path = str(tmp_path / "does-not-exist.conf")
    assert_fails_to_start([path, "--port", str(free_port())], [path], cwd=tmp_path)


def test_port_in_use(spawn, tmp_path):
    srv = spawn()
    rc, out = helpers.run_expect_failure(
        ["--port", str(srv.port), "--bind", "127.0.0.1", "--save", ""], cwd=tmp_path)
    assert rc != 0 and rc > 0, out
    assert str(srv.port) in out
    with srv.raw() as c:
        assert c.call("PING") == b"PONG"


# --------------------------------------------------------------------------------------------
# Signals
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_clean_exit(spawn, sig):
    srv = spawn()
    with srv.raw() as c:
        c.call("SET", "k", "v")
    os.kill(srv.pid, sig)
    assert srv.wait_exit(10) == 0
    srv.expected_exit = True
    out = srv.output()
    assert "AddressSanitizer" not in out and "runtime error:" not in out


# --------------------------------------------------------------------------------------------
# Logging
# --------------------------------------------------------------------------------------------

def check_log_lines(text, pid):
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert lines, "no log output"
    parsed = []
    for ln in lines:
        m = LOG_LINE.match(ln) or SIGNAL_LINE.match(ln)
        assert m, f"log line not in Redis format: {ln!r}"
        assert int(m.group("pid")) == pid, ln
        parsed.append(m)
    return parsed


def test_log_format(spawn):
    srv = spawn()
    srv.stop()
    srv.expected_exit = True
    parsed = check_log_lines(srv.output(), srv.pid)
    ready = [m for m in parsed if "Ready to accept connections" in m.group("msg")]
    assert ready, srv.output()
    m = ready[0]
    assert m.group("role") == "M" and m.group("level") == "*"
    assert m.group("msg").startswith("Ready to accept connections")


def test_loglevel_warning_hides_notices(spawn):
    srv = spawn("--loglevel", "warning")
    srv.stop()
    srv.expected_exit = True
    out = srv.output()
    parsed = check_log_lines(out, srv.pid) if out.strip() else []
    assert all(m.group("msg") and (m.re is SIGNAL_LINE or m.group("level") == "#")
               for m in parsed), out
    assert "Ready to accept connections" not in out


def test_logfile(spawn, tmp_path):
    srv = spawn("--logfile", "sable-test.log")
    with srv.raw() as c:
        assert c.call("PING") == b"PONG"
        assert config_get(c, "logfile") == b"sable-test.log"
    log = tmp_path / "sable-test.log"
    text = log.read_text()
    parsed = check_log_lines(text, srv.pid)
    assert any("Ready to accept connections" in m.group("msg") for m in parsed)


def test_config_set_port_moves_the_listener(spawn):
    import socket
    srv = spawn()
    c = srv.client()
    old_port = srv.port
    # a port someone else listens on: refused, nothing changes
    busy = socket.socket()
    busy.bind((helpers.HOST, 0))
    busy.listen(1)
    busy_port = busy.getsockname()[1]
    try:
        with srv.raw() as r:
            err = r.call("CONFIG", "SET", "maxmemory", "10000001", "port", str(busy_port))
            assert isinstance(err, helpers.RespError) and err.startswith(
                "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to "
                "listen on this port"), err
            assert r.call("CONFIG", "GET", "port") == [b"port", str(old_port).encode()]
            assert r.call("CONFIG", "GET", "maxmemory") == [b"maxmemory", b"0"]
    finally:
        busy.close()
    assert c.ping() is True
    # a free port: the server moves there; the open connection stays
    new_port = free_port()
    with srv.raw() as r:
        assert r.call("CONFIG", "SET", "port", str(new_port)) == b"OK"
        assert r.call("PING") == b"PONG"
    srv.port = new_port
    with srv.raw() as r2:
        assert r2.call("PING") == b"PONG"
    with pytest.raises(OSError):
        socket.create_connection((helpers.HOST, old_port), timeout=2).close()
    c.close()


# --------------------------------------------------------------------------------------------
# bind
# --------------------------------------------------------------------------------------------

def connects(srv):
    try:
        with srv.raw(timeout=2) as c:
            return c.call("PING") == b"PONG"
    except (OSError, ConnectionError):
        return False


def test_bind_defaults_to_every_interface(spawn):
    srv = spawn("--save", "", base_args=False)  # no --bind
    with srv.raw() as c:
        assert config_get(c, "bind") == b"* -::*"


def test_config_set_bind(spawn):
    srv = spawn()  # --bind 127.0.0.1
    with srv.raw() as c:
        assert config_get(c, "bind") == b"127.0.0.1"
        # no address: no TCP listener, the connections already open keep working
        assert c.call("CONFIG", "SET", "bind", "") == b"OK"
        assert config_get(c, "bind") == b""
        assert not connects(srv)
        assert c.call("PING") == b"PONG"
        # a wildcard, then a single address on the same port (the wildcard must go first)
        assert c.call("CONFIG", "SET", "bind", "* -::*") == b"OK"
        assert connects(srv)
        assert c.call("CONFIG", "SET", "bind", "127.0.0.1") == b"OK"
        assert connects(srv)
        # an address that is not this machine's: refused, and the old one is kept
        assert c.call("CONFIG", "SET", "bind", "192.0.2.1") == helpers.RespError(
            "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to "
            "specified addresses.")
        assert config_get(c, "bind") == b"127.0.0.1"
        assert connects(srv)


# --------------------------------------------------------------------------------------------
# oom-score-adj
# --------------------------------------------------------------------------------------------

def oom_score(pid):
    with open(f"/proc/{pid}/oom_score_adj") as f:
        return int(f.read())


def test_oom_score_adj_follows_the_process_class(spawn):
    srv = spawn("--rdb-key-save-delay", "100000")
    base = oom_score(srv.pid)
    with srv.raw() as c:
        assert c.call("CONFIG", "SET", "oom-score-adj-values", "-2001 0 0") == helpers.RespError(
            "ERR CONFIG SET failed (possibly related to argument 'oom-score-adj-values') - "
            "Invalid oom-score-adj-values, elements must be between -2000 and 2000.")
        assert c.call("CONFIG", "SET", "oom-score-adj-values", "10 20 30") == b"OK"
        assert oom_score(srv.pid) == base  # not applied while oom-score-adj is no
        assert c.call("CONFIG", "SET", "oom-score-adj", "yes") == b"OK"
        assert oom_score(srv.pid) == base + 10
        assert c.call("CONFIG", "SET", "oom-score-adj-values", "15 20 30") == b"OK"
        assert oom_score(srv.pid) == base + 15
        # a background child takes the third value (the server may have other children: the
        # sanitizer build's stderr tee, say)
        def children():
            with open(f"/proc/{srv.pid}/task/{srv.pid}/children") as f:
                return {int(p) for p in f.read().split()}
        before = children()
        c.call("SET", "k", "v")
        assert c.call("BGSAVE") == b"Background saving started"
        assert helpers.wait_for(lambda: children() - before, timeout=5)
        child = min(children() - before)
        assert helpers.wait_for(lambda: oom_score(child) == base + 30, timeout=5)
        os.kill(child, signal.SIGKILL)
        assert c.call("CONFIG", "SET", "oom-score-adj", "absolute") == b"OK"
        assert oom_score(srv.pid) == 15
        assert c.call("CONFIG", "SET", "oom-score-adj", "no") == b"OK"
        assert oom_score(srv.pid) == base
