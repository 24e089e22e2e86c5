#include "datastructs/listpack.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#include "datastructs/numbers.h"
#include "datastructs/ziplist.h"

namespace sable {

namespace {

constexpr uint8_t kEof = 0xFF;
constexpr uint16_t kCountUnknown = 0xFFFF;

uint32_t Le32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

void PutLe32(uint8_t* p, uint32_t v) {
  p[0] = v & 0xff;
  p[1] = (v >> 8) & 0xff;
  p[2] = (v >> 16) & 0xff;
  p[3] = (v >> 24) & 0xff;
}

uint32_t TotalBytes(const uint8_t* lp) { return Le32(lp); }
void SetTotalBytes(uint8_t* lp, size_t v) {
  if (v > UINT32_MAX) abort();  // callers keep listpacks far below 4 GB
  PutLe32(lp, static_cast<uint32_t>(v));
}
uint16_t NumElements(const uint8_t* lp) { return static_cast<uint16_t>(lp[4] | lp[5] << 8); }
void SetNumElements(uint8_t* lp, uint16_t v) {
  lp[4] = v & 0xff;
  lp[5] = v >> 8;
}

void AddCount(uint8_t* lp, long delta) {
  uint16_t n = NumElements(lp);
  if (n == kCountUnknown) return;
  long m = static_cast<long>(n) + delta;
  SetNumElements(lp, m < 0 || m >= kCountUnknown ? kCountUnknown : static_cast<uint16_t>(m));
}

uint8_t* Alloc(size_t n) {
  auto* p = static_cast<uint8_t*>(malloc(n));
  if (p == nullptr) abort();  // out of memory aborts loudly
  return p;
}

uint8_t* Realloc(uint8_t* lp, size_t n) {
  auto* p = static_cast<uint8_t*>(realloc(lp, n));
  if (p == nullptr) abort();
  return p;
}

// Size of encoding + data of the entry at `p` (0 for the terminator or a bad encoding byte).
size_t EncodedSize(const uint8_t* p) {
  uint8_t b = p[0];
  if (b < 0x80) return 1;                                                  // 7-bit uint
  if (b < 0xC0) return 1 + (b & 0x3F);                                     // 6-bit string
  if (b < 0xE0) return 2;                                                  // 13-bit int
  if (b < 0xF0) return 2 + ((static_cast<size_t>(b & 0x0F) << 8) | p[1]);  // 12-bit string
  switch (b) {
    case 0xF0:
      return 5 + static_cast<size_t>(Le32(p + 1));  // 32-bit string
    case 0xF1:
      return 3;
    case 0xF2:
      return 4;
    case 0xF3:
      return 5;
    case 0xF4:
      return 9;
    default:
      return 0;
  }
}

size_t BacklenBytes(uint64_t l) {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

// Writes the backlen of an entry whose encoding+data is `l` bytes; returns bytes written.
size_t WriteBacklen(uint8_t* buf, uint64_t l) {
  size_t n = BacklenBytes(l);
  // Leftmost byte: the highest bits, no continuation flag; then 7 bits per byte with bit 7 set.
  for (size_t i = 0; i < n; ++i) {
    size_t shift = 7 * (n - 1 - i);
    uint8_t v = (l >> shift) & 127;
    buf[i] = i == 0 ? static_cast<uint8_t>(l >> shift) : static_cast<uint8_t>(v | 128);
  }
  return n;
}

// Reads a backlen whose last byte is at `p`, walking left. Returns UINT64_MAX if malformed
// (more than 5 bytes) or if it would read before `lower` (when given).
uint64_t ReadBacklen(const uint8_t* p, const uint8_t* lower, size_t* nbytes) {
  uint64_t val = 0;
  size_t shift = 0, n = 0;
  while (true) {
    if (lower != nullptr && p < lower) return UINT64_MAX;
    val |= static_cast<uint64_t>(p[0] & 127) << shift;
    ++n;
    if (!(p[0] & 128)) break;
    shift += 7;
    --p;
    if (shift > 28) return UINT64_MAX;
  }
  if (nbytes) *nbytes = n;
  return val;
}

// One element encoded for writing.
struct Encoded {
  uint8_t hdr[9];
  size_t hdr_len = 0;
  const char* data = nullptr;
  size_t data_len = 0;
  size_t enc_len = 0;  // hdr + data
  size_t total = 0;    // enc + backlen
};

void EncodeInt(int64_t v, Encoded* e) {
  uint8_t* h = e->hdr;
  if (v >= 0 && v <= 127) {
    h[0] = static_cast<uint8_t>(v);
    e->hdr_len = 1;
  } else if (v >= -4096 && v <= 4095) {
    uint64_t u = v < 0 ? (uint64_t{1} << 13) + v : static_cast<uint64_t>(v);
    h[0] = static_cast<uint8_t>((u >> 8) | 0xC0);
    h[1] = u & 0xff;
    e->hdr_len = 2;
  } else if (v >= -32768 && v <= 32767) {
    uint64_t u = static_cast<uint16_t>(v);
    h[0] = 0xF1;
    h[1] = u & 0xff;
    h[2] = (u >> 8) & 0xff;
    e->hdr_len = 3;
  } else if (v >= -8388608 && v <= 8388607) {
    uint64_t u = v < 0 ? (uint64_t{1} << 24) + v : static_cast<uint64_t>(v);
    h[0] = 0xF2;
    h[1] = u & 0xff;
    h[2] = (u >> 8) & 0xff;
    h[3] = (u >> 16) & 0xff;
    e->hdr_len = 4;
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    h[0] = 0xF3;
    PutLe32(h + 1, static_cast<uint32_t>(static_cast<int32_t>(v)));
    e->hdr_len = 5;
  } else {
    uint64_t u = static_cast<uint64_t>(v);
    h[0] = 0xF4;
    for (int i = 0; i < 8; ++i) h[1 + i] = (u >> (8 * i)) & 0xff;
    e->hdr_len = 9;
  }
  e->data = nullptr;
  e->data_len = 0;
  e->enc_len = e->hdr_len;
  e->total = e->enc_len + BacklenBytes(e->enc_len);
}

void EncodeString(std::string_view s, Encoded* e) {
  int64_t v;
  if (!s.empty() && s.size() <= 20 && StringToInt64(s, &v)) return EncodeInt(v, e);
  size_t len = s.size();
  uint8_t* h = e->hdr;
  if (len < 64) {
    h[0] = static_cast<uint8_t>(len | 0x80);
    e->hdr_len = 1;
  } else if (len < 4096) {
    h[0] = static_cast<uint8_t>((len >> 8) | 0xE0);
    h[1] = len & 0xff;
    e->hdr_len = 2;
  } else {
    if (len > UINT32_MAX) abort();  // callers store huge elements outside listpacks
    h[0] = 0xF0;
    PutLe32(h + 1, static_cast<uint32_t>(len));
    e->hdr_len = 5;
  }
  e->data = s.data();
  e->data_len = len;
  e->enc_len = e->hdr_len + len;
  e->total = e->enc_len + BacklenBytes(e->enc_len);
}

void WriteEntry(uint8_t* dst, const Encoded& e) {
  memcpy(dst, e.hdr, e.hdr_len);
  if (e.data_len) memcpy(dst + e.hdr_len, e.data, e.data_len);
  WriteBacklen(dst + e.enc_len, e.enc_len);
}

uint8_t* InsertEncoded(uint8_t* lp, size_t off, const Encoded& e, uint8_t** newp) {
  size_t old = TotalBytes(lp);
  size_t total = old + e.total;
  lp = Realloc(lp, total);
  memmove(lp + off + e.total, lp + off, old - off);
  WriteEntry(lp + off, e);
  SetTotalBytes(lp, total);
  AddCount(lp, 1);
  if (newp) *newp = lp + off;
  return lp;
}

uint8_t* ReplaceEncoded(uint8_t* lp, uint8_t** p, const Encoded& e) {
  size_t off = *p - lp;
  size_t old_entry = LpEntrySizeAt(*p);
  size_t total = TotalBytes(lp);
  size_t tail = total - off - old_entry;
  if (e.total > old_entry) {
    lp = Realloc(lp, total - old_entry + e.total);
    memmove(lp + off + e.total, lp + off + old_entry, tail);
  } else if (e.total < old_entry) {
    memmove(lp + off + e.total, lp + off + old_entry, tail);
    lp = Realloc(lp, total - old_entry + e.total);
  }
  WriteEntry(lp + off, e);
  SetTotalBytes(lp, total - old_entry + e.total);
  *p = lp + off;
  return lp;
}

bool IsIntEncoding(uint8_t b) { return b < 0x80 || (b & 0xE0) == 0xC0 || (b >= 0xF1 && b <= 0xF4); }

}  // namespace

std::string_view LpValue::View(char* scratch) const {
  if (str != nullptr) return {str, len};
  return {scratch, Int64ToChars(ival, scratch)};
}

uint8_t* LpNew(size_t capacity) {
  uint8_t* lp = Alloc(capacity > kLpHeaderSize + 1 ? capacity : kLpHeaderSize + 1);
  SetTotalBytes(lp, kLpHeaderSize + 1);
  SetNumElements(lp, 0);
  lp[kLpHeaderSize] = kEof;
  return lp;
}

void LpFree(uint8_t* lp) { free(lp); }

uint8_t* LpDup(const uint8_t* lp) {
  size_t n = TotalBytes(lp);
  uint8_t* copy = Alloc(n);
  memcpy(copy, lp, n);
  return copy;
}

uint8_t* LpShrinkToFit(uint8_t* lp) { return Realloc(lp, TotalBytes(lp)); }

size_t LpBytes(const uint8_t* lp) { return TotalBytes(lp); }

size_t LpLength(const uint8_t* lp) {
  uint16_t n = NumElements(lp);
  if (n != kCountUnknown) return n;
  size_t count = 0;
  const uint8_t* p = lp + kLpHeaderSize;
  while (*p != kEof) {
    p += LpEntrySizeAt(p);
    ++count;
  }
  // Cache the count when it fits again (the header is logically part of the value).
  if (count < kCountUnknown) SetNumElements(const_cast<uint8_t*>(lp), static_cast<uint16_t>(count));
  return count;
}

size_t LpEntrySize(std::string_view s) {
  Encoded e;
  EncodeString(s, &e);
  return e.total;
}

size_t LpEntrySizeInt(int64_t v) {
  Encoded e;
  EncodeInt(v, &e);
  return e.total;
}

size_t LpEntrySizeAt(const uint8_t* p) {
  size_t enc = EncodedSize(p);
  return enc + BacklenBytes(enc);
}

uint8_t* LpFirst(uint8_t* lp) {
  uint8_t* p = lp + kLpHeaderSize;
  return *p == kEof ? nullptr : p;
}

uint8_t* LpEnd(uint8_t* lp) { return lp + TotalBytes(lp) - 1; }

uint8_t* LpNext(uint8_t* lp, uint8_t* p) {
  (void)lp;
  p += LpEntrySizeAt(p);
  return *p == kEof ? nullptr : p;
}

uint8_t* LpPrev(uint8_t* lp, uint8_t* p) {
  if (p <= lp + kLpHeaderSize) return nullptr;
  size_t nbytes = 0;
  uint64_t enc = ReadBacklen(p - 1, nullptr, &nbytes);
  return p - nbytes - enc;
}

uint8_t* LpLast(uint8_t* lp) { return LpPrev(lp, LpEnd(lp)); }

uint8_t* LpSeek(uint8_t* lp, long index) {
  long count = static_cast<long>(LpLength(lp));
  if (index < 0) index += count;
  if (index < 0 || index >= count) return nullptr;
  if (index <= count / 2) {
    uint8_t* p = lp + kLpHeaderSize;
    for (long i = 0; i < index; ++i) p += LpEntrySizeAt(p);
    return p;
  }
  uint8_t* p = LpLast(lp);
  for (long i = count - 1; i > index; --i) p = LpPrev(lp, p);
  return p;
}

LpValue LpGet(const uint8_t* p) {
  LpValue v;
  uint8_t b = p[0];
  if (b < 0x80) {
    v.ival = b;
  } else if (b < 0xC0) {
    v.str = reinterpret_cast<const char*>(p + 1);
    v.len = b & 0x3F;
  } else if (b < 0xE0) {
    uint32_t u = (static_cast<uint32_t>(b & 0x1F) << 8) | p[1];
    v.ival = u >= 4096 ? static_cast<int64_t>(u) - 8192 : u;
  } else if (b < 0xF0) {
    v.str = reinterpret_cast<const char*>(p + 2);
    v.len = (static_cast<size_t>(b & 0x0F) << 8) | p[1];
  } else {
    switch (b) {
      case 0xF0:
        v.str = reinterpret_cast<const char*>(p + 5);
        v.len = Le32(p + 1);
        break;
      case 0xF1:
        v.ival = static_cast<int16_t>(static_cast<uint16_t>(p[1] | p[2] << 8));
        break;
      case 0xF2: {
        uint32_t u = p[1] | p[2] << 8 | static_cast<uint32_t>(p[3]) << 16;
        v.ival = u >= (1u << 23) ? static_cast<int64_t>(u) - (1 << 24) : u;
        break;
      }
      case 0xF3:
        v.ival = static_cast<int32_t>(Le32(p + 1));
        break;
      case 0xF4: {
        uint64_t u = 0;
        for (int i = 0; i < 8; ++i) u |= static_cast<uint64_t>(p[1 + i]) << (8 * i);
        v.ival = static_cast<int64_t>(u);
        break;
      }
      default:
        break;  // not an element (callers never pass the terminator)
    }
  }
  return v;
}

bool LpEqual(const uint8_t* p, std::string_view s) {
  LpValue v = LpGet(p);
  if (v.str != nullptr) return v.len == s.size() && memcmp(v.str, s.data(), s.size()) == 0;
  int64_t x;
  return s.size() <= 20 && StringToInt64(s, &x) && x == v.ival;
}

LpMatcher::LpMatcher(std::string_view s) : s_(s) {
  is_int_ = !s.empty() && s.size() <= 20 && StringToInt64(s, &v_);
}

bool LpMatcher::Matches(const uint8_t* p) const {
  if (IsIntEncoding(p[0])) return is_int_ && LpGet(p).ival == v_;
  LpValue v = LpGet(p);
  return v.len == s_.size() && (v.len == 0 || memcmp(v.str, s_.data(), v.len) == 0);
}

uint8_t* LpFind(uint8_t* lp, uint8_t* p, std::string_view s, unsigned skip) {
  LpMatcher m(s);
  unsigned skipcnt = 0;
  while (p != nullptr) {
    if (skipcnt == 0) {
      if (m.Matches(p)) return p;
      skipcnt = skip;
    } else {
      --skipcnt;
    }
    p = LpNext(lp, p);
  }
  return nullptr;
}

uint8_t* LpInsert(uint8_t* lp, uint8_t* p, LpWhere where, std::string_view s, uint8_t** newp) {
  Encoded e;
  EncodeString(s, &e);
  size_t off = p - lp;
  if (where == LpWhere::kAfter) off += LpEntrySizeAt(p);
  return InsertEncoded(lp, off, e, newp);
}

uint8_t* LpInsertInt(uint8_t* lp, uint8_t* p, LpWhere where, int64_t v, uint8_t** newp) {
  Encoded e;
  EncodeInt(v, &e);
  size_t off = p - lp;
  if (where == LpWhere::kAfter) off += LpEntrySizeAt(p);
  return InsertEncoded(lp, off, e, newp);
}

uint8_t* LpAppend(uint8_t* lp, std::string_view s) {
  Encoded e;
  EncodeString(s, &e);
  return InsertEncoded(lp, TotalBytes(lp) - 1, e, nullptr);
}

uint8_t* LpPrepend(uint8_t* lp, std::string_view s) {
  Encoded e;
  EncodeString(s, &e);
  return InsertEncoded(lp, kLpHeaderSize, e, nullptr);
}

uint8_t* LpAppendInt(uint8_t* lp, int64_t v) {
  Encoded e;
  EncodeInt(v, &e);
  return InsertEncoded(lp, TotalBytes(lp) - 1, e, nullptr);
}

uint8_t* LpPrependInt(uint8_t* lp, int64_t v) {
  Encoded e;
  EncodeInt(v, &e);
  return InsertEncoded(lp, kLpHeaderSize, e, nullptr);
}

uint8_t* LpAppendMany(uint8_t* lp, std::span<const std::string_view> items) {
  if (items.empty()) return lp;
  size_t add = 0;
  Encoded e;
  for (auto s : items) {
    EncodeString(s, &e);
    add += e.total;
  }
  size_t old = TotalBytes(lp);
  lp = Realloc(lp, old + add);
  uint8_t* w = lp + old - 1;
  for (auto s : items) {
    EncodeString(s, &e);
    WriteEntry(w, e);
    w += e.total;
  }
  *w = kEof;
  SetTotalBytes(lp, old + add);
  AddCount(lp, static_cast<long>(items.size()));
  return lp;
}

uint8_t* LpPrependMany(uint8_t* lp, std::span<const std::string_view> items) {
  if (items.empty()) return lp;
  size_t add = 0;
  Encoded e;
  for (auto s : items) {
    EncodeString(s, &e);
    add += e.total;
  }
  size_t old = TotalBytes(lp);
  lp = Realloc(lp, old + add);
  memmove(lp + kLpHeaderSize + add, lp + kLpHeaderSize, old - kLpHeaderSize);
  // The last item ends up first: write from the end of the new region backwards.
  uint8_t* w = lp + kLpHeaderSize + add;
  for (auto s : items) {
    EncodeString(s, &e);
    w -= e.total;
    WriteEntry(w, e);
  }
  SetTotalBytes(lp, old + add);
  AddCount(lp, static_cast<long>(items.size()));
  return lp;
}

uint8_t* LpInsertAt(uint8_t* lp, long index, std::string_view s) {
  long len = static_cast<long>(LpLength(lp));
  if (index < 0) index += len;
  uint8_t* p = index >= len ? LpEnd(lp) : LpSeek(lp, index);
  return LpInsert(lp, p, LpWhere::kBefore, s);
}

uint8_t* LpReplace(uint8_t* lp, uint8_t** p, std::string_view s) {
  Encoded e;
  EncodeString(s, &e);
  return ReplaceEncoded(lp, p, e);
}

uint8_t* LpReplaceInt(uint8_t* lp, uint8_t** p, int64_t v) {
  Encoded e;
  EncodeInt(v, &e);
  return ReplaceEncoded(lp, p, e);
}

uint8_t* LpDeleteRangeAt(uint8_t* lp, uint8_t** p, size_t num) {
  size_t off = *p - lp;
  uint8_t* q = *p;
  size_t n = 0;
  while (n < num && *q != kEof) {
    q += LpEntrySizeAt(q);
    ++n;
  }
  size_t total = TotalBytes(lp);
  size_t removed = q - *p;
  memmove(lp + off, q, total - (q - lp));
  lp = Realloc(lp, total - removed);
  SetTotalBytes(lp, total - removed);
  AddCount(lp, -static_cast<long>(n));
  *p = lp[off] == kEof ? nullptr : lp + off;
  return lp;
}

uint8_t* LpDelete(uint8_t* lp, uint8_t* p, uint8_t** next) {
  lp = LpDeleteRangeAt(lp, &p, 1);
  if (next) *next = p;
  return lp;
}

uint8_t* LpDeleteRange(uint8_t* lp, long index, size_t num) {
  uint8_t* p = LpSeek(lp, index);
  if (p == nullptr || num == 0) return lp;
  return LpDeleteRangeAt(lp, &p, num);
}

uint8_t* LpMerge(uint8_t* dst, const uint8_t* src) {
  size_t dst_total = TotalBytes(dst);
  size_t src_entries = TotalBytes(src) - kLpHeaderSize - 1;
  if (src_entries == 0) return dst;
  uint16_t a = NumElements(dst), b = NumElements(src);
  dst = Realloc(dst, dst_total + src_entries);
  memcpy(dst + dst_total - 1, src + kLpHeaderSize, src_entries);
  dst[dst_total - 1 + src_entries] = kEof;
  SetTotalBytes(dst, dst_total + src_entries);
  bool known = a != kCountUnknown && b != kCountUnknown && a + b < kCountUnknown;
  SetNumElements(dst, known ? static_cast<uint16_t>(a + b) : kCountUnknown);
  return dst;
}

uint8_t* LpSlice(uint8_t* lp, uint8_t* p, size_t num) {
  uint8_t* q = p;
  size_t n = 0;
  while (n < num && *q != kEof) {
    q += LpEntrySizeAt(q);
    ++n;
  }
  size_t bytes = q - p;
  uint8_t* out = Alloc(kLpHeaderSize + bytes + 1);
  memcpy(out + kLpHeaderSize, p, bytes);
  out[kLpHeaderSize + bytes] = kEof;
  SetTotalBytes(out, kLpHeaderSize + bytes + 1);
  SetNumElements(out, n >= kCountUnknown ? kCountUnknown : static_cast<uint16_t>(n));
  return out;
}

bool LpValidate(const uint8_t* lp, size_t size, bool deep) {
  if (size < kLpHeaderSize + 1 || size > UINT32_MAX) return false;
  if (TotalBytes(lp) != size || lp[size - 1] != kEof) return false;
  if (!deep) return true;
  const uint8_t* end = lp + size - 1;  // the terminator
  const uint8_t* p = lp + kLpHeaderSize;
  size_t count = 0;
  while (p < end) {
    uint8_t b = p[0];
    // Bytes of the length field that must be readable before EncodedSize looks at them.
    size_t need = 1;
    if (b >= 0xE0 && b < 0xF0)
      need = 2;
    else if (b == 0xF0)
      need = 5;
    if (static_cast<size_t>(end - p) < need) return false;
    size_t enc = EncodedSize(p);
    if (enc == 0) return false;
    size_t bl = BacklenBytes(enc);
    if (static_cast<size_t>(end - p) < enc + bl) return false;
    size_t nbytes = 0;
    uint64_t back = ReadBacklen(p + enc + bl - 1, p + enc, &nbytes);
    if (back != enc || nbytes != bl) return false;
    p += enc + bl;
    ++count;
  }
  if (p != end) return false;
  uint16_t n = NumElements(lp);
  return n == kCountUnknown || n == count;
}

uint8_t* LpFromZiplist(const uint8_t* zl, size_t size) {
  std::vector<LpValue> items;
  if (!ZiplistDecode(zl, size, &items)) return nullptr;
  uint8_t* lp = LpNew(size);
  for (const LpValue& v : items) {
    lp = v.is_int() ? LpAppendInt(lp, v.ival) : LpAppend(lp, {v.str, v.len});
  }
  return LpShrinkToFit(lp);
}

}  // namespace sable
