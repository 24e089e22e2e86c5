"""Background persistence: fork-based BGSAVE and BGREWRITEAOF, save points, SHUTDOWN and
SIGTERM saving, and the -MISCONF write refusals after RDB or AOF write errors.

Every test also passes against redis-server 7.0.15 (SABLE_SERVER=/usr/bin/redis-server).
rdb-key-save-delay (a hidden Redis setting: microseconds slept per key saved) keeps a child
running long enough to observe it.
"""

import glob
import os
import signal
import subprocess
import threading
import time

import pytest

import helpers
from helpers import RespError

MISCONF_RDB = (
    "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist "
    "to disk. Commands that may modify the data set are disabled, because this instance is "
    "configured to report errors during writes if RDB snapshotting fails "
    "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about the "
    "RDB error.")


def info(c, section="persistence"):
    return c.info(section)


def wait_until(pred, timeout=20.0, what="condition"):
    assert helpers.wait_for(pred, timeout=timeout, interval=0.05), f"timed out waiting: {what}"


def wait_bgsave_done(c, timeout=30.0):
    wait_until(lambda: info(c)["rdb_bgsave_in_progress"] == 0, timeout, "bgsave to finish")


def wait_rewrite_done(c, timeout=30.0):
    wait_until(lambda: info(c)["aof_rewrite_in_progress"] == 0
               and info(c)["aof_rewrite_scheduled"] == 0, timeout, "AOF rewrite to finish")


def preload(c, n, prefix="pre:"):
    p = c.pipeline(transaction=False)
    for i in range(n):
        p.set(f"{prefix}{i}", f"value-{i:010d}")
        if i % 5000 == 4999:
            p.execute()
    p.execute()


class Writers:
    """5 threads writing w:<tid>:<n> for n = 0, 1, 2, ... until stopped."""

    def __init__(self, srv, threads=5):
        self.stop_ev = threading.Event()
        self.counts = [0] * threads
        self.errors = []
        self.threads = [threading.Thread(target=self._run, args=(srv, t), daemon=True)
                        for t in range(threads)]

    def _run(self, srv, tid):
        c = srv.client()
        try:
            n = 0
            while not self.stop_ev.is_set():
                c.set(f"w:{tid}:{n}", n)
                n += 1
                self.counts[tid] = n
        except Exception as e:  # noqa: BLE001 - reported by stop()
            self.errors.append(e)
        finally:
            c.close()

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def stop(self):
        self.stop_ev.set()
        for t in self.threads:
            t.join(10)
        assert not self.errors, self.errors

    def __exit__(self, *exc):
        self.stop()


def writer_prefixes(c, threads=5):
    """Per writer, how many of its keys exist; asserts they form a prefix 0..k-1."""
    got = []
    for tid in range(threads):
        ns = sorted(int(k.split(b":")[2]) for k in c.scan_iter(match=f"w:{tid}:*", count=1000))
        assert ns == list(range(len(ns))), f"writer {tid}: keys are not a prefix: {ns[:20]}..."
        got.append(len(ns))
    return got


# --------------------------------------------------------------------------------------------
# BGSAVE
# --------------------------------------------------------------------------------------------

def test_bgsave_errors_and_info(spawn):
    srv = spawn()
    c = srv.client()
    preload(c, 2000)
    before = info(c)
    assert before["rdb_bgsave_in_progress"] == 0
    assert before["rdb_last_bgsave_time_sec"] == -1
    assert before["rdb_current_bgsave_time_sec"] == -1
    assert before["rdb_changes_since_last_save"] >= 2000
    forks = info(c, "stats")["total_forks"]
    c.config_set("rdb-key-save-delay", 2000)  # 2000 keys x 2 ms: about 4 s
    with srv.raw() as r:
        assert r.call("BGSAVE") == b"Background saving started"
        assert r.call("BGSAVE") == RespError("ERR Background save already in progress")
        assert r.call("SAVE") == RespError("ERR Background save already in progress")
        assert r.call("BGSAVE", "SCHEDULE") == RespError("ERR Background save already in progress")
        assert r.call("BGSAVE", "foo") == RespError("ERR syntax error")
        i = info(c)
        assert i["rdb_bgsave_in_progress"] == 1
        assert i["rdb_current_bgsave_time_sec"] >= 0
        assert i["current_save_keys_total"] == 2000
        st = info(c, "stats")
        assert st["total_forks"] == forks + 1
        assert st["latest_fork_usec"] > 0
        # the server keeps serving while the child saves
        c.set("during", "1")
        assert c.get("pre:7") == b"value-0000000007"
        # the child's progress reaches INFO
        wait_until(lambda: info(c)["current_save_keys_processed"] > 0, 10, "progress report")
        assert info(c)["current_fork_perc"] > 0
        c.config_set("rdb-key-save-delay", 0)
        # the running child keeps its delay: kill it with a FLUSHALL-free path, SHUTDOWN-free:
        # just wait
        wait_bgsave_done(c, 30)
    after = info(c)
    assert after["rdb_last_bgsave_status"] == "ok"
    assert after["rdb_last_bgsave_time_sec"] >= 0
    assert after["rdb_current_bgsave_time_sec"] == -1
    # only the change made after the fork remains counted
    assert after["rdb_changes_since_last_save"] == 1
    assert after["rdb_last_save_time"] >= before["rdb_last_save_time"]
    assert after["current_save_keys_total"] == 0
    assert os.path.exists(srv.cwd / "dump.rdb")
    assert not glob.glob(str(srv.cwd / "temp-*.rdb"))
    c.close()


def test_bgsave_under_writers_restores_fork_time_data(spawn, tmp_path):
    srv = spawn()
    c = srv.client()
    preload(c, 20000)
    c.config_set("rdb-key-save-delay", 50)  # 20000+ keys: a second or more
    with Writers(srv) as w:
        time.sleep(0.3)
        c.set("marker:before", "1")
        assert c.bgsave() is True
        c.set("marker:after", "1")
        time.sleep(0.5)
        assert info(c)["rdb_bgsave_in_progress"] == 1
    c.config_set("rdb-key-save-delay", 0)
    wait_bgsave_done(c, 60)
    assert info(c)["rdb_last_bgsave_status"] == "ok"
    assert info(c)["rdb_changes_since_last_save"] > 0  # writes after the fork
    total_written = sum(w.counts)
    with srv.raw() as r:
        r.send_command("SHUTDOWN", "NOSAVE")
        assert r.read_until_closed() == b""
    srv.expected_exit = True
    assert srv.wait_exit(10) == 0
    c.close()

    srv2 = spawn()
    c2 = srv2.client()
    assert c2.get("marker:before") == b"1"
    assert c2.get("marker:after") is None
    assert c2.get("pre:19999") == b"value-0000019999"
    counts = writer_prefixes(c2)
    assert sum(counts) < total_written
    assert c2.dbsize() == 20000 + 1 + sum(counts)
    c2.close()


def test_flushall_aborts_bgsave(spawn):
    srv = spawn()
    c = srv.client()
    preload(c, 3000)
    c.config_set("rdb-key-save-delay", 1000)
    assert c.bgsave() is True
    assert info(c)["rdb_bgsave_in_progress"] == 1
    c.flushall()
    wait_until(lambda: info(c)["rdb_bgsave_in_progress"] == 0, 3, "bgsave killed by FLUSHALL")
    # killed on purpose: not an error, and the changes are still unsaved
    assert info(c)["rdb_last_bgsave_status"] == "ok"
    assert info(c)["rdb_changes_since_last_save"] > 999
    assert c.set("x", "y") is True
    c.config_set("rdb-key-save-delay", 0)
    assert not glob.glob(str(srv.cwd / "temp-*.rdb"))
    c.close()


def test_flushall_with_save_points_saves_and_resets_dirty(spawn):
    srv = spawn()
    c = srv.client()
    c.set("k", "v")
    c.flushall()
    assert info(c)["rdb_changes_since_last_save"] > 0
    c.config_set("save", "3600 1 300 100 60 10000")
    c.set("k", "v")
    c.flushall()
    assert info(c)["rdb_changes_since_last_save"] == 0
    assert os.path.exists(srv.cwd / "dump.rdb")
    c.config_set("save", "")
    c.close()


def test_save_points_trigger_bgsave(spawn):
    srv = spawn()
    c = srv.client()
    last = info(c)["rdb_last_save_time"]
    saves = info(c)["rdb_saves"]
    c.config_set("save", "1 2")
    c.set("a", "1")
    time.sleep(2.5)
    # one change is fewer than 2: nothing saved
    assert info(c)["rdb_saves"] == saves
    c.set("b", "2")
    wait_until(lambda: info(c)["rdb_saves"] == saves + 1 and info(c)["rdb_bgsave_in_progress"] == 0,
               10, "the save point to fire")
    i = info(c)
    assert i["rdb_last_save_time"] > last
    assert i["rdb_changes_since_last_save"] == 0
    assert i["rdb_last_bgsave_status"] == "ok"
    assert "2 changes in 1 seconds. Saving..." in srv.output()
    c.config_set("save", "")
    c.close()


# --------------------------------------------------------------------------------------------
# stop-writes-on-bgsave-error
# --------------------------------------------------------------------------------------------

def test_stop_writes_on_bgsave_error(spawn):
    srv = spawn()
    c = srv.client()
    c.set("k", "v")
    # a directory where dump.rdb goes: the child's rename fails (root ignores permissions)
    os.mkdir(srv.cwd / "dump.rdb")
    try:
        c.config_set("save", "3600 1")
        assert c.bgsave() is True
        wait_bgsave_done(c)
        assert info(c)["rdb_last_bgsave_status"] == "err"
        with srv.raw() as r:
            assert r.call("SET", "k", "v2") == RespError(MISCONF_RDB)
            assert r.call("PING") == RespError(MISCONF_RDB)
            assert r.call("GET", "k") == b"v"
            assert r.call("ECHO", "hi") == b"hi"
            # scripts: a write from a script fails, reads work; a script with flags that may
            # write (shebang without no-writes) is refused before it runs
            err = r.call("EVAL", "return redis.call('set', KEYS[1], 1)", "1", "k")
            assert isinstance(err, RespError) and err.startswith("MISCONF "), err
            assert r.call("EVAL", "return redis.call('get', KEYS[1])", "1", "k") == b"v"
            assert r.call("EVAL", "#!lua\nreturn redis.call('set', KEYS[1], 1)", "1",
                          "k") == RespError(MISCONF_RDB)
            assert r.call("EVAL", "#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])",
                          "1", "k") == b"v"
            # in MULTI the refusal flags the transaction
            assert r.call("MULTI") == b"OK"
            assert r.call("INCR", "n") == RespError(MISCONF_RDB)
            assert r.call("EXEC") == RespError(
                "EXECABORT Transaction discarded because of previous errors.")
            # a SAVE failure is reported, the status stays err
            assert r.call("SAVE") == RespError("ERR")
            assert info(c)["rdb_last_bgsave_status"] == "err"
            # without save points nothing is refused
            c.config_set("save", "")
            assert r.call("SET", "k", "v3") == b"OK"
            c.config_set("save", "3600 1")
            assert r.call("SET", "k", "v4") == RespError(MISCONF_RDB)
            c.config_set("stop-writes-on-bgsave-error", "no")
            assert r.call("SET", "k", "v5") == b"OK"
            c.config_set("stop-writes-on-bgsave-error", "yes")
            assert r.call("SET", "k", "v6") == RespError(MISCONF_RDB)
            assert "errorstat_MISCONF" in info(c, "errorstats")
            # a successful save clears the error
            os.rmdir(srv.cwd / "dump.rdb")
            assert r.call("BGSAVE") == b"Background saving started"
            wait_bgsave_done(c)
            assert info(c)["rdb_last_bgsave_status"] == "ok"
            assert r.call("SET", "k", "v7") == b"OK"
            assert r.call("PING") == b"PONG"
    finally:
        if os.path.isdir(srv.cwd / "dump.rdb"):
            os.rmdir(srv.cwd / "dump.rdb")
        c.config_set("save", "")
        c.close()


def test_save_point_retry_waits_after_error(spawn):
    srv = spawn()
    c = srv.client()
    os.mkdir(srv.cwd / "dump.rdb")
    try:
        c.config_set("save", "1 1")
        c.set("k", "v")
        wait_until(lambda: info(c)["rdb_last_bgsave_status"] == "err", 10, "failed save")
        wait_bgsave_done(c)
        saves = info(c)["rdb_saves"]
        time.sleep(3)
        # CONFIG_BGSAVE_RETRY_DELAY: no new attempt within 5 seconds of the failed one
        assert info(c)["rdb_saves"] == saves
        os.rmdir(srv.cwd / "dump.rdb")
        wait_until(lambda: info(c)["rdb_last_bgsave_status"] == "ok", 10, "the retried save")
        assert info(c)["rdb_saves"] == saves + 1
    finally:
        if os.path.isdir(srv.cwd / "dump.rdb"):
            os.rmdir(srv.cwd / "dump.rdb")
        c.config_set("save", "")
        c.close()


# --------------------------------------------------------------------------------------------
# BGREWRITEAOF
# --------------------------------------------------------------------------------------------

def manifest_lines(srv):
    path = srv.cwd / "appendonlydir" / "appendonly.aof.manifest"
    return path.read_text().split("\n")


def test_bgrewriteaof_under_writers_keeps_every_write(spawn):
    srv = spawn("--appendonly", "yes")
    c = srv.client()
    preload(c, 20000)
    c.config_set("rdb-key-save-delay", 50)
    with Writers(srv):
        time.sleep(0.3)
        with srv.raw() as r:
            assert r.call("BGREWRITEAOF") == b"Background append only file rewriting started"
            assert r.call("BGREWRITEAOF") == RespError(
                "ERR Background append only file rewriting already in progress")
            assert info(c)["aof_rewrite_in_progress"] == 1
            # an INCR file was opened for what is written during the rewrite
            assert any("appendonly.aof.2.incr.aof" in ln for ln in manifest_lines(srv))
        time.sleep(0.5)
        c.config_set("rdb-key-save-delay", 0)
        wait_rewrite_done(c, 60)
        time.sleep(0.3)
    i = info(c)
    assert i["aof_last_bgrewrite_status"] == "ok"
    assert i["aof_rewrites"] >= 1
    assert i["aof_last_rewrite_time_sec"] >= 0
    assert i["aof_base_size"] > 0 and i["aof_current_size"] >= i["aof_base_size"]
    lines = [ln for ln in manifest_lines(srv) if ln]
    assert lines == ["file appendonly.aof.2.base.rdb seq 2 type b",
                     "file appendonly.aof.2.incr.aof seq 2 type i"]
    assert sorted(os.listdir(srv.cwd / "appendonlydir")) == [
        "appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]
    digest = c.execute_command("DEBUG", "DIGEST")
    size = c.dbsize()
    with srv.raw() as r:
        r.send_command("SHUTDOWN")
        assert r.read_until_closed() == b""
    srv.expected_exit = True
    assert srv.wait_exit(10) == 0
    c.close()

    srv2 = spawn("--appendonly", "yes")
    c2 = srv2.client()
    assert c2.dbsize() == size
    assert c2.execute_command("DEBUG", "DIGEST") == digest
    writer_prefixes(c2)
    c2.close()


def test_bgrewriteaof_and_bgsave_scheduling(spawn):
    srv = spawn("--appendonly", "yes")
    c = srv.client()
    preload(c, 2000)
    c.config_set("rdb-key-save-delay", 1000)
    with srv.raw() as r:
        assert r.call("BGSAVE") == b"Background saving started"
        assert r.call("BGREWRITEAOF") == b"Background append only file rewriting scheduled"
        i = info(c)
        assert i["aof_rewrite_scheduled"] == 1 and i["aof_rewrite_in_progress"] == 0
        assert i["aof_pending_rewrite"] == 1
        c.config_set("rdb-key-save-delay", 0)
        # the BGSAVE child keeps its 1 ms per key; killing it is what FLUSHALL would do, so
        # wait: the rewrite then starts from the cron
        wait_until(lambda: info(c)["aof_rewrite_in_progress"] == 1
                   or info(c)["aof_rewrites"] >= 1, 30, "the scheduled rewrite")
        wait_rewrite_done(c)
        assert info(c)["aof_last_bgrewrite_status"] == "ok"
        # now the other way round
        c.config_set("rdb-key-save-delay", 1000)
        assert r.call("BGREWRITEAOF") == b"Background append only file rewriting started"
        assert r.call("BGSAVE") == RespError(
            "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
            "SCHEDULE in order to schedule a BGSAVE whenever possible.")
        assert r.call("BGSAVE", "SCHEDULE") == b"Background saving scheduled"
        c.config_set("rdb-key-save-delay", 0)
        saves = info(c)["rdb_saves"]
        wait_until(lambda: info(c)["rdb_saves"] == saves + 1, 30, "the scheduled BGSAVE")
        wait_bgsave_done(c)
        assert info(c)["rdb_last_bgsave_status"] == "ok"
    c.close()


def test_bgrewriteaof_with_aof_off_writes_a_base(spawn):
    srv = spawn()
    c = srv.client()
    c.set("k", "v")
    assert c.bgrewriteaof() is True
    wait_rewrite_done(c)
    assert info(c)["aof_last_bgrewrite_status"] == "ok"
    assert [ln for ln in manifest_lines(srv) if ln] == [
        "file appendonly.aof.1.base.rdb seq 1 type b"]
    c.close()


def test_config_set_appendonly_starts_with_a_rewrite(spawn):
    srv = spawn()
    c = srv.client()
    preload(c, 3000)
    c.config_set("rdb-key-save-delay", 500)
    c.config_set("appendonly", "yes")
    i = info(c)
    assert i["aof_enabled"] == 1
    assert i["aof_rewrite_in_progress"] == 1
    # writes made while the first rewrite runs land in the temp incr file, then in incr 1
    c.set("during", "1")
    assert os.path.exists(srv.cwd / "appendonlydir" / "temp-appendonly.aof.incr")
    c.config_set("rdb-key-save-delay", 0)
    wait_rewrite_done(c)
    c.set("after", "1")
    assert [ln for ln in manifest_lines(srv) if ln] == [
        "file appendonly.aof.1.base.rdb seq 1 type b",
        "file appendonly.aof.1.incr.aof seq 1 type i"]
    digest = c.execute_command("DEBUG", "DIGEST")
    with srv.raw() as r:
        r.send_command("SHUTDOWN", "NOSAVE")
        assert r.read_until_closed() == b""
    srv.expected_exit = True
    srv.wait_exit(10)
    c.close()
    srv2 = spawn("--appendonly", "yes")
    c2 = srv2.client()
    assert c2.execute_command("DEBUG", "DIGEST") == digest
    assert c2.get("during") == b"1" and c2.get("after") == b"1"
    # turning it off and on again makes a new base and retires the old files
    c2.config_set("appendonly", "no")
    c2.set("off", "1")
    c2.config_set("appendonly", "yes")
    wait_rewrite_done(c2)
    assert [ln for ln in manifest_lines(srv2) if ln] == [
        "file appendonly.aof.2.base.rdb seq 2 type b",
        "file appendonly.aof.2.incr.aof seq 2 type i"]
    assert sorted(os.listdir(srv2.cwd / "appendonlydir")) == [
        "appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof", "appendonly.aof.manifest"]
    c2.close()


def test_config_set_appendonly_refused_when_the_aof_cannot_start(spawn):
    srv = spawn()
    c = srv.client()
    c.set("k", "v")
    (srv.cwd / "appendonlydir").write_text("a file where the AOF directory goes")
    with srv.raw() as r:
        assert r.call("CONFIG", "SET", "appendonly", "yes") == RespError(
            "ERR CONFIG SET failed (possibly related to argument 'appendonly') - Unable to turn "
            "on AOF. Check server logs.")
        assert r.call("CONFIG", "GET", "appendonly") == [b"appendonly", b"no"]
        assert info(c)["aof_enabled"] == 0
        assert r.call("SET", "k", "v2") == b"OK"  # writes go on
        assert "Can't open or create append-only dir appendonlydir: Not a directory" in \
            srv.output()
        # once the directory can be made, the same command works
        (srv.cwd / "appendonlydir").unlink()
        assert r.call("CONFIG", "SET", "appendonly", "yes") == b"OK"
        wait_rewrite_done(c)
        assert info(c)["aof_enabled"] == 1
        assert info(c)["aof_last_bgrewrite_status"] == "ok"
    c.close()


def test_auto_aof_rewrite(spawn):
    srv = spawn("--appendonly", "yes", "--auto-aof-rewrite-percentage", "100",
                "--auto-aof-rewrite-min-size", "100kb")
    c = srv.client()
    assert info(c)["aof_rewrites"] == 0
    preload(c, 3000)  # ~180 KB of AOF over a ~90 byte base
    wait_until(lambda: info(c)["aof_rewrites"] >= 1, 10, "an automatic rewrite")
    wait_rewrite_done(c)
    i = info(c)
    assert i["aof_last_bgrewrite_status"] == "ok"
    assert i["aof_base_size"] == i["aof_current_size"] or i["aof_current_size"] > i["aof_base_size"]
    assert "Starting automatic rewriting of AOF on" in srv.output()
    c.close()


# --------------------------------------------------------------------------------------------
# SHUTDOWN and signals
# --------------------------------------------------------------------------------------------

def shutdown(srv, *args):
    with srv.raw() as r:
        r.send_command("SHUTDOWN", *args)
        return r.read_until_closed()


def test_shutdown_saves_with_save_points(spawn):
    srv = spawn()
    c = srv.client()
    c.config_set("save", "3600 1")
    c.set("k", "v1")
    c.close()
    assert shutdown(srv) == b""
    srv.expected_exit = True
    assert srv.wait_exit(10) == 0
    assert "Saving the final RDB snapshot before exiting." in srv.output()
    srv2 = spawn()
    assert srv2.client().get("k") == b"v1"


def test_shutdown_nosave_and_save(spawn):
    srv = spawn()
    c = srv.client()
    c.config_set("save", "3600 1")
    c.set("k", "v1")
    c.close()
    assert shutdown(srv, "NOSAVE") == b""
    srv.expected_exit = True
    assert srv.wait_exit(10) == 0
    assert not os.path.exists(srv.cwd / "dump.rdb")
    srv2 = spawn()  # no save points (--save "")
    c2 = srv2.client()
    assert c2.get("k") is None
    c2.set("k", "v2")
    c2.close()
    assert shutdown(srv2, "SAVE") == b""
    srv2.expected_exit = True
    assert srv2.wait_exit(10) == 0
    srv3 = spawn()
    assert srv3.client().get("k") == b"v2"


def test_shutdown_refused_when_save_fails(spawn):
    srv = spawn()
    c = srv.client()
    c.set("k", "v")
    os.mkdir(srv.cwd / "dump.rdb")
    with srv.raw() as r:
        assert r.call("SHUTDOWN", "ABORT") == RespError("ERR No shutdown in progress.")
        assert r.call("SHUTDOWN", "ABORT", "NOW") == RespError("ERR syntax error")
        assert r.call("SHUTDOWN", "SAVE") == RespError("ERR Errors trying to SHUTDOWN. Check logs.")
        assert r.call("PING") == b"PONG"
        c.config_set("save", "3600 1")
        assert r.call("SHUTDOWN") == RespError("ERR Errors trying to SHUTDOWN. Check logs.")
        assert r.call("SHUTDOWN", "NOW") == RespError("ERR Errors trying to SHUTDOWN. Check logs.")
        # SIGTERM saves too: it fails, the server keeps running
        os.kill(srv.pid, signal.SIGTERM)
        wait_until(lambda: "Error trying to save the DB, can't exit" in srv.output(), 5,
                   "the refused SIGTERM shutdown")
        time.sleep(0.3)
        assert srv.alive()
        assert r.call("PING") == b"PONG"
        r.send_command("SHUTDOWN", "FORCE")
        assert r.read_until_closed() == b""
    srv.expected_exit = True
    assert srv.wait_exit(10) == 0
    assert "Error trying to save the DB. Exit anyway." in srv.output()
    os.rmdir(srv.cwd / "dump.rdb")
    c.close()


def test_shutdown_kills_bgsave_child(spawn):
    srv = spawn()
    c = srv.client()
    preload(c, 1000)
    c.config_set("rdb-key-save-delay", 100000)
    assert c.bgsave() is True
    wait_until(lambda: glob.glob(str(srv.cwd / "temp-*.rdb")), 5, "the child's temp file")
    child = int(os.path.basename(glob.glob(str(srv.cwd / "temp-*.rdb"))[0])[5:-4])
    c.close()
    assert shutdown(srv, "NOSAVE") == b""
    srv.expected_exit = True
    assert srv.wait_exit(10) == 0
    assert not glob.glob(str(srv.cwd / "temp-*.rdb"))
    wait_until(lambda: not os.path.exists(f"/proc/{child}") or
               open(f"/proc/{child}/stat").read().split()[2] == "Z", 5, "the child to exit")


def test_sigterm_saves_with_save_points(spawn):
    srv = spawn("--save", "3600 1")
    c = srv.client()
    c.set("k", "sig")
    c.close()
    srv.proc.send_signal(signal.SIGTERM)
    srv.expected_exit = True
    assert srv.wait_exit(10) == 0
    out = srv.output()
    assert "Received SIGTERM scheduling shutdown..." in out
    assert "DB saved on disk" in out
    srv2 = spawn()
    assert srv2.client().get("k") == b"sig"


def test_sigterm_without_save_points_does_not_save(spawn):
    srv = spawn()
    c = srv.client()
    c.set("k", "sig")
    c.close()
    srv.proc.send_signal(signal.SIGTERM)
    srv.expected_exit = True
    assert srv.wait_exit(10) == 0
    assert not os.path.exists(srv.cwd / "dump.rdb")


def test_debug_reload_keeps_working(spawn):
    srv = spawn()
    c = srv.client()
    preload(c, 100)
    digest = c.execute_command("DEBUG", "DIGEST")
    assert c.execute_command("DEBUG", "RELOAD") == b"OK"
    assert c.execute_command("DEBUG", "DIGEST") == digest
    c.close()


# --------------------------------------------------------------------------------------------
# AOF write errors (a real full disk: a small tmpfs)
# --------------------------------------------------------------------------------------------

@pytest.fixture
def small_fs(tmp_path):
    mnt = tmp_path / "small"
    mnt.mkdir()
    rc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2M", "tmpfs", str(mnt)],
                        capture_output=True)
    if rc.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: " + rc.stderr.decode(errors="replace"))
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def fill_disk(mnt):
    path = mnt / "filler"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
    chunk = b"\0" * 4096
    try:
        while True:
            os.write(fd, chunk)
    except OSError:
        pass
    finally:
        os.close(fd)
    return path


def test_aof_write_error_everysec_misconf_and_recovery(spawn, small_fs):
    srv = spawn("--dir", str(small_fs), "--appendonly", "yes", "--appendfsync", "everysec")
    c = srv.client()
    c.set("before", "1")
    filler = fill_disk(small_fs)
    big = "x" * 20000
    with srv.raw() as r:
        # the write that hits the full disk is already done in memory; the next ones are refused
        r.call("SET", "big", big)
        wait_until(lambda: info(c)["aof_last_write_status"] == "err", 5, "the write error")
        err = RespError("MISCONF Errors writing to the AOF file: No space left on device")
        assert r.call("SET", "k", "v") == err
        assert r.call("PING") == err
        assert r.call("GET", "before") == b"1"
        assert r.call("DBSIZE") == 2
        out = srv.output()
        assert ("Error writing to the AOF file: No space left on device" in out
                or "Short write while writing to the AOF file" in out)
        # space again: the cron retries the buffered write and writes are accepted again
        os.unlink(filler)
        wait_until(lambda: info(c)["aof_last_write_status"] == "ok", 5, "the recovery")
        assert r.call("SET", "k", "v") == b"OK"
        assert "AOF write error looks solved, Redis can write again." in srv.output()
    digest = c.execute_command("DEBUG", "DIGEST")
    c.close()
    assert shutdown(srv, "NOSAVE") == b""
    srv.expected_exit = True
    srv.wait_exit(10)
    srv2 = spawn("--dir", str(small_fs), "--appendonly", "yes")
    c2 = srv2.client()
    assert c2.execute_command("DEBUG", "DIGEST") == digest
    assert c2.get("big") == big.encode()
    c2.close()


def test_aof_write_error_always_exits(spawn, small_fs):
    srv = spawn("--dir", str(small_fs), "--appendonly", "yes", "--appendfsync", "always")
    c = srv.client()
    c.set("before", "1")
    fill_disk(small_fs)
    srv.expected_exit = True
    with srv.raw() as r:
        r.send_command("SET", "big", "x" * 20000)
        # never acknowledged: the server exits instead
        assert r.read_until_closed() == b""
    assert srv.wait_exit(10) == 1
    assert ("Can't recover from AOF write error when the AOF fsync policy is 'always'. "
            "Exiting...") in srv.output()
    c.close()
