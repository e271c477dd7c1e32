#pragma once
// Peer ids are random UUIDs (version 4), text form "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".
// They name a record for users and the RPC; they are not secrets, so a seeded mt19937_64 is
// enough and no crypto library is needed.
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace bsvpeer::peer {

class PeerIdGenerator {
 public:
  PeerIdGenerator();  // seeded from std::random_device
  explicit PeerIdGenerator(std::uint64_t seed) : engine_(seed) {}

  std::string next();

 private:
  std::mt19937_64 engine_;
};

// Any UUID in 8-4-4-4-12 hex form (either case); the version is not checked, so ids written
// by other tools load too.
bool is_uuid(std::string_view text) noexcept;

}  // namespace bsvpeer::peer
