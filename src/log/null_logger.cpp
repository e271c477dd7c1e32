#include <bsvpeer/log/null_logger.hpp>

#include <spdlog/sinks/null_sink.h>

namespace bsvpeer {

std::shared_ptr<spdlog::logger> null_logger() {
  static const auto logger = std::make_shared<spdlog::logger>(
      "bsvpeer-null", std::make_shared<spdlog::sinks::null_sink_mt>());
  return logger;
}

}  // namespace bsvpeer
