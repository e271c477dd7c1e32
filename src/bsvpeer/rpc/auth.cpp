#include "auth.hpp"

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <random>
#include <unistd.h>

namespace bsvpeer::program::rpc {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

std::string make_cookie_credentials() {
  std::random_device rd;  // the kernel's random source on Linux
  std::string hex;
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 8; ++i) {
    std::uint32_t word = rd();
    for (int b = 0; b < 4; ++b) {
      const auto byte = static_cast<std::uint8_t>(word >> (8 * b));
      hex.push_back(kHex[byte >> 4]);
      hex.push_back(kHex[byte & 15]);
    }
  }
  return std::string(kCookieUser) + ":" + hex;
}

std::optional<std::string> write_cookie(const std::filesystem::path& path,
                                        const std::string& credentials) {
  const auto temp = path.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return "cannot create " + temp + ": " + std::strerror(errno);
  // An old temp file may have had a wider mode.
  (void)::fchmod(fd, 0600);
  const bool written = ::write(fd, credentials.data(), credentials.size()) ==
                       static_cast<ssize_t>(credentials.size());
  const int close_result = ::close(fd);
  if (!written || close_result != 0) {
    ::unlink(temp.c_str());
    return "cannot write " + temp;
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(temp.c_str());
    return "cannot rename " + temp + " to " + path.string() + ": " + why;
  }
  return std::nullopt;
}

void remove_cookie(const std::filesystem::path& path, const std::string& credentials) {
  std::ifstream in(path);
  std::string content;
  std::getline(in, content);
  if (content == credentials) ::unlink(path.c_str());
}

std::optional<std::string> base64_decode(std::string_view text) {
  while (!text.empty() && text.back() == '=')
    text.remove_suffix(1);
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int v = base64_value(c);
    if (v < 0) return std::nullopt;
    buffer = (buffer << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  if (bits >= 6) return std::nullopt;  // a lone trailing character
  return out;
}

std::string base64_encode(std::string_view bytes) {
  std::string out;
  std::uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (6 - bits)) & 63]);
  while (out.size() % 4 != 0)
    out.push_back('=');
  return out;
}

std::optional<std::string> decode_basic_auth(std::string_view header) {
  constexpr std::string_view kBasic = "Basic ";
  if (header.substr(0, kBasic.size()) != kBasic) return std::nullopt;
  header.remove_prefix(kBasic.size());
  while (!header.empty() && (header.front() == ' ' || header.front() == '\t'))
    header.remove_prefix(1);
  while (!header.empty() && (header.back() == ' ' || header.back() == '\t'))
    header.remove_suffix(1);
  return base64_decode(header);
}

bool constant_time_equal(std::string_view expected, std::string_view given) {
  if (expected.empty()) return false;
  unsigned char diff = expected.size() == given.size() ? 0 : 1;
  for (std::size_t i = 0; i < given.size(); ++i) {
    diff |= static_cast<unsigned char>(given[i] ^ expected[i % expected.size()]);
  }
  return diff == 0;
}

bool client_allowed(const boost::asio::ip::address& address,
                    const std::vector<peer::Subnet>& allowed) {
  auto a = address;
  if (a.is_v6() && a.to_v6().is_v4_mapped()) {
    a = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  }
  if (a.is_loopback()) return true;
  for (const auto& s : allowed) {
    if (s.contains(a)) return true;
  }
  return false;
}

}  // namespace bsvpeer::program::rpc
