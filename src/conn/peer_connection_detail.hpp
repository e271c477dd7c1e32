#pragma once
// What the PeerConnection's files share (peer_connection.cpp: life cycle and commands;
// peer_connection_reader.cpp, peer_connection_writer.cpp, peer_connection_actions.cpp).
// Private to src/conn.
#include <bsvpeer/conn/peer_connection.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace bsvpeer::conn::detail {

inline constexpr auto kUseTuple = boost::asio::as_tuple(boost::asio::use_awaitable);
// Bytes handed to one write (an asynchronous write or a direct one).
inline constexpr std::size_t kMaxWriteBatch = 256 * 1024;
// Written frames kept for reuse, and the largest buffer kept (frames or payload scratch).
inline constexpr std::size_t kMaxSpareFrames = 8;
inline constexpr std::size_t kMaxSpareBuffer = 256;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

// Failures of the transport or the clock, as opposed to the peer breaking a rule.
bool is_failure(DisconnectReason r);

inline std::int64_t unix_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace bsvpeer::conn::detail

namespace bsvpeer::conn {

template <class... Args>
void PeerConnection::log(spdlog::level::level_enum level, fmt::format_string<Args...> fmt,
                         Args&&... args) {
  if (!logger_->should_log(level)) return;
  logger_->log(level, "[{}] {}", log_prefix_, fmt::format(fmt, std::forward<Args>(args)...));
}

}  // namespace bsvpeer::conn
