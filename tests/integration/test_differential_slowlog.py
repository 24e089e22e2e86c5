"""Differential test: credentials are redacted in the slow log exactly as redis-server 7.0.15
redacts them (AUTH, HELLO AUTH, MIGRATE AUTH/AUTH2, ACL SETUSER, CONFIG SET of
requirepass / masterauth / masteruser), and the rest of each entry is kept.
"""

COMMANDS = [
    ("AUTH", "not-the-password"),
    ("AUTH", "someone", "pw"),
    ("HELLO", "2", "AUTH", "default", "wrong", "SETNAME", "n"),
    ("HELLO", "2", "SETNAME", "visible"),
    ("ACL", "SETUSER", "slowlog test user", "+get"),
    ("ACL", "SETUSER", "slowlog-user", "on", ">secret", "+get"),
    ("ACL", "DELUSER", "slowlog-user"),
    ("CONFIG", "SET", "masteruser", "u", "maxmemory", "0", "masterauth", "pw"),
    ("CONFIG", "SET", "requirepass", ""),
    ("CONFIG", "SET", "maxmemory-samples", "5"),
    ("MIGRATE", "127.0.0.1", "1", "nokey", "0", "100", "AUTH", "pw"),
    ("MIGRATE", "127.0.0.1", "1", "nokey", "0", "100", "COPY", "AUTH2", "user", "pw"),
    ("MIGRATE", "127.0.0.1", "1", "", "0", "100", "AUTH", "pw", "KEYS", "AUTH", "k"),
]


def slowlog_args(server):
    with server.raw() as r:
        assert r.call("CONFIG", "SET", "slowlog-log-slower-than", "0") == b"OK"
        r.call("SLOWLOG", "RESET")
        for cmd in COMMANDS:
            r.call(*cmd)  # most fail (bad password, no such target): they are still logged
        assert r.call("CONFIG", "SET", "slowlog-log-slower-than", "-1") == b"OK"
        entries = r.call("SLOWLOG", "GET", "100")
        r.call("CONFIG", "SET", "slowlog-log-slower-than", "10000")
    return [e[3] for e in reversed(entries)]


def test_slowlog_redacts_credentials_as_redis_does(pair):
    ref, sut = pair
    expected = slowlog_args(ref)
    assert len(expected) == len(COMMANDS) + 1  # + the final CONFIG SET
    assert [b"AUTH", b"(redacted)"] in expected  # the reference does redact
    assert slowlog_args(sut) == expected
