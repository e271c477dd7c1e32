#include <bsvpeer/conn/nonce_registry.hpp>
#include <bsvpeer/conn/send_queue.hpp>

#include <doctest/doctest.h>

using namespace bsvpeer;
using conn::SendQueue;

namespace {
wire::Bytes frame_of(std::size_t n, std::uint8_t tag) {
  return wire::Bytes(n, tag);
}
}  // namespace

TEST_CASE("control frames overtake queued bulk frames") {
  SendQueue q;
  REQUIRE(q.push(frame_of(100, 1), SendQueue::Lane::bulk));
  REQUIRE(q.push(frame_of(100, 2), SendQueue::Lane::bulk));
  REQUIRE(q.push(frame_of(32, 9), SendQueue::Lane::control));
  std::vector<wire::Bytes> out;
  q.take_batch(out, 1 << 20);
  REQUIRE(out.size() == 3);
  CHECK(out[0][0] == 9);
  CHECK(out[1][0] == 1);
  CHECK(out[2][0] == 2);
  CHECK(q.empty());
  CHECK(q.bytes() == 0);
}

TEST_CASE("bulk lane is bounded in bytes; the high watermark is reported") {
  conn::SendQueueLimits limits;
  limits.max_bulk_bytes = 1000;
  limits.high_watermark_bytes = 600;
  SendQueue q(limits);
  CHECK(q.push(frame_of(500, 1), SendQueue::Lane::bulk));
  CHECK_FALSE(q.above_high_watermark());
  CHECK(q.push(frame_of(400, 2), SendQueue::Lane::bulk));
  CHECK(q.above_high_watermark());
  CHECK_FALSE(q.push(frame_of(101, 3), SendQueue::Lane::bulk));
  CHECK(q.push(frame_of(100, 4), SendQueue::Lane::bulk));
  // Control frames are bounded by count, not by the bulk budget.
  CHECK(q.push(frame_of(50, 5), SendQueue::Lane::control));
  CHECK(q.bytes() == 1050);
}

TEST_CASE("batches respect the batch size but always make progress") {
  SendQueue q;
  for (int i = 0; i < 10; ++i)
    REQUIRE(q.push(frame_of(100, 1), SendQueue::Lane::bulk));
  REQUIRE(q.push(frame_of(5000, 2), SendQueue::Lane::bulk));
  std::vector<wire::Bytes> out;
  q.take_batch(out, 350);
  CHECK(out.size() == 3);
  out.clear();
  q.take_batch(out, 10000);
  CHECK(out.size() == 8);  // 7 small frames plus the 5000-byte one fit in 10000
  out.clear();
  REQUIRE(q.push(frame_of(5000, 3), SendQueue::Lane::bulk));
  q.take_batch(out, 100);
  CHECK(out.size() == 1);  // larger than the batch, still taken alone
  CHECK(q.empty());
}

TEST_CASE("control lane is bounded in bytes") {
  conn::SendQueueLimits limits;
  limits.max_control_bytes = 64;
  SendQueue q(limits);
  CHECK(q.push(frame_of(32, 1), SendQueue::Lane::control));
  CHECK(q.push(frame_of(32, 1), SendQueue::Lane::control));
  CHECK_FALSE(q.push(frame_of(1, 1), SendQueue::Lane::control));
  std::vector<wire::Bytes> out;
  q.take_batch(out, 32);
  CHECK(q.push(frame_of(32, 1), SendQueue::Lane::control));  // room again after a write
}

TEST_CASE("nonce registry hands out unique non-zero nonces until released") {
  conn::NonceRegistry registry;
  const auto a = registry.acquire();
  const auto b = registry.acquire();
  CHECK(a != 0);
  CHECK(a != b);
  CHECK(registry.contains(a));
  registry.release(a);
  CHECK_FALSE(registry.contains(a));
  CHECK(registry.contains(b));
  CHECK(registry.size() == 1);
}

TEST_CASE("a lane that never drains completely keeps its order and its byte count") {
  SendQueue q;
  std::uint8_t next_in = 0;
  std::uint8_t next_out = 0;
  std::vector<wire::Bytes> out;
  // Two frames in, one out, many times: the lane is never empty, so the taken prefix is
  // compacted along the way.
  for (int round = 0; round < 500; ++round) {
    REQUIRE(q.push(frame_of(10, next_in++), SendQueue::Lane::bulk));
    REQUIRE(q.push(frame_of(10, next_in++), SendQueue::Lane::bulk));
    out.clear();
    q.take_batch(out, 10);
    REQUIRE(out.size() == 1);
    CHECK(out[0][0] == next_out++);
  }
  CHECK(q.frames() == 500);
  CHECK(q.bytes() == 5000);
  out.clear();
  q.take_batch(out, 1 << 20);
  REQUIRE(out.size() == 500);
  for (const auto& f : out)
    CHECK(f[0] == next_out++);
  CHECK(q.empty());
  CHECK(q.bytes() == 0);
}
