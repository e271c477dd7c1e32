#include <bsvpeer/wire/message.hpp>

#include <array>

namespace bsvpeer::wire {
namespace {

template <class T>
Result<Message> decode_as(ByteSpan payload) {
  auto decoded = T::decode(payload);
  if (!decoded) return decoded.error();
  return Message{std::move(*decoded)};
}

struct KnownCommand {
  std::string_view command;
  Result<Message> (*decode)(ByteSpan);
};

template <class T>
constexpr KnownCommand known() {
  return {T::kCommand, &decode_as<T>};
}

constexpr std::array kKnownCommands{
    known<Version>(),     known<Verack>(),    known<Protoconf>(),  known<Ping>(),
    known<Pong>(),        known<GetAddr>(),   known<Addr>(),       known<Inv>(),
    known<GetData>(),     known<NotFound>(),  known<GetHeaders>(), known<Headers>(),
    known<SendHeaders>(), known<SendCmpct>(), known<FeeFilter>(),  known<Reject>(),
    known<AuthCh>(),
};
// One entry per typed alternative of Message (all but UnknownMessage).
static_assert(kKnownCommands.size() == std::variant_size_v<Message> - 1);

const KnownCommand* find_known(std::string_view command) noexcept {
  for (const auto& known_command : kKnownCommands) {
    if (known_command.command == command) return &known_command;
  }
  return nullptr;
}

}  // namespace

std::string_view command_of(const Message& m) noexcept {
  return std::visit(
      [](const auto& message) -> std::string_view {
        using T = std::decay_t<decltype(message)>;
        if constexpr (std::is_same_v<T, UnknownMessage>) {
          return message.command;
        } else {
          return T::kCommand;
        }
      },
      m);
}

void encode_payload(const Message& m, Bytes& out) {
  ByteWriter w(out);
  std::visit(
      [&w](const auto& message) {
        using T = std::decay_t<decltype(message)>;
        if constexpr (std::is_same_v<T, UnknownMessage>) {
          w.bytes(message.payload);
        } else {
          message.encode(w);
        }
      },
      m);
}

Bytes encode_payload(const Message& m) {
  Bytes out;
  encode_payload(m, out);
  return out;
}

Result<Message> decode_payload(std::string_view command, ByteSpan payload) {
  if (const auto* known_command = find_known(command)) return known_command->decode(payload);
  return Message{UnknownMessage{std::string(command), Bytes(payload.begin(), payload.end())}};
}

bool is_known_command(std::string_view command) noexcept {
  return find_known(command) != nullptr;
}

}  // namespace bsvpeer::wire
