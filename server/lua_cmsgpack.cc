// The `cmsgpack` library Redis gives scripts (pack, unpack, unpack_one, unpack_limit), written
// here because Debian packages no Lua 5.1 MessagePack library with this API. It encodes and
// decodes as lua-cmsgpack 0.4 (Redis's deps/lua) does: integers in the smallest MessagePack
// int form, other numbers as float32 when exact else float64, tables as arrays when their keys
// are exactly 1..n, tables nested deeper than 16 levels as nil.
extern "C" {
#include <lauxlib.h>
#include <lua.h>
}

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

namespace sable {

namespace {

constexpr int kMaxNesting = 16;

void PutBE(std::string* out, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; --i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void EncodeInt(std::string* out, int64_t n) {
  if (n >= 0) {
    if (n <= 127) {
      out->push_back(static_cast<char>(n & 0x7f));
    } else if (n <= 0xff) {
      out->push_back(static_cast<char>(0xcc));
      PutBE(out, static_cast<uint64_t>(n), 1);
    } else if (n <= 0xffff) {
      out->push_back(static_cast<char>(0xcd));
      PutBE(out, static_cast<uint64_t>(n), 2);
    } else if (n <= 0xffffffffLL) {
      out->push_back(static_cast<char>(0xce));
      PutBE(out, static_cast<uint64_t>(n), 4);
    } else {
      out->push_back(static_cast<char>(0xcf));
      PutBE(out, static_cast<uint64_t>(n), 8);
    }
  } else {
    if (n >= -32) {
      out->push_back(static_cast<char>(static_cast<signed char>(n)));
    } else if (n >= -128) {
      out->push_back(static_cast<char>(0xd0));
      PutBE(out, static_cast<uint64_t>(n), 1);
    } else if (n >= -32768) {
      out->push_back(static_cast<char>(0xd1));
      PutBE(out, static_cast<uint64_t>(n), 2);
    } else if (n >= -2147483648LL) {
      out->push_back(static_cast<char>(0xd2));
      PutBE(out, static_cast<uint64_t>(n), 4);
    } else {
      out->push_back(static_cast<char>(0xd3));
      PutBE(out, static_cast<uint64_t>(n), 8);
    }
  }
}

void EncodeDouble(std::string* out, double d) {
  float f = static_cast<float>(d);
  if (d == static_cast<double>(f)) {
    uint32_t bits;
    memcpy(&bits, &f, 4);
    out->push_back(static_cast<char>(0xca));
    PutBE(out, bits, 4);
  } else {
    uint64_t bits;
    memcpy(&bits, &d, 8);
    out->push_back(static_cast<char>(0xcb));
    PutBE(out, bits, 8);
  }
}

void EncodeBytes(std::string* out, const char* s, size_t len) {
  if (len < 32) {
    out->push_back(static_cast<char>(0xa0 | len));
  } else if (len <= 0xff) {
    out->push_back(static_cast<char>(0xd9));
    PutBE(out, len, 1);
  } else if (len <= 0xffff) {
    out->push_back(static_cast<char>(0xda));
    PutBE(out, len, 2);
  } else {
    out->push_back(static_cast<char>(0xdb));
    PutBE(out, len, 4);
  }
  out->append(s, len);
}

void EncodeHeader(std::string* out, size_t n, int fix, int b16, int b32) {
  if (n <= 15) {
    out->push_back(static_cast<char>(fix | n));
  } else if (n <= 0xffff) {
    out->push_back(static_cast<char>(b16));
    PutBE(out, n, 2);
  } else {
    out->push_back(static_cast<char>(b32));
    PutBE(out, n, 4);
  }
}

bool IsInt64(double x) {
  return !std::isinf(x) && !std::isnan(x) && x >= -9223372036854775808.0 &&
         x < 9223372036854775808.0 && std::trunc(x) == x;
}

// Keys exactly 1..n (an empty table counts as an array).
bool TableIsArray(lua_State* L) {
  int top = lua_gettop(L);
  double count = 0, max = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    if (lua_type(L, -1) != LUA_TNUMBER) {
      lua_settop(L, top);
      return false;
    }
    double n = lua_tonumber(L, -1);
    if (n <= 0 || !(n == std::trunc(n) && n <= INT_MAX)) {
      lua_settop(L, top);
      return false;
    }
    if (n > max) max = n;
    ++count;
  }
  lua_settop(L, top);
  return max == count;
}

void EncodeValue(lua_State* L, std::string* out, int level);

void EncodeTable(lua_State* L, std::string* out, int level) {
  luaL_checkstack(L, 3, "in function EncodeTable");
  if (TableIsArray(L)) {
    size_t len = lua_objlen(L, -1);
    EncodeHeader(out, len, 0x90, 0xdc, 0xdd);
    for (size_t j = 1; j <= len; ++j) {
      lua_rawgeti(L, -1, static_cast<int>(j));
      EncodeValue(L, out, level + 1);
    }
    return;
  }
  size_t len = 0;
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pop(L, 1);
    ++len;
  }
  EncodeHeader(out, len, 0x80, 0xde, 0xdf);
  lua_pushnil(L);
  while (lua_next(L, -2)) {
    lua_pushvalue(L, -2);  // key copy
    EncodeValue(L, out, level + 1);
    EncodeValue(L, out, level + 1);  // value
  }
}

// Encodes and pops the value on the stack top.
void EncodeValue(lua_State* L, std::string* out, int level) {
  int t = lua_type(L, -1);
  if (t == LUA_TTABLE && level == kMaxNesting) t = LUA_TNIL;
  switch (t) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      EncodeBytes(out, s, len);
      break;
    }
    case LUA_TBOOLEAN:
      out->push_back(static_cast<char>(lua_toboolean(L, -1) ? 0xc3 : 0xc2));
      break;
    case LUA_TNUMBER: {
      double n = lua_tonumber(L, -1);
      if (IsInt64(n)) {
        EncodeInt(out, static_cast<int64_t>(n));
      } else {
        EncodeDouble(out, n);
      }
      break;
    }
    case LUA_TTABLE:
      EncodeTable(L, out, level);
      break;
    default:
      out->push_back(static_cast<char>(0xc0));
  }
  lua_pop(L, 1);
}

int Pack(lua_State* L) {
  int nargs = lua_gettop(L);
  if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  if (!lua_checkstack(L, nargs)) return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
  std::string out;
  for (int i = 1; i <= nargs; ++i) {
    lua_pushvalue(L, i);
    EncodeValue(L, &out, 0);
  }
  lua_pushlstring(L, out.data(), out.size());
  return 1;
}

struct Cursor {
  const unsigned char* p;
  size_t left;
  int err = 0;  // 1: missing bytes, 2: bad format
  bool Need(size_t n) {
    if (left < n) {
      err = 1;
      return false;
    }
    return true;
  }
  uint64_t BE(size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v = (v << 8) | p[i];
    p += n;
    left -= n;
    return v;
  }
};

void Decode(lua_State* L, Cursor& c);

void DecodeArray(lua_State* L, Cursor& c, size_t n) {
  luaL_checkstack(L, 2, "in function DecodeArray");
  lua_newtable(L);
  for (size_t i = 1; i <= n && c.err == 0; ++i) {
    lua_pushnumber(L, static_cast<lua_Number>(i));
    Decode(L, c);
    if (c.err) return;
    lua_settable(L, -3);
  }
}

void DecodeMap(lua_State* L, Cursor& c, size_t n) {
  luaL_checkstack(L, 3, "in function DecodeMap");
  lua_newtable(L);
  for (size_t i = 0; i < n && c.err == 0; ++i) {
    Decode(L, c);
    if (c.err) return;
    Decode(L, c);
    if (c.err) return;
    lua_settable(L, -3);
  }
}

void DecodeBytes(lua_State* L, Cursor& c, size_t len) {
  if (!c.Need(len)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(c.p), len);
  c.p += len;
  c.left -= len;
}

void Decode(lua_State* L, Cursor& c) {
  if (!c.Need(1)) return;
  luaL_checkstack(L, 1, "too many items in MessagePack input");
  unsigned char b = *c.p;
  if (b <= 0x7f) {
    c.BE(1);
    lua_pushnumber(L, b);
  } else if (b >= 0xe0) {
    c.BE(1);
    lua_pushnumber(L, static_cast<signed char>(b));
  } else if ((b & 0xf0) == 0x80) {
    c.BE(1);
    DecodeMap(L, c, b & 0x0f);
  } else if ((b & 0xf0) == 0x90) {
    c.BE(1);
    DecodeArray(L, c, b & 0x0f);
  } else if ((b & 0xe0) == 0xa0) {
    c.BE(1);
    DecodeBytes(L, c, b & 0x1f);
  } else {
    switch (b) {
      case 0xc0:
        c.BE(1);
        lua_pushnil(L);
        break;
      case 0xc2:
      case 0xc3:
        c.BE(1);
        lua_pushboolean(L, b == 0xc3);
        break;
      case 0xca: {
        if (!c.Need(5)) return;
        c.BE(1);
        uint32_t bits = static_cast<uint32_t>(c.BE(4));
        float f;
        memcpy(&f, &bits, 4);
        lua_pushnumber(L, f);
        break;
      }
      case 0xcb: {
        if (!c.Need(9)) return;
        c.BE(1);
        uint64_t bits = c.BE(8);
        double d;
        memcpy(&d, &bits, 8);
        lua_pushnumber(L, d);
        break;
      }
      case 0xcc:
      case 0xcd:
      case 0xce:
      case 0xcf: {
        size_t n = size_t{1} << (b - 0xcc);
        if (!c.Need(1 + n)) return;
        c.BE(1);
        lua_pushnumber(L, static_cast<lua_Number>(c.BE(n)));
        break;
      }
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3: {
        size_t n = size_t{1} << (b - 0xd0);
        if (!c.Need(1 + n)) return;
        c.BE(1);
        uint64_t v = c.BE(n);
        int64_t s;
        if (n == 1) {
          s = static_cast<int8_t>(v);
        } else if (n == 2) {
          s = static_cast<int16_t>(v);
        } else if (n == 4) {
          s = static_cast<int32_t>(v);
        } else {
          s = static_cast<int64_t>(v);
        }
        lua_pushnumber(L, static_cast<lua_Number>(s));
        break;
      }
      case 0xc4:
      case 0xd9: {
        if (!c.Need(2)) return;
        c.BE(1);
        DecodeBytes(L, c, c.BE(1));
        break;
      }
      case 0xc5:
      case 0xda: {
        if (!c.Need(3)) return;
        c.BE(1);
        DecodeBytes(L, c, c.BE(2));
        break;
      }
      case 0xc6:
      case 0xdb: {
        if (!c.Need(5)) return;
        c.BE(1);
        DecodeBytes(L, c, c.BE(4));
        break;
      }
      case 0xdc: {
        if (!c.Need(3)) return;
        c.BE(1);
        DecodeArray(L, c, c.BE(2));
        break;
      }
      case 0xdd: {
        if (!c.Need(5)) return;
        c.BE(1);
        DecodeArray(L, c, c.BE(4));
        break;
      }
      case 0xde: {
        if (!c.Need(3)) return;
        c.BE(1);
        DecodeMap(L, c, c.BE(2));
        break;
      }
      case 0xdf: {
        if (!c.Need(5)) return;
        c.BE(1);
        DecodeMap(L, c, c.BE(4));
        break;
      }
      default:
        c.err = 2;
    }
  }
}

int UnpackFull(lua_State* L, int limit, int offset) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  bool decode_all = limit == 0 && offset == 0;
  if (offset < 0 || limit < 0)
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.", offset,
                      static_cast<int>(len));
  if (static_cast<size_t>(offset) > len)
    return luaL_error(L, "Start offset %d greater than input length %d.", offset,
                      static_cast<int>(len));
  if (decode_all) limit = INT_MAX;
  Cursor c{reinterpret_cast<const unsigned char*>(s) + offset, len - static_cast<size_t>(offset)};
  int cnt = 0;
  for (; c.left > 0 && cnt < limit; ++cnt) {
    Decode(L, c);
    if (c.err == 1) return luaL_error(L, "Missing bytes in input.");
    if (c.err == 2) return luaL_error(L, "Bad data format in input.");
  }
  if (!decode_all) {
    int next = static_cast<int>(len - c.left);
    luaL_checkstack(L, 1, "in function mp_unpack_full");
    lua_pushinteger(L, c.left == 0 ? -1 : next);
    lua_insert(L, 2);
    ++cnt;
  }
  return cnt;
}

int Unpack(lua_State* L) { return UnpackFull(L, 0, 0); }

int UnpackOne(lua_State* L) {
  int offset = static_cast<int>(luaL_optinteger(L, 2, 0));
  lua_pop(L, lua_gettop(L) - 1);
  return UnpackFull(L, 1, offset);
}

int UnpackLimit(lua_State* L) {
  int limit = static_cast<int>(luaL_checkinteger(L, 2));
  int offset = static_cast<int>(luaL_optinteger(L, 3, 0));
  lua_pop(L, lua_gettop(L) - 1);
  return UnpackFull(L, limit, offset);
}

}  // namespace

// Pushes the cmsgpack module table.
int OpenCmsgpack(lua_State* L) {
  lua_newtable(L);
  const luaL_Reg fns[] = {{"pack", Pack},
                          {"unpack", Unpack},
                          {"unpack_one", UnpackOne},
                          {"unpack_limit", UnpackLimit},
                          {nullptr, nullptr}};
  for (const luaL_Reg* r = fns; r->name; ++r) {
    lua_pushcfunction(L, r->func);
    lua_setfield(L, -2, r->name);
  }
  lua_pushliteral(L, "cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushliteral(L, "lua-cmsgpack 0.4.0");
  lua_setfield(L, -2, "_VERSION");
  lua_pushliteral(L, "Copyright (C) 2012, Salvatore Sanfilippo");
  lua_setfield(L, -2, "_COPYRIGHT");
  lua_pushliteral(L, "MessagePack C implementation for Lua");
  lua_setfield(L, -2, "_DESCRIPTION");
  return 1;
}

}  // namespace sable
