"""Fixtures for the integration layer.

The server under test is env SABLE_SERVER (default <repo>/build/sable-server). Every test must
also pass with SABLE_SERVER=/usr/bin/redis-server (the behavioural reference, 7.0.15).
"""

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import helpers  # noqa: E402


def pytest_report_header(config):
    return [f"server under test: {helpers.server_binary()}",
            f"sanitized build: {helpers.sanitized()}"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server process per test module, in its own tmp dir; checked for crashes at the end."""
    binary = helpers.server_binary()
    if not os.path.exists(binary):
        pytest.fail(f"server binary {binary} does not exist (set SABLE_SERVER)")
    cwd = tmp_path_factory.mktemp("server")
    srv = helpers.start_server(cwd=cwd)
    yield srv
    srv.stop_and_check()


@pytest.fixture(scope="module")
def pair(tmp_path_factory, server):
    """(reference redis-server, server under test), for the differential tests: Debian's
    redis-server started for the module next to the module's `server`."""
    ref = helpers.start_server(binary=helpers.REDIS_SERVER,
                               cwd=tmp_path_factory.mktemp("reference"))
    yield ref, server
    ref.stop_and_check()


@pytest.fixture
def r(server):
    """RESP2 redis-py client on a flushed server."""
    assert server.alive(), "server process is gone:\n" + server.output()[-3000:]
    client = server.client()
    client.flushall()
    yield client
    client.close()


@pytest.fixture
def r3(server, r):
    """A raw RESP3 connection (HELLO 3 done), on a flushed server.

    Debian bookworm's redis-py 4.3 has no protocol=3 support, so RESP3 goes through the raw
    socket helper; replies parse into helpers' RESP3 types (Map, RespSet, Double, ...).
    """
    conn = server.raw()
    hello = conn.call("HELLO", "3")
    assert isinstance(hello, helpers.Map), hello
    yield conn
    conn.close()


@pytest.fixture
def raw(server, r):
    """A raw RESP2 connection on a flushed server."""
    conn = server.raw()
    yield conn
    conn.close()


@pytest.fixture
def conns(server, r):
    """Factory for extra raw connections to the module's server (RESP3 after HELLO 3 with
    resp3=True), closed at the end of the test."""
    made = []

    def _new(resp3=False):
        c = server.raw()
        if resp3:
            assert isinstance(c.call("HELLO", "3"), helpers.Map)
        made.append(c)
        return c

    yield _new
    for c in made:
        c.close()


@pytest.fixture
def spawn(tmp_path):
    """Start extra servers (with extra args or a config file); all are stopped at the end.

    Usage: srv = spawn("--requirepass", "secret") or spawn(config_file=path).
    """
    started = []

    def _spawn(*extra_args, **kw):
        kw.setdefault("cwd", tmp_path)
        srv = helpers.start_server(extra_args, **kw)
        started.append(srv)
        return srv

    yield _spawn
    errors = []
    for srv in started:
        try:
            srv.stop_and_check()
        except AssertionError as e:
            errors.append(str(e))
    if errors:
        pytest.fail("\n".join(errors))
