// Quicklist: a doubly linked list of listpack nodes, for lists too big for one listpack.
//
// Node size follows `list-max-listpack-size` (the list's `fill`, fixed at creation as in
// Redis): -1..-5 limit a node to 4/8/16/32/64 KB, a positive value limits its element count
// (and then a node also stays within 8 KB unless it holds a single element). An element
// larger than a node may hold (or than the packed threshold, DEBUG quicklist-packed-threshold)
// lives alone in a "plain" node: its bytes in one allocation, no listpack around them.
// Node compression (`list-compress-depth`) is not implemented: the setting is accepted by the
// config layer and ignored here; every node is a plain listpack.
//
// Invariants: no node is empty; count() is the sum of node counts; plain nodes hold exactly
// one element. Positions (QuicklistPos) are invalidated by any mutation not returning one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "datastructs/listpack.h"

namespace sable {

struct QuicklistNode {
  QuicklistNode* prev = nullptr;
  QuicklistNode* next = nullptr;
  uint8_t* data = nullptr;  // packed: a listpack; plain: the element's bytes
  size_t plain_len = 0;     // plain: element length
  uint32_t count = 0;       // elements in this node
  bool plain = false;
};

// One element's position: its node, its listpack entry (nullptr in a plain node) and its
// index inside the node.
struct QuicklistPos {
  QuicklistNode* node = nullptr;
  uint8_t* p = nullptr;
  size_t offset = 0;
  explicit operator bool() const { return node != nullptr; }
};

class Quicklist {
 public:
  static constexpr size_t kDefaultPackedThreshold = size_t{1} << 30;
  // Node size limits for a fill value: (bytes, count); the unused one is SIZE_MAX.
  static void NodeLimit(int fill, size_t* bytes, size_t* count);
  // True if a listpack of `bytes` bytes and `count` elements is over the fill's limit
  // (what turns a listpack-encoded list into a quicklist).
  static bool ExceedsLimit(int fill, size_t bytes, size_t count);

  explicit Quicklist(int fill, size_t packed_threshold = kDefaultPackedThreshold);
  ~Quicklist();
  Quicklist(const Quicklist&) = delete;
  Quicklist& operator=(const Quicklist&) = delete;
  Quicklist* Clone() const;

  size_t count() const { return count_; }
  size_t node_count() const { return len_; }
  int fill() const { return fill_; }
  void set_packed_threshold(size_t t) { packed_threshold_ = t; }
  QuicklistNode* head() const { return head_; }
  QuicklistNode* tail() const { return tail_; }

  // Takes ownership of a non-empty listpack and links it as the last node.
  void AppendListpack(uint8_t* lp);
  // Takes ownership of a plain element's bytes (malloc'd) and links them as the last node.
  void AppendPlain(uint8_t* data, size_t len);
  // If the list is exactly one packed node, hands over its listpack and leaves the list
  // empty; otherwise returns nullptr and changes nothing.
  uint8_t* TakeSingleListpack();

  void PushFront(std::string_view s);
  void PushBack(std::string_view s);
  // REQUIRES: count() > 0.
  LpValue Front() const;
  LpValue Back() const;
  void PopFront();
  void PopBack();

  // Element at `index` (negative from the end), reached from the nearer end; empty if out of
  // range.
  QuicklistPos At(long index) const;
  bool Next(QuicklistPos* pos) const;
  bool Prev(QuicklistPos* pos) const;
  static LpValue Get(const QuicklistPos& pos);

  // Inserts `s` before/after the element at `pos` (splitting a full node if needed).
  void Insert(const QuicklistPos& pos, std::string_view s, bool after);
  // Deletes the element at *pos; *pos moves to the next element in the given direction
  // (forward = towards the tail), or becomes empty.
  void Erase(QuicklistPos* pos, bool forward);
  // Replaces the element at `index`; false if out of range.
  bool ReplaceAt(long index, std::string_view s);
  // Deletes up to `n` elements starting at `start` (negative from the end); returns how many.
  size_t DelRange(long start, size_t n);

  // Bytes held: the struct, nodes and their data.
  size_t MemoryUsage() const;

 private:
  bool IsLarge(size_t sz) const;
  bool AllowInsert(const QuicklistNode* node, size_t sz) const;
  QuicklistNode* NewPacked(std::string_view s) const;
  static QuicklistNode* NewPlain(std::string_view s);
  void LinkAfter(QuicklistNode* at, QuicklistNode* n);  // at == nullptr: list was empty
  void LinkBefore(QuicklistNode* at, QuicklistNode* n);
  void Unlink(QuicklistNode* n);                          // unlinks and frees
  QuicklistNode* SplitAt(QuicklistNode* node, size_t k);  // node keeps [0,k), returns [k,n)
  void TryMerge(QuicklistNode* a);  // merges a and a->next if both packed and they fit

  QuicklistNode* head_ = nullptr;
  QuicklistNode* tail_ = nullptr;
  size_t count_ = 0;  // elements
  size_t len_ = 0;    // nodes
  size_t packed_threshold_;
  int fill_;
};

// ---- Keyspace list values --------------------------------------------------------------
// A list in the keyspace (ObjType::kList, KvEntry::ptr) is a tagged pointer: a bare listpack
// for small lists (OBJECT ENCODING "listpack") or a Quicklist with the low bit set
// ("quicklist"). Lists, SORT and persistence read them through these helpers.
inline bool ListIsQuicklist(const void* v) { return reinterpret_cast<uintptr_t>(v) & 1; }
inline Quicklist* ListAsQuicklist(const void* v) {
  return reinterpret_cast<Quicklist*>(reinterpret_cast<uintptr_t>(v) & ~uintptr_t{1});
}
inline uint8_t* ListAsListpack(const void* v) {
  return static_cast<uint8_t*>(const_cast<void*>(v));
}
inline void* ListValueOf(Quicklist* ql) {
  return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(ql) | 1);
}
inline void* ListValueOf(uint8_t* lp) { return lp; }

// Builds a list holding `items` in order: one listpack when it fits `fill` (the
// list-max-listpack-size setting), else a quicklist (SORT ... STORE, loaders).
// REQUIRES: !items.empty().
void* ListValueFromElements(std::span<const std::string_view> items, int fill);
void ListValueFree(void* v);
void* ListValueDup(const void* v);
size_t ListValueLength(const void* v);
size_t ListValueMemory(const void* v);
const char* ListValueEncoding(const void* v);

// Calls f(LpValue) for every element, head to tail.
template <typename F>
void ListValueForEach(const void* v, F&& f) {
  if (!ListIsQuicklist(v)) {
    uint8_t* lp = ListAsListpack(v);
    for (uint8_t* p = LpFirst(lp); p != nullptr; p = LpNext(lp, p)) f(LpGet(p));
    return;
  }
  const Quicklist* ql = ListAsQuicklist(v);
  QuicklistPos pos = ql->At(0);
  if (!pos) return;
  do f(Quicklist::Get(pos));
  while (ql->Next(&pos));
}

}  // namespace sable
