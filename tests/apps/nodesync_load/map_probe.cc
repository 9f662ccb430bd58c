// weir-map-probe: makes one configuration change and times it, for `tools/bench control`.
//
//   weir-map-probe --map PINNED_WEIR_BACKENDS --metrics HOST:PORT --node NODE [--timeout-ms N]
//
// Reads commands from stdin, one per line:
//
//   change VERSION TMP DEST VIP PORT SLOT WEIGHT_END
//
// and for each: takes CLOCK_REALTIME, renames TMP to DEST (the change), polls the pinned
// weir_backends entry (VIP, PORT, SLOT) every millisecond until its weight_end is WEIGHT_END (the
// kernel reflects the change), then polls weir-control's /metrics at HOST:PORT every millisecond
// until weir_control_nodesync_acked_version{node="NODE"} >= VERSION (the agent acknowledged it;
// the agent acks after writing its maps). Answers one line per command:
//
//   VERSION CHANGE_NS KERNEL_NS ACK_NS      or      VERSION CHANGE_NS timeout kernel|ack
//
// All times are CLOCK_REALTIME nanoseconds.

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>

#include "common/bpfabi/abi.h"

namespace {

constexpr long kPollNs = 1000000;  // 1 ms

struct Options {
  std::string map;
  std::string metricsHost;
  uint16_t metricsPort = 0;
  std::string node;
  uint64_t timeoutNs = 20ull * 1000000000ull;
};

uint64_t realtimeNs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

void sleepPoll() {
  timespec ts{0, kPollNs};
  nanosleep(&ts, nullptr);
}

// The weight_end of the entry, or -1 when it is absent.
int64_t weightEnd(int fd, const weir_backend_key& key) {
  weir_backend value{};
  if (bpf_map_lookup_elem(fd, &key, &value) != 0) {
    return -1;
  }
  return value.weight_end;
}

// weir-control's acked version for the node, or -1 when /metrics cannot be read or lacks it.
int64_t ackedVersion(const Options& options) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return -1;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(options.metricsPort);
  std::string body;
  if (inet_pton(AF_INET, options.metricsHost.c_str(), &addr.sin_addr) == 1 &&
      connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    const std::string request =
        "GET /metrics HTTP/1.1\r\nHost: weir-control\r\nConnection: close\r\n\r\n";
    if (write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size())) {
      char buf[16384];
      ssize_t n = 0;
      while ((n = read(fd, buf, sizeof(buf))) > 0) {
        body.append(buf, static_cast<size_t>(n));
      }
    }
  }
  close(fd);
  const std::string series = "weir_control_nodesync_acked_version{node=\"" + options.node + "\"} ";
  size_t at = body.find("\n" + series);
  if (at == std::string::npos) {
    return -1;
  }
  return std::strtoll(body.c_str() + at + 1 + series.size(), nullptr, 10);
}

// Polls `done` every millisecond until it holds or the timeout passes; returns the time it held,
// or 0.
template <typename Done>
uint64_t pollUntil(uint64_t start, uint64_t timeoutNs, Done done) {
  for (;;) {
    uint64_t now = realtimeNs();
    if (done()) {
      return now;
    }
    if (now - start > timeoutNs) {
      return 0;
    }
    sleepPoll();
  }
}

void change(const Options& options, int mapFd, const std::string& line) {
  std::istringstream in(line);
  std::string verb, tmp, dest, vip;
  unsigned long long version = 0;
  unsigned port = 0, slot = 0, expected = 0;
  if (!(in >> verb >> version >> tmp >> dest >> vip >> port >> slot >> expected) ||
      verb != "change") {
    std::printf("error bad command: %s\n", line.c_str());
    return;
  }
  weir_backend_key key{};
  if (inet_pton(AF_INET, vip.c_str(), &key.vip4) != 1) {
    std::printf("error bad VIP: %s\n", vip.c_str());
    return;
  }
  key.port = static_cast<__u16>(port);
  key.slot = static_cast<__u16>(slot);

  uint64_t changed = realtimeNs();
  if (rename(tmp.c_str(), dest.c_str()) != 0) {
    int err = errno;
    std::printf("error rename %s -> %s: %s\n", tmp.c_str(), dest.c_str(), std::strerror(err));
    return;
  }
  uint64_t kernel = pollUntil(changed, options.timeoutNs, [&] {
    return weightEnd(mapFd, key) == static_cast<int64_t>(expected);
  });
  if (kernel == 0) {
    std::printf("%llu %llu timeout kernel\n", version, static_cast<unsigned long long>(changed));
    return;
  }
  uint64_t acked = pollUntil(changed, options.timeoutNs, [&] {
    return ackedVersion(options) >= static_cast<int64_t>(version);
  });
  if (acked == 0) {
    std::printf("%llu %llu timeout ack\n", version, static_cast<unsigned long long>(changed));
    return;
  }
  std::printf("%llu %llu %llu %llu\n", version, static_cast<unsigned long long>(changed),
              static_cast<unsigned long long>(kernel), static_cast<unsigned long long>(acked));
}

int usage() {
  std::fprintf(stderr,
               "usage: weir-map-probe --map PINNED_WEIR_BACKENDS --metrics HOST:PORT --node NODE "
               "[--timeout-ms N]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) {
      return usage();
    }
    std::string flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--map") {
      options.map = value;
    } else if (flag == "--metrics") {
      size_t colon = value.rfind(':');
      if (colon == std::string::npos) {
        return usage();
      }
      options.metricsHost = value.substr(0, colon);
      options.metricsPort = static_cast<uint16_t>(std::atoi(value.c_str() + colon + 1));
    } else if (flag == "--node") {
      options.node = value;
    } else if (flag == "--timeout-ms") {
      options.timeoutNs = std::strtoull(value.c_str(), nullptr, 10) * 1000000ull;
    } else {
      return usage();
    }
  }
  if (options.map.empty() || options.metricsPort == 0 || options.node.empty()) {
    return usage();
  }
  int mapFd = bpf_obj_get(options.map.c_str());
  if (mapFd < 0) {
    int err = errno;
    std::fprintf(stderr, "map-probe: open pinned map %s: %s\n", options.map.c_str(),
                 std::strerror(err));
    return 1;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty()) {
      change(options, mapFd, line);
    }
  }
  close(mapFd);
  return 0;
}
