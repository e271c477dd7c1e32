#include "help_format.hpp"

#include <boost/program_options/cmdline.hpp>
#include <boost/program_options/value_semantic.hpp>

#include <map>
#include <sstream>
#include <string_view>

namespace bsvpeer::program {
namespace po = boost::program_options;

namespace {

// What a value of each option looks like, for options that did not name it themselves.
std::string placeholder_of(const std::string& name, const po::value_semantic& semantic) {
  static const std::map<std::string, std::string, std::less<>> kNames = {
      {"conf", "file"},
      {"datadir", "dir"},
      {"magicbytes", "hex"},
      {"connect", "ip[:port]"},
      {"addnode", "ip[:port]"},
      {"seednode", "ip[:port]"},
      {"bind", "ip[:port]"},
      {"dnsserver", "ip[:port]"},
      {"outboundbind", "ip"},
      {"whitelist", "ip|cidr"},
      {"inboundallow", "ip|cidr"},
      {"dnsseedname", "name"},
      {"uacomment", "text"},
      {"banclientua", "substring"},
      {"allowclientua", "substring"},
      {"debug", "level"},
      {"port", "port"},
      {"maxacceptrate", "per-second"},
      {"services", "bits"},
      {"addrservices", "bits"},
      {"minversion", "version"},
  };
  const std::string own = semantic.name();
  // Boost names an unnamed value "arg", with "[=arg(=default)]" around it when implicit.
  if (!own.empty() && own.find("arg") == std::string::npos) return own;
  if (auto it = kNames.find(name); it != kNames.end()) return it->second;
  return "n";  // every other option of ours takes a number (counts, seconds, scores)
}

void wrap(std::ostringstream& out, std::string_view text, std::size_t indent, std::size_t width) {
  std::size_t column = indent;
  out << std::string(indent, ' ');
  while (!text.empty()) {
    const auto space = text.find(' ');
    const auto word = text.substr(0, space);
    if (column > indent && column + 1 + word.size() > width) {
      out << '\n' << std::string(indent, ' ');
      column = indent;
    } else if (column > indent) {
      out << ' ';
      ++column;
    }
    out << word;
    column += word.size();
    text = space == std::string_view::npos ? std::string_view() : text.substr(space + 1);
  }
  out << '\n';
}

}  // namespace

std::string format_help(const po::options_description& options, std::size_t width) {
  std::ostringstream out;
  wrap(out,
       "Options, as on bitcoind's command line (-name=value; -noname for a switch), or as "
       "name=value lines in bsvpeer.conf:",
       0, width);
  for (const auto& option : options.options()) {
    const auto name = option->long_name();
    const auto& semantic = *option->semantic();
    std::string usage = "-" + name;
    const bool is_bool = dynamic_cast<const po::typed_value<bool>*>(&semantic) != nullptr;
    if (!is_bool && semantic.max_tokens() > 0) {
      const auto value = "<" + placeholder_of(name, semantic) + ">";
      usage += semantic.min_tokens() == 0 ? "[=" + value + "]" : "=" + value;
    }
    // "-h" for an option with a short name; Boost has no plain accessor for it.
    const auto short_name =
        option->canonical_display_name(po::command_line_style::allow_dash_for_short);
    if (short_name.size() == 2 && short_name[0] == '-') usage += ", " + short_name;
    out << "\n  " << usage << '\n';
    wrap(out, option->description(), 6, width);
  }
  return out.str();
}

}  // namespace bsvpeer::program
