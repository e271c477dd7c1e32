// custom_protocol: add a command of your own on top of the BSV protocol. Commands the library
// does not know reach you as wire::UnknownMessage; a responder registered for one runs on the
// connection that received it and can answer there.
//
// Here "echo" carries text and is answered with "echo-reply" carrying it in upper case:
//
//   example_custom_protocol serve IP:PORT NETWORK SECONDS    # answers until a client leaves
//   example_custom_protocol ask   IP:PORT NETWORK SECONDS TEXT
//   example_custom_protocol serve 127.0.0.1:18555 regtest 30 &
//   example_custom_protocol ask   127.0.0.1:18555 regtest 10 hello
//
// serve exits 0 after it answered a client that then went away; ask exits 0 once it got the
// reply. Both exit 1 when SECONDS pass first, 2 on bad usage.
#include <bsvpeer/net/address_text.hpp>
#include <bsvpeer/node/manager.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

using namespace bsvpeer;

namespace {

const std::string kRequest = "echo";
const std::string kReply = "echo-reply";

std::string text_of(const wire::Bytes& payload) {
  return {payload.begin(), payload.end()};
}

}  // namespace

int main(int argc, char** argv) {
  const std::string role = argc > 1 ? argv[1] : "";
  const auto network = net::parse_network(argc > 3 ? argv[3] : "");
  const int seconds = argc > 4 ? std::atoi(argv[4]) : 0;
  const bool serve = role == "serve" && argc == 5;
  const bool ask = role == "ask" && argc == 6;
  if ((!serve && !ask) || !network || seconds <= 0) {
    std::cerr << "usage: " << argv[0] << " serve IP:PORT NETWORK SECONDS\n"
              << "       " << argv[0] << " ask IP:PORT NETWORK SECONDS TEXT\n";
    return 2;
  }
  node::ManagerConfig config;
  config.connection.network = net::network_params(*network);
  const auto endpoint = net::parse_endpoint(argv[2], config.connection.network.default_port);
  if (!endpoint) {
    std::cerr << "not an ip[:port]: " << argv[2] << "\n";
    return 2;
  }
  if (serve) {
    // Listen only: no outbound connections, no DNS seeds.
    config.listen_endpoints = {*endpoint};
    config.target_outbound = 0;
    config.dns_seed = false;
    // Called on the receiving connection's strand; reply() queues on that connection.
    config.connection.unknown_command_responders[kRequest] =
        [](const conn::UnknownCommandContext& ctx, const wire::UnknownMessage& request) {
          wire::UnknownMessage reply{kReply, request.payload};
          std::transform(reply.payload.begin(), reply.payload.end(), reply.payload.begin(),
                         [](std::uint8_t c) { return std::toupper(c); });
          ctx.reply(std::move(reply));
        };
  } else {
    config.mode = node::OutboundMode::fixed;
    config.fixed_peers = {*endpoint};
    config.listen = false;
  }

  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  std::thread network_thread([&] { io.run(); });
  auto manager = node::Manager::create(io.get_executor(), config);
  auto events = manager->subscribe();
  manager->start();

  int exit_code = 1;
  bool answered = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (exit_code != 0 && std::chrono::steady_clock::now() < deadline) {
    for (const auto& event : events->wait(std::chrono::milliseconds(200)).events) {
      if (const auto* up = std::get_if<node::ConnectionEstablished>(&event)) {
        std::cout << "connected " << net::endpoint_text(up->peer.endpoint) << "\n";
        if (ask) {
          const std::string text = argv[5];
          manager->send_message(up->peer.id,
                                wire::UnknownMessage{kRequest, {text.begin(), text.end()}});
        }
      } else if (const auto* m = std::get_if<node::MessageEvent>(&event)) {
        // Unknown commands are message events too: here we only report them.
        const auto* unknown = std::get_if<wire::UnknownMessage>(&m->message);
        if (unknown && unknown->command == kRequest) {
          std::cout << "answered " << kRequest << " '" << text_of(unknown->payload) << "' from "
                    << net::endpoint_text(m->peer.endpoint) << "\n";
          answered = true;
        } else if (unknown && unknown->command == kReply && ask) {
          std::cout << "reply: '" << text_of(unknown->payload) << "'\n";
          exit_code = 0;
        }
      } else if (std::holds_alternative<node::ConnectionLost>(event) && answered) {
        std::cout << "client left\n";
        exit_code = 0;
      }
    }
    std::cout.flush();
  }

  manager->shutdown_and_wait();
  work.reset();
  io.stop();
  network_thread.join();
  return exit_code;
}
