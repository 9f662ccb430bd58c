// weir-echo clients: an integrity check, a ping-pong latency probe, a streaming throughput probe
// and a steady loop for the demo. Each prints one JSON object.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "tests/apps/echo/net.h"

namespace weir::echo {

namespace {

int failConnect(const std::string& endpoint, int err) {
  std::printf("{\"connected\":false,\"endpoint\":\"%s\",\"error\":\"%s\"}\n", endpoint.c_str(),
              std::strerror(-err));
  return 3;
}

bool readLine(int fd, std::string* line) {
  char c = 0;
  while (readSome(fd, &c, 1) == 1) {
    if (c == '\n') {
      return true;
    }
    line->push_back(c);
  }
  return false;
}

}  // namespace

// Sends `bytes` of the pattern while reading the echo, half-closes, and checks that exactly the
// same bytes came back in order followed by EOF.
int check(const std::string& endpoint, uint64_t bytes, bool origdst) {
  int fd = connectTo(endpoint);
  if (fd < 0) {
    return failConnect(endpoint, fd);
  }
  sockaddr_storage peer{};
  socklen_t len = sizeof(peer);
  getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len);
  std::string origLine;
  if (origdst && !readLine(fd, &origLine)) {
    origLine = "ORIGDST missing";
  }
  std::thread writer([fd, bytes] {
    std::vector<char> chunk(16384);
    uint64_t sent = 0;
    while (sent < bytes) {
      size_t n = static_cast<size_t>(std::min<uint64_t>(chunk.size(), bytes - sent));
      for (size_t i = 0; i < n; ++i) {
        chunk[i] = patternByte(sent + i);
      }
      if (!writeAll(fd, chunk.data(), n)) {
        break;
      }
      sent += n;
    }
    shutdown(fd, SHUT_WR);
  });
  uint64_t received = 0;
  bool intact = true;
  char buf[65536];
  ssize_t n = 0;
  while ((n = readSome(fd, buf, sizeof(buf))) > 0) {
    for (ssize_t i = 0; i < n && intact; ++i) {
      intact = buf[i] == patternByte(received + static_cast<uint64_t>(i));
    }
    received += static_cast<uint64_t>(n);
  }
  bool eof = n == 0;
  writer.join();
  close(fd);
  intact = intact && received == bytes;
  std::printf(
      "{\"connected\":true,\"peer\":\"%s\",\"origdst\":\"%s\",\"sent\":%llu,\"received\":%llu,"
      "\"intact\":%s,\"eof\":%s}\n",
      endpointString(peer).c_str(), origLine.substr(origLine.empty() ? 0 : 8).c_str(),
      static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(received),
      intact ? "true" : "false", eof ? "true" : "false");
  return intact && eof ? 0 : 4;
}

// Request/response with `size`-byte messages over one connection.
int pingpong(const std::string& endpoint, size_t size, int count, int warmup) {
  int fd = connectTo(endpoint);
  if (fd < 0) {
    return failConnect(endpoint, fd);
  }
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof(one));
  std::vector<char> msg(size, 'x');
  std::vector<char> reply(size);
  std::vector<double> rtts;
  rtts.reserve(static_cast<size_t>(count));
  for (int i = 0; i < warmup + count; ++i) {
    uint64_t start = nowNs();
    if (!writeAll(fd, msg.data(), size)) {
      return 4;
    }
    size_t got = 0;
    while (got < size) {
      ssize_t n = readSome(fd, reply.data() + got, size - got);
      if (n <= 0) {
        return 4;
      }
      got += static_cast<size_t>(n);
    }
    if (i >= warmup) {
      rtts.push_back(static_cast<double>(nowNs() - start) / 1000.0);
    }
  }
  close(fd);
  std::sort(rtts.begin(), rtts.end());
  double sum = 0;
  for (double r : rtts) {
    sum += r;
  }
  auto pct = [&](double p) { return rtts[static_cast<size_t>(p * (rtts.size() - 1))]; };
  std::printf("{\"count\":%zu,\"p50_us\":%.2f,\"p99_us\":%.2f,\"mean_us\":%.2f}\n", rtts.size(),
              pct(0.50), pct(0.99), sum / static_cast<double>(rtts.size()));
  return 0;
}

// Streams `bytes` in `writeSize` writes to a sink server; elapsed time runs until the server's
// EOF, so every byte was delivered.
int stream(const std::string& endpoint, size_t writeSize, uint64_t bytes) {
  int fd = connectTo(endpoint);
  if (fd < 0) {
    return failConnect(endpoint, fd);
  }
  std::vector<char> chunk(writeSize, 'y');
  uint64_t start = nowNs();
  uint64_t sent = 0;
  while (sent < bytes) {
    if (!writeAll(fd, chunk.data(), chunk.size())) {
      return 4;
    }
    sent += chunk.size();
  }
  shutdown(fd, SHUT_WR);
  char c = 0;
  while (readSome(fd, &c, 1) > 0) {
  }
  double seconds = static_cast<double>(nowNs() - start) / 1e9;
  close(fd);
  std::printf("{\"bytes\":%llu,\"seconds\":%.4f,\"bytes_per_second\":%.0f}\n",
              static_cast<unsigned long long>(sent), seconds, static_cast<double>(sent) / seconds);
  return 0;
}

// The demo's traffic: `count` rounds (0 = until killed), each a fresh connection moving `bytes`.
int loop(const std::string& endpoint, uint64_t bytes, int intervalMs, int count) {
  for (int i = 0; count == 0 || i < count; ++i) {
    int rc = check(endpoint, bytes, false);
    std::fflush(stdout);
    if (rc != 0 && rc != 3) {
      return rc;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(intervalMs));
  }
  return 0;
}

}  // namespace weir::echo
