#pragma once
// Everything configurable about one peer connection. Defaults are SV Node's
// (bsv-protocol.md §2.4, §3.3, §4.6, §5, §8).
#include <bsvpeer/conn/checksum_burst.hpp>
#include <bsvpeer/conn/clock.hpp>
#include <bsvpeer/conn/rate_limiter.hpp>
#include <bsvpeer/conn/user_agent_filter.hpp>
#include <bsvpeer/net/protocol.hpp>
#include <bsvpeer/wire/messages/handshake.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bsvpeer::conn {

struct ConnectionPolicy {
  // Timers.
  Duration handshake_timeout = std::chrono::seconds(60);  // -p2phandshaketimeout, from start()
  Duration ping_interval = std::chrono::seconds(120);     // PING_INTERVAL
  Duration ping_timeout = std::chrono::minutes(20);       // -p2ptimeout for an outstanding ping
  // -p2ptimeout after the handshake: nothing received, or nothing sent, for this long.
  Duration inactivity_timeout = std::chrono::minutes(20);
  // SV allows peers of version <= 60000 (no pong) this long without receiving.
  Duration legacy_receive_timeout = std::chrono::minutes(90);
  std::size_t max_outstanding_pings = 4;

  // Admission of the peer's version.
  std::int32_t min_protocol_version = net::kMinPeerProtoVersion;
  std::vector<std::string> banned_user_agents = default_banned_user_agents();
  std::vector<std::string> allowed_user_agents;  // substrings that override the ban list
  std::uint64_t required_services = net::kNodeNone;

  // Punishment.
  int ban_threshold = 100;                         // -banscore
  Duration ban_duration = std::chrono::hours(24);  // -bantime
  ChecksumBurstRule invalid_checksum_burst;        // -invalidcsfreq / -invalidcsinterval
  std::optional<RateLimit> rate_limit;             // inbound message rate limit; off by default

  // What we send after our verack.
  bool send_protoconf = true;
  // Default: 2 fields, 2 MiB, "Default" only (no "BlockPriority": we stay single-stream).
  wire::Protoconf our_protoconf;

  // Answer getheaders with an empty headers message (we serve no chain); when false the
  // getheaders is delivered to the user instead.
  bool answer_getheaders = true;
  // Answer getdata for tx and dataref items with notfound, as SV does for items it does not
  // have (we keep none); block items are skipped silently, as SV skips unknown blocks. When
  // false the getdata is delivered to the user, who answers it.
  bool answer_getdata = true;

  // -rejectmempoolrequest: a legacy (empty) mempool request from a peer that is not
  // whitelisted disconnects it. SV also disconnects such a peer when it does not advertise
  // NODE_BLOOM itself, whatever this says.
  bool reject_mempool_request = true;

  // -whitelist: the peer's misbehaviour is scored but never punished (no ban, no disconnect
  // for the score; SV logs "not punishing whitelisted peer"), and it may send mempool.
  bool whitelisted = false;

  // Inbound accepted while every slot is taken: complete the handshake, then disconnect
  // with reason over_capacity.
  bool reject_after_handshake = false;
};

// nullopt when the policy is usable; otherwise what is wrong with it.
std::optional<std::string> policy_error(const ConnectionPolicy& policy);

}  // namespace bsvpeer::conn
