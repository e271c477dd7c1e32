#pragma once
// Frame headers: the 24-byte header and the 44-byte extmsg header (bsv-protocol.md §2.1-2.2).
#include <bsvpeer/wire/bytes.hpp>
#include <bsvpeer/wire/error.hpp>
#include <bsvpeer/wire/magic.hpp>

#include <string>
#include <string_view>

namespace bsvpeer::wire {

inline constexpr std::size_t kHeaderSize = 24;
inline constexpr std::size_t kExtendedHeaderSize = 44;
inline constexpr std::size_t kCommandSize = 12;
inline constexpr std::uint32_t kExtendedLengthMarker = 0xFFFFFFFF;
inline constexpr std::string_view kExtendedCommand = "extmsg";
inline constexpr std::int32_t kExtendedPayloadVersion = 70016;
inline constexpr std::array<std::uint8_t, 4> kEmptyPayloadChecksum{0x5d, 0xf6, 0xe0, 0xe2};

using CommandField = std::array<std::uint8_t, kCommandSize>;

// SV's CheckCommandFormat: printable ASCII (0x20-0x7E) up to the first NUL, NUL after it.
bool is_valid_command_field(const CommandField& field) noexcept;
// Text of a valid field (bytes before the first NUL).
std::string command_text(const CommandField& field);
// Field for a command of at most 12 printable characters.
Result<CommandField> make_command_field(std::string_view command);

struct FrameHeader {
  Magic magic{};
  std::string command;  // the inner command for extmsg frames
  std::uint64_t payload_length = 0;
  std::array<std::uint8_t, 4> checksum{};  // zero and unchecked for extmsg
  bool extended = false;

  std::size_t size() const noexcept { return extended ? kExtendedHeaderSize : kHeaderSize; }
};

struct SendOptions {
  // Negotiated protocol version of the peer; extmsg only to peers >= 70016.
  std::int32_t peer_version = 0;
  // The peer's receive limit (its protoconf, else 1 MiB legacy); 0 = no check.
  std::uint64_t peer_max_payload = 0;
};

// Appends header + payload. The extended header is chosen only above 0xFFFFFFFF bytes and
// only for peers >= 70016; otherwise extmsg_not_allowed.
Result<void> append_frame(Bytes& out, const Magic& magic, std::string_view command,
                          ByteSpan payload, const SendOptions& options = {});
// The header alone, for callers that send a large payload separately; `payload_checksum` is
// ignored when the extended header is chosen (its checksum field is zero).
Result<Bytes> encode_frame_header(const Magic& magic, std::string_view command,
                                  std::uint64_t payload_size,
                                  const std::array<std::uint8_t, 4>& payload_checksum,
                                  const SendOptions& options = {});

}  // namespace bsvpeer::wire
