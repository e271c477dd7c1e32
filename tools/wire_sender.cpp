// wire_sender: connects to 127.0.0.1:PORT and sends one frame of every message type the codec
// knows, with fixed field values, then closes. tests/integration/tshark_wire_check.sh captures
// the traffic and checks every frame with tshark's independent Bitcoin dissector; the values
// below are repeated there, so change both together.
//
// usage: wire_sender PORT [--network main|test|stn|regtest] [--gap-ms N]
// Frames go out one write each, N ms apart (default 20) with TCP_NODELAY, so each usually has a
// TCP segment of its own; the checker does not rely on that.
#include <bsvpeer/net/network.hpp>
#include <bsvpeer/wire/frame.hpp>
#include <bsvpeer/wire/message.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using namespace bsvpeer;
using namespace bsvpeer::wire;

// A hash whose bytes are all `fill`: easy to recognise in a capture.
Hash256 filled_hash(std::uint8_t fill) {
  Hash256 h;
  h.fill(fill);
  return h;
}

std::vector<Message> messages_to_send() {
  std::vector<Message> out;

  Version version;
  version.version = 70016;
  version.services = 0x21;
  version.timestamp = 1'700'000'000;
  version.addr_recv = NetAddress::ipv4(192, 0, 2, 1, 8333, 0x1);
  version.addr_from = NetAddress::ipv4(198, 51, 100, 2, 18333, 0x21);
  version.nonce = 0x1122334455667788ull;
  version.user_agent = "/bsvpeer-wire-check:0.1/";
  version.start_height = 812'345;
  version.relay = true;
  out.emplace_back(version);

  out.emplace_back(Verack{});
  out.emplace_back(Protoconf{2, 2'097'152, "Default"});
  out.emplace_back(SendHeaders{});
  out.emplace_back(SendCmpct{false, 1});
  out.emplace_back(FeeFilter{1000});
  out.emplace_back(Ping{0x0102030405060708ull});
  out.emplace_back(Pong{0x8877665544332211ull});
  out.emplace_back(GetAddr{});

  Addr addr;
  for (std::uint8_t i = 0; i < 3; ++i) {
    addr.entries.push_back(
        {1'700'000'001u + i, NetAddress::ipv4(203, 0, 113, static_cast<std::uint8_t>(1 + i),
                                              static_cast<std::uint16_t>(8333 + i), 0x21)});
  }
  out.emplace_back(addr);

  Inv inv;
  inv.items = {{1, filled_hash(0x11)}, {1, filled_hash(0x22)}};
  out.emplace_back(inv);
  GetData getdata;
  getdata.items = {{2, filled_hash(0x33)}};
  out.emplace_back(getdata);
  NotFound notfound;
  notfound.items = {{1, filled_hash(0x44)}};
  out.emplace_back(notfound);

  GetHeaders getheaders;
  getheaders.version = 70016;
  getheaders.locator = {filled_hash(0x55), filled_hash(0x66), filled_hash(0x77)};
  getheaders.hash_stop = Hash256{};
  out.emplace_back(getheaders);

  Headers headers;
  for (std::uint32_t i = 0; i < 2; ++i) {
    BlockHeader h;
    h.version = 0x20000000;
    h.prev_block = filled_hash(static_cast<std::uint8_t>(0x80 + i));
    h.merkle_root = filled_hash(static_cast<std::uint8_t>(0x90 + i));
    h.time = 1'700'000'600 + i;
    h.bits = 0x1d00ffff;
    h.nonce = 42 + i;
    headers.headers.push_back(h);
  }
  out.emplace_back(headers);

  Reject reject;
  reject.message = "tx";
  reject.code = static_cast<std::uint8_t>(RejectCode::invalid);
  reject.reason = "bad-txns-inputs-missingorspent";
  const Hash256 rejected = filled_hash(0xab);
  reject.data.assign(rejected.begin(), rejected.end());
  out.emplace_back(reject);
  return out;
}

int usage(const char* argv0) {
  std::fprintf(stderr, "usage: %s PORT [--network main|test|stn|regtest] [--gap-ms N]\n", argv0);
  return 2;
}

bool send_all(int fd, const Bytes& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage(argv[0]);
  const int port = std::atoi(argv[1]);
  if (port <= 0 || port > 65535) return usage(argv[0]);
  net::NetworkId network = net::NetworkId::main;
  int gap_ms = 20;
  for (int i = 2; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--network" && i + 1 < argc) {
      const auto parsed = net::parse_network(argv[++i]);
      if (!parsed) return usage(argv[0]);
      network = *parsed;
    } else if (arg == "--gap-ms" && i + 1 < argc) {
      gap_ms = std::atoi(argv[++i]);
    } else {
      return usage(argv[0]);
    }
  }
  const Magic magic = net::network_params(network).magic;

  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    std::perror("socket");
    return 1;
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) {
    std::perror("connect");
    ::close(fd);
    return 1;
  }

  std::size_t frames = 0;
  std::size_t total_bytes = 0;
  for (const auto& message : messages_to_send()) {
    Bytes frame;
    const Bytes payload = encode_payload(message);
    if (auto appended = append_frame(frame, magic, command_of(message), payload); !appended) {
      std::fprintf(stderr, "cannot frame %s: %s\n", std::string(command_of(message)).c_str(),
                   appended.error().message().c_str());
      ::close(fd);
      return 1;
    }
    if (!send_all(fd, frame)) {
      std::perror("send");
      ::close(fd);
      return 1;
    }
    ++frames;
    total_bytes += frame.size();
    std::printf("%s %zu\n", std::string(command_of(message)).c_str(), payload.size());
    if (gap_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(gap_ms));
  }
  ::shutdown(fd, SHUT_WR);
  ::close(fd);
  std::fprintf(stderr, "wire_sender: sent %zu frames, %zu bytes to 127.0.0.1:%d\n", frames,
               total_bytes, port);
  return 0;
}
