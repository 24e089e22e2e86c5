"""Differential tests for Pub/Sub, keyspace notifications and client-side caching: the same
steps run against Debian's redis-server 7.0.15 and the server under test, and the exact bytes
every connection receives (replies, messages, pushes, invalidations) must be the same.

Two harnesses:

* Keyspace events: the seeded command streams of the family differential tests (strings and
  keys, lists, sets, hashes, zsets, bitmaps, HyperLogLog, GEO, SORT) run on one connection
  while another is PSUBSCRIBEd to '*' with notify-keyspace-events on; the subscriber's
  message stream is compared message by message (commands whose effect is random are left
  out, the other replies are not compared here: the family tests do that).
* Scenarios: scripted steps on named connections. After every step each open connection is
  synchronised with `PING <token>` (allowed in every mode), so each step's output on every
  connection is compared exactly, including the order of replies and pushes. Client ids
  differ between the two servers: they are passed as Id("name") and normalised in the few
  frames that carry them.
"""

import random
import time

import pytest

import helpers
from helpers import encode_command
from test_differential import Generator as StringGenerator
from test_differential_bitmaps import BitmapGenerator
from test_differential_geo import GeoGenerator
from test_differential_hashes import HashGenerator
from test_differential_hyperloglog import HllGenerator
from test_differential_lists import ListGenerator
from test_differential_sets import SetGenerator
from test_differential_sort import SortGenerator, setup_commands
from test_differential_streams import StreamGenerator
from test_differential_zsets import ZsetGenerator

EVENTS = "KEAn"  # every class, both channel kinds, and "new"
BATCH = 64


# ---------------------------------------------------------------------------------------------
# Frame reading
# ---------------------------------------------------------------------------------------------

def read_frame(conn):
    """The exact bytes of the next complete RESP frame on a RawConn."""
    return conn.read_reply_raw()


def sync_frames(conn, token):
    """Sends PING <token> and returns every frame up to and including its reply."""
    conn.send_command("PING", token)
    want = {b"$%d\r\n%s\r\n" % (len(token), token.encode()),
            b"*2\r\n$4\r\npong\r\n$%d\r\n%s\r\n" % (len(token), token.encode())}
    frames = []
    while True:
        f = read_frame(conn)
        frames.append(f)
        if f in want:
            return frames


# ---------------------------------------------------------------------------------------------
# Keyspace events
# ---------------------------------------------------------------------------------------------

class MixedGenerator:
    """Commands from every family generator, deterministic per seed. `sort=False` leaves SORT
    out: its BY/GET lookups (and so their keymiss events) follow the order elements are loaded
    in, which Redis leaves unspecified."""

    def __init__(self, seed, sort=True):
        rng = random.Random(seed)
        self.rng = rng
        self.gens = [
            (6, StringGenerator(rng.randrange(1 << 30), int(time.time()))),
            (4, ListGenerator(rng.randrange(1 << 30))),
            (4, SetGenerator(rng.randrange(1 << 30))),
            (4, HashGenerator(rng.randrange(1 << 30))),
            (4, ZsetGenerator(rng.randrange(1 << 30))),
            (2, BitmapGenerator(rng.randrange(1 << 30))),
            (2, HllGenerator(rng.randrange(1 << 30))),
            (2, GeoGenerator(rng.randrange(1 << 30))),
            (2, SortGenerator(rng.randrange(1 << 30))),
            (4, StreamGenerator(rng.randrange(1 << 30))),
        ]
        self.pending = setup_commands(random.Random(seed))
        self.busy = None
        if not sort:
            self.gens = [(w, g) for w, g in self.gens if not isinstance(g, SortGenerator)]
            self.pending = []

    def command(self):
        if self.pending:
            return self.pending.pop(0)
        while True:
            g = self.busy
            if g is None:
                g = self.rng.choices([g for _, g in self.gens],
                                     weights=[w for w, _ in self.gens])[0]
            out = g.command()
            # A generator's multi-command sequence (MULTI ... EXEC) is not interleaved.
            self.busy = g if getattr(g, "pending", None) else None
            if isinstance(g, SortGenerator):
                out = out[0]
            elif isinstance(out, tuple):
                kind, out = out
                if kind != "batch":
                    continue  # random effects (SPOP, SRANDMEMBER, ...): not comparable
            if out and str(out[0]).upper() in ("FLUSHALL", "FLUSHDB"):
                continue  # keep the keyspace (and thus the event stream) growing
            return out


def subscriber(srv, resp3):
    conn = srv.raw(timeout=30)
    if resp3:
        assert isinstance(conn.call("HELLO", "3"), helpers.Map)
    conn.send_command("PSUBSCRIBE", "*")
    read_frame(conn)
    return conn


def run_event_stream(pair_, seed, n, resp3, events=EVENTS, sort=True):
    ref_srv, sut_srv = pair_
    sides = []
    for srv in (ref_srv, sut_srv):
        ctl = srv.raw(timeout=30)
        assert ctl.call("FLUSHALL") == b"OK"
        assert ctl.call("CONFIG", "SET", "notify-keyspace-events", events) == b"OK"
        # Keys set with a past expiry (SET ... PXAT 1) must expire when touched, not whenever
        # a cron run happens to find them.
        assert ctl.call("DEBUG", "SET-ACTIVE-EXPIRE", "0") == b"OK"
        sides.append((ctl, subscriber(srv, resp3)))
    gen = MixedGenerator(seed, sort)
    history = []
    try:
        for start in range(0, n, BATCH):
            cmds = [gen.command() for _ in range(min(BATCH, n - start))]
            streams = []
            for which, (ctl, sub) in zip(("redis", "sable"), sides):
                try:
                    ctl.send(b"".join(encode_command(*c) for c in cmds))
                    for _ in cmds:
                        read_frame(ctl)
                    streams.append(sync_frames(sub, f"sync{start}"))
                except (OSError, ConnectionError) as e:
                    pytest.fail(f"{which}: {e!r} (seed={seed}, batch at {start}): {cmds!r}")
            history += cmds
            a, b = streams
            if a != b:
                i = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
                pytest.fail(f"event streams differ (seed={seed}, resp3={resp3}, batch at {start})\n"
                            f"redis: {a[i:i + 4]!r}\nsable: {b[i:i + 4]!r}\n"
                            f"redis before: {a[max(0, i - 3):i]!r}\n"
                            f"batch commands: {cmds!r}")
    finally:
        for ctl, sub in sides:
            ctl.call("CONFIG", "SET", "notify-keyspace-events", "")
            ctl.call("DEBUG", "SET-ACTIVE-EXPIRE", "1")
            ctl.close()
            sub.close()


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_keyspace_event_streams_resp2(pair, seed):  # noqa: F811
    run_event_stream(pair, seed, 1500, resp3=False)


def test_keyspace_event_streams_resp3(pair):  # noqa: F811
    run_event_stream(pair, 4, 1000, resp3=True)


@pytest.mark.parametrize("seed", [5, 6])
def test_keyspace_keymiss_streams(pair, seed):  # noqa: F811
    """'m' too: every read of a missing key is a keymiss event."""
    run_event_stream(pair, seed, 1500, resp3=False, events="KEAnm", sort=False)


def test_mixed_generator_is_deterministic():
    a, b = MixedGenerator(7), MixedGenerator(7)
    assert [a.command() for _ in range(300)] == [b.command() for _ in range(300)]


# ---------------------------------------------------------------------------------------------
# Scenarios
# ---------------------------------------------------------------------------------------------

class Id:
    """A client's id, resolved per server."""

    def __init__(self, name):
        self.name = name


class Run:
    """One server's side of a scenario: named connections and what each received per step."""

    def __init__(self, srv):
        self.srv = srv
        self.conns = {}
        self.ids = {}
        self.closed = set()
        self.in_multi = set()

    def connect(self, name):
        conn = self.srv.raw(timeout=5)
        self.ids[name] = conn.call("CLIENT", "ID")
        self.conns[name] = conn

    def resolve(self, args):
        return [str(self.ids[a.name]) if isinstance(a, Id) else a for a in args]

    def normalise(self, frame, force=False):
        """Client ids as names, in frames that carry them."""
        if force or b"tracking-redir-broken" in frame:
            for name, cid in self.ids.items():
                frame = frame.replace(b":%d\r\n" % cid, b":<%s>\r\n" % name.encode())
                frame = frame.replace(b"id=%d " % cid, b"id=<%s> " % name.encode())
                frame = frame.replace(b"redir=%d " % cid, b"redir=<%s> " % name.encode())
        return frame

    def step(self, index, name, args, ids_in_reply=False):
        """Runs one step; returns {connection: [frames]}."""
        out = {}
        if name not in self.conns:
            self.connect(name)
        conn = self.conns[name]
        conn.send_command(*self.resolve(args))
        verb = str(args[0]).upper()
        if verb == "QUIT":
            out[name] = [conn.read_until_closed()]
            self.closed.add(name)
        elif name in self.in_multi or verb == "MULTI":
            # a PING would only be queued: the reply is the one frame
            out[name] = [conn.read_reply_raw()]
            if verb in ("EXEC", "DISCARD", "RESET"):
                self.in_multi.discard(name)
            elif out[name][0] == b"+OK\r\n" and verb == "MULTI":
                self.in_multi.add(name)
        token = f"t{index}"
        # The acting connection first: once its PING is answered, everything its command
        # caused (including BCAST invalidations, sent before the loop sleeps) is on the wire.
        for other in sorted(self.conns, key=lambda n: (n != name, n)):
            if other in self.closed or other in self.in_multi:
                continue
            if other == name and verb == "MULTI":
                continue
            frames = sync_frames(self.conns[other], token)
            force = ids_in_reply and other == name
            out.setdefault(other, []).extend(self.normalise(f, force) for f in frames)
        return out

    def close(self):
        for n, c in self.conns.items():
            c.close()


def run_scenario(pair_, steps, setup=()):
    """steps: (connection, [args...]) or (connection, [args...], True) when the reply carries
    client ids. Fails at the first step whose output differs on any connection."""
    runs = [Run(srv) for srv in pair_]
    try:
        for run in runs:
            ctl = run.srv.raw()
            assert ctl.call("FLUSHALL") == b"OK"
            for cmd in setup:
                ctl.call(*cmd)
            ctl.close()
        log = []
        for i, step in enumerate(steps):
            name, args = step[0], step[1]
            ids = len(step) > 2 and step[2]
            outs = []
            for which, run in zip(("redis", "sable"), runs):
                try:
                    outs.append(run.step(i, name, args, ids))
                except (OSError, ConnectionError) as e:
                    pytest.fail(f"step {i} ({name}: {args!r}) on {which}: {e!r}")
            a, b = outs
            log.append((name, args, a))
            if a != b:
                ctx = "\n".join(f"  {n}: {x!r} -> {o!r}" for n, x, o in log[-6:-1])
                pytest.fail(f"step {i} ({name}: {args!r}) differs\nredis: {a!r}\n"
                            f"sable: {b!r}\nearlier steps:\n{ctx}")
    finally:
        for run in runs:
            run.close()
        ctl = pair_[0].raw()
        ctl.call("CONFIG", "SET", "notify-keyspace-events", "")
        ctl.close()
        ctl = pair_[1].raw()
        ctl.call("CONFIG", "SET", "notify-keyspace-events", "")
        ctl.close()


def test_pubsub_scenario_resp2(pair):  # noqa: F811
    run_scenario(pair, [
        ("a", ["SUBSCRIBE", "c1", "c2", "c1"]),
        ("b", ["PSUBSCRIBE", "c*", "x?", "c*"]),
        ("p", ["PUBLISH", "c1", "hello"]),
        ("p", ["PUBLISH", "xy", "m"]),
        ("p", ["PUBLISH", "none", "m"]),
        ("p", ["PUBSUB", "NUMSUB", "c1", "c2", "zz"]),
        ("p", ["PUBSUB", "NUMPAT"]),
        ("p", ["PUBSUB", "CHANNELS", "c1"]),
        ("p", ["PUBSUB", "CHANNELS", "zz*"]),
        ("p", ["PUBSUB", "CHANNELS", "a", "b"]),
        ("p", ["PUBSUB", "HELP"]),
        ("p", ["PUBSUB", "FOO"]),
        ("p", ["PUBSUB"]),
        ("a", ["GET", "k"]),
        ("a", ["CLIENT", "ID"]),
        ("a", ["PING"]),
        ("a", ["PING", "x"]),
        ("a", ["MULTI"]),
        ("a", ["UNSUBSCRIBE", "c1"]),
        ("p", ["PUBLISH", "c1", "again"]),
        ("p", ["PUBLISH", "c2", "two"]),
        ("a", ["UNSUBSCRIBE"]),
        ("a", ["UNSUBSCRIBE"]),
        ("a", ["PUNSUBSCRIBE"]),
        ("a", ["GET", "k"]),
        ("b", ["PUNSUBSCRIBE", "x?", "nope"]),
        ("b", ["SUBSCRIBE", "c3"]),
        ("b", ["SSUBSCRIBE", "c3"]),
        ("p", ["SPUBLISH", "c3", "shard"]),
        ("p", ["PUBLISH", "c3", "plain"]),
        ("p", ["PUBSUB", "SHARDNUMSUB", "c3", "c4"]),
        ("p", ["PUBSUB", "SHARDCHANNELS"]),
        ("b", ["SUNSUBSCRIBE"]),
        ("b", ["SUNSUBSCRIBE"]),
        ("b", ["RESET"]),
        ("b", ["GET", "k"]),
        ("p", ["PUBLISH", "c3", "gone"]),
        ("p", ["SUBSCRIBE"]),
        ("p", ["PSUBSCRIBE"]),
        ("p", ["PUBLISH", "c1"]),
        ("a", ["SUBSCRIBE", "q"]),
        ("a", ["QUIT"]),
        ("p", ["PUBLISH", "q", "after quit"]),
        ("p", ["PUBSUB", "NUMSUB", "q"]),
    ])


def test_pubsub_scenario_resp3(pair):  # noqa: F811
    run_scenario(pair, [
        ("a", ["HELLO", "3"], True),
        ("a", ["SUBSCRIBE", "c1"]),
        ("a", ["PSUBSCRIBE", "c*"]),
        ("a", ["SSUBSCRIBE", "c1"]),
        ("a", ["GET", "k"]),           # any command works in RESP3 Pub/Sub mode
        ("a", ["PUBLISH", "c1", "self"]),
        ("a", ["SPUBLISH", "c1", "self-shard"]),
        ("p", ["PUBLISH", "c1", "other"]),
        ("a", ["UNSUBSCRIBE", "c1"]),
        ("a", ["PUNSUBSCRIBE"]),
        ("a", ["SUNSUBSCRIBE", "c1", "c2"]),
        ("a", ["HELLO", "2"], True),
        ("a", ["MULTI"]),
        ("a", ["SUBSCRIBE", "m"]),
        ("a", ["SSUBSCRIBE", "m"]),
        ("a", ["EXEC"]),
        ("a", ["RESET"]),
    ])


def test_keyspace_event_scenario(pair):  # noqa: F811
    """Every event class once, with both channel kinds, in a non-zero db, seen by a RESP2
    and a RESP3 subscriber; expiry made deterministic (lazy only)."""
    steps = [
        ("s2", ["PSUBSCRIBE", "__key*@*__:*"]),
        ("s3", ["HELLO", "3"], True),
        ("s3", ["SUBSCRIBE", "__keyevent@5__:expired", "__keyspace@5__:k"]),
        ("c", ["SELECT", "5"]),
        ("c", ["DEBUG", "SET-ACTIVE-EXPIRE", "0"]),
    ]
    cmds = [
        ["SET", "k", "v"], ["SET", "k", "v", "EX", "100"], ["SETEX", "k", "100", "v"],
        ["SET", "k", "v", "KEEPTTL"], ["GETEX", "k", "PERSIST"], ["GETEX", "k", "PX", "100000"],
        ["PERSIST", "k"], ["EXPIRE", "k", "100"], ["PERSIST", "k"], ["PEXPIREAT", "k", "1"],
        ["SET", "k", "1"], ["INCR", "k"], ["INCRBYFLOAT", "k", "1.5"], ["APPEND", "k", "x"],
        ["SETRANGE", "k", "1", "y"], ["SETRANGE", "k", "1", ""], ["GETSET", "k", "z"],
        ["GETDEL", "k"], ["MSET", "a", "1", "b", "2"], ["MSETNX", "a", "1", "c", "2"],
        ["MSETNX", "d", "1", "e", "2"], ["RENAME", "a", "k"], ["RENAMENX", "b", "k"],
        ["COPY", "k", "k2"], ["COPY", "k", "k2", "DB", "6", "REPLACE"], ["MOVE", "k2", "7"],
        ["DEL", "k", "nope", "b"], ["UNLINK", "c", "d"],
        ["LPUSH", "k", "a", "b", "c"], ["RPUSH", "k", "d"], ["LPUSHX", "k", "e"],
        ["RPUSHX", "nope", "e"], ["LINSERT", "k", "BEFORE", "a", "x"],
        ["LINSERT", "k", "BEFORE", "zz", "x"], ["LSET", "k", "0", "y"], ["LREM", "k", "0", "x"],
        ["LTRIM", "k", "0", "10"], ["LPOP", "k"], ["RPOP", "k", "2"], ["LMOVE", "k", "k3",
                                                                       "LEFT", "RIGHT"],
        ["RPOPLPUSH", "k3", "k3"], ["LMPOP", "2", "nope", "k", "LEFT", "COUNT", "5"],
        ["BLPOP", "k3", "0"], ["LTRIM", "k", "5", "1"],
        ["SADD", "s", "a", "b", "c"], ["SADD", "s", "a"], ["SREM", "s", "x"], ["SREM", "s", "a"],
        ["SMOVE", "s", "s2", "b"], ["SMOVE", "s", "s2", "zz"], ["SPOP", "s"],
        ["SADD", "s", "1", "2"], ["SINTERSTORE", "d", "s", "s2"], ["SUNIONSTORE", "d", "s",
                                                                   "s2"],
        ["SDIFFSTORE", "d", "s", "s"], ["SDIFFSTORE", "d", "s", "s"], ["SPOP", "s", "5"],
        ["HSET", "h", "a", "1", "b", "2"], ["HSETNX", "h", "a", "1"], ["HSETNX", "h", "c", "1"],
        ["HINCRBY", "h", "a", "2"], ["HINCRBYFLOAT", "h", "a", "0.5"], ["HDEL", "h", "zz"],
        ["HDEL", "h", "a", "b", "c"], ["HMSET", "h", "x", "y"],
        ["ZADD", "z", "1", "a", "2", "b", "3", "c", "4", "d"], ["ZADD", "z", "1", "a"],
        ["ZINCRBY", "z", "1", "a"], ["ZREM", "z", "zz"], ["ZREM", "z", "a"],
        ["ZREMRANGEBYSCORE", "z", "100", "200"], ["ZREMRANGEBYSCORE", "z", "2", "2"],
        ["ZREMRANGEBYRANK", "z", "0", "0"], ["ZADD", "z", "0", "a", "0", "b", "0", "c"],
        ["ZREMRANGEBYLEX", "z", "[a", "[b"], ["ZPOPMIN", "z"], ["ZPOPMAX", "z", "10"],
        ["ZADD", "z", "1", "a", "2", "b"], ["ZUNIONSTORE", "z2", "2", "z", "nope"],
        ["ZINTERSTORE", "z2", "2", "z", "nope"], ["ZDIFFSTORE", "z2", "1", "z"],
        ["ZRANGESTORE", "z3", "z", "0", "-1"], ["ZRANGESTORE", "z3", "z", "5", "6"],
        ["BZPOPMIN", "z", "0"], ["ZMPOP", "1", "z", "MAX"],
        ["SETBIT", "bits", "7", "1"], ["SETBIT", "bits", "7", "1"],
        ["BITFIELD", "bits", "SET", "u8", "0", "255"], ["BITFIELD", "bits", "GET", "u8", "0"],
        ["BITOP", "NOT", "bits2", "bits"], ["BITOP", "AND", "bits2", "nope"],
        ["PFADD", "hll", "a", "b"], ["PFADD", "hll", "a"], ["PFMERGE", "hll2", "hll"],
        ["GEOADD", "geo", "13.36", "38.11", "Palermo", "15.08", "37.50", "Catania"],
        ["GEOSEARCHSTORE", "geo2", "geo", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
        ["GEORADIUS", "geo", "15", "37", "200", "km", "STORE", "geo3"],
        ["GEORADIUS", "geo", "0", "0", "1", "km", "STORE", "geo3"],
        ["RPUSH", "srt", "3", "1", "2"], ["SORT", "srt", "STORE", "srt2"],
        ["SORT", "nope", "STORE", "srt2"],
        ["SET", "k", "v", "PX", "1"], ["DEBUG", "SLEEP", "0.01"], ["GET", "k"],
        ["SET", "big", "x"], ["EXPIRE", "big", "-1"],
        ["SWAPDB", "5", "6"], ["FLUSHDB"],
    ]
    steps += [("c", cmd) for cmd in cmds]
    steps.append(("c", ["DEBUG", "SET-ACTIVE-EXPIRE", "1"]))
    run_scenario(pair, steps, setup=[["CONFIG", "SET", "notify-keyspace-events", "KEAn"]])


def test_keyspace_event_classes_scenario(pair):  # noqa: F811
    """Only some classes / one channel kind."""
    steps = [("s", ["PSUBSCRIBE", "*"])]
    for classes in ["K$", "El", "Kg", "KEs", "Ehz", "KExn", "AK", "AE", "E", ""]:
        steps.append(("c", ["CONFIG", "SET", "notify-keyspace-events", classes]))
        steps.append(("c", ["CONFIG", "GET", "notify-keyspace-events"]))
        steps += [("c", c) for c in (["SET", "a", "1"], ["LPUSH", "l", "1"], ["SADD", "st", "1"],
                                     ["HSET", "h", "f", "v"], ["ZADD", "z", "1", "m"],
                                     ["EXPIRE", "a", "100"], ["DEL", "a", "l", "st", "h", "z"])]
    steps.append(("c", ["CONFIG", "SET", "notify-keyspace-events", "KEX"]))
    steps.append(("c", ["CONFIG", "SET", "notify-keyspace-events", "gKE$lshzxetdmn"]))
    steps.append(("c", ["CONFIG", "GET", "notify-keyspace-events"]))
    run_scenario(pair, steps)


def test_tracking_scenario_default_mode(pair):  # noqa: F811
    run_scenario(pair, [
        ("t", ["HELLO", "3"], True),
        ("t", ["CLIENT", "TRACKING", "on"]),
        ("w", ["MSET", "a", "1", "b", "2"]),
        ("t", ["GET", "a"]),
        ("t", ["MGET", "a", "b", "missing"]),
        ("w", ["SET", "a", "3"]),           # one invalidation for a
        ("w", ["SET", "a", "4"]),           # a is no longer tracked
        ("w", ["DEL", "b", "missing"]),
        ("w", ["SET", "missing", "1"]),     # tracked while missing
        ("t", ["GET", "a"]),
        ("t", ["SET", "a", "self"]),        # own write: invalidation after the reply
        ("t", ["GET", "a"]),
        ("t", ["MULTI"]),
        ("t", ["INCR", "a"]),
        ("t", ["GET", "a"]),
        ("t", ["EXEC"]),                    # invalidations after the EXEC reply
        ("t", ["CLIENT", "TRACKINGINFO"], True),
        ("t", ["CLIENT", "GETREDIR"]),
        ("t", ["LPUSH", "l", "x"]),
        ("t", ["LRANGE", "l", "0", "-1"]),
        ("w", ["RPOPLPUSH", "l", "l2"]),
        ("t", ["SADD", "s1", "x"]),
        ("t", ["SMEMBERS", "s1"]),
        ("t", ["SMEMBERS", "s2"]),
        ("w", ["SINTERSTORE", "s2", "s1", "s1"]),  # only the destination changes
        ("w", ["SADD", "s1", "y"]),
        ("t", ["GET", "a"]),
        ("w", ["FLUSHDB"]),                 # null: everything
        ("t", ["GET", "a"]),
        ("t", ["FLUSHALL"]),
        ("t", ["CLIENT", "TRACKING", "on", "NOLOOP"]),
        ("t", ["GET", "x"]),
        ("t", ["SET", "x", "1"]),
        ("w", ["SET", "x", "2"]),
        ("t", ["CLIENT", "TRACKING", "off"]),
        ("t", ["CLIENT", "TRACKINGINFO"], True),
        ("t", ["CLIENT", "TRACKING", "on", "OPTIN"]),
        ("t", ["GET", "o1"]),
        ("t", ["CLIENT", "CACHING", "yes"]),
        ("t", ["GET", "o2"]),
        ("t", ["GET", "o3"]),
        ("w", ["MSET", "o1", "1", "o2", "2", "o3", "3"]),
        ("t", ["CLIENT", "CACHING", "no"]),
        ("t", ["CLIENT", "TRACKING", "on", "OPTOUT"]),
        ("t", ["CLIENT", "TRACKING", "off"]),
        ("t", ["CLIENT", "TRACKING", "on", "OPTOUT"]),
        ("t", ["CLIENT", "CACHING", "no"]),
        ("t", ["GET", "o1"]),
        ("t", ["GET", "o2"]),
        ("w", ["MSET", "o1", "1", "o2", "2"]),
        ("t", ["CLIENT", "CACHING", "yes"]),
        ("t", ["CLIENT", "CACHING", "maybe"]),
        ("t", ["CLIENT", "TRACKINGINFO"], True),
        ("t", ["CLIENT", "TRACKING", "off"]),
        ("t", ["CLIENT", "CACHING", "yes"]),
    ])


def test_tracking_scenario_redirect_and_bcast(pair):  # noqa: F811
    run_scenario(pair, [
        ("r", ["SUBSCRIBE", "__redis__:invalidate"]),
        ("t", ["CLIENT", "TRACKING", "on", "REDIRECT", Id("r")]),
        ("t", ["CLIENT", "GETREDIR"], True),
        ("t", ["GET", "a"]),
        ("w", ["SET", "a", "1"]),           # RESP2 message on __redis__:invalidate
        ("t", ["GET", "a"]),
        ("w", ["FLUSHALL"]),                # the RESP2 null
        ("t", ["HELLO", "3"], True),
        ("t", ["GET", "a"]),
        ("w", ["FLUSHALL"]),                # t's RESP3 null, to a RESP2 client (as Redis)
        ("t", ["CLIENT", "TRACKING", "on", "BCAST"]),
        ("t", ["CLIENT", "TRACKING", "off"]),
        ("t", ["CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", Id("r"), "PREFIX", "a:",
               "PREFIX", "b:"]),
        ("t", ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "a"]),
        ("t", ["CLIENT", "TRACKING", "on", "BCAST", "PREFIX", "c:", "PREFIX", "c:d"]),
        ("t", ["CLIENT", "TRACKING", "on", "BCAST", "REDIRECT", Id("r"), "PREFIX", "c:"]),
        ("t", ["CLIENT", "TRACKINGINFO"], True),
        ("w", ["MSET", "a:1", "1", "b:1", "2", "c:1", "3", "d:1", "4"]),
        ("w", ["MULTI"]),
        ("w", ["INCR", "a:2"]),
        ("w", ["INCR", "a:1"]),
        ("w", ["DEL", "b:1"]),
        ("w", ["EXEC"]),
        ("t", ["SET", "a:3", "x"]),
        ("t", ["CLIENT", "TRACKING", "off"]),
        ("t", ["CLIENT", "TRACKING", "on", "BCAST", "NOLOOP", "REDIRECT", Id("r")]),
        ("t", ["SET", "mine", "1"]),
        ("w", ["SET", "theirs", "1"]),
        ("t", ["CLIENT", "TRACKING", "off"]),
        ("t", ["CLIENT", "TRACKING", "on", "PREFIX", "x"]),
        ("t", ["CLIENT", "TRACKING", "on", "BCAST", "OPTIN"]),
        ("t", ["CLIENT", "TRACKING", "on", "OPTIN", "OPTOUT"]),
        ("t", ["CLIENT", "TRACKING", "on", "REDIRECT", "abc"]),
        ("t", ["CLIENT", "TRACKING", "on", "REDIRECT", "999999"]),
        ("t", ["CLIENT", "TRACKING", "on", "REDIRECT", Id("r"), "REDIRECT", Id("r")]),
        ("t", ["CLIENT", "TRACKING", "on", "FOO"]),
        ("t", ["CLIENT", "TRACKING", "maybe"]),
        ("t", ["CLIENT", "TRACKING", "on", "REDIRECT", Id("r")]),
        ("t", ["CLIENT", "TRACKING", "on", "OPTIN"]),
        ("t", ["CLIENT", "TRACKING", "on", "BCAST"]),
        ("t", ["CLIENT", "TRACKING", "off"]),
        ("t", ["CLIENT", "TRACKING", "on", "REDIRECT", Id("r")]),
        ("t", ["GET", "k"]),
        ("r", ["QUIT"]),
        ("w", ["SET", "k", "1"]),           # tracking-redir-broken to t (RESP3)
        ("t", ["CLIENT", "TRACKINGINFO"], True),
        ("t", ["RESET"]),
        ("t", ["CLIENT", "TRACKINGINFO"], True),
    ])


def test_scenario_harness_sees_differences(pair):  # noqa: F811
    """A step whose output differs is seen as different (one server holds an extra key)."""
    ref, sut = pair
    ctl = sut.raw()
    runs = [Run(ref), Run(sut)]
    try:
        ctl.call("SET", "only-here", "1")
        a = runs[0].step(0, "x", ["EXISTS", "only-here"])
        b = runs[1].step(0, "x", ["EXISTS", "only-here"])
        assert a != b
        assert a["x"][0] == b":0\r\n" and b["x"][0] == b":1\r\n"
    finally:
        for run in runs:
            run.close()
        ctl.call("DEL", "only-here")
        ctl.close()
