#include "datastructs/quicklist.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

namespace sable {

namespace {

constexpr size_t kSizeLimits[] = {4096, 8192, 16384, 32768, 65536};  // fill -1 .. -5
// A count-limited node still stays within this many bytes (Redis's SIZE_SAFETY_LIMIT).
constexpr size_t kSizeSafetyLimit = 8192;
// Per-element overhead assumed when estimating whether an element fits a node.
constexpr size_t kEntryOverhead = 8;
constexpr int kFillMax = 32767;

int ClampFill(int fill) { return fill > kFillMax ? kFillMax : (fill < -5 ? -5 : fill); }

uint8_t* CopyBytes(std::string_view s) {
  auto* p = static_cast<uint8_t*>(malloc(s.size() ? s.size() : 1));
  if (p == nullptr) abort();
  if (!s.empty()) memcpy(p, s.data(), s.size());
  return p;
}

size_t NodeBytes(const QuicklistNode* n) { return n->plain ? n->plain_len : LpBytes(n->data); }

}  // namespace

void Quicklist::NodeLimit(int fill, size_t* bytes, size_t* count) {
  fill = ClampFill(fill);
  *bytes = SIZE_MAX;
  *count = SIZE_MAX;
  if (fill >= 0) {
    *count = fill == 0 ? 1 : static_cast<size_t>(fill);
  } else {
    *bytes = kSizeLimits[-fill - 1];
  }
}

bool Quicklist::ExceedsLimit(int fill, size_t bytes, size_t count) {
  size_t byte_limit, count_limit;
  NodeLimit(fill, &byte_limit, &count_limit);
  if (byte_limit != SIZE_MAX) return bytes > byte_limit;
  return bytes > kSizeSafetyLimit || count > count_limit;
}

Quicklist::Quicklist(int fill, size_t packed_threshold)
    : packed_threshold_(packed_threshold), fill_(ClampFill(fill)) {}

Quicklist::~Quicklist() {
  QuicklistNode* n = head_;
  while (n != nullptr) {
    QuicklistNode* next = n->next;
    free(n->data);
    delete n;
    n = next;
  }
}

Quicklist* Quicklist::Clone() const {
  auto* c = new Quicklist(fill_, packed_threshold_);
  for (const QuicklistNode* n = head_; n != nullptr; n = n->next) {
    if (n->plain) {
      c->AppendPlain(CopyBytes({reinterpret_cast<const char*>(n->data), n->plain_len}),
                     n->plain_len);
    } else {
      c->AppendListpack(LpDup(n->data));
    }
  }
  return c;
}

bool Quicklist::IsLarge(size_t sz) const {
  if (packed_threshold_ != kDefaultPackedThreshold) return sz >= packed_threshold_;
  if (fill_ >= 0) return sz > kSizeSafetyLimit;
  return sz > kSizeLimits[-fill_ - 1];
}

bool Quicklist::AllowInsert(const QuicklistNode* node, size_t sz) const {
  if (node == nullptr || node->plain || IsLarge(sz)) return false;
  return !ExceedsLimit(fill_, LpBytes(node->data) + sz + kEntryOverhead, node->count + 1);
}

QuicklistNode* Quicklist::NewPacked(std::string_view s) const {
  auto* n = new QuicklistNode;
  n->data = LpAppend(LpNew(LpEntrySize(s) + kLpHeaderSize + 1), s);
  n->count = 1;
  return n;
}

QuicklistNode* Quicklist::NewPlain(std::string_view s) {
  auto* n = new QuicklistNode;
  n->data = CopyBytes(s);
  n->plain_len = s.size();
  n->count = 1;
  n->plain = true;
  return n;
}

void Quicklist::LinkAfter(QuicklistNode* at, QuicklistNode* n) {
  if (at == nullptr) {
    head_ = tail_ = n;
    n->prev = n->next = nullptr;
  } else {
    n->prev = at;
    n->next = at->next;
    if (at->next) at->next->prev = n;
    at->next = n;
    if (tail_ == at) tail_ = n;
  }
  ++len_;
}

void Quicklist::LinkBefore(QuicklistNode* at, QuicklistNode* n) {
  if (at == nullptr) {
    head_ = tail_ = n;
    n->prev = n->next = nullptr;
  } else {
    n->next = at;
    n->prev = at->prev;
    if (at->prev) at->prev->next = n;
    at->prev = n;
    if (head_ == at) head_ = n;
  }
  ++len_;
}

void Quicklist::Unlink(QuicklistNode* n) {
  if (n->prev) n->prev->next = n->next;
  if (n->next) n->next->prev = n->prev;
  if (head_ == n) head_ = n->next;
  if (tail_ == n) tail_ = n->prev;
  --len_;
  free(n->data);
  delete n;
}

void Quicklist::AppendListpack(uint8_t* lp) {
  auto* n = new QuicklistNode;
  n->data = lp;
  n->count = static_cast<uint32_t>(LpLength(lp));
  LinkAfter(tail_, n);
  count_ += n->count;
}

void Quicklist::AppendPlain(uint8_t* data, size_t len) {
  auto* n = new QuicklistNode;
  n->data = data;
  n->plain_len = len;
  n->count = 1;
  n->plain = true;
  LinkAfter(tail_, n);
  ++count_;
}

uint8_t* Quicklist::TakeSingleListpack() {
  if (len_ != 1 || head_->plain) return nullptr;
  uint8_t* lp = head_->data;
  delete head_;
  head_ = tail_ = nullptr;
  len_ = 0;
  count_ = 0;
  return lp;
}

void Quicklist::PushFront(std::string_view s) {
  if (AllowInsert(head_, s.size())) {
    head_->data = LpPrepend(head_->data, s);
    ++head_->count;
  } else {
    LinkBefore(head_, IsLarge(s.size()) ? NewPlain(s) : NewPacked(s));
  }
  ++count_;
}

void Quicklist::PushBack(std::string_view s) {
  if (AllowInsert(tail_, s.size())) {
    tail_->data = LpAppend(tail_->data, s);
    ++tail_->count;
  } else {
    LinkAfter(tail_, IsLarge(s.size()) ? NewPlain(s) : NewPacked(s));
  }
  ++count_;
}

LpValue Quicklist::Front() const {
  QuicklistPos pos{head_, head_->plain ? nullptr : LpFirst(head_->data), 0};
  return Get(pos);
}

LpValue Quicklist::Back() const {
  QuicklistPos pos{tail_, tail_->plain ? nullptr : LpLast(tail_->data), tail_->count - 1};
  return Get(pos);
}

void Quicklist::PopFront() {
  QuicklistPos pos{head_, head_->plain ? nullptr : LpFirst(head_->data), 0};
  Erase(&pos, true);
}

void Quicklist::PopBack() {
  QuicklistPos pos{tail_, tail_->plain ? nullptr : LpLast(tail_->data), tail_->count - 1};
  Erase(&pos, false);
}

QuicklistPos Quicklist::At(long index) const {
  long n = static_cast<long>(count_);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return {};
  QuicklistPos pos;
  if (index <= (n - 1) / 2) {
    QuicklistNode* node = head_;
    size_t i = static_cast<size_t>(index);
    while (i >= node->count) {
      i -= node->count;
      node = node->next;
    }
    pos.node = node;
    pos.offset = i;
  } else {
    QuicklistNode* node = tail_;
    size_t back = static_cast<size_t>(n - 1 - index);  // distance from the tail
    while (back >= node->count) {
      back -= node->count;
      node = node->prev;
    }
    pos.node = node;
    pos.offset = node->count - 1 - back;
  }
  if (!pos.node->plain) pos.p = LpSeek(pos.node->data, static_cast<long>(pos.offset));
  return pos;
}

bool Quicklist::Next(QuicklistPos* pos) const {
  QuicklistNode* node = pos->node;
  if (!node->plain) {
    uint8_t* p = LpNext(node->data, pos->p);
    if (p != nullptr) {
      pos->p = p;
      ++pos->offset;
      return true;
    }
  }
  node = node->next;
  if (node == nullptr) {
    *pos = {};
    return false;
  }
  *pos = {node, node->plain ? nullptr : LpFirst(node->data), 0};
  return true;
}

bool Quicklist::Prev(QuicklistPos* pos) const {
  QuicklistNode* node = pos->node;
  if (!node->plain) {
    uint8_t* p = LpPrev(node->data, pos->p);
    if (p != nullptr) {
      pos->p = p;
      --pos->offset;
      return true;
    }
  }
  node = node->prev;
  if (node == nullptr) {
    *pos = {};
    return false;
  }
  *pos = {node, node->plain ? nullptr : LpLast(node->data), node->count - 1};
  return true;
}

LpValue Quicklist::Get(const QuicklistPos& pos) {
  if (pos.node->plain) {
    LpValue v;
    v.str = reinterpret_cast<const char*>(pos.node->data);
    v.len = pos.node->plain_len;
    return v;
  }
  return LpGet(pos.p);
}

QuicklistNode* Quicklist::SplitAt(QuicklistNode* node, size_t k) {
  auto* right = new QuicklistNode;
  uint8_t* from = LpSeek(node->data, static_cast<long>(k));
  right->count = node->count - static_cast<uint32_t>(k);
  right->data = LpSlice(node->data, from, right->count);
  node->data = LpDeleteRange(node->data, static_cast<long>(k), right->count);
  node->count = static_cast<uint32_t>(k);
  LinkAfter(node, right);
  return right;
}

void Quicklist::TryMerge(QuicklistNode* a) {
  if (a == nullptr) return;
  QuicklistNode* b = a->next;
  if (b == nullptr || a->plain || b->plain) return;
  size_t bytes = LpBytes(a->data) + LpBytes(b->data) - kLpHeaderSize - 1;
  if (ExceedsLimit(fill_, bytes, a->count + b->count)) return;
  a->data = LpMerge(a->data, b->data);
  a->count += b->count;
  Unlink(b);
}

void Quicklist::Insert(const QuicklistPos& pos, std::string_view s, bool after) {
  QuicklistNode* node = pos.node;
  if (node == nullptr) {  // empty list
    PushBack(s);
    return;
  }
  bool large = IsLarge(s.size());
  bool full, at_tail, at_head;
  if (node->plain) {
    full = true;
    at_tail = after;
    at_head = !after;
  } else {
    full = !AllowInsert(node, s.size());
    at_tail = after && pos.offset + 1 == node->count;
    at_head = !after && pos.offset == 0;
  }
  ++count_;
  if (!full) {
    node->data = LpInsert(node->data, pos.p, after ? LpWhere::kAfter : LpWhere::kBefore, s);
    ++node->count;
    return;
  }
  if (at_tail && AllowInsert(node->next, s.size())) {
    node->next->data = LpPrepend(node->next->data, s);
    ++node->next->count;
    return;
  }
  if (at_head && AllowInsert(node->prev, s.size())) {
    node->prev->data = LpAppend(node->prev->data, s);
    ++node->prev->count;
    return;
  }
  if (at_tail || at_head) {
    QuicklistNode* n = large ? NewPlain(s) : NewPacked(s);
    if (at_tail) {
      LinkAfter(node, n);
    } else {
      LinkBefore(node, n);
    }
    return;
  }
  // A full packed node and a position in its middle: split it and put the element at the
  // seam, then let the pieces merge with their neighbours where they fit.
  QuicklistNode* right = SplitAt(node, pos.offset + (after ? 1 : 0));
  if (large) {
    LinkAfter(node, NewPlain(s));
  } else if (AllowInsert(node, s.size())) {
    node->data = LpAppend(node->data, s);
    ++node->count;
  } else if (AllowInsert(right, s.size())) {
    right->data = LpPrepend(right->data, s);
    ++right->count;
  } else {
    LinkAfter(node, NewPacked(s));
  }
  TryMerge(right);
  TryMerge(node->prev);
}

void Quicklist::Erase(QuicklistPos* pos, bool forward) {
  QuicklistNode* node = pos->node;
  --count_;
  if (node->plain || node->count == 1) {
    QuicklistNode* to = forward ? node->next : node->prev;
    Unlink(node);
    if (to == nullptr) {
      *pos = {};
    } else if (forward) {
      *pos = {to, to->plain ? nullptr : LpFirst(to->data), 0};
    } else {
      *pos = {to, to->plain ? nullptr : LpLast(to->data), to->count - 1};
    }
    return;
  }
  uint8_t* lp = node->data;
  size_t prev_off = 0;
  bool has_prev = false;
  if (!forward) {
    uint8_t* prev = LpPrev(lp, pos->p);
    if (prev != nullptr) {
      prev_off = prev - lp;
      has_prev = true;
    }
  }
  uint8_t* next = nullptr;
  node->data = LpDelete(lp, pos->p, &next);
  --node->count;
  if (forward) {
    if (next != nullptr) {
      pos->p = next;  // same offset
      return;
    }
    QuicklistNode* to = node->next;
    if (to == nullptr) {
      *pos = {};
    } else {
      *pos = {to, to->plain ? nullptr : LpFirst(to->data), 0};
    }
    return;
  }
  if (has_prev) {
    pos->p = node->data + prev_off;
    --pos->offset;
    return;
  }
  QuicklistNode* to = node->prev;
  if (to == nullptr) {
    *pos = {};
  } else {
    *pos = {to, to->plain ? nullptr : LpLast(to->data), to->count - 1};
  }
}

bool Quicklist::ReplaceAt(long index, std::string_view s) {
  QuicklistPos pos = At(index);
  if (!pos) return false;
  QuicklistNode* node = pos.node;
  bool large = IsLarge(s.size());
  if (!node->plain && !large) {
    size_t bytes = LpBytes(node->data) - LpEntrySizeAt(pos.p) + LpEntrySize(s);
    if (node->count == 1 || !ExceedsLimit(fill_, bytes, node->count)) {
      node->data = LpReplace(node->data, &pos.p, s);
      return true;
    }
  } else if (node->plain && large) {
    free(node->data);
    node->data = CopyBytes(s);
    node->plain_len = s.size();
    return true;
  }
  // The element changes kind (plain <-> packed) or no longer fits its node: delete it and
  // insert the new value at the same index.
  if (index < 0) index += static_cast<long>(count_);
  Erase(&pos, true);
  if (static_cast<size_t>(index) == count_) {
    PushBack(s);
  } else {
    Insert(At(index), s, false);
  }
  return true;
}

size_t Quicklist::DelRange(long start, size_t n) {
  long total = static_cast<long>(count_);
  if (start < 0) start += total;
  if (start < 0 || start >= total || n == 0) return 0;
  size_t extent = std::min(n, static_cast<size_t>(total - start));
  QuicklistPos pos = At(start);
  QuicklistNode* node = pos.node;
  size_t offset = pos.offset;
  size_t left = extent;
  while (left > 0 && node != nullptr) {
    QuicklistNode* next = node->next;
    if (offset == 0 && left >= node->count) {
      left -= node->count;
      Unlink(node);
    } else {
      size_t del = std::min<size_t>(left, node->count - offset);
      node->data = LpDeleteRange(node->data, static_cast<long>(offset), del);
      node->count -= static_cast<uint32_t>(del);
      left -= del;
    }
    offset = 0;
    node = next;
  }
  count_ -= extent;
  return extent;
}

size_t Quicklist::MemoryUsage() const {
  size_t n = sizeof(Quicklist);
  for (const QuicklistNode* node = head_; node != nullptr; node = node->next)
    n += sizeof(QuicklistNode) + NodeBytes(node);
  return n;
}

void* ListValueFromElements(std::span<const std::string_view> items, int fill) {
  size_t bytes = kLpHeaderSize + 1;
  for (auto s : items) bytes += s.size();
  if (!Quicklist::ExceedsLimit(fill, bytes, items.size()))
    return ListValueOf(LpAppendMany(LpNew(), items));
  auto* ql = new Quicklist(fill);
  for (auto s : items) ql->PushBack(s);
  return ListValueOf(ql);
}

void ListValueFree(void* v) {
  if (ListIsQuicklist(v)) {
    delete ListAsQuicklist(v);
  } else {
    LpFree(ListAsListpack(v));
  }
}

void* ListValueDup(const void* v) {
  if (ListIsQuicklist(v)) return ListValueOf(ListAsQuicklist(v)->Clone());
  return ListValueOf(LpDup(ListAsListpack(v)));
}

size_t ListValueLength(const void* v) {
  return ListIsQuicklist(v) ? ListAsQuicklist(v)->count() : LpLength(ListAsListpack(v));
}

size_t ListValueMemory(const void* v) {
  return ListIsQuicklist(v) ? ListAsQuicklist(v)->MemoryUsage() : LpBytes(ListAsListpack(v));
}

// Redis 7.0 keeps every list in a quicklist, and OBJECT ENCODING says so. A small list here is a
// single listpack (a quicklist of one node without the node), which is what 7.2 calls
// "listpack"; the name stays 7.0's.
const char* ListValueEncoding(const void*) { return "quicklist"; }

}  // namespace sable
