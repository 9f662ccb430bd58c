#include "control/kube/http_response.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace weir::control::kube {
namespace {

TEST(ParseResponseHead, StatusReasonAndHeaders) {
  auto head = parseResponseHead(
      "HTTP/1.1 410 Gone\r\nAudit-Id: abc\r\nContent-Type:  application/json \r\n"
      "transfer-encoding: chunked\r\n");
  ASSERT_TRUE(head.ok()) << head.error().str();
  EXPECT_EQ(head->status, 410);
  EXPECT_EQ(head->reason, "Gone");
  ASSERT_NE(head->find("Content-Type"), nullptr);
  EXPECT_EQ(*head->find("content-type"), "application/json");
  EXPECT_EQ(*head->find("Transfer-Encoding"), "chunked");
  EXPECT_EQ(head->find("Content-Length"), nullptr);
}

TEST(ParseResponseHead, RejectsMalformed) {
  struct Case {
    const char* name;
    const char* input;
    const char* error;
  };
  const Case cases[] = {
      {"not http", "SSH-2.0-OpenSSH\r\n", "bad HTTP status line \"SSH-2.0-OpenSSH\""},
      {"short", "HTTP/1.1 20\r\n", "bad HTTP status line \"HTTP/1.1 20\""},
      {"letters", "HTTP/1.1 2xx OK\r\n", "bad HTTP status code in \"HTTP/1.1 2xx OK\""},
      {"four digits", "HTTP/1.1 2000 OK\r\n", "bad HTTP status code in \"HTTP/1.1 2000 OK\""},
      {"header without colon", "HTTP/1.1 200 OK\r\nnocolon\r\n",
       "bad HTTP header line \"nocolon\""},
  };
  for (const Case& c : cases) {
    auto head = parseResponseHead(c.input);
    ASSERT_FALSE(head.ok()) << c.name;
    EXPECT_EQ(head.error().str(), c.error) << c.name;
  }
}

TEST(ChunkedDecoder, DecodesFedWholeAndByteByByte) {
  const std::string wire =
      "5;ext=1\r\nhello\r\n7\r\n, world\r\nA\r\n and more\n\r\n0\r\nX-Trailer: t\r\n\r\nIGNORED";
  {
    ChunkedDecoder d;
    std::string out;
    ASSERT_TRUE(d.feed(wire, out).ok());
    EXPECT_TRUE(d.done());
    EXPECT_EQ(out, "hello, world and more\n");
  }
  {
    ChunkedDecoder d;
    std::string out;
    for (char c : wire) {
      ASSERT_TRUE(d.feed(std::string_view(&c, 1), out).ok());
    }
    EXPECT_TRUE(d.done());
    EXPECT_EQ(out, "hello, world and more\n");
  }
}

TEST(ChunkedDecoder, RejectsMalformed) {
  struct Case {
    const char* name;
    std::string input;
    const char* error;
  };
  const Case cases[] = {
      {"bad size", "zz\r\n", "chunked body: bad chunk size \"zz\""},
      {"empty size", "\r\n", "chunked body: bad chunk size \"\""},
      {"overflow", "fffffffffffffffff\r\n", "chunked body: bad chunk size \"fffffffffffffffff\""},
      {"data longer than size", "2\r\nabc\r\n", "chunked body: chunk data longer than its size"},
      {"endless size line", std::string(5000, '1'), "chunked body: line longer than 4096 bytes"},
  };
  for (const Case& c : cases) {
    ChunkedDecoder d;
    std::string out;
    auto st = d.feed(c.input, out);
    ASSERT_FALSE(st.ok()) << c.name;
    EXPECT_EQ(st.error().str(), c.error) << c.name;
  }
}

TEST(LineSplitter, SplitsAcrossFeedsAndStripsCr) {
  LineSplitter s(64);
  std::vector<std::string> lines;
  LineSink sink = [&](std::string_view l) {
    lines.emplace_back(l);
    return true;
  };
  ASSERT_TRUE(*s.feed("{\"a\":1}\r\n{\"b\"", sink));
  ASSERT_TRUE(*s.feed(":2}\n\n{\"c\":3}", sink));
  ASSERT_TRUE(*s.finish(sink));
  EXPECT_EQ(lines, (std::vector<std::string>{"{\"a\":1}", "{\"b\":2}", "", "{\"c\":3}"}));
}

TEST(LineSplitter, StopsWhenTheSinkSaysSoAndBoundsLines) {
  LineSplitter s(8);
  int calls = 0;
  LineSink stopAtOnce = [&](std::string_view) {
    ++calls;
    return false;
  };
  auto r = s.feed("one\ntwo\n", stopAtOnce);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(*r);
  EXPECT_EQ(calls, 1);

  LineSplitter small(8);
  LineSink any = [](std::string_view) { return true; };
  EXPECT_FALSE(small.feed("0123456789\n", any).ok());
  LineSplitter partial(8);
  ASSERT_TRUE(partial.feed("01234", any).ok());
  EXPECT_FALSE(partial.feed("56789", any).ok());
}

}  // namespace
}  // namespace weir::control::kube
