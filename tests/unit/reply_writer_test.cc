#include <doctest/doctest.h>

#include <string>

#include "server/reply_writer.h"

using sable::ReplyWriter;

TEST_CASE("RESP2 encodings") {
  std::string out;
  ReplyWriter w(&out);
  w.Simple("OK");
  w.Integer(-42);
  w.Bulk("hi");
  w.Null();
  w.NullArray();
  w.Map(1);
  w.Set(2);
  w.Double(1.5);
  w.Bool(true);
  CHECK(out == "+OK\r\n:-42\r\n$2\r\nhi\r\n$-1\r\n*-1\r\n*2\r\n*2\r\n$3\r\n1.5\r\n:1\r\n");
}

TEST_CASE("RESP3 encodings") {
  std::string out;
  ReplyWriter w(&out);
  w.set_proto(3);
  w.Null();
  w.Map(1);
  w.Set(2);
  w.Double(1.5);
  w.Bool(false);
  w.Verbatim("abc");
  w.BigNumber("123");
  w.Push(1);
  CHECK(out == "_\r\n%1\r\n~2\r\n,1.5\r\n#f\r\n=7\r\ntxt:abc\r\n(123\r\n>1\r\n");
}

TEST_CASE("errors: code word kept, ERR added otherwise, newlines replaced") {
  struct Sink : sable::ErrorSink {
    std::string last;
    int n = 0;
    void CountError(std::string_view code) override {
      last = code;
      ++n;
    }
  } sink;
  std::string out;
  ReplyWriter w(&out);
  w.set_error_sink(&sink);
  w.Error("WRONGTYPE Operation against a key");
  CHECK(sink.last == "WRONGTYPE");
  w.Error("bad\r\nthing");
  CHECK(sink.last == "ERR");
  CHECK(out == "-WRONGTYPE Operation against a key\r\n-ERR bad  thing\r\n");
  CHECK(sink.n == 2);
}

TEST_CASE("deferred lengths and muting") {
  std::string out;
  ReplyWriter w(&out);
  size_t h = w.BeginDeferred();
  w.Bulk("a");
  w.Bulk("b");
  w.EndDeferredArray(h, 2);
  CHECK(out == "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
  out.clear();
  w.set_muted(true);
  w.Bulk("x");
  size_t h2 = w.BeginDeferred();
  w.EndDeferredArray(h2, 0);
  CHECK(out.empty());
}
