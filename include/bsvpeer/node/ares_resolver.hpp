#pragma once
// Name lookups through c-ares, driven by the Asio event loop: no resolver thread, no blocking
// getaddrinfo(). One c-ares channel per resolver. The channel's sockets are watched with
// posix::stream_descriptor and its retry/timeout clock with a steady_timer, all on one strand,
// because a c-ares channel is not thread-safe (1.18.1 has no ARES_OPT_EVENT_THREAD).
//
// async_resolve is an ordinary Asio asynchronous operation (style.md §1d): any completion token
// (callbacks, use_awaitable, deferred, bind_executor), completion on the handler's associated
// executor and never inside the initiating call, and per-operation cancellation through the
// handler's cancellation slot (terminal, partial and total), so a lookup can take part in `||`.
#include <bsvpeer/node/resolve_result.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/strand.hpp>
#include <spdlog/logger.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace bsvpeer::node {

struct AresResolverConfig {
  // DNS servers, each "127.0.0.1:5353", "[::1]:5353", or a bare IP for port 53. Empty: the
  // system's /etc/resolv.conf. Tests always name a local server here.
  std::vector<std::string> servers;
  // The first try's timeout per server. c-ares doubles it on each later pass over the server
  // list, so with one server a lookup nobody answers ends after timeout x (2^tries - 1).
  std::chrono::milliseconds timeout{std::chrono::seconds(5)};
  int tries = 2;  // passes over the server list
  // Null: a logger with no sinks. The library never touches spdlog's global state.
  std::shared_ptr<spdlog::logger> logger;
};

// nullopt when usable; otherwise what is wrong (a server that is not ip[:port], timeouts, tries).
std::optional<std::string> config_error(const AresResolverConfig& config);

namespace detail {

class AresResolverImpl;
struct PendingResolve;  // one lookup in flight; defined in ares_resolver.cpp

// The handler of one async_resolve with its type erased, so that c-ares and the Asio plumbing
// stay in the .cpp.
class ResolveCompletion {
 public:
  virtual ~ResolveCompletion() = default;
  // Posts the handler with `result` to the handler's executor: never runs it inline, because
  // this is called from inside c-ares callbacks.
  virtual void complete(ResolveResult result) = 0;
};

template <class Handler, class IoExecutor>
class ResolveCompletionFor final : public ResolveCompletion {
 public:
  ResolveCompletionFor(Handler handler, const IoExecutor& io_executor)
      : handler_(std::move(handler)),
        work_(boost::asio::prefer(boost::asio::get_associated_executor(handler_, io_executor),
                                  boost::asio::execution::outstanding_work.tracked)) {}

  void complete(ResolveResult result) override {
    auto executor = work_;
    boost::asio::post(executor, [handler = std::move(handler_), result = std::move(result),
                                 work = std::move(work_)]() mutable {
      // The operation is over: detach our cancellation handler before the caller reuses the
      // slot. This runs on the handler's executor, where its cancellation signal is emitted.
      boost::asio::get_associated_cancellation_slot(handler).clear();
      std::move(handler)(std::move(result));
    });
  }

 private:
  using HandlerExecutor = boost::asio::associated_executor_t<Handler, IoExecutor>;
  // The handler's executor, counting as outstanding work: its io_context keeps running while
  // the lookup is in flight.
  using WorkExecutor = std::decay_t<decltype(boost::asio::prefer(
      std::declval<const HandlerExecutor&>(), boost::asio::execution::outstanding_work.tracked))>;

  Handler handler_;
  WorkExecutor work_;
};

std::shared_ptr<PendingResolve> make_pending_resolve(const std::shared_ptr<AresResolverImpl>& impl,
                                                     std::unique_ptr<ResolveCompletion> completion);
// From a cancellation slot, on the emitter's thread: completes the lookup with `cancelled` on
// the resolver's strand (the DNS query itself runs on until it ends; c-ares 1.18.1 cannot cancel
// one query of a channel).
void cancel_pending_resolve(const std::weak_ptr<PendingResolve>& pending);
void start_pending_resolve(const std::shared_ptr<AresResolverImpl>& impl,
                           std::shared_ptr<PendingResolve> pending, std::string host,
                           AddressFamily family);

}  // namespace detail

class AresResolver {
 public:
  using executor_type = boost::asio::strand<boost::asio::any_io_executor>;

  // Builds the resolver's own strand from `executor`. Throws std::invalid_argument when
  // config_error(config) reports a problem and std::runtime_error when c-ares cannot set up the
  // channel.
  AresResolver(boost::asio::any_io_executor executor, AresResolverConfig config);
  // Lookups still in flight complete with ResolveStatus::cancelled (c-ares' ARES_EDESTRUCTION),
  // on their handlers' executors. Destroy the resolver before its io_context, like any I/O
  // object.
  ~AresResolver();
  AresResolver(const AresResolver&) = delete;
  AresResolver& operator=(const AresResolver&) = delete;

  // The strand every c-ares call runs on; the default executor of completion handlers.
  executor_type get_executor() const noexcept { return strand_; }

  // Looks up `host` (A, AAAA or both). Signature: void(ResolveResult). A numeric IP completes
  // at once with itself. Safe to call from any thread.
  template <class CompletionToken>
  auto async_resolve(std::string host, AddressFamily family, CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void(ResolveResult)>(
        [impl = impl_, strand = strand_](auto handler, std::string host, AddressFamily family) {
          using Handler = std::decay_t<decltype(handler)>;
          auto slot = boost::asio::get_associated_cancellation_slot(handler);
          auto pending = detail::make_pending_resolve(
              impl, std::make_unique<detail::ResolveCompletionFor<Handler, executor_type>>(
                        std::move(handler), strand));
          if (slot.is_connected()) {
            slot.assign([weak = std::weak_ptr<detail::PendingResolve>(pending)](
                            boost::asio::cancellation_type type) {
              if (type != boost::asio::cancellation_type::none) {
                detail::cancel_pending_resolve(weak);
              }
            });
          }
          detail::start_pending_resolve(impl, std::move(pending), std::move(host), family);
        },
        token, std::move(host), family);
  }

  // Ends every lookup in flight with ResolveStatus::cancelled; the resolver stays usable.
  void cancel();

 private:
  executor_type strand_;
  std::shared_ptr<detail::AresResolverImpl> impl_;
};

}  // namespace bsvpeer::node
