#pragma once
// What storm mode records per connection: its outcome and when it came.
#include <cstdint>
#include <memory>
#include <vector>

namespace bsvpeer::load {

struct Connection;

// Every storm connection ends in exactly one of these. All but no_outcome and error are
// "defined": the peer either took the connection or turned it away in a way a client can see.
enum class StormOutcome : std::uint8_t {
  pending,                   // not decided yet
  admitted,                  // handshake complete and still open when the storm settled
  rejected_after_handshake,  // handshake complete, then the peer closed (polite over-capacity)
  reject_message,            // the peer sent a reject message
  closed_before_handshake,   // EOF or reset before the handshake completed (refused at accept)
  refused_at_connect,        // connect() failed with ECONNREFUSED
  no_outcome,                // nothing within --timeout-ms: the peer left it hanging
  error,                     // a local error or a protocol violation (see the error samples)
  count_,
};

inline constexpr const char* kStormOutcomeNames[] = {"pending",
                                                     "admitted",
                                                     "rejected_after_handshake",
                                                     "reject_message",
                                                     "closed_before_handshake",
                                                     "refused_at_connect",
                                                     "no_outcome",
                                                     "error"};

struct StormResults {
  std::vector<StormOutcome> outcome;              // by connection index
  std::vector<double> handshake_ms;               // from connect() to a complete handshake, or < 0
  std::vector<double> outcome_ms;                 // from connect() to the outcome
  std::vector<std::shared_ptr<Connection>> open;  // handshaked, not closed by the peer (yet)
  std::uint64_t undecided = 0;                    // neither handshaked nor closed yet
  double settled_after_s = 0;                     // from the first connect to the last outcome
  bool settled = false;
};

}  // namespace bsvpeer::load
