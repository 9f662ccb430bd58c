#include "userspace-proxy/kernel/orig_dst.h"

#include <bpf/bpf.h>
#include <linux/netfilter_ipv4.h>
#include <sys/socket.h>

#include "common/bpfabi/abi.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

namespace weir::proxy::kernel {

OrigDst::OrigDst(const std::string& bpffsDir) {
  std::string path = bpffsDir + "/" + WEIR_MAP_ORIG_DST;
  int fd = bpf_obj_get(path.c_str());
  if (fd >= 0) {
    map_.reset(fd);
  }
}

std::optional<Origin> OrigDst::lookup(int fd) const {
  auto client = io::peerAddress(fd);
  auto local = io::localAddress(fd);
  if (!client || !local) {
    return std::nullopt;
  }
  if (map_.valid()) {
    uint64_t netns = 0;
    socklen_t len = sizeof netns;
    if (::getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, &netns, &len) == 0) {
      // The client's view of the connection: its end is the local one.
      weir_sock_key key{.netns = netns,
                        .local_ip4 = client->ip4,
                        .remote_ip4 = local->ip4,
                        .local_port = client->port,
                        .remote_port = local->port};
      weir_orig_dst value{};
      if (bpf_map_lookup_elem(map_.get(), &key, &value) == 0) {
        return Origin{io::Address{value.ip4, value.port}, value.cgroup_id};
      }
    }
  }
  sockaddr_in sa{};
  socklen_t len = sizeof sa;
  if (::getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &sa, &len) != 0) {
    return std::nullopt;
  }
  io::Address dst{sa.sin_addr.s_addr, ntohs(sa.sin_port)};
  if (dst == *local) {
    return std::nullopt;
  }
  return Origin{dst, 0};
}

}  // namespace weir::proxy::kernel
