#include "persistence/rdb.h"

#include <doctest/doctest.h>

#include <string>

namespace sable {
namespace {

std::string ReadBack(const std::string& bytes, bool* ok) {
  RdbDecoder dec(bytes);
  std::string s;
  *ok = dec.ReadString(&s) && dec.offset() == bytes.size();
  return s;
}

TEST_CASE("rdb strings: integers, LZF and plain, as redis-server writes them") {
  std::string out;
  RdbEncoder plain(&out);
  plain.String("12345");
  CHECK(out == std::string("\xc1\x39\x30", 3));  // int16
  out.clear();
  std::string text(100, 'x');
  plain.String(text);
  CHECK(out.size() == 2 + text.size());  // no compression unless asked
  out.clear();
  RdbEncoder lzf(&out, true);
  lzf.String(text);
  REQUIRE(static_cast<uint8_t>(out[0]) == 0xC3);
  CHECK(out.size() < 20);
  bool ok;
  CHECK(ReadBack(out, &ok) == text);
  CHECK(ok);
  // 20 bytes or fewer are never compressed; incompressible text is stored verbatim.
  out.clear();
  lzf.String(std::string(20, 'a'));
  CHECK(out == std::string(1, 20) + std::string(20, 'a'));
  out.clear();
  std::string noise;
  for (int i = 0; i < 64; ++i) noise += static_cast<char>((i * 7919) % 251);
  lzf.String(noise);
  CHECK(out == std::string(1, 0x40) + std::string(1, 64) + noise);
  CHECK(ReadBack(out, &ok) == noise);
  CHECK(ok);
}

TEST_CASE("rdb strings: corrupt LZF is an error with a reason") {
  std::string out;
  RdbEncoder enc(&out, true);
  enc.String(std::string(500, 'y') + "tail");
  std::string bad = out;
  bad[3] = static_cast<char>(bad[3] + 1);  // the uncompressed length (after 0xC3 and clen)
  RdbDecoder dec(bad);
  std::string s;
  CHECK_FALSE(dec.ReadString(&s));
  CHECK(dec.string_error() == "Invalid LZF compressed string");
  RdbDecoder truncated(std::string_view(out).substr(0, out.size() - 1));
  CHECK_FALSE(truncated.ReadString(&s));
  // Encoding 0xC4 does not exist.
  const std::string c4("\xc4\x01", 2);
  RdbDecoder unknown(c4);
  CHECK_FALSE(unknown.ReadString(&s));
}

std::string Header() { return "REDIS0010"; }

TEST_CASE("rdb records: module AUX data and module values name the module") {
  // Module id: 9 characters of 6 bits then a 10-bit version.
  const std::string charset =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint64_t id = 0;
  for (char c : std::string("ReJSON-RL")) id = (id << 6) | charset.find(c);
  id = (id << 10) | 3;
  CHECK(rdb::ModuleTypeName(id) == "ReJSON-RL");

  std::string data = Header();
  RdbEncoder enc(&data);
  enc.Type(rdb::kModuleAux);
  enc.Length(id);
  enc.Length(2);  // when_opcode: UINT
  enc.Length(1);
  RdbDecoder dec(data);
  std::string err;
  REQUIRE(dec.Header(&err));
  RdbRecord rec;
  CHECK_FALSE(dec.Next(&rec, &err));
  CHECK(err == "The RDB file contains AUX module data I can't load: no matching module "
               "'ReJSON-RL'");

  data = Header();
  enc.Type(rdb::kModule2);
  enc.String("key");
  enc.Length(id);
  RdbDecoder dec2(data);
  REQUIRE(dec2.Header(&err));
  CHECK_FALSE(dec2.Next(&rec, &err));
  CHECK(err.find("no matching module type 'ReJSON-RL'") != std::string::npos);
}

TEST_CASE("rdb records: functions are reported, the pre-GA format is refused") {
  std::string data = Header();
  RdbEncoder enc(&data);
  enc.Type(rdb::kFunction2);
  enc.String("#!lua name=lib\nredis.register_function('f', function() return 1 end)");
  enc.Type(rdb::kFunctionPreGa);
  RdbDecoder dec(data);
  std::string err;
  REQUIRE(dec.Header(&err));
  RdbRecord rec;
  REQUIRE(dec.Next(&rec, &err));
  CHECK(rec.kind == RdbRecord::kFunction);
  CHECK_FALSE(dec.Next(&rec, &err));
  CHECK(err.find("7.0-rc1") != std::string::npos);
}

TEST_CASE("rdb records: every value type round-trips through the decoder, compressed") {
  std::string data = Header();
  RdbEncoder enc(&data, true);
  enc.Type(rdb::kList);
  enc.String("l");
  enc.Length(2);
  enc.String(std::string(64, 'a'));
  enc.String("-7");
  enc.Type(rdb::kZSet);  // type 3: scores as text
  enc.String("z");
  enc.Length(2);
  enc.String("m1");
  enc.Raw(std::string("\x03" "1.5", 4));
  enc.String("m2");
  enc.Raw(std::string("\xfe", 1));  // +inf
  enc.Type(rdb::kListQuicklist2);
  enc.String("q");
  enc.Length(1);
  enc.Length(1);  // plain node
  enc.String(std::string(1000, 'p'));
  enc.Eof(0, true);
  RdbDecoder dec(data);
  std::string err;
  REQUIRE(dec.Header(&err));
  RdbRecord rec;
  REQUIRE(dec.Next(&rec, &err));
  CHECK(rec.key == "l");
  CHECK(rec.items == std::vector<std::string>{std::string(64, 'a'), "-7"});
  REQUIRE(dec.Next(&rec, &err));
  CHECK(rec.items == std::vector<std::string>{"m1", "1.5", "m2", "inf"});
  REQUIRE(dec.Next(&rec, &err));
  CHECK(rec.blobs == std::vector<std::string>{std::string(1000, 'p')});
  REQUIRE(dec.Next(&rec, &err));
  CHECK(rec.kind == RdbRecord::kEof);
  CHECK(dec.VerifyChecksum(&err));
}

}  // namespace
}  // namespace sable
