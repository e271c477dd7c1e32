#include <bsvpeer/peer/peer_id.hpp>

#include <boost/uuid/uuid_io.hpp>

namespace bsvpeer::peer {
namespace {

bool is_hex_digit(char c) noexcept {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::unique_ptr<std::mt19937_64> seeded_from_random_device() {
  std::random_device device;
  std::seed_seq seeds{device(), device(), device(), device(),
                      device(), device(), device(), device()};
  return std::make_unique<std::mt19937_64>(seeds);
}

}  // namespace

PeerIdGenerator::PeerIdGenerator() : engine_(seeded_from_random_device()), uuids_(engine_.get()) {}

PeerIdGenerator::PeerIdGenerator(std::uint64_t seed)
    : engine_(std::make_unique<std::mt19937_64>(seed)), uuids_(engine_.get()) {}

std::string PeerIdGenerator::next() {
  return boost::uuids::to_string(uuids_());  // version 4, RFC 4122 variant, lowercase
}

bool is_uuid(std::string_view text) noexcept {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool hyphen_position = i == 8 || i == 13 || i == 18 || i == 23;
    if (hyphen_position ? text[i] != '-' : !is_hex_digit(text[i])) return false;
  }
  return true;
}

}  // namespace bsvpeer::peer
