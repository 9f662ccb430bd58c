#include "userspace-proxy/h2/conn.h"

#include <cerrno>
#include <cstring>
#include <iterator>

#include "common/base/log.h"
#include "userspace-proxy/h2/mem.h"

namespace weir::proxy::h2 {

namespace {

spdlog::logger& log() {
  static const auto logger = weir::logger("http2");
  return *logger;
}

Conn* self(void* p) { return static_cast<Conn*>(p); }

// One vector per thread, reused: nghttp2 copies the name-value pairs it is given.
std::vector<nghttp2_nv>& nvs(const Headers& headers) {
  thread_local std::vector<nghttp2_nv> out;
  out.clear();
  for (const Header& h : headers) {
    out.push_back(nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(h.name.data())),
                             reinterpret_cast<uint8_t*>(const_cast<char*>(h.value.data())),
                             h.name.size(), h.value.size(), NGHTTP2_NV_FLAG_NONE});
  }
  return out;
}

}  // namespace

std::string_view find(const Headers& h, std::string_view name) {
  for (const Header& x : h) {
    if (x.name == name) {
      return x.value;
    }
  }
  return {};
}

Conn::Conn(io::Loop& loop, io::Stream& s, Side side, ConnHandler& handler, ConnOptions options)
    : loop_(loop), stream_(&s), side_(side), handler_(handler) {
  nghttp2_option* opt = nullptr;
  nghttp2_option_new(&opt);
  // Windows reopen only as the bytes move on (consume()), not as they arrive.
  nghttp2_option_set_no_auto_window_update(opt, 1);
  // No RFC 7540 priority tree (RFC 9113 deprecates it; the proxy forwards streams as they come),
  // so closed streams need not be kept for it either.
  nghttp2_option_set_no_closed_streams(opt, 1);
  if (side == Side::kServer) {
    nghttp2_session_server_new3(&session_, callbacks(), this, opt, threadMem());
  } else {
    nghttp2_session_client_new3(&session_, callbacks(), this, opt, threadMem());
  }
  nghttp2_option_del(opt);
  nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, options.maxConcurrentStreams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, options.streamWindow},
      {NGHTTP2_SETTINGS_NO_RFC7540_PRIORITIES, 1},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                        static_cast<int32_t>(options.connectionWindow));
  s.setHandler(this);
  // A client Conn may get a stream still connecting (onConnected says when) or one already
  // connected (markConnected()).
  connected_ = side == Side::kServer;
  everConnected_ = connected_;
  kick();
}

Conn::~Conn() {
  loop_.cancelDeferred(*this);
  if (stream_ != nullptr) {
    stream_->abandon();
  }
  nghttp2_session_del(session_);
}

void Conn::kick() {
  if (!closing_) {
    loop_.defer(*this);
  }
}

void Conn::markConnected() {
  connected_ = true;
  everConnected_ = true;
  kick();
}

bool Conn::canOpen() const {
  if (closing_ || goaway_ || side_ != Side::kClient) {
    return false;
  }
  uint32_t max = nghttp2_session_get_remote_settings(session_, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS);
  return streams_ < max;
}

Leg* Conn::legOf(int32_t id) {
  return static_cast<Leg*>(nghttp2_session_get_stream_user_data(session_, id));
}

int32_t Conn::request(const Headers& headers, Leg& leg, bool endStream) {
  auto& nv = nvs(headers);
  nghttp2_data_provider body{};
  body.read_callback = readBodyCb;
  int32_t id = nghttp2_submit_request(session_, nullptr, nv.data(), nv.size(),
                                      endStream ? nullptr : &body, &leg);
  if (id > 0) {
    leg.id = id;
    leg.submitted = true;
    link(leg);
    ++streams_;
    kick();
  }
  return id;
}

bool Conn::response(const Headers& headers, Leg& leg, bool endStream) {
  auto& nv = nvs(headers);
  nghttp2_data_provider body{};
  body.read_callback = readBodyCb;
  int rv = nghttp2_submit_response(session_, leg.id, nv.data(), nv.size(),
                                   endStream ? nullptr : &body);
  leg.submitted = rv == 0;
  kick();
  return rv == 0;
}

void Conn::attach(int32_t id, Leg& leg) {
  leg.id = id;
  link(leg);
  nghttp2_session_set_stream_user_data(session_, id, &leg);
}

void Conn::link(Leg& leg) {
  if (leg.attached) {
    return;
  }
  leg.attached = true;
  leg.prevAttached = nullptr;
  leg.nextAttached = legs_;
  if (legs_ != nullptr) {
    legs_->prevAttached = &leg;
  }
  legs_ = &leg;
}

void Conn::unlink(Leg& leg) {
  if (!leg.attached) {
    return;
  }
  leg.attached = false;
  if (leg.prevAttached != nullptr) {
    leg.prevAttached->nextAttached = leg.nextAttached;
  } else {
    legs_ = leg.nextAttached;
  }
  if (leg.nextAttached != nullptr) {
    leg.nextAttached->prevAttached = leg.prevAttached;
  }
  leg.prevAttached = leg.nextAttached = nullptr;
}

void Conn::detach(Leg& leg, uint32_t error) {
  unlink(leg);
  if (leg.id <= 0) {
    return;
  }
  // The stream is open, or (client) its request still waits in nghttp2's queue, the stream
  // not yet made: either way the pointer to the leg goes (nghttp2 finds a queued request's too),
  // and RST_STREAM resets the open stream or cancels the queued request.
  if (nghttp2_session_set_stream_user_data(session_, leg.id, nullptr) == 0) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, leg.id, error);
    kick();
  }
  leg.id = -1;
}

void Conn::resume(Leg& leg) {
  if (leg.id > 0 && leg.submitted) {
    nghttp2_session_resume_data(session_, leg.id);
    kick();
  }
}

void Conn::reset(Leg& leg, uint32_t error) {
  if (leg.id > 0) {
    nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, leg.id, error);
    kick();
  }
}

void Conn::consume(int32_t id, size_t n) {
  if (n == 0 || closing_) {
    return;
  }
  nghttp2_session_consume(session_, id, n);
  kick();
}

void Conn::shutdown() {
  // A server names the last stream it will serve; a client takes no pushed streams (0). Neither
  // ends a stream under way: nghttp2 stops wanting to read once none is left, and onDeferred
  // closes the connection then. (nghttp2_session_terminate_session would end them all.)
  int32_t last = side_ == Side::kServer ? nghttp2_session_get_last_proc_stream_id(session_) : 0;
  nghttp2_submit_goaway(session_, NGHTTP2_FLAG_NONE, last, NGHTTP2_NO_ERROR, nullptr, 0);
  goaway_ = true;
  kick();
}

void Conn::close() {
  if (closing_) {
    return;
  }
  closing_ = true;
  loop_.cancelDeferred(*this);
  stream_->close();
}

void Conn::fail(int err) {
  closeErr_ = err;
  close();
}

// ---- I/O ----

void Conn::onDeferred() {
  if (closing_ || !connected_) {
    return;
  }
  std::string out = stream_->scratch();
  for (;;) {
    const uint8_t* data = nullptr;
    ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (n < 0) {
      log().info("http2 send failed conn={} error={}", stream_->id(), nghttp2_strerror(static_cast<int>(n)));
      fail(-EPROTO);
      return;
    }
    if (n == 0) {
      break;
    }
    out.append(reinterpret_cast<const char*>(data), static_cast<size_t>(n));
    if (stream_->queued() + out.size() > io::kHighWater) {
      writePaused_ = true;  // onDrained resumes
      break;
    }
  }
  if (!out.empty()) {
    stream_->sendOwned(std::move(out));
  }
  if (!writePaused_ && nghttp2_session_want_read(session_) == 0 &&
      nghttp2_session_want_write(session_) == 0) {
    // Both sides are done (GOAWAY exchanged, no stream left): close once the bytes are out.
    closing_ = true;
    stream_->closeWhenDrained();
  }
}

void Conn::onConnected(io::Stream&, int err) {
  if (err != 0) {
    handler_.onConnected(*this, err);
    fail(err);
    return;
  }
  connected_ = true;
  everConnected_ = true;
  handler_.onConnected(*this, 0);
  kick();
}

bool Conn::receive(std::span<const char> bytes) {
  ssize_t n = nghttp2_session_mem_recv(session_, reinterpret_cast<const uint8_t*>(bytes.data()),
                                       bytes.size());
  if (n < 0) {
    log().info("http2 protocol error conn={} error={}", stream_->id(),
               nghttp2_strerror(static_cast<int>(n)));
    // nghttp2 queued a GOAWAY for most errors: send it, then close.
    onDeferred();
    fail(-EPROTO);
    return false;
  }
  kick();
  return true;
}

void Conn::onReadable(io::Stream& s) {
  while (s.hasInput() && !closing_) {
    std::span<const char> bytes = s.peek();
    if (!receive(bytes)) {
      return;
    }
    s.consume(bytes.size());
  }
}

void Conn::onEof(io::Stream&, int err) { fail(err); }

void Conn::onDrained(io::Stream&) {
  if (writePaused_) {
    writePaused_ = false;
    kick();
  }
}

void Conn::onClosed(io::Stream& s) {
  closing_ = true;
  loop_.cancelDeferred(*this);
  int err = closeErr_ != 0 ? closeErr_ : -s.error();
  stream_ = nullptr;
  // Every stream still open ends now: refused when the connection never came up (nothing was
  // sent, another connection may take it), reset otherwise.
  std::vector<Leg*> open;
  while (legs_ != nullptr) {
    Leg* leg = legs_;
    unlink(*leg);
    open.push_back(leg);
  }
  for (Leg* leg : open) {
    int32_t id = leg->id;
    leg->id = -1;
    handler_.onStreamClosed(*this, id, leg, everConnected_ ? NGHTTP2_INTERNAL_ERROR : NGHTTP2_REFUSED_STREAM);
  }
  handler_.onConnClosed(*this, s, err);  // may delete this
}

// ---- nghttp2 callbacks ----

int Conn::onBeginHeadersCb(nghttp2_session*, const nghttp2_frame* f, void* p) {
  Conn* c = self(p);
  c->pendingCount_ = 0;
  c->pendingId_ = f->hd.stream_id;
  if (c->side_ == Side::kServer && f->headers.cat == NGHTTP2_HCAT_REQUEST) {
    ++c->streams_;
  }
  return 0;
}

int Conn::onHeaderCb(nghttp2_session*, const nghttp2_frame*, const uint8_t* name, size_t namelen,
                     const uint8_t* value, size_t valuelen, uint8_t, void* p) {
  Conn* c = self(p);
  // Slots are reused block after block, so their strings keep their capacity.
  if (c->pendingCount_ == c->pending_.size()) {
    c->pending_.emplace_back();
  }
  Header& h = c->pending_[c->pendingCount_++];
  h.name.assign(reinterpret_cast<const char*>(name), namelen);
  h.value.assign(reinterpret_cast<const char*>(value), valuelen);
  return 0;
}

int Conn::onFrameRecvCb(nghttp2_session*, const nghttp2_frame* f, void* p) {
  Conn* c = self(p);
  const int32_t id = f->hd.stream_id;
  const bool end = (f->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  switch (f->hd.type) {
    case NGHTTP2_HEADERS: {
      if (c->pending_.size() > c->pendingCount_) {
        c->pending_.resize(c->pendingCount_);  // a shorter block than the last one
      }
      Leg* leg = c->legOf(id);
      Block block = Block::kTrailers;
      if (f->headers.cat == NGHTTP2_HCAT_REQUEST) {
        block = Block::kRequest;
      } else if (f->headers.cat == NGHTTP2_HCAT_RESPONSE) {
        std::string_view status = find(c->pending_, ":status");
        block = !status.empty() && status[0] == '1' ? Block::kInterim : Block::kResponse;
      }
      if (leg != nullptr || block == Block::kRequest) {
        c->handler_.onHeaders(*c, id, leg, block, c->pending_, end);
      }
      c->pendingCount_ = 0;
      return 0;
    }
    case NGHTTP2_DATA:
      if (end) {
        if (Leg* leg = c->legOf(id)) {
          c->handler_.onEnd(*c, id, leg);
        }
      }
      return 0;
    case NGHTTP2_GOAWAY:
      c->goaway_ = true;
      return 0;
    default:
      return 0;
  }
}

int Conn::onDataChunkCb(nghttp2_session* s, uint8_t, int32_t id, const uint8_t* data, size_t len,
                        void* p) {
  Conn* c = self(p);
  Leg* leg = c->legOf(id);
  if (leg == nullptr) {
    // Nobody wants it (the stream was detached): acknowledge it so the window stays open.
    nghttp2_session_consume(s, id, len);
    return 0;
  }
  c->handler_.onData(*c, id, leg, data, len);
  return 0;
}

int Conn::onStreamCloseCb(nghttp2_session*, int32_t id, uint32_t error, void* p) {
  Conn* c = self(p);
  if (c->streams_ > 0) {
    --c->streams_;
  }
  if (Leg* leg = c->legOf(id)) {
    c->unlink(*leg);
    leg->id = -1;
    c->handler_.onStreamClosed(*c, id, leg, error);
  }
  return 0;
}

ssize_t Conn::readBodyCb(nghttp2_session* s, int32_t id, uint8_t* buf, size_t length,
                         uint32_t* flags, nghttp2_data_source*, void* p) {
  Conn* c = self(p);
  Leg* leg = c->legOf(id);
  if (leg == nullptr) {
    return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;  // detached: the stream is reset
  }
  Pipe& pipe = leg->out;
  size_t n = std::min(length, pipe.size());
  if (n > 0) {
    std::memcpy(buf, pipe.buf.data() + pipe.off, n);
    pipe.off += n;
    pipe.taken += n;
    if (pipe.off == pipe.buf.size()) {
      pipe.buf.clear();
      pipe.off = 0;
    } else if (pipe.off > 64 * 1024) {
      pipe.buf.erase(0, pipe.off);
      pipe.off = 0;
    }
    if (pipe.from != nullptr) {
      pipe.from->consume(pipe.fromStream, n);  // the sender may send this much more
    }
    if (pipe.source != nullptr) {
      pipe.source->onTaken(n);
    }
  }
  if (pipe.size() == 0 && pipe.ended) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    if (pipe.hasTrailers) {
      *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
      auto& nv = nvs(pipe.trailers);
      nghttp2_submit_trailer(s, id, nv.data(), nv.size());
    }
    return static_cast<ssize_t>(n);
  }
  if (n == 0) {
    return NGHTTP2_ERR_DEFERRED;  // resume() when more arrives
  }
  return static_cast<ssize_t>(n);
}

// The callbacks are the same for every connection: made once.
nghttp2_session_callbacks* Conn::callbacks() {
  static nghttp2_session_callbacks* cbs = [] {
    nghttp2_session_callbacks* c = nullptr;
    nghttp2_session_callbacks_new(&c);
    nghttp2_session_callbacks_set_on_begin_headers_callback(c, &Conn::onBeginHeadersCb);
    nghttp2_session_callbacks_set_on_header_callback(c, &Conn::onHeaderCb);
    nghttp2_session_callbacks_set_on_frame_recv_callback(c, &Conn::onFrameRecvCb);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(c, &Conn::onDataChunkCb);
    nghttp2_session_callbacks_set_on_stream_close_callback(c, &Conn::onStreamCloseCb);
    return c;
  }();
  return cbs;
}

}  // namespace weir::proxy::h2
