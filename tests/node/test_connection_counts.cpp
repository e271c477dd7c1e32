#include <bsvpeer/node/connection_counts.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer::node;

TEST_CASE("ConnectionCounts: each connection counted once, as last set") {
  ConnectionCounts c;
  c.set(1, false, true);   // dialling, with a slot
  c.set(2, false, false);  // a polite over-capacity handshake
  CHECK(c.with_slot() == 1);
  CHECK(c.handshaked() == 0);
  c.set(1, true, true);  // handshaked: replaces, does not add
  c.set(2, true, false);
  CHECK(c.handshaked() == 2);
  CHECK(c.with_slot() == 1);
  CHECK(c.tracked() == 2);
  c.set(1, false, true);  // lost, restarting
  CHECK(c.handshaked() == 1);
  c.remove(1);
  c.remove(1);  // twice is harmless
  c.remove(7);  // never counted
  CHECK(c.with_slot() == 0);
  CHECK(c.handshaked() == 1);
  c.clear();
  CHECK(c.tracked() == 0);
  CHECK(c.handshaked() == 0);
}
