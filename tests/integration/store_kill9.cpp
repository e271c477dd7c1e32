// kill -9 during writes, many cycles: the peer store file always parses (temp file, fsync,
// rename), and holds either the previous or the new generation, never a torn mix.
#include <bsvpeer/net/network.hpp>
#include <bsvpeer/peer/peer_store.hpp>
#include <bsvpeer/peer/peer_store_file.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <poll.h>
#include <random>
#include <signal.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace bsvpeer;

namespace {

// The child: grows the store by 20 peers per save and saves as fast as it can, until killed.
// After its first save it writes a byte to `saved_fd`: the parent kills it only then, so every
// kill lands while a generation is on disk, however slow fsync is on a busy machine.
[[noreturn]] void save_forever(const std::filesystem::path& path, int cycle, int saved_fd) {
  peer::PeerStore store;
  peer::PeerStoreFile file(path, net::NetworkId::regtest);
  // Continue from what the previous (killed) writer left, so the file grows across cycles.
  (void)file.load(store, 1'700'000'000);
  for (std::uint32_t i = 0;; ++i) {
    const std::string ip = "10." + std::to_string(cycle % 250) + "." +
                           std::to_string(i / 250 % 250) + "." + std::to_string(i % 250 + 1);
    (void)store.add(ip, 18444, peer::PeerSource::addr, 1'700'000'000 + i);
    if (i % 20 == 0 && file.save(store, 1'700'000'000 + i).has_value() && saved_fd >= 0) {
      const char byte = 1;
      (void)!::write(saved_fd, &byte, 1);
      ::close(saved_fd);
      saved_fd = -1;
    }
  }
}

// Waits up to 30 s for the child's first save; false if it never came.
bool wait_first_save(int fd) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 30'000) != 1) return false;
  char byte = 0;
  return ::read(fd, &byte, 1) == 1;
}

}  // namespace

TEST_CASE("the store file survives kill -9 at random moments") {
  const auto dir =
      std::filesystem::temp_directory_path() / ("bsvpeer-kill9-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = dir / "peers.json";
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> delay_us(2'000, 40'000);
  constexpr int kCycles = 60;
  std::size_t last_size = 0;
  int loaded = 0;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    int saved[2];
    REQUIRE(::pipe(saved) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(saved[0]);
      save_forever(path, cycle, saved[1]);
    }
    ::close(saved[1]);
    const bool first_save = wait_first_save(saved[0]);
    ::close(saved[0]);
    CHECK_MESSAGE(first_save, "cycle " << cycle << ": the writer did not save within 30 s");
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us(rng)));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    CHECK(WIFSIGNALED(status));

    peer::PeerStore store;
    peer::PeerStoreFile file(path, net::NetworkId::regtest);
    const auto report = file.load(store, 1'800'000'000);
    CAPTURE(cycle);
    CAPTURE(report.detail);
    // Killed after its first rename, so a whole generation is there: the previous or the new.
    if (first_save) {
      CHECK(report.outcome == peer::LoadOutcome::loaded);
    } else {
      CHECK((report.outcome == peer::LoadOutcome::loaded ||
             report.outcome == peer::LoadOutcome::missing));
    }
    CHECK(report.skipped_records == 0);
    CHECK_FALSE(report.moved_aside_to.has_value());
    if (report.outcome == peer::LoadOutcome::loaded) {
      ++loaded;
      last_size = store.size();
    }
    // Loading removed the temp file a killed writer may have left: nothing piles up.
    std::size_t others = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      others += e.path() != path ? 1 : 0;
    }
    CHECK(others == 0);
  }
  MESSAGE(kCycles << " kills, " << loaded << " loads, last store had " << last_size << " records");
  CHECK(loaded == kCycles);
  std::filesystem::remove_all(dir);
}
