#include "server/reply_writer.h"

#include <cmath>
#include <cstring>

#include "datastructs/numbers.h"

namespace sable {

void ReplyWriter::Header(char type, int64_t n) {
  if (muted_) return;
  char buf[32];
  buf[0] = type;
  size_t len = 1 + Int64ToChars(n, buf + 1);
  buf[len++] = '\r';
  buf[len++] = '\n';
  out_->append(buf, len);
}

void ReplyWriter::Simple(std::string_view s) {
  if (muted_) return;
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyWriter::Error(std::string_view msg) {
  std::string_view code = msg.substr(0, msg.find(' '));
  bool has_code = !code.empty();
  for (char c : code) {
    if (!(c >= 'A' && c <= 'Z') && c != '-' && c != '_') {
      has_code = false;
      break;
    }
  }
  if (sink_) sink_->CountError(has_code ? code : std::string_view("ERR"));
  if (muted_) return;
  out_->push_back('-');
  if (!has_code) out_->append("ERR ");
  size_t start = out_->size();
  out_->append(msg);
  for (size_t i = start; i < out_->size(); ++i) {
    if ((*out_)[i] == '\r' || (*out_)[i] == '\n') (*out_)[i] = ' ';
  }
  out_->append("\r\n", 2);
}

void ReplyWriter::Integer(int64_t v) { Header(':', v); }

void ReplyWriter::Bulk(std::string_view s) {
  if (muted_) return;
  Header('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyWriter::BulkInt(int64_t v) {
  if (muted_) return;
  char num[24];
  size_t n = Int64ToChars(v, num);
  Header('$', static_cast<int64_t>(n));
  out_->append(num, n);
  out_->append("\r\n", 2);
}

void ReplyWriter::Null() { Raw(proto_ >= 3 ? "_\r\n" : "$-1\r\n"); }
void ReplyWriter::NullArray() { Raw(proto_ >= 3 ? "_\r\n" : "*-1\r\n"); }
void ReplyWriter::Array(size_t n) { Header('*', static_cast<int64_t>(n)); }
void ReplyWriter::Map(size_t n) {
  if (proto_ >= 3) {
    Header('%', static_cast<int64_t>(n));
  } else {
    Header('*', static_cast<int64_t>(2 * n));
  }
}
void ReplyWriter::Set(size_t n) { Header(proto_ >= 3 ? '~' : '*', static_cast<int64_t>(n)); }
void ReplyWriter::Push(size_t n) { Header(proto_ >= 3 ? '>' : '*', static_cast<int64_t>(n)); }

void ReplyWriter::Double(double v) {
  if (muted_) return;
  std::string s = DoubleToString(v);
  if (proto_ >= 3) {
    out_->push_back(',');
    out_->append(s);
    out_->append("\r\n", 2);
  } else {
    Bulk(s);
  }
}

void ReplyWriter::LongDoubleHuman(long double v) { Bulk(LongDoubleToString(v, true)); }

void ReplyWriter::Bool(bool b) {
  if (proto_ >= 3) {
    Raw(b ? "#t\r\n" : "#f\r\n");
  } else {
    Raw(b ? ":1\r\n" : ":0\r\n");
  }
}

void ReplyWriter::Verbatim(std::string_view s, std::string_view ext) {
  if (muted_) return;
  if (proto_ < 3) return Bulk(s);
  Header('=', static_cast<int64_t>(s.size() + 4));
  out_->append(ext);
  out_->push_back(':');
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyWriter::BigNumber(std::string_view s) {
  if (muted_) return;
  if (proto_ < 3) return Bulk(s);
  out_->push_back('(');
  out_->append(s);
  out_->append("\r\n", 2);
}

// Deferred headers reserve a fixed-width slot; at the end the real header is written and the
// gap closed with one memmove of the elements written since (small in practice).
static constexpr size_t kDeferredSlot = 24;

size_t ReplyWriter::BeginDeferred() {
  if (muted_) return SIZE_MAX;
  size_t at = out_->size();
  out_->append(kDeferredSlot, ' ');
  return at;
}

void ReplyWriter::EndDeferred(size_t handle, char type, size_t n) {
  if (handle == SIZE_MAX) return;
  char hdr[kDeferredSlot];
  hdr[0] = type;
  size_t len = 1 + Int64ToChars(static_cast<int64_t>(n), hdr + 1);
  hdr[len++] = '\r';
  hdr[len++] = '\n';
  std::string& o = *out_;
  memcpy(&o[handle], hdr, len);
  o.erase(handle + len, kDeferredSlot - len);
}

void ReplyWriter::EndDeferredArray(size_t h, size_t n) { EndDeferred(h, '*', n); }
void ReplyWriter::EndDeferredMap(size_t h, size_t n) {
  if (proto_ >= 3) {
    EndDeferred(h, '%', n);
  } else {
    EndDeferred(h, '*', 2 * n);
  }
}
void ReplyWriter::EndDeferredSet(size_t h, size_t n) { EndDeferred(h, proto_ >= 3 ? '~' : '*', n); }

}  // namespace sable
