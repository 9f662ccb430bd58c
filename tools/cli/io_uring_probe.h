#pragma once

// What `weir check` asks of io_uring: the features weir-proxy's workers are built on.

#include <string>

#include "common/base/result.h"

namespace weir::cli {

// An io_uring instance can be created (io_uring_setup is not disabled or filtered).
Result<std::string> probeIoUringSetup();

// The opcodes the proxy submits are supported: accept, connect, recv, send, close and
// provide-buffers.
Result<std::string> probeIoUringOpcodes();

// A provided buffer ring can be registered, and a multishot accept really delivers a connection
// with IORING_CQE_F_MORE set (tried on an abstract unix socket, so no network is needed).
Result<std::string> probeIoUringMultishot();

}  // namespace weir::cli
