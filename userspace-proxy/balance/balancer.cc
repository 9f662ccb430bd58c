#include "userspace-proxy/balance/balancer.h"

#include <algorithm>
#include <unordered_map>
#include <utility>

namespace weir::proxy::balance {
namespace {

// Weighted draws tried before falling back to a scan over the eligible endpoints (needed only
// when most of the weight is in backoff or is the excluded first choice).
constexpr int kDrawAttempts = 8;

uint64_t addressKey(Address addr) { return (static_cast<uint64_t>(addr.ip4) << 16) | addr.port; }

// min(base * 2^(failures-1), max), without overflowing.
std::chrono::nanoseconds backoffDelay(uint32_t failures, const Options& options) {
  std::chrono::nanoseconds delay = std::max(options.backoffBase, std::chrono::nanoseconds(0));
  for (uint32_t i = 1; i < failures && delay.count() > 0 && delay < options.backoffMax; ++i) {
    delay = delay > options.backoffMax / 2 ? options.backoffMax : delay * 2;
  }
  return std::min(delay, options.backoffMax);
}

}  // namespace

Balancer::Balancer(Algorithm algorithm, uint64_t seed, Options options)
    : algorithm_(algorithm), options_(options), rngState_(seed) {}

void Balancer::update(std::span<const EndpointSpec> endpoints, TimePoint now) {
  std::unordered_map<uint64_t, uint32_t> live;  // address -> slot, current and draining
  live.reserve(slots_.size() + endpoints.size());
  for (uint32_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].state != State::kFree) {
      live.emplace(addressKey(slots_[i].addr), i);
    }
  }
  // Sized for every slot that can exist once the new endpoints are allocated.
  std::vector<uint8_t> listed(slots_.size() + endpoints.size(), 0);

  candidates_.clear();
  cumulativeWeight_.clear();
  size_ = 0;
  uint64_t totalWeight = 0;
  for (const EndpointSpec& spec : endpoints) {
    auto [it, inserted] = live.try_emplace(addressKey(spec.addr), 0);
    if (!inserted && listed[it->second] != 0) {
      continue;  // repeated address: the first entry wins
    }
    if (inserted) {
      it->second = allocate(spec.addr, now);
    }
    const uint32_t index = it->second;
    listed[index] = 1;
    Slot& slot = slots_[index];
    slot.state = State::kActive;
    slot.weight = spec.weight;
    ++size_;
    if (spec.weight > 0) {
      totalWeight += spec.weight;
      candidates_.push_back(index);
      cumulativeWeight_.push_back(totalWeight);
    }
  }

  for (uint32_t i = 0; i < slots_.size(); ++i) {
    Slot& slot = slots_[i];
    if (listed[i] != 0 || slot.state == State::kFree) {
      continue;
    }
    if (slot.pending == 0) {
      release(i);
    } else {
      slot.state = State::kDraining;
    }
  }
  freeSlots_.reserve(slots_.size());
  if (cursor_ >= candidates_.size()) {
    cursor_ = 0;
  }
}

std::optional<Pick> Balancer::pick(TimePoint now) {
  if (candidates_.empty()) {
    return std::nullopt;
  }
  const std::optional<size_t> pos =
      algorithm_ == Algorithm::kRoundRobin ? pickRoundRobin(now) : pickTwoChoices(now);
  if (!pos) {
    return std::nullopt;
  }
  const uint32_t index = candidates_[*pos];
  Slot& slot = slots_[index];
  ++slot.pending;
  if (slot.failures > 0) {
    slot.probing = true;
  }
  return Pick{Handle{index, slot.generation}, slot.addr};
}

void Balancer::finish(Handle handle, std::chrono::nanoseconds latency, TimePoint now) {
  Slot* slot = find(handle);
  if (slot == nullptr || slot->pending == 0) {
    return;
  }
  slot->ewma.observe(latency, now, options_.ewmaDecay);
  endRequest(*slot, handle.index);
}

void Balancer::abandon(Handle handle) {
  Slot* slot = find(handle);
  if (slot == nullptr || slot->pending == 0) {
    return;
  }
  endRequest(*slot, handle.index);
}

void Balancer::connected(Handle handle) {
  Slot* slot = find(handle);
  if (slot == nullptr) {
    return;
  }
  slot->failures = 0;
  slot->probing = false;
  slot->retryAt = {};
}

void Balancer::connectFailed(Handle handle, TimePoint now) {
  Slot* slot = find(handle);
  if (slot == nullptr) {
    return;
  }
  if (slot->failures < UINT32_MAX) {
    ++slot->failures;
  }
  slot->probing = false;
  const std::chrono::nanoseconds delay = backoffDelay(slot->failures, options_);
  const auto jitterNs = static_cast<uint64_t>(static_cast<double>(delay.count()) *
                                              std::clamp(options_.backoffJitter, 0.0, 1.0));
  const auto jitter = std::chrono::nanoseconds(jitterNs > 0 ? randomBelow(jitterNs + 1) : 0);
  slot->retryAt = now + delay + jitter;
}

size_t Balancer::draining() const {
  return static_cast<size_t>(std::count_if(slots_.begin(), slots_.end(), [](const Slot& slot) {
    return slot.state == State::kDraining;
  }));
}

bool Balancer::contains(Handle handle) const { return find(handle) != nullptr; }

std::optional<EndpointStats> Balancer::stats(Handle handle) const {
  const Slot* slot = find(handle);
  if (slot == nullptr) {
    return std::nullopt;
  }
  return snapshot(*slot);
}

std::optional<EndpointStats> Balancer::stats(Address addr) const {
  for (const Slot& slot : slots_) {
    if (slot.state != State::kFree && slot.addr == addr) {
      return snapshot(slot);
    }
  }
  return std::nullopt;
}

Balancer::Slot* Balancer::find(Handle handle) {
  return const_cast<Slot*>(std::as_const(*this).find(handle));
}

const Balancer::Slot* Balancer::find(Handle handle) const {
  if (handle.index >= slots_.size()) {
    return nullptr;
  }
  const Slot& slot = slots_[handle.index];
  if (slot.state == State::kFree || slot.generation != handle.generation) {
    return nullptr;
  }
  return &slot;
}

uint32_t Balancer::allocate(Address addr, TimePoint now) {
  uint32_t index = 0;
  if (freeSlots_.empty()) {
    index = static_cast<uint32_t>(slots_.size());
    slots_.emplace_back();
  } else {
    index = freeSlots_.back();
    freeSlots_.pop_back();
  }
  Slot& slot = slots_[index];
  const uint32_t generation = slot.generation;
  slot = Slot{};
  slot.generation = generation;
  slot.addr = addr;
  slot.state = State::kActive;
  slot.ewma = PeakEwma(options_.defaultRtt, now);
  return index;
}

void Balancer::release(uint32_t index) {
  Slot& slot = slots_[index];
  slot.state = State::kFree;
  ++slot.generation;  // outstanding copies of old handles no longer match
  freeSlots_.push_back(index);
}

void Balancer::endRequest(Slot& slot, uint32_t index) {
  --slot.pending;
  slot.probing = false;
  if (slot.state == State::kDraining && slot.pending == 0) {
    release(index);
  }
}

bool Balancer::eligible(const Slot& slot, TimePoint now) const {
  return slot.failures == 0 || (!slot.probing && now >= slot.retryAt);
}

double Balancer::cost(const Slot& slot, TimePoint now) const {
  return slot.ewma.estimateNs(now, options_.ewmaDecay) * static_cast<double>(slot.pending + 1);
}

std::optional<size_t> Balancer::draw(TimePoint now, size_t exclude) {
  const uint64_t totalWeight = cumulativeWeight_.back();
  for (int attempt = 0; attempt < kDrawAttempts; ++attempt) {
    const uint64_t r = randomBelow(totalWeight);
    const auto pos = static_cast<size_t>(
        std::upper_bound(cumulativeWeight_.begin(), cumulativeWeight_.end(), r) -
        cumulativeWeight_.begin());
    if (pos != exclude && eligible(slots_[candidates_[pos]], now)) {
      return pos;
    }
  }
  uint64_t eligibleWeight = 0;
  for (size_t pos = 0; pos < candidates_.size(); ++pos) {
    const Slot& slot = slots_[candidates_[pos]];
    if (pos != exclude && eligible(slot, now)) {
      eligibleWeight += slot.weight;
    }
  }
  if (eligibleWeight == 0) {
    return std::nullopt;
  }
  uint64_t r = randomBelow(eligibleWeight);
  for (size_t pos = 0; pos < candidates_.size(); ++pos) {
    const Slot& slot = slots_[candidates_[pos]];
    if (pos == exclude || !eligible(slot, now)) {
      continue;
    }
    if (r < slot.weight) {
      return pos;
    }
    r -= slot.weight;
  }
  return std::nullopt;
}

std::optional<size_t> Balancer::pickTwoChoices(TimePoint now) {
  const std::optional<size_t> a = draw(now, kNone);
  if (!a || candidates_.size() == 1) {
    return a;
  }
  const std::optional<size_t> b = draw(now, *a);
  if (!b) {
    return a;
  }
  const Slot& slotA = slots_[candidates_[*a]];
  const Slot& slotB = slots_[candidates_[*b]];
  if (algorithm_ == Algorithm::kP2c) {
    return slotB.pending < slotA.pending ? b : a;
  }
  return cost(slotB, now) < cost(slotA, now) ? b : a;
}

std::optional<size_t> Balancer::pickRoundRobin(TimePoint now) {
  const size_t n = candidates_.size();
  for (size_t i = 0; i < n; ++i) {
    const size_t pos = (cursor_ + i) % n;
    if (eligible(slots_[candidates_[pos]], now)) {
      cursor_ = (pos + 1) % n;
      return pos;
    }
  }
  return std::nullopt;
}

uint64_t Balancer::nextRandom() {
  // SplitMix64: one word of state, passes BigCrush; plenty for choosing endpoints.
  uint64_t z = (rngState_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

EndpointStats Balancer::snapshot(const Slot& slot) const {
  return EndpointStats{
      .addr = slot.addr,
      .weight = slot.weight,
      .pending = slot.pending,
      .ewmaNs = slot.ewma.valueNs(),
      .sampled = slot.ewma.sampled(),
      .failures = slot.failures,
      .retryAt = slot.retryAt,
      .draining = slot.state == State::kDraining,
  };
}

}  // namespace weir::proxy::balance
