// Calls every method of a running bsvpeer through the third-party JSON-RPC clients of bitcoind
// (bitcoin-core and bitcoind-rpc) and checks every result field's type against SV Node 1.2.2's
// (and ours). usage: node rpc_clients.js PORT USER PASSWORD PEER_ADDR
// PEER_ADDR: "ip:port" of a peer connected to the node (for disconnectnode and the checks).
'use strict';
const Client = require('bitcoin-core');
const RpcClient = require('bitcoind-rpc');

const [port, user, pass, peerAddr] = process.argv.slice(2);
let failures = 0;
function check(cond, what) {
  if (!cond) {
    failures++;
    console.error('FAIL: ' + what);
  }
}

const num = (v) => typeof v === 'number' && Number.isFinite(v);
const int = (v) => Number.isInteger(v);
const str = (v) => typeof v === 'string';
const bool = (v) => typeof v === 'boolean';
const arr = (v) => Array.isArray(v);
const obj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const hex16 = (v) => str(v) && /^[0-9a-f]{16}$/.test(v);
const perMsg = (v) => obj(v) && Object.values(v).every(int);

// SV's fields first, then ours; `?` marks fields SV also shows only when known.
const PEER = {
  id: int, addr: str, services: hex16, relaytxes: bool, lastsend: int, lastrecv: int,
  sendsize: int, pausesend: bool, pauserecv: bool, bytessent: int, bytesrecv: int,
  avgrecvbw: int, streams: arr, conntime: int, timeoffset: int, 'pingtime?': num,
  'minping?': num, version: int, subver: str, inbound: bool, addnode: bool, startingheight: int,
  txninvsize: int, banscore: int, synced_headers: int, synced_blocks: int, inflight: arr,
  whitelisted: bool, bytessent_per_msg: perMsg, bytesrecv_per_msg: perMsg,
  state: str, msgssent_per_msg: perMsg, msgsrecv_per_msg: perMsg, storeid: str,
};
const STREAM = {
  streamtype: str, lastsend: int, lastrecv: int, bytessent: int, bytesrecv: int, sendsize: int,
  spotrecvbw: int, minuterecvbw: int,
};
const NETWORKINFO = {
  version: int, subversion: str, protocolversion: int, localservices: hex16, localrelay: bool,
  timeoffset: int, txnpropagationfreq: int, txnpropagationqlen: int, networkactive: bool,
  connections: int, addresscount: int, minconsolidationfactor: int,
  maxconsolidationinputscriptsize: int, minconsolidationinputmaturity: int,
  acceptnonstdconsolidationinput: int, networks: arr, relayfee: num, localaddresses: arr,
  warnings: str, network: str, listening: arr,
};
const NETWORK = { name: str, limited: bool, reachable: bool, proxy: str,
  proxy_randomize_credentials: bool };
const NETTOTALS = { totalbytesrecv: int, totalbytessent: int, timemillis: int, uploadtarget: obj,
  totalmessagesrecv: int, totalmessagessent: int, bytesrecv_per_msg: perMsg,
  bytessent_per_msg: perMsg };
const UPLOADTARGET = { timeframe: int, target: int, target_reached: bool,
  serve_historical_blocks: bool, bytes_left_in_cycle: int, time_left_in_cycle: int };
const BANNED = { address: str, banned_until: int, ban_created: int, ban_reason: str };
const ADDED = { addednode: str, connected: bool, addresses: arr };
const HEALTH = { slots: obj, outbound: obj, inbound: int, handshaked: int,
  min_connected_peers: int, isolated: bool, store: obj, messages: obj, bytes: obj, ping: obj };
const STORE = { counts: obj, subnet_bans: arr, peers: arr };
const RECORD = { id: str, ip: str, port: int, status: str, status_since: int, source: str };

function fields(where, value, schema) {
  if (!obj(value)) return check(false, `${where}: not an object: ${JSON.stringify(value)}`);
  for (const [key, test] of Object.entries(schema)) {
    const optional = key.endsWith('?');
    const name = optional ? key.slice(0, -1) : key;
    if (!(name in value)) {
      check(optional, `${where}: missing field ${name}`);
      continue;
    }
    check(test(value[name]), `${where}.${name}: wrong type: ${JSON.stringify(value[name])}`);
  }
}

async function expectError(what, promise, code) {
  try {
    await promise;
    check(false, `${what}: no error (expected ${code})`);
  } catch (e) {
    check(e.code === code, `${what}: error code ${e.code} (${e.message}), expected ${code}`);
  }
}

async function viaBitcoinCore() {
  const c = new Client({ host: `http://127.0.0.1:${port}`, username: user, password: pass });
  const peers = await c.command('getpeerinfo');
  check(arr(peers) && peers.length >= 1, 'bitcoin-core getpeerinfo: at least one peer');
  for (const p of peers) {
    fields('getpeerinfo[]', p, PEER);
    for (const s of p.streams) fields('getpeerinfo[].streams[]', s, STREAM);
  }
  const peer = peers.find((p) => p.addr === peerAddr);
  check(peer !== undefined, `getpeerinfo: ${peerAddr} listed`);
  if (peer) {
    check(peer.state === 'connected', 'the peer is handshaked');
    check(peer.subver.startsWith('/bsvpeer:'), `subver ${peer.subver}`);
    check(peer.bytessent_per_msg.version > 0 && peer.bytesrecv_per_msg.verack > 0,
          'per-message bytes show the handshake');
  }
  check(int(await c.command('getconnectioncount')), 'getconnectioncount is an integer');
  const ni = await c.command('getnetworkinfo');
  fields('getnetworkinfo', ni, NETWORKINFO);
  for (const n of ni.networks) fields('getnetworkinfo.networks[]', n, NETWORK);
  const nt = await c.command('getnettotals');
  fields('getnettotals', nt, NETTOTALS);
  fields('getnettotals.uploadtarget', nt.uploadtarget, UPLOADTARGET);
  check(nt.totalbytesrecv > 0 && nt.totalbytessent > 0, 'getnettotals counts bytes');
  check((await c.command('ping')) === null, 'ping returns null');
  check(int(await c.command('uptime')), 'uptime is an integer');
  const help = await c.command('help');
  for (const m of ['getpeerinfo', 'getnetworkinfo', 'getconnectioncount', 'getnettotals',
    'addnode', 'getaddednodeinfo', 'disconnectnode', 'setban', 'listbanned', 'clearbanned',
    'ping', 'uptime', 'stop', 'help', 'getpeerstore', 'getnodehealth', 'reloadconfig']) {
    check(help.split('\n').some((l) => l.split(' ')[0] === m), `help lists ${m}`);
    const text = await c.command('help', m);
    check(str(text) && text.startsWith(m), `help ${m} starts with its usage`);
  }
  fields('getnodehealth', await c.command('getnodehealth'), HEALTH);
  const store = await c.command('getpeerstore');
  fields('getpeerstore', store, STORE);
  for (const r of store.peers) fields('getpeerstore.peers[]', r, RECORD);
  check(arr((await c.command('getpeerstore', 'valid')).peers), 'getpeerstore valid');
  await expectError('getpeerstore bad status', c.command('getpeerstore', 'nope'), -8);
  check((await c.command('reloadconfig')) === null, 'reloadconfig returns null');

  // addnode / getaddednodeinfo (a node that does not exist: never connected).
  const ghost = '127.0.0.99:1';
  check((await c.command('addnode', ghost, 'add')) === null, 'addnode add');
  await expectError('addnode add twice', c.command('addnode', ghost, 'add'), -23);
  const added = await c.command('getaddednodeinfo');
  for (const a of added) fields('getaddednodeinfo[]', a, ADDED);
  check(added.some((a) => a.addednode === ghost && a.connected === false), 'ghost listed');
  const one = await c.command('getaddednodeinfo', ghost);
  check(one.length === 1 && one[0].addednode === ghost, 'getaddednodeinfo node');
  check((await c.command('addnode', ghost, 'remove')) === null, 'addnode remove');
  await expectError('addnode remove twice', c.command('addnode', ghost, 'remove'), -24);
  await expectError('getaddednodeinfo unknown', c.command('getaddednodeinfo', ghost), -24);
  check((await c.command('addnode', '127.0.0.99:2', 'onetry')) === null, 'addnode onetry');
  await expectError('addnode bad command', c.command('addnode', ghost, 'maybe'), -1);
  await expectError('addnode not an address', c.command('addnode', 'x:y', 'add'), -8);

  // setban / listbanned / clearbanned.
  check((await c.command('setban', '192.0.2.0/24', 'add', 3600)) === null, 'setban subnet');
  check((await c.command('setban', '198.51.100.7', 'add')) === null, 'setban ip, default time');
  const until = Math.floor(Date.now() / 1000) + 7200;
  check((await c.command('setban', '2001:db8::/32', 'add', until, true)) === null,
        'setban absolute');
  await expectError('setban twice', c.command('setban', '192.0.2.0/24', 'add'), -23);
  await expectError('setban invalid', c.command('setban', '192.0.2.0/99', 'add'), -30);
  await expectError('setban remove unknown', c.command('setban', '203.0.113.1', 'remove'), -30);
  await expectError('setban wrong type', c.command('setban', '203.0.113.1', 'add', 'soon'), -1);
  let banned = await c.command('listbanned');
  for (const b of banned) fields('listbanned[]', b, BANNED);
  const by = Object.fromEntries(banned.map((b) => [b.address, b]));
  check(by['192.0.2.0/24'] && by['192.0.2.0/24'].ban_reason === 'manually added', 'subnet listed');
  check(by['198.51.100.7/32'] !== undefined, 'ip listed as /32');
  check(by['2001:db8::/32'] && by['2001:db8::/32'].banned_until === until, 'absolute time kept');
  check((await c.command('setban', '198.51.100.7', 'remove')) === null, 'setban remove');
  banned = await c.command('listbanned');
  check(!banned.some((b) => b.address === '198.51.100.7/32'), 'removed ban gone');
  check((await c.command('clearbanned')) === null, 'clearbanned');
  check((await c.command('listbanned')).length === 0, 'listbanned empty after clearbanned');

  // Named parameters (bitcoin-core sends an object when told the server is >= 0.14).
  const named = new Client({ host: `http://127.0.0.1:${port}`, username: user, password: pass,
    version: '0.17.0' });
  check(str(await named.command('help', { command: 'ping' })), 'named help');
  await expectError('named unknown parameter', named.command('help', { nope: 1 }), -8);
  await expectError('unknown method', c.command('getblockcount'), -32601);
  await expectError('disconnectnode unknown', c.command('disconnectnode', '127.0.0.97:1'), -29);
  await expectError('disconnectnode by id unknown', c.command('disconnectnode', '', 999999), -29);
  await expectError('disconnectnode both', c.command('disconnectnode', peerAddr, 1), -32602);

  // A batch.
  const batch = await c.command([{ method: 'getconnectioncount' }, { method: 'uptime' }]);
  check(arr(batch) && batch.length === 2 && int(batch[0]) && int(batch[1]), 'batch');

  // Wrong credentials.
  const wrong = new Client({ host: `http://127.0.0.1:${port}`, username: user, password: 'x' });
  try {
    await wrong.command('uptime');
    check(false, 'wrong password accepted');
  } catch (e) {
    check(/401|Unauthorized/i.test(String(e.code) + e.message), `wrong password: ${e.message}`);
  }
}

function call(client, method, ...args) {
  return new Promise((resolve, reject) => {
    client[method](...args, (err, res) => (err ? reject(err) : resolve(res.result)));
  });
}

// bitcoind-rpc has no methods of ours: they go as a one-element batch through its transport.
function callOurs(client, method, params = []) {
  return new Promise((resolve, reject) => {
    client.batch(() => {
      client.batchedCalls.push({ jsonrpc: '2.0', method, params, id: 1 });
    }, (err, res) => {
      if (err) return reject(err);
      if (res[0].error) return reject(res[0].error);
      resolve(res[0].result);
    });
  });
}

async function viaBitcoindRpc() {
  RpcClient.config.logger = 'none';
  const c = new RpcClient({ protocol: 'http', host: '127.0.0.1', port: Number(port), user, pass });
  const peers = await call(c, 'getPeerInfo');
  check(arr(peers) && peers.length >= 1, 'bitcoind-rpc getPeerInfo');
  for (const p of peers) fields('bitcoind-rpc getpeerinfo[]', p, PEER);
  check(int(await call(c, 'getConnectionCount')), 'bitcoind-rpc getConnectionCount');
  fields('bitcoind-rpc getnetworkinfo', await call(c, 'getNetworkInfo'), NETWORKINFO);
  fields('bitcoind-rpc getnettotals', await call(c, 'getNetTotals'), NETTOTALS);
  check((await call(c, 'ping')) === null, 'bitcoind-rpc ping');
  check(int(await call(c, 'uptime')), 'bitcoind-rpc uptime');
  check(str(await call(c, 'help')), 'bitcoind-rpc help');
  check((await call(c, 'addNode', '127.0.0.98:1', 'add')) === null, 'bitcoind-rpc addNode');
  const added = await call(c, 'getAddedNodeInfo');
  check(added.some((a) => a.addednode === '127.0.0.98:1'), 'bitcoind-rpc getAddedNodeInfo');
  check((await call(c, 'addNode', '127.0.0.98:1', 'remove')) === null, 'bitcoind-rpc remove');
  check((await call(c, 'setBan', '192.0.2.0/24', 'add', 60)) === null, 'bitcoind-rpc setBan');
  const banned = await call(c, 'listBanned');
  check(banned.length === 1 && banned[0].address === '192.0.2.0/24', 'bitcoind-rpc listBanned');
  check((await call(c, 'clearBanned')) === null, 'bitcoind-rpc clearBanned');
  try {
    await call(c, 'disconnectNode', '127.0.0.97:1');
    check(false, 'bitcoind-rpc disconnectNode of nobody succeeded');
  } catch (e) {
    check(e.code === -29, `bitcoind-rpc disconnectNode: ${JSON.stringify(e)}`);
  }
  fields('bitcoind-rpc getnodehealth', await callOurs(c, 'getnodehealth'), HEALTH);
  fields('bitcoind-rpc getpeerstore', await callOurs(c, 'getpeerstore'), STORE);
  check((await callOurs(c, 'reloadconfig')) === null, 'bitcoind-rpc reloadconfig');
  const wrong = new RpcClient({ protocol: 'http', host: '127.0.0.1', port: Number(port), user,
    pass: 'x' });
  try {
    await call(wrong, 'uptime');
    check(false, 'bitcoind-rpc wrong password accepted');
  } catch (e) {
    check(/401/.test(e.message), `bitcoind-rpc wrong password: ${e.message}`);
  }
}

(async () => {
  try {
    await viaBitcoinCore();
    await viaBitcoindRpc();
  } catch (e) {
    failures++;
    console.error('FAIL: unexpected error: ' + (e.stack || JSON.stringify(e)));
  }
  console.log(failures === 0 ? 'rpc clients: all checks passed' : `rpc clients: ${failures} failures`);
  process.exit(failures === 0 ? 0 : 1);
})();
