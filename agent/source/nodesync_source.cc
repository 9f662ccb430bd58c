#include "agent/source/nodesync_source.h"

#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>

#include "common/base/log.h"
#include "common/grpctls/control_channel.h"
#include "weir/v1/nodesync.grpc.pb.h"

namespace weir::agent::source {

namespace {

constexpr std::chrono::milliseconds kBackoffMin{200};
constexpr std::chrono::milliseconds kBackoffMax{5000};

}  // namespace

NodeSyncSource::NodeSyncSource(std::string address, grpctls::ControlTls tls,
                               state::CompileOptions options, state::CgroupResolver resolver)
    : address_(std::move(address)),
      tls_(std::move(tls)),
      options_(options),
      compiler_(std::move(options), std::move(resolver)) {}

Status NodeSyncSource::run(StateSink& sink) {
  auto log = weir::logger("nodesync");
  std::chrono::milliseconds backoff = kBackoffMin;
  while (!stopping_) {
    if (session(sink)) {
      backoff = kBackoffMin;
    }
    if (stopping_) {
      break;
    }
    log->warn("control plane unreachable address={} retry_in_ms={}; the kernel keeps the last "
              "applied version {}", address_, backoff.count(), applied_);
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, backoff, [&] { return stopping_.load(); });
    backoff = std::min(backoff * 2, kBackoffMax);
  }
  return {};
}

void NodeSyncSource::stop() {
  stopping_ = true;
  std::lock_guard lock(mutex_);
  if (context_) {
    context_->TryCancel();
  }
  wake_.notify_all();
}

bool NodeSyncSource::session(StateSink& sink) {
  auto log = weir::logger("nodesync");
  auto channel = grpctls::controlChannel(address_, tls_);  // the anchors as they are now
  if (!channel) {
    log->warn("no channel to weir-control error=\"{}\"", channel.error().str());
    return false;
  }
  auto stub = v1::NodeSync::NewStub(channel.value());
  grpc::ClientContext context;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      return false;
    }
    context_ = &context;
  }
  auto stream = stub->Sync(&context);

  v1::NodeSyncClient hello;
  v1::Hello* h = hello.mutable_hello();
  h->set_node(options_.node);
  h->set_agent_version(WEIR_VERSION);
  h->set_epoch(epoch_);
  h->set_applied_version(applied_);
  if (options_.proxyIp4 != 0) {
    h->mutable_proxy_outbound()->mutable_ip()->set_ipv4(ntohl(options_.proxyIp4));
    h->mutable_proxy_outbound()->set_port(options_.proxyPort);
  }
  if (options_.proxyInboundIp4 != 0) {
    h->mutable_proxy_inbound()->mutable_ip()->set_ipv4(ntohl(options_.proxyInboundIp4));
    h->mutable_proxy_inbound()->set_port(options_.proxyInboundPort);
  }
  bool received = false;
  v1::NodeSyncServer msg;
  if (stream->Write(hello)) {
    while (stream->Read(&msg)) {
      received = true;
      uint64_t version = 0;
      std::vector<std::string> errors;
      if (msg.has_snapshot()) {
        epoch_ = msg.snapshot().epoch();
        version = msg.snapshot().version();
        errors = compiler_.applySnapshot(view_, msg.snapshot().state());
      } else if (msg.has_diff()) {
        const v1::Diff& diff = msg.diff();
        if (diff.epoch() != epoch_ || diff.from_version() != applied_) {
          // Not a diff against what we have: start over with a snapshot.
          log->warn("diff does not apply epoch={} from={} have={}; asking for a snapshot",
                    diff.epoch(), diff.from_version(), applied_);
          epoch_.clear();
          applied_ = 0;
          break;
        }
        version = diff.version();
        errors = compiler_.applyDiff(view_, diff);
      } else {
        continue;
      }

      v1::NodeSyncClient reply;
      if (errors.empty()) {
        sink.apply(compiler_.desired(), compiler_.touched());
        applied_ = version;
        reply.mutable_ack()->set_epoch(epoch_);
        reply.mutable_ack()->set_version(version);
      } else {
        for (const auto& e : errors) {
          log->error("version rejected version={} error=\"{}\"", version, e);
        }
        sink.reject(errors);
        reply.mutable_nack()->set_epoch(epoch_);
        reply.mutable_nack()->set_version(version);
        reply.mutable_nack()->set_error(errors.front());
        // What we hold no longer matches a version we applied: resume with a snapshot.
        applied_ = 0;
      }
      if (!stream->Write(reply)) {
        break;
      }
    }
  }
  context.TryCancel();
  grpc::Status status = stream->Finish();
  {
    std::lock_guard lock(mutex_);
    context_ = nullptr;
  }
  if (!stopping_) {
    log->info("stream ended code={} message=\"{}\"", static_cast<int>(status.error_code()),
              status.error_message());
  }
  return received;
}

}  // namespace weir::agent::source
