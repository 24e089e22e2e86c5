"""SORT and SORT_RO: sorting lists, sets and sorted sets numerically and ALPHA, BY and GET
patterns (keys and hash fields), LIMIT, BY nosort, STORE (reply, replacement, deletion, blocked
clients, WATCH, propagation), errors and their order, COMMAND metadata.

Everything here must pass against /usr/bin/redis-server 7.0.15 too.
"""

import os
import time

import helpers
from helpers import RespError, wait_for
from test_zsets import read_aof_commands

E = RespError
SYNTAX = E("ERR syntax error")
NOT_INT = E("ERR value is not an integer or out of range")
WRONGTYPE = E("WRONGTYPE Operation against a key holding the wrong kind of value")
NOT_DOUBLE = E("ERR One or more scores can't be converted into double")
IS_REDIS = os.path.basename(helpers.server_binary()) == "redis-server"


def arity(cmd):
    return E(f"ERR wrong number of arguments for '{cmd}' command")


def blocked_clients(r):
    return int(r.info("clients")["blocked_clients"])




# --------------------------------------------------------------------------------------------
# Plain sorting
# --------------------------------------------------------------------------------------------

def test_numeric_list(raw):
    raw.call("RPUSH", "l", "3", "10", "-1", "2.5", "1e2", "0x10")
    assert raw.call("SORT", "l") == [b"-1", b"2.5", b"3", b"10", b"0x10", b"1e2"]
    assert raw.call("SORT", "l", "DESC") == [b"1e2", b"0x10", b"10", b"3", b"2.5", b"-1"]
    assert raw.call("SORT", "l", "desc", "ASC") == [b"-1", b"2.5", b"3", b"10", b"0x10", b"1e2"]
    assert raw.call_raw("SORT", "l", "LIMIT", "1", "2") == b"*2\r\n$3\r\n2.5\r\n$1\r\n3\r\n"


def test_numeric_ties_sort_by_element(raw):
    raw.call("RPUSH", "l", "1.0", "01", "1", "b", "a")
    raw.call("DEL", "l")
    raw.call("RPUSH", "l", "1.0", "01", "1", "+1", "inf", "-inf", "")
    # equal scores compare as binary strings; "" parses as 0
    assert raw.call("SORT", "l") == [b"-inf", b"", b"+1", b"01", b"1", b"1.0", b"inf"]
    assert raw.call("SORT", "l", "DESC") == [b"inf", b"1.0", b"1", b"01", b"+1", b"", b"-inf"]


def test_numeric_errors(raw):
    raw.call("RPUSH", "l", " 5", "2")  # leading space is fine for strtod
    assert raw.call("SORT", "l") == [b"2", b" 5"]
    # the error wins over STORE, which then writes nothing
    raw.call("RPUSH", "bad", "x", "1")
    assert raw.call("SORT", "bad", "STORE", "dst") == NOT_DOUBLE
    assert raw.call("EXISTS", "dst") == 0
    # Overflow and underflow last: redis-server does not clear errno before strtod, so after
    # an ERANGE its numeric SORTs keep failing until some system call on the event loop
    # (e.g. accepting a connection) overwrites errno. Sable clears it.
    for bad in ("abc", "nan", "1 ", "1e400", "1e-400"):
        raw.call("DEL", "l")
        raw.call("RPUSH", "l", "1", bad)
        assert raw.call("SORT", "l") == NOT_DOUBLE, bad


def test_alpha(raw):
    raw.call("RPUSH", "l", "2", "1", "3", "10", "b", "B", "a")
    assert raw.call("SORT", "l", "ALPHA") == [b"1", b"10", b"2", b"3", b"B", b"a", b"b"]
    assert raw.call("SORT", "l", "ALPHA", "DESC", "LIMIT", "0", "3") == [b"b", b"a", b"B"]
    assert raw.call("SORT", "l") == NOT_DOUBLE


def test_set_and_zset_sources(raw):
    raw.call("SADD", "ints", "5", "3", "-2", "100")
    assert raw.call("SORT", "ints") == [b"-2", b"3", b"5", b"100"]
    raw.call("SADD", "strs", "pear", "apple", "fig", "kiwi")
    assert raw.call("SORT", "strs", "ALPHA") == [b"apple", b"fig", b"kiwi", b"pear"]
    raw.call("ZADD", "z", "1", "c", "2", "b", "3", "a")
    assert raw.call("SORT", "z", "ALPHA") == [b"a", b"b", b"c"]
    assert raw.call("SORT", "z", "ALPHA", "DESC", "LIMIT", "1", "5") == [b"b", b"a"]


def test_sorting_converts_a_small_zset_to_skiplist(raw):
    raw.call("ZADD", "z", "1", "a", "2", "b")
    assert raw.call("OBJECT", "ENCODING", "z") == b"listpack"
    raw.call("SORT_RO", "z", "ALPHA")
    assert raw.call("OBJECT", "ENCODING", "z") == b"skiplist"
    assert raw.call("ZRANGE", "z", "0", "-1", "WITHSCORES") == [b"a", b"1", b"b", b"2"]


def test_missing_key_is_an_empty_list(raw):
    assert raw.call_raw("SORT", "nokey") == b"*0\r\n"
    assert raw.call("SORT", "nokey", "BY", "nosort", "DESC", "LIMIT", "1", "1") == []
    assert raw.call("SORT", "nokey", "GET", "#", "GET", "x_*") == []
    assert raw.call("SORT", "nokey", "STORE", "d") == 0


def test_limit_clamping(raw):
    raw.call("RPUSH", "l", "5", "4", "3", "2", "1")
    assert raw.call("SORT", "l", "LIMIT", "-10", "2") == [b"1", b"2"]
    assert raw.call("SORT", "l", "LIMIT", "3", "-5") == [b"4", b"5"]
    assert raw.call("SORT", "l", "LIMIT", "5", "1") == []
    assert raw.call("SORT", "l", "LIMIT", "2", "0") == []
    assert raw.call("SORT", "l", "LIMIT", "0", "9223372036854775807") == [
        b"1", b"2", b"3", b"4", b"5"]
    assert raw.call("SORT", "l", "LIMIT", "9223372036854775807", "1") == []
    # the last LIMIT counts
    assert raw.call("SORT", "l", "LIMIT", "0", "1", "LIMIT", "4", "1") == [b"5"]


# --------------------------------------------------------------------------------------------
# BY and GET patterns
# --------------------------------------------------------------------------------------------

def test_by_key_and_hash_field(raw):
    raw.call("RPUSH", "l", "a", "b", "c")
    raw.call("MSET", "w_a", "3", "w_b", "1", "w_c", "2")
    raw.call("HSET", "h_a", "f", "10", "g", "z")
    raw.call("HSET", "h_b", "f", "30", "g", "x")
    raw.call("HSET", "h_c", "f", "20", "g", "y")
    assert raw.call("SORT", "l", "BY", "w_*") == [b"b", b"c", b"a"]
    assert raw.call("SORT", "l", "BY", "h_*->f") == [b"a", b"c", b"b"]
    assert raw.call("SORT", "l", "BY", "h_*->g", "ALPHA") == [b"b", b"c", b"a"]
    assert raw.call("SORT", "l", "BY", "w_*", "DESC", "LIMIT", "0", "2") == [b"a", b"c"]
    assert raw.call("SORT", "l", "BY", "h_*->g") == NOT_DOUBLE


def test_by_missing_weights(raw):
    raw.call("RPUSH", "l", "c", "a", "b", "d")
    raw.call("MSET", "w_a", "5", "w_d", "-1", "h_b", "str")
    # a missing (or wrong-type) weight scores 0; ties sort by element
    assert raw.call("SORT", "l", "BY", "w_*") == [b"d", b"b", b"c", b"a"]
    assert raw.call("SORT", "l", "BY", "h_*->f") == [b"a", b"b", b"c", b"d"]
    # ALPHA: a missing weight sorts first
    raw.call("MSET", "s_a", "zz", "s_b", "aa")
    assert raw.call("SORT", "l", "BY", "s_*", "ALPHA")[2:] == [b"b", b"a"]
    assert raw.call("SORT", "l", "BY", "s_*", "ALPHA", "DESC")[:2] == [b"a", b"b"]


def test_get_patterns(raw):
    raw.call("RPUSH", "l", "2", "1", "3")
    raw.call("MSET", "name_1", "one", "name_3", "three")
    raw.call("HSET", "obj_1", "n", "uno")
    raw.call("HSET", "obj_2", "n", "dos")
    assert raw.call("SORT", "l", "GET", "#", "GET", "name_*", "GET", "obj_*->n") == [
        b"1", b"one", b"uno", b"2", None, b"dos", b"3", b"three", None]
    assert raw.call_raw("SORT", "l", "GET", "name_*", "LIMIT", "0", "2") == \
        b"*2\r\n$3\r\none\r\n$-1\r\n"
    # a pattern without '*' finds nothing
    assert raw.call("SORT", "l", "GET", "name_1") == [None, None, None]
    # "->" with nothing after it is part of the key name
    raw.call("SET", "k_1->", "arrow")
    assert raw.call("SORT", "l", "GET", "k_*->", "LIMIT", "0", "1") == [b"arrow"]
    # wrong types read as missing
    raw.call("RPUSH", "name_2", "x")
    raw.call("SET", "obj_3", "x")
    assert raw.call("SORT", "l", "GET", "name_*", "GET", "obj_*->n") == [
        b"one", b"uno", None, b"dos", b"three", None]


def test_get_nil_is_resp3_null(r3):
    r3.call("RPUSH", "l", "1")
    assert r3.call_raw("SORT", "l", "GET", "nokey_*") == b"*1\r\n_\r\n"


def test_star_substitution_uses_first_star_only(raw):
    raw.call("RPUSH", "l", "a")
    raw.call("SET", "x_a_*", "first")
    raw.call("HSET", "y_a", "f*", "field")
    assert raw.call("SORT", "l", "ALPHA", "GET", "x_*_*") == [b"first"]
    assert raw.call("SORT", "l", "ALPHA", "GET", "y_*->f*") == [b"field"]


# --------------------------------------------------------------------------------------------
# BY nosort
# --------------------------------------------------------------------------------------------

def test_nosort_list_keeps_native_order(raw):
    raw.call("RPUSH", "l", "5", "3", "4", "1", "2")
    assert raw.call("SORT", "l", "BY", "nosort") == [b"5", b"3", b"4", b"1", b"2"]
    assert raw.call("SORT", "l", "BY", "nosort", "DESC") == [b"2", b"1", b"4", b"3", b"5"]
    assert raw.call("SORT", "l", "BY", "nosort", "LIMIT", "1", "2") == [b"3", b"4"]
    assert raw.call("SORT", "l", "BY", "nosort", "DESC", "LIMIT", "1", "2") == [b"1", b"4"]
    assert raw.call("SORT", "l", "BY", "nosort", "LIMIT", "4", "10", "GET", "#") == [b"2"]
    # no lookups, so non-numbers are fine
    raw.call("RPUSH", "l", "abc")
    assert raw.call("SORT", "l", "BY", "nosort", "LIMIT", "5", "1") == [b"abc"]
    # once a constant BY is seen, a later pattern does not sort again
    assert raw.call("SORT", "l", "BY", "nosort", "BY", "w_*", "LIMIT", "0", "2") == [b"5", b"3"]


def test_nosort_big_list(raw):
    items = [str(i) for i in range(300, 0, -1)]
    raw.call("RPUSH", "l", *items)
    assert raw.call("SORT", "l", "BY", "nosort", "LIMIT", "100", "3") == [b"200", b"199", b"198"]
    assert raw.call("SORT", "l", "BY", "nosort", "DESC", "LIMIT", "100", "2") == [b"101", b"102"]


def test_nosort_zset_keeps_rank_order(raw):
    raw.call("ZADD", "z", "1", "a", "5", "b", "2", "c", "10", "d", "3", "e")
    assert raw.call("SORT", "z", "BY", "nosort") == [b"a", b"c", b"e", b"b", b"d"]
    assert raw.call("SORT", "z", "BY", "nosort", "DESC") == [b"d", b"b", b"e", b"c", b"a"]
    assert raw.call("SORT", "z", "BY", "nosort", "LIMIT", "1", "2") == [b"c", b"e"]
    assert raw.call("SORT", "z", "BY", "nosort", "DESC", "LIMIT", "1", "2") == [b"b", b"e"]
    assert raw.call("SORT", "z", "BY", "nosort", "LIMIT", "5", "10") == []
    assert raw.call("SORT", "z", "BY", "nosort", "LIMIT", "-10", "100") == [
        b"a", b"c", b"e", b"b", b"d"]


def test_nosort_set(raw):
    members = ["b", "a", "c", "aa", "10", "2"]
    raw.call("SADD", "s", *members)
    assert sorted(raw.call("SORT", "s", "BY", "nosort")) == sorted(m.encode() for m in members)
    # stored: sorted ALPHA so that replicas agree
    assert raw.call("SORT", "s", "BY", "nosort", "DESC", "STORE", "d") == 6
    assert raw.call("LRANGE", "d", "0", "-1") == [b"c", b"b", b"aa", b"a", b"2", b"10"]


# --------------------------------------------------------------------------------------------
# STORE
# --------------------------------------------------------------------------------------------

def test_store(raw):
    raw.call("RPUSH", "l", "3", "1", "2")
    assert raw.call("SORT", "l", "STORE", "d") == 3
    assert raw.call("LRANGE", "d", "0", "-1") == [b"1", b"2", b"3"]
    # replaces any type and drops the TTL
    raw.call("SET", "s", "x", "EX", "100")
    assert raw.call("SORT", "l", "DESC", "STORE", "s") == 3
    assert raw.call("TYPE", "s") == b"list"
    assert raw.call("TTL", "s") == -1
    assert raw.call("LRANGE", "s", "0", "-1") == [b"3", b"2", b"1"]
    # into itself
    assert raw.call("SORT", "l", "STORE", "l") == 3
    assert raw.call("LRANGE", "l", "0", "-1") == [b"1", b"2", b"3"]
    # the last STORE counts
    assert raw.call("SORT", "l", "STORE", "x", "STORE", "y") == 3
    assert raw.call("EXISTS", "x", "y") == 1


def test_store_with_get(raw):
    raw.call("RPUSH", "l", "2", "1")
    raw.call("SET", "n_1", "one")
    assert raw.call("SORT", "l", "GET", "#", "GET", "n_*", "STORE", "d") == 4
    # a missing value is stored as an empty string
    assert raw.call("LRANGE", "d", "0", "-1") == [b"1", b"one", b"2", b""]


def test_store_empty_result_deletes(raw):
    raw.call("RPUSH", "l", "a")
    raw.call("SET", "d", "x")
    assert raw.call("SORT", "nokey", "STORE", "d") == 0
    assert raw.call("EXISTS", "d") == 0
    assert raw.call("SORT", "l", "ALPHA", "LIMIT", "10", "10", "STORE", "e") == 0
    assert raw.call("EXISTS", "e") == 0


def test_store_big_result(raw):
    items = [f"item-{i:05d}" for i in range(2000)]
    raw.call("RPUSH", "l", *items)
    assert raw.call("SORT", "l", "ALPHA", "DESC", "STORE", "d") == 2000
    assert raw.call("LLEN", "d") == 2000
    assert raw.call("LINDEX", "d", "0") == b"item-01999"
    assert raw.call("LINDEX", "d", "-1") == b"item-00000"
    assert raw.call("OBJECT", "ENCODING", "d") == b"quicklist"


def test_store_wakes_blocked_client(r, conns):
    c = conns()
    c.send_command("BLPOP", "d", "0")
    assert wait_for(lambda: blocked_clients(r) == 1)
    r.rpush("src", "hello", "hola", "aguacate")
    assert r.sort("src", alpha=True, store="d") == 3
    assert c.read_reply() == [b"d", b"aguacate"]
    assert r.lrange("d", 0, -1) == [b"hello", b"hola"]


def test_store_touches_watched_destination_only(raw, conns):
    other = conns()
    raw.call("RPUSH", "l", "1")
    raw.call("WATCH", "l")
    other.call("SORT", "l", "STORE", "d")
    other.call("SORT", "l")
    raw.call("MULTI")
    raw.call("PING")
    assert raw.call("EXEC") == [b"PONG"]
    raw.call("WATCH", "d")
    other.call("SORT", "l", "STORE", "d")
    raw.call("MULTI")
    raw.call("PING")
    assert raw.call("EXEC") is None


# --------------------------------------------------------------------------------------------
# SORT_RO, errors, expiry
# --------------------------------------------------------------------------------------------

def test_sort_ro(raw):
    raw.call("RPUSH", "l", "b", "a")
    raw.call("SET", "x_a", "100")
    assert raw.call("SORT_RO", "l", "ALPHA") == [b"a", b"b"]
    assert raw.call("SORT_RO", "l", "BY", "nosort", "GET", "x_*") == [None, b"100"]
    assert raw.call("SORT_RO", "l", "STORE", "d") == SYNTAX
    assert raw.call("SORT_RO", "nokey", "STORE", "d") == SYNTAX
    assert raw.call("EXISTS", "d") == 0


def test_errors(raw):
    raw.call("RPUSH", "l", "1")
    raw.call("SET", "str", "x")
    raw.call("HSET", "h", "f", "v")
    assert raw.call("SORT") == arity("sort")
    assert raw.call("SORT_RO") == arity("sort_ro")
    assert raw.call("SORT", "l", "FOO") == SYNTAX
    assert raw.call("SORT", "l", "LIMIT", "1") == SYNTAX
    assert raw.call("SORT", "l", "BY") == SYNTAX
    assert raw.call("SORT", "l", "GET") == SYNTAX
    assert raw.call("SORT", "l", "STORE") == SYNTAX
    assert raw.call("SORT", "l", "LIMIT", "a", "1") == NOT_INT
    assert raw.call("SORT", "l", "LIMIT", "0", "1.5") == NOT_INT
    assert raw.call("SORT", "l", "LIMIT", "0", "99999999999999999999") == NOT_INT
    assert raw.call("SORT", "str") == WRONGTYPE
    assert raw.call("SORT", "h", "STORE", "d") == WRONGTYPE
    assert raw.call("SORT_RO", "str") == WRONGTYPE
    # options are parsed before the key is looked up
    assert raw.call("SORT", "str", "FOO") == SYNTAX
    assert raw.call("SORT", "str", "LIMIT", "x", "1") == NOT_INT
    assert raw.call("EXISTS", "d") == 0


def test_expired_keys(raw):
    raw.call("RPUSH", "l", "2", "1")
    raw.call("PEXPIRE", "l", "1")
    raw.call("RPUSH", "m", "a", "b")
    raw.call("SET", "w_a", "5", "PX", "1")
    raw.call("SET", "w_b", "3")
    time.sleep(0.01)
    assert raw.call("SORT", "l") == []
    assert raw.call("SORT", "m", "BY", "w_*") == [b"a", b"b"]  # w_a expired: scores 0
    assert raw.call("SORT", "m", "GET", "w_*", "ALPHA") == [None, b"3"]
    assert raw.call("SORT", "l", "STORE", "m") == 0
    assert raw.call("EXISTS", "m") == 0


# --------------------------------------------------------------------------------------------
# Metadata and propagation
# --------------------------------------------------------------------------------------------

def test_command_info(raw):
    info = raw.call("COMMAND", "INFO", "sort", "sort_ro")
    by_name = {i[0]: i for i in info}
    assert by_name[b"sort"][1:6] == [-2, [b"write", b"denyoom", b"movablekeys"], 1, 1, 1]
    assert by_name[b"sort_ro"][1:6] == [-2, [b"readonly", b"movablekeys"], 1, 1, 1]
    assert by_name[b"sort"][6] == [b"@write", b"@set", b"@sortedset", b"@list", b"@slow",
                                   b"@dangerous"]
    assert by_name[b"sort_ro"][6] == [b"@read", b"@set", b"@sortedset", b"@list", b"@slow",
                                      b"@dangerous"]


def test_command_getkeys(raw):
    assert raw.call("COMMAND", "GETKEYS", "SORT", "abc") == [b"abc"]
    assert raw.call("COMMAND", "GETKEYS", "SORT", "abc", "STORE", "def") == [b"abc", b"def"]
    assert raw.call("COMMAND", "GETKEYS", "SORT", "abc", "store", "invalid", "STORE",
                    "stillbad", "STORE", "def") == [b"abc", b"def"]
    assert raw.call("COMMAND", "GETKEYS", "SORT", "a", "BY", "store", "LIMIT", "store", "x",
                    "GET", "store") == [b"a"]
    assert raw.call("COMMAND", "GETKEYS", "SORT", "a", "STORE", "STORE", "x") == [b"a", b"x"]
    assert raw.call("COMMAND", "GETKEYS", "SORT", "a", "STORE") == [b"a"]
    assert raw.call("COMMAND", "GETKEYS", "SORT_RO", "abc", "STORE", "def") == [b"abc"]


def test_propagation_to_aof(spawn, tmp_path):
    srv = spawn("--appendonly", "yes", "--appendfsync", "always")
    c = srv.raw()
    try:
        c.call("RPUSH", "src", "3", "1", "2")
        c.call("SORT", "src", "STORE", "d")
        c.call("SORT", "src")  # read only: not propagated
        c.call("SORT_RO", "src", "DESC")
        c.call("SORT", "nokey", "STORE", "e")  # nothing to delete: not propagated
        c.call("SORT", "nokey", "STORE", "d")  # deletes d
        c.call("SORT", "src", "LIMIT", "0", "1", "get", "#", "store", "f")
        time.sleep(0.2)
        assert read_aof_commands(tmp_path) == [
            ["RPUSH", "src", "3", "1", "2"],
            ["SORT", "src", "STORE", "d"],
            ["SORT", "nokey", "STORE", "d"],
            ["SORT", "src", "LIMIT", "0", "1", "get", "#", "store", "f"],
        ]
    finally:
        c.close()
