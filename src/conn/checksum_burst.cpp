#include <bsvpeer/conn/checksum_burst.hpp>

namespace bsvpeer::conn {

ChecksumBurstDetector::ChecksumBurstDetector(ChecksumBurstRule rule) : rule_(rule) {}

bool ChecksumBurstDetector::on_failure(TimePoint now) {
  ++total_failures_;
  const bool continues_burst = last_failure_ && now - *last_failure_ < rule_.max_gap;
  burst_length_ = continues_burst ? burst_length_ + 1 : 1;
  last_failure_ = now;
  if (burst_length_ <= rule_.max_failures) return false;
  burst_length_ = 0;
  return true;
}

}  // namespace bsvpeer::conn
