#pragma once

// HTTP status codes' reason phrases (RFC 9110 15), for the status lines weir writes itself: the
// admin servers' answers and the proxy's own error responses.

#include <string_view>

namespace weir::http {

// The phrase of a status code weir sends; "Unknown" for any other.
std::string_view reasonPhrase(int status);

}  // namespace weir::http
