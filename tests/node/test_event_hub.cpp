#include <bsvpeer/node/event_hub.hpp>

#include <doctest/doctest.h>

#include <thread>

using namespace bsvpeer;
using namespace bsvpeer::node;

namespace {
NodeEvent control_event(std::size_t n) {
  return NetworkRecovered{n};
}
NodeEvent message_event() {
  return MessageEvent{{}, wire::Verack{}};
}
std::size_t recovered_count(const NodeEvent& e) {
  return std::get<NetworkRecovered>(e).connected;
}
}  // namespace

TEST_CASE("every subscriber gets every event it asked for, in order") {
  EventHub hub;
  auto all = hub.subscribe(EventFilter::all);
  auto control = hub.subscribe(EventFilter::control);
  auto messages = hub.subscribe(EventFilter::messages);
  hub.publish(control_event(1));
  hub.publish(message_event());
  hub.publish(control_event(2));
  auto a = all->poll();
  REQUIRE(a.events.size() == 3);
  CHECK(recovered_count(a.events[0]) == 1);
  CHECK(is_message_event(a.events[1]));
  CHECK(recovered_count(a.events[2]) == 2);
  CHECK(control->poll().events.size() == 2);
  CHECK(messages->poll().events.size() == 1);
  CHECK(all->poll().events.empty());
}

TEST_CASE("overflow drops the oldest events and reports how many were lost") {
  EventHub hub;
  auto slow = hub.subscribe(EventFilter::all, 3);
  auto fast = hub.subscribe(EventFilter::all, 100);
  for (std::size_t i = 0; i < 10; ++i)
    hub.publish(control_event(i));
  auto b = slow->poll();
  REQUIRE(b.events.size() == 3);
  CHECK(b.lost == 7);
  CHECK(recovered_count(b.events[0]) == 7);
  CHECK(recovered_count(b.events[2]) == 9);
  CHECK(slow->poll().lost == 0);
  CHECK(slow->total_lost() == 7);
  CHECK(fast->poll().events.size() == 10);  // one slow subscriber costs the others nothing
}

TEST_CASE("dropped or cancelled subscriptions stop receiving") {
  EventHub hub;
  auto s = hub.subscribe();
  {
    auto temp = hub.subscribe();
    CHECK(hub.subscribers() == 2);
  }
  hub.publish(control_event(1));
  CHECK(hub.subscribers() == 1);
  s->cancel();
  hub.publish(control_event(2));
  CHECK(s->poll().events.empty());
}

TEST_CASE("wait returns as soon as an event is published from another thread") {
  EventHub hub;
  auto s = hub.subscribe();
  std::thread publisher([&] { hub.publish(control_event(5)); });
  auto b = s->wait(std::chrono::seconds(10));
  publisher.join();
  if (b.events.empty()) b = s->wait(std::chrono::seconds(10));
  REQUIRE(b.events.size() == 1);
  CHECK(recovered_count(b.events[0]) == 5);
}
