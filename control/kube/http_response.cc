#include "control/kube/http_response.h"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace weir::control::kube {

namespace {

constexpr size_t kMaxChunkLine = 4096;

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trimSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Next line of `text` without its terminator; advances `text`.
std::string_view nextLine(std::string_view& text) {
  size_t nl = text.find('\n');
  std::string_view line = text.substr(0, nl);
  text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  return line;
}

}  // namespace

const std::string* ResponseHead::find(std::string_view name) const {
  for (const Header& h : headers) {
    if (iequals(h.name, name)) {
      return &h.value;
    }
  }
  return nullptr;
}

Result<ResponseHead> parseResponseHead(std::string_view text) {
  std::string_view statusLine = nextLine(text);
  // "HTTP/1.1 200 OK"
  if (statusLine.substr(0, 7) != "HTTP/1." || statusLine.size() < 12 || statusLine[8] != ' ') {
    return plainError("bad HTTP status line \"" + std::string(statusLine.substr(0, 64)) + "\"");
  }
  ResponseHead head;
  std::string_view code = statusLine.substr(9, 3);
  auto [end, ec] = std::from_chars(code.data(), code.data() + code.size(), head.status);
  if (ec != std::errc() || end != code.data() + 3 || head.status < 100 ||
      (statusLine.size() > 12 && statusLine[12] != ' ')) {
    return plainError("bad HTTP status code in \"" + std::string(statusLine.substr(0, 64)) + "\"");
  }
  head.reason = std::string(trimSpace(statusLine.substr(std::min<size_t>(13, statusLine.size()))));
  while (!text.empty()) {
    std::string_view line = nextLine(text);
    if (line.empty()) {
      break;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) {
      return plainError("bad HTTP header line \"" + std::string(line.substr(0, 64)) + "\"");
    }
    head.headers.push_back(
        {std::string(line.substr(0, colon)), std::string(trimSpace(line.substr(colon + 1)))});
  }
  return head;
}

Status ChunkedDecoder::feed(std::string_view in, std::string& out) {
  while (!in.empty() && state_ != State::kDone) {
    if (state_ == State::kData) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(remaining_, in.size()));
      out.append(in.data(), take);
      in.remove_prefix(take);
      remaining_ -= take;
      if (remaining_ == 0) {
        state_ = State::kDataEnd;
      }
      continue;
    }
    size_t nl = in.find('\n');
    line_.append(in.substr(0, nl));
    if (line_.size() > kMaxChunkLine) {
      return plainError("chunked body: line longer than 4096 bytes");
    }
    if (nl == std::string_view::npos) {
      return {};
    }
    in.remove_prefix(nl + 1);
    if (!line_.empty() && line_.back() == '\r') {
      line_.pop_back();
    }
    if (auto st = lineComplete(); !st) {
      return st;
    }
    line_.clear();
  }
  return {};
}

Status ChunkedDecoder::lineComplete() {
  switch (state_) {
    case State::kSize: {
      std::string_view size = trimSpace(std::string_view(line_).substr(0, line_.find(';')));
      uint64_t n = 0;
      auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), n, 16);
      if (size.empty() || ec != std::errc() || end != size.data() + size.size()) {
        return plainError("chunked body: bad chunk size \"" + line_.substr(0, 32) + "\"");
      }
      remaining_ = n;
      state_ = n == 0 ? State::kTrailer : State::kData;
      return {};
    }
    case State::kDataEnd:
      if (!line_.empty()) {
        return plainError("chunked body: chunk data longer than its size");
      }
      state_ = State::kSize;
      return {};
    case State::kTrailer:
      if (line_.empty()) {
        state_ = State::kDone;
      }
      return {};
    case State::kData:
    case State::kDone:
      return {};
  }
  return {};
}

Result<bool> LineSplitter::feed(std::string_view in, const LineSink& sink) {
  while (!in.empty()) {
    size_t nl = in.find('\n');
    if (nl == std::string_view::npos) {
      if (partial_.size() + in.size() > maxLine_) {
        return plainError("stream line longer than " + std::to_string(maxLine_) + " bytes");
      }
      partial_.append(in);
      return true;
    }
    std::string_view line = in.substr(0, nl);
    in.remove_prefix(nl + 1);
    if (partial_.size() + line.size() > maxLine_) {
      return plainError("stream line longer than " + std::to_string(maxLine_) + " bytes");
    }
    if (!partial_.empty()) {
      partial_.append(line);
      line = partial_;
    }
    if (!line.empty() && line.back() == '\r') {
      line.remove_suffix(1);
    }
    bool more = sink(line);
    partial_.clear();
    if (!more) {
      return false;
    }
  }
  return true;
}

Result<bool> LineSplitter::finish(const LineSink& sink) {
  if (partial_.empty()) {
    return true;
  }
  std::string last = std::move(partial_);
  partial_.clear();
  return sink(last);
}

}  // namespace weir::control::kube
