"""Differential test for the set family: seeded random set-command streams go to Debian's
redis-server and to the server under test (the harness of differential.py).

Deterministic replies (counts, membership, errors, OBJECT ENCODING, SINTERCARD, *STORE) must
match byte for byte. Replies whose order Redis leaves unspecified (SMEMBERS SINTER SUNION SDIFF)
are compared sorted, with the same aggregate type (RESP2 array / RESP3 set). Random ones run
outside the pipelined batches: SRANDMEMBER is checked for shape and membership; SPOP for shape,
membership and the server's own consistency, after which both servers get the same rebuilt key
(the reference's remaining members) so the streams stay comparable. SSCAN is compared as the
set of members a full iteration returns. The stream also moves set-max-intset-entries around so
that conversions happen, and OBJECT ENCODING is compared exactly.
"""

import random

import pytest

from differential import Stream, assert_deterministic, assert_reports_first_mismatch
from helpers import RespSet, encode_command, parse_reply

COMMANDS_PER_SEED = 3000

KEYS = ["s0", "s1", "s2", "s3", "s4", "str"]
SET_KEYS = KEYS[:5]
INTS = ["0", "1", "-1", "2", "3", "7", "42", "100", "255", "256", "32767", "-32768", "32768",
        "-32769", "65535", "2147483647", "-2147483648", "2147483648", "4294967296",
        "9223372036854775807", "-9223372036854775808", "12", "13", "14", "15", "16"]
STRS = ["a", "b", "c", "foo", "bar", "", "007", "+1", " 1", "1.5", "-0",
        "9223372036854775808", "x" * 30, "\x00bin", "member:0000001", "y" * 300]
PATTERNS = ["*", "1*", "*2*", "[ab]*", "?", "-*", "nomatch", "m*"]
UNORDERED = {"SMEMBERS", "SINTER", "SUNION", "SDIFF"}


class SetGenerator:
    def __init__(self, seed):
        self.rng = random.Random(seed)

    def key(self):
        # mostly set keys; sometimes the string key (WRONGTYPE) or a missing one
        c = self.rng.random()
        if c < 0.06:
            return "str"
        if c < 0.10:
            return "missing"
        return self.rng.choice(SET_KEYS)

    def member(self, key=None):
        # s0 and s1 get (almost) only integers, so intsets live long enough to matter
        p_int = 0.97 if key in ("s0", "s1") else 0.7
        return self.rng.choice(INTS) if self.rng.random() < p_int else self.rng.choice(STRS)

    def members(self, key=None, lo=1, hi=5):
        return [self.member(key) for _ in range(self.rng.randint(lo, hi))]

    def sadd(self):
        key = self.key()
        return ["SADD", key] + self.members(key)

    def keys(self, lo=1, hi=4):
        return [self.key() for _ in range(self.rng.randint(lo, hi))]

    def count(self):
        return self.rng.choice(["0", "1", "2", "3", "5", "10", "40", "-1", "-3", "-20", "abc",
                                "1.5", "-9223372036854775808", "9223372036854775807"])

    def sintercard(self):
        rng = self.rng
        keys = self.keys()
        numkeys = str(len(keys))
        if rng.random() < 0.1:
            numkeys = rng.choice(["0", "-1", "abc", str(len(keys) + 1)])
        cmd = ["SINTERCARD", numkeys] + keys
        c = rng.random()
        if c < 0.4:
            cmd += ["LIMIT", rng.choice(["0", "1", "2", "5", "-1", "x"])]
        elif c < 0.45:
            cmd += [rng.choice(["LIMIT", "FOO"])]
        return cmd

    def command(self):
        """Returns (kind, cmd): kind is "batch" (deterministic) or a special handler name."""
        rng, k = self.rng, self.key
        table = [
            (14, lambda: ("batch", self.sadd())),
            (2, lambda: ("batch", ["SADD", k()] + rng.sample(INTS, rng.randint(5, 20)))),
            (7, lambda: ("batch", ["SREM", k()] + self.members())),
            (4, lambda: ("batch", ["SISMEMBER", k(), self.member()])),
            (3, lambda: ("batch", ["SMISMEMBER", k()] + self.members())),
            (4, lambda: ("batch", ["SCARD", k()])),
            (4, lambda: ("batch", ["SMEMBERS", k()])),
            (4, lambda: ("batch", ["SMOVE", k(), k(), self.member()])),
            (3, lambda: ("batch", ["SINTER"] + self.keys())),
            (3, lambda: ("batch", self.sintercard())),
            (3, lambda: ("batch", ["SINTERSTORE", k()] + self.keys())),
            (3, lambda: ("batch", ["SUNION"] + self.keys())),
            (3, lambda: ("batch", ["SUNIONSTORE", k()] + self.keys())),
            (3, lambda: ("batch", ["SDIFF"] + self.keys())),
            (3, lambda: ("batch", ["SDIFFSTORE", k()] + self.keys())),
            (5, lambda: ("batch", ["OBJECT", "ENCODING", k()])),
            (1, lambda: ("batch", ["TYPE", k()])),
            (1, lambda: ("batch", ["DEL", k()])),
            (1, lambda: ("batch", ["SET", "str", "x"])),
            (1, lambda: ("batch", rng.choice([
                ["SADD", k()], ["SREM"], ["SCARD"], ["SMOVE", k(), k()], ["SINTERCARD", "1"],
                ["SPOP", k(), "1", "2"], ["SRANDMEMBER", k(), "1", "x"], ["SSCAN", k()],
                ["SSCAN", k(), "x"], ["SSCAN", k(), "0", "COUNT", "0"],
                ["SSCAN", k(), "0", "MATCH"], ["SISMEMBER", k()]]))),
            (4, lambda: ("spop", ["SPOP", k()] + ([self.count()] if rng.random() < 0.6 else []))),
            (4, lambda: ("srandmember", ["SRANDMEMBER", k()] +
                         ([self.count()] if rng.random() < 0.7 else []))),
            (3, lambda: ("sscan", [k()] + self.scan_opts())),
        ]
        if rng.random() < 0.01:
            return ("batch", ["CONFIG", "SET", "set-max-intset-entries",
                              rng.choice(["512"] * 5 + ["4", "16", "0", "1", "100"])])
        weights = [w for w, _ in table]
        return rng.choices(table, weights=weights)[0][1]()

    def scan_opts(self):
        rng = self.rng
        opts = []
        if rng.random() < 0.5:
            opts += ["MATCH", rng.choice(PATTERNS)]
        if rng.random() < 0.5:
            opts += ["COUNT", rng.choice(["1", "3", "10", "100"])]
        return opts


def kind_of(reply):
    return type(reply).__name__


def equivalent(cmd, a_raw, b_raw):
    if a_raw == b_raw:
        return True
    if cmd[0].upper() not in UNORDERED:
        return False
    a, _ = parse_reply(a_raw)
    b, _ = parse_reply(b_raw)
    return (isinstance(a, list) and isinstance(b, list) and kind_of(a) == kind_of(b)
            and sorted(a) == sorted(b))


class SetStream(Stream):
    """The set family's commands that run outside the batches."""

    def members_of(self, conn, key):
        reply = conn.call("SMEMBERS", key)
        return sorted(reply) if isinstance(reply, list) else reply

    def srandmember(self, cmd):
        before = self.members_of(self.ref, cmd[1])
        a, b = self.exchange(cmd)
        if self.errors_checked(cmd, a, b):
            return
        if len(cmd) == 2 or not isinstance(a, list):
            if (a is None) != (b is None) or (b is not None and not isinstance(before, list)):
                self.fail("srandmember shape", cmd, a, b)
            if isinstance(before, list) and b is not None and b not in before:
                self.fail("srandmember non-member", cmd, a, b)
            return
        if not isinstance(b, list) or kind_of(a) != kind_of(b) or len(a) != len(b):
            self.fail("srandmember shape", cmd, a, b)
        if isinstance(before, list) and not set(b) <= set(before):
            self.fail("srandmember non-member", cmd, a, b)
        if int(cmd[2]) > 0 and len(set(b)) != len(b):
            self.fail("srandmember repeated members with a positive count", cmd, a, b)

    def spop(self, cmd):
        key = cmd[1]
        ref_before = self.members_of(self.ref, key)
        sut_before = self.members_of(self.sut, key)
        a, b = self.exchange(cmd)
        if self.errors_checked(cmd, a, b):
            return
        popped_b = [] if b is None else ([b] if isinstance(b, bytes) else list(b))
        if isinstance(a, list):
            if not isinstance(b, list) or kind_of(a) != kind_of(b) or len(a) != len(b):
                self.fail("spop shape", cmd, a, b)
        elif (a is None) != (b is None):
            self.fail("spop shape", cmd, a, b)
        if isinstance(sut_before, list):
            if len(set(popped_b)) != len(popped_b) or not set(popped_b) <= set(sut_before):
                self.fail("spop popped non-members", cmd, a, b)
            after = self.members_of(self.sut, key)
            expect = sorted(set(sut_before) - set(popped_b))
            if (after if isinstance(after, list) else []) != expect:
                self.fail("spop left an inconsistent set", cmd, expect, after)
        # Resync: both servers get the reference's remaining members, rebuilt the same way.
        remaining = self.members_of(self.ref, key)
        if isinstance(ref_before, list) and isinstance(remaining, list):
            for conn in (self.ref, self.sut):
                conn.call("DEL", key)
                if remaining:
                    conn.call("SADD", key, *remaining)

    def sscan(self, args):
        self.full_scan("SSCAN", args[0], args[1:], pairs=False)


def run_stream(pair, seed, n, resp3=False, mutate=None):
    gen = SetGenerator(seed)
    intset_default = ["CONFIG", "SET", "set-max-intset-entries", "512"]
    with SetStream(pair, seed, resp3, setup=[intset_default], restore=[intset_default],
                   equivalent=equivalent, mutate=mutate) as s:
        s.run(n, gen.command)
        # the final state must agree: type, members, encoding of every key
        s.check_final([cmd for key in KEYS + ["missing"]
                       for cmd in (["TYPE", key], ["SMEMBERS", key], ["OBJECT", "ENCODING", key],
                                   ["SCARD", key])])
        return s.history


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_differential_sets_resp2(pair, seed):
    history = run_stream(pair, seed, COMMANDS_PER_SEED)
    replies = [rep for _, rep in history]
    raw = [rep for rep in replies if isinstance(rep, bytes)]
    assert sum(rep.startswith(b"-") for rep in raw) > 30  # errors exercised
    assert sum(rep in (b"$6\r\nintset\r\n", b"$9\r\nhashtable\r\n") for rep in raw) > 50
    assert sum(rep.startswith(b"*") and not rep.startswith(b"*0\r\n") for rep in raw) > 100
    encodings = {rep for rep in raw if rep.startswith(b"$6\r\nintset") or
                 rep.startswith(b"$9\r\nhashtable")}
    assert len(encodings) == 2  # both encodings show up


def test_differential_sets_resp3(pair):
    history = run_stream(pair, 101, COMMANDS_PER_SEED, resp3=True)
    assert any(isinstance(rep, bytes) and rep.startswith(b"~") for _, rep in history)


def test_harness_reports_first_mismatch(pair):
    assert_reports_first_mismatch(run_stream, pair, seed=9, n=200, bad=(40, 90))


def test_set_generator_is_deterministic():
    assert_deterministic(SetGenerator, 3)


def test_unordered_equivalence():
    assert equivalent(["SMEMBERS", "k"], b"*2\r\n$1\r\na\r\n$1\r\nb\r\n",
                      b"*2\r\n$1\r\nb\r\n$1\r\na\r\n")
    assert not equivalent(["SMEMBERS", "k"], b"*2\r\n$1\r\na\r\n$1\r\nb\r\n",
                          b"~2\r\n$1\r\nb\r\n$1\r\na\r\n")
    assert not equivalent(["SCARD", "k"], b":1\r\n", b":2\r\n")
    assert not equivalent(["SUNION", "k"], b"*1\r\n$1\r\na\r\n", b"*1\r\n$1\r\nb\r\n")
    assert isinstance(parse_reply(b"~1\r\n$1\r\na\r\n")[0], RespSet)
    assert encode_command("SADD", "k", "a")  # harness helpers importable
