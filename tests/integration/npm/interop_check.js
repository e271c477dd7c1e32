'use strict';
// Cross-checks bsvpeer's -debug=trace log against the JSON lines a third-party peer script
// printed (bitcore_peer.js or bcoin_node.js). Prints every check; exit 0 only if all pass.
//
// usage:
//   node interop_check.js bitcore --log=FILE --events=FILE --direction=in|out
//        --ua=/bitcore:10.10.7/ [--min-pings=N] [--quiet]
//   node interop_check.js bcoin --log=FILE --events=FILE --bcoin-port=48444
//        [--min-pings=N] [--final] [--quiet]
// bcoin mode checks two connections: ours outbound to bcoin and bcoin's outbound to us.
// Without --final it only checks progress (used to poll); --final adds the "nothing went
// wrong" checks.

const fs = require('fs');

function parseArgs(argv) {
  const args = { _: [] };
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m) args[m[1]] = m[2] === undefined ? true : m[2];
    else args._.push(a);
  }
  return args;
}

const args = parseArgs(process.argv.slice(2));
const mode = args._[0];
const minPings = Number(args['min-pings'] || 1);
const results = [];
function check(ok, what) {
  results.push({ ok: !!ok, what });
  return !!ok;
}

function readLines(file) {
  try {
    return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0);
  } catch (e) {
    return [];
  }
}
function readEvents(file) {
  const out = [];
  for (const line of readLines(file)) {
    try {
      out.push(JSON.parse(line));
    } catch (e) {
      // a line still being written, or a stray message from a library
    }
  }
  return out;
}

const log = readLines(args.log);
const events = readEvents(args.events);

// Index of the first log line at or after `from` containing `text`, or -1.
function find(text, from) {
  for (let i = from || 0; i < log.length; ++i) {
    if (log[i].includes(text)) return i;
  }
  return -1;
}
// Index of the first log line at or after `from` ending with `suffix`, or -1.
function findEnd(suffix, from) {
  for (let i = from || 0; i < log.length; ++i) {
    if (log[i].endsWith(suffix)) return i;
  }
  return -1;
}
function escape(s) {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// The connection prefix, e.g. "[127.0.0.1:48444 out #1]", of the first connection in
// `direction` whose handshake completed with a user agent matching `ua`.
function findConnection(direction, ua, endpoint) {
  const re = new RegExp('(\\[' + (endpoint ? escape(endpoint) : '[^\\]]+') + ' ' + direction +
    ' #\\d+\\]) handshake done: version (\\d+) services (0x[0-9a-f]+) user agent \'' + escape(ua) + '\'');
  for (let i = 0; i < log.length; ++i) {
    const m = re.exec(log[i]);
    if (m) return { who: m[1], line: i, version: Number(m[2]), services: m[3] };
  }
  return null;
}

// Their ping N answered: "[who] recv ping nonce=N" and later "[who] send pong nonce=N".
function checkAnswered(who, nonce, label) {
  const recv = findEnd(who + ' recv ping nonce=' + nonce);
  const sent = recv >= 0 ? findEnd(who + ' send pong nonce=' + nonce, recv) : -1;
  return check(recv >= 0 && sent >= 0,
    label + ': bsvpeer logged "recv ping nonce=' + nonce + '" then "send pong nonce=' + nonce + '"');
}

// Our ping M matched: "[who] send ping nonce=M" and later "[who] recv pong nonce=M" (that the
// library called no pong mismatched or unsolicited is checked with the bad lines).
function checkMatched(who, nonce, label) {
  const sent = findEnd(who + ' send ping nonce=' + nonce);
  const recv = sent >= 0 ? findEnd(who + ' recv pong nonce=' + nonce, sent) : -1;
  return check(sent >= 0 && recv >= 0,
    label + ': bsvpeer logged "send ping nonce=' + nonce + '" then "recv pong nonce=' + nonce + '"');
}

// Our pings on a connection, in order (nonces).
function ourPings(who) {
  const out = [];
  const re = new RegExp(escape(who) + ' send ping nonce=(\\d+)$');
  for (const l of log) {
    const m = re.exec(l);
    if (m) out.push(m[1]);
  }
  return out;
}

const BAD_LINES = [
  [/ misbehaving \+/, 'misbehaviour'],
  [/ ban requested: /, 'ban request'],
  [/ ignored pong/, 'pong ignored (mismatch, zero or unsolicited)'],
  [/ could not decode /, 'decode error'],
  [/ fatal frame /, 'fatal frame'],
  [/ dropped frame /, 'dropped frame'],
  [/ not sent /, 'send refused'],
  [/ connection actor failed/, 'actor exception'],
  [/ event handler threw/, 'handler exception'],
  [/^\S+ (error|critical) /, 'error-level line'],
];
function checkNoBadLines(who) {
  for (const [re, what] of BAD_LINES) {
    const hits = log.filter((l) => (!who || l.includes(who)) && re.test(l));
    check(hits.length === 0, 'no ' + what + ' in bsvpeer\'s log' + (who ? ' for ' + who : '') +
      (hits.length ? ' -- found: ' + hits[0] : ''));
  }
}

function bitcoreMode() {
  const direction = args.direction;
  const done = events.find((e) => e.event === 'done');
  check(done, 'bitcore_peer.js reported "done" (its own checks passed)');
  const conn = findConnection(direction, args.ua);
  check(conn, 'bsvpeer logged "handshake done" on an ' + direction + ' connection with user agent ' + args.ua);
  if (!conn || !done) return;
  const who = conn.who;
  check(conn.version === 70001 && conn.services === '0x1',
    'bitcore-p2p announced protocol 70001, services 0x1 (got ' + conn.version + ', ' + conn.services + ')');
  check(find(who + ' recv version v70001 ') >= 0 && find(who + ' send version v70016 ') >= 0,
    'versions exchanged: bsvpeer logged "recv version v70001" and "send version v70016"');
  check(find(who + ' recv verack') >= 0 && find(who + ' send verack') >= 0,
    'veracks exchanged: bsvpeer logged "recv verack" and "send verack"');
  check(done.peer_user_agent === '/bsvpeer:0.1.0/' && done.peer_version === 70016 && done.verack,
    'bitcore-p2p saw version 70016 from /bsvpeer:0.1.0/ and our verack');
  // bitcore's pings, matched on bitcore's side; bsvpeer must have logged the exchange.
  check(done.pongs_matched.length >= minPings && done.pongs_unmatched.length === 0,
    'bitcore-p2p got matching pongs for ' + done.pongs_matched.length + ' ping(s) (need ' + minPings + '), none unmatched');
  done.pongs_matched.forEach((n, i) => checkAnswered(who, n, 'bitcore ping ' + (i + 1)));
  // Our pings, answered by bitcore-p2p (bitcore printed their nonces); matched in our log.
  check(done.peer_pings.length >= minPings,
    'bitcore-p2p received and answered ' + done.peer_pings.length + ' of our pings (need ' + minPings + ')');
  const ours = ourPings(who);
  done.peer_pings.forEach((n, i) => {
    check(ours.includes(n), 'our ping ' + (i + 1) + ' (nonce ' + n + ') is one bsvpeer logged sending');
    checkMatched(who, n, 'our ping ' + (i + 1));
  });
  check(done.rejects.length === 0, 'bitcore-p2p received no reject');
  const protoconf = events.find((e) => e.event === 'unknown' && e.command === 'protoconf');
  check(protoconf && protoconf.protoconf && protoconf.protoconf.fields === 2 &&
    protoconf.protoconf.max_recv === 2097152 && protoconf.protoconf.policies === 'Default',
    'bitcore-p2p received our protoconf (2 fields, max_recv 2097152, "Default")');
  checkNoBadLines(null);
}

function bcoinMode() {
  const port = String(args['bcoin-port'] || 48444);
  const final = !!args.final;
  // bcoin's view: outbound=false is our outbound connection, outbound=true is bcoin's dial.
  const pairs = [
    { label: 'bsvpeer -> bcoin', direction: 'out', endpoint: '127.0.0.1:' + port, bcoinOutbound: false },
    { label: 'bcoin -> bsvpeer', direction: 'in', endpoint: null, bcoinOutbound: true },
  ];
  for (const p of pairs) {
    const conn = findConnection(p.direction, '/bcoin:v1.0.2/', p.endpoint);
    if (!check(conn, p.label + ': bsvpeer logged "handshake done" with user agent /bcoin:v1.0.2/')) continue;
    const who = conn.who;
    check(conn.version === 70015, p.label + ': bcoin announced protocol 70015 (got ' + conn.version + ')');
    const mine = events.filter((e) => e.outbound === p.bcoinOutbound);
    const open = mine.find((e) => e.event === 'open');
    check(open && open.agent === '/bsvpeer:0.1.0/' && open.version === 70016,
      p.label + ': bcoin completed its handshake ("peer open") with /bsvpeer:0.1.0/ v70016');
    check(find(who + ' recv getaddr') >= 0, p.label + ': bsvpeer logged "recv getaddr" from bcoin');
    // bcoin's pings: matched by bcoin's own Peer code, and logged by bsvpeer as answered.
    const matched = mine.filter((e) => e.event === 'pong' && e.matched).map((e) => e.nonce);
    check(matched.length >= minPings,
      p.label + ': bcoin matched ' + matched.length + ' pong(s) from bsvpeer (need ' + minPings + ')');
    matched.forEach((n, i) => checkAnswered(who, n, p.label + ': bcoin ping ' + (i + 1)));
    // Our pings: answered by bcoin (its send pong) and matched in our log.
    const bcoinPongs = new Set(mine.filter((e) => e.event === 'send' && e.cmd === 'pong').map((e) => e.nonce));
    const answered = ourPings(who).filter((n) => bcoinPongs.has(n));
    check(answered.length >= minPings,
      p.label + ': bcoin answered ' + answered.length + ' of bsvpeer\'s pings (need ' + minPings + ')');
    answered.forEach((n, i) => checkMatched(who, n, p.label + ': our ping ' + (i + 1)));
    if (final) {
      check(!mine.some((e) => e.event === 'pong' && !e.matched),
        p.label + ': bcoin matched every pong bsvpeer sent');
      check(mine.some((e) => e.event === 'recv' && e.cmd === 'protoconf'),
        p.label + ': bcoin received our protoconf (as an unknown packet)');
    }
  }
  if (final) {
    const scored = events.filter((e) => e.event === 'banscore' || e.event === 'ban');
    check(scored.length === 0, 'bcoin gave bsvpeer no ban score' +
      (scored.length ? ' -- got: ' + JSON.stringify(scored[0]) : ''));
    checkNoBadLines(null);
  }
}

if (mode === 'bitcore') bitcoreMode();
else if (mode === 'bcoin') bcoinMode();
else {
  console.error('usage: interop_check.js bitcore|bcoin ...');
  process.exit(2);
}

const failed = results.filter((r) => !r.ok);
if (!args.quiet || failed.length) {
  for (const r of results) {
    if (!args.quiet || !r.ok) console.log((r.ok ? '  ok   ' : '  FAIL ') + r.what);
  }
}
process.exit(failed.length === 0 && results.length > 0 ? 0 : 1);
