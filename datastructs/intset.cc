#include "datastructs/intset.h"

#include <malloc.h>

#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sable {

namespace {

template <class T>
T FromLe(T v) {
  if constexpr (std::endian::native == std::endian::big) {
    if constexpr (sizeof(T) == 2) return __builtin_bswap16(v);
    if constexpr (sizeof(T) == 4) return __builtin_bswap32(v);
    if constexpr (sizeof(T) == 8) return __builtin_bswap64(v);
  }
  return v;
}

template <class T>
T LoadLe(const uint8_t* p) {
  T v;
  memcpy(&v, p, sizeof(v));
  return FromLe(v);
}

template <class T>
void StoreLe(uint8_t* p, T v) {
  v = FromLe(v);
  memcpy(p, &v, sizeof(v));
}

void* Xrealloc(void* p, size_t n) {
  void* q = realloc(p, n);
  if (q == nullptr) {
    std::fprintf(stderr, "Intset: out of memory allocating %zu bytes\n", n);
    std::abort();
  }
  return q;
}

}  // namespace

uint32_t Intset::EncodingFor(int64_t v) {
  if (v < INT32_MIN || v > INT32_MAX) return kEnc64;
  if (v < INT16_MIN || v > INT16_MAX) return kEnc32;
  return kEnc16;
}

uint32_t Intset::encoding() const { return LoadLe<uint32_t>(bytes()); }
uint32_t Intset::size() const { return LoadLe<uint32_t>(bytes() + 4); }
void Intset::set_encoding(uint32_t e) { StoreLe<uint32_t>(bytes(), e); }
void Intset::set_size(uint32_t n) { StoreLe<uint32_t>(bytes() + 4, n); }

size_t Intset::BlobLen() const { return kHeaderSize + size_t{size()} * encoding(); }
std::string_view Intset::Blob() const { return {reinterpret_cast<const char*>(this), BlobLen()}; }
size_t Intset::AllocSize() const { return malloc_usable_size(const_cast<Intset*>(this)); }

int64_t Intset::GetEnc(uint32_t pos, uint32_t enc) const {
  const uint8_t* p = bytes() + kHeaderSize + size_t{pos} * enc;
  switch (enc) {
    case kEnc16:
      return static_cast<int16_t>(LoadLe<uint16_t>(p));
    case kEnc32:
      return static_cast<int32_t>(LoadLe<uint32_t>(p));
    default:
      return static_cast<int64_t>(LoadLe<uint64_t>(p));
  }
}

int64_t Intset::Get(uint32_t pos) const { return GetEnc(pos, encoding()); }

void Intset::SetAt(uint32_t pos, int64_t v) {
  uint32_t enc = encoding();
  uint8_t* p = bytes() + kHeaderSize + size_t{pos} * enc;
  switch (enc) {
    case kEnc16:
      StoreLe<uint16_t>(p, static_cast<uint16_t>(v));
      break;
    case kEnc32:
      StoreLe<uint32_t>(p, static_cast<uint32_t>(v));
      break;
    default:
      StoreLe<uint64_t>(p, static_cast<uint64_t>(v));
      break;
  }
}

Intset* Intset::New() {
  auto* is = static_cast<Intset*>(Xrealloc(nullptr, kHeaderSize));
  is->set_encoding(kEnc16);
  is->set_size(0);
  return is;
}

void Intset::Free(Intset* is) { free(is); }

Intset* Intset::Clone(const Intset* is) { return FromBlob(is->Blob()); }

Intset* Intset::FromBlob(std::string_view blob) {
  auto* is = static_cast<Intset*>(Xrealloc(nullptr, blob.size()));
  memcpy(is, blob.data(), blob.size());
  return is;
}

bool Intset::Validate(std::string_view blob, bool deep) {
  if (blob.size() < kHeaderSize) return false;
  const auto* p = reinterpret_cast<const uint8_t*>(blob.data());
  uint32_t enc = LoadLe<uint32_t>(p);
  if (enc != kEnc16 && enc != kEnc32 && enc != kEnc64) return false;
  uint32_t n = LoadLe<uint32_t>(p + 4);
  if (kHeaderSize + uint64_t{n} * enc != blob.size()) return false;
  if (n == 0) return false;
  if (!deep) return true;
  // The blob may be unaligned and is not ours yet: read it through the same accessors.
  const auto* is = reinterpret_cast<const Intset*>(p);
  int64_t prev = is->GetEnc(0, enc);
  for (uint32_t i = 1; i < n; ++i) {
    int64_t cur = is->GetEnc(i, enc);
    if (cur <= prev) return false;
    prev = cur;
  }
  return true;
}

bool Intset::Search(int64_t v, uint32_t* pos) const {
  uint32_t n = size();
  if (n == 0) {
    *pos = 0;
    return false;
  }
  uint32_t enc = encoding();
  // Appends and prepends are common (increasing ids): check the ends first.
  if (v > GetEnc(n - 1, enc)) {
    *pos = n;
    return false;
  }
  if (v < GetEnc(0, enc)) {
    *pos = 0;
    return false;
  }
  uint32_t lo = 0, hi = n;  // answer in [lo, hi)
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    int64_t cur = GetEnc(mid, enc);
    if (cur < v) {
      lo = mid + 1;
    } else if (cur > v) {
      hi = mid;
    } else {
      *pos = mid;
      return true;
    }
  }
  *pos = lo;
  return false;
}

bool Intset::Contains(int64_t v) const {
  uint32_t pos;
  return EncodingFor(v) <= encoding() && Search(v, &pos);
}

Intset* Intset::Resize(Intset* is, uint32_t len, uint32_t enc) {
  return static_cast<Intset*>(Xrealloc(is, kHeaderSize + size_t{len} * enc));
}

// v does not fit the current width, so it is either below or above every member: widen in
// place from the back (so nothing is overwritten before it is read) and put v at one end.
Intset* Intset::UpgradeAndAdd(Intset* is, int64_t v) {
  uint32_t old_enc = is->encoding();
  uint32_t new_enc = EncodingFor(v);
  uint32_t n = is->size();
  bool prepend = v < 0;
  is = Resize(is, n + 1, new_enc);
  is->set_encoding(new_enc);
  for (uint32_t i = n; i-- > 0;) is->SetAt(i + (prepend ? 1 : 0), is->GetEnc(i, old_enc));
  is->SetAt(prepend ? 0 : n, v);
  is->set_size(n + 1);
  return is;
}

Intset* Intset::Add(Intset* is, int64_t v, bool* added) {
  if (EncodingFor(v) > is->encoding()) {
    *added = true;
    return UpgradeAndAdd(is, v);
  }
  uint32_t pos;
  if (is->Search(v, &pos)) {
    *added = false;
    return is;
  }
  uint32_t n = is->size();
  uint32_t enc = is->encoding();
  is = Resize(is, n + 1, enc);
  uint8_t* base = is->bytes() + kHeaderSize;
  if (pos < n)
    memmove(base + size_t{pos + 1} * enc, base + size_t{pos} * enc, size_t{n - pos} * enc);
  is->SetAt(pos, v);
  is->set_size(n + 1);
  *added = true;
  return is;
}

Intset* Intset::Remove(Intset* is, int64_t v, bool* removed) {
  uint32_t pos;
  if (EncodingFor(v) > is->encoding() || !is->Search(v, &pos)) {
    *removed = false;
    return is;
  }
  uint32_t n = is->size();
  uint32_t enc = is->encoding();
  uint8_t* base = is->bytes() + kHeaderSize;
  if (pos + 1 < n) {
    memmove(base + size_t{pos} * enc, base + size_t{pos + 1} * enc, size_t{n - pos - 1} * enc);
  }
  is->set_size(n - 1);
  *removed = true;
  return Resize(is, n - 1, enc);
}

}  // namespace sable
