// weir-echo: the workload of weir's tests, demo and benchmarks.
//   weir-echo serve IP:PORT [--origdst] [--sink]
//   weir-echo check IP:PORT BYTES [--origdst]
//   weir-echo pingpong IP:PORT SIZE COUNT WARMUP
//   weir-echo stream IP:PORT WRITE_SIZE BYTES
//   weir-echo loop IP:PORT BYTES INTERVAL_MS COUNT

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace weir::echo {
int serve(const std::string& endpoint, bool origdst, bool sink);
int check(const std::string& endpoint, uint64_t bytes, bool origdst);
int pingpong(const std::string& endpoint, size_t size, int count, int warmup);
int stream(const std::string& endpoint, size_t writeSize, uint64_t bytes);
int loop(const std::string& endpoint, uint64_t bytes, int intervalMs, int count);
}  // namespace weir::echo

namespace {

bool hasFlag(int argc, char** argv, const char* flag) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], flag) == 0) {
      return true;
    }
  }
  return false;
}

int usage() {
  std::fprintf(stderr,
               "usage: weir-echo serve IP:PORT [--origdst] [--sink]\n"
               "       weir-echo check IP:PORT BYTES [--origdst]\n"
               "       weir-echo pingpong IP:PORT SIZE COUNT WARMUP\n"
               "       weir-echo stream IP:PORT WRITE_SIZE BYTES\n"
               "       weir-echo loop IP:PORT BYTES INTERVAL_MS COUNT\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc < 3) {
    return usage();
  }
  std::string cmd = argv[1];
  std::string endpoint = argv[2];
  auto arg = [&](int i) { return i < argc ? std::strtoull(argv[i], nullptr, 10) : 0ull; };
  if (cmd == "serve") {
    return weir::echo::serve(endpoint, hasFlag(argc, argv, "--origdst"),
                             hasFlag(argc, argv, "--sink"));
  }
  if (cmd == "check" && argc >= 4) {
    return weir::echo::check(endpoint, arg(3), hasFlag(argc, argv, "--origdst"));
  }
  if (cmd == "pingpong" && argc >= 6) {
    return weir::echo::pingpong(endpoint, arg(3), static_cast<int>(arg(4)),
                                static_cast<int>(arg(5)));
  }
  if (cmd == "stream" && argc >= 5) {
    return weir::echo::stream(endpoint, arg(3), arg(4));
  }
  if (cmd == "loop" && argc >= 6) {
    return weir::echo::loop(endpoint, arg(3), static_cast<int>(arg(4)), static_cast<int>(arg(5)));
  }
  return usage();
}
