// ConnectionCore: SV's reactions to getdata for items we lack, BIP37 filters, legacy mempool,
// a second sendhdrsen, and the whitelisted peer's exemption (bsv-protocol.md §7, §8, §8.2).
#include "core_test_support.hpp"

#include <bsvpeer/wire/byte_writer.hpp>
#include <bsvpeer/wire/limits.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer::conn;
using namespace bsvpeer::conn::test;

namespace {

wire::Hash256 hash_of(std::uint8_t b) {
  wire::Hash256 h{};
  h.fill(b);
  return h;
}

wire::GetData getdata_of(std::initializer_list<std::pair<std::uint32_t, std::uint8_t>> items) {
  wire::GetData g;
  for (const auto& [type, b] : items)
    g.items.push_back(wire::InvItem{type, hash_of(b)});
  return g;
}

wire::UnknownMessage unknown(std::string command, wire::Bytes payload = {}) {
  return wire::UnknownMessage{std::move(command), std::move(payload)};
}

// filterload: var_bytes filter, uint32 nHashFuncs, uint32 nTweak, uint8 nFlags.
wire::UnknownMessage filterload(std::size_t filter_size, std::uint32_t hash_funcs) {
  wire::Bytes payload;
  wire::ByteWriter w(payload);
  w.compact_size(filter_size);
  w.bytes(wire::Bytes(filter_size, 0xAB));
  w.u32le(hash_funcs);
  w.u32le(7);
  w.u8(0);
  return unknown("filterload", std::move(payload));
}

wire::UnknownMessage filteradd(std::size_t element_size) {
  wire::Bytes payload;
  wire::ByteWriter w(payload);
  w.compact_size(element_size);
  w.bytes(wire::Bytes(element_size, 0xCD));
  return unknown("filteradd", std::move(payload));
}

wire::Version our_bloom_version() {
  auto v = our_version();
  v.services |= net::kNodeBloom;
  return v;
}

ConnectionPolicy whitelisted() {
  ConnectionPolicy p;
  p.whitelisted = true;
  return p;
}

}  // namespace

TEST_CASE("core requests: getdata for tx and dataref items is answered with notfound") {
  Harness h(Direction::inbound);
  h.complete_handshake();
  SUBCASE("tx and dataref items in order, one notfound") {
    auto& out = h.receive(getdata_of({{1, 0x11}, {5, 0x55}, {1, 0x12}}));
    const auto notfound = sent_of<wire::NotFound>(out);
    REQUIRE(notfound.size() == 1);
    CHECK(notfound[0] ==
          wire::NotFound{{wire::InvItem{1, hash_of(0x11)}, wire::InvItem{5, hash_of(0x55)},
                          wire::InvItem{1, hash_of(0x12)}}});
    CHECK(describe_all(out) == "send notfound items=3");
  }
  SUBCASE("block items get no answer and split the notfound as SV's pass does") {
    auto& out = h.receive(getdata_of({{1, 0x11}, {2, 0x22}, {1, 0x12}, {3, 0x33}, {4, 0x44}}));
    const auto notfound = sent_of<wire::NotFound>(out);
    REQUIRE(notfound.size() == 2);
    CHECK(notfound[0].items == std::vector{wire::InvItem{1, hash_of(0x11)}});
    CHECK(notfound[1].items == std::vector{wire::InvItem{1, hash_of(0x12)}});
    CHECK(actions_of<Ignored>(out).size() == 1);
  }
  SUBCASE("only blocks and unknown types: nothing sent, nothing scored") {
    auto& out = h.receive(getdata_of({{2, 0x22}, {0, 0x00}, {9, 0x99}}));
    CHECK(sent_commands(out).empty());
    CHECK(describe_all(out) ==
          "ignored getdata (3 item(s) neither tx nor dataref: no answer, as SV for blocks it "
          "does not have)");
  }
  SUBCASE("an empty getdata: nothing at all") {
    CHECK(h.receive(wire::GetData{}).empty());
  }
  SUBCASE("a notfound never exceeds what the peer accepts (1 MiB before its protoconf)") {
    wire::GetData big;
    const std::size_t n = wire::max_inv_elements(wire::kLegacyMaxPayload) + 5;
    for (std::size_t i = 0; i < n; ++i)
      big.items.push_back(wire::InvItem{1, hash_of(static_cast<std::uint8_t>(i))});
    const auto notfound = sent_of<wire::NotFound>(h.receive(big));
    REQUIRE(notfound.size() == 2);
    CHECK(notfound[0].items.size() == wire::max_inv_elements(wire::kLegacyMaxPayload));
    CHECK(notfound[1].items.size() == 5);
  }
  CHECK(h.core.misbehavior_score() == 0);
  CHECK(h.core.state() == ConnectionState::established);
}

TEST_CASE("core requests: getdata goes to the user when the policy says so") {
  ConnectionPolicy policy;
  policy.answer_getdata = false;
  Harness h(Direction::inbound, policy);
  h.complete_handshake();
  CHECK(describe_all(h.receive(getdata_of({{1, 0x11}}))) == "deliver getdata items=1");
}

TEST_CASE("core requests: filterload/filteradd while we lack NODE_BLOOM") {
  SUBCASE("from a peer >= 70011 after the handshake: +100, a ban") {
    Harness h(Direction::inbound);
    h.complete_handshake();
    auto& out = h.receive(filterload(10, 5));
    CHECK(describe_all(out) ==
          "misbehaved +100 = 100 (no-bloom-version: filterload); ban misbehavior_ban for 86400s "
          "(ban score 100 reached 100, last: no-bloom-version: filterload)");
  }
  SUBCASE("filteradd the same") {
    Harness h(Direction::outbound);
    h.complete_handshake();
    CHECK(actions_of<Ban>(h.receive(filteradd(3))).size() == 1);
    CHECK(h.core.misbehavior_score() == 100);
  }
  SUBCASE("before the peer's verack: SV checks services before the gates (+100, not +1)") {
    Harness h(Direction::inbound);
    h.start();
    h.receive(sv_version());
    CHECK(actions_of<Ban>(h.receive(filteradd(3))).size() == 1);
    CHECK(h.core.misbehavior_score() == 100);
  }
  SUBCASE("before the peer's version (nVersion 0): disconnect, no score") {
    Harness h(Direction::inbound);
    h.start();
    auto& out = h.receive(filterload(10, 5));
    CHECK(describe_all(out) ==
          "disconnect protocol_violation (filterload without NODE_BLOOM from a peer below "
          "70011)");
    CHECK(h.core.misbehavior_score() == 0);
  }
  SUBCASE("from a peer below 70011: disconnect, no score") {
    Harness h(Direction::outbound);
    h.complete_handshake(sv_version(70002));
    CHECK(actions_of<Disconnect>(h.receive(filteradd(3))).size() == 1);
    CHECK(h.core.misbehavior_score() == 0);
  }
  SUBCASE("a lower -banscore: +100 is still a ban") {
    ConnectionPolicy p;
    p.ban_threshold = 50;
    Harness h(Direction::inbound, p);
    h.complete_handshake();
    CHECK(actions_of<Ban>(h.receive(filterload(1, 1))).size() == 1);
  }
}

TEST_CASE("core requests: filters when we advertise NODE_BLOOM") {
  Harness h(Direction::inbound, {}, our_bloom_version());
  h.complete_handshake();
  SUBCASE("within bounds: delivered") {
    CHECK(delivered_commands(h.receive(filterload(36'000, 50))) == "filterload");
    CHECK(delivered_commands(h.receive(filteradd(520))) == "filteradd");
    CHECK(delivered_commands(h.receive(unknown("filterclear"))) == "filterclear");
    CHECK(h.core.misbehavior_score() == 0);
  }
  SUBCASE("a filter above 36,000 bytes: +100") {
    CHECK(actions_of<Misbehaved>(h.receive(filterload(36'001, 1))).at(0).points == 100);
    CHECK(h.core.state() == ConnectionState::closed);
  }
  SUBCASE("more than 50 hash functions: +100") {
    CHECK(actions_of<Ban>(h.receive(filterload(10, 51))).size() == 1);
  }
  SUBCASE("a filteradd element above 520 bytes: +100") {
    auto& out = h.receive(filteradd(521));
    CHECK(actions_of<Misbehaved>(out).at(0).reason == "invalid-filteradd: element of 521 bytes");
    CHECK(actions_of<Ban>(out).size() == 1);
  }
  SUBCASE("a truncated filterload: reject 0x01, no score") {
    auto& out = h.receive(unknown("filterload", {0x05, 0x01}));
    CHECK(describe_all(out) == "send! reject filterload code=0x1 \"error parsing message\"");
    CHECK(h.core.misbehavior_score() == 0);
  }
  SUBCASE("a filteradd length above MAX_SIZE: reject 0x01 and +1") {
    auto& out = h.receive(unknown("filteradd", {0xff, 0, 0, 0, 0, 1, 0, 0, 0}));
    CHECK(sent_commands(out) == "reject");
    CHECK(h.core.misbehavior_score() == 1);
  }
}

TEST_CASE("core requests: a legacy empty mempool request") {
  SUBCASE("disconnects a peer that is not whitelisted") {
    Harness h(Direction::inbound);
    h.complete_handshake();
    CHECK(describe_all(h.receive(unknown("mempool"))) ==
          "disconnect protocol_violation (mempool request from a peer that is not whitelisted "
          "(-rejectmempoolrequest))");
    CHECK(h.core.misbehavior_score() == 0);
  }
  SUBCASE("with -rejectmempoolrequest=0 still disconnects while we lack NODE_BLOOM") {
    ConnectionPolicy p;
    p.reject_mempool_request = false;
    Harness h(Direction::inbound, p);
    h.complete_handshake();
    CHECK(actions_of<Disconnect>(h.receive(unknown("mempool"))).at(0).detail ==
          "mempool request with bloom filters disabled");
  }
  SUBCASE("with -rejectmempoolrequest=0 and NODE_BLOOM: delivered") {
    ConnectionPolicy p;
    p.reject_mempool_request = false;
    Harness h(Direction::inbound, p, our_bloom_version());
    h.complete_handshake();
    CHECK(describe_all(h.receive(unknown("mempool"))) == "deliver mempool (unknown, 0 bytes)");
  }
  SUBCASE("a whitelisted peer may ask") {
    Harness h(Direction::inbound, whitelisted());
    h.complete_handshake();
    CHECK(delivered_commands(h.receive(unknown("mempool"))) == "mempool");
  }
  SUBCASE("the mempool-sync form with an age is not the legacy request") {
    Harness h(Direction::inbound);
    h.complete_handshake();
    CHECK(delivered_commands(h.receive(unknown("mempool", wire::Bytes(8, 0)))) == "mempool");
  }
  SUBCASE("before the handshake it meets the gates first (+1)") {
    Harness h(Direction::inbound);
    h.start();
    h.receive(unknown("mempool"));
    CHECK(h.core.misbehavior_score() == 1);
    CHECK(h.core.state() == ConnectionState::awaiting_handshake);
  }
}

TEST_CASE("core requests: sendhdrsen twice: +1 for the second") {
  Harness h(Direction::outbound);
  h.complete_handshake();
  CHECK(delivered_commands(h.receive(unknown("sendhdrsen"))) == "sendhdrsen");
  CHECK(describe_all(h.receive(unknown("sendhdrsen"))) ==
        "misbehaved +1 = 1 (duplicate sendhdrsen)");
}

TEST_CASE("core requests: a whitelisted peer is scored but never punished") {
  SUBCASE("filterload without NODE_BLOOM: +100 visible, no ban, no disconnect") {
    Harness h(Direction::inbound, whitelisted());
    h.complete_handshake();
    auto& out = h.receive(filterload(10, 5));
    CHECK(actions_of<Ban>(out).empty());
    CHECK(actions_of<Disconnect>(out).empty());
    CHECK(h.core.misbehavior_score() == 100);
    CHECK(h.core.state() == ConnectionState::established);
    // Still scored afterwards, still connected.
    h.receive(filteradd(1));
    CHECK(h.core.misbehavior_score() == 200);
    CHECK(h.core.state() == ConnectionState::established);
  }
  SUBCASE("a banned user agent: disconnected, not banned") {
    Harness h(Direction::inbound, whitelisted());
    h.start();
    auto& out = h.receive(sv_version(net::kProtocolVersion, kPeerNonce, "/Bitcoin Cash:1.0/"));
    CHECK(actions_of<Ban>(out).empty());
    CHECK(actions_of<Disconnect>(out).size() == 1);
  }
  SUBCASE("fatal frames still ban, as SV bans a wrong magic directly") {
    Harness h(Direction::inbound, whitelisted());
    h.start();
    CHECK(actions_of<Ban>(h.frame_fatal(wire::Error::wrong_magic)).size() == 1);
  }
}
