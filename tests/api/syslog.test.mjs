// API tests of the syslog receiver (AUD-5) against a real `xinan serve`: datagrams and TCP
// streams on loopback ports the server picked itself (port 0), checked row by row in the real
// SQLite file (raw bytes kept, flags set, nothing dropped, unknown senders flagged), the
// /metrics counters, a clear error for a port in use, and a stop that stores everything a TCP
// sender had sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import net from 'node:net';
import { join } from 'node:path';
import { startServer, request, runXinan, tempDir, sqliteRows } from '../lib/server.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The syslog ports from the server's "syslog.listening" log lines. */
async function syslogPorts(srv) {
  for (let i = 0; i < 100; i++) {
    const logs = srv.logs();
    const udp = logs.match(/event=syslog\.listening proto=udp host=\S+ port=(\d+)/);
    const tcp = logs.match(/event=syslog\.listening proto=tcp host=\S+ port=(\d+)/);
    if ((udp || tcp) && logs.includes('event=server.start')) {
      return { udp: udp ? Number(udp[1]) : 0, tcp: tcp ? Number(tcp[1]) : 0 };
    }
    await sleep(50);
  }
  throw new Error(`no syslog.listening line: ${srv.logs()}`);
}

/** Rows of every day table (sqlite3 -json), oldest first. */
function rows(db, columns = '*', where = '1') {
  const days = sqliteRows(db, 'SELECT day FROM syslog_day ORDER BY day');
  if (days.length === 0) return [];
  const query = days.map((d) => `SELECT ${columns} FROM syslog_${d.day} WHERE ${where}`).join(' UNION ALL ');
  return sqliteRows(db, `${query} ORDER BY recv_us, id`);
}

/** The xinan_syslog_* counters from /metrics: { 'stored.udp': n, … }. */
async function counters(srv) {
  const r = await request(srv.url, '/metrics');
  assert.equal(r.status, 200);
  const out = {};
  for (const m of r.body.matchAll(/^xinan_syslog_(\w+)_total\{proto="(udp|tcp)"\} (\d+)$/gm)) out[`${m[1]}.${m[2]}`] = Number(m[3]);
  return out;
}

async function waitStored(srv, proto, n) {
  let c = {};
  for (let i = 0; i < 200; i++) {
    c = await counters(srv);
    if (c[`stored.${proto}`] >= n) return c;
    await sleep(50);
  }
  throw new Error(`only ${c[`stored.${proto}`]} of ${n} ${proto} messages stored`);
}

function sendUdp(port, buffers) {
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket('udp4');
    let i = 0;
    const next = (err) => {
      if (err) { sock.close(); reject(err); return; }
      if (i === buffers.length) { sock.close(); resolve(); return; }
      sock.send(buffers[i++], port, '127.0.0.1', next);
    };
    next();
  });
}

/** Writes each chunk in turn with a pause between (so they arrive as separate reads), ends the
 * stream and resolves once everything is handed to the kernel and the connection is closed. */
function sendTcp(port, chunks, { pauseMs = 0 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.on('error', reject);
    sock.on('connect', async () => {
      for (const c of chunks) {
        if (!sock.write(c)) await new Promise((r) => sock.once('drain', r));
        if (pauseMs) await sleep(pauseMs);
      }
      sock.end(() => resolve());
    });
  });
}

const hex = (b) => Buffer.from(b).toString('hex').toUpperCase();

let srv;
let ports;
before(async () => {
  srv = await startServer({ env: { XINAN_SYSLOG_UDP: '127.0.0.1:0', XINAN_SYSLOG_TCP: '127.0.0.1:0' } });
  ports = await syslogPorts(srv);
});
after(async () => { await srv.stop(); srv.cleanup(); });

const udpSent = [
  Buffer.from('<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application"] \xEF\xBB\xBFAn application event', 'latin1'),
  Buffer.from('<34>Oct 11 22:14:15 mymachine su[42]: \'su root\' failed for lonvick\n'),
  Buffer.from([0xff, 0x00, 0x3c, 0xfe, 0x80, 0x61, 0xc0, 0xaf]),
  Buffer.alloc(0),
  Buffer.concat([Buffer.from('<14>1 - big app - - - '), Buffer.alloc(60000 - 22, 0x7a)]),
];

test('UDP datagrams are stored with their raw bytes and parsed fields (AUD-5)', async () => {
  await sendUdp(ports.udp, udpSent);
  await waitStored(srv, 'udp', udpSent.length);
  const got = rows(srv.db, "hex(raw) AS raw, length(raw) AS len, format, parse_error, truncated, utf8_replaced, facility, severity, ts_text, ts_us, hostname, app, procid, msgid, sd, msg, src_addr, proto, recv_us, id", "proto = 'udp'");
  assert.equal(got.length, udpSent.length);
  for (let i = 0; i < udpSent.length; i++) {
    assert.equal(got[i].raw, hex(udpSent[i]), `datagram ${i} raw bytes`);
    assert.equal(got[i].src_addr, '127.0.0.1');
  }
  const [r5424, r3164, bin, empty, big] = got;
  assert.deepEqual(
    [r5424.format, r5424.parse_error, r5424.facility, r5424.severity, r5424.hostname, r5424.app, r5424.procid, r5424.msgid, r5424.msg],
    ['5424', 0, 20, 5, 'mymachine.example.com', 'evntslog', null, 'ID47', 'An application event'],
  );
  assert.equal(r5424.ts_text, '2003-10-11T22:14:15.003Z');
  assert.equal(r5424.ts_us, Date.UTC(2003, 9, 11, 22, 14, 15, 3) * 1000);
  assert.equal(r5424.sd, '[exampleSDID@32473 iut="3" eventSource="Application"]');
  assert.deepEqual(
    [r3164.format, r3164.parse_error, r3164.facility, r3164.severity, r3164.ts_text, r3164.hostname, r3164.app, r3164.procid, r3164.msg],
    ['3164', 0, 4, 2, 'Oct 11 22:14:15', 'mymachine', 'su', '42', "'su root' failed for lonvick"],
  );
  assert.deepEqual([bin.format, bin.parse_error, bin.utf8_replaced, bin.facility], ['unknown', 1, 1, null]);
  assert.equal(bin.msg, '\uFFFD\uFFFD<\uFFFD\uFFFDa\uFFFD\uFFFD'); // text is valid UTF-8; raw keeps the bytes
  assert.deepEqual([empty.len, empty.format, empty.parse_error, empty.msg], [0, 'unknown', 1, null]);
  assert.deepEqual([big.len, big.truncated, big.parse_error, big.hostname], [60000, 0, 0, 'big']);
  assert.equal(big.msg.length, 60000 - 22);
});

/** An octet-counted frame (RFC 6587 3.4.1). */
const oct = (m) => `${Buffer.byteLength(m)} ${m}`;
const head = '<13>1 - h1 app - - - ';
const longLen = 70000;
const four = `${head}four four`;
const tcpChunks = [
  // Newline framing and octet counting, one message each, in one write.
  `${head}one\n${oct(`${head}two`)}`,
  // A line split over three reads.
  '<13>Nov 21 10:00:00 h2 sshd[7]: th', 'ree is spli', 't\r\n',
  // An octet-counted frame split inside its length and inside its body.
  '3', `0 ${four.slice(0, 26)}`, four.slice(26),
  // Over-long: an octet-counted frame holding newlines, and a line; each is followed by a
  // message that must arrive intact.
  `${longLen} ${(head + 'L\n'.repeat(longLen)).slice(0, longLen)}`,
  `${head}five\n`,
  `${head}${'N'.repeat(longLen)}\n`,
  oct('<13>no-pri'),
  'not syslog at all\n',
  Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0xff, 0xfe, 0x00, 0x0a]), // binary in a line
  `${head}last line without LF`,
];

test('TCP streams: both framings per message, split reads, over-long messages cut, framing kept', async () => {
  assert.equal(Buffer.byteLength(four), 30);
  await sendTcp(ports.tcp, tcpChunks, { pauseMs: 30 });
  const expected = 11;
  await waitStored(srv, 'tcp', expected);
  const got = rows(srv.db, 'length(raw) AS len, hex(substr(raw, 1, 24)) AS head, truncated, parse_error, utf8_replaced, format, msg, hostname, app', "proto = 'tcp'");
  assert.equal(got.length, expected);
  assert.deepEqual(got.map((r) => (r.truncated ? `[cut ${r.len}]` : r.msg)), [
    'one', 'two', 'three is split', 'four four',
    '[cut 65536]', 'five', '[cut 65536]',
    'no-pri', 'not syslog at all', '\uFFFD\uFFFD', 'last line without LF',
  ]);
  assert.equal(got[2].hostname, 'h2');
  assert.equal(got[2].app, 'sshd');
  assert.equal(got[4].head, hex(`${head}L\nL`));
  assert.equal(got[6].head, hex(`${head}NNN`));
  assert.deepEqual([got[8].format, got[8].parse_error], ['unknown', 1]);
  assert.deepEqual([got[9].format, got[9].utf8_replaced, got[9].parse_error], ['3164', 1, 0]);
});

test('senders that are not registered devices are stored with known = 0 and listed as unknown', async () => {
  const total = rows(srv.db, 'count(*) AS n').reduce((a, r) => a + r.n, 0);
  assert.ok(total >= udpSent.length);
  assert.equal(rows(srv.db, 'known', 'known <> 0').length, 0);
  const src = sqliteRows(srv.db, "SELECT address, registered, count, first_seen, last_seen FROM syslog_source");
  assert.equal(src.length, 1);
  assert.deepEqual([src[0].address, src[0].registered, src[0].count], ['127.0.0.1', 0, total]);
  assert.ok(src[0].first_seen <= src[0].last_seen);
  assert.match(srv.logs(), /event=syslog\.unknown_source address=127\.0\.0\.1/);
});

test('/metrics counts received, stored, dropped, parse errors and truncations per protocol', async () => {
  const c = await counters(srv);
  assert.equal(c['received.udp'], udpSent.length);
  assert.equal(c['stored.udp'], udpSent.length);
  assert.equal(c['dropped.udp'], 0);
  assert.equal(c['parse_errors.udp'], 2); // binary and empty
  assert.equal(c['truncated.udp'], 0);
  assert.equal(c['received.tcp'], 11);
  assert.equal(c['stored.tcp'], 11);
  assert.equal(c['dropped.tcp'], 0);
  assert.equal(c['truncated.tcp'], 2);
  assert.equal(c['parse_errors.tcp'], rows(srv.db, 'id', "proto = 'tcp' AND parse_error = 1").length);
  const r = await request(srv.url, '/metrics');
  assert.match(r.body, /^xinan_syslog_queue_messages 0$/m);
  assert.match(r.body, /^xinan_syslog_tcp_connections \d+$/m);
});

test('a stop (SIGTERM) stores every message a TCP sender finished sending', async () => {
  const s = await startServer({ env: { XINAN_SYSLOG_TCP: '127.0.0.1:0' } });
  try {
    const { tcp, udp } = await syslogPorts(s);
    assert.equal(udp, 0);
    const n = 20000;
    const lines = [];
    for (let i = 0; i < n; i++) {
      const m = `<14>1 2026-11-21T10:00:00.000+08:00 web01 nginx ${i} - - GET /index.html?id=${i} 200`;
      lines.push(i % 2 ? `${Buffer.byteLength(m)} ${m}` : `${m}\n`);
    }
    await sendTcp(tcp, [lines.join('')]);
    assert.equal(await s.stop(), 0);
    const got = rows(s.db, 'count(*) AS n, count(DISTINCT procid) AS ids');
    assert.equal(got.reduce((a, r) => a + r.n, 0), n);
    assert.match(s.logs(), new RegExp(`event=syslog\\.stopped stored=${n} dropped=0`));
  } finally {
    await s.stop();
    s.cleanup();
  }
});

test('a syslog port already in use is a clear start-up error', () => {
  const dir = tempDir();
  const r = runXinan(['serve', '--listen', '127.0.0.1:0', '--db', join(dir, 'x.db')], {
    cwd: dir,
    env: { XINAN_SYSLOG_TCP: `127.0.0.1:${srv.port}` },
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /cannot listen for syslog on tcp 127\.0\.0\.1:\d+: Address already in use/);
  const bad = runXinan(['serve', '--listen', '127.0.0.1:0', '--db', join(dir, 'x.db')], {
    cwd: dir,
    env: { XINAN_SYSLOG_UDP: 'no-port' },
  });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /XINAN_SYSLOG_UDP/);
});
