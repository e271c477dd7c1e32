#pragma once
// Everything the crawl keeps about one node: how we learnt of it, what its last successful
// handshake told us, how its last visit ended, its addr answer and its reliability over rounds.
#include "reliability.hpp"
#include "verdict.hpp"

#include <bsvpeer/peer/peer_endpoint.hpp>
#include <bsvpeer/peer/peer_source.hpp>

#include <nlohmann/json_fwd.hpp>

#include <optional>
#include <string>
#include <vector>

namespace bsvpeer::crawl {

struct ProtoconfInfo {
  std::uint32_t max_recv_payload_length = 0;
  std::string stream_policies;
  friend bool operator==(const ProtoconfInfo&, const ProtoconfInfo&) = default;
};

// The peer's version message (and protoconf) of its last completed handshake.
struct HandshakeInfo {
  std::int32_t version = 0;
  std::uint64_t services = 0;
  std::string user_agent;
  std::int32_t start_height = -1;
  bool relay = true;
  std::optional<ProtoconfInfo> protoconf;
  friend bool operator==(const HandshakeInfo&, const HandshakeInfo&) = default;
};

inline constexpr std::size_t kAddrSampleSize = 32;

struct NodeRecord {
  peer::PeerEndpoint endpoint;
  peer::PeerSource source = peer::PeerSource::addr;
  UnixSeconds first_seen = 0;
  std::uint64_t visited_round = 0;  // the last round in which a visit ended; 0: never

  std::optional<HandshakeInfo> handshake;  // kept from the last success
  std::string error;                       // how the last visit failed; empty: it handshaked
  std::optional<double> rtt_ms;            // ping round trip of the last success
  std::optional<double> connect_ms;        // TCP connect time of the last success
  std::optional<double> handshake_ms;      // connect to verack of the last success
  bool addr_answered = false;              // the last success got an addr with > 1 entry
  std::size_t addr_messages = 0;
  std::size_t addr_count = 0;            // distinct usable endpoints it gave
  std::vector<std::string> addr_sample;  // the first kAddrSampleSize of them
  Reliability reliability;

  friend bool operator==(const NodeRecord&, const NodeRecord&) = default;
};

// What the verdict needs, from the last visit.
Observation observation_of(const NodeRecord& record);

void to_json(nlohmann::json& j, const NodeRecord& record);
// Throws nlohmann::json::exception or std::invalid_argument on a malformed record.
NodeRecord node_record_from_json(const nlohmann::json& j);

}  // namespace bsvpeer::crawl
