// renderFlow of fields.h: a part of a document kept as compact flow YAML.

#include <cstdio>
#include <map>
#include <utility>

#include "common/config/fields.h"

namespace weir::config {

namespace {

// The characters a plain scalar may keep in renderFlow's output without quotes.
bool isPlainSafe(const std::string& text) {
  if (text.empty()) {
    return false;
  }
  for (char c : text) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.' || c == '/';
    if (!safe) {
      return false;
    }
  }
  return true;
}

std::string jsonQuote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

struct RenderBudget {
  int nodesLeft = 4096;
};

bool render(const YAML::Node& node, int depth, RenderBudget& budget, std::string& out) {
  if (--budget.nodesLeft < 0 || depth > 64) {
    return false;
  }
  if (!node.IsDefined() || node.IsNull()) {
    out += "null";
  } else if (node.IsScalar()) {
    // A plain scalar ("?" tag) stays plain when that reads back the same; quoted ones stay quoted.
    out +=
        node.Tag() == "?" && isPlainSafe(node.Scalar()) ? node.Scalar() : jsonQuote(node.Scalar());
  } else if (node.IsSequence()) {
    out += "[";
    for (size_t i = 0; i < node.size(); ++i) {
      out += i == 0 ? "" : ", ";
      if (!render(node[i], depth + 1, budget, out)) {
        return false;
      }
    }
    out += "]";
  } else {
    std::map<std::string, YAML::Node> sorted;
    for (auto it = node.begin(); it != node.end(); ++it) {
      std::string key;
      if (!render(it->first, depth + 1, budget, key)) {
        return false;
      }
      sorted.emplace(std::move(key), it->second);
    }
    out += "{";
    bool first = true;
    for (const auto& [key, value] : sorted) {
      out += first ? "" : ", ";
      first = false;
      out += key + ": ";
      if (!render(value, depth + 1, budget, out)) {
        return false;
      }
    }
    out += "}";
  }
  return true;
}

}  // namespace

bool renderFlow(Document& doc, const YAML::Node& node, const std::string& field, std::string& out) {
  RenderBudget budget;
  std::string text;
  if (!render(node, 0, budget, text)) {
    doc.fail(node, field, "too large (at most 4096 values, 64 levels deep)");
    return false;
  }
  out = std::move(text);
  return true;
}

}  // namespace weir::config
