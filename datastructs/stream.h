// Streams: entries ordered by a 128-bit ID, stored as Redis 7.0 stores them, plus consumer
// groups.
//
// Entries live in nodes: an ordered map from each node's master ID to ONE listpack holding
// many entries (at most stream-node-max-entries entries / stream-node-max-bytes bytes). The
// listpack layout is Redis's, byte for byte, so RDB saves nodes verbatim and node boundaries
// (hence MAXLEN ~ trimming and XINFO's radix-tree-keys) match Redis:
//
//   master entry: count | deleted | num-fields | field_1 .. field_N | 0
//   each entry:   flags | ms-diff | seq-diff | [num-fields | field_1 ..] value_1 .. | lp-count
//
// IDs are stored as differences from the master ID; an entry whose fields equal the master
// fields (flag SAMEFIELDS) stores only its values. XDEL marks entries deleted (flag DELETED)
// and frees a node once its last live entry goes; trimming drops whole nodes first.
//
// Consumer groups keep the last delivered ID, the read counter, the pending entries list
// (PEL: ID -> delivery time, delivery count, owner) and the consumers, each with its own view
// of the PEL entries it owns. Groups and consumers are ordered by name (as Redis's rax).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "datastructs/listpack.h"

namespace sable {

struct StreamId {
  uint64_t ms = 0;
  uint64_t seq = 0;

  friend auto operator<=>(const StreamId&, const StreamId&) = default;
  bool IsZero() const { return ms == 0 && seq == 0; }
  static constexpr StreamId Max() { return {UINT64_MAX, UINT64_MAX}; }
  // Successor / predecessor; false (and wrap to 0-0 / max) at the ends of the ID space.
  bool Incr();
  bool Decr();
  // "<ms>-<seq>"; buf must hold kMaxChars bytes. Returns the length.
  static constexpr size_t kMaxChars = 42;
  size_t Format(char* buf) const;
  std::string ToString() const;
};

// streamGenericParseIDOrReply without the reply: "<ms>[-<seq>]" (a missing seq is
// `missing_seq`), "-" and "+" (unless strict), and "<ms>-*" when seq_given is non-null (then
// *seq_given says whether the sequence was given). Texts end at a NUL byte (C strings).
bool ParseStreamId(std::string_view s, uint64_t missing_seq, bool strict, bool* seq_given,
                   StreamId* out);

// Node size limits (stream-node-max-bytes / -entries; 0 = unlimited).
struct StreamNodeLimits {
  size_t max_bytes = 4096;
  int64_t max_entries = 100;
};

struct StreamTrimArgs {
  enum Strategy { kNone, kMaxLen, kMinId } strategy = kNone;
  bool approx = false;  // only whole nodes are removed
  int64_t limit = 0;    // most entries removed (0 = no limit)
  int64_t maxlen = 0;   // kMaxLen
  StreamId minid;       // kMinId
};

struct StreamConsumer;

// A pending (delivered, not acknowledged) entry.
struct StreamNack {
  int64_t delivery_time = 0;  // ms
  uint64_t delivery_count = 1;
  StreamConsumer* consumer = nullptr;
};

struct StreamConsumer {
  std::string_view name;                // the key of the group's consumer map (stable)
  int64_t seen_time = 0;                // ms
  std::map<StreamId, StreamNack*> pel;  // the group PEL entries this consumer owns
};

struct StreamGroup {
  static constexpr int64_t kInvalidEntriesRead = -1;
  StreamId last_id;  // last delivered ID
  int64_t entries_read = kInvalidEntriesRead;
  std::map<StreamId, StreamNack> pel;
  std::map<std::string, StreamConsumer, std::less<>> consumers;

  StreamConsumer* FindConsumer(std::string_view name);
  // nullptr if the consumer exists already.
  StreamConsumer* CreateConsumer(std::string_view name, int64_t now_ms);
  // Deletes the consumer and its pending entries (from the group PEL too).
  void DeleteConsumer(StreamConsumer* c);
  // Removes a PEL entry from the group and its owner.
  void Ack(std::map<StreamId, StreamNack>::iterator it);
  // Moves `nack` (of entry `id`) to consumer `to`.
  void Reassign(const StreamId& id, StreamNack* nack, StreamConsumer* to);
};

class Stream {
 public:
  using NodeMap = std::map<StreamId, uint8_t*>;
  using GroupMap = std::map<std::string, std::unique_ptr<StreamGroup>, std::less<>>;

  Stream() = default;
  ~Stream();
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  // Deep copy: entries, metadata, groups, PELs, consumers (COPY).
  std::unique_ptr<Stream> Clone() const;

  uint64_t length() const { return length_; }
  const StreamId& last_id() const { return last_id_; }
  const StreamId& first_id() const { return first_id_; }
  const StreamId& max_deleted_id() const { return max_deleted_id_; }
  uint64_t entries_added() const { return entries_added_; }
  void set_last_id(const StreamId& id) { last_id_ = id; }
  void set_entries_added(uint64_t n) { entries_added_ = n; }
  void set_max_deleted_id(const StreamId& id) { max_deleted_id_ = id; }
  void set_first_id(const StreamId& id) { first_id_ = id; }
  void set_length(uint64_t n) { length_ = n; }

  enum class AddResult { kOk, kIdNotGreater, kTooLarge };
  // XADD: appends an entry of `fv` (field, value, field, value...). use_id = nullptr generates
  // the ID from now_ms; with seq_given false only use_id->ms counts ("<ms>-*").
  AddResult Add(std::span<const std::string_view> fv, const StreamId* use_id, bool seq_given,
                uint64_t now_ms, const StreamNodeLimits& limits, StreamId* added);
  // XDEL of one ID: true if a live entry was deleted (first/max-deleted IDs are the caller's).
  bool Delete(const StreamId& id);
  // Removes entries from the head per `args`; returns how many. Updates first_id.
  int64_t Trim(const StreamTrimArgs& args);
  bool EntryExists(const StreamId& id) const;
  // First/last entry ID (tombstones skipped or not); {max} / {0-0} when there is none.
  StreamId EdgeId(bool first, bool skip_tombstones) const;
  // Last live entry ID. REQUIRES: length() > 0.
  StreamId LastValidId() const { return EdgeId(false, true); }

  // Consumer-group lag support (see streamEstimateDistanceFromFirstEverEntry).
  bool RangeHasTombstones(const StreamId& start, const StreamId& end) const;
  int64_t EstimateDistanceFromFirstEverEntry(const StreamId& id) const;

  StreamGroup* FindGroup(std::string_view name) const;
  // nullptr if a group of that name exists.
  StreamGroup* CreateGroup(std::string_view name, const StreamId& last_id, int64_t entries_read);
  bool DestroyGroup(std::string_view name);
  const GroupMap& groups() const { return groups_; }

  const NodeMap& nodes() const { return nodes_; }
  // RDB loading: adds a node (master ID, listpack; ownership taken on success). False if a
  // node has that master ID. REQUIRES: the listpack passed ValidateNode.
  bool InsertNode(const StreamId& master, uint8_t* lp) {
    return nodes_.emplace_hint(nodes_.end(), master, lp)->second == lp;
  }

  // Bytes used (MEMORY USAGE estimate, as Redis: listpacks plus group bookkeeping).
  size_t MemoryUsage() const;
  // Allocations freeing it takes: its nodes, groups, pending entries and consumers.
  size_t FreeEffort() const;

  // Iterates entries with start <= ID <= end, forward or reverse. Tombstones are skipped
  // unless asked for. Valid until the stream is modified.
  class Iterator {
   public:
    Iterator(const Stream& s, const StreamId& start, const StreamId& end, bool rev,
             bool skip_tombstones = true);
    // Advances to the next entry in range; false at the end. *numfields = its field count.
    bool Next(StreamId* id, int64_t* numfields);
    // The next field/value of the current entry (call numfields times after Next). The views
    // are valid until the next call.
    void Field(std::string_view* field, std::string_view* value);
    bool deleted() const { return (flags_ & 1) != 0; }

   private:
    friend class Stream;
    const Stream* s_;
    StreamId start_, end_;
    bool rev_, skip_tombstones_;
    NodeMap::const_iterator node_;
    bool node_valid_ = false;  // node_ points at the node being read
    bool started_ = false;
    StreamId master_id_;
    int64_t master_fields_count_ = 0;
    uint8_t* lp_ = nullptr;
    uint8_t* ele_ = nullptr;
    uint8_t* flags_pos_ = nullptr;
    uint8_t* master_fields_start_ = nullptr;
    uint8_t* master_fields_ptr_ = nullptr;
    int64_t flags_ = 0;
    int64_t remaining_ = 0;  // listpack pieces of the current entry not read yet
    char fbuf_[kLpIntBufSize];
    char vbuf_[kLpIntBufSize];
  };

  // Listpack integrity of a stream node (RDB/RESTORE): the listpack and, if deep, the entry
  // structure (see streamValidateListpackIntegrity).
  static bool ValidateNode(const uint8_t* lp, size_t size, bool deep);

 private:
  // The last node whose master ID is <= key (the only one that may hold it).
  bool SeekNode(const StreamId& key, NodeMap::const_iterator* out) const;

  NodeMap nodes_;
  uint64_t length_ = 0;
  StreamId last_id_;
  StreamId first_id_;
  StreamId max_deleted_id_;
  uint64_t entries_added_ = 0;
  GroupMap groups_;
};

}  // namespace sable
