// bpf tier: the real programs loaded by the real loader, attached to a throw-away cgroup, driven by
// real connections made in a private network namespace (so a missed rewrite of the VIP fails with
// ENETUNREACH instead of leaving the machine). Needs root; a skip under root is a failure in CI.

#include <arpa/inet.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "agent/kmaps/map_sync.h"
#include "agent/loader/loader.h"
#include "agent/sync/syncer.h"
#include "common/sys/bpffs.h"
#include "common/sys/cgroup.h"
#include "common/sys/mountinfo.h"

namespace weir::agent {
namespace {

constexpr const char* kVip = "10.96.0.1";
constexpr uint16_t kVipPort = 80;

uint32_t ip(const char* text) {
  in_addr a{};
  inet_pton(AF_INET, text, &a);
  return a.s_addr;
}

bool writeFile(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    return false;
  }
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

bool bringLoopbackUp() {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ifreq req{};
  std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
  bool ok = ioctl(fd, SIOCGIFFLAGS, &req) == 0;
  req.ifr_flags |= IFF_UP;
  ok = ok && ioctl(fd, SIOCSIFFLAGS, &req) == 0;
  ::close(fd);
  return ok;
}

// A one-byte message over a pipe, used to step parent and child through the scenario.
void signalPipe(int fd, char c) { ASSERT_EQ(::write(fd, &c, 1), 1); }
char awaitPipe(int fd) {
  char c = 0;
  return ::read(fd, &c, 1) == 1 ? c : 0;
}

uint64_t counter(int fd, uint32_t index) {
  auto all = kmaps::readAllPercpu<uint32_t, uint64_t>(fd, "counters",
                                                      [](uint64_t& s, uint64_t v) { s += v; });
  return all ? all.value()[index] : 0;
}

class FastPathBpfTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) {
      GTEST_SKIP() << "needs root";
    }
    auto mount = sys::findCgroup2Mount();
    ASSERT_TRUE(mount.ok()) << mount.error().str();
    std::string tag = "weir-bpftest-" + std::to_string(getpid());
    cgroupRoot_ = mount.value() + "/" + tag;
    bpffsDir_ = std::string("/sys/fs/bpf/") + tag;
    for (const char* sub : {"", "/client", "/server"}) {
      ASSERT_EQ(::mkdir((cgroupRoot_ + sub).c_str(), 0755), 0) << std::strerror(errno);
    }
    ASSERT_TRUE(sys::ensureBpffs(bpffsDir_).ok());
    auto loaded = loader::Loader::install({bpffsDir_, cgroupRoot_});
    ASSERT_TRUE(loaded.ok()) << loaded.error().str();
    loader_ = std::move(loaded.value());
    syncer_ = std::make_unique<sync::Syncer>(sync::MapFds{
        .config = loader_->mapFd(WEIR_MAP_CONFIG),
        .workloads = loader_->mapFd(WEIR_MAP_WORKLOADS),
        .services = loader_->mapFd(WEIR_MAP_SERVICES),
        .backends = loader_->mapFd(WEIR_MAP_BACKENDS),
        .svcStats = loader_->mapFd(WEIR_MAP_SVC_STATS),
        .authz = loader_->mapFd(WEIR_MAP_AUTHZ),
        .skipOut = loader_->mapFd(WEIR_MAP_SKIP_OUT)});
    ASSERT_TRUE(syncer_->adopt().ok());
    clientId_ = sys::cgroupId(cgroupRoot_ + "/client").value();
    serverId_ = sys::cgroupId(cgroupRoot_ + "/server").value();
  }

  void TearDown() override {
    loader_.reset();
    if (!bpffsDir_.empty()) {
      EXPECT_TRUE(loader::Loader::uninstall({bpffsDir_, cgroupRoot_}).ok());
      EXPECT_FALSE(std::filesystem::exists(bpffsDir_));
    }
    for (const char* sub : {"/client", "/server", ""}) {
      ::rmdir((cgroupRoot_ + sub).c_str());
    }
  }

  // The client cgroup is meshed; VIP:80 has `backends` endpoints on 127.0.0.1:port; no
  // authorization entry, and a default verdict that allows.
  state::DesiredState desired(uint16_t port, int backends) {
    state::DesiredState s;
    s.config.default_verdict = WEIR_AUTHZ_ALLOW;  // as the cluster's all-unauthenticated compiles
    s.workloads[clientId_] = weir_workload{.ip4 = ip("127.0.0.1"), .flags = WEIR_WL_MESHED};
    weir_svc_key key{.vip4 = ip(kVip), .port = kVipPort, .pad = 0};
    for (int i = 1; i <= backends; ++i) {
      s.backends[weir_backend_key{.vip4 = key.vip4, .port = kVipPort,
                                  .slot = static_cast<uint16_t>(i)}] =
          weir_backend{.ip4 = ip("127.0.0.1"), .port = port, .flags = 0,
                       .weight_end = static_cast<uint32_t>(i), .pad1 = 0, .cgroup_id = serverId_};
    }
    s.services[key] = weir_svc{.backend_count = static_cast<uint32_t>(backends),
                               .total_weight = static_cast<uint32_t>(backends), .flags = 0,
                               .pad = 0};
    return s;
  }

  std::string cgroupRoot_;
  std::string bpffsDir_;
  uint64_t clientId_ = 0;
  uint64_t serverId_ = 0;
  std::unique_ptr<loader::Loader> loader_;
  std::unique_ptr<sync::Syncer> syncer_;
};

// Exit codes of the child, one per step that can fail.
enum ChildExit {
  kOk = 0,
  kNetns = 10,
  kCgroup,
  kListen,
  kConnect,
  kPeername,
  kAccept,
  kOrigDst,
  kTransfer,
};

// The child: a private netns; listens in the server cgroup, dials the VIP from the client cgroup,
// checks what both ends see, moves 64 KiB each way, and closes when the parent says so.
int runChild(const std::string& root, int toParent, int fromParent) {
  if (unshare(CLONE_NEWNET) != 0 || !bringLoopbackUp()) {
    return kNetns;
  }
  std::string pid = std::to_string(getpid());
  if (!writeFile(root + "/server/cgroup.procs", pid)) {
    return kCgroup;
  }
  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{.sin_family = AF_INET, .sin_port = 0, .sin_addr = {ip("127.0.0.1")}};
  socklen_t len = sizeof(addr);
  if (bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(lfd, 8) != 0 ||
      getsockname(lfd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return kListen;
  }
  uint16_t port = ntohs(addr.sin_port);
  if (::write(toParent, &port, sizeof(port)) != sizeof(port) || awaitPipe(fromParent) != 'g') {
    return kListen;
  }
  if (!writeFile(root + "/client/cgroup.procs", pid)) {
    return kCgroup;
  }
  int cfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in vip{.sin_family = AF_INET, .sin_port = htons(kVipPort), .sin_addr = {ip(kVip)}};
  if (connect(cfd, reinterpret_cast<sockaddr*>(&vip), sizeof(vip)) != 0) {
    return kConnect;
  }
  sockaddr_in peer{};
  len = sizeof(peer);
  if (getpeername(cfd, reinterpret_cast<sockaddr*>(&peer), &len) != 0 ||
      peer.sin_addr.s_addr != ip(kVip) || ntohs(peer.sin_port) != kVipPort) {
    return kPeername;
  }
  int sfd = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
  if (sfd < 0) {
    return kAccept;
  }
  sockaddr_in orig{};
  len = sizeof(orig);
  if (getsockopt(sfd, SOL_IP, WEIR_SO_ORIGINAL_DST, &orig, &len) != 0 ||
      orig.sin_addr.s_addr != ip(kVip) || ntohs(orig.sin_port) != kVipPort) {
    return kOrigDst;
  }
  char buf[65536];
  for (size_t i = 0; i < sizeof(buf); ++i) {
    buf[i] = static_cast<char>(i * 7);
  }
  char got[65536];
  for (auto [from, to] : {std::pair{cfd, sfd}, std::pair{sfd, cfd}}) {
    if (::write(from, buf, sizeof(buf)) != sizeof(buf)) {
      return kTransfer;
    }
    size_t have = 0;
    while (have < sizeof(got)) {
      ssize_t n = ::read(to, got + have, sizeof(got) - have);
      if (n <= 0) {
        return kTransfer;
      }
      have += static_cast<size_t>(n);
    }
    if (std::memcmp(buf, got, sizeof(buf)) != 0) {
      return kTransfer;
    }
  }
  signalPipe(toParent, 'e');  // established and transferred: parent inspects the maps
  if (awaitPipe(fromParent) != 'c') {
    return kTransfer;
  }
  ::close(cfd);
  ::close(sfd);
  ::close(lfd);
  return kOk;
}

TEST_F(FastPathBpfTest, VipConnectIsSteeredShortCircuitedAndAccounted) {
  int up[2];
  int down[2];
  ASSERT_EQ(pipe2(up, O_CLOEXEC), 0);
  ASSERT_EQ(pipe2(down, O_CLOEXEC), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    _exit(runChild(cgroupRoot_, up[1], down[0]));
  }
  ::close(up[1]);  // a child that dies early then ends the parent's reads instead of hanging them
  ::close(down[0]);
  uint16_t port = 0;
  ASSERT_EQ(::read(up[0], &port, sizeof(port)), static_cast<ssize_t>(sizeof(port)));
  auto applied = syncer_->apply(desired(port, 3));
  ASSERT_TRUE(applied.ok()) << applied.error().str();
  EXPECT_EQ(applied.value().updated, 6u);  // config + workload + 3 backends + service
  signalPipe(down[1], 'g');

  int countersFd = loader_->mapFd(WEIR_MAP_COUNTERS);
  EXPECT_EQ(awaitPipe(up[0]), 'e');
  auto conns = kmaps::readAll<weir_sock_key, weir_conn>(loader_->mapFd(WEIR_MAP_CONNS), "conns");
  ASSERT_TRUE(conns.ok());
  ASSERT_EQ(conns.value().size(), 2u);
  for (const auto& [key, conn] : conns.value()) {
    bool outbound = conn.direction == WEIR_DIR_OUTBOUND;
    EXPECT_EQ(conn.cgroup_id, outbound ? clientId_ : serverId_);
    EXPECT_EQ(conn.peer_cgroup_id, outbound ? serverId_ : clientId_);
    EXPECT_EQ(conn.svc_vip4, ip(kVip));
    EXPECT_EQ(conn.bytes_out, 65536u);
    EXPECT_EQ(conn.flags & WEIR_CONN_PASSTHROUGH, 0u);
    EXPECT_EQ(outbound ? key.remote_port : key.local_port, port);
  }
  EXPECT_EQ(counter(countersFd, WEIR_CTR_CONNECT_REWRITTEN), 1u);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_SOCK_ADDED), 2u);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_ORIGDST_ANSWERED), 1u);
  EXPECT_GE(counter(countersFd, WEIR_CTR_PEERNAME_REWRITTEN), 1u);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_BYTES_REDIRECTED), 131072u);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_MSG_PASSED), 0u);

  signalPipe(down[1], 'c');
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), kOk);

  // Closed: the per-connection entries are gone, their totals moved into weir_traffic.
  auto after = kmaps::readAll<weir_sock_key, weir_conn>(loader_->mapFd(WEIR_MAP_CONNS), "conns");
  EXPECT_TRUE(after.ok() && after.value().empty());
  auto traffic = kmaps::readAllPercpu<weir_traffic_key, weir_traffic>(
      loader_->mapFd(WEIR_MAP_TRAFFIC), "traffic", [](weir_traffic& s, const weir_traffic& v) {
        s.opens += v.opens;
        s.closes += v.closes;
        s.bytes_out += v.bytes_out;
        s.bytes_in += v.bytes_in;
      });
  ASSERT_TRUE(traffic.ok());
  ASSERT_EQ(traffic.value().size(), 2u);
  for (const auto& [key, t] : traffic.value()) {
    EXPECT_EQ(t.opens, 1u);
    EXPECT_EQ(t.closes, 1u);
    EXPECT_EQ(t.bytes_out, 65536u);
    EXPECT_EQ(t.bytes_in, 65536u);
    EXPECT_EQ(key.cgroup_id, key.direction == WEIR_DIR_OUTBOUND ? clientId_ : serverId_);
  }
  EXPECT_EQ(counter(countersFd, WEIR_CTR_SOCK_CLOSED), 2u);
}

// Runs `connect(VIP)` from the given cgroup in a private netns and returns the errno (0 = ok).
int connectErrnoFrom(const std::string& cgroupDir) {
  pid_t child = fork();
  if (child == 0) {
    if (unshare(CLONE_NEWNET) != 0 || !bringLoopbackUp() ||
        !writeFile(cgroupDir + "/cgroup.procs", std::to_string(getpid()))) {
      _exit(255);
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in vip{.sin_family = AF_INET, .sin_port = htons(kVipPort), .sin_addr = {ip(kVip)}};
    _exit(connect(fd, reinterpret_cast<sockaddr*>(&vip), sizeof(vip)) == 0 ? 0 : errno);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(FastPathBpfTest, UnmeshedCgroupIsNotRewritten) {
  ASSERT_TRUE(syncer_->apply(desired(9, 1)).ok());
  EXPECT_EQ(connectErrnoFrom(cgroupRoot_ + "/server"), ENETUNREACH);
  EXPECT_EQ(counter(loader_->mapFd(WEIR_MAP_COUNTERS), WEIR_CTR_CONNECT_MESHED), 0u);
}

TEST_F(FastPathBpfTest, ServiceWithoutEndpointsRefusesTheConnect) {
  ASSERT_TRUE(syncer_->apply(desired(9, 0)).ok());
  EXPECT_EQ(connectErrnoFrom(cgroupRoot_ + "/client"), ECONNREFUSED);
  EXPECT_EQ(counter(loader_->mapFd(WEIR_MAP_COUNTERS), WEIR_CTR_CONNECT_NO_BACKEND), 1u);
}

// weir_authz: a local endpoint is reached only when the client's entry, else the port's entry
// for every client, else the node's default verdict allows it. Port 9 has no listener: an
// allowed connect reaches TCP and is refused there (ECONNREFUSED); a denied one never leaves
// connect4 (EPERM).
TEST_F(FastPathBpfTest, AuthorizationDecidesConnectsToLocalEndpoints) {
  constexpr uint16_t kPort = 9;
  int countersFd = loader_->mapFd(WEIR_MAP_COUNTERS);
  auto withAuthz = [&](uint32_t defaultVerdict, std::vector<std::pair<uint64_t, uint32_t>> rules) {
    state::DesiredState s = desired(kPort, 1);
    s.config.default_verdict = defaultVerdict;
    for (auto [client, verdict] : rules) {
      s.authz[weir_authz_key{.server_cgroup_id = serverId_, .client_cgroup_id = client,
                             .port = kPort, .pad0 = 0, .pad1 = 0}] = weir_authz{verdict};
    }
    auto applied = syncer_->apply(s);
    ASSERT_TRUE(applied.ok()) << applied.error().str();
  };
  auto denied = [&] {
    auto all = kmaps::readAllPercpu<weir_svc_key, weir_svc_stats>(
        loader_->mapFd(WEIR_MAP_SVC_STATS), "svc_stats",
        [](weir_svc_stats& s, const weir_svc_stats& v) { s.denied += v.denied; });
    return all && !all.value().empty() ? all.value().begin()->second.denied : 0;
  };
  std::string client = cgroupRoot_ + "/client";

  // The client's own DENY entry, although the port allows everyone else.
  withAuthz(WEIR_AUTHZ_ALLOW, {{0, WEIR_AUTHZ_ALLOW}, {clientId_, WEIR_AUTHZ_DENY}});
  EXPECT_EQ(connectErrnoFrom(client), EPERM);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_AUTHZ_DENIED), 1u);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_CONNECT_REWRITTEN), 0u);
  EXPECT_EQ(denied(), 1u);

  // The client's own ALLOW entry, although the port denies everyone else.
  withAuthz(WEIR_AUTHZ_DENY, {{0, WEIR_AUTHZ_DENY}, {clientId_, WEIR_AUTHZ_ALLOW}});
  EXPECT_EQ(connectErrnoFrom(client), ECONNREFUSED);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_CONNECT_REWRITTEN), 1u);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_AUTHZ_DENIED), 1u);

  // No entry of its own: the port's entry for every client.
  withAuthz(WEIR_AUTHZ_ALLOW, {{0, WEIR_AUTHZ_DENY}});
  EXPECT_EQ(connectErrnoFrom(client), EPERM);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_AUTHZ_DENIED), 2u);

  // No entry at all: the node's default verdict.
  withAuthz(WEIR_AUTHZ_DENY, {});
  EXPECT_EQ(connectErrnoFrom(client), EPERM);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_AUTHZ_DENIED), 3u);
  withAuthz(WEIR_AUTHZ_ALLOW, {});
  EXPECT_EQ(connectErrnoFrom(client), ECONNREFUSED);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_CONNECT_REWRITTEN), 2u);

  // PROXY without a node proxy is refused; with one, the connection goes to it.
  withAuthz(WEIR_AUTHZ_PROXY, {});
  EXPECT_EQ(connectErrnoFrom(client), EPERM);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_AUTHZ_NO_PROXY), 1u);
  EXPECT_EQ(denied(), 4u);
  state::DesiredState proxied = desired(kPort, 1);
  proxied.config.proxy_ip4 = ip("127.0.0.1");
  proxied.config.proxy_port = 10;
  proxied.config.default_verdict = WEIR_AUTHZ_PROXY;
  ASSERT_TRUE(syncer_->apply(proxied).ok());
  EXPECT_EQ(connectErrnoFrom(client), ECONNREFUSED);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_AUTHZ_TO_PROXY), 1u);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_CONNECT_TO_PROXY), 1u);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_AUTHZ_DENIED) + counter(countersFd, WEIR_CTR_AUTHZ_NO_PROXY),
            4u);

  // A remote endpoint (no cgroup here) is not the kernel's to judge: the remote proxy is.
  state::DesiredState remote = desired(kPort, 1);
  remote.config.default_verdict = WEIR_AUTHZ_DENY;
  for (auto& [key, backend] : remote.backends) {
    backend.cgroup_id = 0;
  }
  ASSERT_TRUE(syncer_->apply(remote).ok());
  EXPECT_EQ(connectErrnoFrom(client), ECONNREFUSED);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_AUTHZ_DENIED), 3u);
}

TEST_F(FastPathBpfTest, SkipOutboundPortsBypassTheProxy) {
  constexpr uint16_t kPort = 9;  // nothing listens: a connect reaching the endpoint is refused
  int countersFd = loader_->mapFd(WEIR_MAP_COUNTERS);
  std::string client = cgroupRoot_ + "/client";
  // The service wants the node proxy (127.0.0.1:10, where nothing listens either).
  state::DesiredState s = desired(kPort, 1);
  s.config.proxy_ip4 = ip("127.0.0.1");
  s.config.proxy_port = 10;
  for (auto& [key, svc] : s.services) {
    svc.flags = WEIR_SVC_TO_PROXY;
  }
  ASSERT_TRUE(syncer_->apply(s).ok());
  EXPECT_EQ(connectErrnoFrom(client), ECONNREFUSED);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_CONNECT_TO_PROXY), 1u);

  // The client skips the VIP's port: the kernel picks the endpoint itself, no proxy.
  s.skipOut[weir_skip_key{.cgroup_id = clientId_, .port = kVipPort, .pad0 = 0, .pad1 = 0}] =
      weir_skip{};
  s.workloads[clientId_].flags |= WEIR_WL_SKIP_OUT;
  ASSERT_TRUE(syncer_->apply(s).ok());
  uint64_t rewritten = counter(countersFd, WEIR_CTR_CONNECT_REWRITTEN);
  EXPECT_EQ(connectErrnoFrom(client), ECONNREFUSED);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_CONNECT_TO_PROXY), 1u) << "not to the proxy again";
  EXPECT_EQ(counter(countersFd, WEIR_CTR_CONNECT_REWRITTEN), rewritten + 1) << "to the endpoint";

  // Another port of the same client is not skipped (the flag alone decides nothing).
  s.skipOut.clear();
  s.skipOut[weir_skip_key{.cgroup_id = clientId_, .port = 3306, .pad0 = 0, .pad1 = 0}] =
      weir_skip{};
  ASSERT_TRUE(syncer_->apply(s).ok());
  EXPECT_EQ(connectErrnoFrom(client), ECONNREFUSED);
  EXPECT_EQ(counter(countersFd, WEIR_CTR_CONNECT_TO_PROXY), 2u);
}

TEST_F(FastPathBpfTest, SyncWritesOnlyDifferencesAndAdoptsPinnedState) {
  ASSERT_TRUE(syncer_->apply(desired(9, 3)).ok());
  auto again = syncer_->apply(desired(9, 3));
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again.value().updated, 0u);
  EXPECT_EQ(again.value().deleted, 0u);
  auto shrink = syncer_->apply(desired(9, 2));
  ASSERT_TRUE(shrink.ok());
  EXPECT_EQ(shrink.value().updated, 1u);  // the service's count and total weight
  EXPECT_EQ(shrink.value().deleted, 1u);  // slot 3

  // A second loader on the same pins adopts them: the maps keep their entries.
  auto second = loader::Loader::install({bpffsDir_, cgroupRoot_});
  ASSERT_TRUE(second.ok()) << second.error().str();
  EXPECT_TRUE(second.value()->adopted());
  sync::Syncer adopter(sync::MapFds{.config = second.value()->mapFd(WEIR_MAP_CONFIG),
                                    .workloads = second.value()->mapFd(WEIR_MAP_WORKLOADS),
                                    .services = second.value()->mapFd(WEIR_MAP_SERVICES),
                                    .backends = second.value()->mapFd(WEIR_MAP_BACKENDS),
                                    .svcStats = second.value()->mapFd(WEIR_MAP_SVC_STATS),
                                    .authz = second.value()->mapFd(WEIR_MAP_AUTHZ),
                                    .skipOut = second.value()->mapFd(WEIR_MAP_SKIP_OUT)});
  ASSERT_TRUE(adopter.adopt().ok());
  auto adopted = adopter.apply(desired(9, 2));
  ASSERT_TRUE(adopted.ok());
  EXPECT_EQ(adopted.value().updated, 0u);
  EXPECT_EQ(adopted.value().deleted, 0u);
}

}  // namespace
}  // namespace weir::agent
