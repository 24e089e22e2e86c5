"""Differential test for the bitmap family: seeded random streams of SETBIT GETBIT BITCOUNT
BITPOS BITOP BITFIELD BITFIELD_RO (plus the string writes that shape their inputs) go to Debian's
redis-server and to the server under test; raw reply bytes must be identical.

The harness is differential.py's (the `pair` fixture is conftest's). Arguments mix
valid and invalid forms: negative and huge indexes, BIT/BYTE/junk units, every bitfield width,
"#N" offsets, out-of-range SET values under each OVERFLOW mode, WRONGTYPE keys, integer- and
embstr-encoded inputs and values of a few kilobytes (so the word-at-a-time paths run). Bit
offsets that would build strings of hundreds of megabytes are kept to GETBIT/BITFIELD GET.
"""

import random

import pytest

from differential import Stream, assert_deterministic, assert_reports_first_mismatch

COMMANDS_PER_SEED = 3000
BIT_KEYS = ["b0", "b1", "b2", "b3"]
OTHER_KEYS = ["lst", "nokey"]
STRINGS = ["", "a", "foobar", "\x00", "\xff", "\xff\xff\xff", "\x00\x00\x01", "12", "-1", "0",
           "9223372036854775807", "1234567890", "hello world", "\xf0\x0f" * 5, "x" * 44,
           "y" * 45]
INDEXES = ["0", "1", "2", "-1", "-2", "-3", "3", "5", "7", "8", "9", "15", "16", "100", "-100",
           "1000", "-1000", "9223372036854775807", "-9223372036854775808", "abc", "1.5", ""]
SET_OFFSETS = ["0", "1", "7", "8", "9", "15", "63", "64", "100", "1000", "4095", "-1",
               "4294967296", "abc", "", "1.0"]
READ_OFFSETS = SET_OFFSETS + ["4294967295", "536870911", "9223372036854775807"]
BITS = ["0", "1", "1", "0", "2", "-1", "a", ""]
TYPES = ["u1", "u2", "u3", "u7", "u8", "u9", "u15", "u16", "u31", "u32", "u33", "u63",
         "i1", "i2", "i5", "i8", "i9", "i16", "i32", "i33", "i63", "i64"]
BAD_TYPES = ["u64", "i65", "i0", "u0", "x8", "I8", "u08", "u", ""]
FIELD_VALUES = ["0", "1", "-1", "2", "-2", "7", "8", "127", "128", "-128", "-129", "255", "256",
                "32767", "65536", "-65537", "2147483647", "4294967296", "9223372036854775807",
                "-9223372036854775808", "9223372036854775806", "-9223372036854775807", "abc",
                "1.5", ""]


class BitmapGenerator:
    def __init__(self, seed):
        self.rng = random.Random(seed)

    def key(self):
        if self.rng.random() < 0.9:
            return self.rng.choice(BIT_KEYS)
        return self.rng.choice(OTHER_KEYS)

    def string(self):
        rng = self.rng
        c = rng.random()
        if c < 0.6:
            return rng.choice(STRINGS)
        if c < 0.8:
            return str(rng.randint(-10**15, 10**15))
        n = rng.randint(1, 5000)
        style = rng.random()
        if style < 0.3:
            return "\x00" * n
        if style < 0.6:
            return "\xff" * n
        return "".join(chr(rng.getrandbits(8)) for _ in range(n))

    def index(self, span=None):
        rng = self.rng
        if span and rng.random() < 0.6:
            return str(rng.randint(-span, span))
        return rng.choice(INDEXES)

    def unit(self):
        return self.rng.choice(["BIT", "BYTE", "bit", "byte", "BITS", "x"]
                               if self.rng.random() < 0.1 else ["BIT", "BYTE"])

    def set_offset(self):
        rng = self.rng
        if rng.random() < 0.5:
            return str(rng.randint(0, 40000))
        return rng.choice(SET_OFFSETS)

    def read_offset(self):
        rng = self.rng
        if rng.random() < 0.5:
            return str(rng.randint(0, 40000))
        return rng.choice(READ_OFFSETS)

    def bitcount(self):
        rng = self.rng
        cmd = ["BITCOUNT", self.key()]
        c = rng.random()
        if c < 0.2:
            return cmd
        span = rng.choice([10, 100, 50000])
        cmd += [self.index(span), self.index(span)]
        if c < 0.7:
            cmd.append(self.unit())
        if rng.random() < 0.05:
            cmd = cmd[:3] if rng.random() < 0.5 else cmd + ["extra"]
        return cmd

    def bitpos(self):
        rng = self.rng
        bit = rng.choice(["0", "1"] * 10 + ["2", "-1", "abc"])
        cmd = ["BITPOS", self.key(), bit]
        span = rng.choice([10, 100, 50000])
        n = rng.choice([0, 1, 2, 3, 3, 3, 4])
        if n >= 1:
            cmd.append(self.index(span))
        if n >= 2:
            cmd.append(self.index(span))
        if n >= 3:
            cmd.append(self.unit())
        if n == 4:
            cmd.append("extra")
        return cmd

    def bitop(self):
        rng = self.rng
        op = rng.choice(["AND", "OR", "XOR", "NOT", "and", "Or", "not"] * 5 + ["FOO", "ANDX"])
        dest = self.key()
        if op.upper() == "NOT" and rng.random() < 0.9:
            srcs = [self.key()]
        else:
            srcs = [self.key() for _ in range(rng.randint(1, 4))]
        return ["BITOP", op, dest] + srcs

    def field_type(self):
        if self.rng.random() < 0.03:
            return self.rng.choice(BAD_TYPES)
        return self.rng.choice(TYPES)

    def field_offset(self, write=False):
        rng = self.rng
        c = rng.random()
        if c < 0.2:
            return "#" + str(rng.randint(0, 50))
        if c < 0.25:
            return rng.choice(["#-1", "#", "##1", "#4611686018427387905", "-1", "abc",
                               "4294967296"])
        if c < 0.3 and not write:  # huge (valid for some widths): a write would build ~512 MB
            return rng.choice(["4294967295", "#67108863", "536870911", "#67108864"])
        return str(rng.randint(0, 300))

    def field_value(self):
        rng = self.rng
        if rng.random() < 0.5:
            return rng.choice(FIELD_VALUES)
        k = rng.randint(1, 63)
        return str(rng.randint(-(1 << k), 1 << k))

    def bitfield(self, ro=False):
        rng = self.rng
        cmd = ["BITFIELD_RO" if ro else "BITFIELD", self.key()]
        for _ in range(rng.choice([0, 1, 1, 2, 3, 4])):
            c = rng.random()
            if c < 0.15:
                cmd += ["OVERFLOW", rng.choice(["WRAP", "SAT", "FAIL", "wrap", "sat", "fail"]
                                               if rng.random() > 0.05 else ["FOO", ""])]
                continue
            typ = self.field_type()
            if c < 0.5 or (ro and rng.random() < 0.9):
                cmd += ["GET", typ, self.field_offset()]
            elif c < 0.75:
                cmd += ["SET", typ, self.field_offset(True), self.field_value()]
            else:
                cmd += ["INCRBY", typ, self.field_offset(True), self.field_value()]
        if rng.random() < 0.03:  # truncated or unknown trailing op
            cmd += rng.choice([["GET"], ["SET", "u8", "0"], ["FOO"], ["OVERFLOW"], ["INCRBY"]])
        return cmd

    def command(self):
        rng = self.rng
        k = self.key
        table = [
            (10, lambda: ["SETBIT", k(), self.set_offset(), rng.choice(BITS)]),
            (8, lambda: ["GETBIT", k(), self.read_offset()]),
            (10, self.bitcount),
            (12, self.bitpos),
            (6, self.bitop),
            (14, self.bitfield),
            (3, lambda: self.bitfield(ro=True)),
            (6, lambda: ["SET", k(), self.string()]),
            (2, lambda: ["APPEND", k(), rng.choice(["", "a", "\x00\xff", "zz" * 30])]),
            (2, lambda: ["SETRANGE", k(), str(rng.randint(0, 200)), rng.choice(["x", "\xff"])]),
            (5, lambda: ["GET", k()]),
            (2, lambda: ["STRLEN", k()]),
            (1, lambda: ["INCR", k()]),
            (2, lambda: ["OBJECT", "ENCODING", rng.choice(BIT_KEYS)]),  # not lists: see lists
            (2, lambda: ["DEL", k()]),
            (1, lambda: ["RPUSH", "lst", "x"]),
            (1, lambda: ["TYPE", k()]),
            (1, lambda: ["EXISTS", k()]),
            (1, lambda: rng.choice([["SETBIT", k(), "0"], ["GETBIT", k()], ["BITCOUNT"],
                                    ["BITPOS", k()], ["BITOP", "AND", k()], ["BITFIELD"],
                                    ["BITFIELD_RO"], ["BITOP", "NOT", k()]])),
        ]
        weights = [w for w, _ in table]
        cmd = rng.choices(table, weights=weights)[0][1]()
        # every character is one byte on the wire ("\xff" is the byte 0xff, not UTF-8)
        return [a.encode("latin-1") for a in cmd]


def run_bitmap_stream(pair, seed, n, resp3=False, mutate=None):
    gen = BitmapGenerator(seed)
    with Stream(pair, seed, resp3, mutate=mutate) as s:
        s.run(n, gen.command)
        s.check_final([cmd for key in BIT_KEYS + OTHER_KEYS
                       for cmd in (["TYPE", key], ["GET", key]) + (
                           (["OBJECT", "ENCODING", key],) if key in BIT_KEYS else ())])
        return s.history


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5, 6, 7, 8])
def test_differential_bitmaps_resp2(pair, seed):
    history = run_bitmap_stream(pair, seed, COMMANDS_PER_SEED)
    replies = [rep for _, rep in history]
    # the stream exercises errors, counts, positions and bitfield arrays, not only zeros
    assert sum(rep.startswith(b"-") for rep in replies) > 100
    assert sum(rep.startswith(b"-WRONGTYPE") for rep in replies) > 10
    assert sum(rep.startswith(b":") and rep not in (b":0\r\n", b":-1\r\n")
               for rep in replies) > 500
    assert sum(rep.startswith(b"*") and rep != b"*0\r\n" for rep in replies) > 200
    assert any(b"$-1\r\n" in rep and rep.startswith(b"*") for rep in replies)  # FAIL nils


def test_differential_bitmaps_resp3(pair):
    history = run_bitmap_stream(pair, 101, COMMANDS_PER_SEED, resp3=True)
    assert any(rep.startswith(b"*") and b"_\r\n" in rep for _, rep in history)


def test_bitmap_generator_is_deterministic():
    assert_deterministic(BitmapGenerator, 5)


def test_harness_reports_first_mismatch(pair):
    assert_reports_first_mismatch(run_bitmap_stream, pair, seed=9, n=200, bad=(40, 90))
