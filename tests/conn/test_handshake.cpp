#include "core_test_support.hpp"

#include <bsvpeer/conn/handshake.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer::conn;
using namespace bsvpeer::conn::test;

namespace {

Handshake make(Direction d, bool protoconf = true) {
  return Handshake(d, our_version(),
                   protoconf ? std::optional<wire::Protoconf>(wire::Protoconf{}) : std::nullopt);
}

}  // namespace

TEST_CASE("handshake: outbound sends our version at start, inbound stays shy") {
  Actions out;
  SUBCASE("outbound") {
    auto hs = make(Direction::outbound);
    hs.start(out);
    CHECK(sent_commands(out) == "version");
    REQUIRE(sent_of<wire::Version>(out).size() == 1);
    CHECK(sent_of<wire::Version>(out)[0] == our_version());
    CHECK(std::get<SendMessage>(out[0]).priority);
    CHECK(hs.flags() == HandshakeFlags{true, false, false, false});
  }
  SUBCASE("inbound") {
    auto hs = make(Direction::inbound);
    hs.start(out);
    CHECK(out.empty());
    CHECK(hs.flags() == HandshakeFlags{});
  }
}

TEST_CASE("handshake: the peer's version is answered with verack first, then protoconf") {
  Actions out;
  SUBCASE("outbound: verack, protoconf") {
    auto hs = make(Direction::outbound);
    hs.start(out);
    out.clear();
    hs.accept_peer_version(sv_version(), out);
    CHECK(sent_commands(out) == "verack protoconf");
    CHECK(hs.flags() == HandshakeFlags{true, true, true, false});
  }
  SUBCASE("inbound: our version, verack, protoconf") {
    auto hs = make(Direction::inbound);
    hs.start(out);
    hs.accept_peer_version(sv_version(), out);
    CHECK(sent_commands(out) == "version verack protoconf");
    CHECK(hs.flags() == HandshakeFlags{true, true, true, false});
  }
  SUBCASE("without protoconf") {
    auto hs = make(Direction::outbound, false);
    hs.start(out);
    out.clear();
    hs.accept_peer_version(sv_version(), out);
    CHECK(sent_commands(out) == "verack");
  }
  for (const auto& a : out)
    CHECK(std::get<SendMessage>(a).priority);
}

TEST_CASE("handshake: the peer's verack completes it once") {
  Actions out;
  auto hs = make(Direction::outbound);
  hs.start(out);
  hs.accept_peer_version(sv_version(), out);
  CHECK_FALSE(hs.complete());
  CHECK(hs.accept_peer_verack());
  CHECK(hs.complete());
  CHECK(hs.flags().complete());
  CHECK(hs.peer_version() == sv_version());
  CHECK_FALSE(hs.accept_peer_verack());  // a repeat changes nothing
}

TEST_CASE("handshake: gates per stage (SV ProcessMessage, bsv-protocol.md 4.2)") {
  struct Row {
    const char* command;
    HandshakeGate before_version;
    HandshakeGate before_verack;
    HandshakeGate after_verack;
  };
  using G = HandshakeGate;
  const Row rows[] = {
      {"version", G::admit, G::admit, G::admit},
      {"reject", G::admit, G::admit, G::admit},
      {"verack", G::missing_version, G::admit, G::admit},
      {"authch", G::missing_version, G::admit, G::admit},
      {"authresp", G::missing_version, G::admit, G::admit},
      {"protoconf", G::missing_version, G::missing_verack, G::admit},
      {"ping", G::missing_version, G::missing_verack, G::admit},
      {"pong", G::missing_version, G::missing_verack, G::admit},
      {"sendheaders", G::missing_version, G::missing_verack, G::admit},
      {"getaddr", G::missing_version, G::missing_verack, G::admit},
      {"inv", G::missing_version, G::missing_verack, G::admit},
      {"sendcmpct", G::missing_version, G::missing_verack, G::admit},
      {"alert", G::missing_version, G::missing_verack, G::admit},
      {"createstrm", G::missing_version, G::missing_verack, G::admit},
  };
  Actions out;
  auto hs = make(Direction::outbound);
  hs.start(out);
  for (const auto& row : rows) {
    CAPTURE(row.command);
    CHECK(hs.gate(row.command) == row.before_version);
  }
  hs.accept_peer_version(sv_version(), out);
  for (const auto& row : rows) {
    CAPTURE(row.command);
    CHECK(hs.gate(row.command) == row.before_verack);
  }
  hs.accept_peer_verack();
  for (const auto& row : rows) {
    CAPTURE(row.command);
    CHECK(hs.gate(row.command) == row.after_verack);
  }
}

TEST_CASE("handshake: flags and gates print readably") {
  std::ostringstream os;
  os << HandshakeFlags{true, false, true, false} << " " << HandshakeGate::missing_verack;
  CHECK(os.str() == "{version sent yes, received no; verack sent yes, received no} missing_verack");
}
