"""Differential test for the GEO family: seeded random GEO command streams go to Debian's
redis-server and to the server under test (the harness of differential.py); every reply must
match byte for byte.

GEO replies are deterministic, so nothing is normalised: coordinates ("%.17Lf" trimmed, RESP3
doubles), distances (4 decimals), hashes, the unsorted order of a search (the order the 9 cells
are scanned in), the order of equal distances after a full sort (glibc's merge sort) or a
COUNT-limited one (Redis's partial quicksort), errors and their precedence, stored results
(contents and encoding) and GEOADD's effect on scores. Points are drawn from clusters (so that
searches find many), with repeated coordinates (ties), the grid's limits, invalid values, and
members given arbitrary scores with ZADD.
"""

import random

import pytest

from differential import Stream, assert_deterministic, assert_reports_first_mismatch

COMMANDS_PER_SEED = 2500

GKEYS = ["g0", "g1", "g2", "big"]
KEYS = GKEYS + ["dst", "dst2", "str", "set"]
MEMBERS = [f"m{i}" for i in range(30)] + ["0", "1", "42", "-7", "", "Palermo", "Catania",
                                          "x" * 70, "\x00bin"]
CENTERS = [(13.361389, 38.115556), (-73.9798091, 40.7598464), (179.5, 36.0), (-179.7, -36.0),
           (0.0, 0.0), (45.0, 84.9), (-100.0, -84.5), (151.2, -33.86)]
EDGE_COORDS = [("180", "0"), ("-180", "0"), ("0", "85.05112878"), ("0", "-85.05112878"),
               ("180", "85.05112878"), ("-180", "-85.05112878"), ("0", "0"), ("-0", "-0"),
               ("179.99999999", "85.0511287"), ("1e-300", "1e-300")]
BAD_COORDS = [("181", "0"), ("0", "85.05112879"), ("-180.0001", "10"), ("abc", "1"),
              ("1", ""), ("inf", "0"), ("0", "-inf"), ("1e400", "0"), ("nan", "0"),
              (" 1", "2"), ("0x10", "5"), ("1e308", "-1e308")]
UNITS = ["m", "km", "ft", "mi", "M", "KM", "Mi", "fT"]
BAD_UNITS = ["", "meters", "k", "mm", "kms"]
WEIRD_SCORES = ["-1", "-1e20", "1e30", "inf", "-inf", "4503599627370496", "4503599627370495",
                "1.5", "0", "123456789.75", "9007199254740993", "18446744073709551616"]


class GeoGenerator:
    def __init__(self, seed):
        self.rng = random.Random(seed)
        self.recent = []  # coordinates added lately: search centres near them find something

    # ---- values ---------------------------------------------------------------------------

    def key(self):
        c = self.rng.random()
        if c < 0.04:
            return "str"
        if c < 0.07:
            return "set"
        if c < 0.11:
            return "missing"
        return self.rng.choice(GKEYS)

    def member(self, key=None):
        if key == "big" and self.rng.random() < 0.8:
            return f"p:{self.rng.randrange(420)}"
        return self.rng.choice(MEMBERS)

    def fmt(self, v):
        c = self.rng.random()
        if c < 0.4:
            return repr(v)
        if c < 0.8:
            return f"{v:.6f}"
        return f"{v:.2f}"

    def coords(self, allow_bad=True):
        rng = self.rng
        c = rng.random()
        if allow_bad and c < 0.03:
            return rng.choice(BAD_COORDS)
        if c < 0.08:
            return rng.choice(EDGE_COORDS)
        if c < 0.25:
            lon = rng.uniform(-180, 180)
            lat = rng.uniform(-85.05, 85.05)
        else:
            clon, clat = rng.choice(CENTERS)
            spread = rng.choice([0.001, 0.05, 0.5, 3.0])
            lon = clon + rng.uniform(-spread, spread)
            lat = clat + rng.uniform(-spread, spread)
            if lon > 180:
                lon -= 360
            if lon < -180:
                lon += 360
            lat = max(-85.05, min(85.05, lat))
        self.recent = (self.recent + [(lon, lat)])[-50:]
        return self.fmt(lon), self.fmt(lat)

    def center(self):
        """A search centre: mostly near a point added lately."""
        if self.recent and self.rng.random() < 0.7:
            lon, lat = self.rng.choice(self.recent)
            lon = max(-180, min(180, lon + self.rng.uniform(-0.3, 0.3)))
            lat = max(-85.05, min(85.05, lat + self.rng.uniform(-0.3, 0.3)))
            return self.fmt(lon), self.fmt(lat)
        return self.coords()

    def unit(self):
        c = self.rng.random()
        if c < 0.03:
            return self.rng.choice(BAD_UNITS)
        if c < 0.7:
            return self.rng.choice(["km", "mi", "KM"])
        return self.rng.choice(UNITS)

    def radius(self):
        rng = self.rng
        c = rng.random()
        if c < 0.03:
            return rng.choice(["-1", "abc", "", "nan"])
        if c < 0.08:
            return rng.choice(["0", "inf", "50000", "20000", "1e-3"])
        return self.fmt(rng.choice([1, 10, 100, 500, 2000]) * rng.uniform(0.2, 1))

    def count_opts(self):
        rng = self.rng
        c = rng.random()
        if c < 0.03:
            return ["COUNT", rng.choice(["0", "-1", "abc", "1.5"])]
        if c < 0.05:
            return ["COUNT"]
        if c < 0.35:
            opts = ["COUNT", rng.choice(["1", "2", "3", "5", "8", "20", "50", "100", "1000"])]
            if rng.random() < 0.3:
                opts.append("ANY")
            return opts
        if c < 0.37:
            return ["ANY"]
        return []

    def common_opts(self, store_allowed):
        rng = self.rng
        opts = self.count_opts()
        if rng.random() < 0.5:
            opts.append(rng.choice(["ASC", "DESC"]))
        if not store_allowed or rng.random() < 0.1:
            for o in ("WITHDIST", "WITHHASH", "WITHCOORD"):
                if rng.random() < 0.3:
                    opts.append(o)
        if rng.random() < 0.02:
            opts.append(rng.choice(["FOO", "WITHCOORDS", "STORE", "STOREDIST"]))
        rng.shuffle(opts) if rng.random() < 0.2 else None
        return opts

    # ---- commands -------------------------------------------------------------------------

    def geoadd(self):
        rng = self.rng
        cmd = ["GEOADD", self.key()]
        c = rng.random()
        if c < 0.1:
            cmd.append("NX")
        elif c < 0.2:
            cmd.append("XX")
        if rng.random() < 0.2:
            cmd.append("CH")
        if rng.random() < 0.03:
            cmd.append(rng.choice(["NX", "XX", "GT", "INCR", "FOO"]))
        for _ in range(rng.randint(1, 6)):
            cmd += [*self.coords(), self.member()]
        if rng.random() < 0.02:
            cmd.pop()  # not a multiple of three
        return cmd

    def search_center(self, key):
        """FROMMEMBER / FROMLONLAT arguments for GEOSEARCH(STORE)."""
        rng = self.rng
        if rng.random() < 0.4:
            return ["FROMMEMBER", self.member(key)]
        return ["FROMLONLAT", *self.center()]

    def search_shape(self):
        rng = self.rng
        if rng.random() < 0.5:
            return ["BYRADIUS", self.radius(), self.unit()]
        c = rng.random()
        if c < 0.03:
            w, h = rng.choice([("-1", "5"), ("5", "-1"), ("abc", "1"), ("1", "abc")])
        else:
            w, h = self.radius(), self.radius()
        return ["BYBOX", w, h, self.unit()]

    def geosearch(self, store):
        rng = self.rng
        if store:
            cmd = ["GEOSEARCHSTORE", rng.choice(["dst", "dst2", "dst", "dst2", "str", "g2"]),
                   self.key()]
        else:
            cmd = ["GEOSEARCH", self.key()]
        parts = []
        c = rng.random()
        if c < 0.03:
            pass  # neither FROM
        elif c < 0.05:
            parts.append(self.search_center(cmd[-1]) + self.search_center(cmd[-1]))
        else:
            parts.append(self.search_center(cmd[-1]))
        c = rng.random()
        if c < 0.03:
            pass  # neither BY
        elif c < 0.05:
            parts.append(self.search_shape() + self.search_shape())
        else:
            parts.append(self.search_shape())
        opts = self.common_opts(store_allowed=store)
        if store and rng.random() < 0.4:
            opts.append("STOREDIST")
        if not store and rng.random() < 0.02:
            opts.append("STOREDIST")
        parts.append(opts)
        rng.shuffle(parts) if rng.random() < 0.2 else None
        for p in parts:
            cmd += p
        return cmd

    def georadius(self):
        rng = self.rng
        name = rng.choice(["GEORADIUS", "GEORADIUS_RO", "GEORADIUSBYMEMBER",
                           "GEORADIUSBYMEMBER_RO"])
        cmd = [name, self.key()]
        if "MEMBER" in name:
            cmd.append(self.member(cmd[1]))
        else:
            cmd += list(self.center())
        cmd += [self.radius(), self.unit()]
        store = not name.endswith("_RO") and rng.random() < 0.35
        opts = self.common_opts(store_allowed=store)
        if store:
            opts += [rng.choice(["STORE", "STOREDIST"]), rng.choice(["dst", "dst2", "str"])]
            if rng.random() < 0.1:
                opts += [rng.choice(["STORE", "STOREDIST"]), rng.choice(["dst", "dst2"])]
        elif name.endswith("_RO") and rng.random() < 0.05:
            opts += ["STORE", "dst"]
        cmd += opts
        return cmd

    def members_cmd(self, name, n=None):
        key = self.key()
        n = self.rng.randint(0, 4) if n is None else n
        return [name, key] + [self.member(key) for _ in range(n)]

    def command(self):
        rng = self.rng
        table = [
            (22, self.geoadd),
            (6, lambda: self.members_cmd("GEOPOS")),
            (6, lambda: self.members_cmd("GEOHASH")),
            (7, lambda: self.members_cmd("GEODIST", 2)
             + ([self.unit()] if rng.random() < 0.6 else [])
             + (["km"] if rng.random() < 0.02 else [])),
            (16, lambda: self.geosearch(False)),
            (7, lambda: self.geosearch(True)),
            (16, self.georadius),
            (4, lambda: ["ZRANGE", rng.choice(["dst", "dst2"]), "0", "-1", "WITHSCORES"]),
            (2, lambda: ["OBJECT", "ENCODING", rng.choice(["dst", "dst2", "big", "g0"])]),
            (2, lambda: ["ZADD", rng.choice(["g0", "g1"]), rng.choice(WEIRD_SCORES),
                         self.member()]),
            (3, lambda: ["ZREM", self.key(), self.member(), self.member()]),
            (1, lambda: ["DEL", rng.choice(["g0", "g1", "g2", "dst", "dst2"])]),
            (1, lambda: ["ZRANGE", self.key(), "0", "-1", "WITHSCORES"]),
            (1, lambda: ["COMMAND", "GETKEYS"] + self.georadius()),
        ]
        weights = [w for w, _ in table]
        return rng.choices(table, weights=weights)[0][1]()

    def big_set(self):
        """GEOADD commands loading 'big': 400 clustered points, some sharing coordinates."""
        rng = self.rng
        cmds = []
        shared = [self.coords(allow_bad=False) for _ in range(6)]
        for start in range(0, 400, 50):
            cmd = ["GEOADD", "big"]
            for i in range(start, start + 50):
                lon, lat = rng.choice(shared) if rng.random() < 0.1 else self.coords(False)
                cmd += [lon, lat, f"p:{i}"]
            cmds.append(cmd)
        return cmds


def run_stream(pair, seed, n, resp3=False, mutate=None):
    gen = GeoGenerator(seed)
    with Stream(pair, seed, resp3, setup=[["SET", "str", "x"], ["SADD", "set", "a"]],
                mutate=mutate) as s:
        s.run_batch(gen.big_set())
        s.run(n, gen.command)
        # the final state, compared (and recorded) like the stream's own commands
        s.run_batch([cmd for key in KEYS + ["missing"]
                     for cmd in (["TYPE", key], ["ZRANGE", key, "0", "-1", "WITHSCORES"],
                                 ["OBJECT", "ENCODING", key])])
        return s.history


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_differential_geo_resp2(pair, seed):
    history = run_stream(pair, seed, COMMANDS_PER_SEED)
    raw = [rep for _, rep in history]
    assert sum(rep.startswith(b"-") for rep in raw) > 30  # errors exercised
    # searches that found several points
    assert sum(cmd[0].startswith("GEO") and rep.startswith(b"*") and
               not rep.startswith((b"*0\r\n", b"*1\r\n", b"*-1\r\n"))
               for cmd, rep in history) > 100


def test_differential_geo_resp3(pair):
    history = run_stream(pair, 101, COMMANDS_PER_SEED, resp3=True)
    assert any(b"\r\n," in rep for _, rep in history)  # coordinates as RESP3 doubles


def test_geo_generator_is_deterministic():
    assert_deterministic(GeoGenerator, 3)


def test_harness_reports_first_mismatch(pair):
    assert_reports_first_mismatch(run_stream, pair, seed=9, n=200, bad=(40, 90))
