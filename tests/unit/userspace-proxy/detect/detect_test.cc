// Protocol detection on a connection's first bytes: the table of what each prefix decides, the
// same bytes fed one at a time (a decision never changes as bytes arrive), final (EOF or the
// detection timeout), and the SNI of real and malformed ClientHellos.

#include "userspace-proxy/detect/detect.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "userspace-proxy/detect/client_hello.h"

namespace weir::proxy::detect {
namespace {

std::span<const uint8_t> bytesOf(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

const char* name(Protocol p) {
  switch (p) {
    case Protocol::kNeedMore:
      return "need-more";
    case Protocol::kHttp1:
      return "http1";
    case Protocol::kHttp2:
      return "http2";
    case Protocol::kTls:
      return "tls";
    case Protocol::kOpaque:
      return "opaque";
  }
  return "?";
}

// A TLS 1.3-style ClientHello record with the given SNI (none when empty), built field by field.
std::string clientHello(const std::string& sni, size_t padding = 0) {
  auto u16 = [](size_t v) { return std::string{static_cast<char>(v >> 8), static_cast<char>(v & 0xff)}; };
  auto u24 = [](size_t v) {
    return std::string{static_cast<char>(v >> 16), static_cast<char>((v >> 8) & 0xff),
                       static_cast<char>(v & 0xff)};
  };
  std::string extensions;
  if (!sni.empty()) {
    std::string name = std::string(1, '\0') + u16(sni.size()) + sni;  // host_name
    std::string list = u16(name.size()) + name;
    extensions += u16(0) + u16(list.size()) + list;
  }
  // supported_versions: TLS 1.3
  extensions += u16(43) + u16(3) + std::string{2, 0x03, 0x04};
  if (padding > 0) {
    extensions += u16(21) + u16(padding) + std::string(padding, '\0');
  }
  std::string body = u16(0x0303) + std::string(32, 'r') + std::string(1, '\0') +  // no session id
                     u16(2) + std::string{0x13, 0x01} +                             // one suite
                     std::string{1, 0} +                                            // null compression
                     u16(extensions.size()) + extensions;
  std::string handshake = std::string(1, 1) + u24(body.size()) + body;
  return std::string{0x16, 0x03, 0x01} + u16(handshake.size()) + handshake;
}

struct Case {
  const char* name;
  std::string input;
  Protocol expected;
  Protocol expectedFinal;  // the same bytes when no more will come
};

std::vector<Case> cases() {
  const std::string preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
  return {
      {"empty", "", Protocol::kNeedMore, Protocol::kOpaque},
      {"get", "GET / HTTP/1.1\r\n", Protocol::kHttp1, Protocol::kHttp1},
      {"get with headers", "GET /a?b=c HTTP/1.1\r\nHost: x\r\n\r\n", Protocol::kHttp1,
       Protocol::kHttp1},
      {"http/1.0", "POST /submit HTTP/1.0\r\n", Protocol::kHttp1, Protocol::kHttp1},
      {"extension method", "M-SEARCH * HTTP/1.1\r\n", Protocol::kHttp1, Protocol::kHttp1},
      {"connect", "CONNECT db:5432 HTTP/1.1\r\n", Protocol::kHttp1, Protocol::kHttp1},
      {"partial method", "GE", Protocol::kNeedMore, Protocol::kOpaque},
      {"partial line", "GET /index.html HTT", Protocol::kNeedMore, Protocol::kOpaque},
      {"no CR yet", "GET / HTTP/1.1", Protocol::kNeedMore, Protocol::kOpaque},
      {"http/2.0 request line", "GET / HTTP/2.0\r\n", Protocol::kOpaque, Protocol::kOpaque},
      {"http/1.2", "GET / HTTP/1.2\r\n", Protocol::kOpaque, Protocol::kOpaque},
      {"lowercase method", "get / HTTP/1.1\r\n", Protocol::kOpaque, Protocol::kOpaque},
      {"two spaces", "GET  / HTTP/1.1\r\n", Protocol::kOpaque, Protocol::kOpaque},
      {"LF only", "GET / HTTP/1.1\n", Protocol::kOpaque, Protocol::kOpaque},
      {"method too long", std::string(25, 'A') + " / HTTP/1.1\r\n", Protocol::kOpaque,
       Protocol::kOpaque},
      {"control byte in target", "GET /\x01 HTTP/1.1\r\n", Protocol::kOpaque, Protocol::kOpaque},
      {"request line too long", "GET /" + std::string(9000, 'a'), Protocol::kOpaque,
       Protocol::kOpaque},
      {"h2 preface", preface, Protocol::kHttp2, Protocol::kHttp2},
      {"h2 preface and a frame", preface + std::string("\0\0\0\4\0\0\0\0\0", 9),
       Protocol::kHttp2, Protocol::kHttp2},
      {"h2 preface prefix", "PRI * HTTP/2.0\r\n", Protocol::kNeedMore, Protocol::kOpaque},
      {"PRI as an HTTP/1 method", "PRI * HTTP/1.1\r\n", Protocol::kHttp1, Protocol::kHttp1},
      {"redis", "*1\r\n$4\r\nPING\r\n", Protocol::kOpaque, Protocol::kOpaque},
      {"postgres startup", std::string("\0\0\0\x08\x04\xd2\x16\x2f", 8), Protocol::kOpaque,
       Protocol::kOpaque},
      {"tls with sni", clientHello("web.demo.svc.cluster.local"), Protocol::kTls, Protocol::kTls},
      {"tls without sni", clientHello(""), Protocol::kTls, Protocol::kTls},
      {"tls header only", std::string{0x16, 0x03, 0x01}, Protocol::kNeedMore, Protocol::kOpaque},
      {"tls cut short", clientHello("a.b").substr(0, 20), Protocol::kNeedMore, Protocol::kTls},
      {"tls bad major", std::string{0x16, 0x02, 0x01, 0x00, 0x10}, Protocol::kOpaque,
       Protocol::kOpaque},
      {"tls not a client hello", std::string{0x16, 0x03, 0x03, 0x00, 0x10, 0x02},
       Protocol::kOpaque, Protocol::kOpaque},
      {"tls record too long", std::string{0x16, 0x03, 0x03, 0x48, 0x01, 0x01}, Protocol::kOpaque,
       Protocol::kOpaque},
  };
}

TEST(DetectTest, Table) {
  for (const Case& c : cases()) {
    EXPECT_STREQ(name(detect(bytesOf(c.input), false).protocol), name(c.expected)) << c.name;
    EXPECT_STREQ(name(detect(bytesOf(c.input), true).protocol), name(c.expectedFinal)) << c.name;
  }
}

TEST(DetectTest, ByteByByteDecisionNeverChanges) {
  for (const Case& c : cases()) {
    Protocol decided = Protocol::kNeedMore;
    for (size_t n = 0; n <= c.input.size(); ++n) {
      Protocol p = detect(bytesOf(c.input.substr(0, n)), false).protocol;
      if (decided != Protocol::kNeedMore) {
        EXPECT_STREQ(name(p), name(decided)) << c.name << " after " << n << " bytes";
      }
      decided = p;
    }
    EXPECT_STREQ(name(decided), name(c.expected)) << c.name;
  }
}

TEST(DetectTest, SniIsReadLowercasedFromTheClientHello) {
  EXPECT_EQ(detect(bytesOf(clientHello("Web.Demo.SVC.cluster.local")), false).sni,
            "web.demo.svc.cluster.local");
  EXPECT_EQ(detect(bytesOf(clientHello("")), false).sni, "");
  // The SNI comes early; a hello whose padding was cut off by the timeout still yields it.
  std::string big = clientHello("api.example", 3000);
  Detection cut = detect(bytesOf(big.substr(0, 200)), true);
  EXPECT_EQ(cut.protocol, Protocol::kTls);
  EXPECT_EQ(cut.sni, "api.example");
}

TEST(DetectTest, MalformedServerNamesYieldNoSni) {
  for (const std::string bad : {std::string("a..b"), std::string(".a"), std::string("a."),
                                std::string("a b"), std::string(256, 'a'),
                                std::string("caf\xc3\xa9")}) {
    Detection d = detect(bytesOf(clientHello(bad)), false);
    EXPECT_EQ(d.protocol, Protocol::kTls) << bad;
    EXPECT_EQ(d.sni, "") << bad;
  }
}

TEST(DetectTest, ServerFirstBytesTellAnHttp2ServerFromOtherProtocols) {
  // nghttpd, gRPC servers: SETTINGS with three entries right after accept.
  const std::string settings("\x00\x00\x12\x04\x00\x00\x00\x00\x00", 9);
  const struct {
    const char* name;
    std::string bytes;
    ServerFirst expected;
  } cases[] = {
      {"h2 settings", settings + std::string(18, '\0'), ServerFirst::kHttp2},
      {"h2 settings header only", settings, ServerFirst::kHttp2},
      {"empty settings", std::string("\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9), ServerFirst::kHttp2},
      {"a prefix of it", settings.substr(0, 4), ServerFirst::kNeedMore},
      {"settings ack", std::string("\x00\x00\x00\x04\x01\x00\x00\x00\x00", 9), ServerFirst::kOpaque},
      {"odd length", std::string("\x00\x00\x07\x04\x00\x00\x00\x00\x00", 9), ServerFirst::kOpaque},
      {"smtp banner", "220 mail ready\r\n", ServerFirst::kOpaque},
      {"mysql greeting", std::string("\x4a\x00\x00\x00\x0a", 5), ServerFirst::kOpaque},
      {"nats", "INFO {}\r\n", ServerFirst::kOpaque},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(serverFirst(bytesOf(c.bytes)), c.expected) << c.name;
  }
}

TEST(ClientHelloTest, EveryTruncationIsSafe) {
  // Every prefix of a hello is read without reading past it (ASan would say) and yields either
  // the name or nothing.
  std::string record = clientHello("svc.ns", 64);
  std::string handshake = record.substr(5);
  for (size_t n = 0; n <= handshake.size(); ++n) {
    std::string sni = serverNameOf(bytesOf(handshake.substr(0, n)));
    EXPECT_TRUE(sni.empty() || sni == "svc.ns") << n;
  }
  EXPECT_EQ(serverNameOf(bytesOf(handshake)), "svc.ns");
}

}  // namespace
}  // namespace weir::proxy::detect
