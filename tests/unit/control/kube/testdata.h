#pragma once

// The hand-written API-server responses in testdata/ (see testdata/README.md), and the replies
// the fake server sends them in.

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tests/unit/control/kube/fake_api_server.h"

namespace weir::control::kube::testing {

inline std::string readTestdata(const std::string& name) {
  std::ifstream in(std::string(WEIR_KUBE_TESTDATA) + "/" + name, std::ios::binary);
  if (!in) {
    throw std::runtime_error("missing testdata " + name);
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The lines of a .jsonl file, each with its "\n".
inline std::vector<std::string> testdataLines(const std::string& name) {
  std::vector<std::string> lines;
  std::istringstream in(readTestdata(name));
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line + "\n");
  }
  return lines;
}

// A LIST response: 200 with Content-Length.
inline Reply listReply(const std::string& file) {
  Reply r;
  r.body = readTestdata(file);
  return r;
}

// A watch response: 200, chunked, one event per chunk, ended by the last chunk (the server's
// timeoutSeconds ran out) unless `drop`.
inline Reply watchReply(const std::vector<std::string>& files, bool drop = false) {
  Reply r;
  r.chunked = true;
  for (const std::string& f : files) {
    for (std::string& line : testdataLines(f)) {
      r.chunks.push_back(std::move(line));
    }
  }
  r.dropMidStream = drop;
  return r;
}

// An error response carrying a metav1.Status.
inline Reply statusReply(int status, const std::string& file) {
  Reply r;
  r.status = status;
  r.body = readTestdata(file);
  return r;
}

}  // namespace weir::control::kube::testing
