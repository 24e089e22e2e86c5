"""Differential test for SORT and SORT_RO: seeded random streams of sorts (and the writes that
change their inputs) go to Debian's redis-server and to the server under test; raw reply bytes
must be identical.

The harness is differential.py's (the `pair` fixture is conftest's). Redis leaves some orders
undefined, so the streams stay where its order is defined:

  - Weight keys are fixed per stream: w_<e> and h_<e> f hold distinct numbers for every element
    of the universe and h_<e> s distinct words, so ALPHA BY never sees equal weights (it is
    not used on D0/D1, which also hold stored GET values from outside the universe). Patterns
    that miss or hold equal values (p_*, n_*, nokey_*, a missing field) are used only for
    numeric sorting, where ties fall back to comparing the elements.
  - A set's iteration order differs between the servers: a set sorted BY a constant without
    STORE is compared as a multiset (groups of GET values kept together) and never with LIMIT.
  - No value overflows or underflows strtod: redis-server keeps a stale ERANGE in errno (see
    sort.cc), which would fail its following numeric sorts on the same connection.
"""

import random

import pytest

from differential import BATCH, Stream, assert_deterministic, assert_reports_first_mismatch
from helpers import parse_reply

COMMANDS_PER_SEED = 2500
NUMS = ["0", "1", "-1", "2", "10", "3.5", "-2.25", "1e3", "0x1A", " 7", "007", "inf", "-inf",
        "+inf", "100", "42", "9223372036854775807", "-9223372036854775808", "123456789012",
        "1.0", "+5", "-7", "5", "6"]
WORDS = ["a", "b", "aa", "ab", "B", "Z", "apple", "pear", "", "hello world", "x" * 30, "nan",
         "1 ", "abc1", "\u00e9t\u00e9", "z\u00fcrich", "-", "*", "#"]
UNIVERSE = NUMS + WORDS
LISTS = ["L0", "L1", "D0", "D1"]  # D0, D1 are also STORE destinations
SETS = ["S0", "S1"]               # S0 holds integers only (an intset while small)
ZSETS = ["Z0", "Z1"]
OTHER = ["str", "hash", "missing"]
INT_NUMS = ["0", "1", "-1", "2", "10", "100", "42", "9223372036854775807",
            "-9223372036854775808", "123456789012", "-7", "5", "6"]
UNIQUE_BY = ["w_*", "h_*->f", "h_*->s"]         # distinct weights: any order
NUMERIC_BY = ["p_*", "n_*", "nokey_*", "h_*->nofield", "str*", "hash*->f", "w_*x"]
CONST_BY = ["nosort", "x", "w_", "h_->f"]
GETS = ["#", "w_*", "h_*->f", "h_*->s", "n_*", "p_*", "nokey_*", "const", "h_*->", "h_*->nofield",
        "hash*", "L*"]
LIMITS = ["0", "1", "2", "3", "5", "-1", "-5", "10", "100", "9223372036854775807",
          "-9223372036854775808"]
BAD_LIMITS = ["abc", "1.5", "", "99999999999999999999"]
FILLS = ["-2", "-1", "1", "2", "4", "128"]


def setup_commands(rng):
    """Weight keys for the whole universe: distinct numbers and distinct words."""
    cmds = []
    n = len(UNIVERSE)
    w = rng.sample(range(-5 * n, 5 * n), n)
    f = rng.sample(range(10 * n), n)
    s = rng.sample(range(1000), n)
    for i, e in enumerate(UNIVERSE):
        cmds.append(["SET", "w_" + e, str(w[i]) if i % 3 else f"{w[i]}.5"])
        cmds.append(["HSET", "h_" + e, "f", f"{f[i] / 4}", "s", f"word{s[i]:03d}"])
        if rng.random() < 0.5:
            cmds.append(["SET", "p_" + e, rng.choice(NUMS + ["abc"] * 2)])
        if rng.random() < 0.6:
            cmds.append(["SET", "n_" + e, rng.choice(UNIVERSE)])
    cmds.append(["SET", "str", "x"])
    cmds.append(["HSET", "hash", "f", "v"])
    return cmds


class SortGenerator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.pending = []

    def elems(self, lo=1, hi=5, pool=UNIVERSE):
        return [self.rng.choice(pool) for _ in range(self.rng.randint(lo, hi))]

    def source(self):
        r = self.rng.random()
        if r < 0.35:
            return self.rng.choice(LISTS)
        if r < 0.65:
            return self.rng.choice(SETS)
        if r < 0.93:
            return self.rng.choice(ZSETS)
        return self.rng.choice(OTHER)

    def sort(self, readonly):
        """Returns (command, unordered): unordered replies are compared as multisets."""
        rng = self.rng
        src = self.source()
        opts = []  # option groups, shuffled below
        alpha = rng.random() < 0.4
        by = None
        r = rng.random()
        # D0/D1 also hold stored GET values, which have no weight keys: no ALPHA BY there
        if r < 0.3 and not (alpha and src in ("D0", "D1")):
            by = rng.choice(UNIQUE_BY)
        elif r < 0.45 and not alpha:
            by = rng.choice(NUMERIC_BY)
        elif r < 0.65:
            by = rng.choice(CONST_BY)
        store = not readonly and rng.random() < 0.3
        set_nosort = by in CONST_BY and src in SETS and not store
        if by is not None:
            opts.append(["BY", by])
        if rng.random() < 0.4 and not set_nosort:
            opts.append(["LIMIT", rng.choice(LIMITS), rng.choice(LIMITS)])
        ngets = 0
        if rng.random() < 0.4:
            for _ in range(rng.randint(1, 3)):
                opts.append(["GET", rng.choice(GETS)])
                ngets += 1
        if alpha:
            opts.append([rng.choice(["ALPHA", "alpha"])])
        if rng.random() < 0.5:
            opts.append([rng.choice(["ASC", "DESC", "desc"])])
        if store:
            opts.append(["STORE", rng.choice(["D0", "D1"])])
        tail = []
        if rng.random() < 0.03:  # a few malformed ones
            opts.append(rng.choice([["FOO"], ["LIMIT", rng.choice(BAD_LIMITS), "1"],
                                    ["STORE", "D0"]]))
        if rng.random() < 0.02:  # missing arguments: only last (else they take the next word)
            tail = rng.choice([["BY"], ["GET"], ["STORE"], ["LIMIT", "1"]])
        rng.shuffle(opts)
        cmd = ["SORT_RO" if readonly else "SORT", src] + [a for o in opts for a in o] + tail
        return cmd, (set_nosort and max(ngets, 1))

    def command(self):
        """Returns (command, unordered group size or 0)."""
        if self.pending:
            return self.pending.pop(0), 0
        rng = self.rng
        table = [
            (30, lambda: self.sort(False)),
            (15, lambda: self.sort(True)),
            (5, lambda: ["RPUSH", rng.choice(LISTS[:2])] + self.elems()),
            (3, lambda: ["LPUSH", rng.choice(LISTS[:2])] + self.elems()),
            (2, lambda: ["LTRIM", rng.choice(LISTS), str(rng.randint(0, 3)),
                         str(rng.randint(3, 30))]),
            (2, lambda: ["LREM", rng.choice(LISTS), "0", rng.choice(UNIVERSE)]),
            (4, lambda: ["SADD", "S0"] + self.elems(pool=INT_NUMS)),
            (4, lambda: ["SADD", "S1"] + self.elems()),
            (2, lambda: ["SREM", rng.choice(SETS)] + self.elems()),
            (6, lambda: ["ZADD", rng.choice(ZSETS)] + [
                a for e in self.elems() for a in (str(rng.randint(-3, 3)), e)]),
            (2, lambda: ["ZREM", rng.choice(ZSETS)] + self.elems()),
            (1, lambda: ["DEL", rng.choice(LISTS + SETS + ZSETS)]),
            (2, lambda: ["SET", "p_" + rng.choice(UNIVERSE), rng.choice(NUMS + ["abc"])]),
            (1, lambda: ["DEL", "p_" + rng.choice(UNIVERSE)]),
            (1, lambda: ["SET", "n_" + rng.choice(UNIVERSE), rng.choice(UNIVERSE)]),
            (4, lambda: ["LRANGE", rng.choice(["D0", "D1"]), "0", "-1"]),
            (1, lambda: ["TYPE", rng.choice(["D0", "D1"])]),
            (1, lambda: ["OBJECT", "ENCODING", rng.choice(ZSETS)]),
            (1, lambda: ["CONFIG", "SET", "list-max-listpack-size", rng.choice(FILLS)]),
            (1, lambda: ["CONFIG", "SET", "zset-max-listpack-entries",
                         rng.choice(["2", "8", "128"])]),
            (1, lambda: ["SORT"] if rng.random() < 0.5 else ["SORT_RO"]),
        ]
        cmd = rng.choices(table, weights=[w for w, _ in table])[0][1]()
        if isinstance(cmd, tuple):
            return cmd
        return cmd, 0


def same_multiset(a_raw, b_raw, group):
    a, _ = parse_reply(a_raw)
    b, _ = parse_reply(b_raw)
    if not (isinstance(a, list) and isinstance(b, list)) or len(a) != len(b):
        return False

    def chunks(v):
        return sorted(tuple(x if x is not None else b"\x00nil" for x in v[i:i + group])
                      for i in range(0, len(v), group))
    return chunks(a) == chunks(b)


def unordered(group):
    """The equivalence of a sort whose order is undefined: the same groups of `group`."""
    return lambda cmd, a_raw, b_raw: same_multiset(a_raw, b_raw, group)


CONFIG_DEFAULTS = [["CONFIG", "SET", "list-max-listpack-size", "-2"],
                   ["CONFIG", "SET", "zset-max-listpack-entries", "128"]]


def run_sort_stream(pair, seed, n, resp3=False, mutate=None):
    gen = SortGenerator(seed)
    with Stream(pair, seed, resp3, setup=setup_commands(random.Random(seed * 7919)),
                restore=CONFIG_DEFAULTS, mutate=mutate) as s:
        for start in range(0, n, BATCH):
            items = [gen.command() for _ in range(min(BATCH, n - start))]
            s.run_batch([cmd for cmd, _ in items],
                        checks=[group and unordered(group) for _, group in items])
        s.check_final([cmd for key in LISTS + ZSETS
                       for cmd in (["TYPE", key], ["LRANGE", key, "0", "-1"],
                                   ["ZRANGE", key, "0", "-1"])])
        return s.history


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_differential_sort_resp2(pair, seed):
    history = run_sort_stream(pair, seed, COMMANDS_PER_SEED)
    sorts = [(cmd, rep) for cmd, rep in history if cmd[0] in ("SORT", "SORT_RO")]
    # the stream exercises results of some length, errors and stores, not only empty replies
    assert sum(rep.startswith(b"*") and len(rep) > 40 for _, rep in sorts) > 300
    assert sum(rep.startswith(b"-ERR One or more scores") for _, rep in sorts) > 50
    assert sum(rep.startswith(b"-WRONGTYPE") for _, rep in sorts) > 10
    assert sum(rep.startswith(b":") and rep != b":0\r\n" for _, rep in sorts) > 50


def test_differential_sort_resp3(pair):
    history = run_sort_stream(pair, 101, COMMANDS_PER_SEED, resp3=True)
    assert any(b"_\r\n" in rep for cmd, rep in history if cmd[0] == "SORT")


def test_sort_generator_is_deterministic():
    assert_deterministic(SortGenerator, 5)


def test_harness_reports_first_mismatch(pair):
    assert_reports_first_mismatch(run_sort_stream, pair, seed=9, n=200, bad=(40, 90))
