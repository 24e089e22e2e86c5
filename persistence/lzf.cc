#include "persistence/lzf.h"

#include <lzf.h>

#include <climits>

namespace sable {

bool LzfCompress(std::string_view in, size_t max_out, std::string* out) {
  out->clear();
  if (in.empty() || in.size() > UINT_MAX || max_out == 0) return false;
  if (max_out > in.size() + 16) max_out = in.size() + 16;
  out->resize(max_out);
  unsigned int n = lzf_compress(in.data(), static_cast<unsigned int>(in.size()), out->data(),
                                static_cast<unsigned int>(max_out));
  if (n == 0) {
    out->clear();
    return false;
  }
  out->resize(n);
  return true;
}

bool LzfDecompress(std::string_view in, size_t out_len, std::string* out) {
  out->clear();
  if (out_len == 0) return in.empty();
  if (in.empty() || in.size() > UINT_MAX || out_len > UINT_MAX ||
      out_len > LzfMaxExpansion(in.size())) {
    return false;
  }
  out->resize(out_len);
  unsigned int n = lzf_decompress(in.data(), static_cast<unsigned int>(in.size()), out->data(),
                                  static_cast<unsigned int>(out_len));
  if (n != out_len) {
    out->clear();
    return false;
  }
  return true;
}

}  // namespace sable
