#include "datastructs/stream.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#include "datastructs/numbers.h"

namespace sable {

namespace {

constexpr int64_t kFlagNone = 0;
constexpr int64_t kFlagDeleted = 1 << 0;
constexpr int64_t kFlagSameFields = 1 << 1;
// Redis's STREAM_LISTPACK_MAX_SIZE: no node (and no entry) grows past 1 GB.
constexpr size_t kNodeMaxSize = size_t{1} << 30;

// Stream listpacks hold their counters and deltas as integers; a string there would be a
// corrupt node (RDB loads are validated), read as 0.
int64_t LpInt(const uint8_t* p) {
  LpValue v = LpGet(p);
  if (v.is_int()) return v.ival;
  int64_t out = 0;
  StringToInt64(std::string_view(v.str, v.len), &out);
  return out;
}

bool LpIntChecked(const uint8_t* p, int64_t* out) {
  LpValue v = LpGet(p);
  if (v.is_int()) {
    *out = v.ival;
    return true;
  }
  return StringToInt64(std::string_view(v.str, v.len), out);
}

std::string_view LpView(const uint8_t* p, char* buf) { return LpGet(p).View(buf); }

uint8_t* Skip(uint8_t* lp, uint8_t* p, int64_t n) {
  while (n-- > 0 && p != nullptr) p = LpNext(lp, p);
  return p;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// StreamId
// ---------------------------------------------------------------------------------------------

bool StreamId::Incr() {
  if (seq == UINT64_MAX) {
    if (ms == UINT64_MAX) {
      ms = seq = 0;
      return false;
    }
    ++ms;
    seq = 0;
  } else {
    ++seq;
  }
  return true;
}

bool StreamId::Decr() {
  if (seq == 0) {
    if (ms == 0) {
      ms = seq = UINT64_MAX;
      return false;
    }
    --ms;
    seq = UINT64_MAX;
  } else {
    --seq;
  }
  return true;
}

size_t StreamId::Format(char* buf) const {
  size_t n = Uint64ToChars(ms, buf);
  buf[n++] = '-';
  n += Uint64ToChars(seq, buf + n);
  return n;
}

std::string StreamId::ToString() const {
  char buf[kMaxChars];
  return std::string(buf, Format(buf));
}

bool ParseStreamId(std::string_view s, uint64_t missing_seq, bool strict, bool* seq_given,
                   StreamId* out) {
  if (s.size() > 127) return false;
  s = s.substr(0, s.find('\0'));  // the argument is read as a C string
  if (strict && s.size() == 1 && (s[0] == '-' || s[0] == '+')) return false;
  if (seq_given != nullptr) *seq_given = true;
  if (s == "-") {
    *out = {0, 0};
    return true;
  }
  if (s == "+") {
    *out = StreamId::Max();
    return true;
  }
  size_t dash = s.find('-');
  uint64_t ms, seq;
  if (!StringToUint64(s.substr(0, dash), &ms)) return false;
  if (dash != std::string_view::npos) {
    std::string_view rest = s.substr(dash + 1);
    if (seq_given != nullptr && rest == "*") {
      seq = 0;
      *seq_given = false;
    } else if (!StringToUint64(rest, &seq)) {
      return false;
    }
  } else {
    seq = missing_seq;
  }
  *out = {ms, seq};
  return true;
}

// ---------------------------------------------------------------------------------------------
// Consumer groups
// ---------------------------------------------------------------------------------------------

StreamConsumer* StreamGroup::FindConsumer(std::string_view name) {
  auto it = consumers.find(name);
  return it == consumers.end() ? nullptr : &it->second;
}

StreamConsumer* StreamGroup::CreateConsumer(std::string_view name, int64_t now_ms) {
  auto [it, inserted] = consumers.try_emplace(std::string(name));
  if (!inserted) return nullptr;
  it->second.name = it->first;
  it->second.seen_time = now_ms;
  return &it->second;
}

void StreamGroup::DeleteConsumer(StreamConsumer* c) {
  for (const auto& [id, nack] : c->pel) pel.erase(id);
  consumers.erase(consumers.find(c->name));
}

void StreamGroup::Ack(std::map<StreamId, StreamNack>::iterator it) {
  if (it->second.consumer != nullptr) it->second.consumer->pel.erase(it->first);
  pel.erase(it);
}

void StreamGroup::Reassign(const StreamId& id, StreamNack* nack, StreamConsumer* to) {
  if (nack->consumer == to) return;
  if (nack->consumer != nullptr) nack->consumer->pel.erase(id);
  to->pel[id] = nack;
  nack->consumer = to;
}

// ---------------------------------------------------------------------------------------------
// Stream
// ---------------------------------------------------------------------------------------------

Stream::~Stream() {
  for (auto& [id, lp] : nodes_) LpFree(lp);
}

std::unique_ptr<Stream> Stream::Clone() const {
  auto s = std::make_unique<Stream>();
  for (const auto& [id, lp] : nodes_) s->nodes_.emplace_hint(s->nodes_.end(), id, LpDup(lp));
  s->length_ = length_;
  s->last_id_ = last_id_;
  s->first_id_ = first_id_;
  s->max_deleted_id_ = max_deleted_id_;
  s->entries_added_ = entries_added_;
  for (const auto& [name, g] : groups_) {
    StreamGroup* ng = s->CreateGroup(name, g->last_id, g->entries_read);
    for (const auto& [id, nack] : g->pel) {
      StreamNack copy = nack;
      copy.consumer = nullptr;
      ng->pel.emplace_hint(ng->pel.end(), id, copy);
    }
    for (const auto& [cname, c] : g->consumers) {
      StreamConsumer* nc = ng->CreateConsumer(cname, c.seen_time);
      for (const auto& [id, unused] : c.pel) {
        StreamNack* nack = &ng->pel.find(id)->second;
        nack->consumer = nc;
        nc->pel.emplace_hint(nc->pel.end(), id, nack);
      }
    }
  }
  return s;
}

Stream::AddResult Stream::Add(std::span<const std::string_view> fv, const StreamId* use_id,
                              bool seq_given, uint64_t now_ms, const StreamNodeLimits& limits,
                              StreamId* added) {
  StreamId id;
  if (use_id != nullptr) {
    if (seq_given) {
      id = *use_id;
    } else if (last_id_.ms == use_id->ms) {
      // "<ms>-*": the next sequence of the same millisecond, never wrapping into the next ms.
      if (last_id_.seq == UINT64_MAX) return AddResult::kIdNotGreater;
      id = last_id_;
      ++id.seq;
    } else {
      id = {use_id->ms, 0};
    }
  } else if (now_ms > last_id_.ms) {
    id = {now_ms, 0};
  } else {
    id = last_id_;
    id.Incr();
  }
  if (id <= last_id_) return AddResult::kIdNotGreater;

  const int64_t numfields = static_cast<int64_t>(fv.size() / 2);
  size_t totelelen = 0;
  for (std::string_view s : fv) totelelen += s.size();
  if (totelelen > kNodeMaxSize) return AddResult::kTooLarge;

  uint8_t* lp = nullptr;
  NodeMap::iterator tail = nodes_.end();
  if (!nodes_.empty()) {
    tail = std::prev(nodes_.end());
    lp = tail->second;
    size_t max_bytes = limits.max_bytes;
    if (max_bytes == 0 || max_bytes > kNodeMaxSize) max_bytes = kNodeMaxSize;
    bool new_node = false;
    if (LpBytes(lp) + totelelen >= max_bytes) {
      new_node = true;
    } else if (limits.max_entries > 0) {
      uint8_t* p = LpFirst(lp);
      int64_t count = LpInt(p) + LpInt(LpNext(lp, p));  // live and deleted entries
      if (count >= limits.max_entries) new_node = true;
    }
    if (new_node) lp = nullptr;
  }

  int64_t flags = kFlagNone;
  StreamId master;
  // Integers written as text: the listpack stores canonical integers as integers, exactly as
  // Redis's lpAppendInteger would.
  char nums[5][kInt64StrSize];
  std::vector<std::string_view> items;
  items.reserve(fv.size() + 6);
  if (lp == nullptr) {
    master = id;
    items.push_back("1");  // one live entry: this one
    items.push_back("0");  // none deleted
    items.push_back(std::string_view(nums[0], Int64ToChars(numfields, nums[0])));
    for (int64_t i = 0; i < numfields; ++i) items.push_back(fv[2 * i]);
    items.push_back("0");  // master entry terminator
    lp = LpAppendMany(LpNew(64), items);
    items.clear();
    tail = nodes_.emplace_hint(nodes_.end(), id, lp);
    flags |= kFlagSameFields;
  } else {
    master = tail->first;
    uint8_t* p = LpFirst(lp);
    lp = LpReplaceInt(lp, &p, LpInt(p) + 1);
    p = LpNext(lp, p);  // deleted
    p = LpNext(lp, p);  // master num-fields
    int64_t master_fields = LpInt(p);
    p = LpNext(lp, p);
    if (numfields == master_fields) {
      int64_t i = 0;
      char buf[kLpIntBufSize];
      for (; i < master_fields; ++i) {
        if (LpView(p, buf) != fv[2 * i]) break;
        p = LpNext(lp, p);
      }
      if (i == master_fields) flags |= kFlagSameFields;
    }
  }

  const bool same = flags & kFlagSameFields;
  items.push_back(std::string_view(nums[1], Int64ToChars(flags, nums[1])));
  items.push_back(
      std::string_view(nums[2], Int64ToChars(static_cast<int64_t>(id.ms - master.ms), nums[2])));
  items.push_back(
      std::string_view(nums[3], Int64ToChars(static_cast<int64_t>(id.seq - master.seq), nums[3])));
  if (!same) items.push_back(std::string_view(nums[0], Int64ToChars(numfields, nums[0])));
  for (int64_t i = 0; i < numfields; ++i) {
    if (!same) items.push_back(fv[2 * i]);
    items.push_back(fv[2 * i + 1]);
  }
  // lp-count: the pieces of the entry before it, so a reverse walk can jump to its flags.
  int64_t lp_count = numfields + 3 + (same ? 0 : numfields + 1);
  items.push_back(std::string_view(nums[4], Int64ToChars(lp_count, nums[4])));
  tail->second = LpAppendMany(lp, items);

  ++length_;
  ++entries_added_;
  last_id_ = id;
  if (length_ == 1) first_id_ = id;
  if (added != nullptr) *added = id;
  return AddResult::kOk;
}

bool Stream::Delete(const StreamId& id) {
  Iterator it(*this, id, id, false);
  StreamId found;
  int64_t numfields;
  if (!it.Next(&found, &numfields)) return false;
  auto node = nodes_.find(it.master_id_);
  uint8_t* lp = node->second;
  uint8_t* fp = it.flags_pos_;
  lp = LpReplaceInt(lp, &fp, LpInt(fp) | kFlagDeleted);
  uint8_t* p = LpFirst(lp);
  int64_t live = LpInt(p);
  if (live == 1) {
    LpFree(lp);
    nodes_.erase(node);
  } else {
    lp = LpReplaceInt(lp, &p, live - 1);
    p = LpNext(lp, p);
    lp = LpReplaceInt(lp, &p, LpInt(p) + 1);
    node->second = lp;
  }
  --length_;
  return true;
}

int64_t Stream::Trim(const StreamTrimArgs& args) {
  if (args.strategy == StreamTrimArgs::kNone) return 0;
  const bool by_len = args.strategy == StreamTrimArgs::kMaxLen;
  const uint64_t maxlen = static_cast<uint64_t>(args.maxlen);
  int64_t deleted = 0;
  auto node = nodes_.begin();
  while (node != nodes_.end()) {
    if (by_len && length_ <= maxlen) break;
    uint8_t* lp = node->second;
    uint8_t* p = LpFirst(lp);
    int64_t entries = LpInt(p);
    if (args.limit && deleted + entries > args.limit) break;

    bool remove_node;
    const StreamId master = node->first;
    if (by_len) {
      remove_node = length_ - static_cast<uint64_t>(entries) >= maxlen;
    } else {
      // The node's last entry (the one before the trailing lp-count).
      uint8_t* e = LpLast(lp);
      int64_t lp_count = LpInt(e);
      StreamId last = master;
      if (lp_count != 0) {
        while (lp_count--) e = LpPrev(lp, e);
        e = LpNext(lp, e);
        last.ms += static_cast<uint64_t>(LpInt(e));
        last.seq += static_cast<uint64_t>(LpInt(LpNext(lp, e)));
      }
      remove_node = last < args.minid;
    }
    if (remove_node) {
      LpFree(lp);
      node = nodes_.erase(node);
      length_ -= static_cast<uint64_t>(entries);
      deleted += entries;
      continue;
    }
    if (args.approx) break;

    // Mark entries of this node deleted, from its head, until the target is met.
    int64_t deleted_here = 0;
    p = LpNext(lp, p);  // deleted count
    p = LpNext(lp, p);  // master num-fields
    int64_t master_fields = LpInt(p);
    p = Skip(lp, LpNext(lp, p), master_fields);  // past the master fields: the terminator
    p = LpNext(lp, p);                           // first entry's flags
    while (p != nullptr) {
      uint8_t* flags_pos = p;
      int64_t flags = LpInt(p);
      p = LpNext(lp, p);
      StreamId cur = master;
      cur.ms += static_cast<uint64_t>(LpInt(p));
      p = LpNext(lp, p);
      cur.seq += static_cast<uint64_t>(LpInt(p));
      p = LpNext(lp, p);
      bool stop = by_len ? length_ <= maxlen : cur >= args.minid;
      if (stop) break;
      int64_t to_skip;
      if (flags & kFlagSameFields) {
        to_skip = master_fields;
      } else {
        to_skip = LpInt(p) * 2;
        p = LpNext(lp, p);
      }
      p = Skip(lp, p, to_skip);  // at lp-count
      p = LpNext(lp, p);         // next entry
      if (!(flags & kFlagDeleted)) {
        ptrdiff_t off = p ? p - lp : -1;
        lp = LpReplaceInt(lp, &flags_pos, flags | kFlagDeleted);  // same size: 1-byte ints
        p = off >= 0 ? lp + off : nullptr;
        ++deleted_here;
        --length_;
      }
    }
    deleted += deleted_here;
    p = LpFirst(lp);
    lp = LpReplaceInt(lp, &p, entries - deleted_here);
    p = LpNext(lp, p);
    lp = LpReplaceInt(lp, &p, LpInt(p) + deleted_here);
    node->second = lp;
    break;  // this node had enough to delete
  }
  if (length_ == 0) {
    first_id_ = {0, 0};
  } else if (deleted) {
    first_id_ = EdgeId(true, true);
  }
  return deleted;
}

bool Stream::EntryExists(const StreamId& id) const {
  Iterator it(*this, id, id, false);
  StreamId found;
  int64_t numfields;
  return it.Next(&found, &numfields);
}

StreamId Stream::EdgeId(bool first, bool skip_tombstones) const {
  Iterator it(*this, {0, 0}, StreamId::Max(), !first, skip_tombstones);
  StreamId id;
  int64_t numfields;
  if (it.Next(&id, &numfields)) return id;
  return first ? StreamId::Max() : StreamId{0, 0};
}

bool Stream::RangeHasTombstones(const StreamId& start, const StreamId& end) const {
  if (length_ == 0 || max_deleted_id_.IsZero()) return false;
  if (first_id_ > max_deleted_id_) return false;  // the latest tombstone precedes the data
  return start <= max_deleted_id_ && max_deleted_id_ <= end;
}

int64_t Stream::EstimateDistanceFromFirstEverEntry(const StreamId& id) const {
  if (entries_added_ == 0) return 0;
  if (length_ == 0 && id <= last_id_) return static_cast<int64_t>(entries_added_);
  if (id == last_id_) return static_cast<int64_t>(entries_added_);
  if (id > last_id_) return StreamGroup::kInvalidEntriesRead;
  if (max_deleted_id_.IsZero() || max_deleted_id_ < first_id_) {
    // No fragmentation ahead of the first entry.
    if (id < first_id_) return static_cast<int64_t>(entries_added_ - length_);
    if (id == first_id_) return static_cast<int64_t>(entries_added_ - length_ + 1);
  }
  return StreamGroup::kInvalidEntriesRead;
}

StreamGroup* Stream::FindGroup(std::string_view name) const {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : it->second.get();
}

StreamGroup* Stream::CreateGroup(std::string_view name, const StreamId& last_id,
                                 int64_t entries_read) {
  auto [it, inserted] = groups_.try_emplace(std::string(name));
  if (!inserted) return nullptr;
  it->second = std::make_unique<StreamGroup>();
  it->second->last_id = last_id;
  it->second->entries_read = entries_read;
  return it->second.get();
}

bool Stream::DestroyGroup(std::string_view name) {
  auto it = groups_.find(name);
  if (it == groups_.end()) return false;
  groups_.erase(it);
  return true;
}

size_t Stream::FreeEffort() const {
  size_t n = nodes_.size();
  for (const auto& [name, g] : groups_) n += 1 + g->pel.size() + g->consumers.size();
  return n;
}

size_t Stream::MemoryUsage() const {
  // Map nodes cost about 64 bytes each (header, key, value) in jemalloc's classes.
  constexpr size_t kMapNode = 64;
  size_t total = sizeof(Stream);
  for (const auto& [id, lp] : nodes_) total += kMapNode + LpBytes(lp);
  for (const auto& [name, g] : groups_) {
    total += kMapNode + name.size() + sizeof(StreamGroup);
    total += g->pel.size() * (kMapNode + sizeof(StreamNack));
    for (const auto& [cname, c] : g->consumers)
      total += kMapNode + cname.size() + sizeof(StreamConsumer) + c.pel.size() * kMapNode;
  }
  return total;
}

bool Stream::SeekNode(const StreamId& key, NodeMap::const_iterator* out) const {
  auto it = nodes_.upper_bound(key);
  if (it == nodes_.begin()) return false;
  *out = std::prev(it);
  return true;
}

bool Stream::ValidateNode(const uint8_t* blob, size_t size, bool deep) {
  if (!LpValidate(blob, size, deep)) return false;
  if (!deep) return true;
  auto* lp = const_cast<uint8_t*>(blob);
  uint8_t* p = LpFirst(lp);
  int64_t count, deleted, master_fields, v;
  if (p == nullptr || !LpIntChecked(p, &count)) return false;
  if ((p = LpNext(lp, p)) == nullptr || !LpIntChecked(p, &deleted)) return false;
  if ((p = LpNext(lp, p)) == nullptr || !LpIntChecked(p, &master_fields)) return false;
  if (count < 0 || deleted < 0 || master_fields < 0) return false;
  for (int64_t j = 0; j < master_fields; ++j)
    if ((p = LpNext(lp, p)) == nullptr) return false;
  if ((p = LpNext(lp, p)) == nullptr || !LpIntChecked(p, &v) || v != 0) return false;
  p = LpNext(lp, p);
  int64_t entries = count + deleted;
  while (entries--) {
    if (p == nullptr) return false;
    int64_t fields = master_fields, extra = 3, flags;
    if (!LpIntChecked(p, &flags)) return false;
    if ((p = LpNext(lp, p)) == nullptr || !LpIntChecked(p, &v)) return false;  // ms delta
    if ((p = LpNext(lp, p)) == nullptr || !LpIntChecked(p, &v)) return false;  // seq delta
    if ((p = LpNext(lp, p)) == nullptr) return false;
    if (!(flags & kFlagSameFields)) {
      if (!LpIntChecked(p, &fields) || fields < 0) return false;
      for (int64_t j = 0; j <= fields; ++j)
        if ((p = LpNext(lp, p)) == nullptr) return false;
      extra += fields + 1;
    }
    for (int64_t j = 0; j < fields; ++j)
      if ((p = LpNext(lp, p)) == nullptr) return false;
    if (!LpIntChecked(p, &v) || v != fields + extra) return false;
    p = LpNext(lp, p);
  }
  return p == nullptr;
}

// ---------------------------------------------------------------------------------------------
// Iterator
// ---------------------------------------------------------------------------------------------

Stream::Iterator::Iterator(const Stream& s, const StreamId& start, const StreamId& end, bool rev,
                           bool skip_tombstones)
    : s_(&s), start_(start), end_(end), rev_(rev), skip_tombstones_(skip_tombstones) {
  if (s.nodes_.empty()) return;
  if (!rev) {
    if (start.IsZero() || !s.SeekNode(start, &node_)) node_ = s.nodes_.begin();
  } else {
    // A range ending before every node holds nothing.
    if (!s.SeekNode(end, &node_)) return;
  }
  node_valid_ = true;
}

bool Stream::Iterator::Next(StreamId* id, int64_t* numfields) {
  while (true) {
    if (lp_ != nullptr && started_) {
      // Leave the entry emitted last: forward, past its unread pieces to its lp-count;
      // backward, to the lp-count of the entry before it.
      if (!rev_) {
        ele_ = Skip(lp_, ele_, remaining_);
      } else {
        ele_ = LpPrev(lp_, flags_pos_);
      }
      started_ = false;
    }
    if (lp_ == nullptr) {
      if (!node_valid_) return false;
      master_id_ = node_->first;
      lp_ = node_->second;
      if (!rev_) {
        if (++node_ == s_->nodes_.end()) node_valid_ = false;
      } else {
        if (node_ == s_->nodes_.begin()) {
          node_valid_ = false;
        } else {
          --node_;
        }
      }
      ele_ = LpFirst(lp_);       // count
      ele_ = LpNext(lp_, ele_);  // deleted
      ele_ = LpNext(lp_, ele_);  // num-fields
      master_fields_count_ = LpInt(ele_);
      ele_ = LpNext(lp_, ele_);
      master_fields_start_ = ele_;
      if (!rev_) {
        ele_ = Skip(lp_, ele_, master_fields_count_);  // the master terminator
      } else {
        ele_ = LpLast(lp_);  // the last entry's lp-count
      }
    }
    while (true) {
      if (!rev_) {
        ele_ = LpNext(lp_, ele_);
        if (ele_ == nullptr) break;
      } else {
        int64_t lp_count = LpInt(ele_);
        if (lp_count == 0) break;  // the master entry
        while (lp_count--) ele_ = LpPrev(lp_, ele_);
      }
      flags_pos_ = ele_;
      flags_ = LpInt(ele_);
      ele_ = LpNext(lp_, ele_);
      StreamId cur = master_id_;
      cur.ms += static_cast<uint64_t>(LpInt(ele_));
      ele_ = LpNext(lp_, ele_);
      cur.seq += static_cast<uint64_t>(LpInt(ele_));
      ele_ = LpNext(lp_, ele_);
      const bool same = flags_ & kFlagSameFields;
      int64_t nf;
      if (same) {
        nf = master_fields_count_;
      } else {
        nf = LpInt(ele_);
        ele_ = LpNext(lp_, ele_);
      }
      remaining_ = same ? nf : nf * 2;
      const bool visible = !skip_tombstones_ || !(flags_ & kFlagDeleted);
      if (!rev_) {
        if (cur > end_) {
          lp_ = nullptr;
          node_valid_ = false;
          return false;
        }
        if (cur >= start_ && visible) {
          master_fields_ptr_ = master_fields_start_;
          started_ = true;
          *id = cur;
          *numfields = nf;
          return true;
        }
        ele_ = Skip(lp_, ele_, remaining_);
      } else {
        if (cur < start_) {
          lp_ = nullptr;
          node_valid_ = false;
          return false;
        }
        if (cur <= end_ && visible) {
          master_fields_ptr_ = master_fields_start_;
          started_ = true;
          *id = cur;
          *numfields = nf;
          return true;
        }
        ele_ = LpPrev(lp_, flags_pos_);
      }
    }
    lp_ = nullptr;  // node exhausted
  }
}

void Stream::Iterator::Field(std::string_view* field, std::string_view* value) {
  if (flags_ & kFlagSameFields) {
    *field = LpView(master_fields_ptr_, fbuf_);
    master_fields_ptr_ = LpNext(lp_, master_fields_ptr_);
  } else {
    *field = LpView(ele_, fbuf_);
    ele_ = LpNext(lp_, ele_);
    --remaining_;
  }
  *value = LpView(ele_, vbuf_);
  ele_ = LpNext(lp_, ele_);
  --remaining_;
}

}  // namespace sable
