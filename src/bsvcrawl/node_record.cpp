#include "node_record.hpp"

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace bsvpeer::crawl {

using nlohmann::json;

Observation observation_of(const NodeRecord& r) {
  Observation o;
  o.contacted = r.visited_round > 0;
  o.handshaked = o.contacted && r.error.empty() && r.handshake.has_value();
  o.failure = r.error;
  if (r.handshake) {
    o.user_agent = r.handshake->user_agent;
    o.start_height = r.handshake->start_height;
    o.protoconf = r.handshake->protoconf.has_value();
  }
  return o;
}

namespace {

template <class T>
json optional_json(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

template <class T>
std::optional<T> optional_from(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<T>();
}

}  // namespace

void to_json(json& j, const NodeRecord& r) {
  j = json::object();
  j["address"] = peer::to_string(r.endpoint);
  j["ip"] = r.endpoint.ip;
  j["port"] = r.endpoint.port;
  j["source"] = std::string(peer::to_string(r.source));
  j["first_seen"] = r.first_seen;
  j["visited_round"] = r.visited_round;
  if (r.handshake) {
    const auto& h = *r.handshake;
    json p = nullptr;
    if (h.protoconf) {
      p = json{{"max_recv_payload_length", h.protoconf->max_recv_payload_length},
               {"stream_policies", h.protoconf->stream_policies}};
    }
    j["handshake"] = json{{"version", h.version},       {"services", h.services},
                          {"user_agent", h.user_agent}, {"start_height", h.start_height},
                          {"relay", h.relay},           {"protoconf", p}};
  } else {
    j["handshake"] = nullptr;
  }
  j["error"] = r.error.empty() ? json(nullptr) : json(r.error);
  j["rtt_ms"] = optional_json(r.rtt_ms);
  j["connect_ms"] = optional_json(r.connect_ms);
  j["handshake_ms"] = optional_json(r.handshake_ms);
  j["addr"] = json{{"answered", r.addr_answered},
                   {"messages", r.addr_messages},
                   {"count", r.addr_count},
                   {"sample", r.addr_sample}};
  const auto& rel = r.reliability;
  json decay = json::object();
  for (std::size_t i = 0; i < kWindowNames.size(); ++i) {
    decay[std::string(kWindowNames[i])] = json{{"weight", rel.windows[i].weight},
                                               {"count", rel.windows[i].count},
                                               {"reliability", rel.windows[i].reliability}};
  }
  j["reliability"] = json{{"rounds_seen", rel.rounds_seen},
                          {"rounds_answered", rel.rounds_answered},
                          {"uptime", rel.uptime()},
                          {"last_attempt", optional_json(rel.last_attempt)},
                          {"last_success", optional_json(rel.last_success)},
                          {"decay", decay}};
}

NodeRecord node_record_from_json(const json& j) {
  NodeRecord r;
  auto endpoint =
      peer::make_peer_endpoint(j.at("ip").get<std::string>(), j.at("port").get<std::uint16_t>());
  if (!endpoint) throw std::invalid_argument("bad address " + j.at("ip").dump());
  r.endpoint = *endpoint;
  auto source = peer::parse_peer_source(j.at("source").get<std::string>());
  if (!source) throw std::invalid_argument("bad source " + j.at("source").dump());
  r.source = *source;
  r.first_seen = j.at("first_seen").get<UnixSeconds>();
  r.visited_round = j.at("visited_round").get<std::uint64_t>();
  const auto& h = j.at("handshake");
  if (!h.is_null()) {
    HandshakeInfo info;
    info.version = h.at("version").get<std::int32_t>();
    info.services = h.at("services").get<std::uint64_t>();
    info.user_agent = h.at("user_agent").get<std::string>();
    info.start_height = h.at("start_height").get<std::int32_t>();
    info.relay = h.at("relay").get<bool>();
    const auto& p = h.at("protoconf");
    if (!p.is_null()) {
      info.protoconf = ProtoconfInfo{p.at("max_recv_payload_length").get<std::uint32_t>(),
                                     p.at("stream_policies").get<std::string>()};
    }
    r.handshake = info;
  }
  r.error = optional_from<std::string>(j, "error").value_or("");
  r.rtt_ms = optional_from<double>(j, "rtt_ms");
  r.connect_ms = optional_from<double>(j, "connect_ms");
  r.handshake_ms = optional_from<double>(j, "handshake_ms");
  const auto& a = j.at("addr");
  r.addr_answered = a.at("answered").get<bool>();
  r.addr_messages = a.at("messages").get<std::size_t>();
  r.addr_count = a.at("count").get<std::size_t>();
  r.addr_sample = a.at("sample").get<std::vector<std::string>>();
  const auto& rel = j.at("reliability");
  r.reliability.rounds_seen = rel.at("rounds_seen").get<std::uint32_t>();
  r.reliability.rounds_answered = rel.at("rounds_answered").get<std::uint32_t>();
  r.reliability.last_attempt = optional_from<UnixSeconds>(rel, "last_attempt");
  r.reliability.last_success = optional_from<UnixSeconds>(rel, "last_success");
  const auto& decay = rel.at("decay");
  for (std::size_t i = 0; i < kWindowNames.size(); ++i) {
    const auto& w = decay.at(std::string(kWindowNames[i]));
    r.reliability.windows[i] =
        DecayingRate{w.at("weight").get<double>(), w.at("count").get<double>(),
                     w.at("reliability").get<double>()};
  }
  return r;
}

}  // namespace bsvpeer::crawl
