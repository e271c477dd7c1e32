// The RPC's options: SV's ports per network, loopback by default, -rpcbind only with
// -rpcallowip, user and password together.
#include "options_test_util.hpp"

using namespace bsvpeer::program::test;

TEST_CASE("rpc options: defaults are on, loopback, cookie, SV's port of the network") {
  TempDir dir;
  struct Row {
    const char* flag;
    std::uint16_t port;
  };
  for (const Row& row :
       {Row{"", 8332}, Row{"-testnet", 18332}, Row{"-regtest", 18332}, Row{"-stn", 9332}}) {
    CAPTURE(row.flag);
    std::vector<std::string> args{dir.datadir_arg()};
    if (*row.flag) args.push_back(row.flag);
    auto o = ok(parse(args));
    CHECK(o.rpc.enabled);
    CHECK_FALSE(o.rpc.required);
    CHECK(o.rpc.user.empty());
    REQUIRE(o.rpc.binds.size() == 2);
    CHECK(o.rpc.binds[0] == ep("127.0.0.1", row.port));
    CHECK(o.rpc.binds[1] == ep("::1", row.port));
  }
}

TEST_CASE("rpc options: -server, -rpcport, -rpcbind, -rpcallowip, -rpcuser/-rpcpassword") {
  TempDir dir;
  CHECK_FALSE(ok(parse({dir.datadir_arg(), "-server=0"})).rpc.enabled);
  CHECK_FALSE(ok(parse({dir.datadir_arg(), "-noserver"})).rpc.enabled);
  auto o = ok(parse({dir.datadir_arg(), "-regtest", "-rpcport=1234"}));
  CHECK(o.rpc.required);
  CHECK(o.rpc.binds[0] == ep("127.0.0.1", 1234));
  o = ok(parse({dir.datadir_arg(), "-rpcbind=0.0.0.0", "-rpcbind=[::]:9999",
                "-rpcallowip=10.0.0.0/8", "-rpcallowip=192.168.1.1"}));
  REQUIRE(o.rpc.binds.size() == 2);
  CHECK(o.rpc.binds[0] == ep("0.0.0.0", 8332));
  CHECK(o.rpc.binds[1] == ep("::", 9999));
  REQUIRE(o.rpc.allow.size() == 2);
  CHECK(o.rpc.allow[0].to_string() == "10.0.0.0/8");
  o = ok(parse({dir.datadir_arg(), "-rpcuser=alice", "-rpcpassword=secret"}));
  CHECK(o.rpc.user == "alice");
  CHECK(o.rpc.password == "secret");

  CHECK(error_of(parse({dir.datadir_arg(), "-rpcbind=0.0.0.0"})).find("-rpcallowip") !=
        std::string::npos);
  CHECK(error_of(parse({dir.datadir_arg(), "-rpcallowip=nonsense"})).find("-rpcallowip") !=
        std::string::npos);
  CHECK(error_of(parse({dir.datadir_arg(), "-rpcuser=alice"})).find("-rpcpassword") !=
        std::string::npos);
  CHECK(error_of(parse({dir.datadir_arg(), "-rpcuser=a:b", "-rpcpassword=x"})).find(":") !=
        std::string::npos);
  CHECK(error_of(parse({dir.datadir_arg(), "-rpcport=70000"})).find("-rpcport") !=
        std::string::npos);
}
