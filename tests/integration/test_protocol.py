"""Wire protocol: pipelining, inline commands, RESP3 reply types, protocol errors and limits,
truncated frames, huge lengths and binary junk. After every abuse the server must still answer
PING on a new connection."""

import random
import socket
import time

import pytest

import helpers
from helpers import RespError, encode_command

E = RespError


def assert_alive(server):
    assert server.alive(), "server died:\n" + server.output()[-3000:]
    with server.raw(timeout=5) as c:
        password = getattr(server, "password", None)
        if password:
            assert c.call("AUTH", password) == b"OK"
        assert c.call("PING") == b"PONG"


def expect_error_and_close(server, payload, error):
    """Send payload on a fresh connection: the server replies `error` and closes."""
    with server.raw() as c:
        try:
            c.send(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may close before it has read everything; the reply still counts
        got = c.read_until_closed(timeout=5)
        assert got == b"-" + error.encode() + b"\r\n", got
    assert_alive(server)


# --------------------------------------------------------------------------------------------
# Pipelining
# --------------------------------------------------------------------------------------------

def test_pipeline_10k_in_one_write(raw):
    n = 10000
    buf = bytearray()
    for i in range(n):
        buf += encode_command("SET", f"key:{i}", f"value:{i}")
    for i in range(n):
        buf += encode_command("INCR", "counter")
    for i in range(n):
        buf += encode_command("GET", f"key:{i}")
    raw.send(bytes(buf))
    for i in range(n):
        assert raw.read_reply() == b"OK"
    for i in range(n):
        assert raw.read_reply() == i + 1
    for i in range(n):
        assert raw.read_reply() == f"value:{i}".encode()
    assert raw.call("DBSIZE") == n + 1


def test_pipeline_redis_py(r):
    pipe = r.pipeline(transaction=False)
    for i in range(2000):
        pipe.set(f"k{i}", i)
        pipe.get(f"k{i}")
    res = pipe.execute()
    assert res[0::2] == [True] * 2000
    assert res[1::2] == [str(i).encode() for i in range(2000)]


def test_pipeline_mixed_errors_keep_order(raw):
    raw.send(encode_command("SET", "a", "x") + encode_command("INCR", "a")
             + encode_command("NOSUCH") + encode_command("GET") + encode_command("GET", "a"))
    assert raw.read_reply() == b"OK"
    assert raw.read_reply() == E("ERR value is not an integer or out of range")
    assert raw.read_reply() == E("ERR unknown command 'NOSUCH', with args beginning with: ")
    assert raw.read_reply() == E("ERR wrong number of arguments for 'get' command")
    assert raw.read_reply() == b"x"


def test_command_split_at_every_byte(raw):
    cmd = encode_command("SET", "split", "value with spaces") + encode_command("GET", "split")
    for i in range(len(cmd)):
        raw.send(cmd[i:i + 1])
        time.sleep(0.0005)
    assert raw.read_reply() == b"OK"
    assert raw.read_reply() == b"value with spaces"


def test_large_values(raw):
    big = random.Random(7).randbytes(1 << 20)
    big = big * 4  # 4 MB
    raw.send(encode_command("SET", "big", big) + encode_command("GET", "big")
             + encode_command("STRLEN", "big"))
    assert raw.read_reply() == b"OK"
    assert raw.read_reply() == big
    assert raw.read_reply() == len(big)


def test_large_reply_pipelined_with_slow_reader(server, r):
    r.set("big", b"z" * (8 << 20))
    with server.raw() as c:
        c.send(encode_command("GET", "big") * 4 + encode_command("PING"))
        time.sleep(0.3)  # let the server fill its output buffer
        for _ in range(4):
            assert len(c.read_reply()) == 8 << 20
        assert c.read_reply() == b"PONG"
    assert_alive(server)


# --------------------------------------------------------------------------------------------
# Inline commands
# --------------------------------------------------------------------------------------------

def test_inline_basic(raw):
    raw.send(b"SET inl hello\r\nGET inl\r\nPING\r\n")
    assert raw.read_reply() == b"OK"
    assert raw.read_reply() == b"hello"
    assert raw.read_reply() == b"PONG"


def test_inline_lf_only_and_blank_lines(raw):
    raw.send(b"\r\n\r\n\nPING\n   \r\nECHO   spaced    \r\n")
    assert raw.read_reply() == b"PONG"
    assert raw.read_reply() == b"spaced"


def test_inline_quoting(raw):
    raw.send(b'SET q "hello world"\r\nGET q\r\n')
    assert raw.read_reply() == b"OK"
    assert raw.read_reply() == b"hello world"
    raw.send(b'ECHO "a\\x41\\n\\t\\"b"\r\n')
    assert raw.read_reply() == b'aA\n\t"b'
    raw.send(b"ECHO 'single \\' quoted \"x\"'\r\n")
    assert raw.read_reply() == b"single ' quoted \"x\""
    raw.send(b'ECHO ""\r\n')
    assert raw.read_reply() == b""


def test_inline_unknown_command(raw):
    raw.send(b"NOSUCH a b\r\n")
    assert raw.read_reply() == E("ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' ")


def test_inline_then_multibulk(raw):
    raw.send(b"SET m 1\r\n" + encode_command("INCR", "m") + b"GET m\r\n")
    assert raw.read_reply() == b"OK"
    assert raw.read_reply() == 2
    assert raw.read_reply() == b"2"


@pytest.mark.parametrize("payload", [
    b'SET "a b\r\n', b"SET 'a b\r\n", b'SET "a"b\r\n', b"SET 'a'b\r\n",
])
def test_inline_unbalanced_quotes(server, payload):
    expect_error_and_close(server, payload, "ERR Protocol error: unbalanced quotes in request")


def test_inline_too_big(server):
    expect_error_and_close(server, b"x" * 70000, "ERR Protocol error: too big inline request")
    expect_error_and_close(server, b"PING " * 300000, "ERR Protocol error: too big inline request")


# --------------------------------------------------------------------------------------------
# Multibulk protocol errors
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("payload,error", [
    (b"*abc\r\n", "ERR Protocol error: invalid multibulk length"),
    (b"*3000000000\r\n", "ERR Protocol error: invalid multibulk length"),
    (b"*2147483648\r\n", "ERR Protocol error: invalid multibulk length"),
    (b"*+1\r\n", "ERR Protocol error: invalid multibulk length"),
    (b"*01\r\n", "ERR Protocol error: invalid multibulk length"),
    (b"*1 \r\n", "ERR Protocol error: invalid multibulk length"),
    (b"*1\r\nfoo\r\n", "ERR Protocol error: expected '$', got 'f'"),
    (b"*2\r\n$4\r\nECHO\r\n:5\r\n", "ERR Protocol error: expected '$', got ':'"),
    (b"*1\r\n$abc\r\n", "ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$-1\r\n", "ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$ 4\r\nPING\r\n", "ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$04\r\nPING\r\n", "ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$536870913\r\n", "ERR Protocol error: invalid bulk length"),
    (b"*1\r\n$99999999999999999999\r\n", "ERR Protocol error: invalid bulk length"),
    (b"*" + b"1" * 70000, "ERR Protocol error: too big mbulk count string"),
    (b"*1\r\n$" + b"1" * 70000, "ERR Protocol error: too big bulk count string"),
])
def test_protocol_errors_close_connection(server, payload, error):
    expect_error_and_close(server, payload, error)


def test_protocol_error_after_valid_commands(server):
    with server.raw() as c:
        c.send(encode_command("SET", "pe", "1") + encode_command("GET", "pe") + b"*x\r\n"
               + encode_command("SET", "pe", "2"))
        got = c.read_until_closed()
        assert got == b"+OK\r\n$1\r\n1\r\n-ERR Protocol error: invalid multibulk length\r\n"
    with server.raw() as c:
        assert c.call("GET", "pe") == b"1"


def test_nonpositive_multibulk_is_ignored(raw):
    raw.send(b"*0\r\n*-1\r\n*-5\r\n" + encode_command("PING"))
    assert raw.read_reply() == b"PONG"


def test_empty_bulk_argument(raw):
    raw.send(b"*2\r\n$4\r\nECHO\r\n$0\r\n\r\n")
    assert raw.read_reply() == b""


def test_bulk_terminator_not_checked(raw):
    # Redis skips the two bytes after a bulk payload without checking they are CRLF
    raw.send(b"*1\r\n$4\r\nPINGxx")
    assert raw.read_reply() == b"PONG"
    raw.send(b"*2\r\n$4\r\nECHO\r\n$2\r\nhi!!")
    assert raw.read_reply() == b"hi"


def test_proto_max_bulk_len(server, raw):
    assert raw.call("CONFIG", "SET", "proto-max-bulk-len", "1000") == E(
        "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument "
        "must be between 1048576 and 9223372036854775807 inclusive")
    assert raw.call("CONFIG", "SET", "proto-max-bulk-len", "1mb") == b"OK"
    try:
        expect_error_and_close(server, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n",
                               "ERR Protocol error: invalid bulk length")
        assert raw.call("SET", "k", b"x" * 1048576) == b"OK"
        too_big = E("ERR string exceeds maximum allowed size (proto-max-bulk-len)")
        assert raw.call("APPEND", "k", "x") == too_big
        assert raw.call("SETRANGE", "k", "1048576", "x") == too_big
        assert raw.call("SETRANGE", "k", "1048575", "y") == 1048576
    finally:
        assert raw.call("CONFIG", "SET", "proto-max-bulk-len", "512mb") == b"OK"
    assert raw.call("APPEND", "k", "x") == 1048577


def test_client_query_buffer_limit(server, raw):
    assert raw.call("CONFIG", "SET", "client-query-buffer-limit", "1mb") == b"OK"
    try:
        with server.raw() as c:
            try:
                c.send(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2000000\r\n" + b"x" * 1500000)
            except (ConnectionResetError, BrokenPipeError):
                pass  # the server may close while we are still sending: that is the outcome
            else:
                # closed without a reply
                assert c.read_until_closed(timeout=5) == b""
        assert raw.call("EXISTS", "k") == 0
    finally:
        assert raw.call("CONFIG", "SET", "client-query-buffer-limit", "1gb") == b"OK"
    assert_alive(server)


# --------------------------------------------------------------------------------------------
# Truncated frames, huge lengths, junk
# --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("payload", [
    b"*", b"*3", b"*3\r", b"*3\r\n", b"*3\r\n$3\r\nSET\r\n$1\r\nk",
    b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nab",
    b"*1\r\n$4\r\nPI", b"SET k v", b"SET \"k", b"*2147483647\r\n", b"*1\r\n$536870912\r\n",
    b"*1\r\n$536870912\r\nabc", b"*1048576\r\n$1\r\na\r\n",
])
def test_truncated_frames_then_disconnect(server, r, payload):
    with server.raw() as c:
        c.send(payload)
        c.sock.shutdown(socket.SHUT_WR)
        assert c.read_until_closed(timeout=5) == b""
    assert_alive(server)
    assert r.exists("k") == 0


def test_huge_multibulk_count_is_accepted_lazily(raw):
    # a large count is not an error by itself: the server waits for the arguments
    raw.send(b"*1048577\r\n")
    raw.sock.settimeout(0.3)
    with pytest.raises(OSError):
        raw.read_reply()


def junk_payloads(seed, count):
    rng = random.Random(seed)
    tokens = [b"*", b"$", b"\r\n", b"\n", b"\r", b"-1", b"0", b"1", b"3", b"65536",
              b"2147483647", b"999999999999", b"PING", b"SET", b"GET", b"ECHO", b"k", b"\"",
              b"'", b"\\x", b" ", b"\x00", b"\xff", b"+", b":", b"%", b"~", b"#", b"_"]
    for i in range(count):
        kind = i % 3
        if kind == 0:
            yield rng.randbytes(rng.randint(1, 4096))
        elif kind == 1:
            yield b"".join(rng.choice(tokens) for _ in range(rng.randint(1, 300)))
        else:
            # a valid command with random damage
            buf = bytearray(encode_command("SET", "junk", "v" * rng.randint(0, 100)))
            for _ in range(rng.randint(1, 5)):
                buf[rng.randrange(len(buf))] = rng.getrandbits(8)
            yield bytes(buf)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_junk(server, seed):
    for payload in junk_payloads(seed, 40):
        with server.raw(timeout=5) as c:
            try:
                c.send(payload)
                c.sock.shutdown(socket.SHUT_WR)
                c.read_until_closed(timeout=5)
            except (ConnectionError, BrokenPipeError):
                pass
        assert server.alive(), f"server died on junk {payload[:100]!r}\n" + server.output()[-3000:]
    assert_alive(server)


def test_many_connections_open_and_close(server):
    conns = [server.raw() for _ in range(200)]
    for i, c in enumerate(conns):
        c.send_command("ECHO", str(i))
    for i, c in enumerate(conns):
        assert c.read_reply() == str(i).encode()
        c.close()
    assert_alive(server)


# --------------------------------------------------------------------------------------------
# RESP3
# --------------------------------------------------------------------------------------------

def test_resp3_reply_types(r3):
    assert r3.call_raw("SET", "k", "v") == b"+OK\r\n"
    assert r3.call_raw("GET", "nokey") == b"_\r\n"
    assert r3.call_raw("MGET", "k", "nokey") == b"*2\r\n$1\r\nv\r\n_\r\n"
    assert r3.call_raw("SET", "k", "w", "NX") == b"_\r\n"
    assert r3.call_raw("INCRBYFLOAT", "f", "1.5") == b"$3\r\n1.5\r\n"  # still a bulk string
    assert r3.call_raw("EXISTS", "k") == b":1\r\n"
    assert r3.call_raw("OBJECT", "ENCODING", "nokey") == b"_\r\n"
    assert r3.call_raw("LCS", "k", "nokey", "IDX") == (
        b"%2\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n")
    assert r3.call_raw("SCAN", "0", "MATCH", "nomatch*") == b"*2\r\n$1\r\n0\r\n*0\r\n"
    assert r3.call_raw("GETEX", "nokey") == b"_\r\n"
    assert r3.call_raw("GETDEL", "nokey") == b"_\r\n"
    assert r3.call_raw("SET", "k", "v2", "GET") == b"$1\r\nv\r\n"
    assert r3.call_raw("NOSUCH") == b"-ERR unknown command 'NOSUCH', with args beginning with: \r\n"


def test_resp3_config_get_map(r3):
    assert r3.call_raw("CONFIG", "GET", "maxmemory") == (
        b"%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n")


def test_resp3_command_info_sets(r3):
    raw_reply = r3.call_raw("COMMAND", "INFO", "get")
    assert raw_reply.startswith(b"*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~2\r\n+readonly\r\n+fast\r\n"
                                b":1\r\n:1\r\n:1\r\n~3\r\n+@read\r\n+@string\r\n+@fast\r\n")


def test_resp3_hello_then_back(raw):
    raw.call("HELLO", "3")
    assert raw.call_raw("GET", "nokey") == b"_\r\n"
    raw.call("HELLO", "2")
    assert raw.call_raw("GET", "nokey") == b"$-1\r\n"
    assert raw.call_raw("MGET", "nokey") == b"*1\r\n$-1\r\n"


# --------------------------------------------------------------------------------------------
# Limits for unauthenticated clients (requirepass)
# --------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def auth_server(tmp_path_factory):
    srv = helpers.start_server(["--requirepass", "secret"],
                               cwd=tmp_path_factory.mktemp("auth"))
    srv.password = "secret"
    yield srv
    srv.stop_and_check()


def test_unauthenticated_multibulk_limit(auth_server):
    expect_error_and_close(auth_server, b"*11\r\n",
                           "ERR Protocol error: unauthenticated multibulk length")
    expect_error_and_close(auth_server, b"*2000\r\n",
                           "ERR Protocol error: unauthenticated multibulk length")
    with auth_server.raw() as c:
        # 10 is still allowed (the command is refused with NOAUTH, connection stays)
        c.send(encode_command("DEL", *["x"] * 9))
        assert c.read_reply() == E("NOAUTH Authentication required.")
        # unknown-command and arity checks come before the authentication check
        assert c.call("ECHO", "a", "b") == E("ERR wrong number of arguments for 'echo' command")
        assert c.call("NOSUCH") == E("ERR unknown command 'NOSUCH', with args beginning with: ")
        c.send_command("PING")
        assert c.read_reply() == E("NOAUTH Authentication required.")


def test_unauthenticated_bulk_limit(auth_server):
    expect_error_and_close(auth_server, b"*1\r\n$16385\r\n",
                           "ERR Protocol error: unauthenticated bulk length")
    expect_error_and_close(auth_server, b"*1\r\n$100000\r\n",
                           "ERR Protocol error: unauthenticated bulk length")
    with auth_server.raw() as c:
        c.send(encode_command("ECHO", "y" * 16384))
        assert c.read_reply() == E("NOAUTH Authentication required.")


def test_authenticated_client_has_no_small_limits(auth_server):
    with auth_server.raw() as c:
        assert c.call("AUTH", "secret") == b"OK"
        args = [f"k{i}" for i in range(100)]
        assert c.call("DEL", *args) == 0
        assert c.call("ECHO", "z" * 100000) == b"z" * 100000
