"""Differential test for DEBUG DIGEST and DEBUG DIGEST-VALUE: the same seeded datasets are built
on Debian's redis-server and on the server under test (the harness of differential.py), and
both digests must be byte-identical.

The random streams cover every type and encoding a user can reach: strings (raw, embstr and
int-encoded), lists (listpack and quicklist), sets (intset and hashtable), sorted sets
(listpack and skiplist), hashes (listpack and hashtable) and streams with tombstones, trimming,
consumer groups, PELs and consumers; keys with fixed expire times (PEXPIREAT / PXAT, never a
relative time, so no value depends on the clock); several databases with SELECT, MOVE, COPY
... DB and SWAPDB. Digests are taken during the stream (in the pipelined batches) and at the
end for every key of every database. The fixed cases check what Redis's digest leaves out:
the encoding, a stream's consumer groups and deleted entries, and an expiry's time.
"""

import random
import time

import pytest

from differential import Stream, assert_deterministic, assert_reports_first_mismatch

COMMANDS_PER_SEED = 2500
DBS = 4
STRINGS = ["s0", "s1", "n0", "n1"]
LISTS = ["l0", "l1", "l2"]
SETS = ["set0", "set1", "set2"]
ZSETS = ["z0", "z1", "z2"]
HASHES = ["h0", "h1", "h2"]
STREAMS = ["x0", "x1"]
ALL_KEYS = STRINGS + LISTS + SETS + ZSETS + HASHES + STREAMS
ELEMENTS = ["a", "b", "c", "hello", "", "0", "1", "-1", "12", "007", "-0", "1.5", " 1",
            "9223372036854775807", "-9223372036854775808", "9223372036854775808", "\x00\xff",
            "x" * 40, "y" * 100]
INTS = ["0", "1", "-1", "7", "12", "100", "-4096", "65536", "2147483648", "-2147483649",
        "9223372036854775807", "-9223372036854775808"]
SCORES = ["0", "1", "-1", "2.5", "0.1", "1e17", "123456789.123", "-3.75", "inf", "-inf",
          "1e300", "-1e-300", "5", "3.0000000000000004", "-0"]
GROUPS = ["g1", "g2"]
CONSUMERS = ["alice", "bob"]
EXPIRE_BASE = 4102444800000  # 2100-01-01 in ms: fixed times, far in the future


class DigestGenerator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.stream_ms = {k: 0 for k in STREAMS}
        self.stream_ids = {k: [] for k in STREAMS}
        self.bulk = 0

    def key(self, pool=None):
        rng = self.rng
        if pool is None or rng.random() < 0.04:  # sometimes the wrong type: WRONGTYPE
            return rng.choice(ALL_KEYS + ["missing"])
        return rng.choice(pool)

    def element(self):
        rng = self.rng
        return rng.choice(ELEMENTS) if rng.random() < 0.7 else rng.choice(INTS)

    def elements(self, lo=1, hi=4):
        return [self.element() for _ in range(self.rng.randint(lo, hi))]

    def many(self, prefix, ints=False):
        """Enough distinct elements to leave the compact encodings (intset 512, listpack 128)."""
        rng = self.rng
        self.bulk += 1
        n = rng.choice([20, 150, 300, 600])
        if ints:
            base = rng.randint(-1000, 1000) * 1000
            return [str(base + i) for i in range(n)]
        return [f"{prefix}{self.bulk}:{i}" for i in range(n)]

    def expire_at(self):
        return str(EXPIRE_BASE + self.rng.randint(0, 10**6))

    # ---- per family -----------------------------------------------------------------------

    def string_cmd(self):
        rng, k = self.rng, lambda: self.key(STRINGS)
        return rng.choice([
            lambda: ["SET", k(), self.element()],
            lambda: ["SET", k(), rng.choice(INTS)],
            lambda: ["SET", k(), "z" * rng.choice([10, 50, 200])],
            lambda: ["SET", k(), self.element(), "PXAT", self.expire_at()],
            lambda: ["INCRBY", k(), rng.choice(["1", "-3", "1000"])],
            lambda: ["INCRBYFLOAT", k(), rng.choice(["0.5", "-1.25", "3"])],
            lambda: ["APPEND", k(), self.element()],
            lambda: ["SETRANGE", k(), str(rng.randint(0, 20)), "xy"],
            lambda: ["GETEX", k(), "PERSIST"],
            lambda: ["GETEX", k(), "PXAT", self.expire_at()],
        ])()

    def list_cmd(self):
        rng, k = self.rng, lambda: self.key(LISTS)
        return rng.choice([
            lambda: [rng.choice(["RPUSH", "LPUSH"]), k()] + self.elements(),
            lambda: ["RPUSH", k()] + self.many("le"),
            lambda: ["RPUSH", k()] + self.many("", ints=True),
            lambda: [rng.choice(["LPOP", "RPOP"]), k(), str(rng.randint(1, 200))],
            lambda: ["LTRIM", k(), str(rng.randint(0, 5)), str(rng.randint(-100, 10))],
            lambda: ["LSET", k(), str(rng.randint(-3, 3)), self.element()],
            lambda: ["LINSERT", k(), rng.choice(["BEFORE", "AFTER"]), self.element(),
                     self.element()],
            lambda: ["LREM", k(), str(rng.randint(-2, 2)), self.element()],
            lambda: ["LMOVE", k(), k(), rng.choice(["LEFT", "RIGHT"]),
                     rng.choice(["LEFT", "RIGHT"])],
        ])()

    def set_cmd(self):
        """set0 only ever receives integers (it stays an intset until it grows past 512)."""
        rng, k = self.rng, lambda: self.key(SETS)
        strs = lambda: self.key(SETS[1:])  # noqa: E731
        return rng.choice([
            lambda: ["SADD", k()] + [rng.choice(INTS) for _ in range(rng.randint(1, 4))],
            lambda: ["SADD", strs()] + self.elements(),
            lambda: ["SADD", k()] + self.many("", ints=True)[:rng.choice([30, 600])],
            lambda: ["SADD", strs()] + self.many("se"),
            lambda: ["SREM", k()] + self.elements() + [rng.choice(INTS)],
            lambda: ["SMOVE", strs(), strs(), self.element()],
            lambda: [rng.choice(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), strs(), k(),
                     k()],
        ])()

    def zset_cmd(self):
        rng, k = self.rng, lambda: self.key(ZSETS)

        def pairs(n):
            return sum([[rng.choice(SCORES), self.element()] for _ in range(n)], [])

        return rng.choice([
            lambda: ["ZADD", k()] + pairs(rng.randint(1, 4)),
            lambda: ["ZADD", k()] + sum([[str(i * 0.5), m] for i, m in
                                         enumerate(self.many("ze"))], []),
            lambda: ["ZINCRBY", k(), rng.choice(["1", "-0.5", "1e10"]), self.element()],
            lambda: ["ZREM", k()] + self.elements(),
            lambda: ["ZREMRANGEBYRANK", k(), str(rng.randint(0, 10)), str(rng.randint(-200, 20))],
            lambda: ["ZREMRANGEBYSCORE", k(), rng.choice(["-inf", "0", "(1"]),
                     rng.choice(["10", "+inf", "50"])],
            lambda: ["ZPOPMIN", k(), str(rng.randint(1, 100))],
            lambda: [rng.choice(["ZUNIONSTORE", "ZINTERSTORE"]), k(), "2", k(), k()],
        ])()

    def hash_cmd(self):
        rng, k = self.rng, lambda: self.key(HASHES)
        return rng.choice([
            lambda: ["HSET", k()] + sum([[self.element(), self.element()]
                                         for _ in range(rng.randint(1, 4))], []),
            lambda: ["HSET", k()] + sum([[f, str(i)] for i, f in enumerate(self.many("hf"))], []),
            lambda: ["HINCRBY", k(), self.element(), rng.choice(["1", "-7", "100000"])],
            lambda: ["HINCRBYFLOAT", k(), self.element(), rng.choice(["0.1", "2.5", "-3"])],
            lambda: ["HDEL", k()] + self.elements(),
            lambda: ["HSETNX", k(), self.element(), "x" * rng.choice([5, 80])],
        ])()

    def stream_id(self, key):
        ms = self.stream_ms[key] = self.stream_ms[key] + self.rng.randint(0, 3)
        seq = self.rng.randint(0, 2)
        self.stream_ids[key].append(f"{ms}-{seq}")
        return f"{ms}-{seq}"

    def old_id(self, key):
        ids = self.stream_ids[key]
        return self.rng.choice(ids) if ids else "0-1"

    def stream_cmd(self):
        rng = self.rng
        key = rng.choice(STREAMS)
        fields = sum([[rng.choice(["f", "g", "n", "12"]), self.element()]
                      for _ in range(rng.randint(1, 3))], [])
        group, consumer = rng.choice(GROUPS), rng.choice(CONSUMERS)
        return rng.choice([
            lambda: ["XADD", key, self.stream_id(key)] + fields,
            lambda: ["XADD", key, self.stream_id(key)] + fields,
            lambda: ["XADD", key, "MAXLEN", rng.choice(["=", "~"]), str(rng.randint(5, 200)),
                     self.stream_id(key)] + fields,
            lambda: ["XDEL", key] + [self.old_id(key) for _ in range(rng.randint(1, 3))],
            lambda: ["XTRIM", key, "MAXLEN", rng.choice(["=", "~"]), str(rng.randint(0, 150))],
            lambda: ["XTRIM", key, "MINID", self.old_id(key)],
            lambda: ["XGROUP", "CREATE", key, group, rng.choice(["0", "$", self.old_id(key)]),
                     "MKSTREAM"],
            lambda: ["XGROUP", "SETID", key, group, rng.choice(["0", "$", self.old_id(key)])],
            lambda: ["XGROUP", "CREATECONSUMER", key, group, consumer],
            lambda: ["XGROUP", "DELCONSUMER" if rng.random() < 0.3 else "CREATECONSUMER", key,
                     group, consumer],
            lambda: ["XGROUP", "DESTROY", key, group] if rng.random() < 0.2 else
            ["XPENDING", key, group],
            lambda: ["XREADGROUP", "GROUP", group, consumer, "COUNT", str(rng.randint(1, 20)),
                     "STREAMS", key, rng.choice([">", ">", "0"])],
            lambda: ["XREADGROUP", "GROUP", group, consumer, "STREAMS", key, ">"],
            lambda: ["XACK", key, group] + [self.old_id(key) for _ in range(rng.randint(1, 4))],
            lambda: ["XCLAIM", key, group, consumer, "0"] +
            [self.old_id(key) for _ in range(rng.randint(1, 3))],
            lambda: ["XAUTOCLAIM", key, group, consumer, "0", "0-0", "COUNT",
                     str(rng.randint(1, 10)), "JUSTID"],
        ])()

    def keyspace_cmd(self):
        rng = self.rng
        return rng.choice([
            lambda: ["SELECT", str(rng.randrange(DBS))],
            lambda: ["PEXPIREAT", self.key(), self.expire_at()],
            lambda: ["PEXPIREAT", self.key(), self.expire_at()],
            lambda: ["PERSIST", self.key()],
            lambda: ["DEL", self.key()],
            lambda: ["MOVE", self.key(), str(rng.randrange(DBS))],
            lambda: ["COPY", self.key(), self.key(), "DB", str(rng.randrange(DBS)), "REPLACE"],
            lambda: ["RENAME", self.key(), self.key()],
            lambda: ["SWAPDB", str(rng.randrange(DBS)), str(rng.randrange(DBS))],
            lambda: ["TYPE", self.key()],
        ])()

    def digest_cmd(self):
        rng = self.rng
        if rng.random() < 0.3:
            return ["DEBUG", "DIGEST"]
        return ["DEBUG", "DIGEST-VALUE"] + [self.key() for _ in range(rng.randint(1, 5))]

    def command(self):
        table = [(10, self.string_cmd), (10, self.list_cmd), (10, self.set_cmd),
                 (12, self.zset_cmd), (10, self.hash_cmd), (16, self.stream_cmd),
                 (7, self.keyspace_cmd), (8, self.digest_cmd)]
        return self.rng.choices([f for _, f in table], weights=[w for w, _ in table])[0]()


def stream_coverage(groups):
    """("stream", "groups") / ("stream", "pel") if XINFO GROUPS shows a group / a group with
    pending entries and consumers."""
    out = set()
    for g in groups:
        info = dict(zip(g[::2], g[1::2]))
        out.add(("stream", "groups"))
        if info[b"pending"] > 0 and info[b"consumers"] > 0:
            out.add(("stream", "pel"))
    return out


class DigestStream(Stream):
    def check_all_digests(self):
        """Every database: the same keys, each key's DIGEST-VALUE and TYPE, then the whole
        DEBUG DIGEST. Returns the (type, encoding) pairs of the tested server's keys (to show
        every encoding was covered; they are not compared here), and the digest."""
        encodings = set()
        for db in range(16):
            self.check_final([["SELECT", str(db)]])
            keys = sorted(self.ref.call("KEYS", "*"))
            if sorted(self.sut.call("KEYS", "*")) != keys:
                self.fail(f"db {db} keys differ", ["KEYS", "*"], keys,
                          sorted(self.sut.call("KEYS", "*")))
            if not keys:
                continue
            self.check_final([["DEBUG", "DIGEST-VALUE"] + keys],
                             what=f"db {db}: DIGEST-VALUE of every key differs")
            for key in keys:
                self.check_final([["TYPE", key]])
                encodings.add((self.sut.call("TYPE", key).decode(),
                               self.sut.call("OBJECT", "ENCODING", key).decode()))
                if self.ref.call("TYPE", key) == b"stream":
                    encodings |= stream_coverage(self.ref.call("XINFO", "GROUPS", key))
        self.check_final([["DEBUG", "DIGEST"]], what="DEBUG DIGEST differs")
        return encodings, self.ref.call("DEBUG", "DIGEST")


def run_stream(pair, seed, n, mutate=None):
    gen = DigestGenerator(seed)
    with DigestStream(pair, seed, mutate=mutate) as s:
        s.run(n, gen.command)
        encodings, digest = s.check_all_digests()
        return s.history, encodings, digest


# (type, encoding) pairs each seed must end with; streams also with groups and a PEL
EVERY_ENCODING = {("string", "int"), ("string", "embstr"), ("string", "raw"),
                  ("list", "quicklist"), ("set", "intset"), ("set", "hashtable"),
                  ("zset", "listpack"), ("zset", "skiplist"), ("hash", "listpack"),
                  ("hash", "hashtable"), ("stream", "stream"), ("stream", "groups"),
                  ("stream", "pel")}


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_differential_digest(pair, seed):
    history, encodings, digest = run_stream(pair, seed, COMMANDS_PER_SEED)
    assert digest != b"0" * 40
    # the digests really were exercised during the stream, on live (non-empty) data
    raw = [rep for cmd, rep in history if cmd[:2] == ["DEBUG", "DIGEST"]]
    assert len(raw) > 20 and len(set(raw)) > 10
    values = b"".join(rep for cmd, rep in history if cmd[:2] == ["DEBUG", "DIGEST-VALUE"])
    assert values.count(b"+") - values.count(b"+" + b"0" * 40) > 100  # digests of live keys
    assert sum(rep.startswith(b"-WRONGTYPE") for _, rep in history
               if isinstance(rep, bytes)) > 5
    # every type is present at the end, with its compact and its general encoding
    assert EVERY_ENCODING <= encodings, EVERY_ENCODING - encodings


# ---- fixed cases: what the digest leaves out ------------------------------------------------

def digests(conns, *keys):
    """Each server's DIGEST-VALUE replies for keys; they must be equal across servers."""
    a, b = (c.call("DEBUG", "DIGEST-VALUE", *keys) for c in conns)
    assert a == b, (keys, a, b)
    return a


@pytest.fixture
def conns(pair):
    cs = [srv.raw() for srv in pair]
    for c in cs:
        assert c.call("FLUSHALL") == b"OK"
    yield cs
    for c in cs:
        c.call("CONFIG", "SET", "zset-max-listpack-entries", "128")
        c.call("FLUSHALL")
        c.close()


def both_digest(conns):
    a, b = (c.call("DEBUG", "DIGEST") for c in conns)
    assert a == b, (a, b)
    return a


def run_all(conns, cmds):
    for cmd in cmds:
        a, b = (c.call(*cmd) for c in conns)
        assert a == b, (cmd, a, b)


def encodings(conns, *keys):
    out = [[c.call("OBJECT", "ENCODING", k) for k in keys] for c in conns]
    assert out[0] == out[1], out
    return out[0]


def test_encoding_change_keeps_the_digest(conns):
    members = sum([[str(i) + ".25", f"m{i}"] for i in range(5)], [])
    run_all(conns, [["ZADD", "small"] + members,
                    ["ZADD", "big"] + members + sum([[str(i), f"extra{i}"]
                                                     for i in range(200)], []),
                    ["ZREM", "big"] + [f"extra{i}" for i in range(200)],
                    # listpack -> skiplist by CONFIG and a later ZADD, then trimmed back
                    ["ZADD", "conv"] + members,
                    ["CONFIG", "SET", "zset-max-listpack-entries", "2"],
                    ["ZADD", "conv", "100", "tmp"],
                    ["ZREM", "conv", "tmp"],
                    ["CONFIG", "SET", "zset-max-listpack-entries", "128"],
                    ["SADD", "ints", "1", "2", "3"], ["SADD", "strs", "1", "2", "3", "x"],
                    ["SREM", "strs", "x"],
                    ["HSET", "hsmall", "f", "1", "g", "2"],
                    ["HSET", "hbig", "f", "1", "g", "2", "long", "v" * 100],
                    ["HDEL", "hbig", "long"],
                    ["RPUSH", "lsmall", "a", "1", "b"],
                    ["RPUSH", "lbig", "a", "1", "b"] + ["w" * 100] * 100,
                    ["RPOP", "lbig", "100"],
                    ["SET", "int", "12345"], ["SET", "raw", "1234"], ["APPEND", "raw", "5"]])
    assert encodings(conns, "small", "big", "conv") == [b"listpack", b"skiplist", b"skiplist"]
    assert encodings(conns, "ints", "strs", "hsmall", "hbig") == [
        b"intset", b"hashtable", b"listpack", b"hashtable"]
    assert encodings(conns, "int", "raw") == [b"int", b"raw"]
    small, big, conv = digests(conns, "small", "big", "conv")
    assert small == big == conv and small != b"0" * 40
    ints, strs = digests(conns, "ints", "strs")
    assert ints == strs
    hsmall, hbig = digests(conns, "hsmall", "hbig")
    assert hsmall == hbig
    lsmall, lbig = digests(conns, "lsmall", "lbig")
    assert lsmall == lbig
    i, r = digests(conns, "int", "raw")
    assert i == r
    # the dataset digest agrees too, and differs from a dataset with one element changed
    before = both_digest(conns)
    run_all(conns, [["ZADD", "big", "0.5", "m0"]])
    assert both_digest(conns) != before


def test_stream_digest_ignores_groups_and_deleted_entries(conns):
    run_all(conns, [["XADD", "plain", "1-1", "f", "v", "n", "12"],
                    ["XADD", "plain", "3-0", "f", "w", "n", "13"],
                    ["XADD", "busy", "1-1", "f", "v", "n", "12"],
                    ["XADD", "busy", "2-0", "f", "gone"],
                    ["XADD", "busy", "3-0", "f", "w", "n", "13"],
                    ["XDEL", "busy", "2-0"],
                    ["XGROUP", "CREATE", "busy", "g", "0"],
                    ["XGROUP", "CREATECONSUMER", "busy", "g", "carol"],
                    ["XREADGROUP", "GROUP", "g", "alice", "COUNT", "1", "STREAMS", "busy", ">"]])
    plain, busy = digests(conns, "plain", "busy")
    assert plain == busy and plain != b"0" * 40
    run_all(conns, [["XADD", "busy", "4-0", "f", "x"]])
    assert digests(conns, "busy") != [plain]


def test_expire_flag_not_time_and_databases(conns):
    run_all(conns, [["SET", "a", "v"], ["SET", "b", "v", "PXAT", str(EXPIRE_BASE)],
                    ["SET", "c", "v", "PXAT", str(EXPIRE_BASE + 1)]])
    a, b, c = digests(conns, "a", "b", "c")
    assert a != b and b == c  # the expiry is a flag; its time is not digested in 7.0
    assert digests(conns, "missing") == [b"0" * 40]
    d0 = both_digest(conns)
    run_all(conns, [["MOVE", "a", "1"]])
    d_moved = both_digest(conns)
    assert d_moved != d0  # a key's database counts
    run_all(conns, [["SWAPDB", "0", "1"]])
    assert both_digest(conns) not in (d0, d_moved)
    run_all(conns, [["FLUSHALL"]])
    assert both_digest(conns) == b"0" * 40


def test_logically_expired_keys_are_digested(conns):
    """DEBUG commands look at the table as it is: a key past its expiry that no one has
    removed yet still counts (Redis 7.0 does not use lookupKey there)."""
    run_all(conns, [["DEBUG", "SET-ACTIVE-EXPIRE", "0"]])
    try:
        run_all(conns, [["SET", "k", "v", "PX", "1"], ["SET", "keep", "v"]])
        time.sleep(0.05)
        (k,) = digests(conns, "k")
        assert k != b"0" * 40
        with_expired = both_digest(conns)
        run_all(conns, [["GET", "k"]])  # lazy expiry removes it
        assert both_digest(conns) != with_expired
        assert digests(conns, "k") == [b"0" * 40]
    finally:
        run_all(conns, [["DEBUG", "SET-ACTIVE-EXPIRE", "1"]])


def test_harness_reports_first_mismatch(pair):
    def run(p, seed, n, mutate=None):
        return run_stream(p, seed, n, mutate=mutate)[0]
    assert_reports_first_mismatch(run, pair, seed=9, n=200, bad=(40, 90))


def test_digest_generator_is_deterministic():
    assert_deterministic(DigestGenerator, 3)
