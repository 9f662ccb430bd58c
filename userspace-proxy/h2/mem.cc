#include "userspace-proxy/h2/mem.h"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>

namespace weir::proxy::h2 {

namespace {

// Every block starts with this header; the caller's bytes follow, aligned like malloc's.
struct alignas(alignof(std::max_align_t)) Head {
  uint32_t cls;  // size class, or kLarge
};
constexpr uint32_t kLarge = std::numeric_limits<uint32_t>::max();
constexpr size_t kHead = sizeof(Head);

constexpr std::array<size_t, 7> kClassSize{64, 128, 256, 512, 1024, 2048, 4096};
constexpr size_t kCacheBytes = 256 * 1024;  // most bytes one class's list keeps

struct Free {
  Free* next;
};

// Trivially destructible, so it stays usable while the thread's other objects are destroyed.
struct Lists {
  std::array<Free*, kClassSize.size()> head{};
  std::array<size_t, kClassSize.size()> count{};
  bool dead = false;  // the thread is ending: frees go straight to malloc
};
thread_local Lists tLists;

// Empties the lists when the thread ends (armed by the first block cached).
struct Drain {
  bool armed = false;
  ~Drain() {
    for (size_t c = 0; c < kClassSize.size(); ++c) {
      while (Free* f = tLists.head[c]) {
        tLists.head[c] = f->next;
        std::free(reinterpret_cast<char*>(f) - kHead);
      }
      tLists.count[c] = 0;
    }
    tLists.dead = true;
  }
};
thread_local Drain tDrain;

uint32_t classOf(size_t n) {
  for (uint32_t c = 0; c < kClassSize.size(); ++c) {
    if (n <= kClassSize[c]) {
      return c;
    }
  }
  return kLarge;
}

Head* headOf(void* p) { return reinterpret_cast<Head*>(static_cast<char*>(p) - kHead); }

void* fromMalloc(size_t n, uint32_t cls) {
  void* base = std::malloc(kHead + n);
  if (base == nullptr) {
    return nullptr;
  }
  static_cast<Head*>(base)->cls = cls;
  return static_cast<char*>(base) + kHead;
}

void* memMalloc(size_t n, void*) {
  if (n > std::numeric_limits<size_t>::max() - kHead) {
    return nullptr;
  }
  uint32_t cls = classOf(n);
  if (cls == kLarge) {
    return fromMalloc(n, kLarge);
  }
  if (Free* f = tLists.head[cls]) {
    tLists.head[cls] = f->next;
    --tLists.count[cls];
    return f;
  }
  return fromMalloc(kClassSize[cls], cls);
}

void memFree(void* p, void*) {
  if (p == nullptr) {
    return;
  }
  uint32_t cls = headOf(p)->cls;
  if (cls == kLarge || tLists.dead || (tLists.count[cls] + 1) * kClassSize[cls] > kCacheBytes) {
    std::free(headOf(p));
    return;
  }
  tDrain.armed = true;
  auto* f = static_cast<Free*>(p);
  f->next = tLists.head[cls];
  tLists.head[cls] = f;
  ++tLists.count[cls];
}

void* memCalloc(size_t n, size_t size, void* u) {
  if (size != 0 && n > std::numeric_limits<size_t>::max() / size) {
    return nullptr;
  }
  void* p = memMalloc(n * size, u);
  if (p != nullptr) {
    std::memset(p, 0, n * size);
  }
  return p;
}

void* memRealloc(void* p, size_t n, void* u) {
  if (p == nullptr) {
    return memMalloc(n, u);
  }
  uint32_t cls = headOf(p)->cls;
  if (cls == kLarge) {
    if (n > std::numeric_limits<size_t>::max() - kHead) {
      return nullptr;
    }
    void* base = std::realloc(headOf(p), kHead + n);
    return base == nullptr ? nullptr : static_cast<char*>(base) + kHead;
  }
  if (n <= kClassSize[cls]) {
    return p;
  }
  void* q = memMalloc(n, u);
  if (q != nullptr) {
    std::memcpy(q, p, kClassSize[cls]);
    memFree(p, u);
  }
  return q;
}

nghttp2_mem kMem{nullptr, memMalloc, memFree, memCalloc, memRealloc};

}  // namespace

nghttp2_mem* threadMem() { return &kMem; }

size_t threadMemCached() {
  size_t n = 0;
  for (size_t c : tLists.count) {
    n += c;
  }
  return n;
}

}  // namespace weir::proxy::h2
