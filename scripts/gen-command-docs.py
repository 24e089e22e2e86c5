#!/usr/bin/python3
"""Generates server/command_docs*.inc from Debian's redis-server 7.0.15's own replies.

COMMAND DOCS (summary, since, group, complexity, doc_flags, deprecated_since, replaced_by,
history, arguments) and the tips of COMMAND INFO of every command and subcommand Redis has
become data rows (types: server/command_docs.h). Nothing here runs at build time; rerun it
and commit the result when the reference changes:

    scripts/gen-command-docs.py [/usr/bin/redis-server]

It starts the given redis-server on a private unix socket, queries it over RESP3 (so maps,
sets and arrays keep their types) and checks that every reply uses only the fields, in the
order, that Redis 7.0's addReplyCommandDocs / addReplyCommandArgList write; a field it does
not know stops the script instead of being dropped.
"""
import os
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ARG_FILES = 2  # server/command_doc_args1.inc, ...2.inc: halves, to keep files short
DOC_KEYS = ["summary", "since", "group", "complexity", "doc_flags", "deprecated_since",
            "replaced_by", "history", "arguments", "subcommands"]
ARG_KEYS = ["name", "type", "key_spec_index", "token", "summary", "since",
            "deprecated_since", "flags", "arguments"]


class Conn:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX)
        self.sock.connect(path)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            self.buf += self.sock.recv(1 << 20)
        ln, self.buf = self.buf.split(b"\r\n", 1)
        return ln

    def exact(self, n):
        while len(self.buf) < n + 2:
            self.buf += self.sock.recv(1 << 20)
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        ln = self.line()
        t, rest = ln[:1], ln[1:]
        if t in (b"+",):
            return rest.decode()
        if t == b"-":
            raise RuntimeError(rest.decode())
        if t == b":":
            return int(rest)
        if t == b"$":
            return self.exact(int(rest)).decode()
        if t == b"=":
            return self.exact(int(rest))[4:].decode()  # "txt:" + text
        if t == b"_":
            return None
        if t in (b"*", b"~"):
            items = [self.read() for _ in range(int(rest))]
            return items if t == b"*" else ("set", items)
        if t == b"%":
            pairs = [(self.read(), self.read()) for _ in range(int(rest))]
            return dict(pairs)
        raise RuntimeError(f"unexpected reply type {ln!r}")

    def call(self, *args):
        out = b"*%d\r\n" % len(args)
        for a in args:
            a = a.encode()
            out += b"$%d\r\n%s\r\n" % (len(a), a)
        self.sock.sendall(out)
        return self.read()


def check_order(keys, known, what):
    idx = [known.index(k) if k in known else -1 for k in keys]
    if -1 in idx or idx != sorted(idx):
        sys.exit(f"unexpected fields in {what}: {keys}")


def c_str(s):
    if s is None:
        return "nullptr"
    out = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{out}"'


def words(value):
    """A RESP3 set of words as one space-separated string (nullptr when absent)."""
    if value is None:
        return None
    kind, items = value
    assert kind == "set" and all(" " not in w for w in items), value
    return " ".join(items)


def main():
    binary = sys.argv[1] if len(sys.argv) > 1 else "/usr/bin/redis-server"
    tmp = tempfile.mkdtemp(prefix="gen-command-docs-")
    sock_path = os.path.join(tmp, "redis.sock")
    proc = subprocess.Popen([binary, "--port", "0", "--unixsocket", sock_path, "--save", "",
                             "--appendonly", "no", "--dir", tmp],
                            stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if os.path.exists(sock_path):
                break
            time.sleep(0.05)
        conn = Conn(sock_path)
        conn.call("HELLO", "3")
        version = conn.call("INFO", "server").split("redis_version:")[1].split("\r\n")[0]
        names = sorted(conn.call("COMMAND", "LIST"))
        docs, history, args = [], [], []

        def add_args(arglist, where):
            for a in arglist:
                check_order(list(a), ARG_KEYS, where)
                sub = a.get("arguments", [])
                args.append((a["name"], a["type"], a.get("key_spec_index", -1), a.get("token"),
                             a.get("summary"), a.get("since"), a.get("deprecated_since"),
                             words(a.get("flags")), len(sub)))
                add_args(sub, where)

        for name in names:
            doc = conn.call("COMMAND", "DOCS", name)[name]
            check_order(list(doc), DOC_KEYS, name)
            info = conn.call("COMMAND", "INFO", name)[0]
            tips = words(info[7])
            hist = doc.get("history", ("set", []))[1]
            h0 = len(history)
            history.extend((since, text) for since, text in hist)
            a0 = len(args)
            add_args(doc.get("arguments", []), name)
            top_args = len(doc.get("arguments", []))
            # Redis writes both fields only when the list is not empty.
            assert ("arguments" in doc) == (top_args > 0) and ("history" in doc) == bool(hist)
            docs.append((name, doc.get("summary"), doc.get("since"), doc["group"],
                         doc.get("complexity"), words(doc.get("doc_flags")),
                         doc.get("deprecated_since"), doc.get("replaced_by"), tips,
                         h0, len(hist), a0, top_args))
    finally:
        proc.terminate()
        proc.wait()

    head = (f"// Generated by scripts/gen-command-docs.py from redis-server {version}'s "
            "COMMAND DOCS and\n// COMMAND INFO (tips). Do not edit: rerun the script. "
            "Row types: server/command_docs.h.\n// clang-format off\n")
    with open(os.path.join(ROOT, "server/command_docs.inc"), "w") as f:
        f.write(head)
        f.write("// name, summary, since, group, complexity, doc_flags, deprecated_since, "
                "replaced_by, tips,\n// first history row, history rows, first argument row, "
                "top-level arguments\n")
        f.write("#define SABLE_COMMAND_DOCS \\\n")
        for d in docs:
            f.write("    {" + ", ".join(c_str(x) if isinstance(x, str) or x is None else
                                        ("true" if x is True else "false" if x is False
                                         else str(x)) for x in d) + "}, \\\n")
        f.write("\n// since, changes\n#define SABLE_COMMAND_HISTORY \\\n")
        for since, text in history:
            f.write(f"    {{{c_str(since)}, {c_str(text)}}}, \\\n")
        f.write("\n")
    per_file = -(-len(args) // ARG_FILES)
    assert per_file < 1150, "add a file (ARG_FILES here and its #include in command_docs.cc)"
    parts = [args[i:i + per_file] for i in range(0, len(args), per_file)]
    for n, part in enumerate(parts, 1):
        with open(os.path.join(ROOT, f"server/command_doc_args{n}.inc"), "w") as f:
            f.write(head)
            f.write(f"// Argument rows {(n - 1) * per_file} to "
                    f"{(n - 1) * per_file + len(part) - 1}, in preorder: name, type, "
                    "key_spec_index, token,\n// summary, since, deprecated_since, flags, "
                    "number of sub-arguments (they follow).\n")
            for a in part:
                f.write("    {" + ", ".join(c_str(x) if not isinstance(x, int) else str(x)
                                            for x in a) + "},\n")
    print(f"{len(docs)} commands, {len(history)} history rows, {len(args)} argument rows "
          f"in {len(parts)} files", file=sys.stderr)


main()
