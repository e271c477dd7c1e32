// ConnectionCore's reactions to requests for data we do not keep (getdata, mempool) and to
// BIP37 filters, as SV Node 1.2 reacts (bsv-protocol.md §7, §8; SV's net_processing.cpp
// ProcessMessage, ProcessGetData, ProcessMempoolMessage, ProcessFilterLoad/AddMessage).
#include <bsvpeer/conn/connection_core.hpp>
#include <bsvpeer/net/protocol.hpp>
#include <bsvpeer/wire/byte_reader.hpp>
#include <bsvpeer/wire/limits.hpp>

#include <algorithm>
#include <utility>

namespace bsvpeer::conn {
namespace {

constexpr std::string_view kFilterLoad = "filterload";
constexpr std::string_view kFilterAdd = "filteradd";
constexpr std::string_view kMempool = "mempool";
constexpr std::string_view kSendHdrsEn = "sendhdrsen";

// BIP37 bounds SV enforces (bloom.h MAX_BLOOM_FILTER_SIZE, MAX_HASH_FUNCS; script.h
// MAX_SCRIPT_ELEMENT_SIZE_BEFORE_GENESIS).
constexpr std::size_t kMaxBloomFilterSize = 36'000;
constexpr std::uint32_t kMaxBloomHashFuncs = 50;
constexpr std::size_t kMaxFilterAddElement = 520;

bool is_block_item(std::uint32_t type) {
  return type == static_cast<std::uint32_t>(wire::InvType::block) ||
         type == static_cast<std::uint32_t>(wire::InvType::filtered_block) ||
         type == static_cast<std::uint32_t>(wire::InvType::cmpct_block);
}

bool is_notfound_item(std::uint32_t type) {
  return type == static_cast<std::uint32_t>(wire::InvType::tx) ||
         type == static_cast<std::uint32_t>(wire::InvType::dataref_tx);
}

// A var_bytes length as SV's vector deserialisation reads it: the CompactSize is checked
// against MAX_SIZE, then the bytes must be present.
struct VarBytesLength {
  std::uint64_t length = 0;
  wire::Error error = wire::Error::ok;
};

VarBytesLength read_var_bytes(wire::ByteReader& r) {
  const auto length = r.compact_size();
  if (!r.ok()) return {0, r.error()};
  if (length > r.remaining()) return {length, wire::Error::truncated};
  r.bytes(static_cast<std::size_t>(length));
  return {length, wire::Error::ok};
}

}  // namespace

bool ConnectionCore::on_bloom_without_service(const wire::Message& message, Actions& out) {
  const auto* unknown = std::get_if<wire::UnknownMessage>(&message);
  if (!unknown || (unknown->command != kFilterLoad && unknown->command != kFilterAdd)) {
    return false;
  }
  if ((handshake_.our_version().services & net::kNodeBloom) != 0) return false;
  // SV compares the peer's nVersion, 0 until its version arrived: such a peer, and one below
  // NO_BLOOM_VERSION, is disconnected without a score.
  const auto& peer = handshake_.peer_version();
  const std::int32_t peer_version = peer ? peer->version : 0;
  if (peer_version >= net::kNoBloomVersion) {
    misbehave(misbehavior_points::kNoBloom, "no-bloom-version: " + unknown->command, out);
    if (state_ != ConnectionState::closed) {
      out.push_back(Ignored{unknown->command, "we do not advertise NODE_BLOOM"});
    }
    return true;
  }
  close(DisconnectReason::protocol_violation,
        unknown->command + " without NODE_BLOOM from a peer below 70011", out);
  return true;
}

void ConnectionCore::on_unknown_established(wire::Message message, Actions& out) {
  const auto& command = std::get<wire::UnknownMessage>(message).command;
  if (command == kFilterLoad) {
    on_filterload(std::move(message), out);
  } else if (command == kFilterAdd) {
    on_filteradd(std::move(message), out);
  } else if (command == kMempool) {
    on_mempool(std::move(message), out);
  } else if (command == kSendHdrsEn) {
    on_sendhdrsen(std::move(message), out);
  } else {
    out.push_back(Deliver{std::move(message)});
  }
}

// Reached only when we advertise NODE_BLOOM (on_bloom_without_service handled the rest).
void ConnectionCore::on_filterload(wire::Message message, Actions& out) {
  const auto& unknown = std::get<wire::UnknownMessage>(message);
  wire::ByteReader r(unknown.payload);
  const auto filter = read_var_bytes(r);
  const auto hash_funcs = r.u32le();
  r.u32le();  // nTweak
  r.u8();     // nFlags
  const auto error = filter.error != wire::Error::ok ? filter.error : r.error();
  if (error != wire::Error::ok) {
    reject_unparsable(unknown.command, error, out);
    return;
  }
  if (filter.length > kMaxBloomFilterSize || hash_funcs > kMaxBloomHashFuncs) {
    misbehave(misbehavior_points::kOversizedBloomFilter,
              "oversized-bloom-filter: " + std::to_string(filter.length) + " bytes, " +
                  std::to_string(hash_funcs) + " hash functions",
              out);
    return;
  }
  out.push_back(Deliver{std::move(message)});
}

void ConnectionCore::on_filteradd(wire::Message message, Actions& out) {
  const auto& unknown = std::get<wire::UnknownMessage>(message);
  wire::ByteReader r(unknown.payload);
  const auto element = read_var_bytes(r);
  if (element.error != wire::Error::ok) {
    reject_unparsable(unknown.command, element.error, out);
    return;
  }
  if (element.length > kMaxFilterAddElement) {
    misbehave(misbehavior_points::kInvalidFilterAdd,
              "invalid-filteradd: element of " + std::to_string(element.length) + " bytes", out);
    return;
  }
  out.push_back(Deliver{std::move(message)});
}

void ConnectionCore::on_mempool(wire::Message message, Actions& out) {
  const auto& unknown = std::get<wire::UnknownMessage>(message);
  // SV 1.2's mempool may carry an int64 age (its mempool-sync extension); only the legacy,
  // empty request falls under -rejectmempoolrequest and the NODE_BLOOM rule.
  const bool legacy = unknown.payload.size() < sizeof(std::int64_t);
  if (legacy && !policy_->whitelisted) {
    if (policy_->reject_mempool_request) {
      close(DisconnectReason::protocol_violation,
            "mempool request from a peer that is not whitelisted (-rejectmempoolrequest)", out);
      return;
    }
    if ((handshake_.our_version().services & net::kNodeBloom) == 0) {
      close(DisconnectReason::protocol_violation, "mempool request with bloom filters disabled",
            out);
      return;
    }
  }
  out.push_back(Deliver{std::move(message)});
}

void ConnectionCore::on_sendhdrsen(wire::Message message, Actions& out) {
  if (peer_sent_sendhdrsen_) {
    misbehave(misbehavior_points::kDuplicateSendHdrsEn, "duplicate sendhdrsen", out);
    return;
  }
  peer_sent_sendhdrsen_ = true;
  out.push_back(Deliver{std::move(message)});
}

void ConnectionCore::on_getdata(wire::Message message, Actions& out) {
  if (!policy_->answer_getdata) {
    out.push_back(Deliver{std::move(message)});
    return;
  }
  // SV answers tx and dataref items it lacks with notfound. A block item ends SV's pass over
  // the request (ProcessGetData breaks after one), so the notfound items before and after a
  // block item go out as separate messages; unknown blocks and other types get no answer.
  const auto& items = std::get<wire::GetData>(message).items;
  const auto per_message = static_cast<std::size_t>(
      std::max<std::uint64_t>(1, wire::max_inv_elements(peer_max_recv_payload())));
  wire::NotFound batch;
  std::size_t answered = 0;
  auto flush = [&] {
    if (batch.items.empty()) return;
    answered += batch.items.size();
    out.push_back(SendMessage{std::move(batch), false});
    batch = wire::NotFound{};
  };
  for (const auto& item : items) {
    if (is_block_item(item.type)) {
      flush();
    } else if (is_notfound_item(item.type)) {
      batch.items.push_back(item);
      if (batch.items.size() == per_message) flush();
    }
  }
  flush();
  if (answered < items.size()) {
    out.push_back(Ignored{std::string(wire::GetData::kCommand),
                          std::to_string(items.size() - answered) +
                              " item(s) neither tx nor dataref: no answer, as SV for blocks it "
                              "does not have"});
  }
}

}  // namespace bsvpeer::conn
