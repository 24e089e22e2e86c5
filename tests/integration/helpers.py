"""Helpers for the integration layer: server processes and a raw RESP client.

Everything here is validated against Debian's redis-server 7.0.15, which is the behavioural
reference: a helper must work unchanged whether SABLE_SERVER points at sable-server or at
/usr/bin/redis-server.
"""

import os
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = "/usr/bin/redis-server"
HOST = "127.0.0.1"


def server_binary():
    return os.environ.get("SABLE_SERVER", str(REPO_ROOT / "build" / "sable-server"))


def sanitized():
    return os.environ.get("SABLE_SANITIZED") == "1"


# Flags every test server gets unless a test overrides them.
BASE_ARGS = ["--bind", HOST, "--save", "", "--appendonly", "no",
             "--enable-debug-command", "yes", "--daemonize", "no"]

SANITIZER_MARKERS = ("AddressSanitizer", "runtime error:", "LeakSanitizer")


# ---------------------------------------------------------------------------------------------
# RESP parsing
# ---------------------------------------------------------------------------------------------

class RespError:
    """An error reply (`-...` or RESP3 `!` blob error). Kept as a value, never raised."""

    def __init__(self, message):
        self.message = message if isinstance(message, str) else message.decode("utf-8", "replace")

    def __eq__(self, other):
        return isinstance(other, RespError) and other.message == self.message

    def __hash__(self):
        return hash(self.message)

    def __repr__(self):
        return f"RespError({self.message!r})"

    def startswith(self, prefix):
        return self.message.startswith(prefix)


class Double(float):
    """RESP3 `,` double."""


class BigNumber(int):
    """RESP3 `(` big number."""


class Verbatim(bytes):
    """RESP3 `=` verbatim string; `fmt` is the 3-byte format (b'txt')."""

    def __new__(cls, fmt, data):
        obj = super().__new__(cls, data)
        obj.fmt = fmt
        return obj


class RespSet(list):
    """RESP3 `~` set (kept ordered as sent)."""


class Push(list):
    """RESP3 `>` push."""


class Map(dict):
    """RESP3 `%` map."""


class Incomplete(Exception):
    pass


class ProtocolViolation(Exception):
    pass


def _read_line(buf, pos):
    end = buf.find(b"\r\n", pos)
    if end < 0:
        raise Incomplete()
    return bytes(buf[pos:end]), end + 2


def parse_reply(buf, pos=0):
    """Parse one complete RESP2/RESP3 reply from buf at pos.

    Returns (value, next_pos); raises Incomplete if more bytes are needed. An attribute
    (`|`) is parsed and dropped: the value returned is the reply it decorates.
    """
    if pos >= len(buf):
        raise Incomplete()
    t = buf[pos:pos + 1]
    line, pos = _read_line(buf, pos + 1)
    if t == b"+":
        return line, pos
    if t == b"-":
        return RespError(line), pos
    if t == b":":
        return int(line), pos
    if t in (b"$", b"!", b"="):
        n = int(line)
        if n == -1 and t == b"$":
            return None, pos
        if n < 0:
            raise ProtocolViolation(f"bad length {n} for {t!r}")
        if len(buf) < pos + n + 2:
            raise Incomplete()
        data = bytes(buf[pos:pos + n])
        if buf[pos + n:pos + n + 2] != b"\r\n":
            raise ProtocolViolation("bulk not terminated by CRLF")
        pos += n + 2
        if t == b"!":
            return RespError(data), pos
        if t == b"=":
            return Verbatim(data[:3], data[4:]), pos
        return data, pos
    if t in (b"*", b"~", b">"):
        n = int(line)
        if n == -1 and t == b"*":
            return None, pos
        items = []
        for _ in range(n):
            v, pos = parse_reply(buf, pos)
            items.append(v)
        if t == b"~":
            return RespSet(items), pos
        if t == b">":
            return Push(items), pos
        return items, pos
    if t in (b"%", b"|"):
        n = int(line)
        m = Map()
        for _ in range(n):
            k, pos = parse_reply(buf, pos)
            v, pos = parse_reply(buf, pos)
            if isinstance(k, list):
                k = tuple(k)
            m[k] = v
        if t == b"|":
            return parse_reply(buf, pos)
        return m, pos
    if t == b"_":
        return None, pos
    if t == b",":
        s = line.decode()
        return Double(float(s)), pos
    if t == b"#":
        if line == b"t":
            return True, pos
        if line == b"f":
            return False, pos
        raise ProtocolViolation(f"bad boolean {line!r}")
    if t == b"(":
        return BigNumber(int(line)), pos
    raise ProtocolViolation(f"unknown reply type {t!r} in {bytes(buf[pos - 1:pos + 40])!r}")


def encode_command(*args):
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        if isinstance(a, str):
            a = a.encode()
        elif isinstance(a, (int, float)):
            a = str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


class RawConn:
    """A plain socket speaking RESP, for protocol tests and exact byte comparisons."""

    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        self.sock.sendall(data)

    def send_command(self, *args):
        self.send(encode_command(*args))

    def _fill(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk:
            raise ConnectionError("connection closed by server")
        self.buf += chunk

    def read_reply_raw(self):
        """Exact bytes of the next complete reply."""
        while True:
            try:
                _, end = parse_reply(self.buf, 0)
            except Incomplete:
                self._fill()
                continue
            raw = bytes(self.buf[:end])
            del self.buf[:end]
            return raw

    def read_reply(self):
        while True:
            try:
                value, end = parse_reply(self.buf, 0)
            except Incomplete:
                self._fill()
                continue
            del self.buf[:end]
            return value

    def call(self, *args):
        self.send_command(*args)
        return self.read_reply()

    def call_raw(self, *args):
        self.send_command(*args)
        return self.read_reply_raw()

    def read_until_closed(self, timeout=5.0):
        """Read everything until the server closes the connection; returns the bytes.

        Fails (AssertionError) if the server keeps the connection open past the timeout.
        """
        self.sock.settimeout(timeout)
        data = bytes(self.buf)
        self.buf.clear()
        deadline = time.monotonic() + timeout
        while True:
            try:
                chunk = self.sock.recv(1 << 16)
            except ConnectionResetError:
                return data
            except socket.timeout:
                raise AssertionError(f"server did not close the connection; got {data[:200]!r}")
            if not chunk:
                return data
            data += chunk
            if time.monotonic() > deadline:
                raise AssertionError("server did not close the connection")

    def is_closed(self, timeout=2.0):
        try:
            self.read_until_closed(timeout)
            return True
        except AssertionError:
            return False


def ping_ok(host, port):
    with RawConn(host, port) as c:
        return c.call("PING") == b"PONG"


# ---------------------------------------------------------------------------------------------
# Server processes
# ---------------------------------------------------------------------------------------------

def port_is_free(port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
            return True
        except OSError:
            return False


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class ServerProcess:
    """A server process started by a test. Stop it with stop(); check() for crashes."""

    def __init__(self, binary, args, cwd, log_path, port, host=HOST):
        self.binary = binary
        self.args = list(args)
        self.cwd = Path(cwd)
        self.log_path = Path(log_path)
        self.port = port
        self.host = host
        self._log = open(self.log_path, "wb")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=0:abort_on_error=0")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1")
        self.proc = subprocess.Popen([binary] + self.args, cwd=str(self.cwd), stdout=self._log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
        self.pid = self.proc.pid
        self.expected_exit = False  # set when a test shuts the server down on purpose

    def output(self):
        if not self._log.closed:
            self._log.flush()
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def alive(self):
        return self.proc.poll() is None

    def wait_ready(self, timeout=10.0, password=None):
        """Wait until the server answers PING (any reply, NOAUTH included)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                return False
            try:
                with RawConn(self.host, self.port, timeout=2.0) as c:
                    c.send_command("PING")
                    reply = c.read_reply()
                    if reply == b"PONG" or (isinstance(reply, RespError)
                                            and reply.startswith("NOAUTH")):
                        return True
            except (OSError, ConnectionError):
                pass
            time.sleep(0.02)
        return False

    def client(self, **kw):
        import redis
        kw.setdefault("decode_responses", False)
        kw.setdefault("socket_timeout", 30)
        return redis.Redis(host=self.host, port=self.port, **kw)

    def raw(self, timeout=10.0):
        return RawConn(self.host, self.port, timeout=timeout)

    def sanitizer_report(self):
        out = self.output()
        for m in SANITIZER_MARKERS:
            if m in out:
                return out
        return None

    def stop(self, sig=signal.SIGTERM, timeout=5.0):
        """Stop by pid; returns the exit code (negative = killed by signal)."""
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(timeout=timeout)
        self._log.close()
        return self.proc.returncode

    def wait_exit(self, timeout=5.0):
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop_and_check(self):
        """Stop with SIGTERM and raise AssertionError if the server crashed at any point."""
        was_alive = self.alive()
        rc = self.stop()
        problems = []
        if not was_alive and not self.expected_exit:
            problems.append(f"server exited on its own before teardown (rc={rc})")
        elif was_alive and rc not in (0, -signal.SIGTERM):
            problems.append(f"server did not exit cleanly on SIGTERM (rc={rc})")
        if self.expected_exit and rc is not None and rc < 0 and rc != -signal.SIGTERM:
            problems.append(f"server died by signal {-rc}")
        report = self.sanitizer_report()
        if report:
            problems.append("sanitizer report in server output")
        if problems:
            tail = self.output()[-6000:]
            raise AssertionError("; ".join(problems) + f"\n--- server output (tail) ---\n{tail}")
        return rc


def start_server(extra_args=(), binary=None, config_file=None, cwd=None, port=None,
                 base_args=True, wait=True, attempts=5, password=None):
    """Start a server on a free port; retries on port collisions. Returns ServerProcess.

    config_file (a path) goes first in argv, as redis-server expects. Raises RuntimeError
    with the server output if it cannot be started.
    """
    binary = binary or server_binary()
    if cwd is None:
        cwd = tempfile.mkdtemp(prefix="sable-it-")
    last_output = ""
    for attempt in range(attempts):
        p = port if port is not None else free_port()
        args = []
        if config_file is not None:
            args.append(str(config_file))
        args += ["--port", str(p)]
        if base_args:
            args += BASE_ARGS
        args += list(extra_args)
        log_path = Path(cwd) / f"server-{p}-{attempt}.log"
        srv = ServerProcess(binary, args, cwd, log_path, p)
        if not wait:
            return srv
        if srv.wait_ready(password=password):
            return srv
        last_output = srv.output()
        srv.stop(signal.SIGKILL)
        # another process took the port between free_port() and the server's bind: retry
        collided = "in use" in last_output.lower() or not port_is_free(p)
        if collided and port is None:
            continue
        break
    raise RuntimeError(f"server {binary} failed to start: {last_output[-3000:]}")


def run_expect_failure(args, cwd=None, binary=None, timeout=10.0):
    """Run the server with args; it must exit by itself, non-zero. Returns (rc, output)."""
    binary = binary or server_binary()
    if cwd is None:
        cwd = tempfile.mkdtemp(prefix="sable-it-")
    proc = subprocess.Popen([binary] + list(args), cwd=str(cwd), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        raise AssertionError(f"server did not exit on bad configuration; output: {out[-2000:]!r}")
    return proc.returncode, out.decode(errors="replace")


def assert_fails_to_start(args, expected_substrings, cwd=None, binary=None):
    rc, out = run_expect_failure(args, cwd=cwd, binary=binary)
    assert rc != 0, f"expected non-zero exit, got {rc}; output:\n{out}"
    assert rc > 0, f"server died by signal {-rc} instead of exiting with an error:\n{out}"
    for s in expected_substrings:
        assert s in out, f"expected {s!r} in server output:\n{out}"
    for m in SANITIZER_MARKERS:
        assert m not in out, f"sanitizer report:\n{out}"
    return out


def wait_for(predicate, timeout=5.0, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = predicate()
        if v:
            return v
        time.sleep(interval)
    return predicate()


def _suite_assets_from_cache():
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sable"
    found = sorted((cache / "redis-suite").glob("redis-*/tests/assets/encodings.rdb"))
    return found[-1].parent if found else None


def suite_assets():
    """The Redis 7.0.15 suite's tests/assets directory (default.conf, old-encoding RDB files),
    fetched into the cache with `scripts/redis-suite --fetch-only` if missing. Fails the test
    if it cannot be had."""
    import pytest
    d = _suite_assets_from_cache()
    if d is None:
        proc = subprocess.run([str(REPO_ROOT / "scripts" / "redis-suite"), "--fetch-only"],
                              capture_output=True, text=True, timeout=900)
        if proc.returncode != 0:
            pytest.fail("the Redis test suite is not cached and `scripts/redis-suite "
                        f"--fetch-only` failed:\n{proc.stdout}\n{proc.stderr}")
        d = _suite_assets_from_cache()
        if d is None:
            lines = proc.stdout.strip().splitlines()
            d = Path(lines[-1]) / "tests" / "assets" if lines else None
    if d is None or not (d / "encodings.rdb").exists():
        pytest.fail(f"Redis suite assets not found after fetching (looked in {d})")
    return d
