"""Differential test for Lua scripting: a fixed list of EVAL / EVALSHA / EVAL_RO / SCRIPT /
FUNCTION / FCALL commands goes to Debian's redis-server and to the server under test, over
RESP2 and RESP3; raw reply bytes must be identical (error texts include the script's sha, the
line and the Lua message).

Uses the shared harness (the `pair` fixture of conftest.py, differential.pipeline). Left out: replies whose order
Redis leaves undefined (a set's members, FUNCTION LIST of several libraries, a Lua table's
iteration order), the struct library (not provided), and anything timing-dependent.
"""

from differential import pipeline


def ev(body, *keys_and_args, numkeys=None):
    keys = list(keys_and_args)
    n = len(keys) if numkeys is None else numkeys
    return ["EVAL", body, str(n), *keys]


SETUP = [
    ["SET", "str", "hello"],
    ["SET", "num", "42"],
    ["RPUSH", "list", "c", "a", "b"],
    ["SADD", "set", "3", "1", "2"],
    ["SADD", "wset", "pear", "apple", "fig"],
    ["ZADD", "zset", "1", "one", "2", "two", "3", "three"],
    ["HSET", "hash", "field", "value"],
]

CASES = [
    # Lua -> RESP conversions
    ev("return 'hello'"),
    ev("return 100.5"),
    ev("return -3.9"),
    ev("return 1e300"),
    ev("return 0/0"),
    ev("return true"),
    ev("return false"),
    ev("return nil"),
    ev("return {}"),
    ev("return {1,2,3,'ciao',{1,2}}"),
    ev("return {1,nil,3}"),
    ev("return {1,false,3}"),
    ev("return {ok='fine'}"),
    ev("return {ok='a\\r\\nb'}"),
    ev("return {err='ERR this is an error'}"),
    ev("return {err='My error'}"),
    ev("return {err='x\\ny'}"),
    ev("return {double=3.5}"),
    ev("return {big_number='123456789012345678901234567890'}"),
    ev("return {verbatim_string={format='txt', string='hi'}}"),
    ev("return {map={a=1}}"),
    ev("return {set={a=true}}"),
    ev("return {1,{ok='x'},{err='ERR nested'},{double=1.5}}"),
    ev("return _G"),
    ev("return {KEYS[1],KEYS[2],ARGV[1],ARGV[2]}", "a{t}", "b{t}", "c{t}", "d{t}", numkeys=2),
    ev("return #KEYS + #ARGV * 10", "k", "x", "y", numkeys=1),
    ev("return ARGV", "1", "2", numkeys=0),
    # RESP -> Lua conversions
    ev("return redis.call('get', KEYS[1])", "str"),
    ev("return redis.call('get', KEYS[1])", "nokey"),
    ev("return type(redis.call('get', KEYS[1]))", "nokey"),
    ev("return redis.call('incr', KEYS[1])", "num"),
    ev("return redis.call('lrange', KEYS[1], 0, -1)", "list"),
    ev("return redis.call('set', KEYS[1], 'v')", "k1"),
    ev("return type(redis.call('set', KEYS[1], 'v'))", "k1"),
    ev("return redis.call('set', KEYS[1], 'v')['ok']", "k1"),
    ev("return redis.pcall('incr', KEYS[1])", "str"),
    ev("return redis.pcall('incr', KEYS[1])['err']", "str"),
    ev("return redis.call('hgetall', KEYS[1])", "hash"),
    ev("redis.setresp(3); return redis.call('hgetall', KEYS[1])", "hash"),
    ev("redis.setresp(3); return redis.call('hgetall', KEYS[1])['map']['field']", "hash"),
    ev("redis.setresp(2); return redis.call('hgetall', KEYS[1])", "hash"),
    ev("redis.setresp(3); return redis.call('zscore', KEYS[1], 'two')", "zset"),
    ev("redis.setresp(3); return redis.call('zscore', KEYS[1], 'two')['double']", "zset"),
    ev("redis.setresp(3); return redis.call('get', 'nokey')"),
    ev("redis.setresp(3); return type(redis.call('get', 'nokey'))"),
    ev("redis.setresp(3); return true"),
    ev("redis.setresp(3); return false"),
    ev("redis.setresp(3); return {double=0.25}"),
    ["DEBUG", "set-disable-deny-scripts", "1"],
    ev("redis.setresp(3); return redis.call('debug', 'protocol', 'bignum')"),
    ev("redis.setresp(3); return redis.call('debug', 'protocol', 'true')"),
    ev("redis.setresp(3); return redis.call('debug', 'protocol', 'false')"),
    ev("redis.setresp(3); return redis.call('debug', 'protocol', 'verbatim')"),
    ev("redis.setresp(3); return redis.call('debug', 'protocol', 'double')"),
    ev("redis.setresp(3); return redis.call('debug', 'protocol', 'null')"),
    ev("redis.setresp(3); return redis.call('debug', 'protocol', 'map')"),
    ev("redis.setresp(3); return redis.call('debug', 'protocol', 'attrib')"),
    ev("redis.setresp(2); return redis.call('debug', 'protocol', 'bignum')"),
    ev("redis.setresp(2); return redis.call('debug', 'protocol', 'true')"),
    ["DEBUG", "set-disable-deny-scripts", "0"],
    ev("redis.setresp(4)"),
    ev("redis.setresp()"),
    # errors and their texts
    ev("return a"),
    ev("a = 10"),
    ev("function f() end"),
    ev("x("),
    ev("error('boom')"),
    ev("error({err='CUSTOM boom'})"),
    ev("error()"),
    ev("redis.call('nosuchcommand')"),
    ev("redis.call('get','a','b','c')"),
    ev("redis.call('lpush',KEYS[1],'val')", "str"),
    ev("return redis.call('select', 99)"),
    ev("return redis.call()"),
    ev("return redis.pcall()"),
    ev("return redis.call('get', {})"),
    ev("return redis.call('get', nil)"),
    ev("return redis.call('blpop', 'x', 0)"),
    ev("return redis.call('eval', 'return 1', 0)"),
    ev("return redis.call('multi')"),
    ev("return redis.pcall('get','a','b')"),
    ev("return redis.error_reply('My Error')"),
    ev("return redis.error_reply('-WRONG custom')"),
    ev("return redis.error_reply('')"),
    ev("return redis.error_reply(1)"),
    ev("return redis.status_reply('Fine')"),
    ev("return redis.status_reply()"),
    ev("return pcall(function() error('x') end)"),
    ev("local ok, e = pcall(function() redis.call('nosuch') end) return e"),
    ev("local ok, e = pcall(function() error({err='T t'}) end) return e"),
    ev("return {pcall(function() return 1 end)}"),
    ev("local t = {} setmetatable(t, {__index=function() error('x') end}) return t"),
    ["EVAL", "return 1", "-1"],
    ["EVAL", "return 1", "abc"],
    ["EVAL", "return 1", "2", "a"],
    ["EVAL", "return 1"],
    # globals protection and the sandbox
    ev("setmetatable(_G, {})"),
    ev("local g = getmetatable(_G) g.__index = {}"),
    ev("redis = function() return 1 end"),
    ev("_G = {}"),
    ev("rawset(_G, 'x', 1)"),
    ev("redis.call = function() return 1 end"),
    ev("cjson.encode = function() return 1 end"),
    ev("bit.lshift = function() return 1 end"),
    ev("string.upper = 1"),
    ev("print('x')"),
    ev("loadfile('x')"),
    ev("dofile('x')"),
    ev("return os"),
    ev("return loadstring(string.dump(function() return 1 end))()"),
    ev("return loadstring('return 7')()"),
    ev("return type(debug)"),
    ev("local t = {} t.x = 1 return t.x"),
    ev("return ('abc'):upper()"),
    ev("return string.format('%d-%s', 5, 'x')"),
    ev("return tostring(rawget(_G, 'redis') ~= nil)"),
    ev("local n = 0 for k, v in pairs(redis) do n = n + 1 end return n > 5"),
    # libraries
    ev("return cjson.encode({1,2,{a=1}})"),
    ev("return cjson.decode('[1,2,3,{\"a\":\"b\"}]')[4]['a']"),
    ev("return cjson.decode('{\"x\":0.5}')['x'] * 4"),
    ev("return cjson.encode(cjson.decode('\"\\\\u00e9\"'))"),
    ev("return bit.tobit(1)"),
    ev("return bit.band(0xff, 0x0f)"),
    ev("return bit.tohex(65535, 4)"),
    ev("return {bit.bnot(0), bit.lshift(1, 40), bit.bxor(5, 3)}"),
    ev("local e = cmsgpack.pack(0.1, -1099511627776, {1,2,{a=1}}, 'x', true, nil, 1.5, 300, "
       "-200, 70000, 2^40, -3147483648, string.rep('y', 40), string.rep('z', 300)) "
       "local h = '' for i = 1, #e do h = h .. string.format('%02x', string.byte(e, i)) end "
       "return h"),
    ev("local a = {y=5} local b = {x=a} a['x'] = b local e = cmsgpack.pack(a) local h = '' "
       "for i = 1, #e do h = h .. string.format('%02x', string.byte(e, i)) end return h"),
    ev("return {cmsgpack.unpack(cmsgpack.pack(1, 'a', {1,2}, {k='v'}, false))}"),
    ev("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2), 0)}"),
    ev("return {cmsgpack.unpack_one(cmsgpack.pack(1, 2), 1)}"),
    ev("return {cmsgpack.unpack_limit(cmsgpack.pack(1, 2, 3), 2, 1)}"),
    ev("return cmsgpack.unpack(string.char(0xcd))"),
    ev("return cmsgpack.unpack(string.char(0xc1))"),
    ev("return cmsgpack.unpack_one('abc', 9)"),
    ev("return cmsgpack.pack()"),
    ev("cmsgpack.pack = 1"),
    ev("return redis.sha1hex('')"),
    ev("return redis.sha1hex('Pizza & Mandolino')"),
    ev("return redis.sha1hex()"),
    ev("return redis.REDIS_VERSION"),
    ev("return redis.REDIS_VERSION_NUM"),
    ev("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}"),
    ev("redis.log(redis.LOG_WARNING, 'from a script') return 1"),
    ev("redis.log(9, 'x')"),
    ev("redis.log('x')"),
    ev("return redis.replicate_commands()"),
    ev("redis.set_repl(redis.REPL_ALL) return 1"),
    ev("redis.set_repl(99)"),
    ev("math.randomseed(42) return {math.random(100), math.random(100), math.random(1, 5)}"),
    ev("math.randomseed(7) return tostring(math.random())"),
    ev("return tostring(3.14159)"),
    ev("return redis.call('set', 'f', 3.14159265358979)"),
    ev("return redis.call('get', 'f')"),
    ev("return redis.call('incrbyfloat', 'fl', 0.1)"),
    # writes, reads, SELECT, SORT
    ev("redis.call('select', 9) redis.call('set', 'in9', 'x') return redis.call('get', 'in9')"),
    ["GET", "in9"],
    ev("return redis.call('sort', KEYS[1], 'by', 'nosort')", "set"),
    ev("return redis.call('sort', KEYS[1], 'by', 'nosort', 'alpha')", "wset"),
    ev("return redis.call('sort', KEYS[1], 'by', 'nosort')", "zset"),
    ev("return redis.call('sort', KEYS[1], 'by', 'nosort')", "list"),
    ev("return redis.call('sort', KEYS[1], 'by', 'nosort', 'desc')", "zset"),
    ev("return redis.call('sort', KEYS[1], 'by', 'nosort', 'limit', 0, 2)", "set"),
    ev("local t = redis.call('smembers', KEYS[1]) table.sort(t) return t", "set"),
    ev("return redis.call('spop', 'nosuchset')"),
    ev("for i = 1, 10 do redis.call('rpush', 'many', i) end return redis.call('llen', 'many')"),
    ev("return redis.call('lpush', 'l', unpack({1,2,3,4,5}))"),
    # EVAL_RO, shebang flags
    ["EVAL_RO", "return redis.call('get', KEYS[1])", "1", "str"],
    ["EVAL_RO", "return redis.call('set', KEYS[1], 'x')", "1", "str"],
    ["EVAL_RO", "return redis.call('del', KEYS[1])", "1", "str"],
    ev("#!lua\nreturn 1"),
    ev("#!lua\nreturn a"),
    ev("#!lua flags=no-writes\nreturn redis.call('get', 'str')"),
    ev("#!lua flags=no-writes\nreturn redis.call('set', 'str', 'x')"),
    ev("#!lua flags=no-writes,allow-oom\nreturn 1"),
    ev("#!lua flags=allow-oom,what?\nreturn 1"),
    ev("#!lua badger=data\nreturn 1"),
    ev("#!not-lua\nreturn 1"),
    ev("#!lua"),
    ["EVAL_RO", "#!lua\nreturn 1", "0"],
    ["EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"],
    # EVALSHA and SCRIPT
    ["SCRIPT", "LOAD", "return 'loaded'"],
    ["EVALSHA", "b534286061d4b9e4026607613b95c06c06015ae8", "0"],
    ["EVALSHA", "B534286061D4B9E4026607613B95C06C06015AE8", "0"],
    ["EVALSHA_RO", "b534286061d4b9e4026607613b95c06c06015ae8", "0"],
    ["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"],
    ["EVALSHA", "short", "0"],
    ["SCRIPT", "EXISTS", "b534286061d4b9e4026607613b95c06c06015ae8", "ffff"],
    ["SCRIPT", "LOAD", "x("],
    ["SCRIPT", "LOAD", "#!lua flags=bad\nreturn 1"],
    ["SCRIPT", "KILL"],
    ["SCRIPT", "FLUSH", "BAD"],
    ["SCRIPT", "NOSUCH"],
    ["SCRIPT", "HELP"],
    ["SCRIPT", "FLUSH"],
    ["SCRIPT", "EXISTS", "b534286061d4b9e4026607613b95c06c06015ae8"],
    ["EVALSHA", "b534286061d4b9e4026607613b95c06c06015ae8", "0"],
    # functions
    ["FUNCTION", "FLUSH"],
    ["FUNCTION", "LOAD", "#!lua name=lib1\nredis.register_function('f1', function(keys, args) "
                         "return {keys[1], args[1]} end)"],
    ["FCALL", "f1", "1", "k", "a"],
    ["FCALL_RO", "f1", "1", "k", "a"],
    ["FCALL", "nosuch", "0"],
    ["FCALL", "f1", "x"],
    ["FUNCTION", "LOAD", "#!lua name=lib1\nredis.register_function('f1', function() end)"],
    ["FUNCTION", "LOAD", "REPLACE", "#!lua name=lib1\nredis.register_function{function_name="
                         "'f2', callback=function() return redis.call('ping') end, "
                         "flags={'no-writes'}, description='desc'}"],
    ["FCALL_RO", "f2", "0"],
    ["FCALL", "f1", "0"],
    ["FUNCTION", "LIST"],
    ["FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "lib*"],
    ["FUNCTION", "LOAD", "#!lua name=lib2\nredis.register_function('f2', function() end)"],
    ["FUNCTION", "LOAD", "#!lua name=lib2\nredis.call('ping')"],
    ["FUNCTION", "LOAD", "#!lua name=lib2\nreturn 1"],
    ["FUNCTION", "LOAD", "#!lua name=lib2\nx("],
    ["FUNCTION", "LOAD", "#!lua\nreturn 1"],
    ["FUNCTION", "LOAD", "#!lua name=a-b\nreturn 1"],
    ["FUNCTION", "LOAD", "#!js name=lib2\nreturn 1"],
    ["FUNCTION", "LOAD", "return 1"],
    ["FUNCTION", "LOAD", "#!lua name=lib3\nredis.register_function('f3', function() "
                         "return redis.call('set', 'fx', 1) end)"],
    ["FCALL_RO", "f3", "0"],
    ["FCALL", "f3", "0"],
    ["FUNCTION", "STATS"],
    ["FUNCTION", "DELETE", "lib3"],
    ["FUNCTION", "DELETE", "lib3"],
    ["FUNCTION", "KILL"],
    ["FUNCTION", "FLUSH"],
    ["FUNCTION", "LIST"],
]


def run_cases(pair, resp3):
    ref_srv, sut_srv = pair
    ref, sut = ref_srv.raw(timeout=30), sut_srv.raw(timeout=30)
    try:
        for conn in (ref, sut):
            conn.call("FLUSHALL")
            conn.call("SCRIPT", "FLUSH")
            conn.call("FUNCTION", "FLUSH")
            if resp3:
                conn.call("HELLO", "3")
            pipeline(conn, SETUP)
        a_all = pipeline(ref, CASES)
        b_all = pipeline(sut, CASES)
        mismatches = [f"{cmd!r}\n  redis: {a!r}\n  sable: {b!r}"
                      for cmd, a, b in zip(CASES, a_all, b_all) if a != b]
        assert not mismatches, f"{len(mismatches)} mismatches (resp3={resp3}):\n" + "\n".join(
            mismatches[:20])
        # the stream must exercise both answers and errors
        assert sum(rep.startswith(b"-") for rep in a_all) > 60
        assert sum(not rep.startswith(b"-") for rep in a_all) > 100
    finally:
        ref.close()
        sut.close()


def test_scripting_replies_resp2(pair):
    run_cases(pair, resp3=False)


def test_scripting_replies_resp3(pair):
    run_cases(pair, resp3=True)
