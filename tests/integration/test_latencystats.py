"""Per-command latency percentiles: INFO latencystats, LATENCY HISTOGRAM, the latency-tracking
and latency-tracking-info-percentiles settings, and the errorstats of calls inside MULTI/EXEC.

Redis keeps an HDR histogram per command (1 ns .. 1 s, 2 significant figures) fed with each
call's duration in whole microseconds; the values below are checked against that layout, so
they hold for redis-server 7.0.15 and Sable alike."""

import re
import threading
import time

import pytest

import helpers
from helpers import RespError

PCT = "latency-tracking-info-percentiles"
CONFIG_ERR = f"ERR CONFIG SET failed (possibly related to argument '{PCT}') - "


def latency_lines(conn):
    """{command fullname: {label: value in usec (float)}} from INFO latencystats."""
    text = bytes(conn.call("INFO", "latencystats")).decode()
    lines = text.split("\r\n")
    assert lines[0] == "# Latencystats"
    out = {}
    for line in lines[1:]:
        if not line:
            continue
        m = re.fullmatch(r"latency_percentiles_usec_([a-z|_-]+):(.*)", line)
        assert m, line
        values = {}
        if m.group(2):
            for item in m.group(2).split(","):
                label, _, v = item.partition("=")
                assert re.fullmatch(r"p[0-9.]+", label), item
                assert re.fullmatch(r"\d+\.\d{3}", v), item
                values[label] = float(v)
        out[m.group(1)] = values
    return out


def ns(usec):
    """A reported value back in nanoseconds (it is printed with 3 decimals: exact)."""
    return round(usec * 1000)


def cmdstat(conn, name):
    text = bytes(conn.call("INFO", "commandstats")).decode()
    m = re.search(rf"^cmdstat_{re.escape(name)}:(.*)$", text, re.M)
    assert m, text
    return dict(kv.split("=") for kv in m.group(1).strip().split(","))


def histogram(conn, *names):
    """LATENCY HISTOGRAM as {name: (calls, [(usec, cumulative), ...])}."""
    reply = conn.call("LATENCY", "HISTOGRAM", *names)
    out = {}
    for name, body in zip(reply[::2], reply[1::2]):
        assert body[0] == b"calls" and body[2] == b"histogram_usec"
        points = list(zip(body[3][::2], body[3][1::2]))
        out[name.decode()] = (body[1], points)
    return out


@pytest.fixture
def conn(raw):
    yield raw
    raw.call("CONFIG", "SET", "latency-tracking", "yes")
    raw.call("CONFIG", "SET", PCT, "50 99 99.9")


def test_section_in_all_and_everything_not_default(conn):
    conn.call("SET", "a", "1")
    assert "# Latencystats" not in bytes(conn.call("INFO")).decode()
    assert "# Latencystats" not in bytes(conn.call("INFO", "default")).decode()
    for section in ("all", "everything", "latencystats", "LatencyStats"):
        text = bytes(conn.call("INFO", section)).decode()
        assert "# Latencystats\r\n" in text
        assert "latency_percentiles_usec_set:p50=" in text


def test_lines_per_command_and_subcommand(conn):
    assert conn.call("CONFIG", "RESETSTAT") == b"OK"
    conn.call("SET", "a", "1")
    conn.call("GET", "a")
    conn.call("CLIENT", "ID")
    conn.call("CONFIG", "GET", "hz")
    conn.call("GET")  # rejected (arity): not a call, no sample
    lines = latency_lines(conn)
    assert set(lines) == {"config|resetstat", "set", "get", "client|id", "config|get"}
    for values in lines.values():
        assert list(values) == ["p50", "p99", "p99.9"]
        assert values["p50"] <= values["p99"] <= values["p99.9"]
        assert values["p50"] < 100000


def test_values_follow_the_hdr_layout(conn):
    # One DEBUG SLEEP of ~50 ms: the sample lands in the power-of-two bucket [2^25, 2^26) ns,
    # whose slots are 2^18 ns wide. p0 is the slot's lowest value, the others its highest.
    conn.call("CONFIG", "RESETSTAT")
    assert conn.call("CONFIG", "SET", PCT, "0 50 100") == b"OK"
    conn.call("DEBUG", "SLEEP", "0.05")
    d = latency_lines(conn)["debug"]
    assert list(d) == ["p0", "p50", "p100"]
    width = 1 << 18
    assert 50000 <= d["p50"] < 60000
    assert d["p50"] == d["p100"]
    assert (ns(d["p50"]) + 1) % width == 0
    assert ns(d["p0"]) % width == 0
    assert ns(d["p100"]) - ns(d["p0"]) == width - 1


def test_percentiles_over_several_samples(conn):
    conn.call("CONFIG", "RESETSTAT")
    conn.call("CONFIG", "SET", PCT, "25 50 75 100")
    for secs in ("0.001", "0.002", "0.004", "0.008"):
        conn.call("DEBUG", "SLEEP", secs)
    d = latency_lines(conn)["debug"]
    # rank round(p% * 4): 1, 2, 3, 4
    assert 1000 <= d["p25"] < 1900
    assert 2000 <= d["p50"] < 3900
    assert 4000 <= d["p75"] < 7900
    assert 8000 <= d["p100"] < 15000


def test_percentile_config_is_canonical(conn):
    for value, canonical in (("0.0 50.0 100.0", "0 50 100"), ("99.900", "99.9"),
                             ("1e1 0.5", "10 0.5"), ("", ""), ("50 99 99.9", "50 99 99.9")):
        assert conn.call("CONFIG", "SET", PCT, value) == b"OK"
        assert conn.call("CONFIG", "GET", PCT) == [PCT.encode(), canonical.encode()]
    conn.call("CONFIG", "SET", PCT, "99.99 50")
    conn.call("SET", "a", "b")
    assert list(latency_lines(conn)["set"]) == ["p99.99", "p50"]


def test_empty_percentile_list(conn):
    assert conn.call("CONFIG", "SET", PCT, "") == b"OK"
    conn.call("SET", "a", "b")
    text = bytes(conn.call("INFO", "latencystats")).decode()
    assert "\r\nlatency_percentiles_usec_set:\r\n" in text


@pytest.mark.parametrize("value,reason", [
    ("10.0 50.0 a", "Invalid latency-tracking-info-percentiles parameters"),
    ("50  99", "Invalid latency-tracking-info-percentiles parameters"),
    ("50 ", "Invalid latency-tracking-info-percentiles parameters"),
    ("nan", "Invalid latency-tracking-info-percentiles parameters"),
    ("10.0 50.0 101.0", f"{PCT} parameters should sit between [0.0,100.0]"),
    ("-1", f"{PCT} parameters should sit between [0.0,100.0]"),
    ("inf", f"{PCT} parameters should sit between [0.0,100.0]"),
])
def test_percentile_config_errors(conn, value, reason):
    conn.call("CONFIG", "SET", PCT, "50 99")
    conn.call("CONFIG", "RESETSTAT")
    assert conn.call("CONFIG", "SET", PCT, value) == RespError(CONFIG_ERR + reason)
    assert conn.call("CONFIG", "GET", PCT) == [PCT.encode(), b"50 99"]
    d = helpers_info(conn, "stats")
    assert d["total_error_replies"] == "1"
    assert cmdstat(conn, "config|set")["failed_calls"] == "1"


def helpers_info(conn, section):
    out = {}
    for line in bytes(conn.call("INFO", section)).decode().split("\r\n"):
        if line and not line.startswith("#"):
            k, _, v = line.partition(":")
            out[k] = v
    return out


def test_tracking_off_records_nothing_and_hides_the_section(conn):
    conn.call("CONFIG", "RESETSTAT")
    assert conn.call("CONFIG", "SET", "latency-tracking", "no") == b"OK"
    assert conn.call("CONFIG", "GET", "latency-tracking") == [b"latency-tracking", b"no"]
    conn.call("SET", "a", "b")
    assert bytes(conn.call("INFO", "latencystats")) == b"# Latencystats\r\n"
    conn.call("CONFIG", "SET", "latency-tracking", "yes")
    lines = latency_lines(conn)
    assert "set" not in lines
    assert "config|set" in lines  # the call that turned tracking on
    conn.call("SET", "a", "b")
    assert "set" in latency_lines(conn)


def test_resetstat_clears_histograms(conn):
    conn.call("SET", "a", "b")
    conn.call("GET", "a")
    assert "set" in latency_lines(conn)
    conn.call("CONFIG", "RESETSTAT")
    assert set(latency_lines(conn)) == {"config|resetstat"}
    assert set(histogram(conn)) == {"config|resetstat", "info"}


def test_blocked_command_counts_its_run_not_the_wait(server, conn):
    conn.call("CONFIG", "RESETSTAT")
    blocked = server.client()
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("r", blocked.blpop("list", 0)))
    t.start()
    helpers.wait_for(lambda: helpers_info(conn, "clients")["blocked_clients"] == "1")
    time.sleep(0.2)
    conn.call("LPUSH", "list", "x")
    t.join(5)
    assert result["r"] == (b"list", b"x")
    assert blocked.blpop("list", 0.1) is None  # times out: no sample
    blocked.close()
    calls, points = histogram(conn, "blpop")["blpop"]
    assert calls == 1
    # Redis 7.0 records the blocking call's own run plus the time to serve it, not the wait.
    assert latency_lines(conn)["blpop"]["p50"] < 100000
    assert points[-1][1] == 1
    assert cmdstat(conn, "blpop")["calls"] == "2"


def test_commands_in_multi_and_scripts_are_recorded(conn):
    conn.call("CONFIG", "RESETSTAT")
    assert conn.call("MULTI") == b"OK"
    conn.call("SET", "k", "1")
    conn.call("INCR", "k")
    assert conn.call("EXEC") == [b"OK", 2]
    h = histogram(conn, "set", "incr", "exec", "multi", "eval")
    assert {n: c for n, (c, _) in h.items()} == {"set": 1, "incr": 1, "exec": 1, "multi": 1}
    conn.call("EVAL", "redis.call('set', KEYS[1], 'v') return redis.call('incr', 'n')", 1, "k")
    h = histogram(conn, "set", "incr", "eval")
    assert {n: c for n, (c, _) in h.items()} == {"set": 2, "incr": 2, "eval": 1}


def test_latency_histogram_command(conn):
    conn.call("CONFIG", "RESETSTAT")
    for _ in range(3):
        conn.call("SET", "a", "b")
    conn.call("CLIENT", "ID")
    conn.call("CLIENT", "GETNAME")
    conn.call("DEBUG", "SLEEP", "0.003")
    assert conn.call("LATENCY", "HISTOGRAM", "nosuch") == []
    h = histogram(conn, "set", "nosuch", "client", "get")
    assert set(h) == {"set", "client|id", "client|getname"}
    calls, points = h["set"]
    assert calls == 3 and points[-1][1] == 3
    assert [c for _, c in points] == sorted(c for _, c in points)
    # the levels are 1024 ns * 2^k, reported as the highest value of their slot, in usec
    assert all(usec >= 1 for usec, _ in points)
    calls, points = histogram(conn, "debug")["debug"]
    assert (calls, points) == (1, [(4227, 1)])  # [2^22, 2^22 + 2^15) ns holds ~3 ms
    assert set(histogram(conn, "client|id")) == {"client|id"}
    assert {"set", "client|id", "debug", "config|resetstat"} <= set(histogram(conn))


def test_percentiles_from_command_line_and_config_file(spawn, tmp_path):
    srv = spawn("--latency-tracking-info-percentiles", "25 75")
    with srv.raw() as c:
        assert c.call("CONFIG", "GET", PCT) == [PCT.encode(), b"25 75"]
    conf = tmp_path / "pct.conf"
    conf.write_text(f"{PCT} 10 90.50\nlatency-tracking no\n")
    srv = spawn(config_file=conf)
    with srv.raw() as c:
        assert c.call("CONFIG", "GET", PCT) == [PCT.encode(), b"10 90.5"]
        assert c.call("CONFIG", "GET", "latency-tracking") == [b"latency-tracking", b"no"]
        # an empty list survives CONFIG REWRITE
        assert c.call("CONFIG", "SET", PCT, "") == b"OK"
        assert c.call("CONFIG", "REWRITE") == b"OK"
    assert re.search(rf'^{PCT} ""$', conf.read_text(), re.M)
    srv = spawn(config_file=conf)
    with srv.raw() as c:
        assert c.call("CONFIG", "GET", PCT) == [PCT.encode(), b""]


def test_invalid_percentiles_at_startup(tmp_path):
    helpers.assert_fails_to_start(
        ["--latency-tracking-info-percentiles", "50 101"],
        [f"{PCT} parameters should sit between [0.0,100.0]"], cwd=tmp_path)


def test_errorstats_failed_call_inside_multi(conn):
    conn.call("CONFIG", "RESETSTAT")
    conn.call("MULTI")
    conn.call("SET", "a", "b")
    conn.call("AUTH", "a")
    reply = conn.call("EXEC")
    assert reply[0] == b"OK" and isinstance(reply[1], RespError)
    assert cmdstat(conn, "set")["failed_calls"] == "0"
    assert cmdstat(conn, "auth")["failed_calls"] == "1"
    assert cmdstat(conn, "exec") == {"calls": "1", "usec": cmdstat(conn, "exec")["usec"],
                                     "usec_per_call": cmdstat(conn, "exec")["usec_per_call"],
                                     "rejected_calls": "0", "failed_calls": "0"}
    # EXEC's own error is EXEC's
    assert conn.call("EXEC") == RespError("ERR EXEC without MULTI")
    assert cmdstat(conn, "exec")["failed_calls"] == "1"
    # a script's failing command inside a transaction: the script failed, not EXEC
    conn.call("SET", "s", "text")
    conn.call("MULTI")
    conn.call("EVAL", "return redis.call('incr', 's')", 0)
    conn.call("EXEC")
    assert cmdstat(conn, "incr")["failed_calls"] == "1"
    assert cmdstat(conn, "eval")["failed_calls"] == "1"
    assert cmdstat(conn, "exec")["failed_calls"] == "1"
    assert helpers_info(conn, "stats")["total_error_replies"] == "3"


def test_errorstats_rejected_call_inside_multi(conn):
    conn.call("CONFIG", "RESETSTAT")
    conn.call("MULTI")
    assert conn.call("SET", "x") == RespError(
        "ERR wrong number of arguments for 'set' command")
    assert conn.call("EXEC") == RespError(
        "EXECABORT Transaction discarded because of previous errors.")
    assert cmdstat(conn, "set")["rejected_calls"] == "1"
    assert cmdstat(conn, "set")["calls"] == "0"
    assert cmdstat(conn, "exec")["failed_calls"] == "1"
    errs = helpers_info(conn, "errorstats")
    assert errs == {"errorstat_ERR": "count=1", "errorstat_EXECABORT": "count=1"}


def test_resetstat_is_not_a_failed_call(conn):
    conn.call("INCR")  # an error before the reset
    conn.call("CONFIG", "SET", PCT, "x")
    conn.call("CONFIG", "RESETSTAT")
    assert cmdstat(conn, "config|resetstat")["failed_calls"] == "0"


def test_commands_replayed_from_the_aof_are_not_recorded(spawn, tmp_path):
    srv = spawn("--appendonly", "yes", "--appendfsync", "always")
    with srv.raw() as c:
        c.call("SET", "k", "v")
        c.call("EVAL", "return redis.call('incr', 'n')", 0)
    assert srv.stop() in (0, -15)
    srv.expected_exit = True
    srv = spawn("--appendonly", "yes")
    with srv.raw() as c:
        assert c.call("GET", "k") == b"v"
        lines = latency_lines(c)
        assert "set" not in lines and "incr" not in lines and "eval" not in lines
        assert "get" in lines


def test_a_histogram_costs_about_24_kib_on_a_commands_first_call(conn):
    # As Redis's HDR histogram (3,072 counters of 8 bytes): allocated by a command's first call
    # only; the tracking unit of the TCL suite sets maxmemory 100 KB above used_memory and
    # then runs a few first calls.
    conn.call("PING")

    def used():
        return int(helpers_info(conn, "memory")["used_memory"])

    used()
    used()
    before = used()
    conn.call("GETRANGE", "nokey", "0", "1")  # never called before in this server
    conn.call("PING")
    grown = used() - before
    assert 24 * 1024 <= grown < 26000
    before = used()
    conn.call("GETRANGE", "nokey", "0", "1")
    conn.call("PING")
    assert used() - before < 1024
