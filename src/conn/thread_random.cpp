#include <bsvpeer/conn/thread_random.hpp>

namespace bsvpeer::conn {

std::mt19937_64& thread_random_engine() {
  thread_local std::mt19937_64 engine = [] {
    std::random_device device;
    std::seed_seq seeds{device(), device(), device(), device(),
                        device(), device(), device(), device()};
    return std::mt19937_64(seeds);
  }();
  return engine;
}

}  // namespace bsvpeer::conn
