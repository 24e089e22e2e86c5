"""Differential test for the stream family: seeded random streams of X* commands go to Debian's
redis-server and to the server under test; raw reply bytes must be identical.

Uses the shared harness (differential.py's Stream, conftest's `pair`). IDs are always explicit
("<ms>-<seq>", "<ms>-*", or invalid text; never "*"), mostly increasing so entries pile up,
sometimes too small. The mix covers XADD/XTRIM trimming (exact, "~" with LIMIT, so node
boundaries must match Redis's), XDEL tombstones, ranges with exclusive bounds, XREAD (with
BLOCK only where it cannot block, or inside MULTI), XSETID, consumer groups end to end (XGROUP
*, XREADGROUP new and history, NOACK, XACK, XPENDING, XCLAIM with FORCE/LASTID/RETRYCOUNT,
XAUTOCLAIM), XINFO, CONFIG SET stream-node-max-entries/-bytes, WRONGTYPE keys, COPY and RENAME.

Time never enters a compared value: min-idle-times are 0 or astronomically large, and the only
time-dependent fields (XPENDING's idle, XINFO CONSUMERS' idle, XINFO STREAM FULL's delivery and
seen times) are blanked on both sides before comparing, as is XINFO's radix-tree-nodes (the
node count of Redis's rax, an internal detail). Everything else must match byte for byte.
"""

import random

import pytest

import helpers
from differential import Stream, assert_deterministic, assert_reports_first_mismatch
from helpers import Map, parse_reply

COMMANDS_PER_SEED = 4000
STREAM_KEYS = ["s0", "s1", "s2"]
OTHER_KEYS = ["str", "missing"]
GROUPS = ["g1", "g2", "g3"]
CONSUMERS = ["alice", "bob", "carol", ""]
FIELDS = ["f", "g", "h", "item", "0", "12", ""]
VALUES = ["v", "1", "-1", "0", "127", "-4096", "9223372036854775807", "007", "", "x" * 30,
          "y" * 300, "\x00\xff", "hello world", "3.14"]
BAD_IDS = ["abc", "1-x", "-", "+", "1-2-3", "-1", "18446744073709551616", "1-*", ""]
COUNTS = ["0", "1", "2", "3", "5", "10", "-1", "abc", "100"]
HUGE_IDLE = "1000000000000"


class StreamGenerator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.ms = 1
        self.pending = []

    def key(self):
        if self.rng.random() < 0.93:
            return self.rng.choice(STREAM_KEYS)
        return self.rng.choice(OTHER_KEYS)

    def new_id(self):
        """Mostly a fresh increasing ID, sometimes "<ms>-*", an old one or garbage."""
        rng = self.rng
        c = rng.random()
        if c < 0.75:
            self.ms += rng.randint(0, 3)
            return f"{self.ms}-{rng.randint(0, 3)}"
        if c < 0.88:
            self.ms += rng.randint(0, 2)
            return f"{self.ms}-*"
        if c < 0.97:
            return self.old_id()
        return rng.choice(BAD_IDS + ["0-0", "0-*"])

    def old_id(self):
        """An ID somewhere in the used range (possibly an existing entry)."""
        rng = self.rng
        return f"{rng.randint(0, self.ms + 1)}-{rng.randint(0, 3)}"

    def any_id(self):
        rng = self.rng
        c = rng.random()
        if c < 0.8:
            return self.old_id()
        if c < 0.9:
            return rng.choice(["0", "0-0", str(self.ms), f"{self.ms + 5}",
                               "18446744073709551615-18446744073709551615"])
        return rng.choice(BAD_IDS)

    def bound(self, end):
        rng = self.rng
        c = rng.random()
        if c < 0.25:
            return "+" if end else "-"
        if c < 0.5:
            return "(" + self.old_id()
        if c < 0.55:
            return rng.choice(["(-", "(+", "(0-0", "(18446744073709551615-18446744073709551615",
                               "abc", "(", "((1"])
        return str(rng.randint(0, self.ms + 1)) if rng.random() < 0.3 else self.old_id()

    def fields(self):
        rng = self.rng
        n = rng.choice([1, 1, 1, 2, 2, 3])
        if rng.random() < 0.6:
            names = FIELDS[:n]  # often the same fields: the master-entry compression
        else:
            names = [rng.choice(FIELDS) for _ in range(n)]
        out = []
        for f in names:
            out += [f, rng.choice(VALUES) if rng.random() < 0.8 else str(rng.randint(-10**6, 10**6))]
        if rng.random() < 0.02:
            out.pop()  # odd count: arity error
        return out

    def trim_args(self, for_xadd):
        rng = self.rng
        args = []
        c = rng.random()
        if c < (0.6 if for_xadd else 0.0):
            return args
        strategy = rng.choice(["MAXLEN", "MINID", "maxlen"])
        args.append(strategy)
        mode = rng.choice(["", "", "=", "~", "~"])
        if mode:
            args.append(mode)
        if strategy.upper() == "MAXLEN":
            args.append(rng.choice(["0", "1", "3", "5", "10", "20", "50", "-1", "abc"]))
        else:
            args.append(self.any_id() if rng.random() < 0.9 else "abc")
        if rng.random() < 0.3:
            args += ["LIMIT", rng.choice(["0", "1", "5", "10", "30", "-1", "abc"])]
        if rng.random() < 0.02:
            args += rng.choice([["MAXLEN", "1"], ["FOO"], ["LIMIT"]])
        return args

    def group_create(self):
        rng = self.rng
        args = ["XGROUP", "CREATE", self.key(), rng.choice(GROUPS),
                rng.choice(["$", "0", self.old_id(), "abc"])]
        if rng.random() < 0.4:
            args.append("MKSTREAM")
        if rng.random() < 0.2:
            args += ["ENTRIESREAD", rng.choice(["0", "1", "3", "-1", "-2", "abc"])]
        return args

    def read_streams(self, group):
        rng = self.rng
        keys = [self.key() for _ in range(rng.choice([1, 1, 1, 2]))]
        if group:
            ids = [">" if rng.random() < 0.75 else rng.choice(["0", self.old_id(), "$"])
                   for _ in keys]
        else:
            ids = [rng.choice(["0", self.old_id(), "$", self.old_id()]) for _ in keys]
        return ["STREAMS"] + keys + ids

    def xread(self):
        rng = self.rng
        args = ["XREAD"]
        if rng.random() < 0.5:
            args += ["COUNT", rng.choice(COUNTS)]
        return args + self.read_streams(False)

    def xreadgroup(self):
        rng = self.rng
        args = ["XREADGROUP", "GROUP", rng.choice(GROUPS), rng.choice(CONSUMERS)]
        if rng.random() < 0.6:
            args += ["COUNT", rng.choice(["1", "2", "3", "5", "0"])]
        if rng.random() < 0.2:
            args.append("NOACK")
        return args + self.read_streams(True)

    def xclaim(self):
        rng = self.rng
        args = ["XCLAIM", self.key(), rng.choice(GROUPS), rng.choice(CONSUMERS),
                rng.choice(["0", "0", HUGE_IDLE, "-5", "abc"])]
        args += [self.old_id() for _ in range(rng.randint(1, 4))]
        for opt in ("JUSTID", "FORCE"):
            if rng.random() < 0.3:
                args.append(opt)
        if rng.random() < 0.2:
            args += ["RETRYCOUNT", rng.choice(["0", "5", "abc"])]
        if rng.random() < 0.2:
            args += ["LASTID", rng.choice([self.old_id(), "abc"])]
        if rng.random() < 0.03:
            args.append("BOGUS")
        return args

    def xautoclaim(self):
        rng = self.rng
        args = ["XAUTOCLAIM", self.key(), rng.choice(GROUPS), rng.choice(CONSUMERS),
                rng.choice(["0", "0", HUGE_IDLE, "abc"]), self.bound(False)]
        if rng.random() < 0.5:
            args += ["COUNT", rng.choice(["1", "2", "3", "10", "0", "abc"])]
        if rng.random() < 0.3:
            args.append("JUSTID")
        return args

    def xpending(self):
        rng = self.rng
        args = ["XPENDING", self.key(), rng.choice(GROUPS)]
        if rng.random() < 0.3:
            return args
        if rng.random() < 0.3:
            args += ["IDLE", rng.choice(["0", HUGE_IDLE])]
        args += [self.bound(False), self.bound(True), rng.choice(COUNTS)]
        if rng.random() < 0.4:
            args.append(rng.choice(CONSUMERS))
        return args

    def xsetid(self):
        rng = self.rng
        args = ["XSETID", self.key(), rng.choice([self.old_id(), f"{self.ms + 2}-0", "abc"])]
        if rng.random() < 0.3:
            args += ["ENTRIESADDED", rng.choice(["0", "5", "1000", "-1"])]
        if rng.random() < 0.3:
            args += ["MAXDELETEDID", self.old_id()]
        return args

    def command(self):
        if self.pending:
            return self.pending.pop(0)
        rng = self.rng
        k = self.key
        table = [
            (25, lambda: ["XADD", k()] + (["NOMKSTREAM"] if rng.random() < 0.05 else [])
             + self.trim_args(True) + [self.new_id()] + self.fields()),
            (4, lambda: ["XTRIM", k()] + self.trim_args(False)),
            (5, lambda: ["XDEL", k()] + [self.any_id() for _ in range(rng.randint(1, 3))]),
            (3, lambda: ["XLEN", k()]),
            (6, lambda: ["XRANGE", k(), self.bound(False), self.bound(True)]
             + (["COUNT", rng.choice(COUNTS)] if rng.random() < 0.5 else [])),
            (4, lambda: ["XREVRANGE", k(), self.bound(True), self.bound(False)]
             + (["COUNT", rng.choice(COUNTS)] if rng.random() < 0.5 else [])),
            (4, self.xread),
            (1, lambda: ["XREAD", "BLOCK", "10", "STREAMS", k(), "0"]),
            (1, self.multi_block),
            (2, self.xsetid),
            (3, self.group_create),
            (2, lambda: ["XGROUP", "SETID", k(), rng.choice(GROUPS),
                         rng.choice(["$", "0", "-", self.old_id()])]
             + (["ENTRIESREAD", rng.choice(["0", "2", "-1"])] if rng.random() < 0.3 else [])),
            (1, lambda: ["XGROUP", "DESTROY", k(), rng.choice(GROUPS)]),
            (1, lambda: ["XGROUP", "CREATECONSUMER", k(), rng.choice(GROUPS),
                         rng.choice(CONSUMERS)]),
            (1, lambda: ["XGROUP", "DELCONSUMER", k(), rng.choice(GROUPS),
                         rng.choice(CONSUMERS)]),
            (10, self.xreadgroup),
            (4, lambda: ["XACK", k(), rng.choice(GROUPS)]
             + [self.any_id() for _ in range(rng.randint(1, 3))]),
            (4, self.xpending),
            (4, self.xclaim),
            (3, self.xautoclaim),
            (2, lambda: ["XINFO", "STREAM", k()]
             + rng.choice([[], [], ["FULL"], ["FULL", "COUNT", rng.choice(["0", "2", "-1"])],
                           ["FULL", "COUNT"], ["PARTIAL"]])),
            (2, lambda: ["XINFO", "GROUPS", k()]),
            (2, lambda: ["XINFO", "CONSUMERS", k(), rng.choice(GROUPS)]),
            (1, lambda: ["DEL", k()]),
            (1, lambda: ["TYPE", k()]),
            (1, lambda: ["COPY", k(), k()] + (["REPLACE"] if rng.random() < 0.5 else [])),
            (1, lambda: ["RENAME", k(), k()]),
            (1, lambda: ["SET", "str", "v"]),
            (1, lambda: ["CONFIG", "SET", "stream-node-max-entries",
                         rng.choice(["1", "2", "3", "5", "10", "100", "0"])]),
            (1, lambda: ["CONFIG", "SET", "stream-node-max-bytes",
                         rng.choice(["0", "100", "200", "4096"])]),
            (1, lambda: rng.choice([["XADD", k()], ["XRANGE", k(), "-"], ["XGROUP", "CREATE"],
                                    ["XREADGROUP", "GROUP", "g1", "c", "STREAMS", k()],
                                    ["XCLAIM", k(), "g1", "c", "0"], ["XINFO", "STREAM"],
                                    ["XAUTOCLAIM", k(), "g1", "c", "0"], ["XSETID", k()]])),
        ]
        weights = [w for w, _ in table]
        return rng.choices(table, weights=weights)[0][1]()

    def multi_block(self):
        rng = self.rng
        inner = rng.choice([
            ["XREAD", "BLOCK", "0", "STREAMS", self.key(), "$"],
            ["XREADGROUP", "GROUP", rng.choice(GROUPS), "alice", "BLOCK", "0", "STREAMS",
             self.key(), ">"],
        ])
        body = [inner]
        if rng.random() < 0.5:
            body.insert(0, ["XADD", inner[-2], self.new_id(), "f", "v"])
        self.pending = body + [["EXEC"]]
        return ["MULTI"]


# ---- normalisation of the time-dependent fields ---------------------------------------------

def _pairs(v):
    """A map reply as an ordered list of (key, value), RESP2 (flat array) or RESP3."""
    if isinstance(v, Map):
        return list(v.items())
    return [(v[i], v[i + 1]) for i in range(0, len(v), 2)]


def _blank_consumer(c):
    out = []
    for k, v in _pairs(c):
        if k in (b"seen-time", b"idle"):
            v = 0
        elif k == b"pending" and isinstance(v, list):
            v = [[e[0], 0, e[2]] for e in v]
        out.append((k, v))
    return out


def _blank_group(g):
    out = []
    for k, v in _pairs(g):
        if k == b"pending" and isinstance(v, list):
            v = [[e[0], e[1], 0, e[3]] for e in v]
        elif k == b"consumers" and isinstance(v, list):
            v = [_blank_consumer(c) for c in v]
        out.append((k, v))
    return out


def normalise(cmd, value):
    name = [str(x).upper() for x in cmd[:2]]
    if isinstance(value, helpers.RespError) or value is None:
        return value
    if name[0] == "XPENDING" and len(cmd) > 3 and isinstance(value, list):
        return [[e[0], e[1], 0, e[3]] for e in value]
    if name == ["XINFO", "CONSUMERS"] and isinstance(value, list):
        return [_blank_consumer(c) for c in value]
    if name == ["XINFO", "STREAM"]:
        out = []
        for k, v in _pairs(value):
            if k == b"radix-tree-nodes":
                v = 0
            elif k == b"groups" and isinstance(v, list):
                v = [_blank_group(g) for g in v]
            out.append((k, v))
        return out
    return value


def equivalent(cmd, a_raw, b_raw):
    if a_raw == b_raw:
        return True
    if str(cmd[0]).upper() not in ("XPENDING", "XINFO"):
        return False
    a, _ = parse_reply(a_raw)
    b, _ = parse_reply(b_raw)
    # the reply's type prefix (array vs map, sizes) must agree even when values are blanked
    return a_raw[:1] == b_raw[:1] and normalise(cmd, a) == normalise(cmd, b)


NODE_DEFAULTS = [["CONFIG", "SET", "stream-node-max-entries", "100"],
                 ["CONFIG", "SET", "stream-node-max-bytes", "4096"]]


def run_stream_cmds(pair, seed, n, resp3=False, mutate=None):
    gen = StreamGenerator(seed)
    with Stream(pair, seed, resp3, setup=NODE_DEFAULTS, restore=NODE_DEFAULTS,
                equivalent=equivalent, mutate=mutate) as s:
        s.run(n, gen.command)
        s.run_batch(gen.pending)  # finish an open MULTI
        s.check_final([cmd for key in STREAM_KEYS + OTHER_KEYS
                       for cmd in (["TYPE", key], ["XRANGE", key, "-", "+"],
                                   ["XINFO", "STREAM", key, "FULL", "COUNT", "0"])])
        return s.history


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6])
def test_differential_streams_resp2(pair, seed):
    history = run_stream_cmds(pair, seed, COMMANDS_PER_SEED)
    replies = [rep for _, rep in history]
    # the stream exercises errors, data and groups, not only nils
    assert sum(rep.startswith(b"-") for rep in replies) > 100
    assert sum(rep.startswith(b"*") and rep not in (b"*0\r\n", b"*-1\r\n")
               for rep in replies) > 200
    assert sum(rep.startswith(b"-WRONGTYPE") for rep in replies) > 10
    assert sum(cmd[0] == "XREADGROUP" and rep.startswith(b"*1\r\n") for cmd, rep in history) > 15


def test_differential_streams_resp3(pair):
    history = run_stream_cmds(pair, 101, COMMANDS_PER_SEED, resp3=True)
    assert any(rep.startswith(b"%") for _, rep in history)


def test_stream_generator_is_deterministic():
    assert_deterministic(StreamGenerator, 5)


def test_harness_reports_first_mismatch(pair):
    assert_reports_first_mismatch(run_stream_cmds, pair, seed=9, n=200, bad=(41, 90))
