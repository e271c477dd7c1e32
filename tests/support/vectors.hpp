#pragma once
// Loads data/vectors/messages.json (byte-exact messages, some captured from SV Node 1.2.2).
#include "support/test_paths.hpp"

#include <bsvpeer/wire/hex.hpp>

#include <nlohmann/json.hpp>

#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace bsvpeer::test {

struct WireVector {
  std::string name;
  bool payload_only = false;  // `bytes` is a payload without a frame header
  std::string network;
  wire::Bytes bytes;
  bool reencode = true;
  nlohmann::json decoded;
};

inline std::vector<WireVector> load_wire_vectors() {
  const std::string path = test::data_dir() + "/vectors/messages.json";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("missing test vectors: " + path);
  const auto doc = nlohmann::json::parse(in);
  std::vector<WireVector> out;
  for (const auto& v : doc.at("vectors")) {
    WireVector w;
    w.name = v.at("name").get<std::string>();
    w.network = v.at("network").is_string() ? v.at("network").get<std::string>() : "";
    w.payload_only = !v.contains("hex");
    const std::string hex =
        w.payload_only ? v.at("payload_hex").get<std::string>() : v.at("hex").get<std::string>();
    auto bytes = wire::from_hex(hex);
    if (!bytes) throw std::runtime_error("bad hex in vector " + w.name);
    w.bytes = std::move(*bytes);
    w.reencode = v.value("reencode", true);
    w.decoded = v.value("decoded", nlohmann::json::object());
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace bsvpeer::test
