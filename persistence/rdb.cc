#include "persistence/rdb.h"

#include <cstring>
#include <limits>

#include "datastructs/numbers.h"
#include "persistence/crc64.h"
#include "persistence/lzf.h"

namespace sable {

namespace {

void PutLE(std::string* out, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

}  // namespace

namespace rdb {

std::string ModuleTypeName(uint64_t module_id) {
  // The id is 9 characters of 6 bits each (this alphabet) then a 10-bit encoding version.
  static constexpr char kCharset[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string name(9, '?');
  module_id >>= 10;
  for (int i = 8; i >= 0; --i) {
    name[i] = kCharset[module_id & 63];
    module_id >>= 6;
  }
  return name;
}

}  // namespace rdb

void RdbEncoder::Header() {
  char buf[16];
  snprintf(buf, sizeof(buf), "REDIS%04d", rdb::kVersion);
  out_->append(buf, 9);
}

void RdbEncoder::Aux(std::string_view key, std::string_view value) {
  Type(rdb::kAux);
  String(key);
  String(value);
}

void RdbEncoder::SelectDb(uint64_t db) {
  Type(rdb::kSelectDb);
  Length(db);
}

void RdbEncoder::ResizeDb(uint64_t keys, uint64_t expires) {
  Type(rdb::kResizeDb);
  Length(keys);
  Length(expires);
}

void RdbEncoder::ExpireMs(int64_t when_ms) {
  Type(rdb::kExpireTimeMs);
  PutLE(out_, static_cast<uint64_t>(when_ms), 8);
}

void RdbEncoder::Length(uint64_t len) {
  if (len < (1 << 6)) {
    out_->push_back(static_cast<char>(len & 0x3f));
  } else if (len < (1 << 14)) {
    out_->push_back(static_cast<char>(((len >> 8) & 0x3f) | 0x40));
    out_->push_back(static_cast<char>(len & 0xff));
  } else if (len <= UINT32_MAX) {
    out_->push_back(static_cast<char>(0x80));
    for (int i = 3; i >= 0; --i) out_->push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  } else {
    out_->push_back(static_cast<char>(0x81));
    for (int i = 7; i >= 0; --i) out_->push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  }
}

void RdbEncoder::Int(int64_t v) {
  if (v >= INT8_MIN && v <= INT8_MAX) {
    out_->push_back(static_cast<char>(0xC0));
    PutLE(out_, static_cast<uint64_t>(v), 1);
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    out_->push_back(static_cast<char>(0xC1));
    PutLE(out_, static_cast<uint64_t>(v), 2);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out_->push_back(static_cast<char>(0xC2));
    PutLE(out_, static_cast<uint64_t>(v), 4);
  } else {
    char buf[24];
    size_t n = Int64ToChars(v, buf);
    Length(n);
    out_->append(buf, n);
  }
}

void RdbEncoder::String(std::string_view s) {
  int64_t v;
  if (s.size() <= 11 && StringToInt64(s, &v) && v >= INT32_MIN && v <= INT32_MAX) {
    Int(v);
    return;
  }
  if (compress_ && s.size() > rdb::kLzfMinLength && TryLzf(s)) return;
  Length(s.size());
  out_->append(s);
}

// As Redis's rdbSaveLzfStringObject: only when it saves at least four bytes.
bool RdbEncoder::TryLzf(std::string_view s) {
  std::string packed;
  if (!LzfCompress(s, s.size() - 4, &packed)) return false;
  out_->push_back(static_cast<char>(0xC3));
  Length(packed.size());
  Length(s.size());
  out_->append(packed);
  return true;
}

void RdbEncoder::Eof(size_t start, bool checksum) {
  Type(rdb::kEof);
  uint64_t crc = checksum ? Crc64(0, out_->data() + start, out_->size() - start) : 0;
  PutLE(out_, crc, 8);
}

// ---- decoder ----

bool RdbDecoder::ReadByte(uint8_t* b) {
  if (pos_ >= data_.size()) return false;
  *b = static_cast<uint8_t>(data_[pos_++]);
  return true;
}

bool RdbDecoder::ReadBytes(size_t n, std::string_view* out) {
  if (data_.size() - pos_ < n) return false;
  *out = data_.substr(pos_, n);
  pos_ += n;
  return true;
}

bool RdbDecoder::Header(std::string* err) {
  std::string_view h;
  if (!ReadBytes(9, &h) || h.substr(0, 5) != "REDIS") {
    *err = "Wrong signature trying to load DB from file";
    return false;
  }
  version_ = 0;
  for (char c : h.substr(5)) {
    if (c < '0' || c > '9') {
      *err = "Wrong signature trying to load DB from file";
      return false;
    }
    version_ = version_ * 10 + (c - '0');
  }
  if (version_ < 1 || version_ > rdb::kVersion) {
    *err = "Can't handle RDB format version " + std::to_string(version_);
    return false;
  }
  return true;
}

bool RdbDecoder::ReadLength(uint64_t* len, bool* encoded) {
  uint8_t b;
  if (encoded) *encoded = false;
  if (!ReadByte(&b)) return false;
  int type = (b & 0xC0) >> 6;
  if (type == 3) {
    if (encoded) *encoded = true;
    *len = b & 0x3F;
    return true;
  }
  if (type == 0) {
    *len = b & 0x3F;
    return true;
  }
  if (type == 1) {
    uint8_t b2;
    if (!ReadByte(&b2)) return false;
    *len = (static_cast<uint64_t>(b & 0x3F) << 8) | b2;
    return true;
  }
  std::string_view v;
  if (b == 0x80) {
    if (!ReadBytes(4, &v)) return false;
  } else if (b == 0x81) {
    if (!ReadBytes(8, &v)) return false;
  } else {
    return false;
  }
  uint64_t x = 0;
  for (unsigned char c : v) x = (x << 8) | c;
  *len = x;
  return true;
}

bool RdbDecoder::ReadString(std::string* out) {
  bool enc;
  uint64_t len;
  string_error_.clear();
  if (!ReadLength(&len, &enc)) return false;
  if (enc) {
    std::string_view v;
    int64_t x = 0;
    switch (len) {
      case 0:
        if (!ReadBytes(1, &v)) return false;
        x = static_cast<int8_t>(v[0]);
        break;
      case 1: {
        if (!ReadBytes(2, &v)) return false;
        uint16_t u = static_cast<uint8_t>(v[0]) | (static_cast<uint8_t>(v[1]) << 8);
        x = static_cast<int16_t>(u);
        break;
      }
      case 2: {
        if (!ReadBytes(4, &v)) return false;
        uint32_t u = 0;
        for (int i = 3; i >= 0; --i) u = (u << 8) | static_cast<uint8_t>(v[i]);
        x = static_cast<int32_t>(u);
        break;
      }
      case 3: {
        uint64_t clen, ulen;
        if (!ReadLength(&clen) || !ReadLength(&ulen) || !ReadBytes(clen, &v)) return false;
        if (!LzfDecompress(v, ulen, out)) {
          string_error_ = "Invalid LZF compressed string";
          return false;
        }
        return true;
      }
      default:
        string_error_ = "Unknown RDB string encoding type " + std::to_string(len);
        return false;
    }
    *out = Int64ToString(x);
    return true;
  }
  std::string_view v;
  if (!ReadBytes(len, &v)) return false;
  out->assign(v);
  return true;
}

bool RdbDecoder::ReadValue(uint8_t type, RdbRecord* rec, std::string* err) {
  auto fail = [&](const char* what) {
    if (!string_error_.empty()) {
      *err = string_error_ + " (" + what + ")";
    } else {
      *err = std::string("Short read or OOM loading DB. Unrecoverable error, aborting now. (") +
             what + ")";
    }
    return false;
  };
  switch (type) {
    case rdb::kString:
      if (!ReadString(&rec->str)) return fail("string");
      return true;
    case rdb::kList:
    case rdb::kSet:
    case rdb::kHash: {
      uint64_t n;
      if (!ReadLength(&n)) return fail("length");
      if (type == rdb::kHash) n *= 2;
      rec->items.clear();
      for (uint64_t i = 0; i < n; ++i) {
        std::string s;
        if (!ReadString(&s)) return fail("element");
        rec->items.push_back(std::move(s));
      }
      return true;
    }
    case rdb::kZSet:
    case rdb::kZSet2: {
      uint64_t n;
      if (!ReadLength(&n)) return fail("length");
      rec->items.clear();
      for (uint64_t i = 0; i < n; ++i) {
        std::string m;
        if (!ReadString(&m)) return fail("member");
        double score;
        if (type == rdb::kZSet2) {
          std::string_view v;
          if (!ReadBytes(8, &v)) return fail("score");
          memcpy(&score, v.data(), 8);
        } else {
          uint8_t l;
          if (!ReadByte(&l)) return fail("score");
          if (l == 253) {
            score = std::numeric_limits<double>::quiet_NaN();
          } else if (l == 254) {
            score = std::numeric_limits<double>::infinity();
          } else if (l == 255) {
            score = -std::numeric_limits<double>::infinity();
          } else {
            std::string_view v;
            if (!ReadBytes(l, &v)) return fail("score");
            if (!StringToDouble(v, &score)) return fail("score");
          }
        }
        rec->items.push_back(std::move(m));
        rec->items.push_back(DoubleToString(score));
      }
      return true;
    }
    case rdb::kHashZipmap:
    case rdb::kListZiplist:
    case rdb::kSetIntset:
    case rdb::kZSetZiplist:
    case rdb::kHashZiplist:
    case rdb::kHashListpack:
    case rdb::kZSetListpack:
      if (!ReadString(&rec->payload)) return fail("blob");
      return true;
    case rdb::kListQuicklist:
    case rdb::kListQuicklist2: {
      uint64_t n;
      if (!ReadLength(&n)) return fail("length");
      rec->blobs.clear();
      rec->container_flags.clear();
      for (uint64_t i = 0; i < n; ++i) {
        uint64_t container = 2;  // packed
        if (type == rdb::kListQuicklist2 && !ReadLength(&container)) return fail("container");
        std::string blob;
        if (!ReadString(&blob)) return fail("node");
        rec->container_flags.push_back(container);
        rec->blobs.push_back(std::move(blob));
      }
      return true;
    }
    case rdb::kModule2: {
      uint64_t id;
      if (!ReadLength(&id)) return fail("module id");
      *err = "The RDB file contains module data I can't load: no matching module type '" +
             rdb::ModuleTypeName(id) + "'";
      return false;
    }
    case rdb::kStreamListpacks:
    case rdb::kStreamListpacks2: {
      // The nodes (master ID, listpack) go to `blobs` in pairs; the rest (counters, groups,
      // PELs, consumers) is walked here to find its end and handed over raw in `payload`.
      uint64_t n;
      if (!ReadLength(&n)) return fail("stream listpacks");
      rec->blobs.clear();
      for (uint64_t i = 0; i < n; ++i) {
        std::string key, lp;
        if (!ReadString(&key) || !ReadString(&lp)) return fail("stream node");
        rec->blobs.push_back(std::move(key));
        rec->blobs.push_back(std::move(lp));
      }
      size_t start = pos_;
      uint64_t x;
      std::string_view raw;
      std::string name;
      // length, last ID (2) and, in type 19, first ID (2), max deleted ID (2), entries added
      int fields = type == rdb::kStreamListpacks2 ? 8 : 3;
      for (int i = 0; i < fields; ++i)
        if (!ReadLength(&x)) return fail("stream metadata");
      uint64_t groups;
      if (!ReadLength(&groups)) return fail("stream groups");
      for (uint64_t g = 0; g < groups; ++g) {
        if (!ReadString(&name) || !ReadLength(&x) || !ReadLength(&x)) return fail("stream group");
        if (type == rdb::kStreamListpacks2 && !ReadLength(&x)) return fail("stream group");
        uint64_t pel;
        if (!ReadLength(&pel)) return fail("stream PEL");
        for (uint64_t j = 0; j < pel; ++j)
          if (!ReadBytes(16 + 8, &raw) || !ReadLength(&x)) return fail("stream PEL");
        uint64_t consumers;
        if (!ReadLength(&consumers)) return fail("stream consumers");
        for (uint64_t c = 0; c < consumers; ++c) {
          if (!ReadString(&name) || !ReadBytes(8, &raw) || !ReadLength(&pel))
            return fail("stream consumer");
          if (pel > (data_.size() - pos_) / 16 || !ReadBytes(16 * pel, &raw))
            return fail("stream consumer PEL");
        }
      }
      rec->payload.assign(data_.substr(start, pos_ - start));
      return true;
    }
    default:
      *err = "Unknown RDB encoding type " + std::to_string(type);
      return false;
  }
}

bool RdbDecoder::Next(RdbRecord* rec, std::string* err) {
  rec->expire_ms = -1;
  rec->idle = -1;
  rec->freq = -1;
  while (true) {
    uint8_t op;
    if (!ReadByte(&op)) {
      *err = "Unexpected EOF reading RDB file";
      return false;
    }
    switch (op) {
      case rdb::kEof:
        eof_pos_ = pos_;
        rec->kind = RdbRecord::kEof;
        return true;
      case rdb::kSelectDb:
        rec->kind = RdbRecord::kSelectDb;
        if (!ReadLength(&rec->db)) {
          *err = "Short read in SELECTDB";
          return false;
        }
        return true;
      case rdb::kResizeDb:
        rec->kind = RdbRecord::kResizeDb;
        if (!ReadLength(&rec->db_keys) || !ReadLength(&rec->db_expires)) {
          *err = "Short read in RESIZEDB";
          return false;
        }
        return true;
      case rdb::kAux:
        rec->kind = RdbRecord::kAux;
        if (!ReadString(&rec->aux_key) || !ReadString(&rec->aux_value)) {
          *err = string_error_.empty() ? "Short read in AUX field" : string_error_;
          return false;
        }
        return true;
      case rdb::kFunction2:
        rec->kind = RdbRecord::kFunction;
        if (!ReadString(&rec->str)) {
          *err = string_error_.empty() ? "Short read in function library" : string_error_;
          return false;
        }
        return true;
      case rdb::kFunctionPreGa:
        *err = "Failed loading library, the RDB file uses the function format of Redis "
               "7.0-rc1/rc2, which is not supported";
        return false;
      case rdb::kExpireTimeMs: {
        std::string_view v;
        if (!ReadBytes(8, &v)) {
          *err = "Short read in expire time";
          return false;
        }
        uint64_t x = 0;
        for (int i = 7; i >= 0; --i) x = (x << 8) | static_cast<uint8_t>(v[i]);
        rec->expire_ms = static_cast<int64_t>(x);
        continue;
      }
      case rdb::kExpireTime: {
        std::string_view v;
        if (!ReadBytes(4, &v)) {
          *err = "Short read in expire time";
          return false;
        }
        uint32_t x = 0;
        for (int i = 3; i >= 0; --i) x = (x << 8) | static_cast<uint8_t>(v[i]);
        rec->expire_ms = static_cast<int64_t>(static_cast<int32_t>(x)) * 1000;
        continue;
      }
      case rdb::kIdle: {
        uint64_t idle;
        if (!ReadLength(&idle)) {
          *err = "Short read in IDLE";
          return false;
        }
        rec->idle = static_cast<int64_t>(idle);
        continue;
      }
      case rdb::kFreq: {
        uint8_t f;
        if (!ReadByte(&f)) {
          *err = "Short read in FREQ";
          return false;
        }
        rec->freq = f;
        continue;
      }
      case rdb::kModuleAux: {
        // As Redis 7.0 without the module loaded: <module id> <when opcode> <when>, then
        // data only the module can parse, so loading stops here.
        uint64_t id, when_opcode, when;
        if (!ReadLength(&id) || !ReadLength(&when_opcode) || !ReadLength(&when)) {
          *err = "Short read in module AUX data";
          return false;
        }
        if (when_opcode != 2) {  // RDB_MODULE_OPCODE_UINT
          *err = "Bad module AUX data: bad when_opcode";
          return false;
        }
        *err = "The RDB file contains AUX module data I can't load: no matching module '" +
               rdb::ModuleTypeName(id) + "'";
        return false;
      }
      default:
        rec->kind = RdbRecord::kKey;
        rec->type = op;
        if (!ReadString(&rec->key)) {
          *err = string_error_.empty() ? "Short read loading a key" : string_error_;
          return false;
        }
        return ReadValue(op, rec, err);
    }
  }
}

bool RdbDecoder::VerifyChecksum(std::string* err) const {
  if (version_ < 5) return true;
  if (data_.size() - eof_pos_ < 8) {
    *err = "Short read: missing RDB checksum";
    return false;
  }
  uint64_t stored = 0;
  for (int i = 7; i >= 0; --i)
    stored = (stored << 8) | static_cast<uint8_t>(data_[eof_pos_ + i]);
  if (stored == 0) return true;
  uint64_t crc = Crc64(0, data_.data(), eof_pos_);
  if (crc != stored) {
    *err = "Wrong RDB checksum. Aborting now.";
    return false;
  }
  return true;
}

}  // namespace sable
