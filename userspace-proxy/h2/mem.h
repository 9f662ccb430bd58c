#pragma once

// The allocator nghttp2 sessions use: per-thread free lists by size class. nghttp2 allocates and
// frees a handful of small objects per stream (the stream, its outbound frames, header buffers);
// with dozens of streams in flight they outrun malloc's per-thread cache, and malloc's slow path
// was a tenth of the proxy's HTTP/2 CPU time. Here a freed block goes on its class's list and the
// next allocation of that class takes it back. Each list keeps at most a fixed number of bytes;
// blocks beyond that, and allocations above the largest class, go back to malloc.
//
// A session must be used and deleted on the thread that created it (every weir-proxy worker
// owns its connections, so it is).

#include <nghttp2/nghttp2.h>

#include <cstddef>

namespace weir::proxy::h2 {

// The allocator for nghttp2_session_*_new3 (one per thread, made on first use).
nghttp2_mem* threadMem();

// For tests: blocks on this thread's free lists now.
size_t threadMemCached();

}  // namespace weir::proxy::h2
