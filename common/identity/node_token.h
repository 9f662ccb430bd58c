#pragma once

// Host-mode node credentials. `weir identity node-token` issues each node, once, a token
//   <node>.<hex HMAC-SHA256(key, node)>
// stored readable by root only; the node proxy presents it to Certify, and weir-control, holding
// the same key, learns from it which node is asking. The key is the text of a file of random hex
// (`weir identity init` writes 32 random bytes), used as it is, surrounding whitespace removed.

#include <string>
#include <string_view>

#include "common/base/result.h"

namespace weir::identity {

// Keys shorter than this (in characters) are refused: 16 random bytes as hex.
inline constexpr size_t kMinNodeTokenKey = 32;

std::string issueNodeToken(std::string_view key, std::string_view node);

// The node the token names, when its MAC is right (compared in constant time); else why not.
// Whitespace around the token (a file's trailing newline) is ignored.
Result<std::string> verifyNodeToken(std::string_view key, std::string_view token);

// Reads a node-token key file; the error names the path.
Result<std::string> readNodeTokenKey(const std::string& path);

// `text` without leading and trailing whitespace.
std::string_view trimmed(std::string_view text);

}  // namespace weir::identity
