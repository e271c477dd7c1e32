#include <bsvpeer/peer/peer_id.hpp>

#include <doctest/doctest.h>

#include <set>
#include <string>

using namespace bsvpeer::peer;

TEST_CASE("peer ids are version-4 UUIDs, distinct, and repeatable from a seed") {
  PeerIdGenerator ids(42);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = ids.next();
    CAPTURE(id);
    REQUIRE(is_uuid(id));
    CHECK(id[14] == '4');                                          // version
    CHECK(std::string("89ab").find(id[19]) != std::string::npos);  // RFC 4122 variant
    CHECK(id.find_first_of("ABCDEF") == std::string::npos);        // lowercase
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);

  PeerIdGenerator first(7);
  PeerIdGenerator second(7);
  CHECK(first.next() == second.next());
  CHECK(PeerIdGenerator(7).next() != PeerIdGenerator(8).next());
  CHECK(PeerIdGenerator().next() != PeerIdGenerator().next());  // random_device seeding
}

TEST_CASE("is_uuid accepts any 8-4-4-4-12 hex text and nothing else") {
  CHECK(is_uuid("123e4567-e89b-12d3-a456-426614174000"));
  CHECK(is_uuid("123E4567-E89B-12D3-A456-426614174000"));
  CHECK_FALSE(is_uuid(""));
  CHECK_FALSE(is_uuid("uuid"));
  CHECK_FALSE(is_uuid("123e4567e89b12d3a456426614174000"));
  CHECK_FALSE(is_uuid("123e4567-e89b-12d3-a456-42661417400g"));
  CHECK_FALSE(is_uuid("123e4567-e89b-12d3-a456-4266141740000"));
  CHECK_FALSE(is_uuid("123e4567-e89b-12d3a-456-426614174000"));
}
