#pragma once

// One HTTP/2 connection on an io::Stream, on nghttp2: frames are parsed from the stream's inbox
// and written to its outbox, once per loop round for everything that became due (Deferred).
// Flow control is end to end: received DATA is acknowledged (WINDOW_UPDATE) only when the bytes
// have gone on to the other side, never before, so a slow receiver slows its sender down through
// the proxy instead of filling the proxy's memory.
//
// Each stream carries a Leg: the body bytes to send on it (`out`), and the owner's pointer for
// the events received on it.

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "userspace-proxy/io/loop.h"

namespace weir::proxy::h2 {

using io::Clock;

struct Header {
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

std::string_view find(const Headers& h, std::string_view name);

class Conn;

// A producer of a pipe's bytes that is not another HTTP/2 stream (a tunnel's virtual stream):
// told how many bytes nghttp2 took, from inside the connection's write (it may only note it).
class PipeSource {
 public:
  virtual ~PipeSource() = default;
  virtual void onTaken(size_t n) = 0;
};

// The body bytes going out on one stream, and where they came from: taking bytes from here
// acknowledges them on the connection and stream that received them.
struct Pipe {
  std::string buf;
  size_t off = 0;
  bool ended = false;        // no more bytes will be added
  bool hasTrailers = false;  // send `trailers` after the bytes (gRPC status)
  Headers trailers;
  Conn* from = nullptr;      // the connection the bytes arrived on (null: none to acknowledge)
  int32_t fromStream = 0;
  uint64_t taken = 0;        // bytes handed to nghttp2 so far
  PipeSource* source = nullptr;  // told of takes (null: none)

  size_t size() const { return buf.size() - off; }
  void append(const uint8_t* data, size_t n) { buf.append(reinterpret_cast<const char*>(data), n); }
};

// One stream as one connection sees it.
struct Leg {
  Pipe out;
  void* owner = nullptr;  // the owner's object for the events of this stream
  int32_t id = -1;
  bool submitted = false;  // headers went to nghttp2 (the stream exists)
  // The connection's list of attached legs (intrusive: attaching allocates nothing).
  Leg* prevAttached = nullptr;
  Leg* nextAttached = nullptr;
  bool attached = false;
};

// The kinds of header blocks a stream receives.
enum class Block { kRequest, kResponse, kInterim, kTrailers };

class ConnHandler {
 public:
  virtual ~ConnHandler() = default;
  // Server side: `leg` is null for a new request stream (the handler attaches one with
  // attach()); otherwise the leg attached when the stream was opened.
  virtual void onHeaders(Conn& c, int32_t id, Leg* leg, Block block, Headers& headers,
                         bool endStream) = 0;
  virtual void onData(Conn& c, int32_t id, Leg* leg, const uint8_t* data, size_t n) = 0;
  // END_STREAM after data (headers with END_STREAM say so through onHeaders).
  virtual void onEnd(Conn& c, int32_t id, Leg* leg) = 0;
  virtual void onStreamClosed(Conn& c, int32_t id, Leg* leg, uint32_t error) = 0;
  // The connection is gone (closed, failed, or refused to connect: `err` a negative errno, or
  // 0). Every stream had its onStreamClosed first. `s` (closed) is valid during the call; the
  // handler may delete the Conn.
  virtual void onConnClosed(Conn& c, io::Stream& s, int err) = 0;
  // Client side: the connect completed (err 0) or failed.
  virtual void onConnected(Conn& c, int err) = 0;
};

struct ConnOptions {
  uint32_t maxConcurrentStreams = 1000;
  uint32_t streamWindow = 1u << 20;       // 1 MiB per stream
  uint32_t connectionWindow = 16u << 20;  // 16 MiB per connection
};

class Conn final : public io::StreamHandler, public io::Deferred {
 public:
  enum class Side { kServer, kClient };

  // Takes over `s` (connected, or connecting for a client). The handler hears everything.
  Conn(io::Loop& loop, io::Stream& s, Side side, ConnHandler& handler, ConnOptions options = {});
  ~Conn() override;
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  // Client: opens a stream with `leg` (its out pipe the request body, unless `endStream`).
  // Returns the stream id, or a negative nghttp2 error.
  int32_t request(const Headers& headers, Leg& leg, bool endStream);
  // Server: answers stream `leg.id`.
  bool response(const Headers& headers, Leg& leg, bool endStream);
  // Server: attaches the owner's leg to a new request stream (from onHeaders).
  void attach(int32_t id, Leg& leg);
  // The owner drops `leg`: the stream is reset (CANCEL unless `error`) if still open, and no
  // event for it reaches the handler any more.
  void detach(Leg& leg, uint32_t error = NGHTTP2_CANCEL);
  // More bytes (or the end) are in leg.out.
  void resume(Leg& leg);
  void reset(Leg& leg, uint32_t error);
  // Acknowledges n received bytes of stream `id` (the window reopens for the sender).
  void consume(int32_t id, size_t n);
  // No new streams: GOAWAY after the ones under way (graceful).
  void shutdown();
  // Closes the connection now.
  void close();
  // Feeds received bytes to nghttp2 (what onReadable does with the stream's inbox). False when
  // they broke the protocol (the connection is then closing).
  bool receive(std::span<const char> bytes);

  // Client: the stream given was already connected.
  void markConnected();
  bool connected() const { return connected_; }
  bool closing() const { return closing_; }
  // The connection came up at some point (streams refused after that were not the peer's fault).
  bool everConnected() const { return everConnected_; }
  // New streams may be opened on it (client): connected or connecting, no GOAWAY, room.
  bool canOpen() const;
  size_t streams() const { return streams_; }
  io::Stream& stream() { return *stream_; }

  // io::StreamHandler
  void onConnected(io::Stream& s, int err) override;
  void onReadable(io::Stream& s) override;
  void onEof(io::Stream& s, int err) override;
  void onDrained(io::Stream& s) override;
  void onClosed(io::Stream& s) override;
  // io::Deferred: writes what nghttp2 has queued.
  void onDeferred() override;

 private:
  static int onBeginHeadersCb(nghttp2_session*, const nghttp2_frame* f, void* self);
  static int onHeaderCb(nghttp2_session*, const nghttp2_frame* f, const uint8_t* name,
                        size_t namelen, const uint8_t* value, size_t valuelen, uint8_t flags,
                        void* self);
  static int onFrameRecvCb(nghttp2_session*, const nghttp2_frame* f, void* self);
  static int onDataChunkCb(nghttp2_session*, uint8_t flags, int32_t id, const uint8_t* data,
                           size_t len, void* self);
  static int onStreamCloseCb(nghttp2_session*, int32_t id, uint32_t error, void* self);
  static ssize_t readBodyCb(nghttp2_session*, int32_t id, uint8_t* buf, size_t length,
                            uint32_t* flags, nghttp2_data_source* source, void* self);
  static nghttp2_session_callbacks* callbacks();
  void link(Leg& leg);
  void unlink(Leg& leg);
  Leg* legOf(int32_t id);
  void kick();
  void fail(int err);

  io::Loop& loop_;
  io::Stream* stream_;
  Side side_;
  ConnHandler& handler_;
  nghttp2_session* session_ = nullptr;
  Headers pending_;  // the header block being received
  int32_t pendingId_ = 0;
  size_t streams_ = 0;
  bool connected_ = false;
  bool everConnected_ = false;
  Leg* legs_ = nullptr;  // attached legs, told when the connection goes
  size_t pendingCount_ = 0;  // slots of pending_ used by the block being received
  bool closing_ = false;
  bool goaway_ = false;       // the peer said GOAWAY (client side: no new streams)
  bool writePaused_ = false;  // the outbox is above the high-water mark
  int closeErr_ = 0;
  std::string scratch_;
};

}  // namespace weir::proxy::h2
