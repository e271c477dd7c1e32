#include <bsvpeer/peer/peer_store.hpp>

#include <algorithm>
#include <cctype>
#include <limits>

namespace bsvpeer::peer {
namespace {

boost::system::error_code error(PeerStoreError e) {
  return make_error_code(e);
}

void increment_saturating(std::uint32_t& counter) noexcept {
  if (counter < std::numeric_limits<std::uint32_t>::max()) ++counter;
}

// The one way out of banned, shared by unban() and lift_expired_bans().
void lift_ban(PeerRecord& record, UnixSeconds now) {
  record.status = PeerStatus::unknown;
  record.status_since = now;
  record.ban.reset();
  record.retry_count = 0;
}

}  // namespace

std::size_t StatusCounts::of(PeerStatus status) const noexcept {
  switch (status) {
    case PeerStatus::unknown:
      return unknown;
    case PeerStatus::valid:
      return valid;
    case PeerStatus::inaccessible:
      return inaccessible;
    case PeerStatus::banned:
      return banned;
  }
  return 0;
}

template <class Change>
StoreResult<void> PeerStore::modify(std::string_view id, Change&& change) {
  std::lock_guard lock(mutex_);
  auto found = by_id_.find(id);
  if (found == by_id_.end()) return error(PeerStoreError::not_found);
  StoreResult<bool> changed = change(found->second);
  if (!changed) return changed.error();
  if (*changed) ++generation_;
  return {};
}

StoreResult<AddOutcome> PeerStore::add(std::string_view ip, std::uint16_t port, PeerSource source,
                                       UnixSeconds now) {
  if (port == 0) return error(PeerStoreError::invalid_port);
  auto endpoint = make_peer_endpoint(ip, port);
  if (!endpoint) return error(PeerStoreError::invalid_ip);

  std::lock_guard lock(mutex_);
  if (auto known = id_by_endpoint_.find(*endpoint); known != id_by_endpoint_.end()) {
    PeerRecord& record = by_id_.find(known->second)->second;
    if (ranks_higher(source, record.source)) {
      record.source = source;
      ++generation_;
    }
    return AddOutcome{record.id, false};
  }
  PeerRecord record;
  // A collision is all but impossible with random ids, but a fixed test seed could repeat
  // ids that a loaded file already holds.
  do {
    record.id = ids_.next();
  } while (by_id_.contains(record.id));
  record.ip = endpoint->ip;
  record.port = endpoint->port;
  record.status = PeerStatus::unknown;
  record.status_since = now;
  record.source = source;
  AddOutcome outcome{record.id, true};
  id_by_endpoint_.emplace(std::move(*endpoint), record.id);
  by_id_.emplace(record.id, std::move(record));
  ++generation_;
  return outcome;
}

StoreResult<void> PeerStore::insert(PeerRecord record) {
  if (!is_uuid(record.id)) return error(PeerStoreError::invalid_id);
  for (char& c : record.id)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (record.port == 0) return error(PeerStoreError::invalid_port);
  auto endpoint = make_peer_endpoint(record.ip, record.port);
  if (!endpoint) return error(PeerStoreError::invalid_ip);
  record.ip = endpoint->ip;
  if ((record.status == PeerStatus::banned) != record.ban.has_value()) {
    return error(PeerStoreError::ban_status_mismatch);
  }

  std::lock_guard lock(mutex_);
  if (by_id_.contains(record.id)) return error(PeerStoreError::duplicate_id);
  if (id_by_endpoint_.contains(*endpoint)) return error(PeerStoreError::duplicate_endpoint);
  id_by_endpoint_.emplace(std::move(*endpoint), record.id);
  std::string id = record.id;
  by_id_.emplace(std::move(id), std::move(record));
  ++generation_;
  return {};
}

std::optional<PeerRecord> PeerStore::get(std::string_view id) const {
  std::lock_guard lock(mutex_);
  auto found = by_id_.find(id);
  if (found == by_id_.end()) return std::nullopt;
  return found->second;
}

std::optional<PeerRecord> PeerStore::find(std::string_view ip, std::uint16_t port) const {
  auto endpoint = make_peer_endpoint(ip, port);
  if (!endpoint) return std::nullopt;
  std::lock_guard lock(mutex_);
  auto known = id_by_endpoint_.find(*endpoint);
  if (known == id_by_endpoint_.end()) return std::nullopt;
  return by_id_.find(known->second)->second;
}

std::vector<PeerRecord> PeerStore::list(PeerStatus status) const {
  std::vector<PeerRecord> records;
  std::lock_guard lock(mutex_);
  for (const auto& [id, record] : by_id_) {
    if (record.status == status) records.push_back(record);
  }
  return records;
}

StatusCounts PeerStore::counts() const {
  StatusCounts counts;
  std::lock_guard lock(mutex_);
  for (const auto& [id, record] : by_id_) {
    switch (record.status) {
      case PeerStatus::unknown:
        ++counts.unknown;
        break;
      case PeerStatus::valid:
        ++counts.valid;
        break;
      case PeerStatus::inaccessible:
        ++counts.inaccessible;
        break;
      case PeerStatus::banned:
        ++counts.banned;
        break;
    }
  }
  return counts;
}

std::size_t PeerStore::size() const {
  std::lock_guard lock(mutex_);
  return by_id_.size();
}

std::vector<PeerRecord> PeerStore::snapshot() const {
  return snapshot_with_generation().records;
}

PeerStoreSnapshot PeerStore::snapshot_with_generation() const {
  PeerStoreSnapshot snapshot;
  std::lock_guard lock(mutex_);
  snapshot.records.reserve(by_id_.size());
  for (const auto& [id, record] : by_id_)
    snapshot.records.push_back(record);
  snapshot.generation = generation_;
  return snapshot;
}

std::uint64_t PeerStore::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

StoreResult<void> PeerStore::mark_attempt(std::string_view id, UnixSeconds now) {
  return modify(id, [&](PeerRecord& record) -> StoreResult<bool> {
    increment_saturating(record.attempts);
    record.last_attempt = now;
    return true;
  });
}

StoreResult<void> PeerStore::mark_success(std::string_view id, std::string_view user_agent,
                                          std::uint64_t services, UnixSeconds now) {
  return modify(id, [&](PeerRecord& record) -> StoreResult<bool> {
    if (record.status != PeerStatus::banned && record.status != PeerStatus::valid) {
      record.status = PeerStatus::valid;
      record.status_since = now;
    }
    record.last_success = now;
    record.retry_count = 0;
    record.user_agent = user_agent;
    record.services = services;
    record.last_error.clear();
    return true;
  });
}

StoreResult<void> PeerStore::mark_failure(std::string_view id, std::string_view error) {
  return modify(id, [&](PeerRecord& record) -> StoreResult<bool> {
    increment_saturating(record.retry_count);
    record.last_error = error;
    return true;
  });
}

StoreResult<void> PeerStore::mark_restart(std::string_view id) {
  return modify(id, [](PeerRecord& record) -> StoreResult<bool> {
    increment_saturating(record.restart_count);
    return true;
  });
}

StoreResult<void> PeerStore::set_status(std::string_view id, PeerStatus status, UnixSeconds now) {
  return modify(id, [&](PeerRecord& record) -> StoreResult<bool> {
    if (status == PeerStatus::banned || record.status == PeerStatus::banned) {
      return StoreResult<bool>(boost::system::in_place_error,
                               error(PeerStoreError::status_needs_ban_call));
    }
    if (record.status == status) return false;
    record.status = status;
    record.status_since = now;
    return true;
  });
}

StoreResult<void> PeerStore::ban(std::string_view id, std::string_view reason, UnixSeconds until,
                                 UnixSeconds now) {
  return modify(id, [&](PeerRecord& record) -> StoreResult<bool> {
    if (record.status != PeerStatus::banned) {
      record.status = PeerStatus::banned;
      record.status_since = now;
    }
    record.ban = PeerBan{std::string(reason), until};
    return true;
  });
}

StoreResult<void> PeerStore::unban(std::string_view id, UnixSeconds now) {
  return modify(id, [&](PeerRecord& record) -> StoreResult<bool> {
    if (record.status != PeerStatus::banned) return false;
    lift_ban(record, now);
    return true;
  });
}

bool PeerStore::remove(std::string_view id) {
  std::lock_guard lock(mutex_);
  auto found = by_id_.find(id);
  if (found == by_id_.end()) return false;
  id_by_endpoint_.erase(PeerEndpoint{found->second.ip, found->second.port});
  by_id_.erase(found);
  ++generation_;
  return true;
}

std::vector<std::string> PeerStore::lift_expired_bans(UnixSeconds now) {
  std::vector<std::string> lifted;
  std::lock_guard lock(mutex_);
  for (auto& [id, record] : by_id_) {
    if (record.status == PeerStatus::banned && !record.banned_at(now)) {
      lift_ban(record, now);
      lifted.push_back(id);
    }
  }
  const auto subnets_before = subnet_bans_.size();
  std::erase_if(subnet_bans_, [now](const SubnetBan& b) { return now >= b.until; });
  if (!lifted.empty() || subnet_bans_.size() != subnets_before) ++generation_;
  return lifted;
}

bool PeerStore::is_banned(std::string_view ip, std::uint16_t port, UnixSeconds now) const {
  auto endpoint = make_peer_endpoint(ip, port);
  if (!endpoint) return false;
  std::lock_guard lock(mutex_);
  auto known = id_by_endpoint_.find(*endpoint);
  return known != id_by_endpoint_.end() && by_id_.find(known->second)->second.banned_at(now);
}

bool PeerStore::is_ip_banned(std::string_view ip, UnixSeconds now) const {
  auto normalised = normalise_ip(ip);
  if (!normalised) return false;
  std::lock_guard lock(mutex_);
  for (const auto& b : subnet_bans_) {
    if (now < b.until && b.subnet.contains(std::string_view(*normalised))) return true;
  }
  // Endpoints order by ip, then port: every port of this ip sits in one run from port 0.
  for (auto it = id_by_endpoint_.lower_bound(PeerEndpoint{*normalised, 0});
       it != id_by_endpoint_.end() && it->first.ip == *normalised; ++it) {
    if (by_id_.find(it->second)->second.banned_at(now)) return true;
  }
  return false;
}

void PeerStore::ban_subnet(SubnetBan ban) {
  std::lock_guard lock(mutex_);
  auto it = std::find_if(subnet_bans_.begin(), subnet_bans_.end(),
                         [&](const SubnetBan& b) { return b.subnet == ban.subnet; });
  if (it != subnet_bans_.end()) {
    *it = std::move(ban);
  } else {
    subnet_bans_.push_back(std::move(ban));
  }
  ++generation_;
}

bool PeerStore::unban_subnet(const Subnet& subnet) {
  std::lock_guard lock(mutex_);
  const auto removed =
      std::erase_if(subnet_bans_, [&](const SubnetBan& b) { return b.subnet == subnet; });
  if (removed > 0) ++generation_;
  return removed > 0;
}

std::vector<SubnetBan> PeerStore::subnet_bans() const {
  std::lock_guard lock(mutex_);
  return subnet_bans_;
}

std::size_t PeerStore::clear_subnet_bans() {
  std::lock_guard lock(mutex_);
  const auto n = subnet_bans_.size();
  subnet_bans_.clear();
  if (n > 0) ++generation_;
  return n;
}

}  // namespace bsvpeer::peer
