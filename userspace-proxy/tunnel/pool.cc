#include "userspace-proxy/tunnel/pool.h"

#include "userspace-proxy/tls/session.h"

namespace weir::proxy::tunnel {

// The loop, and every connection on it, goes with the worker: nothing to tell them.
Pool::~Pool() = default;

Result<io::Stream*> Pool::open(const io::Address& nodeProxy, SSL_CTX* clientCtx,
                               std::string_view clientIdentity, const std::string& serverIdentity,
                               std::string_view authority, io::StreamHandler* handler) {
  std::string key = nodeProxy.str();
  key += '|';
  key += serverIdentity;
  key += '|';
  key += clientIdentity;
  std::vector<Entry>& entries = byKey_[key];
  for (size_t i = 0; i < entries.size();) {
    if (entries[i].ctx != clientCtx) {
      Mux* old = entries[i].mux;  // made with a credential since renewed
      entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(i));
      old->retire();
      continue;
    }
    if (io::Stream* s = entries[i].mux->open(authority, handler)) {
      return s;
    }
    ++i;
  }
  auto carrier = loop_.connect(nodeProxy, nullptr);
  if (!carrier) {
    return carrier.error();
  }
  carrier.value()->setTransport(tls::Session::client(clientCtx, serverIdentity, registry_));
  Mux* mux = Mux::client(loop_, *carrier.value(), registry_, [this](Mux& m) { forget(m); });
  mux->setIdleTimeout(idleTimeout_);
  entries.push_back(Entry{mux, clientCtx});
  io::Stream* s = mux->open(authority, handler);
  if (s == nullptr) {
    return osError(EAGAIN, "a new tunnel connection to " + nodeProxy.str() + " took no stream");
  }
  return s;
}

void Pool::forget(Mux& mux) {
  for (auto it = byKey_.begin(); it != byKey_.end(); ++it) {
    auto& entries = it->second;
    for (size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].mux == &mux) {
        entries.erase(entries.begin() + static_cast<std::ptrdiff_t>(i));
        if (entries.empty()) {
          byKey_.erase(it);
        }
        return;
      }
    }
  }
}

size_t Pool::connections() const {
  size_t n = 0;
  for (const auto& [key, entries] : byKey_) {
    n += entries.size();
  }
  return n;
}

}  // namespace weir::proxy::tunnel
