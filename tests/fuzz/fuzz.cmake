# Initial cache for the fuzz build (cmake -C): clang for everything, every library compiled with
# libFuzzer's coverage hooks, ASan and UBSan, assertions on.
#
#   cmake -S . -B build-fuzz -G Ninja -C tests/fuzz/fuzz.cmake
#   ninja -C build-fuzz config_fuzz admin_request_fuzz kube_wire_fuzz proxy_detect_fuzz \
#       proxy_http1_fuzz proxy_http2_fuzz proxy_wire_fuzz proxy_tunnel_fuzz identity_fuzz
#   ctest --test-dir build-fuzz -L fuzz --output-on-failure

set(CMAKE_C_COMPILER clang CACHE STRING "")
set(CMAKE_CXX_COMPILER clang++ CACHE STRING "")
set(WEIR_FUZZ ON CACHE BOOL "")

set(WEIR_FUZZ_SANITIZE
    "-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer")
set(CMAKE_C_FLAGS "${WEIR_FUZZ_SANITIZE}" CACHE STRING "")
set(CMAKE_CXX_FLAGS "${WEIR_FUZZ_SANITIZE}" CACHE STRING "")
set(CMAKE_EXE_LINKER_FLAGS "-fsanitize=address,undefined" CACHE STRING "")
set(CMAKE_SHARED_LINKER_FLAGS "-fsanitize=address,undefined" CACHE STRING "")

# RelWithDebInfo without -DNDEBUG: our assertions are invariants a fuzzer should be able to break.
set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "")
set(CMAKE_C_FLAGS_RELWITHDEBINFO "-O1 -g" CACHE STRING "")
set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O1 -g" CACHE STRING "")
