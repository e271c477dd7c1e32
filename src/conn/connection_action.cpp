#include <bsvpeer/conn/connection_action.hpp>

#include <chrono>
#include <ostream>
#include <sstream>
#include <type_traits>

namespace bsvpeer::conn {
namespace {

void write_message(std::ostream& os, const wire::Message& message) {
  os << wire::command_of(message);
  std::visit(
      [&os](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, wire::Version>) {
          os << " v" << m.version << " services=0x" << std::hex << m.services << std::dec
             << " nonce=" << m.nonce << " ua=\"" << m.user_agent << "\" height=" << m.start_height
             << (m.association_id ? " assoc_id_bytes=" + std::to_string(m.association_id->size())
                                  : std::string());
        } else if constexpr (std::is_same_v<T, wire::Protoconf>) {
          os << " fields=" << m.number_of_fields << " max_recv=" << m.max_recv_payload_length
             << " policies=\"" << m.stream_policies << "\"";
        } else if constexpr (std::is_same_v<T, wire::Ping>) {
          if (m.nonce) {
            os << " nonce=" << *m.nonce;
          } else {
            os << " (no nonce)";
          }
        } else if constexpr (std::is_same_v<T, wire::Pong>) {
          os << " nonce=" << m.nonce;
        } else if constexpr (std::is_same_v<T, wire::Reject>) {
          os << " " << m.message << " code=0x" << std::hex << static_cast<int>(m.code) << std::dec
             << " \"" << m.reason << "\"";
        } else if constexpr (std::is_same_v<T, wire::Inv> || std::is_same_v<T, wire::GetData> ||
                             std::is_same_v<T, wire::NotFound>) {
          os << " items=" << m.items.size();
        } else if constexpr (std::is_same_v<T, wire::Addr>) {
          os << " entries=" << m.entries.size();
        } else if constexpr (std::is_same_v<T, wire::Headers>) {
          os << " headers=" << m.headers.size();
        } else if constexpr (std::is_same_v<T, wire::UnknownMessage>) {
          os << " (unknown, " << m.payload.size() << " bytes)";
        }
      },
      message);
}

std::ostream& write_duration(std::ostream& os, Duration d) {
  return os << std::chrono::duration_cast<std::chrono::seconds>(d).count() << "s";
}

}  // namespace

std::string describe(const wire::Message& message) {
  std::ostringstream os;
  write_message(os, message);
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Action& action) {
  std::visit(
      [&os](const auto& a) {
        using T = std::decay_t<decltype(a)>;
        if constexpr (std::is_same_v<T, SendMessage>) {
          os << (a.priority ? "send! " : "send ");
          write_message(os, a.message);
        } else if constexpr (std::is_same_v<T, Disconnect>) {
          os << "disconnect " << a.reason << " (" << a.detail << ")";
        } else if constexpr (std::is_same_v<T, Ban>) {
          os << "ban " << a.reason << " for ";
          write_duration(os, a.ban_duration) << " (" << a.detail << ")";
        } else if constexpr (std::is_same_v<T, HandshakeCompleted>) {
          os << "handshake completed with ";
          write_message(os, a.peer_version);
        } else if constexpr (std::is_same_v<T, Deliver>) {
          os << "deliver ";
          write_message(os, a.message);
        } else if constexpr (std::is_same_v<T, Misbehaved>) {
          os << "misbehaved +" << a.points << " = " << a.score << " (" << a.reason << ")";
        } else if constexpr (std::is_same_v<T, Ignored>) {
          os << "ignored " << (a.command.empty() ? std::string("frame") : a.command) << " ("
             << a.why << ")";
        } else {
          static_assert(sizeof(T) == 0, "every action needs a description");
        }
      },
      action);
  return os;
}

std::string to_string(const Action& action) {
  std::ostringstream os;
  os << action;
  return os.str();
}

}  // namespace bsvpeer::conn
