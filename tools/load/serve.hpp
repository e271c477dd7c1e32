#pragma once
#include "common.hpp"

namespace bsvpeer::load {

// Serves on listen_on with --threads threads until --duration or SIGINT/SIGTERM; prints the
// counts as JSON. Returns the exit status.
int serve(const Options& o, const tcp::endpoint& listen_on, const wire::Magic& magic);

}  // namespace bsvpeer::load
