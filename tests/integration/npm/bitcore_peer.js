'use strict';
// A bitcore-p2p Peer that either connects to bsvpeer or accepts one connection from it, then
// checks the handshake and ping/pong both ways. Reports JSON lines on stdout:
//   listening {port}                 (listen mode) where bsvpeer should connect
//   connected {remote}               TCP up
//   version {version, services, user_agent, height, nonce}   the peer's version
//   verack                           the peer's verack (bitcore-p2p's "ready")
//   unknown {command, bytes, protoconf?}   a command bitcore-p2p has no class for
//   reject {message, code, reason}   a reject from the peer
//   ping_sent {nonce}                our ping (nonces in bsvpeer's log format)
//   pong_received {nonce, matched, rtt_ms}
//   ping_received {nonce}            the peer's ping; bitcore-p2p answers it at once ...
//   pong_sent {nonce}                ... with this pong
//   disconnected {why}
//   done {...summary}                every check passed (exit 0)
//   failed {why, ...summary}         a check failed or the deadline passed (exit 1)
//
// usage: node bitcore_peer.js --magic=dab5bffa (--connect=127.0.0.1:PORT | --listen)
//          [--pings=N]          our pings that must be answered (default 1)
//          [--peer-pings=N]     the peer's pings we must receive and answer (default 1)
//          [--timeout=S]        overall deadline in seconds (default 20)
//          [--stock-inbound]    listen mode: keep bitcore-p2p's own inbound order (it sends
//                               verack before its version) and only observe, for --observe=S
//          [--stock-messages]   keep bitcore-p2p's throw on unknown commands

const net = require('net');
const { p2p, emit, makeNetwork, makeMessages, nonceText, parseArgs } = require('./bitcore_common');

const args = parseArgs(process.argv.slice(2));
const network = makeNetwork(args.magic || 'dab5bffa');
const messages = makeMessages(network, !args['stock-messages']);
const wantPings = Number(args.pings || 1);
const wantPeerPings = Number(args['peer-pings'] || 1);
const timeoutMs = Number(args.timeout || 20) * 1000;
const observeMs = args.observe !== undefined ? Number(args.observe) * 1000 : null;

const state = {
  version: null,
  verack: false,
  unknown: [],
  rejects: [],
  our_pings: [],       // nonces we sent
  pongs_matched: [],   // nonces of pongs that matched one of our pings
  pongs_unmatched: [], // nonces of pongs that did not
  peer_pings: [],      // nonces of the peer's pings (each answered by bitcore-p2p's Peer)
  disconnected: null,
};
let finished = false;
let peer = null;
let server = null;

function summary() {
  return {
    peer_version: state.version && state.version.version,
    peer_user_agent: state.version && state.version.user_agent,
    verack: state.verack,
    our_pings: state.our_pings,
    pongs_matched: state.pongs_matched,
    pongs_unmatched: state.pongs_unmatched,
    peer_pings: state.peer_pings,
    unknown: state.unknown.map((u) => u.command),
    rejects: state.rejects,
    disconnected: state.disconnected,
  };
}

function finish(ok, why) {
  if (finished) return;
  finished = true;
  emit(ok ? 'done' : 'failed', Object.assign(ok ? {} : { why }, summary()));
  // Let the last pong reach bsvpeer (and its log) before we hang up.
  setTimeout(() => {
    if (peer && peer.status !== 'disconnected') peer.disconnect();
    if (server) server.close();
    setTimeout(() => process.exit(ok ? 0 : 1), 100);
  }, 300);
}

function checkDone() {
  if (observeMs !== null) return;  // observing only: the deadline ends the run
  if (state.version && state.verack && state.pongs_matched.length >= wantPings &&
      state.peer_pings.length >= wantPeerPings) {
    finish(true);
  }
}

function sendOurPing() {
  if (finished || !peer || peer.status === 'disconnected') return;
  const ping = peer.messages.Ping();
  const nonce = nonceText(ping.nonce);
  state.our_pings.push(nonce);
  emit('ping_sent', { nonce });
  ping.sentAt = Date.now();
  outstanding.set(nonce, ping.sentAt);
  peer.sendMessage(ping);
}
const outstanding = new Map();

function attach(p) {
  peer = p;
  p.on('version', (m) => {
    state.version = {
      version: m.version,
      services: m.services.toString(),
      user_agent: m.subversion,
      height: m.startHeight,
      nonce: nonceText(m.nonce),
    };
    emit('version', state.version);
  });
  p.on('verack', () => {
    state.verack = true;
    emit('verack');
    // One ping per round trip until we have the number asked for.
    sendOurPing();
    checkDone();
  });
  p.on('ping', (m) => {
    // bitcore-p2p's Peer registered its own handler first, so the pong has gone out already.
    const nonce = nonceText(m.nonce);
    state.peer_pings.push(nonce);
    emit('ping_received', { nonce });
    emit('pong_sent', { nonce });
    checkDone();
  });
  p.on('pong', (m) => {
    const nonce = nonceText(m.nonce);
    const sentAt = outstanding.get(nonce);
    const matched = sentAt !== undefined;
    if (matched) {
      outstanding.delete(nonce);
      state.pongs_matched.push(nonce);
    } else {
      state.pongs_unmatched.push(nonce);
    }
    emit('pong_received', { nonce, matched, rtt_ms: matched ? Date.now() - sentAt : null });
    if (matched && state.pongs_matched.length < wantPings) sendOurPing();
    checkDone();
  });
  p.on('reject', (m) => {
    const r = { message: m.message, code: m.ccode, reason: m.reason };
    state.rejects.push(r);
    emit('reject', r);
  });
  // Commands bitcore-p2p has no class for arrive as events named after the command.
  const originalEmit = p.emit.bind(p);
  p.emit = function (name, message) {
    if (message && message.payload && message.command === name && !messages.builder.commands[name]) {
      const u = { command: name, bytes: message.payload.length };
      if (message.protoconf) u.protoconf = message.protoconf;
      state.unknown.push(u);
      emit('unknown', u);
    }
    return originalEmit.apply(null, arguments);
  };
  p.on('error', (e) => emit('error', { message: e.message }));
  p.on('disconnect', () => {
    if (state.disconnected) return;
    state.disconnected = finished ? 'by us' : 'by the peer (or a bitcore-p2p parse error)';
    emit('disconnected', { why: state.disconnected });
    if (!finished && observeMs === null) finish(false, 'disconnected before the checks passed');
  });
}

setTimeout(() => {
  if (observeMs !== null) finish(true);
  else finish(false, 'deadline of ' + timeoutMs / 1000 + ' s passed');
}, observeMs !== null ? observeMs : timeoutMs).unref();

if (args.connect) {
  const [host, port] = String(args.connect).split(':');
  const p = new p2p.Peer({ host, port: Number(port), network, messages });
  attach(p);
  p.on('connect', () => emit('connected', { remote: args.connect }));
  p.connect();  // sends our version on connect
} else if (args.listen) {
  server = net.createServer((socket) => {
    if (peer) {  // one peer per run; bsvpeer may reconnect after a failure
      emit('extra_connection', { remote: socket.remoteAddress + ':' + socket.remotePort });
      socket.destroy();
      return;
    }
    emit('connected', { remote: socket.remoteAddress + ':' + socket.remotePort });
    const p = new p2p.Peer({ socket, network, messages });
    attach(p);
    // Stock bitcore-p2p answers an inbound version with verack first and only then its own
    // version, i.e. a verack before any version, which SV-rule peers drop (+1 missing-version)
    // and then wait for a verack that never comes. As a listener we may send our version
    // first, as bcoin and SV do; bitcore-p2p then sends only the verack on the peer's version.
    if (!args['stock-inbound']) p._sendVersion();
  });
  server.listen(0, '127.0.0.1', () => emit('listening', { port: server.address().port }));
} else {
  console.error('give --connect=host:port or --listen');
  process.exit(2);
}
