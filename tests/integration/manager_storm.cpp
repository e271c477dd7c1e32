// A connection storm: 2,000 concurrent connects against max_connections 50. The slot count,
// sampled throughout, never exceeds 50, and no descriptor is left behind.
#include "support/io_runner.hpp"
#include "support/mesh.hpp"

#include <bsvpeer/node/manager.hpp>
#include <bsvpeer/wire/frame.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <sys/resource.h>
#include <thread>

using namespace bsvpeer;
using namespace std::chrono_literals;
namespace asio = boost::asio;

namespace {

std::size_t open_descriptors() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd"))
    ++n;
  return n;
}

void raise_fd_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

wire::Bytes version_frame(const wire::Magic& magic, std::uint64_t nonce) {
  wire::Version v;
  v.version = 70016;
  v.nonce = nonce;
  v.user_agent = "/storm:0.1/";
  wire::Bytes payload;
  wire::ByteWriter w(payload);
  v.encode(w);
  wire::Bytes frame;
  REQUIRE(wire::append_frame(frame, magic, "version", payload).has_value());
  return frame;
}

}  // namespace

TEST_CASE("2,000 concurrent connects never take more than max_connections slots") {
  raise_fd_limit();
  rlimit r{};
  getrlimit(RLIMIT_NOFILE, &r);
  if (r.rlim_cur < 5000) {
    MESSAGE("open-file limit " << r.rlim_cur << " too low for the storm; skipped");
    return;
  }
  const std::size_t fds_before = open_descriptors();
  constexpr std::size_t kMax = 50;
  constexpr int kClients = 2000;
  const auto port = test::random_mesh_port();
  std::shared_ptr<node::Manager> manager;
  {
    test::IoRunner io(2);
    auto cfg = test::mesh_node_config("127.0.0.2", port);
    cfg.max_connections = kMax;
    cfg.target_outbound = 0;
    manager = node::Manager::create(io.context().get_executor(), cfg);
    manager->start();
    REQUIRE(test::eventually([&] { return !manager->listening_endpoints().empty(); }));

    std::atomic<bool> sampling{true};
    std::size_t max_slots = 0, max_sockets = 0;
    std::thread sampler([&] {
      while (sampling) {
        max_slots = std::max(max_slots, manager->connection_count());
        max_sockets =
            std::max(max_sockets, manager->connection_count() + manager->over_capacity_count());
        std::this_thread::sleep_for(1ms);
      }
    });

    // The storm: every client connects at once, sends a version, waits briefly, hangs up.
    std::atomic<int> connected{0}, answered{0};
    {
      asio::io_context clients;
      std::vector<std::unique_ptr<asio::ip::tcp::socket>> sockets;
      const auto magic = cfg.connection.network.magic;
      const asio::ip::tcp::endpoint target(asio::ip::make_address("127.0.0.2"), port);
      std::vector<std::array<std::uint8_t, 24>> headers(kClients);
      for (int i = 0; i < kClients; ++i) {
        auto s = std::make_unique<asio::ip::tcp::socket>(clients);
        auto* sp = s.get();
        auto frame = std::make_shared<wire::Bytes>(version_frame(magic, 1000 + i));
        sp->async_connect(target, [&, sp, frame, i](const boost::system::error_code& ec) {
          if (ec) return;
          ++connected;
          asio::async_write(*sp, asio::buffer(*frame), [&, sp, frame, i](auto ec2, std::size_t) {
            if (ec2) return;
            asio::async_read(*sp, asio::buffer(headers[static_cast<std::size_t>(i)]),
                             [&](auto ec3, std::size_t) {
                               if (!ec3) ++answered;
                             });
          });
        });
        sockets.push_back(std::move(s));
      }
      asio::steady_timer stop(clients, 3s);
      stop.async_wait([&](auto) {
        for (auto& s : sockets) {
          boost::system::error_code ignored;
          s->set_option(asio::socket_base::linger(true, 0), ignored);
          s->close(ignored);
        }
      });
      clients.run();
    }
    // Everyone hung up: the node drains back to zero.
    CHECK(test::eventually(
        [&] { return manager->connection_count() == 0 && manager->over_capacity_count() == 0; }));
    sampling = false;
    sampler.join();
    MESSAGE("storm: " << connected.load() << " connected, " << answered.load()
                      << " got an answer; max slots " << max_slots << ", max sockets "
                      << max_sockets << ", slot high water " << manager->slot_high_water());
    CHECK(connected > 0);
    CHECK(answered > 0);
    CHECK(max_slots <= kMax);
    CHECK(manager->slot_high_water() <= kMax);
    CHECK(max_sockets <= kMax + 16);
    manager->shutdown_and_wait();
    manager.reset();  // before its io_context goes
  }
  // The listener and every accepted socket are closed again.
  CHECK(test::eventually([&] { return open_descriptors() <= fds_before + 2; }, 10s));
}
