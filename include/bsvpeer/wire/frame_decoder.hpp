#pragma once
// Incremental frame decoder: bytes arrive in chunks of any size (down to 1 byte) and come out
// as the same sequence of typed outcomes. Limits are applied on the header, before a payload
// byte is buffered; buffers grow with the bytes that actually arrive, never by the declared
// length alone. Block-like payloads above a threshold are handed out as a stream of chunks with
// an incremental SHA-256, so a 1 GiB block never sits in memory whole.
#include <bsvpeer/wire/frame.hpp>
#include <bsvpeer/wire/limits.hpp>
#include <bsvpeer/wire/sha256.hpp>

#include <optional>

namespace bsvpeer::wire {

struct FrameDecoderOptions {
  ReceiveLimits limits;
  // Block-like payloads longer than this are streamed; 0 disables streaming.
  std::uint64_t stream_threshold = 32ull << 20;
  // Accept extmsg frames (the connection sets this once the peer's version is >= 70016).
  bool allow_extended = true;
};

class FrameDecoder {
 public:
  enum class Kind {
    need_more,     // every input byte consumed; feed more
    frame,         // a complete, checked frame: header() and payload()
    drop,          // frame skipped whole: bad command field or bad checksum (error())
    fatal,         // stop reading: wrong magic, oversize, extmsg not allowed (error())
    stream_begin,  // header() of a streamed payload
    stream_chunk,  // chunk(): the next piece of a streamed payload, valid until next call
    stream_end,    // streamed payload complete; error() is bad_checksum if it did not match
  };

  struct Outcome {
    Kind kind = Kind::need_more;
    Error error = Error::ok;
  };

  FrameDecoder(const Magic& magic, FrameDecoderOptions options = {});

  // Consumes bytes from the front of `input` (advancing it) and returns the next outcome.
  // Call again with the remaining input until need_more. After fatal, every call returns fatal.
  Outcome next(ByteSpan& input);

  const FrameHeader& header() const noexcept { return header_; }
  // Payload of the last `frame` outcome; the decoder may reuse it on the next call.
  Bytes& payload() noexcept { return payload_; }
  ByteSpan chunk() const noexcept { return chunk_; }

  void set_limits(const ReceiveLimits& limits) noexcept { options_.limits = limits; }
  void set_allow_extended(bool allow) noexcept { options_.allow_extended = allow; }
  std::uint64_t bytes_consumed() const noexcept { return consumed_total_; }

 private:
  enum class State { header, ext_header, payload, skip, stream, failed };

  Outcome parse_basic_header();
  Outcome parse_extended_header();
  Outcome start_payload();

  Magic magic_;
  FrameDecoderOptions options_;
  State state_ = State::header;
  std::array<std::uint8_t, kExtendedHeaderSize> head_{};
  std::size_t head_fill_ = 0;
  FrameHeader header_;
  Error pending_drop_ = Error::ok;  // reason a skipped frame is dropped
  std::uint64_t remaining_ = 0;     // payload bytes still to come
  Bytes payload_;
  Sha256 hasher_;
  ByteSpan chunk_;
  Error fatal_ = Error::ok;
  std::uint64_t consumed_total_ = 0;
};

}  // namespace bsvpeer::wire
