#include <bsvpeer/conn/connection_core.hpp>
#include <bsvpeer/net/protocol.hpp>
#include <bsvpeer/wire/limits.hpp>

#include <algorithm>
#include <chrono>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace bsvpeer::conn {
namespace {

PingSettings ping_settings_of(const ConnectionPolicy& p) {
  return PingSettings{p.ping_interval, p.ping_timeout, p.max_outstanding_pings};
}

// SV's reason text in the reject it sends for a payload that does not deserialise.
constexpr std::string_view kParseErrorReason = "error parsing message";

bool is_fatal_frame_error(wire::Error e) {
  return e == wire::Error::wrong_magic || e == wire::Error::payload_too_large ||
         e == wire::Error::extmsg_not_allowed;
}

bool is_dropped_frame_error(wire::Error e) {
  return e == wire::Error::bad_checksum || e == wire::Error::bad_command;
}

std::string error_text(wire::Error e) {
  return wire::make_error_code(e).message();
}

std::string seconds_text(Duration d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + "s";
}

std::shared_ptr<const ConnectionPolicy> checked_policy(
    std::shared_ptr<const ConnectionPolicy> policy) {
  if (!policy) throw std::invalid_argument("ConnectionPolicy: none given");
  if (auto error = policy_error(*policy)) {
    throw std::invalid_argument("ConnectionPolicy: " + *error);
  }
  return policy;
}

// Our version must be one SV accepts (bsv-protocol.md §3.2, §10): no trailing garbage (only no
// association id, a null one, or a 17-byte UUID id) and a user agent SV will not ban.
wire::Version checked_version(wire::Version version) {
  constexpr std::size_t kUuidIdLength = 17;  // type byte 0x00 + 16-byte UUID
  if (version.association_id && !version.association_id->empty() &&
      (version.association_id->size() != kUuidIdLength || version.association_id->front() != 0)) {
    throw std::invalid_argument("our version: association id must be none, null or a UUID id");
  }
  if (version.user_agent.size() > wire::kMaxUserAgentLength) {
    throw std::invalid_argument("our version: user agent longer than 256 bytes");
  }
  if (UserAgentFilter{}.is_banned(version.user_agent)) {
    throw std::invalid_argument("our version: SV bans user agents containing abc, cash or bch");
  }
  return version;
}

std::optional<wire::Protoconf> protoconf_to_send(const ConnectionPolicy& policy) {
  if (!policy.send_protoconf) return std::nullopt;
  return policy.our_protoconf;
}

bool is_tx_or_block(const wire::InvItem& item) {
  return item.type == static_cast<std::uint32_t>(wire::InvType::tx) ||
         item.type == static_cast<std::uint32_t>(wire::InvType::block);
}

}  // namespace

ConnectionCore::ConnectionCore(Direction direction, ConnectionPolicy policy,
                               wire::Version our_version, LocalNonceCheck is_local_nonce,
                               NonceSource random_nonce)
    : ConnectionCore(direction, std::make_shared<const ConnectionPolicy>(std::move(policy)),
                     std::move(our_version), std::move(is_local_nonce), std::move(random_nonce)) {}

ConnectionCore::ConnectionCore(Direction direction, std::shared_ptr<const ConnectionPolicy> policy,
                               wire::Version our_version, LocalNonceCheck is_local_nonce,
                               NonceSource random_nonce)
    : policy_(checked_policy(std::move(policy))),
      version_rules_{policy_->min_protocol_version, policy_->required_services,
                     UserAgentFilter(policy_->banned_user_agents, policy_->allowed_user_agents)},
      is_local_nonce_(std::move(is_local_nonce)),
      handshake_(direction, checked_version(std::move(our_version)), protoconf_to_send(*policy_)),
      pings_(ping_settings_of(*policy_), std::move(random_nonce)),
      misbehavior_(policy_->ban_threshold),
      checksum_burst_(policy_->invalid_checksum_burst) {
  if (policy_->rate_limit) rate_limiter_.emplace(*policy_->rate_limit);
}

void ConnectionCore::require_started() const {
  if (state_ == ConnectionState::idle) {
    throw std::logic_error("ConnectionCore: start() must be called before any input");
  }
}

void ConnectionCore::start(TimePoint now, Actions& out) {
  if (state_ != ConnectionState::idle) throw std::logic_error("ConnectionCore: started twice");
  state_ = ConnectionState::awaiting_handshake;
  handshake_deadline_ = now + policy_->handshake_timeout;
  last_received_ = now;
  last_sent_ = now;
  handshake_.start(out);
}

// ---- received messages -------------------------------------------------------------------

void ConnectionCore::on_message(wire::Message message, TimePoint now, Actions& out) {
  require_started();
  if (state_ == ConnectionState::closed) return;
  on_bytes_received(now);
  if (!admit_by_rate(now, out)) return;
  // SV checks BIP37 filters against its services before any handshake gate.
  if (on_bloom_without_service(message, out)) return;
  if (auto* version = std::get_if<wire::Version>(&message)) {
    on_peer_version(std::move(*version), out);
    return;
  }
  const std::string command(wire::command_of(message));
  if (!admit_by_gate(command, out)) return;
  if (std::holds_alternative<wire::Verack>(message)) {
    on_peer_verack(now, out);
    return;
  }
  if (!handshake_.complete()) {
    // Only reject, authch and authresp pass the gates this early; none needs an answer.
    out.push_back(Deliver{std::move(message)});
    return;
  }
  on_established_message(std::move(message), now, out);
}

bool ConnectionCore::admit_by_rate(TimePoint now, Actions& out) {
  if (!rate_limiter_ || rate_limiter_->try_acquire(now)) return true;
  const int points = policy_->rate_limit->misbehavior_per_excess;
  if (points > 0) {
    misbehave(points, "message rate above limit", out);
  } else {
    out.push_back(Ignored{"", "message rate above limit: dropped"});
  }
  return false;
}

bool ConnectionCore::admit_by_gate(std::string_view command, Actions& out) {
  switch (handshake_.gate(command)) {
    case HandshakeGate::admit:
      return true;
    case HandshakeGate::missing_version:
      misbehave(misbehavior_points::kMissingVersion, "missing-version: " + std::string(command),
                out);
      return false;
    case HandshakeGate::missing_verack:
      misbehave(misbehavior_points::kMissingVerack, "missing-verack: " + std::string(command), out);
      return false;
  }
  return false;
}

void ConnectionCore::on_peer_version(wire::Version peer, Actions& out) {
  if (handshake_.flags().version_received) {
    reject_duplicate_version(out);
    return;
  }
  if (auto refusal = check_peer_version(peer, version_rules_, direction(), is_local_nonce_)) {
    if (refusal->reject) out.push_back(SendMessage{std::move(*refusal->reject), true});
    if (refusal->ban && !policy_->whitelisted && !policy_->addnode_peer) {
      ban(refusal->reason, std::move(refusal->detail), out);
    } else {
      close(refusal->reason, std::move(refusal->detail), out);
    }
    return;
  }
  handshake_.accept_peer_version(std::move(peer), out);
}

void ConnectionCore::reject_duplicate_version(Actions& out) {
  send_reject(wire::Version::kCommand, wire::RejectCode::duplicate, "Duplicate version message",
              out);
  misbehave(misbehavior_points::kDuplicateVersion, "duplicate version", out);
}

void ConnectionCore::on_peer_verack(TimePoint now, Actions& out) {
  if (!handshake_.accept_peer_verack()) {
    out.push_back(Ignored{std::string(wire::Verack::kCommand), "duplicate verack"});
    return;
  }
  state_ = ConnectionState::established;
  out.push_back(HandshakeCompleted{*handshake_.peer_version()});
  if (policy_->reject_after_handshake) {
    close(DisconnectReason::over_capacity, "no free inbound slot", out);
    return;
  }
  send_ping(now, out);  // SV's first ping goes out as soon as the handshake completes
}

void ConnectionCore::on_established_message(wire::Message message, TimePoint now, Actions& out) {
  if (const auto* ping = std::get_if<wire::Ping>(&message)) {
    on_ping(*ping, out);
  } else if (const auto* pong = std::get_if<wire::Pong>(&message)) {
    on_pong(*pong, now, out);
  } else if (std::holds_alternative<wire::Protoconf>(message)) {
    on_protoconf(std::move(message), out);
  } else if (std::holds_alternative<wire::SendHeaders>(message)) {
    on_sendheaders(std::move(message), out);
  } else if (std::holds_alternative<wire::Inv>(message)) {
    on_inv(std::move(message), out);
  } else if (std::holds_alternative<wire::GetHeaders>(message)) {
    on_getheaders(std::move(message), out);
  } else if (std::holds_alternative<wire::GetData>(message)) {
    on_getdata(std::move(message), out);
  } else if (std::holds_alternative<wire::UnknownMessage>(message)) {
    on_unknown_established(std::move(message), out);
  } else {
    out.push_back(Deliver{std::move(message)});
  }
}

void ConnectionCore::on_ping(const wire::Ping& ping, Actions& out) {
  // BIP31: peers up to 60000 send pings without nonce and expect no pong.
  if (handshake_.peer_version()->version <= net::kBip0031Version) return;
  if (!ping.nonce) {
    // SV reads a nonce from such a peer's ping; an empty payload fails to parse.
    send_reject(wire::Ping::kCommand, wire::RejectCode::malformed, std::string(kParseErrorReason),
                out);
    return;
  }
  out.push_back(SendMessage{wire::Pong{*ping.nonce}, true});
}

void ConnectionCore::on_pong(const wire::Pong& pong, TimePoint now, Actions& out) {
  const std::string command(wire::Pong::kCommand);
  switch (pings_.on_pong(pong.nonce, now).outcome) {
    case PongOutcome::matched:
      return;
    case PongOutcome::mismatched:
      out.push_back(Ignored{
          command, "nonce mismatch (" + std::to_string(pong.nonce) + "): ping stays outstanding"});
      return;
    case PongOutcome::cancelled:
      out.push_back(Ignored{command, "nonce zero: outstanding ping cancelled"});
      return;
    case PongOutcome::unsolicited:
      out.push_back(Ignored{command, "unsolicited pong"});
      return;
  }
}

void ConnectionCore::on_protoconf(wire::Message message, Actions& out) {
  const auto& protoconf = std::get<wire::Protoconf>(message);
  if (peer_protoconf_) {
    close(DisconnectReason::protocol_violation, "second protoconf", out);
    return;
  }
  // The decoder refuses these already; a message built in code gets the same treatment.
  if (protoconf.number_of_fields == 0 ||
      protoconf.max_recv_payload_length < wire::kLegacyMaxPayload) {
    close(DisconnectReason::protocol_violation,
          "invalid protoconf: fields " + std::to_string(protoconf.number_of_fields) +
              ", max_recv_payload_length " + std::to_string(protoconf.max_recv_payload_length),
          out);
    return;
  }
  peer_protoconf_ = protoconf;
  out.push_back(Deliver{std::move(message)});
}

void ConnectionCore::on_sendheaders(wire::Message message, Actions& out) {
  if (peer_sent_sendheaders_) {
    misbehave(misbehavior_points::kDuplicateSendHeaders, "duplicate sendheaders", out);
    return;
  }
  peer_sent_sendheaders_ = true;
  out.push_back(Deliver{std::move(message)});
}

void ConnectionCore::on_inv(wire::Message message, Actions& out) {
  const auto& items = std::get<wire::Inv>(message).items;
  const auto bad = std::find_if_not(items.begin(), items.end(), is_tx_or_block);
  if (bad != items.end()) {
    close(DisconnectReason::protocol_violation,
          "inv item of type " + std::to_string(bad->type) + " (only tx and block allowed)", out);
    return;
  }
  out.push_back(Deliver{std::move(message)});
}

void ConnectionCore::on_getheaders(wire::Message message, Actions& out) {
  if (policy_->answer_getheaders) {
    // We serve no chain: an empty headers message is SV's "nothing to give".
    out.push_back(SendMessage{wire::Headers{}, false});
    return;
  }
  out.push_back(Deliver{std::move(message)});
}

// ---- frames that did not become messages ---------------------------------------------------

void ConnectionCore::on_decode_error(std::string_view command, wire::Error error, TimePoint now,
                                     Actions& out) {
  require_started();
  if (state_ == ConnectionState::closed) return;
  if (is_fatal_frame_error(error)) {
    on_frame_fatal(error, out);
    return;
  }
  if (is_dropped_frame_error(error)) {
    on_frame_dropped(error, now, out);
    return;
  }
  on_bytes_received(now);
  if (!admit_by_rate(now, out)) return;
  const std::string cmd(command);
  if (command == wire::Version::kCommand) {
    if (handshake_.flags().version_received) {
      reject_duplicate_version(out);
      return;
    }
    // SV answers an unparsable version (bad association id, over-long user agent, ...) with
    // reject 0x60 and a disconnect (bsv-protocol.md §3.1).
    send_reject(command, wire::RejectCode::stream_setup, error_text(error), out);
    close(DisconnectReason::bad_version_message, "unparsable version: " + error_text(error), out);
    return;
  }
  // SV applies the handshake gates before it parses the payload.
  if (!admit_by_gate(command, out)) return;
  if (command == wire::Protoconf::kCommand) {
    close(DisconnectReason::protocol_violation, "invalid protoconf: " + error_text(error), out);
  } else if (command == wire::Pong::kCommand) {
    pings_.on_short_pong();
    out.push_back(Ignored{cmd, "short pong payload: outstanding ping cancelled"});
  } else if (command == wire::Reject::kCommand) {
    out.push_back(Ignored{cmd, "malformed reject: " + error_text(error)});
  } else if (error == wire::Error::count_too_large && command == wire::Addr::kCommand) {
    misbehave(misbehavior_points::kOversizedAddr, "addr with more than 1000 entries", out);
  } else if (error == wire::Error::count_too_large && command == wire::Headers::kCommand) {
    misbehave(misbehavior_points::kOversizedHeaders, "headers with more than 2000 entries", out);
  } else {
    reject_unparsable(command, error, out);
  }
}

void ConnectionCore::reject_unparsable(std::string_view command, wire::Error error, Actions& out) {
  send_reject(command, wire::RejectCode::malformed, std::string(kParseErrorReason), out);
  if (error == wire::Error::size_too_large) {
    misbehave(misbehavior_points::kCompactSizeTooLarge,
              std::string(command) + ": CompactSize above MAX_SIZE", out);
  }
}

void ConnectionCore::on_frame_dropped(wire::Error error, TimePoint now, Actions& out) {
  require_started();
  if (state_ == ConnectionState::closed) return;
  if (is_fatal_frame_error(error)) {
    on_frame_fatal(error, out);
    return;
  }
  on_bytes_received(now);
  if (error == wire::Error::bad_checksum) {
    out.push_back(Ignored{"", "bad checksum: frame dropped"});
    if (checksum_burst_.on_failure(now)) {
      misbehave(checksum_burst_.rule().points, "invalid checksum burst", out);
    }
    return;
  }
  out.push_back(Ignored{"", error_text(error) + ": frame dropped"});
}

void ConnectionCore::on_frame_fatal(wire::Error error, Actions& out) {
  require_started();
  if (state_ == ConnectionState::closed) return;
  switch (error) {
    case wire::Error::wrong_magic:
      ban(DisconnectReason::wrong_magic, "frame with another network's magic", out);
      return;
    case wire::Error::payload_too_large:
      ban(DisconnectReason::oversize_message, "declared payload above the command's limit", out);
      return;
    case wire::Error::extmsg_not_allowed:
      ban(DisconnectReason::extmsg_not_allowed, "extended message from a peer below 70016", out);
      return;
    default:
      close(DisconnectReason::protocol_violation, "unrecoverable frame: " + error_text(error), out);
      return;
  }
}

// ---- activity and timers -------------------------------------------------------------------

void ConnectionCore::on_bytes_received(TimePoint now) {
  last_received_ = std::max(last_received_, now);
}

void ConnectionCore::on_bytes_sent(TimePoint now) {
  last_sent_ = std::max(last_sent_, now);
}

TimePoint ConnectionCore::receive_deadline() const {
  const auto& peer = handshake_.peer_version();
  const bool legacy_peer = peer && peer->version <= net::kBip0031Version;
  return last_received_ +
         (legacy_peer ? policy_->legacy_receive_timeout : policy_->inactivity_timeout);
}

TimePoint ConnectionCore::send_deadline() const {
  return last_sent_ + policy_->inactivity_timeout;
}

TimePoint ConnectionCore::inactivity_deadline() const {
  return std::min(receive_deadline(), send_deadline());
}

void ConnectionCore::on_timer(TimePoint now, Actions& out) {
  if (state_ == ConnectionState::awaiting_handshake) {
    if (now < handshake_deadline_) return;
    std::ostringstream detail;
    detail << "handshake not complete after " << seconds_text(policy_->handshake_timeout)
           << ", flags " << handshake_.flags();
    close(DisconnectReason::handshake_timeout, detail.str(), out);
    return;
  }
  if (state_ != ConnectionState::established) return;
  if (pings_.timed_out(now)) {
    close(DisconnectReason::ping_timeout, "no pong within " + seconds_text(policy_->ping_timeout),
          out);
    return;
  }
  if (now >= receive_deadline()) {
    close(DisconnectReason::inactivity_timeout,
          "nothing received for " + seconds_text(now - last_received_), out);
    return;
  }
  if (now >= send_deadline()) {
    close(DisconnectReason::inactivity_timeout,
          "nothing sent for " + seconds_text(now - last_sent_), out);
    return;
  }
  if (pings_.ping_due(now)) send_ping(now, out);
}

TimePoint ConnectionCore::next_deadline() const {
  switch (state_) {
    case ConnectionState::idle:
    case ConnectionState::closed:
      return TimePoint::max();
    case ConnectionState::awaiting_handshake:
      return handshake_deadline_;
    case ConnectionState::established:
      break;
  }
  TimePoint deadline = inactivity_deadline();
  if (auto timeout = pings_.timeout_at()) deadline = std::min(deadline, *timeout);
  if (auto ping = pings_.next_ping_at()) deadline = std::min(deadline, *ping);
  return deadline;
}

// ---- our own sends and decisions -----------------------------------------------------------

void ConnectionCore::send_ping(TimePoint now, Actions& out) {
  if (handshake_.peer_version()->version <= net::kBip0031Version) {
    pings_.send_legacy_ping(now);
    out.push_back(SendMessage{wire::Ping{}, true});
    return;
  }
  if (auto nonce = pings_.send_ping(now)) out.push_back(SendMessage{wire::Ping{*nonce}, true});
}

bool ConnectionCore::request_ping(TimePoint now, Actions& out) {
  if (state_ != ConnectionState::established) return false;
  if (handshake_.peer_version()->version <= net::kBip0031Version) return false;
  const auto nonce = pings_.send_ping(now);
  if (!nonce) return false;
  out.push_back(SendMessage{wire::Ping{*nonce}, true});
  return true;
}

std::optional<std::string> ConnectionCore::send_user_message(wire::Message message, Actions& out) {
  if (state_ == ConnectionState::closed) return "connection closed";
  if (state_ != ConnectionState::established) {
    return "handshake not complete (SV scores early messages +1)";
  }
  const std::string command(wire::command_of(message));
  if (std::holds_alternative<wire::Version>(message) ||
      std::holds_alternative<wire::Verack>(message) ||
      std::holds_alternative<wire::Protoconf>(message) ||
      std::holds_alternative<wire::Ping>(message) || std::holds_alternative<wire::Pong>(message)) {
    return command + " is sent by the connection itself";
  }
  if (const auto* inv = std::get_if<wire::Inv>(&message)) {
    const auto bad = std::find_if_not(inv->items.begin(), inv->items.end(), is_tx_or_block);
    if (bad != inv->items.end()) {
      return "inv item of type " + std::to_string(bad->type) + " makes SV disconnect";
    }
  }
  if (const auto* addr = std::get_if<wire::Addr>(&message);
      addr && addr->entries.size() > wire::kMaxAddrEntries) {
    return "addr with more than 1000 entries costs +20 at SV";
  }
  if (const auto* headers = std::get_if<wire::Headers>(&message);
      headers && headers->headers.size() > wire::kMaxHeadersResults) {
    return "headers with more than 2000 entries costs +20 at SV";
  }
  if (std::holds_alternative<wire::SendHeaders>(message)) {
    if (we_sent_sendheaders_) return "sendheaders already sent (SV scores a second one +1)";
    we_sent_sendheaders_ = true;
  }
  out.push_back(SendMessage{std::move(message), false});
  return std::nullopt;
}

void ConnectionCore::disconnect(DisconnectReason reason, std::string detail, Actions& out) {
  if (state_ == ConnectionState::closed) return;
  close(reason, std::move(detail), out);
}

void ConnectionCore::send_reject(std::string_view command, wire::RejectCode code,
                                 std::string reason, Actions& out) {
  wire::Reject reject;
  reject.message = std::string(command.substr(0, wire::kMaxRejectMessageLength));
  reject.code = static_cast<std::uint8_t>(code);
  reason.resize(std::min(reason.size(), wire::kMaxRejectReasonLength));
  reject.reason = std::move(reason);
  out.push_back(SendMessage{std::move(reject), true});
}

void ConnectionCore::misbehave(int points, std::string reason, Actions& out) {
  if (points <= 0 || state_ == ConnectionState::closed) return;
  const bool reached = misbehavior_.add(points, reason);
  out.push_back(Misbehaved{points, misbehavior_.score(), reason});
  if (reached && (policy_->whitelisted || policy_->addnode_peer)) {
    // SV: "not punishing whitelisted/addnoded peer": the score stays visible, the peer stays.
    out.push_back(Ignored{"", "ban score " + std::to_string(misbehavior_.score()) + " reached by " +
                                  (policy_->whitelisted ? "a whitelisted" : "an addnode") +
                                  " peer: not punished"});
    return;
  }
  if (reached) {
    ban(DisconnectReason::misbehavior_ban,
        "ban score " + std::to_string(misbehavior_.score()) + " reached " +
            std::to_string(misbehavior_.threshold()) + ", last: " + reason,
        out);
  }
}

void ConnectionCore::close(DisconnectReason reason, std::string detail, Actions& out) {
  state_ = ConnectionState::closed;
  close_reason_ = reason;
  out.push_back(Disconnect{reason, std::move(detail)});
}

void ConnectionCore::ban(DisconnectReason reason, std::string detail, Actions& out) {
  state_ = ConnectionState::closed;
  close_reason_ = reason;
  out.push_back(Ban{reason, std::move(detail), policy_->ban_duration});
}

std::int32_t ConnectionCore::negotiated_version() const noexcept {
  const auto& peer = handshake_.peer_version();
  if (!peer) return net::kInitProtoVersion;
  return std::min(peer->version, net::kProtocolVersion);
}

std::uint64_t ConnectionCore::peer_max_recv_payload() const noexcept {
  return peer_protoconf_ ? peer_protoconf_->max_recv_payload_length : wire::kLegacyMaxPayload;
}

void ConnectionCore::update_timers(const ConnectionPolicy& policy) {
  // Copied on change: the old policy may be shared with other connections.
  auto updated = std::make_shared<ConnectionPolicy>(*policy_);
  updated->ping_interval = policy.ping_interval;
  updated->ping_timeout = policy.ping_timeout;
  updated->max_outstanding_pings = policy.max_outstanding_pings;
  updated->inactivity_timeout = policy.inactivity_timeout;
  updated->legacy_receive_timeout = policy.legacy_receive_timeout;
  updated->ban_duration = policy.ban_duration;
  updated->answer_getheaders = policy.answer_getheaders;
  updated->answer_getdata = policy.answer_getdata;
  updated->reject_mempool_request = policy.reject_mempool_request;
  policy_ = std::move(updated);
  pings_.set_settings(ping_settings_of(*policy_));
}

}  // namespace bsvpeer::conn
