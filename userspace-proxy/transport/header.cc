#include "userspace-proxy/transport/header.h"

#include <arpa/inet.h>

#include <cstring>

#include "weir/v1/transport.pb.h"

namespace weir::proxy::transport {

namespace {
constexpr size_t kPrefixBytes = kMagic.size() + 4;
}  // namespace

std::string encode(const Header& header) {
  v1::TransportHeader m;
  m.mutable_target()->mutable_ip()->set_ipv4(ntohl(header.target.ip4));
  m.mutable_target()->set_port(header.target.port);
  switch (header.protocol) {
    case Protocol::kHttp1:
      m.set_protocol(v1::TransportHeader::PROTOCOL_HTTP1);
      break;
    case Protocol::kHttp2:
      m.set_protocol(v1::TransportHeader::PROTOCOL_HTTP2);
      break;
    case Protocol::kOpaque:
      m.set_protocol(v1::TransportHeader::PROTOCOL_OPAQUE);
      break;
    case Protocol::kUnknown:
      break;
  }
  m.set_authority(header.authority);
  std::string body = m.SerializeAsString();
  std::string out(kMagic);
  uint32_t len = htonl(static_cast<uint32_t>(body.size()));
  out.append(reinterpret_cast<const char*>(&len), sizeof len);
  out += body;
  return out;
}

Decoded decode(std::span<const char> bytes) {
  Decoded d;
  size_t magicSeen = std::min(bytes.size(), kMagic.size());
  if (std::memcmp(bytes.data(), kMagic.data(), magicSeen) != 0) {
    d.state = Decoded::State::kInvalid;
    d.why = "no transport header";
    return d;
  }
  if (bytes.size() < kPrefixBytes) {
    return d;
  }
  uint32_t len = 0;
  std::memcpy(&len, bytes.data() + kMagic.size(), sizeof len);
  len = ntohl(len);
  if (len > kMaxMessageBytes) {
    d.state = Decoded::State::kInvalid;
    d.why = "transport header too long";
    return d;
  }
  if (bytes.size() < kPrefixBytes + len) {
    return d;
  }
  v1::TransportHeader m;
  if (!m.ParseFromArray(bytes.data() + kPrefixBytes, static_cast<int>(len)) ||
      !m.target().ip().has_ipv4() || m.target().port() == 0 || m.target().port() > 65535) {
    d.state = Decoded::State::kInvalid;
    d.why = "transport header without an IPv4 target";
    return d;
  }
  d.header.target = io::Address{htonl(m.target().ip().ipv4()),
                                static_cast<uint16_t>(m.target().port())};
  switch (m.protocol()) {
    case v1::TransportHeader::PROTOCOL_HTTP1:
      d.header.protocol = Protocol::kHttp1;
      break;
    case v1::TransportHeader::PROTOCOL_HTTP2:
      d.header.protocol = Protocol::kHttp2;
      break;
    case v1::TransportHeader::PROTOCOL_OPAQUE:
      d.header.protocol = Protocol::kOpaque;
      break;
    default:
      d.header.protocol = Protocol::kUnknown;
  }
  d.header.authority = m.authority().substr(0, 255);
  for (char ch : d.header.authority) {
    auto u = static_cast<unsigned char>(ch);
    if (u <= 0x20 || u >= 0x7f) {
      d.state = Decoded::State::kInvalid;
      d.why = "transport header with a malformed authority";
      return d;
    }
  }
  d.consumed = kPrefixBytes + len;
  d.state = Decoded::State::kDone;
  return d;
}

}  // namespace weir::proxy::transport
