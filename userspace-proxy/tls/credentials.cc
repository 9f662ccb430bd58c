#include "userspace-proxy/tls/credentials.h"

#include <openssl/err.h>
#include <openssl/x509.h>

#include "common/identity/pem.h"

namespace weir::proxy::tls {

namespace {

// Frees the stack only: its certificates belong to `intermediates`.
struct StackFree {
  void operator()(STACK_OF(X509) * s) const { sk_X509_free(s); }
};

std::string sslError(std::string_view what) {
  return std::string(what) + ": " + identity::takeOpensslErrors();
}

// TLS 1.3 only, no session tickets (connections between proxies are pooled instead).
Result<CtxPtr> baseContext(const SSL_METHOD* method, X509_STORE* anchors) {
  CtxPtr ctx(SSL_CTX_new(method));
  if (!ctx) {
    return plainError(sslError("SSL_CTX_new"));
  }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_3_VERSION);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_TICKET);
  SSL_CTX_set_num_tickets(ctx.get(), 0);
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  SSL_CTX_set1_cert_store(ctx.get(), anchors);
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_RELEASE_BUFFERS);
  return ctx;
}

Status present(SSL_CTX* ctx, X509* leaf, EVP_PKEY* key, STACK_OF(X509) * chain) {
  if (SSL_CTX_use_cert_and_key(ctx, leaf, key, chain, 1) != 1) {
    return plainError(sslError("certificate and key"));
  }
  return {};
}

Result<std::shared_ptr<X509_STORE>> parseAnchors(std::string_view anchorsPem) {
  auto certs = identity::parseCertsPem(anchorsPem);
  if (!certs) {
    return certs.error();
  }
  std::shared_ptr<X509_STORE> store(X509_STORE_new(), X509_STORE_free);
  for (auto& c : certs.value()) {
    if (X509_STORE_add_cert(store.get(), c.get()) != 1) {
      return plainError(sslError("trust anchor"));
    }
  }
  return store;
}

}  // namespace

Result<CtxPtr> anchoredClient(std::string_view anchorsPem) {
  auto anchors = parseAnchors(anchorsPem);
  if (!anchors) {
    return anchors.error();
  }
  auto ctx = baseContext(TLS_client_method(), anchors.value().get());
  if (!ctx) {
    return ctx.error();
  }
  SSL_CTX_set_verify(ctx.value().get(), SSL_VERIFY_PEER, nullptr);
  static constexpr unsigned char kH2[] = {2, 'h', '2'};
  if (SSL_CTX_set_alpn_protos(ctx.value().get(), kH2, sizeof(kH2)) != 0) {
    return plainError(sslError("ALPN"));
  }
  return ctx;
}

Result<std::unique_ptr<Store>> Store::create(std::string_view anchorsPem) {
  auto anchors = parseAnchors(anchorsPem);
  if (!anchors) {
    return anchors.error();
  }
  std::unique_ptr<Store> s(new Store());
  auto snap = std::make_shared<Snapshot>();
  snap->anchors = std::move(anchors.value());
  s->publish(std::move(snap));
  return s;
}

Status Store::setAnchors(std::string_view anchorsPem) {
  auto anchors = parseAnchors(anchorsPem);
  if (!anchors) {
    return anchors.error();
  }
  auto next = std::make_shared<Snapshot>(*snapshot());
  next->anchors = std::move(anchors.value());
  publish(std::move(next));
  return {};
}

Result<std::shared_ptr<const Credential>> Store::build(
    std::string identity, EVP_PKEY* key, std::string_view leafDer,
    const std::vector<std::string>& chainDer) const {
  auto leaf = identity::certFromDer(leafDer);
  if (!leaf) {
    return leaf.error();
  }
  std::vector<identity::X509Ptr> intermediates;
  std::unique_ptr<STACK_OF(X509), StackFree> chain(sk_X509_new_null());
  for (const auto& der : chainDer) {
    auto c = identity::certFromDer(der);
    if (!c) {
      return c.error();
    }
    sk_X509_push(chain.get(), c.value().get());
    intermediates.push_back(std::move(c.value()));
  }
  std::shared_ptr<X509_STORE> anchors = snapshot()->anchors;
  // The chain must verify before it is presented to anyone.
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> vctx(X509_STORE_CTX_new(),
                                                                     X509_STORE_CTX_free);
  X509_STORE_CTX_init(vctx.get(), anchors.get(), leaf.value().get(), chain.get());
  if (X509_verify_cert(vctx.get()) != 1) {
    return plainError("certificate for " + identity + " does not verify: " +
                      X509_verify_cert_error_string(X509_STORE_CTX_get_error(vctx.get())));
  }
  auto client = baseContext(TLS_client_method(), anchors.get());
  auto server = baseContext(TLS_server_method(), anchors.get());
  if (!client || !server) {
    return !client ? client.error() : server.error();
  }
  for (SSL_CTX* ctx : {client.value().get(), server.value().get()}) {
    if (auto st = present(ctx, leaf.value().get(), key, chain.get()); !st) {
      return st.error();
    }
  }
  SSL_CTX_set_verify(client.value().get(), SSL_VERIFY_PEER, nullptr);
  SSL_CTX_set_verify(server.value().get(), SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT,
                     nullptr);
  auto c = std::make_shared<Credential>();
  c->identity = std::move(identity);
  c->client = std::move(client.value());
  c->server = std::move(server.value());
  const ASN1_TIME* na = X509_get0_notAfter(leaf.value().get());
  struct tm t {};
  ASN1_TIME_to_tm(na, &t);
  c->notAfterUnix = timegm(&t);
  return std::shared_ptr<const Credential>(std::move(c));
}

void Store::publish(std::shared_ptr<Snapshot> next) {
  std::lock_guard lock(mu_);
  current_ = std::move(next);
  version_.fetch_add(1, std::memory_order_acq_rel);
}

void Store::put(std::shared_ptr<const Credential> c) {
  auto next = std::make_shared<Snapshot>(*snapshot());
  next->byIdentity[c->identity] = std::move(c);
  publish(std::move(next));
}

void Store::remove(const std::string& identity) {
  auto next = std::make_shared<Snapshot>(*snapshot());
  if (next->byIdentity.erase(identity) > 0) {
    publish(std::move(next));
  }
}

std::shared_ptr<const Snapshot> Store::snapshot() const {
  std::lock_guard lock(mu_);
  return current_;
}

const Snapshot& View::current() {
  uint64_t v = store_.version();
  if (v != version_) {
    snapshot_ = store_.snapshot();
    version_ = v;
  }
  return *snapshot_;
}

const Credential* View::find(std::string_view identity) {
  const Snapshot& s = current();
  auto it = s.byIdentity.find(identity);
  return it == s.byIdentity.end() ? nullptr : it->second.get();
}

}  // namespace weir::proxy::tls
