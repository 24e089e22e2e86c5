// The stream type's ObjectOps row: free, dup (COPY), encoding, memory, digest and RDB in Redis
// 7.0's RDB_TYPE_STREAM_LISTPACKS_2 layout (nodes verbatim, then counters, groups, PELs and
// consumers); type 15 (Redis 5-6.2) loads too, its missing counters estimated as Redis does.
#include <cstring>
#include <memory>
#include <string>

#include "server/commands/stream_common.h"
#include "server/objects.h"

namespace sable::xcmd {

namespace {

void FreeStream(void* p) { delete static_cast<Stream*>(p); }
void* DupStream(const void* p) { return static_cast<const Stream*>(p)->Clone().release(); }
const char* StreamEncoding(const void*) { return "stream"; }
size_t StreamMemory(const void* p) { return static_cast<const Stream*>(p)->MemoryUsage(); }

// xorObjectDigest's stream branch: every entry's "ms.seq", fields and values, in order.
void StreamDigest(const void* p, Digest* out) {
  const Stream& s = *static_cast<const Stream*>(p);
  Stream::Iterator it(s, {0, 0}, StreamId::Max(), false);
  StreamId id;
  int64_t nf;
  char buf[StreamId::kMaxChars];
  while (it.Next(&id, &nf)) {
    size_t n = Uint64ToChars(id.ms, buf);
    buf[n++] = '.';
    n += Uint64ToChars(id.seq, buf + n);
    out->Mix(std::string_view(buf, n));
    std::string_view f, v;
    while (nf--) {
      it.Field(&f, &v);
      out->Mix(f);
      out->Mix(v);
    }
  }
}

// Stream IDs in RDB PELs and node keys: 128-bit big endian.
void EncodeId(const StreamId& id, char* buf) {
  for (int i = 0; i < 8; ++i) {
    buf[i] = static_cast<char>(id.ms >> (56 - 8 * i));
    buf[8 + i] = static_cast<char>(id.seq >> (56 - 8 * i));
  }
}

StreamId DecodeId(std::string_view b) {
  StreamId id;
  for (int i = 0; i < 8; ++i) {
    id.ms = (id.ms << 8) | static_cast<uint8_t>(b[i]);
    id.seq = (id.seq << 8) | static_cast<uint8_t>(b[8 + i]);
  }
  return id;
}

void PutMillis(RdbEncoder& enc, int64_t ms) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(static_cast<uint64_t>(ms) >> (8 * i));
  enc.Raw(std::string_view(b, 8));
}

int64_t GetMillis(std::string_view b) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(b[i]);
  return static_cast<int64_t>(v);
}

uint8_t StreamRdbType(const void*) { return rdb::kStreamListpacks2; }

void StreamRdbSave(const void* p, RdbEncoder& enc) {
  const Stream& s = *static_cast<const Stream*>(p);
  char idbuf[16];
  enc.Length(s.nodes().size());
  for (const auto& [master, lp] : s.nodes()) {
    EncodeId(master, idbuf);
    enc.String(std::string_view(idbuf, 16));  // rdbSaveRawString: LZF when it pays, as Redis
    enc.String(std::string_view(reinterpret_cast<const char*>(lp), LpBytes(lp)));
  }
  enc.Length(s.length());
  enc.Length(s.last_id().ms);
  enc.Length(s.last_id().seq);
  enc.Length(s.first_id().ms);
  enc.Length(s.first_id().seq);
  enc.Length(s.max_deleted_id().ms);
  enc.Length(s.max_deleted_id().seq);
  enc.Length(s.entries_added());
  enc.Length(s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    enc.String(name);
    enc.Length(g->last_id.ms);
    enc.Length(g->last_id.seq);
    enc.Length(static_cast<uint64_t>(g->entries_read));  // -1 (invalid) as 2^64-1, as Redis
    enc.Length(g->pel.size());
    for (const auto& [id, nack] : g->pel) {
      EncodeId(id, idbuf);
      enc.Raw(std::string_view(idbuf, 16));
      PutMillis(enc, nack.delivery_time);
      enc.Length(nack.delivery_count);
    }
    enc.Length(g->consumers.size());
    for (const auto& [cname, c] : g->consumers) {
      enc.String(cname);
      PutMillis(enc, c.seen_time);
      enc.Length(c.pel.size());
      for (const auto& [id, nack] : c.pel) {
        EncodeId(id, idbuf);
        enc.Raw(std::string_view(idbuf, 16));
      }
    }
  }
}

// Builds the stream of a decoded record; nullptr with *err on corrupt input.
Stream* LoadStream(const RdbRecord& rec, std::string* err) {
  auto s = std::make_unique<Stream>();
  auto corrupt = [&](const char* what) {
    *err = std::string("Bad stream RDB payload: ") + what;
    return nullptr;
  };
  if (rec.blobs.size() % 2 != 0) return corrupt("nodes");
  for (size_t i = 0; i < rec.blobs.size(); i += 2) {
    const std::string& key = rec.blobs[i];
    const std::string& blob = rec.blobs[i + 1];
    if (key.size() != 16) return corrupt("node key is not the size of a stream ID");
    const auto* bytes = reinterpret_cast<const uint8_t*>(blob.data());
    // Always the deep check: a node is walked without bounds checks afterwards.
    if (!Stream::ValidateNode(bytes, blob.size(), true))
      return corrupt("listpack integrity check failed");
    uint8_t* lp = static_cast<uint8_t*>(std::malloc(blob.size()));
    if (lp == nullptr) std::abort();
    std::memcpy(lp, bytes, blob.size());
    if (LpFirst(lp) == nullptr) {
      LpFree(lp);
      return corrupt("empty listpack inside stream");
    }
    if (!s->InsertNode(DecodeId(key), lp)) {
      LpFree(lp);
      return corrupt("listpack re-added with existing key");
    }
  }
  const bool v2 = rec.type == rdb::kStreamListpacks2;
  RdbDecoder d(rec.payload);
  uint64_t len, ms, seq;
  if (!d.ReadLength(&len) || !d.ReadLength(&ms) || !d.ReadLength(&seq)) return corrupt("length");
  s->set_length(len);
  s->set_last_id({ms, seq});
  if (v2) {
    uint64_t fms, fseq, dms, dseq, added;
    if (!d.ReadLength(&fms) || !d.ReadLength(&fseq) || !d.ReadLength(&dms) ||
        !d.ReadLength(&dseq) || !d.ReadLength(&added))
      return corrupt("metadata");
    s->set_first_id({fms, fseq});
    s->set_max_deleted_id({dms, dseq});
    s->set_entries_added(added);
  } else {
    s->set_entries_added(len);
    s->set_first_id(s->EdgeId(true, true));
  }
  if (s->length() && s->nodes().empty()) return corrupt("length inconsistent with nodes");
  uint64_t ngroups;
  if (!d.ReadLength(&ngroups)) return corrupt("groups");
  std::string_view raw;
  while (ngroups--) {
    std::string name;
    StreamId last;
    if (!d.ReadString(&name) || !d.ReadLength(&last.ms) || !d.ReadLength(&last.seq))
      return corrupt("group");
    int64_t entries_read;
    if (v2) {
      uint64_t x;
      if (!d.ReadLength(&x)) return corrupt("group");
      entries_read = static_cast<int64_t>(x);
    } else {
      entries_read = s->EstimateDistanceFromFirstEverEntry(last);
    }
    StreamGroup* g = s->CreateGroup(name, last, entries_read);
    if (g == nullptr) return corrupt("duplicated consumer group name");
    uint64_t pel;
    if (!d.ReadLength(&pel)) return corrupt("PEL");
    while (pel--) {
      uint64_t count;
      if (!d.ReadRaw(16, &raw)) return corrupt("PEL");
      StreamId id = DecodeId(raw);
      if (!d.ReadRaw(8, &raw) || !d.ReadLength(&count)) return corrupt("PEL");
      if (!g->pel.try_emplace(id, StreamNack{GetMillis(raw), count, nullptr}).second)
        return corrupt("duplicated global PEL entry");
    }
    uint64_t nconsumers;
    if (!d.ReadLength(&nconsumers)) return corrupt("consumers");
    while (nconsumers--) {
      std::string cname;
      if (!d.ReadString(&cname) || !d.ReadRaw(8, &raw)) return corrupt("consumer");
      StreamConsumer* c = g->CreateConsumer(cname, GetMillis(raw));
      if (c == nullptr) return corrupt("duplicate stream consumer");
      if (!d.ReadLength(&pel)) return corrupt("consumer PEL");
      while (pel--) {
        if (!d.ReadRaw(16, &raw)) return corrupt("consumer PEL");
        StreamId id = DecodeId(raw);
        auto it = g->pel.find(id);
        if (it == g->pel.end()) return corrupt("consumer entry not found in group global PEL");
        if (it->second.consumer != nullptr) return corrupt("duplicated consumer PEL entry");
        it->second.consumer = c;
        c->pel.emplace(id, &it->second);
      }
    }
    for (const auto& [id, nack] : g->pel)
      if (nack.consumer == nullptr) return corrupt("stream CG PEL entry without consumer");
  }
  return s.release();
}

void* StreamRdbLoad(const RdbRecord& rec, std::string* err) { return LoadStream(rec, err); }

}  // namespace

void RegisterStreamObjectOps() {
  ObjectOps ops;
  ops.free_fn = FreeStream;
  ops.dup_fn = DupStream;
  ops.encoding = StreamEncoding;
  ops.memory = StreamMemory;
  ops.rdb_type = StreamRdbType;
  ops.rdb_save = StreamRdbSave;
  ops.rdb_load = StreamRdbLoad;
  ops.digest = StreamDigest;
  ops.free_effort = [](const void* p) { return static_cast<const Stream*>(p)->FreeEffort(); };
  RegisterObjectOps(ObjType::kStream, ops);
}

}  // namespace sable::xcmd
