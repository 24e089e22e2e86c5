"""Differential test for the HyperLogLog family: seeded random streams of PFADD PFCOUNT PFMERGE
PFDEBUG (plus GET/SET/SETRANGE/APPEND that read, import and corrupt HLL strings) go to Debian's
redis-server and to the server under test; raw reply bytes must be identical, GET of every
HLL included, so the sparse opcodes, promotion points, cached cardinalities and counts all
match Redis's byte for byte.

The harness is differential.py's (the `pair` fixture is conftest's). Streams vary
hll-sparse-max-bytes, add from small element pools (so many PFADDs change nothing) and from
large fresh ranges (so HLLs go dense), import HLLs through SET of bytes a side produced, and
corrupt them with SETRANGE/APPEND to compare the error paths.
"""

import random

import pytest

from differential import Stream, assert_deterministic, assert_reports_first_mismatch

COMMANDS_PER_SEED = 2500
HLL_KEYS = ["h0", "h1", "h2", "h3"]
OTHER_KEYS = ["str", "lst", "nokey"]
EMPTY_HLL = "HYLL\x01" + "\x00" * 11 + "\x7f\xff"
STALE_EMPTY_HLL = "HYLL\x01" + "\x00" * 10 + "\x80\x7f\xff"
NOT_HLLS = ["", "foo", "12345", "HYLL", "HYLL\x02" + "\x00" * 13, "HYLL\x00" + "\x00" * 20,
            "x" * 100]
SPARSE_MAX = ["3000", "3000", "3000", "200", "0", "1", "50", "10000", "100000"]


class HllGenerator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.fresh = 0  # fresh elements never repeat

    def key(self):
        if self.rng.random() < 0.92:
            return self.rng.choice(HLL_KEYS)
        return self.rng.choice(OTHER_KEYS)

    def elements(self):
        rng = self.rng
        c = rng.random()
        if c < 0.05:
            return []
        if c < 0.55:  # a small pool: repeats that change nothing
            return [f"p{rng.randint(0, 300)}" for _ in range(rng.randint(1, 8))]
        if c < 0.9:
            n = rng.randint(1, 60)
        else:
            n = rng.choice([300, 700, 1500, 4000])
        self.fresh += n
        return [f"f{i}" for i in range(self.fresh - n, self.fresh)] + (
            ["", "\x00\xff", "x" * 200] if rng.random() < 0.1 else [])

    def corrupt(self):
        rng = self.rng
        k = rng.choice(HLL_KEYS)
        c = rng.random()
        if c < 0.6:
            pos = rng.choice([rng.randint(0, 20), rng.randint(16, 200), rng.randint(0, 3000)])
            return ["SETRANGE", k, str(pos), chr(rng.randrange(256))]
        if c < 0.8:
            return ["APPEND", k, rng.choice(["\x00", "\x40", "\x80", "\xff", "hello", "\x7f"])]
        return ["SET", k, rng.choice(NOT_HLLS + [EMPTY_HLL[:rng.randint(16, 17)]])]

    def command(self):
        rng = self.rng
        k = self.key
        table = [
            (30, lambda: ["PFADD", k()] + self.elements()),
            (12, lambda: ["PFCOUNT", k()]),
            (6, lambda: ["PFCOUNT"] + [k() for _ in range(rng.randint(2, 4))]),
            (6, lambda: ["PFMERGE", k()] + [k() for _ in range(rng.randint(0, 3))]),
            (10, lambda: ["GET", rng.choice(HLL_KEYS)]),
            (3, lambda: ["PFDEBUG", "ENCODING", k()]),
            (3, lambda: ["PFDEBUG", "DECODE", k()]),
            (2, lambda: ["PFDEBUG", "TODENSE", k()]),
            (0.3, lambda: ["PFDEBUG", "GETREG", k()]),
            (0.5, lambda: ["PFDEBUG", rng.choice(["foo", "getreg", "ENCODING"]), k()]),
            (2, lambda: ["SET", rng.choice(HLL_KEYS), rng.choice([EMPTY_HLL, STALE_EMPTY_HLL])]),
            (3, self.corrupt),
            (2, lambda: ["CONFIG", "SET", "hll-sparse-max-bytes", rng.choice(SPARSE_MAX)]),
            (2, lambda: ["DEL", rng.choice(HLL_KEYS)]),
            (1, lambda: ["SET", "str", rng.choice(NOT_HLLS)]),
            (1, lambda: ["RPUSH", "lst", "x"]),
            (1, lambda: ["STRLEN", k()]),
            (1, lambda: ["OBJECT", "ENCODING", rng.choice(HLL_KEYS)]),
            (1, lambda: ["GETRANGE", k(), "0", "15"]),
            (0.5, lambda: rng.choice([["PFADD"], ["PFCOUNT"], ["PFMERGE"], ["PFDEBUG", "x"],
                                      ["PFDEBUG", "GETREG", k(), "x"], ["PFSELFTEST", "x"]])),
        ]
        weights = [w for w, _ in table]
        cmd = rng.choices(table, weights=weights)[0][1]()
        # every character is one byte on the wire ("\xff" is the byte 0xff, not UTF-8)
        return [a.encode("latin-1") for a in cmd]


def dirty(conn):
    info = conn.call("INFO", "persistence").decode()
    for line in info.splitlines():
        if line.startswith("rdb_changes_since_last_save:"):
            return int(line.split(":")[1])
    raise AssertionError(info)


def import_hll(s, gen):
    """Now and then an HLL built by one side is imported into both through SET."""
    if gen.rng.random() < 0.3:
        src = gen.rng.choice([s.ref, s.sut])
        key = gen.rng.choice(HLL_KEYS)
        data = src.call("GET", key)
        if isinstance(data, bytes):
            assert s.both("SET", key, data) == (b"OK", b"OK")


def run_hll_stream(pair, seed, n, resp3=False, mutate=None):
    gen = HllGenerator(seed)
    sparse_default = ["CONFIG", "SET", "hll-sparse-max-bytes", "3000"]
    with Stream(pair, seed, resp3, setup=[sparse_default], restore=[sparse_default],
                mutate=mutate) as s:
        dirty_start = (dirty(s.ref), dirty(s.sut))
        s.run(n, gen.command, after_batch=lambda: import_hll(s, gen))
        s.check_final([cmd for key in HLL_KEYS + OTHER_KEYS
                       for cmd in (["TYPE", key], ["GET", key]) + (
                           (["OBJECT", "ENCODING", key],) if key != "lst" else ())])
        # the same changes were counted (PFADD per register, PFCOUNT cache writes, ...)
        assert dirty(s.ref) - dirty_start[0] == dirty(s.sut) - dirty_start[1]
        return s.history


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6, 7, 8])
def test_differential_hyperloglog_resp2(pair, seed):
    history = run_hll_stream(pair, seed, COMMANDS_PER_SEED)
    replies = [rep for _, rep in history]
    # the stream reaches counts, both encodings, and every error path
    assert sum(rep.startswith(b":") and rep not in (b":0\r\n", b":1\r\n")
               for rep in replies) > 200
    assert any(rep == b"+dense\r\n" for rep in replies)
    assert any(rep == b"+sparse\r\n" for rep in replies)
    assert any(rep.startswith(b"-INVALIDOBJ") for rep in replies)
    assert any(rep.startswith(b"-WRONGTYPE Key is not a valid") for rep in replies)
    assert any(rep.startswith(b"-WRONGTYPE Operation") for rep in replies)
    gets = [rep for cmd, rep in history if cmd[0] == b"GET" and rep.startswith(b"$")]
    assert sum(len(rep) > 12304 for rep in gets) > 5  # dense HLLs compared byte for byte
    assert sum(b"HYLL\x01" in rep for rep in gets) > 20  # and sparse ones


def test_differential_hyperloglog_resp3(pair):
    history = run_hll_stream(pair, 101, COMMANDS_PER_SEED, resp3=True)
    assert any(rep.startswith(b"*16384\r\n") or rep.startswith(b":") for _, rep in history)


def test_hll_generator_is_deterministic():
    assert_deterministic(HllGenerator, 5)


def test_harness_reports_first_mismatch(pair):
    assert_reports_first_mismatch(run_hll_stream, pair, seed=9, n=200, bad=(40, 90))
