#include "control/kube/https_client.h"

#include <cctype>
#include <charconv>

#include "control/kube/tls_stream.h"

namespace weir::control::kube {

namespace {

bool containsToken(std::string_view value, std::string_view token) {
  std::string lower(value);
  for (char& c : lower) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return lower.find(token) != std::string::npos;
}

// Where the body ends: at the last chunk, after Content-Length bytes, or when the server closes.
struct Framing {
  bool chunked = false;
  bool hasLength = false;
  uint64_t length = 0;
};

Result<Framing> framingOf(const ResponseHead& head) {
  Framing f;
  if (const std::string* te = head.find("Transfer-Encoding")) {
    f.chunked = containsToken(*te, "chunked");
    return f;
  }
  if (const std::string* cl = head.find("Content-Length")) {
    auto [end, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), f.length);
    if (ec != std::errc() || end != cl->data() + cl->size()) {
      return plainError("bad Content-Length \"" + *cl + "\"");
    }
    f.hasLength = true;
  }
  if (head.status == 204 || head.status == 304) {
    f.hasLength = true;
    f.length = 0;
  }
  return f;
}

// Collects the decoded body: into a string, or through a LineSplitter into a LineSink.
class BodySink {
 public:
  BodySink(const LineSink* lines, size_t maxBody, size_t maxLine, std::string& body)
      : lines_(lines), maxBody_(maxBody), splitter_(maxLine), body_(body) {}

  // Returns false when the line sink asked to stop.
  Result<bool> add(std::string_view bytes) {
    if (lines_ != nullptr) {
      return splitter_.feed(bytes, *lines_);
    }
    if (body_.size() + bytes.size() > maxBody_) {
      return plainError("response body larger than " + std::to_string(maxBody_) + " bytes");
    }
    body_.append(bytes);
    return true;
  }
  Result<bool> finish() { return lines_ != nullptr ? splitter_.finish(*lines_) : true; }

 private:
  const LineSink* lines_;
  size_t maxBody_;
  LineSplitter splitter_;
  std::string& body_;
};

}  // namespace

Result<std::unique_ptr<HttpsClient>> HttpsClient::create(ClusterConfig config,
                                                         HttpsClientOptions options) {
  auto ctx = makeClientContext(config);
  if (!ctx) {
    return ctx.error();
  }
  return std::unique_ptr<HttpsClient>(
      new HttpsClient(std::move(config), std::move(options), std::move(*ctx)));
}

Result<Response> HttpsClient::get(const std::string& target, const GetOptions& options) const {
  return request("GET", target, nullptr, options);
}

Result<Response> HttpsClient::postJson(const std::string& target, const std::string& body) const {
  return request("POST", target, &body, {});
}

Result<Response> HttpsClient::request(const std::string& method, const std::string& target,
                                      const std::string* jsonBody,
                                      const GetOptions& options) const {
  std::string path = config_.basePath + target;
  auto fail = [&](const Error& e) { return Error{e.code, method + " " + path + ": " + e.context}; };
  std::chrono::milliseconds idle =
      options.idleTimeout.count() > 0 ? options.idleTimeout : options_.readTimeout;

  auto token = config_.bearerToken();
  if (!token) {
    return fail(token.error());
  }
  auto stream = TlsStream::connect(ctx_.get(), config_, options_.connectTimeout, options.cancelFd);
  if (!stream) {
    return fail(stream.error());
  }

  std::string request = method + " " + path + " HTTP/1.1\r\nHost: " + config_.authority() +
                        "\r\nUser-Agent: " + options_.userAgent +
                        "\r\nAccept: application/json\r\n";
  if (!token->empty()) {
    request += "Authorization: Bearer " + *token + "\r\n";
  }
  if (jsonBody != nullptr) {
    request += "Content-Type: application/json\r\nContent-Length: " +
               std::to_string(jsonBody->size()) + "\r\n";
  }
  request += "Connection: close\r\n\r\n";
  if (jsonBody != nullptr) {
    request += *jsonBody;
  }
  if (auto st = stream->writeAll(request, idle); !st) {
    return fail(st.error());
  }

  // The head.
  std::string buf;
  char chunk[16384];
  size_t headEnd = std::string::npos;
  while (headEnd == std::string::npos) {
    auto n = stream->read(chunk, sizeof(chunk), idle);
    if (!n) {
      return fail(n.error());
    }
    if (*n == 0) {
      return fail(plainError("connection closed before the response head"));
    }
    buf.append(chunk, *n);
    headEnd = buf.find("\r\n\r\n");
    if (buf.size() > options_.maxHeadBytes &&
        (headEnd == std::string::npos || headEnd > options_.maxHeadBytes)) {
      return fail(plainError("response head larger than " + std::to_string(options_.maxHeadBytes) +
                             " bytes"));
    }
  }
  Response resp;
  auto head = parseResponseHead(std::string_view(buf).substr(0, headEnd + 2));
  if (!head) {
    return fail(head.error());
  }
  resp.head = std::move(*head);
  auto framing = framingOf(resp.head);
  if (!framing) {
    return fail(framing.error());
  }

  // The body.
  bool streamLines = options.lines != nullptr && resp.head.status / 100 == 2;
  BodySink sink(streamLines ? options.lines : nullptr, options_.maxBodyBytes, options_.maxLineBytes,
                resp.body);
  ChunkedDecoder chunked;
  std::string decoded;
  uint64_t received = 0;
  std::string_view pending = std::string_view(buf).substr(headEnd + 4);
  for (;;) {
    Result<bool> more = true;
    if (framing->chunked) {
      decoded.clear();
      if (auto st = chunked.feed(pending, decoded); !st) {
        return fail(st.error());
      }
      more = sink.add(decoded);
    } else {
      if (framing->hasLength) {
        pending = pending.substr(0, static_cast<size_t>(framing->length - received));
      }
      received += pending.size();
      more = sink.add(pending);
    }
    if (!more) {
      return fail(more.error());
    }
    if (!*more) {
      return resp;  // the line sink has what it wanted
    }
    bool complete =
        framing->chunked ? chunked.done() : (framing->hasLength && received == framing->length);
    if (complete) {
      break;
    }
    auto n = stream->read(chunk, sizeof(chunk), idle);
    if (!n) {
      return fail(n.error());
    }
    if (*n == 0) {
      if (framing->chunked || framing->hasLength) {
        return fail(plainError("connection closed in the middle of the response body"));
      }
      break;  // the body was delimited by the close
    }
    pending = std::string_view(chunk, *n);
  }
  if (auto last = sink.finish(); !last) {
    return fail(last.error());
  }
  return resp;
}

}  // namespace weir::control::kube
