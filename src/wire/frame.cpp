#include <bsvpeer/wire/byte_writer.hpp>
#include <bsvpeer/wire/frame.hpp>
#include <bsvpeer/wire/limits.hpp>
#include <bsvpeer/wire/sha256.hpp>

#include <algorithm>

namespace bsvpeer::wire {

bool is_valid_command_field(const CommandField& field) noexcept {
  bool after_nul = false;
  for (auto c : field) {
    if (after_nul) {
      if (c != 0) return false;
    } else if (c == 0) {
      after_nul = true;
    } else if (c < 0x20 || c > 0x7E) {
      return false;
    }
  }
  return true;
}

std::string command_text(const CommandField& field) {
  auto end = std::find(field.begin(), field.end(), std::uint8_t{0});
  return std::string(field.begin(), end);
}

Result<CommandField> make_command_field(std::string_view command) {
  if (command.size() > kCommandSize) return Error::bad_command;
  CommandField field{};
  std::copy(command.begin(), command.end(), field.begin());
  if (!is_valid_command_field(field) || command.find('\0') != std::string_view::npos) {
    return Error::bad_command;
  }
  return field;
}

namespace {

Result<void> check_sendable(std::string_view command, std::uint64_t payload_size,
                            const SendOptions& options) {
  if (options.peer_max_payload != 0) {
    // The peer's protoconf limit covers every command except blocks and transactions.
    ReceiveLimits peer_limits;
    peer_limits.max_recv_payload = options.peer_max_payload;
    if (payload_size > max_payload_length(command, peer_limits)) {
      return Error::payload_too_large_to_send;
    }
  }
  if (payload_size > kExtendedLengthMarker && options.peer_version < kExtendedPayloadVersion) {
    return Error::extmsg_not_allowed;
  }
  return {};
}

void write_header(Bytes& out, const Magic& magic, const CommandField& field,
                  std::uint64_t payload_size, const std::array<std::uint8_t, 4>& payload_checksum) {
  ByteWriter w(out);
  w.bytes(magic);
  if (payload_size > kExtendedLengthMarker) {
    // 44-byte extmsg header: SV uses it only above 0xFFFFFFFF; checksum is zero and unchecked.
    auto ext = *make_command_field(kExtendedCommand);
    w.bytes(ext);
    w.u32le(kExtendedLengthMarker);
    w.u32le(0);
    w.bytes(field);
    w.u64le(payload_size);
  } else {
    w.bytes(field);
    w.u32le(static_cast<std::uint32_t>(payload_size));
    w.bytes(payload_checksum);
  }
}

}  // namespace

Result<void> append_frame(Bytes& out, const Magic& magic, std::string_view command,
                          ByteSpan payload, const SendOptions& options) {
  auto field = make_command_field(command);
  if (!field) return field.error();
  if (auto ok = check_sendable(command, payload.size(), options); !ok) return ok.error();
  out.reserve(out.size() + kExtendedHeaderSize + payload.size());
  const bool extended = payload.size() > kExtendedLengthMarker;
  write_header(out, magic, *field, payload.size(),
               extended ? std::array<std::uint8_t, 4>{} : checksum(payload));
  out.insert(out.end(), payload.begin(), payload.end());
  return {};
}

Result<Bytes> encode_frame_header(const Magic& magic, std::string_view command,
                                  std::uint64_t payload_size,
                                  const std::array<std::uint8_t, 4>& payload_checksum,
                                  const SendOptions& options) {
  auto field = make_command_field(command);
  if (!field) return field.error();
  if (auto ok = check_sendable(command, payload_size, options); !ok) return ok.error();
  Bytes out;
  write_header(out, magic, *field, payload_size, payload_checksum);
  return out;
}

}  // namespace bsvpeer::wire
