"""GEO commands: GEOADD, GEOPOS, GEOHASH, GEODIST, GEOSEARCH, GEOSEARCHSTORE, GEORADIUS,
GEORADIUSBYMEMBER and their _RO forms: replies in both protocols (coordinates as "%.17Lf" text or
RESP3 doubles, distances with 4 decimals), every error text and the order errors are checked
in, stores (contents, encoding, TTL, deletion), expired keys, key positions, WATCH and
propagation (GEOADD reaches the AOF as the ZADD it runs, stores verbatim).

Everything here must pass against /usr/bin/redis-server 7.0.15 too.
"""

import glob
import os
import time

import pytest

import helpers
from helpers import RespError

E = RespError
SYNTAX = E("ERR syntax error")
NOT_INT = E("ERR value is not an integer or out of range")
NOT_FLOAT = E("ERR value is not a valid float")
WRONGTYPE = E("WRONGTYPE Operation against a key holding the wrong kind of value")
NO_MEMBER = E("ERR could not decode requested zset member")
BAD_UNIT = E("ERR unsupported unit provided. please use M, KM, FT, MI")

PALERMO = ("13.361389", "38.115556")
CATANIA = ("15.087269", "37.502669")


def arity(cmd):
    return E(f"ERR wrong number of arguments for '{cmd}' command")


def sicily(c, key="Sicily"):
    assert c.call("GEOADD", key, *PALERMO, "Palermo", *CATANIA, "Catania") == 2


# --------------------------------------------------------------------------------------------
# GEOADD
# --------------------------------------------------------------------------------------------

def test_geoadd_scores(raw):
    sicily(raw)
    assert raw.call("ZRANGE", "Sicily", "0", "-1", "WITHSCORES") == [
        b"Palermo", b"3479099956230698", b"Catania", b"3479447370796909"]
    assert raw.call("TYPE", "Sicily") == b"zset"
    assert raw.call("OBJECT", "ENCODING", "Sicily") == b"listpack"
    # the grid's corners
    assert raw.call("GEOADD", "e", "180", "85.05112878", "top", "-180", "-85.05112878",
                    "bottom") == 2
    assert raw.call("ZSCORE", "e", "top") == b"13510798882111488"
    assert raw.call("ZSCORE", "e", "bottom") == b"0"


def test_geoadd_options(raw):
    assert raw.call("GEOADD", "k", *PALERMO, "a") == 1
    assert raw.call("GEOADD", "k", *PALERMO, "a") == 0
    assert raw.call("GEOADD", "k", "CH", *CATANIA, "a") == 1
    assert raw.call("GEOADD", "k", "CH", *CATANIA, "a") == 0
    assert raw.call("GEOADD", "k", "NX", *PALERMO, "a", *PALERMO, "b") == 1
    assert raw.call("ZSCORE", "k", "a") == b"3479447370796909"  # NX kept it
    assert raw.call("GEOADD", "k", "XX", *PALERMO, "a", *PALERMO, "c") == 0
    assert raw.call("ZSCORE", "k", "a") == b"3479099956230698"  # XX updated it
    assert raw.call("ZSCORE", "k", "c") is None
    assert raw.call("GEOADD", "k", "xx", "ch", *CATANIA, "a") == 1
    assert raw.call("GEOADD", "k", "ch", "nx", *CATANIA, "a") == 0
    assert raw.call("GEOADD", "nokey", "XX", *PALERMO, "a") == 0
    assert raw.call("EXISTS", "nokey") == 0


def test_geoadd_errors(raw):
    assert raw.call("GEOADD", "k", "xx", "nx", *PALERMO, "a") == SYNTAX
    assert raw.call("GEOADD", "k", "ch", "xx", "foo", *PALERMO, "a") == SYNTAX
    assert raw.call("GEOADD", "k", *PALERMO, "a", "1") == SYNTAX
    assert raw.call("GEOADD", "k", "nx", "ch", "xx") == SYNTAX
    assert raw.call("GEOADD", "k", "nx", "ch", "ch") == SYNTAX  # no point at all
    assert raw.call("GEOADD", "k", "GT", *PALERMO) == NOT_FLOAT  # GT is not an option here
    assert raw.call("GEOADD", "k", *PALERMO, "a", "foo", "bar", "b") == NOT_FLOAT
    assert raw.call("GEOADD", "k", "1", "", "a") == NOT_FLOAT
    assert raw.call("GEOADD", "k", "nan", "1", "a") == NOT_FLOAT
    assert raw.call("GEOADD", "k", "181", "0", "a") == E(
        "ERR invalid longitude,latitude pair 181.000000,0.000000")
    assert raw.call("GEOADD", "k", "0", "85.05112879", "a") == E(
        "ERR invalid longitude,latitude pair 0.000000,85.051129")
    assert raw.call("GEOADD", "k", "-inf", "0", "a") == E(
        "ERR invalid longitude,latitude pair -inf,0.000000")
    # nothing was added by a command that failed on a later point
    assert raw.call("GEOADD", "k", *PALERMO, "a", "200", "0", "b") == E(
        "ERR invalid longitude,latitude pair 200.000000,0.000000")
    assert raw.call("EXISTS", "k") == 0
    assert raw.call("GEOADD", "k") == arity("geoadd")
    assert raw.call("GEOADD", "k", "1", "2") == arity("geoadd")
    raw.call("SET", "s", "x")
    assert raw.call("GEOADD", "s", *PALERMO, "a") == WRONGTYPE
    assert raw.call("GEOADD", "s", "200", "0", "a") == E(
        "ERR invalid longitude,latitude pair 200.000000,0.000000")  # checked before the type


def test_geoadd_grows_to_skiplist(raw):
    args = []
    for i in range(200):
        args += [str(-10 + i * 0.1), str(i * 0.05), f"p{i}"]
    assert raw.call("GEOADD", "big", *args) == 200
    assert raw.call("OBJECT", "ENCODING", "big") == b"skiplist"
    assert raw.call("GEODIST", "big", "p0", "p1", "km") == b"12.4358"


# --------------------------------------------------------------------------------------------
# GEOPOS / GEOHASH / GEODIST
# --------------------------------------------------------------------------------------------

def test_geopos(raw, r3):
    sicily(raw)
    assert raw.call("GEOPOS", "Sicily", "Palermo", "nope", "Catania") == [
        [b"13.36138933897018433", b"38.11555639549629859"], None,
        [b"15.08726745843887329", b"37.50266842333162032"]]
    assert raw.call_raw("GEOPOS", "Sicily", "nope") == b"*1\r\n*-1\r\n"
    assert raw.call("GEOPOS", "nokey", "a", "b") == [None, None]
    assert raw.call("GEOPOS", "Sicily") == []
    assert r3.call_raw("GEOPOS", "Sicily", "Palermo", "nope") == (
        b"*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n")
    raw.call("GEOADD", "e", "180", "85.05112878", "top")
    assert raw.call("GEOPOS", "e", "top") == [[b"180", b"85.0511287799999991"]]


def test_geohash(raw, r3):
    raw.call("GEOADD", "points", "-5.6", "42.6", "test")
    sicily(raw)
    assert raw.call("GEOHASH", "points", "test") == [b"ezs42e44yx0"]
    assert raw.call("GEOHASH", "Sicily", "Palermo", "x", "Catania") == [
        b"sqc8b49rny0", None, b"sqdtr74hyu0"]
    assert raw.call("GEOHASH", "nokey", "a") == [None]
    assert r3.call_raw("GEOHASH", "Sicily", "x") == b"*1\r\n_\r\n"


def test_arbitrary_scores(raw):
    """Members written with ZADD read as Redis reads them (x86-64 conversions)."""
    raw.call("ZADD", "w", "-1", "neg", "1e30", "huge", "0", "zero", "1.5", "frac")
    assert raw.call("GEOPOS", "w", "neg", "huge") == [
        [b"180", b"85.0511287799999991"],
        [b"-179.99999731779098511", b"-85.05112751263942528"]]
    assert raw.call("GEOHASH", "w", "neg", "huge", "zero") == [
        b"bp05b5048p0", b"00bh0hbj200", b"00bh0hbj200"]
    assert raw.call("GEORADIUS", "w", "-180", "-85.05", "10", "km", "WITHHASH") == [
        [b"zero", 0], [b"frac", 1]]


def test_geodist(raw, r3):
    sicily(raw)
    assert raw.call("GEODIST", "Sicily", "Palermo", "Catania") == b"166274.1516"
    assert raw.call("GEODIST", "Sicily", "Palermo", "Catania", "km") == b"166.2742"
    assert raw.call("GEODIST", "Sicily", "Palermo", "Catania", "MI") == b"103.3182"
    assert raw.call("GEODIST", "Sicily", "Palermo", "Catania", "ft") == b"545518.8700"
    assert raw.call("GEODIST", "Sicily", "Palermo", "Palermo") == b"0.0000"
    assert raw.call("GEODIST", "Sicily", "Palermo", "x") is None
    assert raw.call("GEODIST", "nokey", "a", "b") is None
    assert r3.call_raw("GEODIST", "nokey", "a", "b") == b"_\r\n"
    assert r3.call_raw("GEODIST", "Sicily", "Palermo", "Catania") == b"$11\r\n166274.1516\r\n"
    # the unit is checked first, then the arity, then the key
    assert raw.call("GEODIST", "nokey", "a", "b", "yd") == BAD_UNIT
    assert raw.call("GEODIST", "Sicily", "a", "b", "km", "x") == SYNTAX
    assert raw.call("GEODIST", "Sicily", "a") == arity("geodist")
    raw.call("SET", "s", "x")
    assert raw.call("GEODIST", "s", "a", "b") == WRONGTYPE
    assert raw.call("GEODIST", "s", "a", "b", "yd") == BAD_UNIT


def test_read_commands_wrongtype_and_arity(raw):
    raw.call("SET", "s", "x")
    for cmd in (["GEOPOS", "s", "a"], ["GEOHASH", "s", "a"],
                ["GEORADIUS", "s", "0", "0", "1", "km"],
                ["GEORADIUS_RO", "s", "1000", "0", "1", "km"],  # before the coordinates
                ["GEORADIUSBYMEMBER", "s", "a", "1", "km"],
                ["GEORADIUSBYMEMBER_RO", "s", "a", "1", "km"],
                ["GEOSEARCH", "s", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"],
                ["GEOSEARCHSTORE", "d", "s", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"]):
        assert raw.call(*cmd) == WRONGTYPE, cmd
    assert raw.call("GEOPOS") == arity("geopos")
    assert raw.call("GEOHASH") == arity("geohash")
    assert raw.call("GEORADIUS", "k", "0", "0", "1") == arity("georadius")
    assert raw.call("GEORADIUS_RO", "k", "0", "0", "1") == arity("georadius_ro")
    assert raw.call("GEORADIUSBYMEMBER", "k", "m", "1") == arity("georadiusbymember")
    assert raw.call("GEOSEARCH", "k", "FROMLONLAT", "0", "0", "BYRADIUS") == arity("geosearch")
    assert raw.call("GEOSEARCHSTORE", "d", "k", "FROMLONLAT", "0", "0",
                    "BYRADIUS") == arity("geosearchstore")


# --------------------------------------------------------------------------------------------
# Searches
# --------------------------------------------------------------------------------------------

NYC = [("-73.9454966", "40.747533", "lic market"), ("-73.9733487", "40.7648057",
                                                    "central park n/q/r"),
       ("-73.9903085", "40.7362513", "union square"), ("-74.0131604", "40.7126674", "wtc one"),
       ("-73.7858139", "40.6428986", "jfk"), ("-73.9375699", "40.7498929", "q4"),
       ("-73.9564142", "40.7480973", "4545")]
CENTER = ("-73.9798091", "40.7598464")


@pytest.fixture
def nyc(raw):
    args = [a for p in NYC for a in p]
    assert raw.call("GEOADD", "nyc", *args) == 7
    return raw


def test_georadius(nyc):
    c = nyc
    assert c.call("GEORADIUS", "nyc", *CENTER, "3", "km", "ASC") == [
        b"central park n/q/r", b"4545", b"union square"]
    assert c.call("GEORADIUS", "nyc", *CENTER, "3", "km", "DESC") == [
        b"union square", b"4545", b"central park n/q/r"]
    # unsorted: the order of the cells scanned, score order within each
    assert c.call("GEORADIUS", "nyc", *CENTER, "3", "km") == [
        b"central park n/q/r", b"4545", b"union square"]
    assert c.call("GEORADIUS", "nyc", *CENTER, "3", "km", "WITHDIST", "ASC") == [
        [b"central park n/q/r", b"0.7750"], [b"4545", b"2.3651"], [b"union square", b"2.7697"]]
    assert c.call("GEORADIUS_RO", "nyc", *CENTER, "10", "km", "COUNT", "3") == [
        b"central park n/q/r", b"4545", b"union square"]
    assert c.call("GEORADIUS", "nyc", *CENTER, "10", "km", "COUNT", "3", "ANY") == [
        b"wtc one", b"union square", b"central park n/q/r"]
    assert c.call("GEORADIUS", "nyc", *CENTER, "10", "km", "COUNT", "3", "ANY", "ASC") == [
        b"central park n/q/r", b"union square", b"wtc one"]
    assert c.call("GEORADIUS", "nyc", *CENTER, "10", "km", "COUNT", "2", "DESC") == [
        b"wtc one", b"q4"]
    assert c.call("GEORADIUSBYMEMBER", "nyc", "wtc one", "7", "km") == [
        b"wtc one", b"union square", b"central park n/q/r", b"4545", b"lic market"]
    assert c.call("GEORADIUSBYMEMBER_RO", "nyc", "wtc one", "7", "km", "WITHDIST") == [
        [b"wtc one", b"0.0000"], [b"union square", b"3.2544"],
        [b"central park n/q/r", b"6.7000"], [b"4545", b"6.1975"], [b"lic market", b"6.8969"]]
    assert c.call("GEORADIUS", "nyc", *CENTER, "0.5", "km") == []


def test_search_options_reply_shape(nyc, r3):
    c = nyc
    got = c.call("GEORADIUS", "nyc", *CENTER, "1", "km", "WITHCOORD", "WITHHASH", "WITHDIST")
    assert got == [[b"central park n/q/r", b"0.7750", 1791875761332224,
                    [b"-73.97334784269332886", b"40.76480639569881959"]]]
    assert r3.call_raw("GEORADIUS", "nyc", *CENTER, "1", "km", "WITHCOORD", "WITHDIST") == (
        b"*1\r\n*3\r\n$18\r\ncentral park n/q/r\r\n$6\r\n0.7750\r\n"
        b"*2\r\n,-73.97334784269332886\r\n,40.76480639569881959\r\n")
    assert c.call("GEOSEARCH", "nyc", "FROMLONLAT", *CENTER, "BYRADIUS", "1", "km",
                  "WITHHASH") == [[b"central park n/q/r", 1791875761332224]]


def test_geosearch(nyc):
    c = nyc
    assert c.call("GEOSEARCH", "nyc", "FROMLONLAT", *CENTER, "BYBOX", "6", "6", "km", "ASC") == [
        b"central park n/q/r", b"4545", b"union square", b"lic market"]
    assert c.call("GEOSEARCH", "nyc", "FROMMEMBER", "wtc one", "BYBOX", "14", "14", "km") == [
        b"wtc one", b"union square", b"central park n/q/r", b"4545", b"lic market", b"q4"]
    assert c.call("GEOSEARCH", "nyc", "BYRADIUS", "3", "km", "FROMLONLAT", *CENTER,
                  "WITHDIST", "asc") == [
        [b"central park n/q/r", b"0.7750"], [b"4545", b"2.3651"], [b"union square", b"2.7697"]]
    assert c.call("GEOSEARCH", "nyc", "FROMLONLAT", *CENTER, "BYRADIUS", "1.86411", "MI",
                  "ASC") == [b"central park n/q/r", b"4545", b"union square"]
    # a repeated FROM / BY of the same kind replaces the first
    assert c.call("GEOSEARCH", "nyc", "FROMMEMBER", "nope", "FROMMEMBER", "jfk", "BYRADIUS",
                  "1", "m") == NO_MEMBER
    assert c.call("GEOSEARCH", "nyc", "FROMLONLAT", "0", "0", "FROMLONLAT", *CENTER,
                  "BYRADIUS", "50", "km", "BYRADIUS", "1", "km") == [b"central park n/q/r"]


def test_box_across_the_antimeridian(raw):
    raw.call("GEOADD", "points", "179.5", "36", "point1", "-179.5", "36", "point2")
    assert raw.call("GEOSEARCH", "points", "FROMLONLAT", "179", "37", "BYBOX", "400", "400",
                    "km", "ASC") == [b"point1", b"point2"]
    assert raw.call("GEOSEARCH", "points", "FROMLONLAT", "-179", "37", "BYBOX", "400", "400",
                    "km", "ASC") == [b"point2", b"point1"]


def test_equal_distances_keep_redis_order(raw):
    args = []
    for i in range(12):
        args += ["13.5", "38", f"same{i}"]
    args += ["13.6", "38", "east", "13.4", "38", "west"]
    raw.call("GEOADD", "t", *args)
    full = raw.call("GEOSEARCH", "t", "FROMLONLAT", "13.5", "38.1", "BYRADIUS", "100", "km",
                    "ASC")
    # a stable full sort: equal distances stay in the set's (score, member) order
    assert full == sorted(f"same{i}".encode() for i in range(12)) + [b"west", b"east"]
    # COUNT below the total: Redis's partial quicksort decides the order of ties
    assert raw.call("GEOSEARCH", "t", "FROMLONLAT", "13.5", "38.1", "BYRADIUS", "100", "km",
                    "COUNT", "5") == [b"same8", b"same0", b"same1", b"same10", b"same11"]


def test_search_errors(nyc):
    c = nyc
    lonlat = ["FROMLONLAT", *CENTER]
    assert c.call("GEOSEARCH", "nyc", *lonlat, "FROMMEMBER", "q4", "BYBOX", "6", "6",
                  "km") == SYNTAX
    assert c.call("GEOSEARCH", "nyc", "BYBOX", "3", "3", "km", "ASC", "WITHDIST") == E(
        "ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCH")
    assert c.call("geosearch", "nyc", *lonlat, "asc", "desc", "withhash") == E(
        "ERR exactly one of BYRADIUS and BYBOX can be specified for geosearch")
    assert c.call("GEOSEARCH", "nyc", *lonlat, "BYRADIUS", "3", "km", "BYBOX", "3", "3",
                  "km") == SYNTAX
    assert c.call("GEOSEARCH", "nyc", *lonlat, "BYBOX", "6", "6", "km", "STOREDIST") == SYNTAX
    assert c.call("GEOSEARCH", "nyc", *lonlat, "BYBOX", "6", "6", "km", "STORE", "d") == SYNTAX
    assert c.call("GEOSEARCH", "nyc", *lonlat, "BYRADIUS", "x", "km") == E(
        "ERR need numeric radius")
    assert c.call("GEOSEARCH", "nyc", *lonlat, "BYRADIUS", "-1", "km") == E(
        "ERR radius cannot be negative")
    assert c.call("GEOSEARCH", "nyc", *lonlat, "BYRADIUS", "1", "yd") == BAD_UNIT
    assert c.call("GEOSEARCH", "nyc", *lonlat, "BYBOX", "x", "1", "km") == E(
        "ERR need numeric width")
    assert c.call("GEOSEARCH", "nyc", *lonlat, "BYBOX", "1", "x", "km") == E(
        "ERR need numeric height")
    assert c.call("GEOSEARCH", "nyc", *lonlat, "BYBOX", "1", "-1", "km") == E(
        "ERR height or width cannot be negative")
    assert c.call("GEOSEARCH", "nyc", "FROMLONLAT", "x", "1", "BYBOX", "1", "1", "km") == \
        NOT_FLOAT
    assert c.call("GEOSEARCH", "nyc", "FROMLONLAT", "0", "90", "BYBOX", "1", "1", "km") == E(
        "ERR invalid longitude,latitude pair 0.000000,90.000000")
    assert c.call("GEOSEARCH", "nyc", "FROMMEMBER", "nope", "BYBOX", "1", "1", "km") == \
        NO_MEMBER
    assert c.call("GEOSEARCH", "nyc", *lonlat, "BYBOX", "1", "1", "km", "FOO") == SYNTAX
    assert c.call("GEORADIUS", "nyc", *CENTER, "10", "km", "ANY", "ASC") == E(
        "ERR the ANY argument requires COUNT argument")
    assert c.call("GEORADIUS", "nyc", *CENTER, "10", "km", "COUNT") == SYNTAX
    assert c.call("GEORADIUS", "nyc", *CENTER, "10", "km", "COUNT", "0") == E(
        "ERR COUNT must be > 0")
    assert c.call("GEORADIUS", "nyc", *CENTER, "10", "km", "COUNT", "-3") == E(
        "ERR COUNT must be > 0")
    assert c.call("GEORADIUS", "nyc", *CENTER, "10", "km", "COUNT", "1.5") == NOT_INT
    assert c.call("GEORADIUS", "nyc", "200", "0", "10", "km", "FOO") == E(
        "ERR invalid longitude,latitude pair 200.000000,0.000000")  # before the options
    assert c.call("GEORADIUS", "nyc", *CENTER, "10", "meters") == BAD_UNIT
    assert c.call("GEORADIUS", "nyc", *CENTER, "10", "km", "WITHCOORDS") == SYNTAX
    assert c.call("GEORADIUS_RO", "nyc", *CENTER, "10", "km", "STORE", "d") == SYNTAX
    assert c.call("GEORADIUSBYMEMBER_RO", "nyc", "q4", "10", "km", "STOREDIST", "d") == SYNTAX
    assert c.call("GEORADIUSBYMEMBER", "nyc", "nope", "x", "km", "FOO") == NO_MEMBER
    assert c.call("GEORADIUS", "nyc", *CENTER, "50", "km", "STORE") == SYNTAX
    for opt in ("WITHDIST", "WITHHASH", "WITHCOORD"):
        assert c.call("GEORADIUS", "nyc", *CENTER, "50", "km", "STORE", "d", opt) == E(
            "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and "
            "WITHCOORD options")
        assert c.call("GEORADIUSBYMEMBER", "nyc", "q4", "5", "km", opt, "STOREDIST", "d") == E(
            "ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and "
            "WITHCOORD options")
        assert c.call("GEOSEARCHSTORE", "d", "nyc", *lonlat, "BYRADIUS", "5", "km", opt) == E(
            "ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD "
            "options")
    assert c.call("GEOSEARCHSTORE", "d", "nyc", *lonlat, "BYRADIUS", "5", "km", "STORE",
                  "d") == SYNTAX


def test_missing_source(raw):
    """No source key: the options are still checked; the reply is empty (or 0 with a store,
    which deletes the destination)."""
    assert raw.call("GEORADIUS", "nokey", "1", "1", "1", "km") == []
    assert raw.call("GEORADIUSBYMEMBER", "nokey", "m", "x", "km") == []  # radius not parsed
    assert raw.call("GEORADIUSBYMEMBER", "nokey", "m", "1", "km", "FOO") == SYNTAX
    assert raw.call("GEOSEARCH", "nokey", "FROMMEMBER", "m", "BYBOX", "1", "1", "km") == []
    assert raw.call("GEOSEARCH", "nokey", "FROMMEMBER", "m", "WITHDIST", "ASC", "DESC") == E(
        "ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH")
    raw.call("GEOADD", "dst", *PALERMO, "a")
    assert raw.call("GEORADIUS", "nokey", "1", "1", "1", "km", "STORE", "dst") == 0
    assert raw.call("EXISTS", "dst") == 0
    raw.call("SET", "dst", "string")  # any type is deleted
    assert raw.call("GEOSEARCHSTORE", "dst", "nokey", "FROMMEMBER", "m", "BYRADIUS", "1",
                    "km") == 0
    assert raw.call("EXISTS", "dst") == 0
    assert raw.call("GEORADIUSBYMEMBER", "nokey", "m", "1", "km", "STOREDIST", "dst") == 0


def test_huge_radius(raw):
    raw.call("GEOADD", "users", "-47.271613776683807", "-54.534504198047678", "user_000000")
    assert len(raw.call("GEORADIUS", "users", "0", "0", "50000", "km", "WITHCOORD")) == 1
    raw.call("GEOADD", "k1", "45", "65", "n1", "-135", "85.05", "n2")
    assert raw.call("GEORADIUSBYMEMBER", "k1", "n1", "5009431", "m") == [b"n1", b"n2"]


# --------------------------------------------------------------------------------------------
# Stores
# --------------------------------------------------------------------------------------------

def test_store(raw):
    sicily(raw, "points")
    assert raw.call("GEORADIUS", "points", *PALERMO, "500", "km", "STORE", "dst") == 2
    assert raw.call("ZRANGE", "dst", "0", "-1", "WITHSCORES") == raw.call(
        "ZRANGE", "points", "0", "-1", "WITHSCORES")
    assert raw.call("OBJECT", "ENCODING", "dst") == b"listpack"
    assert raw.call("GEORADIUSBYMEMBER", "points", "Catania", "500", "km", "STOREDIST",
                    "dst") == 2
    assert raw.call("ZRANGE", "dst", "0", "-1", "WITHSCORES") == [
        b"Catania", b"0", b"Palermo", b"166.27415156960032"]
    assert raw.call("GEOSEARCHSTORE", "dst", "points", "FROMMEMBER", "Palermo", "BYRADIUS",
                    "500", "mi", "STOREDIST", "COUNT", "1") == 1
    assert raw.call("ZRANGE", "dst", "0", "-1", "WITHSCORES") == [b"Palermo", b"0"]
    assert raw.call("GEORADIUS", "points", *PALERMO, "500", "km", "STOREDIST", "dst", "DESC",
                    "COUNT", "1") == 1
    assert raw.call("ZRANGE", "dst", "0", "-1") == [b"Catania"]
    # STORE then STOREDIST: the last one wins
    assert raw.call("GEORADIUSBYMEMBER", "points", "Palermo", "1", "km", "STORE", "x",
                    "STOREDIST", "dst") == 1
    assert raw.call("ZRANGE", "dst", "0", "-1", "WITHSCORES") == [b"Palermo", b"0"]
    assert raw.call("EXISTS", "x") == 0
    # the source can be the destination
    assert raw.call("GEOSEARCHSTORE", "points", "points", "FROMMEMBER", "Palermo",
                    "BYRADIUS", "1", "km") == 1
    assert raw.call("ZRANGE", "points", "0", "-1") == [b"Palermo"]


def test_store_replaces_value_and_ttl_and_empty_deletes(raw):
    sicily(raw, "points")
    raw.call("SET", "dst", "x", "EX", "100")
    assert raw.call("GEOSEARCHSTORE", "dst", "points", "FROMLONLAT", *PALERMO, "BYRADIUS",
                    "10", "km") == 1
    assert raw.call("TYPE", "dst") == b"zset"
    assert raw.call("TTL", "dst") == -1
    assert raw.call("GEOSEARCHSTORE", "dst", "points", "FROMLONLAT", "0", "0", "BYRADIUS",
                    "10", "km") == 0
    assert raw.call("EXISTS", "dst") == 0


def test_store_encoding(raw):
    args = []
    for i in range(150):
        args += [str(10 + i * 0.001), "40", f"p{i}"]
    raw.call("GEOADD", "src", *args)
    assert raw.call("GEOSEARCHSTORE", "dst", "src", "FROMLONLAT", "10", "40", "BYRADIUS",
                    "100", "km") == 150
    assert raw.call("OBJECT", "ENCODING", "dst") == b"skiplist"
    assert raw.call("GEOSEARCHSTORE", "dst", "src", "FROMLONLAT", "10", "40", "BYRADIUS",
                    "100", "km", "COUNT", "128") == 128
    assert raw.call("OBJECT", "ENCODING", "dst") == b"listpack"
    raw.call("GEOADD", "long", "10", "40", "m" * 65)
    assert raw.call("GEORADIUS", "long", "10", "40", "1", "km", "STORE", "dst") == 1
    assert raw.call("OBJECT", "ENCODING", "dst") == b"skiplist"


# --------------------------------------------------------------------------------------------
# Expired keys
# --------------------------------------------------------------------------------------------

def test_expired_keys(raw):
    sicily(raw, "points")
    raw.call("PEXPIRE", "points", "1")
    time.sleep(0.01)
    assert raw.call("GEOPOS", "points", "Palermo") == [None]
    assert raw.call("GEOSEARCH", "points", "FROMLONLAT", *PALERMO, "BYRADIUS", "500",
                    "km") == []
    assert raw.call("GEODIST", "points", "Palermo", "Catania") is None
    assert raw.call("GEOADD", "points", "XX", *PALERMO, "Palermo") == 0
    assert raw.call("GEOADD", "points", *PALERMO, "Palermo") == 1
    assert raw.call("TTL", "points") == -1
    sicily(raw, "src")
    raw.call("GEOADD", "dst", *PALERMO, "old")
    raw.call("PEXPIRE", "dst", "1")
    time.sleep(0.01)
    assert raw.call("GEOSEARCHSTORE", "dst", "src", "FROMLONLAT", *PALERMO, "BYRADIUS", "1",
                    "km") == 1
    assert raw.call("ZRANGE", "dst", "0", "-1") == [b"Palermo"]


# --------------------------------------------------------------------------------------------
# Metadata, WATCH, propagation
# --------------------------------------------------------------------------------------------

def test_command_info(raw):
    info = raw.call("COMMAND", "INFO", "geoadd", "georadius", "georadius_ro", "geosearchstore",
                    "geopos")
    by_name = {i[0]: i for i in info}
    assert by_name[b"geoadd"][1:6] == [-5, [b"write", b"denyoom"], 1, 1, 1]
    assert by_name[b"georadius"][1:6] == [-6, [b"write", b"denyoom", b"movablekeys"], 1, 1, 1]
    assert by_name[b"georadius_ro"][1:6] == [-6, [b"readonly"], 1, 1, 1]
    assert by_name[b"geosearchstore"][1:6] == [-8, [b"write", b"denyoom"], 1, 2, 1]
    assert set(by_name[b"geopos"][6]) == {b"@read", b"@geo", b"@slow"}


def test_command_getkeys(raw):
    gk = ("COMMAND", "GETKEYS")
    assert raw.call(*gk, "GEORADIUS", "k", "0", "0", "1", "km") == [b"k"]
    assert raw.call(*gk, "GEORADIUS", "k", "0", "0", "1", "km", "STORE", "d") == [b"k", b"d"]
    assert raw.call(*gk, "GEORADIUS", "k", "0", "0", "1", "km", "storedist", "e", "store",
                    "d") == [b"k", b"d", b"e"]
    assert raw.call(*gk, "GEORADIUS", "k", "0", "0", "1", "store", "d", "km") == [b"k"]
    assert raw.call(*gk, "GEORADIUSBYMEMBER", "k", "m", "1", "km", "STOREDIST", "d") == [
        b"k", b"d"]
    assert raw.call(*gk, "GEORADIUSBYMEMBER", "k", "m", "1", "store", "d") == [b"k"]
    assert raw.call(*gk, "GEOSEARCHSTORE", "d", "s", "FROMLONLAT", "1", "1", "BYRADIUS", "1",
                    "m") == [b"d", b"s"]


def test_watch(raw, server):
    other = server.raw()
    try:
        sicily(raw, "src")
        raw.call("WATCH", "dst")
        other.call("GEORADIUS", "src", *PALERMO, "1", "km", "STORE", "dst")
        raw.call("MULTI")
        raw.call("PING")
        assert raw.call("EXEC") is None
        raw.call("WATCH", "src")
        other.call("GEOADD", "src", *PALERMO, "Palermo")  # no change
        raw.call("MULTI")
        raw.call("PING")
        assert raw.call("EXEC") == [b"PONG"]
    finally:
        other.close()


def read_aof_commands(directory):
    cmds = []
    for path in sorted(glob.glob(os.path.join(directory, "appendonlydir", "*.incr.aof"))):
        data = open(path, "rb").read()
        pos = 0
        while pos < len(data):
            value, pos = helpers.parse_reply(data, pos)
            cmds.append([v.decode() for v in value])
    return [c for c in cmds if c[0].upper() not in ("SELECT", "MULTI", "EXEC")]


def test_propagation_to_aof(spawn, tmp_path):
    srv = spawn("--appendonly", "yes", "--appendfsync", "always")
    c = srv.raw()
    try:
        c.call("GEOADD", "g", "CH", *PALERMO, "Palermo", *CATANIA, "Catania")
        c.call("GEOADD", "g", *PALERMO, "Palermo")  # no change: not propagated
        c.call("GEOADD", "g", "XX", *PALERMO, "nope")  # nothing done: not propagated
        c.call("GEOSEARCH", "g", "FROMMEMBER", "Palermo", "BYRADIUS", "1", "km")
        c.call("GEORADIUS_RO", "g", *PALERMO, "1", "km")
        c.call("GEORADIUS", "g", *PALERMO, "1", "km")  # a write command that wrote nothing
        c.call("GEORADIUS", "g", *PALERMO, "1", "km", "STORE", "d")
        c.call("GEOSEARCHSTORE", "d2", "g", "FROMLONLAT", *PALERMO, "BYRADIUS", "500", "km",
               "STOREDIST")
        c.call("GEOSEARCHSTORE", "nod", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km")
        c.call("GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km")
        time.sleep(0.2)
        assert read_aof_commands(tmp_path) == [
            ["zadd", "g", "CH", "3479099956230698", "Palermo", "3479447370796909", "Catania"],
            ["GEORADIUS", "g", *PALERMO, "1", "km", "STORE", "d"],
            ["GEOSEARCHSTORE", "d2", "g", "FROMLONLAT", *PALERMO, "BYRADIUS", "500", "km",
             "STOREDIST"],
            ["GEOSEARCHSTORE", "d", "g", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"],
        ]
    finally:
        c.close()
