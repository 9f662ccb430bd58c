#pragma once

// An incremental HTTP/1.x parser for one direction of a connection, on llhttp. It reports where
// a message's head ends and where its body ends, so the proxy can rewrite the head and forward
// the body bytes exactly as they arrived (chunked framing included) without copying them:
//
//   Step s = parser.parse(bytes);      // consumes at most up to the next event
//   kNeedMore: all consumed, the head is not complete yet
//   kHead:     the head ended after s.consumed bytes; parser.head() holds it
//   kBody:     all s.consumed bytes belong to the body, more is to come
//   kEnd:      the message ended after s.consumed bytes (body bytes before that included)
//   kUpgrade:  the message ended after s.consumed bytes and the rest is another protocol
//   kError:    malformed; errorStatus() says how to answer (400, 431, 501, 505)
//
// After kEnd the next parse() starts the next message (pipelining). Untrusted input never
// crashes it: everything is checked by llhttp, and the head is bounded by maxHeadBytes.

#include <llhttp.h>

#include <cstddef>
#include <span>
#include <string_view>

#include "userspace-proxy/http1/head.h"

namespace weir::proxy::http1 {

enum class Kind { kRequest, kResponse };

enum class Event { kNeedMore, kHead, kBody, kEnd, kUpgrade, kError };

struct Step {
  Event event;
  size_t consumed;
};

// 64 KiB of request line (or status line) and fields, as Envoy's default; more is answered 431.
inline constexpr size_t kDefaultMaxHeadBytes = size_t{64} * 1024;

class Parser {
 public:
  explicit Parser(Kind kind, size_t maxHeadBytes = kDefaultMaxHeadBytes);
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  Step parse(std::span<const char> bytes);
  // The peer closed: ends a body that runs until EOF (kEnd); kNeedMore when no message was
  // under way; kError when one was cut short.
  Step finish();

  // Response parser: the request was HEAD (or CONNECT answered 2xx), so the next response has
  // no body whatever its headers say.
  void expectNoBody() { noBody_ = true; }

  const Head& head() const { return head_; }
  bool inMessage() const { return phase_ != Phase::kIdle; }
  // After kError: the status to answer with, and llhttp's reason.
  int errorStatus() const { return errorStatus_; }
  std::string_view errorReason() const { return errorReason_; }

 private:
  enum class Phase { kIdle, kHead, kBody };
  static const llhttp_settings_t* settings();  // shared by every parser
  static int onMessageBegin(llhttp_t* p);
  static int onUrl(llhttp_t* p, const char* at, size_t n);
  static int onStatus(llhttp_t* p, const char* at, size_t n);
  static int onMethod(llhttp_t* p, const char* at, size_t n);
  static int onHeaderField(llhttp_t* p, const char* at, size_t n);
  static int onHeaderValue(llhttp_t* p, const char* at, size_t n);
  static int onHeadersComplete(llhttp_t* p);
  static int onMessageComplete(llhttp_t* p);
  bool count(size_t n);  // false once the head is over its limit
  Step fail(llhttp_errno_t err);

  llhttp_t parser_{};
  Kind kind_;
  size_t maxHeadBytes_;
  size_t headBytes_ = 0;
  Phase phase_ = Phase::kIdle;
  Head head_;
  bool inValue_ = false;  // the last callback was a value: the next field starts a new header
  bool noBody_ = false;
  bool headDone_ = false;  // on_headers_complete paused the parser
  bool messageDone_ = false;
  bool tooLarge_ = false;
  int errorStatus_ = 0;
  std::string_view errorReason_;
};

}  // namespace weir::proxy::http1
