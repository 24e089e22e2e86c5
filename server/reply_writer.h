// RESP2/RESP3 reply encoder appending to a connection's output buffer. One writer per
// connection; the protocol version decides how maps, sets, doubles, nulls and booleans look.
// Errors are counted (INFO errorstats) through an ErrorSink the owner provides.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sable {

class ErrorSink {
 public:
  virtual ~ErrorSink() = default;
  // `code` is the first word of the error ("ERR", "WRONGTYPE", ...).
  virtual void CountError(std::string_view code) = 0;
};

class ReplyWriter {
 public:
  explicit ReplyWriter(std::string* out) : out_(out) {}

  void set_proto(int p) { proto_ = p; }
  int proto() const { return proto_; }
  bool resp3() const { return proto_ >= 3; }
  void set_error_sink(ErrorSink* s) { sink_ = s; }
  // While muted (CLIENT REPLY OFF/SKIP) nothing is appended.
  void set_muted(bool m) { muted_ = m; }
  bool muted() const { return muted_; }
  std::string* buffer() { return out_; }

  void Simple(std::string_view s);
  void Ok() { Raw("+OK\r\n"); }
  // `msg` is the full error without '-', e.g. "ERR syntax error". Newlines are replaced by
  // spaces as Redis does. A msg not starting with an upper-case code word gets "ERR ".
  void Error(std::string_view msg);
  void Integer(int64_t v);
  void Bulk(std::string_view s);
  void BulkInt(int64_t v);
  void Null();        // RESP2 "$-1", RESP3 "_"
  void NullArray();   // RESP2 "*-1", RESP3 "_"
  void Array(size_t n);
  void Map(size_t n);  // n pairs; RESP2 = array of 2n
  void Set(size_t n);  // RESP2 = array
  void Push(size_t n);  // RESP2 = array
  void Double(double v);
  void LongDoubleHuman(long double v);  // as a bulk string, INCRBYFLOAT style
  void Bool(bool b);
  void Verbatim(std::string_view s, std::string_view ext = "txt");
  void BigNumber(std::string_view s);
  void Raw(std::string_view s) {
    if (!muted_) out_->append(s);
  }

  // Deferred aggregate length: reserve now, fill in once the count is known.
  size_t BeginDeferred();
  void EndDeferredArray(size_t handle, size_t n);
  void EndDeferredMap(size_t handle, size_t n);
  void EndDeferredSet(size_t handle, size_t n);

 private:
  void Header(char type, int64_t n);
  void EndDeferred(size_t handle, char type, size_t n);

  std::string* out_;
  ErrorSink* sink_ = nullptr;
  int proto_ = 2;
  bool muted_ = false;
};

}  // namespace sable
