// weir-nodesync-load: many NodeSync agents in one process, for `tools/bench control`.
//
//   weir-nodesync-load ADDRESS [--streams N] [--prefix NAME] [--out FILE]
//
// Opens N real NodeSync streams to weir-control at ADDRESS (nodes PREFIX0 .. PREFIX<N-1>), each on
// its own HTTP/2 connection as N agents would have. Each sends Hello, then acks every Snapshot and
// Diff at once. It does not apply them: it stands for the agents' side of the protocol, so the
// control plane does all the work it does for real agents. For every message it writes one line
//
//   VERSION NODE RECEIVE_NS KIND BYTES
//
// (RECEIVE_NS: CLOCK_REALTIME when the message was read; KIND: snapshot or diff; BYTES: its encoded
// size) to FILE (default stdout), flushed per line. A stream that ends is a failure: the process
// reports it on stderr and exits 1.

#include <grpcpp/grpcpp.h>
#include <time.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "weir/v1/nodesync.grpc.pb.h"

namespace {

struct Options {
  std::string address;
  int streams = 50;
  std::string prefix = "load-";
  std::string out;
};

uint64_t realtimeNs() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

class Recorder {
 public:
  explicit Recorder(FILE* out) : out_(out) {}

  void record(uint64_t version, const std::string& node, uint64_t ns, const char* kind,
              size_t bytes) {
    std::lock_guard lock(mutex_);
    std::fprintf(out_, "%llu %s %llu %s %zu\n", static_cast<unsigned long long>(version),
                 node.c_str(), static_cast<unsigned long long>(ns), kind, bytes);
    std::fflush(out_);
  }

 private:
  std::mutex mutex_;
  FILE* out_;
};

// One agent's stream: Hello, then read and ack until the server ends it.
void runStream(const Options& options, const std::string& node, Recorder& recorder) {
  grpc::ChannelArguments args;
  // A connection of its own, as a separate agent has: no subchannel sharing between streams.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(-1);
  auto channel =
      grpc::CreateCustomChannel(options.address, grpc::InsecureChannelCredentials(), args);
  auto stub = weir::v1::NodeSync::NewStub(channel);
  grpc::ClientContext context;
  auto stream = stub->Sync(&context);

  weir::v1::NodeSyncClient hello;
  hello.mutable_hello()->set_node(node);
  hello.mutable_hello()->set_agent_version("nodesync-load");
  if (!stream->Write(hello)) {
    std::fprintf(stderr, "nodesync-load: node=%s: hello not sent\n", node.c_str());
    std::exit(1);
  }
  weir::v1::NodeSyncServer msg;
  while (stream->Read(&msg)) {
    uint64_t received = realtimeNs();
    weir::v1::NodeSyncClient ack;
    const char* kind = nullptr;
    if (msg.has_snapshot()) {
      kind = "snapshot";
      ack.mutable_ack()->set_epoch(msg.snapshot().epoch());
      ack.mutable_ack()->set_version(msg.snapshot().version());
    } else if (msg.has_diff()) {
      kind = "diff";
      ack.mutable_ack()->set_epoch(msg.diff().epoch());
      ack.mutable_ack()->set_version(msg.diff().version());
    } else {
      continue;
    }
    if (!stream->Write(ack)) {
      break;
    }
    recorder.record(ack.ack().version(), node, received, kind, msg.ByteSizeLong());
  }
  grpc::Status status = stream->Finish();
  std::fprintf(stderr, "nodesync-load: node=%s: stream ended code=%d message=\"%s\"\n",
               node.c_str(), static_cast<int>(status.error_code()), status.error_message().c_str());
  std::exit(1);
}

int usage() {
  std::fprintf(stderr,
               "usage: weir-nodesync-load ADDRESS [--streams N] [--prefix NAME] [--out FILE]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    return usage();
  }
  Options options;
  options.address = argv[1];
  for (int i = 2; i < argc; i += 2) {
    if (i + 1 >= argc) {
      return usage();
    }
    std::string flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--streams") {
      options.streams = std::atoi(value.c_str());
    } else if (flag == "--prefix") {
      options.prefix = value;
    } else if (flag == "--out") {
      options.out = value;
    } else {
      return usage();
    }
  }
  if (options.streams < 1) {
    return usage();
  }
  FILE* out = stdout;
  if (!options.out.empty()) {
    out = std::fopen(options.out.c_str(), "w");
    if (out == nullptr) {
      std::fprintf(stderr, "nodesync-load: open %s: %s\n", options.out.c_str(),
                   std::strerror(errno));
      return 1;
    }
  }
  Recorder recorder(out);
  std::vector<std::thread> threads;
  for (int i = 0; i < options.streams; ++i) {
    threads.emplace_back(runStream, std::cref(options), options.prefix + std::to_string(i),
                         std::ref(recorder));
  }
  std::fprintf(stderr, "nodesync-load: %d streams to %s\n", options.streams,
               options.address.c_str());
  for (auto& t : threads) {
    t.join();
  }
  return 0;
}
