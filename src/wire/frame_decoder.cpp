#include <bsvpeer/wire/byte_reader.hpp>
#include <bsvpeer/wire/frame_decoder.hpp>

#include <algorithm>
#include <cstring>

namespace bsvpeer::wire {
namespace {
// Initial payload reservation: a header alone never makes us allocate its declared length.
constexpr std::size_t kInitialReserve = 64 * 1024;
}  // namespace

FrameDecoder::FrameDecoder(const Magic& magic, FrameDecoderOptions options)
    : magic_(magic), options_(options) {}

FrameDecoder::Outcome FrameDecoder::next(ByteSpan& input) {
  using K = Kind;
  auto take = [&](std::size_t n) {
    ByteSpan s = input.first(n);
    input = input.subspan(n);
    consumed_total_ += n;
    return s;
  };

  for (;;) {
    switch (state_) {
      case State::failed:
        return {K::fatal, fatal_};

      case State::header:
      case State::ext_header: {
        const std::size_t want = state_ == State::header ? kHeaderSize : kExtendedHeaderSize;
        const std::size_t n = std::min(want - head_fill_, input.size());
        auto s = take(n);
        if (n != 0) std::memcpy(head_.data() + head_fill_, s.data(), n);
        head_fill_ += n;
        if (head_fill_ < want) return {K::need_more, Error::ok};
        Outcome o = state_ == State::header ? parse_basic_header() : parse_extended_header();
        if (o.kind != K::need_more) return o;
        break;  // extended header needs more bytes, or an empty payload completed: loop
      }

      case State::payload: {
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size()));
        auto s = take(n);
        if (payload_.capacity() < payload_.size() + n) {
          // Doubling, but never past the declared length (checked against its limit).
          payload_.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(
              header_.payload_length, std::max(payload_.size() + n, payload_.capacity() * 2))));
        }
        payload_.insert(payload_.end(), s.begin(), s.end());
        if (!header_.extended) hasher_.update(s);
        remaining_ -= n;
        if (remaining_ > 0) return {K::need_more, Error::ok};
        state_ = State::header;
        head_fill_ = 0;
        if (!header_.extended) {
          const Hash256 h = sha256_of_hash(hasher_.final());
          if (!std::equal(header_.checksum.begin(), header_.checksum.end(), h.begin())) {
            return {K::drop, Error::bad_checksum};
          }
        }
        return {K::frame, Error::ok};
      }

      case State::skip: {
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size()));
        take(n);
        remaining_ -= n;
        if (remaining_ > 0) return {K::need_more, Error::ok};
        state_ = State::header;
        head_fill_ = 0;
        return {K::drop, pending_drop_};
      }

      case State::stream: {
        if (remaining_ == 0) {
          state_ = State::header;
          head_fill_ = 0;
          if (!header_.extended) {
            const Hash256 h = sha256_of_hash(hasher_.final());
            if (!std::equal(header_.checksum.begin(), header_.checksum.end(), h.begin())) {
              return {K::stream_end, Error::bad_checksum};
            }
          }
          return {K::stream_end, Error::ok};
        }
        if (input.empty()) return {K::need_more, Error::ok};
        const std::size_t n =
            static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, input.size()));
        chunk_ = take(n);
        if (!header_.extended) hasher_.update(chunk_);
        remaining_ -= n;
        return {K::stream_chunk, Error::ok};
      }
    }
  }
}

FrameDecoder::Outcome FrameDecoder::parse_basic_header() {
  ByteReader r(ByteSpan(head_.data(), kHeaderSize));
  header_ = FrameHeader{};
  header_.magic = r.array<4>();
  const auto field = r.array<kCommandSize>();
  const std::uint32_t length = r.u32le();
  header_.checksum = r.array<4>();
  header_.payload_length = length;

  // SV bans for a wrong magic and for an over-limit length; both are decided here, before
  // any payload byte is read or buffered.
  if (header_.magic != magic_) {
    fatal_ = Error::wrong_magic;
    state_ = State::failed;
    return {Kind::fatal, fatal_};
  }
  const bool valid_command = is_valid_command_field(field);
  header_.command = valid_command ? command_text(field) : std::string();
  if (valid_command && header_.command == kExtendedCommand) {
    if (!options_.allow_extended) {
      fatal_ = Error::extmsg_not_allowed;
      state_ = State::failed;
      return {Kind::fatal, fatal_};
    }
    header_.extended = true;
    state_ = State::ext_header;
    return {Kind::need_more, Error::ok};
  }
  if (length > max_payload_length(header_.command, options_.limits)) {
    fatal_ = Error::payload_too_large;
    state_ = State::failed;
    return {Kind::fatal, fatal_};
  }
  pending_drop_ = valid_command ? Error::ok : Error::bad_command;
  return start_payload();
}

FrameDecoder::Outcome FrameDecoder::parse_extended_header() {
  ByteReader r(ByteSpan(head_.data() + kHeaderSize, kExtendedHeaderSize - kHeaderSize));
  const auto field = r.array<kCommandSize>();
  header_.payload_length = r.u64le();
  header_.checksum = {0, 0, 0, 0};
  const bool valid_command = is_valid_command_field(field);
  header_.command = valid_command ? command_text(field) : std::string();
  if (header_.payload_length > max_payload_length(header_.command, options_.limits)) {
    fatal_ = Error::payload_too_large;
    state_ = State::failed;
    return {Kind::fatal, fatal_};
  }
  pending_drop_ = valid_command ? Error::ok : Error::bad_command;
  return start_payload();
}

FrameDecoder::Outcome FrameDecoder::start_payload() {
  remaining_ = header_.payload_length;
  if (pending_drop_ != Error::ok) {
    state_ = State::skip;
    return {Kind::need_more, Error::ok};  // the loop continues skipping
  }
  hasher_.reset();
  if (options_.stream_threshold != 0 && is_block_like(header_.command) &&
      header_.payload_length > options_.stream_threshold) {
    state_ = State::stream;
    return {Kind::stream_begin, Error::ok};
  }
  payload_.clear();
  payload_.reserve(
      static_cast<std::size_t>(std::min<std::uint64_t>(header_.payload_length, kInitialReserve)));
  state_ = State::payload;
  return {Kind::need_more, Error::ok};  // the loop continues with the payload (maybe empty)
}

}  // namespace bsvpeer::wire
