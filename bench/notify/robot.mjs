// A fake group robot on loopback: answers every POST with {"errcode":0} and counts what it got
// by delivery key (X-Xinan-Delivery) and by the message's sequence number in its text.
// Prints "listening PORT" once bound; GET /stats answers the counts and the receipt times.
import http from 'node:http';

const keys = new Map();
const seqs = new Map();
let received = 0;
let firstMs = 0;
let lastMs = 0;

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/stats') {
    let dupKeys = 0;
    for (const n of keys.values()) if (n > 1) dupKeys += n - 1;
    let dupSeqs = 0;
    for (const n of seqs.values()) if (n > 1) dupSeqs += n - 1;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ received, unique_keys: keys.size, duplicate_keys: dupKeys,
      unique_seqs: seqs.size, duplicate_seqs: dupSeqs, first_ms: firstMs, last_ms: lastMs }));
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const now = Date.now();
    if (!firstMs) firstMs = now;
    lastMs = now;
    received++;
    const key = req.headers['x-xinan-delivery'] || '';
    keys.set(key, (keys.get(key) || 0) + 1);
    const m = /第 (\d+) 条基准消息/.exec(Buffer.concat(chunks).toString('utf8'));
    const seq = m ? m[1] : '';
    seqs.set(seq, (seqs.get(seq) || 0) + 1);
    res.setHeader('content-type', 'application/json');
    res.end('{"errcode":0,"errmsg":"ok"}');
  });
});
server.keepAliveTimeout = 60000;
server.listen(0, '127.0.0.1', () => console.log(`listening ${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
