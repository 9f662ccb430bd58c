#include "userspace-proxy/tls/session.h"

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "common/identity/cert_info.h"
#include "common/identity/pem.h"

namespace weir::proxy::tls {

namespace {

// OpenSSL's queued errors; none means the peer just went away.
std::string lastSslError() {
  std::string errors = identity::takeOpensslErrors();
  return errors.empty() ? "connection closed" : errors;
}

std::string_view verifyReason(long v) {
  switch (v) {
    case X509_V_OK:
      return "handshake";
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return "certificate_expired";
    case X509_V_ERR_HOSTNAME_MISMATCH:
      return "identity_mismatch";
    default:
      return "untrusted";
  }
}

int onServerName(SSL* ssl, int* alert, void* arg) {
  auto* view = static_cast<View*>(arg);
  const char* name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  const Credential* c = name != nullptr ? view->find(name) : nullptr;
  if (c == nullptr) {
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  SSL_set_SSL_CTX(ssl, c->server.get());
  return SSL_TLSEXT_ERR_OK;
}

}  // namespace

Result<CtxPtr> serverFront(View& view) {
  CtxPtr ctx(SSL_CTX_new(TLS_server_method()));
  if (!ctx) {
    return plainError("SSL_CTX_new: " + lastSslError());
  }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(ctx.get(), 0);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_tlsext_servername_callback(ctx.get(), onServerName);
  SSL_CTX_set_tlsext_servername_arg(ctx.get(), &view);
  return ctx;
}

Session::Session(SSL* ssl, bool isServer, metrics::Registry* registry)
    : ssl_(ssl),
      rbio_(BIO_new(BIO_s_mem())),
      wbio_(BIO_new(BIO_s_mem())),
      server_(isServer),
      registry_(registry) {
  BIO_set_mem_eof_return(rbio_, -1);
  SSL_set_bio(ssl_, rbio_, wbio_);  // the SSL owns both now
}

Session::~Session() { SSL_free(ssl_); }

std::unique_ptr<Session> Session::client(SSL_CTX* ctx, const std::string& identity,
                                         metrics::Registry* registry) {
  SSL* ssl = SSL_new(ctx);
  SSL_set_connect_state(ssl);
  SSL_set_tlsext_host_name(ssl, identity.c_str());
  SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
  SSL_set1_host(ssl, identity.c_str());
  auto s = std::unique_ptr<Session>(new Session(ssl, false, registry));
  s->peer_ = identity;
  return s;
}

std::unique_ptr<Session> Session::server(SSL_CTX* front, metrics::Registry* registry) {
  SSL* ssl = SSL_new(front);
  SSL_set_accept_state(ssl);
  // SSL_set_SSL_CTX (the SNI callback) does not carry the verify mode over: set it here.
  SSL_set_verify(ssl, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return std::unique_ptr<Session>(new Session(ssl, true, registry));
}

void Session::received(std::span<const char> wire) {
  BIO_write(rbio_, wire.data(), static_cast<int>(wire.size()));
}

void Session::fail(std::string_view reason, std::string detail) {
  state_ = State::kFailed;
  failure_ = std::string(reason) + ": " + detail;
  if (registry_ != nullptr) {
    registry_
        ->counter(kHandshakeFailures,
                  {{"direction", server_ ? "inbound" : "outbound"}, {"reason", std::string(reason)}})
        ->inc();
  }
}

void Session::opened() {
  state_ = State::kOpen;
  if (server_) {
    const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
    local_ = name != nullptr ? name : "";
    X509* peer = SSL_get0_peer_certificate(ssl_);
    auto sans = peer != nullptr ? identity::dnsSans(peer) : std::vector<std::string>{};
    peer_ = sans.empty() ? std::string() : sans.front();
  }
}

io::Transport::State Session::pump(std::string& plain, std::string& wire) {
  if (state_ == State::kHandshaking) {
    int r = SSL_do_handshake(ssl_);
    if (r == 1) {
      opened();
    } else {
      int e = SSL_get_error(ssl_, r);
      if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
        long v = SSL_get_verify_result(ssl_);
        std::string detail = lastSslError();
        std::string_view reason = verifyReason(v);
        if (v != X509_V_OK) {
          detail = X509_verify_cert_error_string(v);
        } else if (detail.find("peer did not return a certificate") != std::string::npos) {
          reason = "no_certificate";
        } else if (server_ && detail.find("callback failed") != std::string::npos) {
          reason = "unknown_identity";
        }
        fail(reason, std::move(detail));
      }
    }
  }
  while (state_ == State::kOpen) {
    size_t old = plain.size();
    plain.resize(old + 16384);
    int n = SSL_read(ssl_, plain.data() + old, 16384);
    if (n > 0) {
      plain.resize(old + static_cast<size_t>(n));
      continue;
    }
    plain.resize(old);
    int e = SSL_get_error(ssl_, n);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_ZERO_RETURN) {
      break;  // all read; or the peer's close_notify (its FIN follows)
    }
    fail("record", lastSslError());
  }
  drainWire(wire);
  return state_;
}

bool Session::seal(std::span<const char> plain, std::string& wire) {
  if (!plain.empty() && SSL_write(ssl_, plain.data(), static_cast<int>(plain.size())) <= 0) {
    ERR_clear_error();
    return false;
  }
  drainWire(wire);
  return true;
}

void Session::closeNotify(std::string& wire) {
  if (state_ == State::kOpen) {
    SSL_shutdown(ssl_);
    drainWire(wire);
  }
}

void Session::drainWire(std::string& wire) {
  size_t pending = BIO_ctrl_pending(wbio_);
  if (pending == 0) {
    return;
  }
  size_t old = wire.size();
  wire.resize(old + pending);
  int n = BIO_read(wbio_, wire.data() + old, static_cast<int>(pending));
  wire.resize(old + (n > 0 ? static_cast<size_t>(n) : 0));
}

}  // namespace weir::proxy::tls
