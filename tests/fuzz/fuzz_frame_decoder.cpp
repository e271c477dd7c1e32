// libFuzzer target for wire::FrameDecoder.
//
// Input layout: byte 0 configures the run, the rest is the byte stream from the "peer".
//   bits 0-1  how the stream is split into reads: 0 whole, 1 one byte at a time,
//             2 fixed size (bits 6-7 pick 3, 23, 25 or 64 bytes), 3 pseudo-random 1..64
//   bits 2-3  stream threshold: 0 default (32 MiB), 1 streaming off, 2 16 bytes, 3 100 bytes
//             (small thresholds make the streaming path reachable with small inputs)
//   bit  4    allow extmsg frames
//   bit  5    magic: 0 mainnet e3e1f3e8, 1 regtest dab5bffa
//
// Invariants checked (any violation aborts, which libFuzzer reports as a crash):
//   - next() only ever removes bytes from the front of its input, and bytes_consumed() grows by
//     exactly that many, so it never exceeds the bytes fed;
//   - need_more only once the read is used up;
//   - a frame's payload is as long as its header says, and its checksum matches; a streamed
//     payload's chunks add up to the header's length;
//   - errors are ones the outcome kind documents;
//   - fatal is sticky: every later call returns the same fatal error and consumes nothing;
//   - the configured split, whole-input and one-byte-at-a-time feeding yield the same outcomes
//     (stream chunks merged, need_more left out, since those depend on read boundaries);
//   - each complete frame's payload goes through wire::decode_payload; what decodes must
//     re-encode to bytes that decode to the same message.
#include <bsvpeer/wire/frame_decoder.hpp>
#include <bsvpeer/wire/limits.hpp>
#include <bsvpeer/wire/message.hpp>
#include <bsvpeer/wire/sha256.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

using namespace bsvpeer::wire;
using Kind = FrameDecoder::Kind;

#define FUZZ_CHECK(condition, what)                                                              \
  do {                                                                                           \
    if (!(condition)) {                                                                          \
      std::fprintf(stderr, "fuzz_frame_decoder: invariant violated: %s (%s) at line %d\n", what, \
                   #condition, __LINE__);                                                        \
      std::abort();                                                                              \
    }                                                                                            \
  } while (0)

constexpr Magic kMainnetMagic{0xe3, 0xe1, 0xf3, 0xe8};
constexpr Magic kRegtestMagic{0xda, 0xb5, 0xbf, 0xfa};

enum class SplitMode { whole, single_bytes, fixed, pseudo_random };

struct Config {
  SplitMode split = SplitMode::whole;
  std::size_t fixed_read_size = 1;
  std::uint8_t seed = 0;
  Magic magic = kMainnetMagic;
  FrameDecoderOptions options;
};

Config parse_config(std::uint8_t byte) {
  Config c;
  c.seed = byte;
  c.split = static_cast<SplitMode>(byte & 0x3);
  constexpr std::size_t kFixedSizes[] = {3, 23, 25, 64};
  c.fixed_read_size = kFixedSizes[(byte >> 6) & 0x3];
  constexpr std::uint64_t kThresholds[] = {FrameDecoderOptions{}.stream_threshold, 0, 16, 100};
  c.options.stream_threshold = kThresholds[(byte >> 2) & 0x3];
  c.options.allow_extended = (byte & 0x10) != 0;
  c.magic = (byte & 0x20) != 0 ? kRegtestMagic : kMainnetMagic;
  return c;
}

// Sizes of successive reads, like a socket returning whatever has arrived.
class ReadSizes {
 public:
  ReadSizes(SplitMode mode, std::size_t fixed, std::uint8_t seed)
      : mode_(mode), fixed_(fixed), state_(0x2545F491u ^ seed) {}

  std::size_t next(std::size_t left) {
    std::size_t n = left;
    switch (mode_) {
      case SplitMode::whole:
        break;
      case SplitMode::single_bytes:
        n = 1;
        break;
      case SplitMode::fixed:
        n = fixed_;
        break;
      case SplitMode::pseudo_random:
        state_ = state_ * 1103515245u + 12345u;
        n = 1 + (state_ >> 16) % 64;
        break;
    }
    return std::min(n, left);
  }

 private:
  SplitMode mode_;
  std::size_t fixed_;
  std::uint32_t state_;
};

// One observable outcome; stream chunks in a row are merged into one record.
struct Record {
  Kind kind = Kind::need_more;
  Error error = Error::ok;
  std::string command;
  std::uint64_t declared_length = 0;
  bool extended = false;
  std::uint64_t consumed = 0;  // bytes_consumed() right after the outcome
  Bytes data;                  // frame payload, or the merged stream chunks

  friend bool operator==(const Record&, const Record&) = default;
};

bool is_fatal_error(Error e) {
  return e == Error::wrong_magic || e == Error::payload_too_large || e == Error::extmsg_not_allowed;
}

void check_frame(const FrameDecoder& decoder, const Bytes& payload, const Config& config) {
  const FrameHeader& header = decoder.header();
  FUZZ_CHECK(header.magic == config.magic, "frame with a magic other than the decoder's");
  FUZZ_CHECK(payload.size() == header.payload_length, "frame payload size != header length");
  FUZZ_CHECK(header.payload_length <= max_payload_length(header.command, config.options.limits),
             "frame above its command's limit");
  FUZZ_CHECK(make_command_field(header.command).has_value(), "frame with an invalid command");
  if (!header.extended) {
    FUZZ_CHECK(checksum(payload) == header.checksum, "frame checksum does not match payload");
  }
  FUZZ_CHECK(!(config.options.stream_threshold != 0 && is_block_like(header.command) &&
               header.payload_length > config.options.stream_threshold),
             "payload above the stream threshold handed out whole");

  // The message layer must take any frame the decoder accepts without crashing; a message
  // that decodes must survive encode -> decode unchanged.
  auto message = decode_payload(header.command, payload);
  if (!message) return;
  FUZZ_CHECK(command_of(*message) == header.command, "decoded message has another command");
  const Bytes reencoded = encode_payload(*message);
  auto again = decode_payload(header.command, reencoded);
  FUZZ_CHECK(again.has_value(), "re-encoded message does not decode");
  FUZZ_CHECK(*again == *message, "re-encoded message decodes to a different message");
}

std::vector<Record> decode_stream(ByteSpan stream, const Config& config, SplitMode split) {
  FrameDecoder decoder(config.magic, config.options);
  std::vector<Record> records;

  // An empty read is legal input and must change nothing. It points into the stream: an empty
  // span with data() == nullptr currently trips UBSan in FrameDecoder::next (memcpy from
  // nullptr with size 0), reported separately; probing it here would stop every run at once.
  {
    ByteSpan nothing = stream.first(0);
    const auto outcome = decoder.next(nothing);
    FUZZ_CHECK(outcome.kind == Kind::need_more, "empty read on a new decoder");
    FUZZ_CHECK(decoder.bytes_consumed() == 0, "empty read consumed bytes");
  }

  ReadSizes sizes(split, config.fixed_read_size, config.seed);
  std::uint64_t fed = 0;
  std::size_t position = 0;
  std::uint64_t stream_bytes = 0;  // chunks seen of the current streamed payload
  while (position < stream.size()) {
    const std::size_t read_size = sizes.next(stream.size() - position);
    ByteSpan input = stream.subspan(position, read_size);
    position += read_size;
    fed += read_size;

    for (;;) {
      const std::uint8_t* const before_data = input.data();
      const std::size_t before_size = input.size();
      const std::uint64_t before_consumed = decoder.bytes_consumed();
      const auto outcome = decoder.next(input);

      FUZZ_CHECK(input.size() <= before_size, "input grew");
      FUZZ_CHECK(input.data() == before_data + (before_size - input.size()),
                 "input is not a suffix of the read");
      FUZZ_CHECK(decoder.bytes_consumed() - before_consumed == before_size - input.size(),
                 "bytes_consumed moved by other than the bytes taken");
      FUZZ_CHECK(decoder.bytes_consumed() + input.size() == fed,
                 "bytes_consumed disagrees with the bytes fed");

      if (outcome.kind == Kind::need_more) {
        FUZZ_CHECK(outcome.error == Error::ok, "need_more with an error");
        FUZZ_CHECK(input.empty(), "need_more with input left");
        break;
      }

      Record record;
      record.kind = outcome.kind;
      record.error = outcome.error;
      record.consumed = decoder.bytes_consumed();
      switch (outcome.kind) {
        case Kind::need_more:
          break;
        case Kind::frame:
          FUZZ_CHECK(outcome.error == Error::ok, "frame with an error");
          check_frame(decoder, decoder.payload(), config);
          record.data = decoder.payload();
          break;
        case Kind::drop:
          FUZZ_CHECK(outcome.error == Error::bad_command || outcome.error == Error::bad_checksum,
                     "drop for a reason drops do not have");
          break;
        case Kind::fatal:
          FUZZ_CHECK(is_fatal_error(outcome.error), "fatal for a reason fatals do not have");
          break;
        case Kind::stream_begin:
          FUZZ_CHECK(outcome.error == Error::ok, "stream_begin with an error");
          FUZZ_CHECK(config.options.stream_threshold != 0 &&
                         is_block_like(decoder.header().command) &&
                         decoder.header().payload_length > config.options.stream_threshold,
                     "streamed a payload that is not block-like above the threshold");
          stream_bytes = 0;
          break;
        case Kind::stream_chunk: {
          FUZZ_CHECK(outcome.error == Error::ok, "stream_chunk with an error");
          FUZZ_CHECK(!decoder.chunk().empty(), "empty stream chunk");
          stream_bytes += decoder.chunk().size();
          FUZZ_CHECK(stream_bytes <= decoder.header().payload_length,
                     "stream chunks beyond the header length");
          if (!records.empty() && records.back().kind == Kind::stream_chunk) {
            Record& merged = records.back();
            merged.data.insert(merged.data.end(), decoder.chunk().begin(), decoder.chunk().end());
            merged.consumed = record.consumed;
            continue;
          }
          record.data.assign(decoder.chunk().begin(), decoder.chunk().end());
          break;
        }
        case Kind::stream_end:
          FUZZ_CHECK(outcome.error == Error::ok || outcome.error == Error::bad_checksum,
                     "stream_end for a reason it does not have");
          FUZZ_CHECK(stream_bytes == decoder.header().payload_length,
                     "streamed payload size != header length");
          break;
      }
      if (outcome.kind != Kind::drop && outcome.kind != Kind::fatal) {
        record.command = decoder.header().command;
        record.declared_length = decoder.header().payload_length;
        record.extended = decoder.header().extended;
      }
      records.push_back(std::move(record));

      if (outcome.kind == Kind::fatal) {
        // Sticky: the rest of this read and all later reads are refused untouched.
        const std::uint64_t consumed_at_fatal = decoder.bytes_consumed();
        ByteSpan rest = stream.subspan(position);
        for (ByteSpan* later : {&input, &rest}) {
          const std::size_t later_size = later->size();
          const auto again = decoder.next(*later);
          FUZZ_CHECK(again.kind == Kind::fatal && again.error == outcome.error,
                     "fatal is not sticky");
          FUZZ_CHECK(later->size() == later_size, "input consumed after fatal");
          FUZZ_CHECK(decoder.bytes_consumed() == consumed_at_fatal, "bytes consumed after fatal");
        }
        return records;
      }
    }
  }
  return records;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const Config config = parse_config(data[0]);
  const ByteSpan stream(data + 1, size - 1);

  const auto configured = decode_stream(stream, config, config.split);
  const auto whole = decode_stream(stream, config, SplitMode::whole);
  const auto single_bytes = decode_stream(stream, config, SplitMode::single_bytes);
  FUZZ_CHECK(configured == whole, "configured split and whole input differ");
  FUZZ_CHECK(single_bytes == whole, "one-byte reads and whole input differ");
  return 0;
}
