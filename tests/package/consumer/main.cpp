// Encodes a mainnet ping with nonce 0x0102030405060708 through the installed library and prints
// the frame as hex (bsv-protocol.md §11.2 gives the expected bytes).
#include <bsvpeer/net/network.hpp>
#include <bsvpeer/wire/frame.hpp>
#include <bsvpeer/wire/hex.hpp>
#include <bsvpeer/wire/message.hpp>

#include <cstdio>

int main() {
  using namespace bsvpeer;
  const wire::Message ping = wire::Ping{0x0102030405060708ull};
  const wire::Bytes payload = wire::encode_payload(ping);
  wire::Bytes frame;
  const auto framed = wire::append_frame(frame, net::network_params(net::NetworkId::main).magic,
                                         wire::command_of(ping), payload);
  if (!framed) {
    std::fprintf(stderr, "append_frame: %s\n", framed.error().message().c_str());
    return 1;
  }
  std::printf("%s\n", wire::to_hex(frame).c_str());
  return 0;
}
