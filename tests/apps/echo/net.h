#pragma once

// Small blocking-socket helpers for weir-echo, the workload program of tests, demo and bench.

#include <netinet/in.h>

#include <cstdint>
#include <string>

namespace weir::echo {

// "10.0.0.1:80" (AF_INET) or "[::]:80", "[::ffff:10.0.0.1]:80" (AF_INET6).
bool parseEndpoint(const std::string& text, sockaddr_storage* out, socklen_t* len);
std::string endpointString(const sockaddr_storage& addr);
int listenOn(const std::string& endpoint);      // exits on failure
int connectTo(const std::string& endpoint);     // -errno on failure
bool writeAll(int fd, const char* data, size_t len);
// read(2) that retries EINTR, and EAGAIN on a blocking socket: under an sk_msg ingress redirect
// the kernel's tcp_bpf_recvmsg answers -EAGAIN when a blocking reader is woken by a state change
// (our own FIN being acked) with no redirected data queued.
ssize_t readSome(int fd, void* buf, size_t len);
// The byte at offset i of the deterministic stream used to check integrity and order.
inline char patternByte(uint64_t i) { return static_cast<char>((i * 131 + (i >> 13)) & 0xff); }
uint64_t nowNs();

}  // namespace weir::echo
