#include "control/kube/tls_context.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "common/identity/pem.h"

namespace weir::control::kube {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

BioPtr memBio(const std::string& pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

Error sslError(const ClusterConfig& config, const std::string& what) {
  std::string detail = identity::takeOpensslErrors();
  return plainError(config.source + ": " + what + (detail.empty() ? "" : ": " + detail));
}

Status addCaBundle(const ClusterConfig& config, SSL_CTX* ctx) {
  BioPtr bio = memBio(config.caPem);
  X509_STORE* store = SSL_CTX_get_cert_store(ctx);
  int added = 0;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    int ok = X509_STORE_add_cert(store, cert);
    X509_free(cert);
    if (ok != 1) {
      return sslError(config, "add CA certificate");
    }
    ++added;
  }
  ERR_clear_error();  // the loop ends on a "no start line" error
  if (added == 0) {
    return plainError(config.source + ": CA bundle: no PEM certificate found");
  }
  return {};
}

Status useClientCertificate(const ClusterConfig& config, SSL_CTX* ctx) {
  BioPtr certBio = memBio(config.clientCertPem);
  X509* leaf = PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr);
  if (leaf == nullptr) {
    return sslError(config, "client certificate");
  }
  int ok = SSL_CTX_use_certificate(ctx, leaf);
  X509_free(leaf);
  if (ok != 1) {
    return sslError(config, "client certificate");
  }
  // Intermediates after the leaf, if any.
  while (X509* extra = PEM_read_bio_X509(certBio.get(), nullptr, nullptr, nullptr)) {
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
      X509_free(extra);
      return sslError(config, "client certificate chain");
    }
  }
  ERR_clear_error();

  BioPtr keyBio = memBio(config.clientKeyPem);
  EVP_PKEY* key = PEM_read_bio_PrivateKey(keyBio.get(), nullptr, nullptr, nullptr);
  if (key == nullptr) {
    return sslError(config, "client key");
  }
  ok = SSL_CTX_use_PrivateKey(ctx, key);
  EVP_PKEY_free(key);
  if (ok != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    return sslError(config, "client key does not match the client certificate");
  }
  return {};
}

}  // namespace

Result<SslCtxPtr> makeClientContext(const ClusterConfig& config) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) {
    return sslError(config, "create TLS context");
  }
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // HTTP framing (chunked, Content-Length) detects truncation; a peer that closes without
  // close_notify is an ordinary end of stream here.
  SSL_CTX_set_options(ctx.get(), SSL_OP_IGNORE_UNEXPECTED_EOF);

  if (config.insecureSkipTlsVerify) {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  } else {
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
    if (!config.caPem.empty()) {
      if (auto st = addCaBundle(config, ctx.get()); !st) {
        return st.error();
      }
    } else if (SSL_CTX_set_default_verify_paths(ctx.get()) != 1) {
      return sslError(config, "load the system CA roots");
    }
  }
  if (!config.clientCertPem.empty()) {
    if (auto st = useClientCertificate(config, ctx.get()); !st) {
      return st.error();
    }
  }
  return ctx;
}

}  // namespace weir::control::kube
