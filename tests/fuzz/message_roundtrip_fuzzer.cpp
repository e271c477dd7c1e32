// libFuzzer target for one message parser (BSVPEER_FUZZ_COMMAND, set by CMake). Any input
// must decode or fail cleanly; a decoded message must re-encode to bytes that decode to the
// same message, and re-encoding that must give the same bytes. Aborts on a mismatch.
#include <bsvpeer/wire/message.hpp>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#ifndef BSVPEER_FUZZ_COMMAND
#error "BSVPEER_FUZZ_COMMAND must name the message command to fuzz"
#endif

namespace {

constexpr std::string_view kCommand = BSVPEER_FUZZ_COMMAND;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "fuzz_msg_%s: %s\n", kCommand.data(), what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace bsvpeer::wire;
  // A typo in the CMake command list would otherwise fuzz the UnknownMessage path only.
  if (!is_known_command(kCommand)) fail("not a command decode_payload knows");

  const auto first = decode_payload(kCommand, ByteSpan(data, size));
  if (!first) return 0;
  if (command_of(*first) != kCommand) fail("decoded message has another command");

  const Bytes encoded = encode_payload(*first);
  const auto second = decode_payload(kCommand, encoded);
  if (!second) fail("re-encoded payload does not decode");
  if (!(*second == *first)) fail("decode(encode(message)) differs from message");
  if (encode_payload(*second) != encoded) fail("encoding is not stable");
  return 0;
}
