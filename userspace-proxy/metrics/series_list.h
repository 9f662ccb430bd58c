#pragma once

// An append-only singly linked list of sub-series (one per status code, errno, ...): readers walk
// it without a lock, appends are serialized by a mutex the owner passes in. Nodes never move and
// are only freed with the list, so a pointer to one stays valid for the list's lifetime.

#include <atomic>
#include <memory>
#include <mutex>

namespace weir::proxy::metrics {

// Node has a `Node* next` member the list owns.
template <typename Node>
class SeriesList {
 public:
  SeriesList() = default;
  SeriesList(const SeriesList&) = delete;
  SeriesList& operator=(const SeriesList&) = delete;
  ~SeriesList() {
    Node* n = head_.load(std::memory_order_acquire);
    while (n != nullptr) {
      Node* next = n->next;
      delete n;
      n = next;
    }
  }

  // Lock-free; calls f(node) for every node, newest first.
  template <typename F>
  void forEach(F&& f) const {
    for (Node* n = head_.load(std::memory_order_acquire); n != nullptr; n = n->next) {
      f(*n);
    }
  }

  // The first node `match` accepts; otherwise, under `mu`, the node `make` returns, appended.
  // Finding an existing node is lock-free and does not allocate.
  template <typename Match, typename Make>
  Node& findOrCreate(std::mutex& mu, Match&& match, Make&& make) {
    if (Node* n = find(match)) {
      return *n;
    }
    std::lock_guard lock(mu);
    if (Node* n = find(match)) {  // appended by another thread since the first look
      return *n;
    }
    std::unique_ptr<Node> node = make();
    node->next = head_.load(std::memory_order_relaxed);
    Node* n = node.release();
    head_.store(n, std::memory_order_release);  // publishes the node and its contents
    return *n;
  }

 private:
  template <typename Match>
  Node* find(Match& match) const {
    for (Node* n = head_.load(std::memory_order_acquire); n != nullptr; n = n->next) {
      if (match(*n)) {
        return n;
      }
    }
    return nullptr;
  }

  std::atomic<Node*> head_{nullptr};
};

}  // namespace weir::proxy::metrics
