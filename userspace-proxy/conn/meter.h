#pragma once

// The tcp_* series of one connection: opened once, its bytes added as they move (the deltas
// of the stream's totals since the last sync), closed once with its errno and lifetime.

#include "userspace-proxy/io/stream.h"
#include "userspace-proxy/metrics/series.h"

namespace weir::proxy::conn {

using io::Clock;

class Meter {
 public:
  Meter() = default;
  // Counts tcp_open_total on `series` (null: this connection is not counted).
  void open(metrics::TcpSeries* series, Clock::time_point at);
  // Adds what the stream read and wrote since the last sync.
  void sync(const io::Stream& s);
  // Syncs and counts tcp_close_total with `err` (0, or an errno / -errno).
  void close(const io::Stream& s, int err, Clock::time_point now);
  bool counting() const { return series_ != nullptr; }

 private:
  metrics::TcpSeries* series_ = nullptr;
  Clock::time_point openedAt_{};
  uint64_t read_ = 0;
  uint64_t written_ = 0;
};

}  // namespace weir::proxy::conn
