// libFuzzer target: bytes -> weir-proxy's protocol detection (detect, serverFirst, the
// ClientHello's SNI), which reads the first bytes of every intercepted connection. Besides
// ASan/UBSan findings it checks the contract: a decision never changes as more bytes arrive,
// `final` always decides, and an SNI is lowercase host-name characters.

#include <cstddef>
#include <cstdint>
#include <span>

#include "tests/fuzz/check.h"
#include "userspace-proxy/detect/client_hello.h"
#include "userspace-proxy/detect/detect.h"

using weir::fuzz::check;
using namespace weir::proxy::detect;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::span<const uint8_t> bytes(data, size);
  Detection whole = detect(bytes, false);
  Detection final = detect(bytes, true);
  check(final.protocol != Protocol::kNeedMore, "final without a decision");
  if (whole.protocol != Protocol::kNeedMore) {
    check(final.protocol == whole.protocol, "final changed a decision");
  }
  // Every prefix either needs more or already made the whole input's decision.
  for (size_t n = 0; n < size && n < 600; n += 1 + n / 16) {
    Detection part = detect(bytes.first(n), false);
    if (part.protocol != Protocol::kNeedMore) {
      check(part.protocol == whole.protocol, "a decision changed as bytes arrived");
    }
  }
  for (char c : whole.sni) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    check(ok, "an SNI with a character no host name has");
  }
  (void)serverNameOf(bytes);
  ServerFirst sf = serverFirst(bytes);
  if (size >= 9) {
    check(sf != ServerFirst::kNeedMore, "nine bytes and no decision on the server's preface");
  }
  return 0;
}
