"""Differential test for the hash family: seeded random hash-command streams go to Debian's
redis-server and to the server under test (the harness of differential.py).

Deterministic replies (counts, values, errors, HINCRBYFLOAT's formatting, OBJECT ENCODING) must
match byte for byte. Replies whose order depends on the hash table (HKEYS HVALS HGETALL) are
compared as multisets / maps with the same aggregate type (RESP2 array / RESP3 map); for
listpack-encoded hashes the order is insertion order on both servers, so they usually match
byte for byte anyway. HRANDFIELD runs outside the pipelined batches and is checked for shape
and membership; HSCAN is compared as the pairs a full iteration returns. The stream also moves
hash-max-listpack-entries/-value around so that conversions happen.
"""

import random

import pytest

from differential import Stream, assert_deterministic, assert_reports_first_mismatch
from helpers import Map, encode_command, parse_reply

COMMANDS_PER_SEED = 3000

KEYS = ["h0", "h1", "h2", "h3", "h4", "str"]
HASH_KEYS = KEYS[:5]
FIELDS = ["a", "b", "c", "f1", "f2", "f3", "", "0", "1", "-1", "12", "007", "-0", "1.5",
          "9223372036854775807", "9223372036854775808", "\x00bin", "x" * 20, "field:long:" * 7]
VALUES = ["1", "0", "-5", "100", "007", "1.5", "-2.5e3", "abc", "", "9223372036854775807",
          "-9223372036854775808", "9223372036854775806", "3.0", "1e308", "inf", " 1",
          "x" * 30, "y" * 70, "\x00\xff\r\n", "0.1"]
INCRS = ["1", "-1", "5", "100", "-100", "0", "abc", "1.5", "", "9223372036854775807",
         "-9223372036854775808"]
FLOAT_INCRS = ["1.5", "-0.25", "1e3", "0.1", "abc", "inf", "nan", "3", "-3.0", "0",
               "1.23456789012345678", "1e308", "-1e308", "5.0e3"]
PATTERNS = ["*", "f*", "*1*", "[ab]", "?", "-*", "nomatch", "x*"]
UNORDERED = {"HKEYS", "HVALS", "HGETALL"}


class HashGenerator:
    def __init__(self, seed):
        self.rng = random.Random(seed)

    def key(self):
        c = self.rng.random()
        if c < 0.05:
            return "str"
        if c < 0.09:
            return "missing"
        return self.rng.choice(HASH_KEYS)

    def field(self):
        return self.rng.choice(FIELDS)

    def value(self):
        return self.rng.choice(VALUES)

    def pairs(self, lo=1, hi=4):
        out = []
        for _ in range(self.rng.randint(lo, hi)):
            out += [self.field(), self.value()]
        return out

    def many_pairs(self):
        # grows a hash past small entry limits
        n = self.rng.randint(5, 40)
        base = self.rng.randint(0, 100)
        return sum([[f"g{base + i}", str(i)] for i in range(n)], [])

    def command(self):
        """Returns (kind, cmd): kind is "batch" (deterministic) or a special handler name."""
        rng, k = self.rng, self.key
        table = [
            (14, lambda: ("batch", ["HSET", k()] + self.pairs())),
            (2, lambda: ("batch", ["HSET", k()] + self.many_pairs())),
            (2, lambda: ("batch", ["HMSET", k()] + self.pairs())),
            (4, lambda: ("batch", ["HSETNX", k(), self.field(), self.value()])),
            (7, lambda: ("batch", ["HGET", k(), self.field()])),
            (3, lambda: ("batch", ["HMGET", k()] + [self.field() for _ in range(rng.randint(1, 4))])),
            (6, lambda: ("batch", ["HDEL", k()] + [self.field() for _ in range(rng.randint(1, 4))])),
            (3, lambda: ("batch", ["HEXISTS", k(), self.field()])),
            (3, lambda: ("batch", ["HLEN", k()])),
            (3, lambda: ("batch", ["HSTRLEN", k(), self.field()])),
            (3, lambda: ("batch", ["HKEYS", k()])),
            (3, lambda: ("batch", ["HVALS", k()])),
            (4, lambda: ("batch", ["HGETALL", k()])),
            (5, lambda: ("batch", ["HINCRBY", k(), self.field(), rng.choice(INCRS)])),
            (5, lambda: ("batch", ["HINCRBYFLOAT", k(), self.field(), rng.choice(FLOAT_INCRS)])),
            (5, lambda: ("batch", ["OBJECT", "ENCODING", k()])),
            (1, lambda: ("batch", ["TYPE", k()])),
            (1, lambda: ("batch", ["DEL", k()])),
            (1, lambda: ("batch", ["SET", "str", "x"])),
            (1, lambda: ("batch", ["COPY", k(), k(), "REPLACE"])),
            (1, lambda: ("batch", rng.choice([
                ["HSET", k(), "f"], ["HSET", k()], ["HMSET", k(), "a", "1", "b"], ["HGET", k()],
                ["HSETNX", k(), "f"], ["HINCRBY", k(), "f"], ["HLEN"], ["HDEL", k()],
                ["HRANDFIELD", k(), "1", "x"], ["HRANDFIELD", k(), "x"],
                ["HRANDFIELD", k(), "-9223372036854775808"],
                ["HRANDFIELD", k(), "-9223372036854770000", "WITHVALUES"],
                ["HSCAN", k()], ["HSCAN", k(), "x"], ["HSCAN", k(), "0", "COUNT", "0"],
                ["HSCAN", k(), "0", "MATCH"], ["HSCAN", k(), "0", "TYPE", "hash"]]))),
            (5, lambda: ("hrandfield", self.hrandfield())),
            (3, lambda: ("hscan", [k()] + self.scan_opts())),
        ]
        if rng.random() < 0.012:
            name = rng.choice(["hash-max-listpack-entries", "hash-max-listpack-value",
                               "hash-max-ziplist-entries"])
            value = rng.choice(["512", "512", "64", "64", "0", "1", "4", "8", "16"])
            return ("batch", ["CONFIG", "SET", name, value])
        weights = [w for w, _ in table]
        return rng.choices(table, weights=weights)[0][1]()

    def hrandfield(self):
        rng = self.rng
        cmd = ["HRANDFIELD", self.key()]
        if rng.random() < 0.75:
            cmd.append(rng.choice(["0", "1", "2", "3", "5", "10", "100", "-1", "-3", "-20"]))
            if rng.random() < 0.5:
                cmd.append(rng.choice(["WITHVALUES", "withvalues"]))
        return cmd

    def scan_opts(self):
        rng = self.rng
        opts = []
        if rng.random() < 0.5:
            opts += ["MATCH", rng.choice(PATTERNS)]
        if rng.random() < 0.5:
            opts += ["COUNT", rng.choice(["1", "3", "10", "100"])]
        return opts


def pairs_of(reply):
    """HGETALL's pairs from a RESP2 array or a RESP3 map."""
    if isinstance(reply, Map):
        return sorted(reply.items())
    return sorted(zip(reply[::2], reply[1::2]))


def equivalent(cmd, a_raw, b_raw):
    if a_raw == b_raw:
        return True
    name = cmd[0].upper()
    if name not in UNORDERED:
        return False
    a, _ = parse_reply(a_raw)
    b, _ = parse_reply(b_raw)
    if type(a) is not type(b) or not isinstance(a, (list, Map)):
        return False
    if name == "HGETALL":
        return pairs_of(a) == pairs_of(b)
    return sorted(a) == sorted(b)


class HashStream(Stream):
    """The hash family's commands that run outside the batches."""

    def contents(self, conn, key):
        reply = conn.call("HGETALL", key)
        return dict(pairs_of(reply)) if isinstance(reply, (list, Map)) else reply

    def hrandfield(self, cmd):
        before = self.contents(self.sut, cmd[1])
        a, b = self.exchange(cmd)
        if self.errors_checked(cmd, a, b):
            return
        if len(cmd) == 2:
            if (a is None) != (b is None) or (b is not None and b not in before):
                self.fail("hrandfield shape or non-field", cmd, a, b)
            return
        if not isinstance(b, list) or type(a) is not type(b) or len(a) != len(b):
            self.fail("hrandfield shape", cmd, a, b)
        count = int(cmd[2])
        withvalues = len(cmd) == 4
        if withvalues and self.resp3:
            if not all(isinstance(p, list) and len(p) == 2 for p in b):
                self.fail("hrandfield RESP3 pairs", cmd, a, b)
            got = [tuple(p) for p in b]
        elif withvalues:
            got = list(zip(b[::2], b[1::2]))
        else:
            got = [(f, before.get(f)) for f in b]
        for f, v in got:
            if f not in before or (withvalues and before[f] != v):
                self.fail("hrandfield non-member pair", cmd, a, b)
        if count > 0 and len({f for f, _ in got}) != len(got):
            self.fail("hrandfield repeated fields with a positive count", cmd, a, b)

    def hscan(self, args):
        self.full_scan("HSCAN", args[0], args[1:], pairs=True)


LIMIT_DEFAULTS = [["CONFIG", "SET", "hash-max-listpack-entries", "512"],
                  ["CONFIG", "SET", "hash-max-listpack-value", "64"]]


def run_stream(pair, seed, n, resp3=False, mutate=None):
    gen = HashGenerator(seed)
    with HashStream(pair, seed, resp3, setup=LIMIT_DEFAULTS, restore=LIMIT_DEFAULTS,
                    equivalent=equivalent, mutate=mutate) as s:
        s.run(n, gen.command)
        # the final state must agree: type, contents, encoding of every key
        s.check_final([cmd for key in KEYS + ["missing"]
                       for cmd in (["TYPE", key], ["HGETALL", key], ["OBJECT", "ENCODING", key],
                                   ["HLEN", key])])
        return s.history


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_differential_hashes_resp2(pair, seed):
    history = run_stream(pair, seed, COMMANDS_PER_SEED)
    raw = [rep for _, rep in history if isinstance(rep, bytes)]
    assert sum(rep.startswith(b"-") for rep in raw) > 30  # errors exercised
    encodings = {rep for rep in raw if rep in (b"$8\r\nlistpack\r\n", b"$9\r\nhashtable\r\n")}
    assert len(encodings) == 2  # both encodings show up
    assert sum(rep.startswith(b"*") and not rep.startswith(b"*0\r\n") for rep in raw) > 100


def test_differential_hashes_resp3(pair):
    history = run_stream(pair, 101, COMMANDS_PER_SEED, resp3=True)
    assert any(isinstance(rep, bytes) and rep.startswith(b"%") and rep != b"%0\r\n"
               for _, rep in history)


def test_harness_reports_first_mismatch(pair):
    assert_reports_first_mismatch(run_stream, pair, seed=9, n=200, bad=(40, 90))


def test_hash_generator_is_deterministic():
    assert_deterministic(HashGenerator, 3)


def test_unordered_equivalence():
    assert equivalent(["HGETALL", "k"], b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
                      b"*4\r\n$1\r\nb\r\n$1\r\n2\r\n$1\r\na\r\n$1\r\n1\r\n")
    # the same strings paired differently are not the same hash
    assert not equivalent(["HGETALL", "k"], b"*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n",
                          b"*4\r\n$1\r\na\r\n$1\r\n2\r\n$1\r\nb\r\n$1\r\n1\r\n")
    assert equivalent(["HGETALL", "k"], b"%1\r\n$1\r\na\r\n$1\r\n1\r\n",
                      b"%1\r\n$1\r\na\r\n$1\r\n1\r\n")
    assert not equivalent(["HGETALL", "k"], b"*2\r\n$1\r\na\r\n$1\r\n1\r\n",
                          b"%1\r\n$1\r\na\r\n$1\r\n1\r\n")
    assert equivalent(["HVALS", "k"], b"*2\r\n$1\r\n1\r\n$1\r\n1\r\n", b"*2\r\n$1\r\n1\r\n$1\r\n1\r\n")
    assert not equivalent(["HVALS", "k"], b"*2\r\n$1\r\n1\r\n$1\r\n2\r\n",
                          b"*2\r\n$1\r\n1\r\n$1\r\n1\r\n")
    assert not equivalent(["HLEN", "k"], b":1\r\n", b":2\r\n")
    assert encode_command("HSET", "k", "f", "v")  # harness helpers importable
