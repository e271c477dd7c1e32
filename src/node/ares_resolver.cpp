#include <bsvpeer/log/null_logger.hpp>
#include <bsvpeer/node/ares_resolver.hpp>

#include <ares.h>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <charconv>
#include <mutex>
#include <netinet/in.h>
#include <stdexcept>
#include <unordered_map>

namespace bsvpeer::node {

namespace asio = boost::asio;

namespace {

// ares_library_init is not thread-safe and must run before the first channel. It is never
// undone: ares_library_cleanup would pull the rug from under channels of other resolvers, and
// call_once cannot be re-armed.
void init_ares_library() {
  static std::once_flag once;
  static int status = ARES_SUCCESS;
  std::call_once(once, [] { status = ares_library_init(ARES_LIB_INIT_ALL); });
  if (status != ARES_SUCCESS) {
    throw std::runtime_error(std::string("c-ares library init failed: ") + ares_strerror(status));
  }
}

std::optional<std::uint16_t> parse_port(std::string_view text) {
  unsigned value = 0;
  const auto* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || value == 0 || value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

// One server entry in c-ares' CSV form ("1.2.3.4:53", "[::1]:53"), or nullopt when the text is
// not ip[:port]. We check it ourselves because ares_set_servers_ports_csv only says "bad
// string" for the whole list, and accepts things we do not want (host names are not servers).
std::optional<std::string> canonical_server(std::string_view text) {
  std::string_view host = text;
  std::uint16_t port = 53;
  if (!text.empty() && text.front() == '[') {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = text.substr(1, close - 1);
    const auto rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return std::nullopt;
      const auto p = parse_port(rest.substr(1));
      if (!p) return std::nullopt;
      port = *p;
    }
    boost::system::error_code ec;
    const auto address = asio::ip::make_address_v6(std::string(host), ec);
    if (ec) return std::nullopt;
    return "[" + address.to_string() + "]:" + std::to_string(port);
  }
  // Exactly one colon: IPv4 with a port; more: a bare IPv6 address without one.
  if (std::count(text.begin(), text.end(), ':') == 1) {
    const auto colon = text.find(':');
    host = text.substr(0, colon);
    const auto p = parse_port(text.substr(colon + 1));
    if (!p) return std::nullopt;
    port = *p;
  }
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(std::string(host), ec);
  if (ec) return std::nullopt;
  if (address.is_v6()) return "[" + address.to_string() + "]:" + std::to_string(port);
  return address.to_string() + ":" + std::to_string(port);
}

ResolveStatus status_of(int ares_status) {
  switch (ares_status) {
    case ARES_SUCCESS:
      return ResolveStatus::ok;
    case ARES_ENOTFOUND:
      return ResolveStatus::nxdomain;
    case ARES_ENODATA:
      return ResolveStatus::no_data;
    case ARES_ETIMEOUT:
      return ResolveStatus::timeout;
    case ARES_ECONNREFUSED:
    case ARES_EREFUSED:
      return ResolveStatus::refused;
    case ARES_ECANCELLED:
    case ARES_EDESTRUCTION:
      return ResolveStatus::cancelled;
    default:
      return ResolveStatus::error;
  }
}

ResolveResult make_result(int ares_status, int timeouts, const ares_addrinfo* info) {
  ResolveResult result;
  result.status = status_of(ares_status);
  result.message = ares_strerror(ares_status);
  result.timeouts = timeouts;
  if (result.status != ResolveStatus::ok || info == nullptr) return result;
  for (const auto* node = info->nodes; node != nullptr; node = node->ai_next) {
    asio::ip::address address;
    if (node->ai_family == AF_INET && node->ai_addr != nullptr) {
      const auto* sin = reinterpret_cast<const sockaddr_in*>(node->ai_addr);
      address = asio::ip::address_v4(ntohl(sin->sin_addr.s_addr));
    } else if (node->ai_family == AF_INET6 && node->ai_addr != nullptr) {
      const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(node->ai_addr);
      asio::ip::address_v6::bytes_type bytes;
      std::copy_n(sin6->sin6_addr.s6_addr, bytes.size(), bytes.begin());
      address = asio::ip::address_v6(bytes, sin6->sin6_scope_id);
    } else {
      continue;
    }
    // A server may repeat a record; the caller wants each address once.
    if (std::find(result.addresses.begin(), result.addresses.end(), address) ==
        result.addresses.end()) {
      result.addresses.push_back(address);
    }
  }
  if (result.addresses.empty()) {
    result.status = ResolveStatus::no_data;
    result.message = ares_strerror(ARES_ENODATA);
  }
  return result;
}

int ares_family(AddressFamily family) {
  switch (family) {
    case AddressFamily::ipv4:
      return AF_INET;
    case AddressFamily::ipv6:
      return AF_INET6;
    case AddressFamily::any:
      break;
  }
  return AF_UNSPEC;
}

}  // namespace

std::optional<std::string> config_error(const AresResolverConfig& config) {
  for (const auto& server : config.servers) {
    if (!canonical_server(server)) {
      return "DNS server '" + server + "' is not ip[:port] (\"127.0.0.1:53\", \"[::1]:53\")";
    }
  }
  if (config.timeout <= std::chrono::milliseconds::zero() ||
      config.timeout > std::chrono::minutes(5)) {
    return "DNS timeout must be between 1 ms and 5 min";
  }
  if (config.tries < 1 || config.tries > 10) return "DNS tries must be between 1 and 10";
  return std::nullopt;
}

namespace detail {

struct PendingResolve {
  PendingResolve(AresResolverImpl* owner, AresResolver::executor_type owner_strand,
                 std::unique_ptr<ResolveCompletion> handler)
      : impl(owner), strand(std::move(owner_strand)), completion(std::move(handler)) {}

  AresResolverImpl* impl;  // valid while c-ares can call back: the impl owns the channel
  AresResolver::executor_type strand;
  std::string host;
  AddressFamily family = AddressFamily::any;
  std::chrono::steady_clock::time_point started{};
  // Null once the handler has been handed its result (answer, cancel or destruction). Touched
  // only on the strand.
  std::unique_ptr<ResolveCompletion> completion;
};

class AresResolverImpl : public std::enable_shared_from_this<AresResolverImpl> {
 public:
  AresResolverImpl(AresResolver::executor_type strand, AresResolverConfig config)
      : strand_(std::move(strand)),
        logger_(config.logger ? config.logger : null_logger()),
        timer_(strand_) {
    init_ares_library();
    ares_options options{};
    options.sock_state_cb = &AresResolverImpl::sock_state_thunk;
    options.sock_state_cb_data = this;
    options.timeout = static_cast<int>(config.timeout.count());
    options.tries = config.tries;
    // DNS only: seeds come from DNS, and /etc/hosts must not answer for them (nor for tests).
    static char lookups[] = "b";
    options.lookups = lookups;
    // No search list: a seed name is absolute, and a resolv.conf "search" would otherwise turn
    // an NXDOMAIN into a series of queries for seed.example.org.<domain>.
    options.domains = nullptr;
    options.ndomains = 0;
    const int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
                     ARES_OPT_LOOKUPS | ARES_OPT_DOMAINS;
    if (const int status = ares_init_options(&channel_, &options, mask); status != ARES_SUCCESS) {
      channel_ = nullptr;
      throw std::runtime_error(std::string("c-ares channel init failed: ") + ares_strerror(status));
    }
    if (!config.servers.empty()) {
      std::string csv;
      for (const auto& server : config.servers) {
        if (!csv.empty()) csv += ',';
        csv += *canonical_server(server);
      }
      if (const int status = ares_set_servers_ports_csv(channel_, csv.c_str());
          status != ARES_SUCCESS) {
        ares_destroy(channel_);
        channel_ = nullptr;
        throw std::runtime_error("c-ares rejected DNS servers '" + csv +
                                 "': " + ares_strerror(status));
      }
      servers_text_ = csv;
    } else {
      servers_text_ = "system resolv.conf";
    }
  }

  // Reached only when every handler of ours is gone: either after shutdown() ran on the strand
  // (the channel is already destroyed), or because the io_context dropped our queued handlers
  // without running them. In the second case nobody may be called back any more, so the
  // pending handlers are destroyed, not invoked.
  ~AresResolverImpl() {
    if (channel_ != nullptr) {
      abandoning_ = true;
      ares_destroy(channel_);
      channel_ = nullptr;
    }
    release_all_watches();
  }

  AresResolverImpl(const AresResolverImpl&) = delete;
  AresResolverImpl& operator=(const AresResolverImpl&) = delete;

  const AresResolver::executor_type& strand() const noexcept { return strand_; }
  const std::string& servers_text() const noexcept { return servers_text_; }

  void start(std::shared_ptr<PendingResolve> pending) {
    asio::post(strand_, [self = shared_from_this(), pending = std::move(pending)]() mutable {
      self->do_start(std::move(pending));
    });
  }

  void cancel_all() {
    asio::post(strand_, [self = shared_from_this()] {
      if (self->channel_ == nullptr) return;
      ares_cancel(self->channel_);  // every lookup completes with ARES_ECANCELLED
      self->arm_timer();
    });
  }

  void shutdown() {
    asio::post(strand_, [self = shared_from_this()] { self->destroy_channel(); });
  }

 private:
  // One socket of the channel. The descriptor only watches the fd: c-ares owns and closes it.
  struct Watch {
    Watch(const AresResolver::executor_type& strand, ares_socket_t fd) : descriptor(strand, fd) {}
    asio::posix::stream_descriptor descriptor;
    bool want_read = false;
    bool want_write = false;
    bool reading = false;  // an async_wait(wait_read) is pending
    bool writing = false;
    bool closed = false;  // c-ares is done with the fd (which it may reuse for a new socket)
  };

  void do_start(std::shared_ptr<PendingResolve> pending) {
    if (channel_ == nullptr) {
      complete(*pending, ResolveResult{ResolveStatus::cancelled, {}, "resolver shut down", 0});
      return;
    }
    pending->started = std::chrono::steady_clock::now();
    ares_addrinfo_hints hints{};
    hints.ai_family = ares_family(pending->family);
    // No RFC 6724 sorting: it connect()s a probe socket per address, and the caller shuffles
    // and filters the addresses anyway.
    hints.ai_flags = ARES_AI_NOSORT;
    const std::string host = pending->host;
    // c-ares calls back exactly once per ares_getaddrinfo (answer, error, cancel or destroy),
    // and may do so before returning (numeric hosts, bad names); the callback deletes this.
    auto* arg = new std::shared_ptr<PendingResolve>(std::move(pending));
    ares_getaddrinfo(channel_, host.c_str(), nullptr, &hints, &AresResolverImpl::addrinfo_thunk,
                     arg);
    arm_timer();
  }

  void complete(PendingResolve& pending, ResolveResult result) {
    if (!pending.completion) return;  // already cancelled through its slot
    auto completion = std::move(pending.completion);
    if (logger_->should_log(spdlog::level::debug)) {
      const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - pending.started)
                          .count();
      logger_->debug("dns: {} ({}) via {}: {}, {} addresses, {} timeouts, {} ms", pending.host,
                     to_string(pending.family), servers_text_, to_string(result.status),
                     result.addresses.size(), result.timeouts, ms);
    }
    completion->complete(std::move(result));
  }

  static void addrinfo_thunk(void* arg, int status, int timeouts, ares_addrinfo* info) noexcept {
    std::unique_ptr<std::shared_ptr<PendingResolve>> holder(
        static_cast<std::shared_ptr<PendingResolve>*>(arg));
    std::unique_ptr<ares_addrinfo, decltype(&ares_freeaddrinfo)> owned(info, &ares_freeaddrinfo);
    PendingResolve& pending = **holder;
    AresResolverImpl& self = *pending.impl;
    if (self.abandoning_) {
      pending.completion.reset();
      return;
    }
    try {
      self.complete(pending, make_result(status, timeouts, info));
    } catch (const std::exception& e) {
      // Out of memory while posting; nothing better to do than to say so. The handler is
      // destroyed with `pending`.
      self.logger_->error("dns: completing lookup of {} failed: {}", pending.host, e.what());
    }
  }

  static void sock_state_thunk(void* data, ares_socket_t fd, int readable, int writable) noexcept {
    auto& self = *static_cast<AresResolverImpl*>(data);
    try {
      self.on_sock_state(fd, readable != 0, writable != 0);
    } catch (const std::exception& e) {
      // Unwatched, the socket's queries end by timeout; c-ares must not see an exception.
      self.logger_->error("dns: cannot watch socket {}: {}", fd, e.what());
    }
  }

  void on_sock_state(ares_socket_t fd, bool readable, bool writable) {
    auto it = watches_.find(fd);
    if (!readable && !writable) {
      // c-ares is about to close fd.
      if (it != watches_.end()) {
        release_watch(*it->second);
        watches_.erase(it);
      }
      return;
    }
    if (it == watches_.end()) {
      it = watches_.emplace(fd, std::make_shared<Watch>(strand_, fd)).first;
    }
    it->second->want_read = readable;
    it->second->want_write = writable;
    // Never from the destructor: c-ares only reports closing sockets there.
    arm(fd, it->second);
  }

  // Asio's epoll reactor re-arms the fd (EPOLL_CTL_MOD) for every new wait, so a wait started
  // while data is already queued completes at once even though the registration is
  // edge-triggered. That matters for TCP, where c-ares reads a length prefix and the body in
  // separate calls.
  void arm(ares_socket_t fd, const std::shared_ptr<Watch>& watch) {
    if (watch->want_read && !watch->reading) {
      watch->reading = true;
      watch->descriptor.async_wait(
          asio::posix::descriptor_base::wait_read,
          [self = shared_from_this(), fd, watch](auto ec) { self->on_ready(fd, watch, true, ec); });
    }
    if (watch->want_write && !watch->writing) {
      watch->writing = true;
      watch->descriptor.async_wait(asio::posix::descriptor_base::wait_write,
                                   [self = shared_from_this(), fd, watch](auto ec) {
                                     self->on_ready(fd, watch, false, ec);
                                   });
    }
  }

  void on_ready(ares_socket_t fd, const std::shared_ptr<Watch>& watch, bool read,
                boost::system::error_code ec) {
    (read ? watch->reading : watch->writing) = false;
    if (watch->closed || channel_ == nullptr || ec == asio::error::operation_aborted) return;
    if (!(read ? watch->want_read : watch->want_write)) return;
    if (ec) {
      // Not re-armed: a descriptor that fails its wait would fail every later wait too and spin.
      // The socket's queries end by timeout and c-ares moves on.
      logger_->warn("dns: waiting on socket {} failed: {}", fd, ec.message());
    }
    ares_process_fd(channel_, read ? fd : ARES_SOCKET_BAD, read ? ARES_SOCKET_BAD : fd);
    // c-ares may have closed the socket meanwhile (watch->closed), possibly reusing the fd
    // number for a new socket with a Watch of its own.
    if (!ec && !watch->closed) arm(fd, watch);
    arm_timer();
  }

  // c-ares keeps the clock of retries and timeouts; ares_timeout says when it next needs us.
  void arm_timer() {
    const auto generation = ++timer_generation_;
    if (channel_ == nullptr) {
      timer_.cancel();
      return;
    }
    timeval tv{};
    const timeval* next = ares_timeout(channel_, nullptr, &tv);
    if (next == nullptr) {
      timer_.cancel();  // no query in flight
      return;
    }
    timer_.expires_after(std::chrono::seconds(next->tv_sec) +
                         std::chrono::microseconds(next->tv_usec));
    timer_.async_wait([self = shared_from_this(), generation](boost::system::error_code ec) {
      // A newer arm_timer() owns the timer when the generation moved on (it may have expired
      // before that call could cancel it).
      if (ec || generation != self->timer_generation_ || self->channel_ == nullptr) return;
      ares_process_fd(self->channel_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
      self->arm_timer();
    });
  }

  void destroy_channel() {
    if (channel_ == nullptr) return;
    // Every lookup in flight completes with ARES_EDESTRUCTION (posted to its handler), and
    // every socket is reported closed, so the descriptors release their fds.
    ares_destroy(channel_);
    channel_ = nullptr;
    release_all_watches();
    ++timer_generation_;
    timer_.cancel();
  }

  static void release_watch(Watch& watch) {
    watch.closed = true;
    watch.want_read = watch.want_write = false;
    boost::system::error_code ignored;
    watch.descriptor.cancel(ignored);
    // release(), never close(): the fd is c-ares', which closes it right after telling us.
    watch.descriptor.release();
  }

  void release_all_watches() {
    for (auto& [fd, watch] : watches_)
      release_watch(*watch);
    watches_.clear();
  }

  AresResolver::executor_type strand_;
  std::shared_ptr<spdlog::logger> logger_;
  std::string servers_text_;
  ares_channel channel_ = nullptr;
  asio::steady_timer timer_;
  std::uint64_t timer_generation_ = 0;
  std::unordered_map<ares_socket_t, std::shared_ptr<Watch>> watches_;
  bool abandoning_ = false;  // destructor: drop handlers instead of calling them
};

std::shared_ptr<PendingResolve> make_pending_resolve(
    const std::shared_ptr<AresResolverImpl>& impl, std::unique_ptr<ResolveCompletion> completion) {
  return std::make_shared<PendingResolve>(impl.get(), impl->strand(), std::move(completion));
}

void start_pending_resolve(const std::shared_ptr<AresResolverImpl>& impl,
                           std::shared_ptr<PendingResolve> pending, std::string host,
                           AddressFamily family) {
  pending->host = std::move(host);
  pending->family = family;
  impl->start(std::move(pending));
}

void cancel_pending_resolve(const std::weak_ptr<PendingResolve>& weak) {
  auto pending = weak.lock();
  if (!pending) return;  // c-ares already called back and the handler has its result
  // Only the strand touches pending->completion. The strand outlives this call: the emitter's
  // io_context is running, and it is the resolver's.
  asio::post(pending->strand, [pending] {
    if (!pending->completion) return;
    auto completion = std::move(pending->completion);
    completion->complete(ResolveResult{ResolveStatus::cancelled, {}, "cancelled", 0});
  });
}

}  // namespace detail

AresResolver::AresResolver(asio::any_io_executor executor, AresResolverConfig config)
    : strand_(asio::make_strand(std::move(executor))) {
  if (auto error = config_error(config)) throw std::invalid_argument(*error);
  impl_ = std::make_shared<detail::AresResolverImpl>(strand_, std::move(config));
}

AresResolver::~AresResolver() {
  if (impl_) impl_->shutdown();
}

void AresResolver::cancel() {
  impl_->cancel_all();
}

}  // namespace bsvpeer::node
