#include "addr_collector.hpp"

namespace bsvpeer::crawl {

bool is_public_address(const wire::Ip16& ip) {
  static constexpr wire::Ip16 kMappedPrefix{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  bool mapped = true;
  for (int i = 0; i < 12; ++i)
    mapped = mapped && ip[i] == kMappedPrefix[i];
  if (mapped) {
    const auto a = ip[12], b = ip[13];
    if (a == 0 || a == 10 || a == 127 || a >= 224) return false;
    if (a == 169 && b == 254) return false;
    if (a == 172 && (b & 0xf0) == 16) return false;
    if (a == 192 && b == 168) return false;
    if (a == 100 && (b & 0xc0) == 64) return false;          // 100.64/10
    if (a == 192 && b == 0 && ip[14] == 2) return false;     // TEST-NET-1
    if (a == 198 && b == 51 && ip[14] == 100) return false;  // TEST-NET-2
    if (a == 203 && b == 0 && ip[14] == 113) return false;   // TEST-NET-3
    if (a == 198 && (b & 0xfe) == 18) return false;          // benchmarking
    return true;
  }
  bool zero_prefix = true;
  for (int i = 0; i < 15; ++i)
    zero_prefix = zero_prefix && ip[i] == 0;
  if (zero_prefix) return false;                                                       // :: and ::1
  if (ip[0] == 0xff) return false;                                                     // multicast
  if ((ip[0] & 0xfe) == 0xfc) return false;                                            // fc00::/7
  if (ip[0] == 0xfe && (ip[1] & 0xc0) == 0x80) return false;                           // fe80::/10
  if (ip[0] == 0x20 && ip[1] == 0x01 && ip[2] == 0x0d && ip[3] == 0xb8) return false;  // doc
  return true;
}

bool AddrCollector::on_addr(const wire::Addr& addr) {
  ++messages_;
  entries_ += addr.entries.size();
  for (const auto& entry : addr.entries) {
    if (addresses_.size() >= options_.max_addresses) break;
    if (!options_.allow_local && !is_public_address(entry.addr.ip)) continue;
    auto endpoint = peer::make_peer_endpoint(entry.addr.ip_string(), entry.addr.port);
    if (!endpoint) continue;
    if (seen_.insert(*endpoint).second) addresses_.push_back(*endpoint);
  }
  if (addr.entries.size() > 1) answered_ = true;
  return addr.entries.size() > 1;
}

}  // namespace bsvpeer::crawl
