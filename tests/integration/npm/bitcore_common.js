'use strict';
// Shared set-up for the bitcore-p2p peer scripts: a custom network with our magic, two
// compatibility fixes for bitcore-p2p 10.10.7 on Node 20, and JSON-lines reporting.

const bitcore = require('bitcore-lib');  // the copy bitcore-p2p itself requires (hoisted)
const p2p = require('bitcore-p2p');
const Buffers = require('buffers');

// Fix 1: bitcore-p2p depends on the GitHub fork bitpay/node-buffers#v0.1.2-bitpay, which we
// cannot fetch; the npm release 0.1.1 (package.json override) implements get() with
// Buffer.prototype.get, which Node removed long ago, so parseBuffer() throws
// "this.buffers[pos.buf].get is not a function" on the first message and Peer disconnects.
Buffers.prototype.get = function get(i) {
  const pos = this.pos(i);
  return this.buffers[pos.buf][pos.offset];
};

function emit(event, fields) {
  process.stdout.write(JSON.stringify(Object.assign({ event }, fields || {})) + '\n');
}

// A bitcore network whose wire magic is `magicHex` (8 hex digits in wire order).
function makeNetwork(magicHex) {
  if (!/^[0-9a-fA-F]{8}$/.test(magicHex)) throw new Error('magic must be 8 hex digits: ' + magicHex);
  const name = 'bsvpeer-test-' + magicHex.toLowerCase();
  const existing = bitcore.Networks.get(name);
  if (existing) return existing;
  return bitcore.Networks.add({
    name,
    alias: name + '-alias',
    networkMagic: parseInt(magicHex, 16),  // integerAsBuffer writes big-endian = wire order
    port: 18444,
    dnsSeeds: [],
  });
}

// bitcore Messages that do not throw on commands bitcore-p2p does not know (protoconf,
// sendheaders, ... are BSV/BTC messages newer than bitcore's protocol 70001).
// Fix 2: stock Messages._buildFromBuffer throws "Unsupported message command", which Peer
// catches by disconnecting; SV-style nodes send protoconf right after verack, so a stock
// bitcore Peer drops every SV-style peer at once. With `tolerant` false the stock behaviour
// is kept (used to record it).
function makeMessages(network, tolerant) {
  const messages = new p2p.Messages({ network });
  if (tolerant) {
    const build = messages._buildFromBuffer.bind(messages);
    messages._buildFromBuffer = function (command, payload) {
      if (this.builder.commands[command]) return build(command, payload);
      const unknown = { command, payload: Buffer.from(payload) };
      if (command === 'protoconf') unknown.protoconf = parseProtoconf(unknown.payload);
      return unknown;
    };
  }
  return messages;
}

function readVarInt(buf, offset) {
  const first = buf[offset];
  if (first < 0xfd) return [first, offset + 1];
  if (first === 0xfd) return [buf.readUInt16LE(offset + 1), offset + 3];
  if (first === 0xfe) return [buf.readUInt32LE(offset + 1), offset + 5];
  return [Number(buf.readBigUInt64LE(offset + 1)), offset + 9];
}

function parseProtoconf(payload) {
  try {
    let [fields, o] = readVarInt(payload, 0);
    const out = { fields };
    if (fields >= 1) {
      out.max_recv = payload.readUInt32LE(o);
      o += 4;
    }
    if (fields >= 2) {
      const [len, p] = readVarInt(payload, o);
      out.policies = payload.subarray(p, p + len).toString('ascii');
    }
    return out;
  } catch (e) {
    return { error: e.message };
  }
}

// Nonces as bsvpeer logs them: the 8 wire bytes read as a little-endian uint64, in decimal.
function nonceText(buf) {
  return Buffer.from(buf).readBigUInt64LE(0).toString();
}

function parseArgs(argv) {
  const args = {};
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error('bad argument: ' + a);
    args[m[1]] = m[2] === undefined ? true : m[2];
  }
  return args;
}

module.exports = { bitcore, p2p, emit, makeNetwork, makeMessages, nonceText, parseArgs };
