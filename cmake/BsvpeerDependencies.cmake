# Every dependency comes from Debian 12 packages (see README.md and docs/toolchain notes).
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED CONFIG COMPONENTS system program_options)
find_package(OpenSSL 3 REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(spdlog 1.10 REQUIRED)
find_package(PkgConfig REQUIRED)
# c-ares has no CMake package on Debian 12; pkg-config only.
pkg_check_modules(CARES REQUIRED IMPORTED_TARGET GLOBAL libcares>=1.18)
