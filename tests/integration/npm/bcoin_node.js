'use strict';
// Runs a real bcoin 1.0.2 full node (regtest, in memory) with its own pool and peer code, and
// reports what happens on each P2P connection as JSON lines on stdout:
//   listening {port}
//   recv {peer, outbound, cmd, nonce?, version?, agent?, services?}   every packet bcoin receives
//   send {peer, outbound, cmd, nonce?}                                 every packet bcoin sends
//   open {peer, outbound, version, agent, services}   bcoin's handshake done ("peer open")
//   pong {peer, outbound, nonce, matched}   a pong for bcoin's ping; matched = it carried the
//                                           outstanding challenge and bcoin cleared it
//   close {peer, outbound}
//   banscore {peer, outbound, score, total}   bcoin scores the peer's misbehaviour
//   ban {peer, outbound}
//   peer_error {peer, outbound, message}      bcoin's Peer.error (socket errors, stalls, ...)
//   error {message}                           the node's own errors
// Nonces are printed as bsvpeer logs them: the 8 wire bytes as a little-endian uint64, decimal.
// Only run it in a loopback-only network namespace: bcoin looks up its external IP.
//
// usage: node bcoin_node.js --prefix=DIR [--port=48444] [--http-port=48332]
//          [--only=127.0.0.1:PORT]   also dial exactly this peer (bcoin's --only)
//          [--ping-interval-ms=1000] bcoin's Peer.PING_INTERVAL (30000 in bcoin)
//          [--run-seconds=60]        exit on its own after this long

const fs = require('fs');
const path = require('path');
const bcoin = require('bcoin');
const Logger = require('blgr');
const Peer = require('bcoin/lib/net/peer');
const packets = require('bcoin/lib/net/packets');

function parseArgs(argv) {
  const args = {};
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error('bad argument: ' + a);
    args[m[1]] = m[2] === undefined ? true : m[2];
  }
  return args;
}
function emit(event, fields) {
  process.stdout.write(JSON.stringify(Object.assign({ event }, fields || {})) + '\n');
}
function nonceText(buf) {
  return Buffer.from(buf).readBigUInt64LE(0).toString();
}

const args = parseArgs(process.argv.slice(2));
const port = Number(args.port || 48444);
const httpPort = Number(args['http-port'] || 48332);
Peer.PING_INTERVAL = Number(args['ping-interval-ms'] || 1000);

function describe(peer, packet) {
  const out = { peer: peer.hostname(), outbound: peer.outbound, cmd: packet.cmd };
  if (packet.type === packets.types.PING || packet.type === packets.types.PONG) {
    out.nonce = packet.nonce ? nonceText(packet.nonce) : null;
  } else if (packet.type === packets.types.VERSION) {
    out.version = packet.version;
    out.agent = packet.agent;
    out.services = packet.services;
    out.nonce = nonceText(packet.nonce);
  } else if (packet.type === packets.types.UNKNOWN) {
    out.unknown = true;
    out.bytes = packet.data ? packet.data.length : 0;
  } else if (packet.type === packets.types.REJECT) {
    out.message = packet.message;
    out.code = packet.code;
    out.reason = packet.reason;
  }
  return out;
}

// Observe bcoin's own Peer code without changing what it does.
const handlePacket = Peer.prototype.handlePacket;
Peer.prototype.handlePacket = async function (packet) {
  emit('recv', describe(this, packet));
  return handlePacket.call(this, packet);
};
const send = Peer.prototype.send;
Peer.prototype.send = function (packet) {
  emit('send', describe(this, packet));
  return send.call(this, packet);
};
const handlePong = Peer.prototype.handlePong;
Peer.prototype.handlePong = async function (packet) {
  const challenge = this.challenge;
  await handlePong.call(this, packet);
  const matched = !!challenge && packet.nonce.equals(challenge) && this.challenge === null;
  emit('pong', { peer: this.hostname(), outbound: this.outbound, nonce: nonceText(packet.nonce), matched });
};
const increaseBan = Peer.prototype.increaseBan;
Peer.prototype.increaseBan = function (score) {
  emit('banscore', { peer: this.hostname(), outbound: this.outbound, score, total: this.banScore + score });
  return increaseBan.call(this, score);
};
const peerError = Peer.prototype.error;
Peer.prototype.error = function (err) {
  emit('peer_error', { peer: this.hostname(), outbound: this.outbound, message: String(err && err.message || err) });
  return peerError.call(this, err);
};

async function main() {
  if (!args.prefix) throw new Error('--prefix=DIR is required');
  fs.mkdirSync(args.prefix, { recursive: true });
  const options = {
    network: 'regtest',
    memory: true,
    prefix: args.prefix,
    workers: false,
    // bcoin's own log (a file logger must be passed in: in-memory nodes log to no file).
    logger: new Logger({ level: 'debug', console: false, filename: path.join(args.prefix, 'debug.log') }),
    listen: true,
    host: '127.0.0.1',
    port,
    publicHost: '127.0.0.1',  // and the namespace: no external IP look-up can leave
    publicPort: port,
    httpHost: '127.0.0.1',
    httpPort,
    maxOutbound: 1,
    seeds: [],
  };
  if (args.only) options.only = [args.only];
  else options.nodes = [];
  const node = new bcoin.FullNode(options);
  node.on('error', (e) => emit('error', { message: String(e && e.message || e) }));
  node.pool.on('peer open', (peer) =>
    emit('open', { peer: peer.hostname(), outbound: peer.outbound, version: peer.version,
      agent: peer.agent, services: peer.services }));
  node.pool.on('peer close', (peer) => emit('close', { peer: peer.hostname(), outbound: peer.outbound }));
  node.pool.on('ban', (peer) => emit('ban', { peer: peer.hostname(), outbound: peer.outbound }));
  await node.ensure();
  await node.open();
  await node.connect();
  emit('listening', { port });
  node.startSync();

  const stop = async (why) => {
    emit('stopping', { why });
    const force = setTimeout(() => process.exit(0), 3000);
    force.unref();
    try {
      await node.close();
    } catch (e) {
      emit('error', { message: 'close: ' + e.message });
    }
    process.exit(0);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  setTimeout(() => stop('run-seconds elapsed'), Number(args['run-seconds'] || 60) * 1000).unref();
}

main().catch((e) => {
  emit('error', { message: 'fatal: ' + (e && e.stack || e) });
  process.exit(1);
});
