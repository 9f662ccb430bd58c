#include "tests/unit/control/kube/fake_api_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cstdlib>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <stdexcept>

namespace weir::control::kube::testing {

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("fake api server: ") + what);
  }
}

std::string reasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 401:
      return "Unauthorized";
    case 404:
      return "Not Found";
    case 410:
      return "Gone";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    default:
      return "Status";
  }
}

bool writeAll(SSL* ssl, const std::string& data) {
  size_t off = 0;
  while (off < data.size()) {
    int n = SSL_write(ssl, data.data() + off, static_cast<int>(data.size() - off));
    if (n <= 0) {
      return false;
    }
    off += static_cast<size_t>(n);
  }
  return true;
}

// Waits until the client closes (or sends more) or the server stops.
void waitForClientOrStop(int fd, int stopFd) {
  pollfd fds[2] = {{fd, POLLIN, 0}, {stopFd, POLLIN, 0}};
  while (::poll(fds, 2, -1) < 0 && errno == EINTR) {
  }
}

}  // namespace

void Gate::open(size_t parts) {
  {
    std::lock_guard lock(mu_);
    permits_ += parts;
  }
  cv_.notify_all();
}

bool Gate::pass(const std::atomic<bool>& stopping) {
  std::unique_lock lock(mu_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (permits_ == 0) {
    if (stopping.load() || std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    cv_.wait_for(lock, std::chrono::milliseconds(20));
  }
  --permits_;
  return true;
}

std::string RecordedRequest::header(const std::string& lowerName) const {
  for (const auto& [name, value] : headers) {
    if (name == lowerName) {
      return value;
    }
  }
  return {};
}

FakeApiServer::FakeApiServer(const TestCert& serverCert, const std::string& clientCaPem) {
  // A client that gives up mid-response must not kill the test binary.
  std::signal(SIGPIPE, SIG_IGN);

  ctx_ = SSL_CTX_new(TLS_server_method());
  check(ctx_ != nullptr, "SSL_CTX_new");
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  BIO* certBio = BIO_new_mem_buf(serverCert.certPem.data(), -1);
  X509* cert = PEM_read_bio_X509(certBio, nullptr, nullptr, nullptr);
  BIO_free(certBio);
  BIO* keyBio = BIO_new_mem_buf(serverCert.keyPem.data(), -1);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(keyBio, nullptr, nullptr, nullptr);
  BIO_free(keyBio);
  check(cert != nullptr && key != nullptr, "parse server cert");
  check(SSL_CTX_use_certificate(ctx_, cert) == 1, "use cert");
  check(SSL_CTX_use_PrivateKey(ctx_, key) == 1, "use key");
  X509_free(cert);
  EVP_PKEY_free(key);
  if (!clientCaPem.empty()) {
    BIO* caBio = BIO_new_mem_buf(clientCaPem.data(), -1);
    X509* ca = PEM_read_bio_X509(caBio, nullptr, nullptr, nullptr);
    BIO_free(caBio);
    check(ca != nullptr, "parse client CA");
    X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx_), ca);
    X509_free(ca);
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  }

  listenFd_.reset(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  check(listenFd_.valid(), "socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  check(::bind(listenFd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0, "bind");
  check(::listen(listenFd_.get(), 16) == 0, "listen");
  socklen_t len = sizeof(addr);
  ::getsockname(listenFd_.get(), reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  stopFd_.reset(::eventfd(0, EFD_CLOEXEC));
  acceptThread_ = std::thread([this] { acceptLoop(); });
}

FakeApiServer::~FakeApiServer() {
  stopping_.store(true);
  uint64_t one = 1;
  [[maybe_unused]] ssize_t n = ::write(stopFd_.get(), &one, sizeof(one));
  acceptThread_.join();
  std::vector<std::thread> connections;
  {
    std::lock_guard lock(mu_);
    connections.swap(connections_);
  }
  for (std::thread& t : connections) {
    t.join();
  }
  SSL_CTX_free(ctx_);
}

void FakeApiServer::push(Reply reply) {
  std::lock_guard lock(mu_);
  script_.push_back(std::move(reply));
}

void FakeApiServer::push(const std::string& path, Reply reply) {
  std::lock_guard lock(mu_);
  pathScripts_[path].push_back(std::move(reply));
}

std::vector<RecordedRequest> FakeApiServer::requests() const {
  std::lock_guard lock(mu_);
  return requests_;
}

bool FakeApiServer::waitForRequests(size_t n) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::seconds(30), [&] { return requests_.size() >= n; });
}

int FakeApiServer::handshakeFailures() const {
  std::lock_guard lock(mu_);
  return handshakeFailures_;
}

void FakeApiServer::acceptLoop() {
  for (;;) {
    pollfd fds[2] = {{listenFd_.get(), POLLIN, 0}, {stopFd_.get(), POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      continue;
    }
    if (fds[1].revents != 0) {
      return;
    }
    UniqueFd fd(::accept4(listenFd_.get(), nullptr, nullptr, SOCK_CLOEXEC));
    if (!fd.valid()) {
      continue;
    }
    std::lock_guard lock(mu_);
    connections_.emplace_back([this, f = std::move(fd)]() mutable { serve(std::move(f)); });
  }
}

void FakeApiServer::serve(UniqueFd fd) {
  timeval tv{10, 0};  // never let a broken test wedge a server thread
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  SSL* ssl = SSL_new(ctx_);
  SSL_set_fd(ssl, fd.get());
  if (SSL_accept(ssl) != 1) {
    ERR_clear_error();
    std::lock_guard lock(mu_);
    ++handshakeFailures_;
    SSL_free(ssl);
    return;
  }

  std::string in;
  char buf[4096];
  while (in.find("\r\n\r\n") == std::string::npos) {
    int n = SSL_read(ssl, buf, sizeof(buf));
    if (n <= 0) {
      SSL_free(ssl);
      return;
    }
    in.append(buf, static_cast<size_t>(n));
  }

  RecordedRequest req;
  std::string_view head(in);
  head = head.substr(0, head.find("\r\n\r\n"));
  std::string_view requestLine = head.substr(0, head.find("\r\n"));
  req.method = std::string(requestLine.substr(0, requestLine.find(' ')));
  size_t targetStart = requestLine.find(' ') + 1;
  req.target = std::string(requestLine.substr(targetStart, requestLine.rfind(' ') - targetStart));
  size_t pos = head.find("\r\n");
  while (pos != std::string_view::npos) {
    size_t next = head.find("\r\n", pos + 2);
    std::string_view line =
        head.substr(pos + 2, next == std::string_view::npos ? next : next - pos - 2);
    size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string name(line.substr(0, colon));
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
      }
      req.headers.emplace_back(std::move(name), std::string(value));
    }
    pos = next;
  }
  size_t length = std::strtoul(req.header("content-length").c_str(), nullptr, 10);
  req.body = in.substr(in.find("\r\n\r\n") + 4);
  while (req.body.size() < length) {
    int n = SSL_read(ssl, buf, sizeof(buf));
    if (n <= 0) {
      SSL_free(ssl);
      return;
    }
    req.body.append(buf, static_cast<size_t>(n));
  }
  if (X509* peer = SSL_get1_peer_certificate(ssl)) {
    char cn[256] = {0};
    X509_NAME_get_text_by_NID(X509_get_subject_name(peer), NID_commonName, cn, sizeof(cn));
    req.clientCertCommonName = cn;
    X509_free(peer);
  }

  Reply reply;
  {
    std::lock_guard lock(mu_);
    auto route = pathScripts_.find(req.target.substr(0, req.target.find('?')));
    std::deque<Reply>& script = route != pathScripts_.end() ? route->second : script_;
    if (script.empty()) {
      reply.chunked = true;
      reply.hang = true;
    } else if (script.front().repeat) {
      reply = script.front();
    } else {
      reply = std::move(script.front());
      script.pop_front();
    }
    requests_.push_back(std::move(req));
  }
  cv_.notify_all();
  send(ssl, fd.get(), reply);
  SSL_free(ssl);
}

void FakeApiServer::send(SSL* ssl, int fd, const Reply& reply) {
  uint64_t audit;
  {
    std::lock_guard lock(mu_);
    audit = ++auditId_;
  }
  char auditId[64];
  std::snprintf(auditId, sizeof(auditId), "5f0e8c2a-41d7-4b8e-9a63-%012llx",
                static_cast<unsigned long long>(audit));
  // The headers kube-apiserver sends on list and watch responses.
  std::string head = "HTTP/1.1 " + std::to_string(reply.status) + " " + reasonPhrase(reply.status) +
                     "\r\nAudit-Id: " + auditId +
                     "\r\nCache-Control: no-cache, private"
                     "\r\nContent-Type: application/json"
                     "\r\nX-Kubernetes-Pf-Flowschema-Uid: 0c3f5e1a-6f5d-4c3e-8d0b-1b9b7f1f2a10"
                     "\r\nX-Kubernetes-Pf-Prioritylevel-Uid: 7e2d9c4b-3a1f-4e6d-9b8c-5d4e3f2a1b0c"
                     "\r\nDate: Tue, 04 Jun 2024 10:00:00 GMT\r\n";
  if (reply.chunked) {
    head += "Transfer-Encoding: chunked\r\n\r\n";
  } else {
    head += "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n" + reply.body;
  }
  auto gatePassed = [&] { return !reply.gate || reply.gate->pass(stopping_); };
  if (!gatePassed() || !writeAll(ssl, head)) {
    return;
  }
  if (reply.chunked) {
    for (const std::string& chunk : reply.chunks) {
      if (!gatePassed()) {
        return;
      }
      char size[20];
      std::snprintf(size, sizeof(size), "%zx\r\n", chunk.size());
      if (!writeAll(ssl, size + chunk + "\r\n")) {
        return;
      }
    }
    if (reply.dropMidStream) {
      ::shutdown(fd, SHUT_RDWR);  // an abrupt close: no last chunk, no close_notify
      return;
    }
    if (!reply.hang && !writeAll(ssl, "0\r\n\r\n")) {
      return;
    }
  }
  if (reply.hang) {
    waitForClientOrStop(fd, stopFd_.get());
    return;
  }
  SSL_shutdown(ssl);
}

}  // namespace weir::control::kube::testing
