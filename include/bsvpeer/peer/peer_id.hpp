#pragma once
// Peer ids are random UUIDs (version 4), text form "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx", made
// by Boost.Uuid. They name a record for users and the RPC; they are not secrets, so a seeded
// mt19937_64 (one per generator, seeded once) is enough.
#include <boost/uuid/random_generator.hpp>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>

namespace bsvpeer::peer {

class PeerIdGenerator {
 public:
  PeerIdGenerator();  // seeded from std::random_device
  explicit PeerIdGenerator(std::uint64_t seed);

  std::string next();

 private:
  // On the heap so the generator's pointer to it survives a move of this object.
  std::unique_ptr<std::mt19937_64> engine_;
  boost::uuids::basic_random_generator<std::mt19937_64> uuids_;
};

// Any UUID in 8-4-4-4-12 hex form (either case); the version is not checked, so ids written
// by other tools load too.
bool is_uuid(std::string_view text) noexcept;

}  // namespace bsvpeer::peer
