// The per-thread allocator of the nghttp2 sessions: blocks come back by size class, contents
// survive a realloc, calloc zeroes a reused block, the lists are bounded, and real nghttp2
// sessions run on it.

#include "userspace-proxy/h2/mem.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <thread>
#include <vector>

namespace weir::proxy::h2 {
namespace {

nghttp2_mem& mem() { return *threadMem(); }
void* alloc(size_t n) { return mem().malloc(n, mem().mem_user_data); }
void release(void* p) { mem().free(p, mem().mem_user_data); }

TEST(H2Mem, FreedBlockIsTakenBackByTheNextAllocationOfItsClass) {
  void* a = alloc(100);
  ASSERT_NE(a, nullptr);
  size_t before = threadMemCached();  // other tests on this thread may have left blocks
  release(a);
  EXPECT_EQ(threadMemCached(), before + 1);
  void* b = alloc(120);  // the same class (up to 128 bytes)
  EXPECT_EQ(b, a);
  EXPECT_EQ(threadMemCached(), before);
  void* c = alloc(300);  // another class: not that block
  EXPECT_NE(c, a);
  release(b);
  release(c);
}

TEST(H2Mem, BlocksAreAlignedLikeMalloc) {
  std::vector<void*> blocks;
  for (size_t n : {1, 17, 64, 65, 1000, 4096, 5000, 100000}) {
    void* p = alloc(n);
    ASSERT_NE(p, nullptr);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % alignof(std::max_align_t), 0u) << n;
    std::memset(p, 0xab, n);  // the whole size is usable
    blocks.push_back(p);
  }
  for (void* p : blocks) {
    release(p);
  }
}

TEST(H2Mem, ReallocKeepsTheBytesAcrossClassesAndIntoMalloc) {
  auto* p = static_cast<char*>(alloc(10));
  std::memcpy(p, "0123456789", 10);
  EXPECT_EQ(mem().realloc(p, 60, nullptr), p);  // still fits its class
  auto* q = static_cast<char*>(mem().realloc(p, 700, nullptr));
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(std::string(q, 10), "0123456789");
  auto* r = static_cast<char*>(mem().realloc(q, 50000, nullptr));  // above the largest class
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(std::string(r, 10), "0123456789");
  r[49999] = 'x';
  auto* s = static_cast<char*>(mem().realloc(r, 100000, nullptr));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(std::string(s, 10), "0123456789");
  EXPECT_EQ(s[49999], 'x');
  release(s);
  EXPECT_NE(mem().realloc(nullptr, 30, nullptr), nullptr);  // realloc of null allocates
}

TEST(H2Mem, CallocZeroesAReusedBlockAndRefusesAnOverflow) {
  auto* p = static_cast<unsigned char*>(alloc(200));
  std::memset(p, 0xff, 200);
  release(p);
  auto* q = static_cast<unsigned char*>(mem().calloc(25, 8, nullptr));
  ASSERT_EQ(q, p);
  for (size_t i = 0; i < 200; ++i) {
    ASSERT_EQ(q[i], 0) << i;
  }
  release(q);
  EXPECT_EQ(mem().calloc(std::numeric_limits<size_t>::max() / 2, 4, nullptr), nullptr);
  EXPECT_EQ(alloc(std::numeric_limits<size_t>::max() - 4), nullptr);
}

TEST(H2Mem, LargeBlocksAreNotKeptAndListsAreBounded) {
  size_t before = threadMemCached();
  release(alloc(64 * 1024));
  EXPECT_EQ(threadMemCached(), before);

  // 256 KiB at most per class: 64 blocks of 4 KiB.
  std::vector<void*> blocks;
  for (int i = 0; i < 200; ++i) {
    blocks.push_back(alloc(4000));
  }
  size_t empty = threadMemCached();
  for (void* p : blocks) {
    release(p);
  }
  EXPECT_EQ(threadMemCached() - empty, 64u);
}

TEST(H2Mem, EachThreadHasItsOwnLists) {
  release(alloc(100));
  ASSERT_GT(threadMemCached(), 0u);
  size_t other = 1;
  std::thread([&] { other = threadMemCached(); }).join();
  EXPECT_EQ(other, 0u);
}

// Bytes one session sends, fed to the other.
bool pump(nghttp2_session* from, nghttp2_session* to) {
  bool moved = false;
  for (;;) {
    const uint8_t* data = nullptr;
    ssize_t n = nghttp2_session_mem_send(from, &data);
    if (n <= 0) {
      return moved;
    }
    moved = true;
    EXPECT_EQ(nghttp2_session_mem_recv(to, data, static_cast<size_t>(n)), n);
  }
}

struct Seen {
  std::vector<std::string> headers;
  int closed = 0;
};

TEST(H2Mem, RealSessionsRunOnItAndReuseTheirBlocks) {
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_on_header_callback(
      cbs, [](nghttp2_session*, const nghttp2_frame*, const uint8_t* name, size_t namelen,
              const uint8_t* value, size_t valuelen, uint8_t, void* u) {
        static_cast<Seen*>(u)->headers.push_back(std::string(reinterpret_cast<const char*>(name), namelen) +
                                                 "=" +
                                                 std::string(reinterpret_cast<const char*>(value), valuelen));
        return 0;
      });
  nghttp2_session_callbacks_set_on_stream_close_callback(
      cbs, [](nghttp2_session*, int32_t, uint32_t, void* u) {
        ++static_cast<Seen*>(u)->closed;
        return 0;
      });

  size_t cachedAfterFirst = 0;
  for (int round = 0; round < 2; ++round) {
    Seen server, client;
    nghttp2_session* s = nullptr;
    nghttp2_session* c = nullptr;
    ASSERT_EQ(nghttp2_session_server_new3(&s, cbs, &server, nullptr, threadMem()), 0);
    ASSERT_EQ(nghttp2_session_client_new3(&c, cbs, &client, nullptr, threadMem()), 0);
    nghttp2_submit_settings(c, NGHTTP2_FLAG_NONE, nullptr, 0);
    nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, nullptr, 0);
    const int kStreams = 50;
    for (int i = 0; i < kStreams; ++i) {
      std::string path = "/item/" + std::to_string(i);
      nghttp2_nv nv[] = {
          {(uint8_t*)":method", (uint8_t*)"GET", 7, 3, 0},
          {(uint8_t*)":scheme", (uint8_t*)"http", 7, 4, 0},
          {(uint8_t*)":authority", (uint8_t*)"books", 10, 5, 0},
          {(uint8_t*)":path", (uint8_t*)path.data(), 5, path.size(), 0},
      };
      ASSERT_GT(nghttp2_submit_request(c, nullptr, nv, 4, nullptr, nullptr), 0);
    }
    while (pump(c, s) | pump(s, c)) {
    }
    ASSERT_EQ(server.headers.size(), 4u * kStreams);
    EXPECT_EQ(server.headers[3], ":path=/item/0");
    if (round == 1) {
      EXPECT_LT(threadMemCached(), cachedAfterFirst);  // 50 open streams took blocks back
    }
    for (int i = 0; i < kStreams; ++i) {
      nghttp2_nv nv[] = {{(uint8_t*)":status", (uint8_t*)"204", 7, 3, 0}};
      ASSERT_EQ(nghttp2_submit_response(s, 2 * i + 1, nv, 1, nullptr), 0);
    }
    while (pump(s, c) | pump(c, s)) {
    }
    EXPECT_EQ(client.headers.size(), static_cast<size_t>(kStreams));
    EXPECT_EQ(client.closed, kStreams);
    EXPECT_EQ(server.closed, kStreams);
    nghttp2_session_del(c);
    nghttp2_session_del(s);
    if (round == 0) {
      cachedAfterFirst = threadMemCached();
      EXPECT_GT(cachedAfterFirst, 0u);  // the streams' blocks wait for the next session
    }
  }
  nghttp2_session_callbacks_del(cbs);
}

}  // namespace
}  // namespace weir::proxy::h2
