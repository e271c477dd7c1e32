#pragma once
// The library's default logger: no sinks, shared by every component that was given none. The
// library never touches spdlog's global state (lives in `peer`, the lowest room with spdlog).
#include <spdlog/logger.h>

#include <memory>

namespace bsvpeer {

std::shared_ptr<spdlog::logger> null_logger();

}  // namespace bsvpeer
