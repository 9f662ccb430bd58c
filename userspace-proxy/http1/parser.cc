#include "userspace-proxy/http1/parser.h"

namespace weir::proxy::http1 {

namespace {
Parser* self(llhttp_t* p) { return static_cast<Parser*>(p->data); }

// RFC 9110 5.6.2 tchar. llhttp lets some other bytes through in field names (a space); a name
// another parser reads differently is how requests are smuggled, so only tokens pass.
bool isTchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  for (char t : std::string_view("!#$%&'*+-.^_`|~")) {
    if (c == static_cast<unsigned char>(t)) {
      return true;
    }
  }
  return false;
}
}  // namespace

const llhttp_settings_t* Parser::settings() {
  static const llhttp_settings_t s = [] {
    llhttp_settings_t x;
    llhttp_settings_init(&x);
    x.on_message_begin = onMessageBegin;
    x.on_url = onUrl;
    x.on_status = onStatus;
    x.on_method = onMethod;
    x.on_header_field = onHeaderField;
    x.on_header_value = onHeaderValue;
    x.on_headers_complete = onHeadersComplete;
    x.on_message_complete = onMessageComplete;
    return x;
  }();
  return &s;
}

Parser::Parser(Kind kind, size_t maxHeadBytes) : kind_(kind), maxHeadBytes_(maxHeadBytes) {
  llhttp_init(&parser_, kind == Kind::kRequest ? HTTP_REQUEST : HTTP_RESPONSE, settings());
  parser_.data = this;
}

bool Parser::count(size_t n) {
  headBytes_ += n;
  if (headBytes_ > maxHeadBytes_) {
    tooLarge_ = true;
    return false;
  }
  return true;
}

int Parser::onMessageBegin(llhttp_t* p) {
  Parser* s = self(p);
  s->head_.clear();
  s->headBytes_ = 0;
  s->inValue_ = false;
  s->phase_ = Phase::kHead;
  return 0;
}

int Parser::onMethod(llhttp_t* p, const char* at, size_t n) {
  Parser* s = self(p);
  s->head_.method.append(at, n);
  return s->count(n) ? 0 : -1;
}

int Parser::onUrl(llhttp_t* p, const char* at, size_t n) {
  Parser* s = self(p);
  s->head_.target.append(at, n);
  return s->count(n) ? 0 : -1;
}

int Parser::onStatus(llhttp_t* p, const char* at, size_t n) {
  Parser* s = self(p);
  s->head_.reason.append(at, n);
  return s->count(n) ? 0 : -1;
}

int Parser::onHeaderField(llhttp_t* p, const char* at, size_t n) {
  Parser* s = self(p);
  size_t extra = 0;
  if (s->inValue_ || s->head_.headers().empty()) {
    s->head_.add();
    s->inValue_ = false;
    extra = 4;  // ": " and CRLF, once per field however its name arrives
  }
  for (size_t i = 0; i < n; ++i) {
    if (!isTchar(static_cast<unsigned char>(at[i]))) {
      llhttp_set_error_reason(p, "invalid character in a field name");
      return -1;
    }
  }
  const_cast<Header&>(s->head_.headers().back()).name.append(at, n);
  return s->count(n + extra) ? 0 : -1;
}

int Parser::onHeaderValue(llhttp_t* p, const char* at, size_t n) {
  Parser* s = self(p);
  s->inValue_ = true;
  if (s->head_.headers().empty()) {
    return -1;  // llhttp never does this; keep the invariant anyway
  }
  const_cast<Header&>(s->head_.headers().back()).value.append(at, n);
  return s->count(n) ? 0 : -1;
}

int Parser::onHeadersComplete(llhttp_t* p) {
  Parser* s = self(p);
  Head& h = s->head_;
  h.major = p->http_major;
  h.minor = p->http_minor;
  h.status = p->status_code;
  h.chunked = (p->flags & F_CHUNKED) != 0;
  h.contentLength = (p->flags & F_CONTENT_LENGTH) != 0;
  h.length = h.contentLength ? p->content_length : 0;
  h.upgrade = p->upgrade != 0;
  h.keepAlive = llhttp_should_keep_alive(p) != 0;
  if (s->kind_ == Kind::kResponse && s->noBody_) {
    p->flags |= F_SKIPBODY;  // what returning 1 would do; we return "paused" instead
  }
  h.untilEof = s->kind_ == Kind::kResponse && !s->noBody_ && llhttp_message_needs_eof(p) != 0;
  s->noBody_ = false;
  s->headDone_ = true;
  return HPE_PAUSED;
}

int Parser::onMessageComplete(llhttp_t* p) {
  Parser* s = self(p);
  s->messageDone_ = true;
  // The connection's fate is known only now for some messages (e.g. a body until EOF).
  s->head_.keepAlive = llhttp_should_keep_alive(p) != 0;
  return HPE_PAUSED;
}

Step Parser::fail(llhttp_errno_t err) {
  errorReason_ = llhttp_get_error_reason(&parser_) != nullptr ? llhttp_get_error_reason(&parser_)
                                                               : llhttp_errno_name(err);
  if (tooLarge_) {
    errorStatus_ = 431;
    errorReason_ = "head too large";
  } else if (err == HPE_INVALID_VERSION) {
    errorStatus_ = 505;
  } else if (err == HPE_INVALID_METHOD && kind_ == Kind::kRequest) {
    errorStatus_ = 501;
  } else if (err == HPE_INVALID_TRANSFER_ENCODING) {
    errorStatus_ = 501;
  } else {
    errorStatus_ = 400;
  }
  phase_ = Phase::kIdle;
  return Step{Event::kError, 0};
}

Step Parser::parse(std::span<const char> bytes) {
  if (errorStatus_ != 0) {
    return Step{Event::kError, 0};
  }
  if (phase_ == Phase::kIdle && bytes.empty()) {
    return Step{Event::kNeedMore, 0};
  }
  headDone_ = false;
  messageDone_ = false;
  // llhttp wants a valid pointer even for no bytes (a message without a body ends on a resume).
  static const char kNothing = 0;
  const char* data = bytes.empty() ? &kNothing : bytes.data();
  llhttp_errno_t err = llhttp_execute(&parser_, data, bytes.size());
  size_t used = err == HPE_OK ? bytes.size()
                              : static_cast<size_t>(llhttp_get_error_pos(&parser_) - data);
  if (err == HPE_PAUSED) {
    llhttp_resume(&parser_);
    if (headDone_) {
      phase_ = Phase::kBody;
      return Step{Event::kHead, used};
    }
    if (messageDone_) {
      phase_ = Phase::kIdle;
      return Step{head_.upgrade && kind_ == Kind::kRequest ? Event::kUpgrade : Event::kEnd, used};
    }
    return fail(err);
  }
  if (err == HPE_PAUSED_UPGRADE) {
    // Reached only when a kEnd of an upgrade was not reported as kUpgrade (a response).
    llhttp_resume_after_upgrade(&parser_);
    phase_ = Phase::kIdle;
    return Step{Event::kUpgrade, used};
  }
  if (err != HPE_OK) {
    return fail(err);
  }
  return Step{phase_ == Phase::kBody ? Event::kBody : Event::kNeedMore, used};
}

Step Parser::finish() {
  if (phase_ == Phase::kIdle) {
    return Step{Event::kNeedMore, 0};
  }
  messageDone_ = false;
  llhttp_errno_t err = llhttp_finish(&parser_);
  if (err == HPE_OK || err == HPE_PAUSED) {
    if (messageDone_ || (phase_ == Phase::kBody && head_.untilEof)) {
      phase_ = Phase::kIdle;
      return Step{Event::kEnd, 0};
    }
  }
  return fail(err == HPE_OK ? HPE_INVALID_EOF_STATE : err);
}

}  // namespace weir::proxy::http1
