#pragma once
// The library's default logger: no sinks, shared by every component that was given none. The
// library never touches spdlog's global state. In `log`, the room of logging helpers below
// every room that logs (peer, conn, node), so none of them reaches sideways for it.
#include <spdlog/logger.h>

#include <memory>

namespace bsvpeer {

std::shared_ptr<spdlog::logger> null_logger();

}  // namespace bsvpeer
