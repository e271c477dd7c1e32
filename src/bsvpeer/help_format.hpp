#pragma once
// -help as bitcoind prints it: each option the way users type it (-name, -name=<value>,
// -name[=<value>] for an optional value), its description wrapped under it. Boost's own
// printer says "--name arg", which is not how bsvpeer reads options.
#include <boost/program_options/options_description.hpp>

#include <string>

namespace bsvpeer::program {

// The placeholder is the option's value_name() when one was set, else a name chosen for the
// option (ip[:port], ip|cidr, n, ...), else "value". Booleans show as -name alone.
std::string format_help(const boost::program_options::options_description& options,
                        std::size_t width = 100);

}  // namespace bsvpeer::program
