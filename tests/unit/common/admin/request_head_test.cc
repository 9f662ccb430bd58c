#include "common/admin/request_head.h"

#include <gtest/gtest.h>

#include <string>

namespace weir::admin {
namespace {

using State = HeadResult::State;
using namespace std::string_literals;

struct Case {
  const char* name;
  std::string input;
  State state;
  int status;  // kRejected only
  const char* method;
  const char* path;
  const char* query;
};

const Case kCases[] = {
    {"get", "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", State::kComplete, 0, "GET", "/metrics", ""},
    {"query", "GET /metrics?a=1&b HTTP/1.1\r\n\r\n", State::kComplete, 0, "GET", "/metrics",
     "a=1&b"},
    {"http/1.0", "HEAD /ready HTTP/1.0\r\n\r\n", State::kComplete, 0, "HEAD", "/ready", ""},
    {"bare LF", "GET /live HTTP/1.1\nHost: x\n\n", State::kComplete, 0, "GET", "/live", ""},
    {"leading empty line", "\r\nGET /live HTTP/1.1\r\n\r\n", State::kComplete, 0, "GET", "/live",
     ""},
    {"absolute form", "GET http://10.0.0.1:4191/metrics?x HTTP/1.1\r\n\r\n", State::kComplete, 0,
     "GET", "/metrics", "x"},
    {"absolute form without path", "GET http://h:1 HTTP/1.1\r\n\r\n", State::kComplete, 0, "GET",
     "/", ""},
    {"fragment dropped", "GET /ready#top HTTP/1.1\r\n\r\n", State::kComplete, 0, "GET", "/ready",
     ""},
    {"header value OWS and obs-text", "GET / HTTP/1.1\r\nX:  a\t\xe9 \r\n\r\n", State::kComplete, 0,
     "GET", "/", ""},
    {"body ignored", "POST /shutdown HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", State::kComplete, 0,
     "POST", "/shutdown", ""},

    {"empty", "", State::kIncomplete, 0, "", "", ""},
    {"partial request line", "GET /met", State::kIncomplete, 0, "", "", ""},
    {"partial headers", "GET / HTTP/1.1\r\nHost: x\r\n", State::kIncomplete, 0, "", "", ""},

    {"tls client hello", "\x16\x03\x01\x02\x00\x01"s, State::kRejected, 400, "", "", ""},
    {"garbage line", "hello world\r\n\r\n", State::kRejected, 400, "", "", ""},
    {"missing version", "GET /\r\n\r\n", State::kRejected, 400, "", "", ""},
    {"double space", "GET  / HTTP/1.1\r\n\r\n", State::kRejected, 400, "", "", ""},
    {"lowercase version", "GET / http/1.1\r\n\r\n", State::kRejected, 400, "", "", ""},
    {"relative target", "GET metrics HTTP/1.1\r\n\r\n", State::kRejected, 400, "", "", ""},
    {"control char in target", "GET /a\x01 HTTP/1.1\r\n\r\n", State::kRejected, 400, "", "", ""},
    {"http/2", "GET / HTTP/2.0\r\n\r\n", State::kRejected, 505, "", "", ""},
    {"header without colon", "GET / HTTP/1.1\r\nHost x\r\n\r\n", State::kRejected, 400, "", "", ""},
    {"space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", State::kRejected, 400, "", "", ""},
    {"empty header name", "GET / HTTP/1.1\r\n: x\r\n\r\n", State::kRejected, 400, "", "", ""},
    {"obs-fold", "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", State::kRejected, 400, "", "", ""},
    {"NUL in value", "GET / HTTP/1.1\r\nA: b\0c\r\n\r\n"s, State::kRejected, 400, "", "", ""},
    {"bare CR in value", "GET / HTTP/1.1\r\nA: b\rc\r\n\r\n", State::kRejected, 400, "", "", ""},
    {"oversized header", "GET / HTTP/1.1\r\nX: " + std::string(kMaxHeadBytes, 'a') + "\r\n\r\n",
     State::kRejected, 431, "", "", ""},
    {"oversized incomplete head", "GET / HTTP/1.1\r\nX: " + std::string(kMaxHeadBytes, 'a'),
     State::kRejected, 431, "", "", ""},
    {"oversized request line", "GET /" + std::string(kMaxHeadBytes, 'a'), State::kRejected, 431, "",
     "", ""},
};

TEST(ParseRequestHeadTest, Table) {
  for (const Case& c : kCases) {
    SCOPED_TRACE(c.name);
    HeadResult r = parseRequestHead(c.input);
    ASSERT_EQ(r.state, c.state);
    if (c.state == State::kRejected) {
      EXPECT_EQ(r.status, c.status);
      EXPECT_FALSE(r.reason.empty());
    }
    if (c.state == State::kComplete) {
      EXPECT_EQ(r.request.method, c.method);
      EXPECT_EQ(r.request.path, c.path);
      EXPECT_EQ(r.request.query, c.query);
    }
  }
}

TEST(ParseRequestHeadTest, HeadJustUnderTheLimitIsAccepted) {
  std::string prefix = "GET / HTTP/1.1\r\nX: ";
  std::string suffix = "\r\n\r\n";
  std::string input =
      prefix + std::string(kMaxHeadBytes - prefix.size() - suffix.size(), 'a') + suffix;
  ASSERT_EQ(input.size(), kMaxHeadBytes);
  EXPECT_EQ(parseRequestHead(input).state, HeadResult::State::kComplete);
  input.insert(prefix.size(), "a");
  EXPECT_EQ(parseRequestHead(input).status, 431);
}

}  // namespace
}  // namespace weir::admin
