#include "userspace-proxy/upstream/dialer.h"

#include <cerrno>

#include "userspace-proxy/upstream/connect.h"

namespace weir::proxy::upstream {

void Dialer::start(std::shared_ptr<Picker> picker, transport::Protocol protocol,
                   std::string authority, Options options, std::string sourceIdentity) {
  cancel();
  picker_ = std::move(picker);
  protocol_ = protocol;
  authority_ = std::move(authority);
  options_ = options;
  source_ = std::move(sourceIdentity);
  left_ = options.attempts;
  attempt();
}

void Dialer::attempt() {
  int lastErr = -ENOENT;
  while (left_-- > 0) {
    auto pick = picker_->pick(loop_.now());
    if (!pick) {
      break;
    }
    auto s = connectTo(loop_, *pick->target, protocol_, authority_, this, options_.mtls, source_);
    if (!s) {
      picker_->abandon(*pick);
      lastErr = -(s.error().code != 0 ? s.error().code : EIO);
      continue;
    }
    stream_ = s.value();
    pick_ = std::move(*pick);
    loop_.arm(timeout_, options_.connectTimeout);
    return;
  }
  callback_.onDialFailed(lastErr);
}

void Dialer::failed(int err) {
  if (endpointAtFault(err)) {
    picker_->connectFailed(pick_, loop_.now());
  }
  picker_->abandon(pick_);
  stream_->abandon();
  stream_ = nullptr;
  if (left_ > 0) {
    attempt();
    return;
  }
  callback_.onDialFailed(err);
}

void Dialer::onConnected(io::Stream& s, int err) {
  loop_.timers().cancel(timeout_);
  if (err != 0) {
    failed(err);
    return;
  }
  picker_->connected(pick_);
  stream_ = nullptr;
  s.setHandler(nullptr);
  Pick pick = std::move(pick_);
  callback_.onDialed(s, pick);
}

void Dialer::onTimer(io::Timer&) {
  if (stream_ != nullptr) {
    failed(-ETIMEDOUT);
  }
}

void Dialer::cancel() {
  loop_.timers().cancel(timeout_);
  if (stream_ != nullptr) {
    picker_->abandon(pick_);
    stream_->abandon();
    stream_ = nullptr;
  }
}

}  // namespace weir::proxy::upstream
