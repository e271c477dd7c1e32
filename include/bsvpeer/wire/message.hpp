#pragma once
// A decoded message of any command the library knows, or the opaque payload of any other
// command so unknown commands pass through to users.
#include <bsvpeer/wire/messages/address.hpp>
#include <bsvpeer/wire/messages/control.hpp>
#include <bsvpeer/wire/messages/handshake.hpp>
#include <bsvpeer/wire/messages/headers.hpp>
#include <bsvpeer/wire/messages/inventory.hpp>
#include <bsvpeer/wire/messages/keepalive.hpp>

#include <string>
#include <variant>

namespace bsvpeer::wire {

struct UnknownMessage {
  std::string command;  // valid command field text (printable ASCII, at most 12 bytes)
  Bytes payload;
  friend bool operator==(const UnknownMessage&, const UnknownMessage&) = default;
};

using Message = std::variant<Version, Verack, Protoconf, Ping, Pong, GetAddr, Addr, Inv, GetData,
                             NotFound, GetHeaders, Headers, SendHeaders, SendCmpct, FeeFilter,
                             Reject, AuthCh, UnknownMessage>;

std::string_view command_of(const Message& m) noexcept;
void encode_payload(const Message& m, Bytes& out);
Bytes encode_payload(const Message& m);
// Decodes by command; commands the library does not know become UnknownMessage.
Result<Message> decode_payload(std::string_view command, ByteSpan payload);
// True for the commands decode_payload turns into a typed message.
bool is_known_command(std::string_view command) noexcept;

}  // namespace bsvpeer::wire
