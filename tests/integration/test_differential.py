"""Differential test: the same seeded random command stream goes to Debian's redis-server and
to the server under test; the raw reply bytes must be identical.

Only timing-dependent replies are compared loosely (TTL/PTTL/EXPIRETIME/PEXPIRETIME within a
tolerance) and only unordered ones are normalised (KEYS is sorted). Everything else — error
texts, integer vs bulk, float formatting, nil vs empty — must match byte for byte.

Timing is kept out of the results: relative TTLs are multiples of 1000 s, absolute ones are
T0 + k*1000 s + 500 s (never equal to a relative one while the run lasts < 500 s), GT/LT are
used only with absolute times, and "past" times are far in the past. When SABLE_SERVER is
redis-server itself the test still runs (both sides are Redis), which validates the harness.
"""

import random
import time

import pytest

from differential import Stream, assert_deterministic, assert_reports_first_mismatch
from helpers import parse_reply

COMMANDS_PER_SEED = 3000

KEYS = [f"k{i}" for i in range(7)]
VALUES = ["0", "1", "-1", "42", "007", "9223372036854775807", "-9223372036854775808",
          "9223372036854775806", "1.5", "0.1", "-2.5e3", "3.0", "1e308", "inf", "abc", "",
          "hello world", "x" * 50, "\x00\xff\r\n", " 12", "12 ", "ohmytext", "mynewtext",
          "3.14159265358979323846"]
INCRS = ["1", "-1", "100", "-100", "0", "abc", "9223372036854775807",
         "-9223372036854775808", "1.5", ""]
FLOAT_INCRS = ["1.5", "-0.25", "1e3", "0.1", "5.0e3", "-1e308", "1e308", "abc", "inf", "nan",
               "3", "-3.0", "1.23456789012345678", "0"]
REL_SECONDS = ["1000", "2000", "5000", "9000", "0", "-1", "abc", "9223372036854775807"]
REL_MILLIS = ["1000000", "3000000", "7000000", "0", "-5", "1.5"]
RANGES = ["0", "-1", "1", "2", "-3", "5", "100", "-100", "abc"]
DBS = ["0", "1", "2"]


class Generator:
    def __init__(self, seed, t0):
        self.rng = random.Random(seed)
        self.t0 = t0

    def key(self):
        return self.rng.choice(KEYS)

    def value(self):
        return self.rng.choice(VALUES)

    def abs_seconds(self):
        c = self.rng.random()
        if c < 0.15:
            return self.rng.choice(["1", "100", "0", "-5", "abc"])  # past or invalid
        return str(self.t0 + 1000 * self.rng.randint(1, 9) + 500)

    def abs_millis(self):
        c = self.rng.random()
        if c < 0.15:
            return self.rng.choice(["1", "5000", "0", "-1"])
        return str((self.t0 + 1000 * self.rng.randint(1, 9) + 500) * 1000)

    def set_cmd(self):
        rng = self.rng
        args = ["SET", self.key(), self.value()]
        opts = []
        c = rng.random()
        if c < 0.15:
            opts.append("NX")
        elif c < 0.3:
            opts.append("XX")
        if rng.random() < 0.25:
            opts.append("GET")
        c = rng.random()
        if c < 0.15:
            opts += ["EX", rng.choice(REL_SECONDS)]
        elif c < 0.25:
            opts += ["PX", rng.choice(REL_MILLIS)]
        elif c < 0.32:
            opts += ["EXAT", self.abs_seconds()]
        elif c < 0.38:
            opts += ["PXAT", self.abs_millis()]
        elif c < 0.46:
            opts.append("KEEPTTL")
        if rng.random() < 0.05:  # conflicting or bogus options
            opts.append(rng.choice(["NX", "XX", "KEEPTTL", "EX", "FOO", "GET"]))
        if rng.random() < 0.1:
            rng.shuffle(opts)
        return args + opts

    def expire_cmd(self):
        rng = self.rng
        c = rng.random()
        if c < 0.3:
            cmd = ["EXPIRE", self.key(), rng.choice(REL_SECONDS)]
            if rng.random() < 0.3:
                cmd.append(rng.choice(["NX", "XX"]))
        elif c < 0.5:
            cmd = ["PEXPIRE", self.key(), rng.choice(REL_MILLIS)]
            if rng.random() < 0.3:
                cmd.append(rng.choice(["NX", "XX"]))
        elif c < 0.75:
            cmd = ["EXPIREAT", self.key(), self.abs_seconds()]
            if rng.random() < 0.5:
                cmd.append(rng.choice(["NX", "XX", "GT", "LT"]))
        else:
            cmd = ["PEXPIREAT", self.key(), self.abs_millis()]
            if rng.random() < 0.5:
                cmd.append(rng.choice(["NX", "XX", "GT", "LT"]))
        if rng.random() < 0.04:
            cmd.append(rng.choice(["GT", "LT", "NX", "BOGUS"]))
        return cmd

    def getex_cmd(self):
        rng = self.rng
        c = rng.random()
        cmd = ["GETEX", self.key()]
        if c < 0.2:
            cmd += ["EX", rng.choice(REL_SECONDS)]
        elif c < 0.35:
            cmd += ["PX", rng.choice(REL_MILLIS)]
        elif c < 0.5:
            cmd += ["EXAT", self.abs_seconds()]
        elif c < 0.6:
            cmd += ["PXAT", self.abs_millis()]
        elif c < 0.8:
            cmd.append("PERSIST")
        if rng.random() < 0.05:
            cmd.append(rng.choice(["PERSIST", "EX", "FOO"]))
        return cmd

    def lcs_cmd(self):
        rng = self.rng
        cmd = ["LCS", self.key(), self.key()]
        c = rng.random()
        if c < 0.25:
            cmd.append("LEN")
        elif c < 0.6:
            cmd.append("IDX")
            if rng.random() < 0.5:
                cmd += ["MINMATCHLEN", rng.choice(["0", "1", "2", "4", "-1", "abc"])]
            if rng.random() < 0.5:
                cmd.append("WITHMATCHLEN")
        if rng.random() < 0.03:
            cmd.append(rng.choice(["LEN", "IDX", "FOO"]))
        return cmd

    def command(self):
        rng = self.rng
        k = self.key
        table = [
            (14, self.set_cmd),
            (8, lambda: ["GET", k()]),
            (2, lambda: ["GETSET", k(), self.value()]),
            (2, lambda: ["GETDEL", k()]),
            (3, self.getex_cmd),
            (2, lambda: ["SETNX", k(), self.value()]),
            (2, lambda: ["SETEX", k(), rng.choice(REL_SECONDS), self.value()]),
            (1, lambda: ["PSETEX", k(), rng.choice(REL_MILLIS), self.value()]),
            (3, lambda: ["MSET"] + sum([[k(), self.value()] for _ in range(rng.randint(1, 3))],
                                       [])),
            (2, lambda: ["MSETNX"] + sum([[k(), self.value()] for _ in
                                          range(rng.randint(1, 3))], [])),
            (3, lambda: ["MGET"] + [k() for _ in range(rng.randint(1, 4))]),
            (4, lambda: ["APPEND", k(), rng.choice(["", "x", "12", "abc", "\x00"])]),
            (3, lambda: ["STRLEN", k()]),
            (4, lambda: ["INCR", k()]),
            (3, lambda: ["DECR", k()]),
            (3, lambda: ["INCRBY", k(), rng.choice(INCRS)]),
            (3, lambda: ["DECRBY", k(), rng.choice(INCRS)]),
            (4, lambda: ["INCRBYFLOAT", k(), rng.choice(FLOAT_INCRS)]),
            (3, lambda: ["GETRANGE", k(), rng.choice(RANGES), rng.choice(RANGES)]),
            (1, lambda: ["SUBSTR", k(), rng.choice(RANGES), rng.choice(RANGES)]),
            (3, lambda: ["SETRANGE", k(), rng.choice(["0", "1", "3", "10", "60", "-1", "abc"]),
                         rng.choice(["", "Z", "hello", "123"])]),
            (3, self.lcs_cmd),
            (3, lambda: ["DEL"] + [k() for _ in range(rng.randint(1, 3))]),
            (1, lambda: ["UNLINK"] + [k() for _ in range(rng.randint(1, 3))]),
            (3, lambda: ["EXISTS"] + [k() for _ in range(rng.randint(1, 4))]),
            (1, lambda: ["TOUCH"] + [k() for _ in range(rng.randint(1, 3))]),
            (2, lambda: ["TYPE", k()]),
            (2, lambda: ["RENAME", k(), k()]),
            (2, lambda: ["RENAMENX", k(), k()]),
            (2, lambda: ["COPY", k(), k()] + rng.choice(
                [[], ["REPLACE"], ["DB", rng.choice(DBS)], ["DB", rng.choice(DBS), "REPLACE"],
                 ["DB", "16"], ["FOO"]])),
            (2, lambda: ["MOVE", k(), rng.choice(DBS + ["16", "abc"])]),
            (2, lambda: ["SELECT", rng.choice(DBS + DBS + ["16", "-1"])]),
            (1, lambda: ["SWAPDB", rng.choice(DBS), rng.choice(DBS)]),
            (2, lambda: ["DBSIZE"]),
            (1, lambda: ["KEYS", rng.choice(["*", "k[0-3]", "k?", "*1*", "nomatch"])]),
            (6, self.expire_cmd),
            (3, lambda: ["TTL", k()]),
            (3, lambda: ["PTTL", k()]),
            (2, lambda: ["EXPIRETIME", k()]),
            (2, lambda: ["PEXPIRETIME", k()]),
            (3, lambda: ["PERSIST", k()]),
            (1, lambda: ["ECHO", self.value()]),
            (1, lambda: ["PING"]),
            (1, lambda: rng.choice([["GET"], ["SET", k()], ["INCRBY", k()], ["LCS", k()],
                                    ["EXPIRE", k()], ["NOSUCHCMD", k()], ["TTL"],
                                    ["MSET", k()], ["GETEX"], ["COPY", k()]])),
        ]
        # rare but disruptive
        if rng.random() < 0.002:
            return ["FLUSHDB"] if rng.random() < 0.5 else ["FLUSHALL", "ASYNC"]
        weights = [w for w, _ in table]
        return rng.choices(table, weights=weights)[0][1]()


TTL_TOLERANCE = {b"TTL": 3, b"PTTL": 3000, b"EXPIRETIME": 3, b"PEXPIRETIME": 3000}


def equivalent(cmd, a_raw, b_raw):
    if a_raw == b_raw:
        return True
    name = cmd[0].upper().encode() if isinstance(cmd[0], str) else cmd[0].upper()
    a, _ = parse_reply(a_raw)
    b, _ = parse_reply(b_raw)
    if name in TTL_TOLERANCE and isinstance(a, int) and isinstance(b, int):
        if a >= 0 and b >= 0:
            return abs(a - b) <= TTL_TOLERANCE[name]
        return False
    if name == b"KEYS" and isinstance(a, list) and isinstance(b, list):
        return sorted(a) == sorted(b) and a_raw[:a_raw.index(b"\r\n")] == b_raw[
            :b_raw.index(b"\r\n")]
    return False


def run_stream(pair, seed, n, resp3=False, mutate=None):
    gen = Generator(seed, int(time.time()))
    with Stream(pair, seed, resp3, equivalent=equivalent, mutate=mutate) as s:
        s.run(n, gen.command)
        # the final state must agree too: every db, every key, value and TTL class
        for db in DBS:
            s.both("SELECT", db)
            s.check_final([cmd for key in KEYS for cmd in (["GET", key], ["TYPE", key],
                                                           ["TTL", key])],
                          what=f"final state differs in db {db}")
        return s.history


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6, 7, 8])
def test_differential_resp2(pair, seed):
    history = run_stream(pair, seed, COMMANDS_PER_SEED)
    # the stream must actually exercise errors and data, not only nils
    replies = [rep for _, rep in history]
    assert sum(rep.startswith(b"-") for rep in replies) > 50
    assert sum(rep.startswith(b"$") and rep != b"$-1\r\n" for rep in replies) > 300
    assert sum(rep.startswith(b":") for rep in replies) > 300


def test_differential_resp3(pair):
    history = run_stream(pair, 101, COMMANDS_PER_SEED, resp3=True)
    assert any(rep == b"_\r\n" for _, rep in history)
    assert any(rep.startswith(b"%") for _, rep in history)  # LCS IDX is a map in RESP3


def test_generator_is_deterministic():
    assert_deterministic(lambda seed: Generator(seed, 1000), 7)


def test_harness_reports_first_mismatch(pair):
    assert_reports_first_mismatch(run_stream, pair, seed=9, n=300, bad=(150, 170))


def test_equivalence_rules():
    assert equivalent(["TTL", "k"], b":1000\r\n", b":999\r\n")
    assert not equivalent(["TTL", "k"], b":-1\r\n", b":999\r\n")
    assert not equivalent(["TTL", "k"], b":-1\r\n", b":-2\r\n")
    assert not equivalent(["GET", "k"], b"$1\r\n1\r\n", b":1\r\n")
    assert equivalent(["KEYS", "*"], b"*2\r\n$1\r\na\r\n$1\r\nb\r\n",
                      b"*2\r\n$1\r\nb\r\n$1\r\na\r\n")
    assert not equivalent(["KEYS", "*"], b"*2\r\n$1\r\na\r\n$1\r\nb\r\n",
                          b"~2\r\n$1\r\nb\r\n$1\r\na\r\n")
    assert not equivalent(["INCR", "k"], b"-ERR value is not an integer or out of range\r\n",
                          b"-ERR value is not an integer\r\n")
