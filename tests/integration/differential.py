"""The harness shared by the differential tests (test_differential*.py).

A `Stream` holds one raw connection to Debian's redis-server (the reference) and one to the
server under test (the `pair` fixture of conftest.py), sends both the same seeded commands and
compares the replies. Each family keeps in its own file what is its own: the generator, the
equivalence rule for replies whose order Redis leaves open, the handlers of random commands
(SPOP, SRANDMEMBER, HRANDFIELD, ZRANDMEMBER, ...) and the checks of the final state.

Deterministic commands are pipelined in batches of BATCH and their raw reply bytes must be
equal (or equivalent under the family's rule). A generator returns either a command (a list of
str/bytes) or a pair (kind, command): kind "batch" is an ordinary command, any other kind runs
alone, outside the batches, through the Stream method of that name (a family subclasses
Stream for those). Every failure names the seed, the index of the command in the stream, the
protocol, the command, both replies and the commands that preceded it.
"""

import pytest

import helpers
from helpers import RespError, encode_command

BATCH = 64
CONTEXT = 12          # preceding commands shown in a failure
ARG_LIMIT = 200       # characters shown of one command argument
REPLY_LIMIT = 1000    # characters shown of a raw reply (the first difference is shown apart)
CONTEXT_LIMIT = 300   # characters shown of a preceding reply


def same_bytes(cmd, a_raw, b_raw):
    """The default equivalence: raw replies equal byte for byte."""
    return a_raw == b_raw


def pipeline(conn, cmds):
    """Send cmds in one write and return their raw replies."""
    conn.send(b"".join(encode_command(*c) for c in cmds))
    return [conn.read_reply_raw() for _ in cmds]


def clip(value, limit):
    """repr(value), cut after `limit` characters."""
    if isinstance(value, (bytes, str)) and len(value) > limit:
        unit = "bytes" if isinstance(value, bytes) else "characters"
        return f"{repr(value[:limit])[:limit]}... ({len(value)} {unit})"
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}..."


def show_command(cmd):
    return "[" + ", ".join(clip(arg, ARG_LIMIT) for arg in cmd) + "]"


def show_reply(value):
    """A reply in a failure message: raw bytes cut after REPLY_LIMIT characters, parsed values
    (random commands, full scans) whole."""
    return clip(value, REPLY_LIMIT) if isinstance(value, bytes) else repr(value)


def first_difference(a, b):
    """For raw replies too long to show whole: where they first differ, with a window of each."""
    if not (isinstance(a, bytes) and isinstance(b, bytes)) or (
            clip(a, REPLY_LIMIT) == repr(a) and clip(b, REPLY_LIMIT) == repr(b)):
        return ""
    i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    lo = max(0, i - 40)
    return (f"first difference at byte {i} (of {len(a)} / {len(b)}):\n"
            f"  redis[{lo}:]: {a[lo:i + 80]!r}\n"
            f"  sable[{lo}:]: {b[lo:i + 80]!r}\n")


class Stream:
    """One seeded stream over both servers; use it as a context manager.

    setup:    commands run on both servers after FLUSHALL (before HELLO 3); their replies must
              be equal and not errors. They are neither counted nor recorded in the history.
    restore:  commands run on both servers at the end, even after a failure (config resets).
    equivalent(cmd, a_raw, b_raw): the family's rule for replies that are not byte-equal.
    mutate(index, raw reply) -> raw reply: alters the tested server's batch replies, for the
              harness self-tests.
    """

    def __init__(self, pair, seed, resp3=False, setup=(), restore=(), equivalent=same_bytes,
                 mutate=None):
        ref_srv, sut_srv = pair
        self.seed = seed
        self.resp3 = resp3
        self.equivalent = equivalent
        self.mutate = mutate
        self.restore = list(restore)
        self.history = []  # (command, raw reply of the reference or ("parsed", value))
        self.index = 0     # of the next command in the stream
        self.ref = ref_srv.raw(timeout=30)
        self.sut = sut_srv.raw(timeout=30)
        try:
            self._start(list(setup))
        except BaseException:
            self.close()
            raise

    def _start(self, setup):
        for conn in (self.ref, self.sut):
            assert conn.call("FLUSHALL") == b"OK"
        for start in range(0, len(setup), BATCH):
            chunk = setup[start:start + BATCH]
            for cmd, a, b in zip(chunk, pipeline(self.ref, chunk), pipeline(self.sut, chunk)):
                if a != b or a.startswith((b"-", b"!")):
                    self.fail("setup differs or fails", cmd, a, b)
        if self.resp3:
            for conn in (self.ref, self.sut):
                hello = conn.call("HELLO", "3")
                assert isinstance(hello, helpers.Map) and hello[b"proto"] == 3, hello

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            for conn in (self.ref, self.sut):
                for cmd in self.restore:
                    try:
                        conn.call(*cmd)
                    except OSError:
                        break
        finally:
            self.close()

    def close(self):
        self.ref.close()
        self.sut.close()

    # ---- comparing -----------------------------------------------------------------------

    def fail(self, what, cmd, a, b):
        context = "\n".join(f"  {show_command(c)} -> {clip(rep, CONTEXT_LIMIT)}"
                            for c, rep in self.history[-CONTEXT:])
        pytest.fail(f"{what} (seed={self.seed}, index={self.index}, resp3={self.resp3})\n"
                    f"command:   {show_command(cmd)}\n"
                    f"redis:     {show_reply(a)}\n"
                    f"sable:     {show_reply(b)}\n"
                    f"{first_difference(a, b)}"
                    f"preceding commands (with redis replies):\n{context}")

    def run_batch(self, cmds, checks=None):
        """Pipeline cmds to both servers; every reply pair must be equal or equivalent.

        checks: optional per-command equivalence functions (None: the stream's own).
        """
        if not cmds:
            return
        ref_replies = pipeline(self.ref, cmds)
        sut_replies = pipeline(self.sut, cmds)
        for i, (cmd, a, b) in enumerate(zip(cmds, ref_replies, sut_replies)):
            if self.mutate:
                b = self.mutate(self.index, b)
            same = (checks[i] if checks and checks[i] else self.equivalent)
            if a != b and not same(cmd, a, b):
                self.fail("mismatch", cmd, a, b)
            self.history.append((cmd, a))
            self.index += 1

    def run(self, n, next_command, after_batch=None):
        """Run n generated commands: batches, and the special kinds through their methods.

        after_batch(): called after each non-empty batch (it may run commands of its own).
        """
        batch = []

        def flush():
            if batch:
                self.run_batch(batch)
                batch.clear()
                if after_batch:
                    after_batch()

        for _ in range(n):
            item = next_command()
            kind, cmd = item if isinstance(item, tuple) else ("batch", item)
            if kind == "batch":
                batch.append(cmd)
                if len(batch) >= BATCH:
                    flush()
                continue
            flush()
            getattr(self, kind)(cmd)
            self.index += 1
        flush()
        return self.history

    def check_final(self, cmds, what="final state differs"):
        """The final state: each command's raw replies must be equal or equivalent."""
        for cmd in cmds:
            a, b = self.ref.call_raw(*cmd), self.sut.call_raw(*cmd)
            if a != b and not self.equivalent(cmd, a, b):
                self.fail(what, cmd, a, b)

    # ---- commands outside the batches -----------------------------------------------------

    def both(self, *cmd):
        """Parsed replies of both servers to cmd (not recorded)."""
        return self.ref.call(*cmd), self.sut.call(*cmd)

    def exchange(self, cmd):
        """Parsed replies of both servers to a stream command, recorded in the history."""
        a, b = self.both(*cmd)
        self.history.append((cmd, ("parsed", a)))
        return a, b

    def errors_checked(self, cmd, a, b):
        """True if either reply is an error (then both must be the same error)."""
        if isinstance(a, RespError) or isinstance(b, RespError):
            if a != b:
                self.fail("error mismatch", cmd, a, b)
            return True
        return False

    def full_scan(self, name, key, opts, pairs):
        """A whole HSCAN/SSCAN/ZSCAN iteration on each side: the members (pairs=False) or the
        field/member -> value/score pairs (pairs=True) it returns must be the same."""
        results = []
        for conn in (self.ref, self.sut):
            seen, cursor, calls = ({} if pairs else set()), b"0", 0
            while True:
                reply = conn.call(name, key, cursor, *opts)
                if isinstance(reply, RespError):
                    seen = reply
                    break
                cursor, items = reply
                if pairs:
                    seen.update(zip(items[::2], items[1::2]))
                else:
                    seen |= set(items)
                calls += 1
                if cursor == b"0" or calls > 100000:
                    break
            results.append(seen)
        self.history.append(([name, key, "(full)"] + list(opts), ("parsed", results[0])))
        if results[0] != results[1]:
            self.fail(f"{name.lower()} full iteration differs", [name, key] + list(opts),
                      *results)


# ---- shared checks of the tests themselves ------------------------------------------------

def assert_reports_first_mismatch(run_stream, pair, seed, n, bad):
    """Harness self-test: corrupting the tested server's replies at the indexes `bad` must fail
    the stream at the first of them, with its seed, index, command, both replies and the
    commands before it."""
    def corrupt(index, reply):
        return b":12345\r\n" if index in bad else reply
    with pytest.raises(pytest.fail.Exception, match=rf"seed={seed}, index={min(bad)},") as e:
        run_stream(pair, seed, n, mutate=corrupt)
    message = str(e.value)
    assert "\ncommand:   [" in message and "\nredis:     b'" in message, message
    assert "\nsable:     b':12345\\r\\n'\n" in message, message
    context = message.split("preceding commands (with redis replies):\n")[1].splitlines()
    assert len(context) == CONTEXT, message


def assert_deterministic(make_generator, seed, n=500):
    a, b = make_generator(seed), make_generator(seed)
    assert [a.command() for _ in range(n)] == [b.command() for _ in range(n)]
