"""Differential test for the list family: seeded random streams of list commands go to Debian's
redis-server and to the server under test; raw reply bytes must be identical.

The harness is differential.py's (the `pair` fixture is conftest's). The stream
mixes every list command with valid and invalid arguments, values of every listpack encoding
(small and wide integers, short/medium/huge strings so plain nodes appear), WRONGTYPE keys,
CONFIG SET list-max-listpack-size changes (encodings move under the same replies), blocking
commands with short timeouts and inside MULTI, and generic commands on lists (COPY, RENAME).
OBJECT ENCODING is compared too: "quicklist" for every list, as Redis 7.0 says.
"""

import random

import pytest

from differential import Stream, assert_deterministic, assert_reports_first_mismatch

COMMANDS_PER_SEED = 3000
LIST_KEYS = ["l0", "l1", "l2", "l3"]
OTHER_KEYS = ["s", "missing"]
SMALL = ["a", "b", "c", "foo", "", "0", "1", "-1", "12", "127", "128", "-4096", "4095", "32767",
         "-32769", "8388608", "2147483648", "-9223372036854775808", "9223372036854775807",
         "007", "+1", " 1", "1.5", "\x00\xff", "hello world"]
INDEXES = ["0", "1", "2", "-1", "-2", "-3", "3", "5", "10", "100", "-100",
           "9223372036854775807", "-9223372036854775808", "abc", "1.5", ""]
COUNTS = ["0", "1", "2", "3", "5", "-1", "-2", "abc", "100", "9223372036854775807"]
FILLS = ["-1", "-2", "-3", "1", "2", "3", "4", "16", "128", "0"]


class ListGenerator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.pending = []

    def key(self):
        r = self.rng.random()
        if r < 0.9:
            return self.rng.choice(LIST_KEYS)
        return self.rng.choice(OTHER_KEYS)

    def value(self):
        rng = self.rng
        c = rng.random()
        if c < 0.6:
            return rng.choice(SMALL)
        if c < 0.8:
            return str(rng.randint(-10**12, 10**12))
        if c < 0.93:
            return rng.choice("xyz") * rng.randint(60, 700)
        if c < 0.98:
            return rng.choice("XYZ") * rng.randint(4000, 5000)
        return "H" * rng.randint(9000, 12000)  # over a node: a plain node

    def where(self):
        return self.rng.choice(["LEFT", "RIGHT", "left", "Right", "UP"] if self.rng.random() < 0.05
                               else ["LEFT", "RIGHT"])

    def pos_options(self):
        rng = self.rng
        opts = []
        for name, values in (("RANK", ["1", "2", "-1", "-2", "3", "0", "abc",
                                       "-9223372036854775808"]),
                             ("COUNT", ["0", "1", "2", "-1", "abc"]),
                             ("MAXLEN", ["0", "1", "3", "10", "-1"])):
            if rng.random() < 0.35:
                opts += [name, rng.choice(values)]
        if rng.random() < 0.03:
            opts.append(rng.choice(["RANK", "FOO", "COUNT"]))
        if rng.random() < 0.05:
            rng.shuffle(opts)
        return opts

    def mpop_args(self):
        rng = self.rng
        n = rng.randint(1, 3)
        keys = [self.key() for _ in range(n)]
        numkeys = str(n) if rng.random() > 0.05 else rng.choice(["0", "-1", "abc", str(n + 1)])
        args = [numkeys] + keys + [self.where()]
        if rng.random() < 0.5:
            args += ["COUNT", rng.choice(COUNTS)]
        if rng.random() < 0.03:
            args.append(rng.choice(["COUNT", "FOO"]))
        return args

    def command(self):
        if self.pending:
            return self.pending.pop(0)
        rng = self.rng
        k = self.key
        v = self.value
        table = [
            (10, lambda: ["LPUSH", k()] + [v() for _ in range(rng.randint(1, 5))]),
            (10, lambda: ["RPUSH", k()] + [v() for _ in range(rng.randint(1, 5))]),
            (2, lambda: ["LPUSHX", k(), v()]),
            (2, lambda: ["RPUSHX", k(), v(), v()]),
            (5, lambda: ["LPOP", k()]),
            (5, lambda: ["RPOP", k()]),
            (4, lambda: ["LPOP", k(), rng.choice(COUNTS)]),
            (4, lambda: ["RPOP", k(), rng.choice(COUNTS)]),
            (3, lambda: ["LLEN", k()]),
            (8, lambda: ["LRANGE", k(), rng.choice(INDEXES), rng.choice(INDEXES)]),
            (3, lambda: ["LRANGE", k(), "0", "-1"]),
            (4, lambda: ["LINDEX", k(), rng.choice(INDEXES)]),
            (4, lambda: ["LSET", k(), rng.choice(INDEXES), v()]),
            (4, lambda: ["LINSERT", k(), rng.choice(["BEFORE", "AFTER", "before", "MIDDLE"])
                         if rng.random() < 0.1 else rng.choice(["BEFORE", "AFTER"]),
                         rng.choice(SMALL), v()]),
            (4, lambda: ["LREM", k(), rng.choice(["0", "1", "2", "-1", "-2", "abc"]),
                         rng.choice(SMALL)]),
            (3, lambda: ["LTRIM", k(), rng.choice(INDEXES), rng.choice(INDEXES)]),
            (4, lambda: ["LPOS", k(), rng.choice(SMALL)] + self.pos_options()),
            (3, lambda: ["LMOVE", k(), k(), self.where(), self.where()]),
            (2, lambda: ["RPOPLPUSH", k(), k()]),
            (3, lambda: ["LMPOP"] + self.mpop_args()),
            (1, lambda: ["BLPOP"] + [k() for _ in range(rng.randint(1, 3))] + ["0.01"]),
            (1, lambda: ["BRPOP", k(), k(), rng.choice(["0.01", "-1", "abc"])]),
            (1, lambda: ["BLMOVE", k(), k(), self.where(), self.where(), "0.01"]),
            (1, lambda: ["BRPOPLPUSH", k(), k(), "0.01"]),
            (1, lambda: ["BLMPOP", "0.01"] + self.mpop_args()),
            (2, self.multi_block),
            (2, lambda: ["DEL", k()]),
            (1, lambda: ["EXISTS", k(), k()]),
            (1, lambda: ["TYPE", k()]),
            (1, lambda: ["OBJECT", "ENCODING", k()]),
            (1, lambda: ["SET", "s", v()]),
            (1, lambda: ["COPY", k(), k()] + (["REPLACE"] if rng.random() < 0.5 else [])),
            (1, lambda: ["RENAME", k(), k()]),
            (1, lambda: ["CONFIG", "SET", "list-max-listpack-size", rng.choice(FILLS)]),
            (1, lambda: rng.choice([["LPUSH", k()], ["LPOP"], ["LRANGE", k(), "0"],
                                    ["LINSERT", k(), "BEFORE", "a"], ["LPOS", k()],
                                    ["LMOVE", k(), k(), "LEFT"], ["BLPOP", k()],
                                    ["LMPOP", "1", k()], ["LPOP", k(), "1", "2"]])),
        ]
        weights = [w for w, _ in table]
        return rng.choices(table, weights=weights)[0][1]()

    def multi_block(self):
        rng = self.rng
        k = self.key
        inner = rng.choice([
            ["BLPOP", k(), k(), "0"],
            ["BRPOP", k(), "0"],
            ["BLMOVE", k(), k(), "LEFT", "RIGHT", "0"],
            ["BRPOPLPUSH", k(), k(), "0"],
            ["BLMPOP", "0"] + self.mpop_args(),
        ])
        body = [inner]
        if rng.random() < 0.5:
            body.insert(0, ["RPUSH", k(), self.value()])
        self.pending = body + [["EXEC"]]
        return ["MULTI"]


def run_list_stream(pair, seed, n, resp3=False, mutate=None):
    gen = ListGenerator(seed)
    fill_default = ["CONFIG", "SET", "list-max-listpack-size", "-2"]
    with Stream(pair, seed, resp3, setup=[fill_default], restore=[fill_default],
                mutate=mutate) as s:
        s.run(n, gen.command)
        s.run_batch(gen.pending)  # finish an open MULTI
        s.check_final([cmd for key in LIST_KEYS + OTHER_KEYS
                       for cmd in (["TYPE", key], ["LRANGE", key, "0", "-1"], ["GET", key])])
        return s.history


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_differential_lists_resp2(pair, seed):
    history = run_list_stream(pair, seed, COMMANDS_PER_SEED)
    replies = [rep for _, rep in history]
    # the stream exercises errors, data and the big values, not only nils
    assert sum(rep.startswith(b"-") for rep in replies) > 100
    assert sum(rep.startswith(b"*") and rep not in (b"*0\r\n", b"*-1\r\n")
               for rep in replies) > 300
    assert sum(rep.startswith(b"-WRONGTYPE") for rep in replies) > 10
    assert any(len(rep) > 9000 for rep in replies)


def test_differential_lists_resp3(pair):
    history = run_list_stream(pair, 101, COMMANDS_PER_SEED, resp3=True)
    assert any(rep == b"_\r\n" for _, rep in history)


def test_list_generator_is_deterministic():
    assert_deterministic(ListGenerator, 5)


def test_harness_reports_first_mismatch(pair):
    assert_reports_first_mismatch(run_list_stream, pair, seed=9, n=200, bad=(40, 90))
