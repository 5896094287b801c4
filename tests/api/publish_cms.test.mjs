// The external CMS target: each publication and withdrawal reaches the CMS's webhook, signed
// (HMAC-SHA256 over timestamp "." body, the notifications' scheme) and carrying the approved
// body; a CMS that fails is retried and its tries are on the delivery log; nothing is sent for
// an item that was never published.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { startServer, tempDir, waitFor } from '../lib/server.mjs';
import { adminClient, appointedClient, grantedClient } from '../lib/session.mjs';

const SECRET = 'cms-shared-secret-测试';
let server; let cms; let received = []; let failNext = 0; let admin; let editor; let rev1; let rev2; let column;

before(async () => {
  cms = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      if (failNext > 0) { failNext--; res.writeHead(500); res.end('busy'); return; }
      received.push({ headers: req.headers, body });
      res.writeHead(200); res.end('{}');
    });
  });
  await new Promise((r) => cms.listen(0, '127.0.0.1', r));
  const dir = tempDir();
  server = await startServer({ dir, env: { XINAN_PUBLISH_SITE_ROOT: join(dir, 'site'), XINAN_PUBLISH_CMS_URL: `http://127.0.0.1:${cms.address().port}/hook`, XINAN_PUBLISH_CMS_SECRET: SECRET } });
  admin = await adminClient(server);
  const sec = await appointedClient(server, admin, 'sec1', 'secadmin');
  editor = await grantedClient(server, admin, sec, 'ed1', 'editor', { realName: '王编辑' });
  rev1 = await grantedClient(server, admin, sec, 'rev1', 'reviewer1', { realName: '刘一审' });
  rev2 = await grantedClient(server, admin, sec, 'rev2', 'reviewer2', { realName: '钱二审' });
  column = (await admin.call('POST', '/api/columns', { name: '通知公告', path: 'tzgg', stale_days: 14 })).json.id;
});

after(async () => {
  await server.stop();
  cms.close();
});

async function approved(title) {
  let r = await editor.call('POST', '/api/content', { title, column_id: column, class: 'A', body_html: '<p>请各单位按时完成。</p>', classified: false });
  const id = r.json.id;
  await editor.call('POST', `/api/content/${id}/submit`);
  r = await rev1.call('POST', `/api/content/${id}/review`, { decision: 'approve' });
  assert.equal(r.json.state, 'approved', r.body);
  return id;
}

test('a publication and a withdrawal reach the CMS, signed, with the approved body', async () => {
  const id = await approved('关于开展网络安全周活动的通知');
  assert.equal(received.length, 0, 'nothing before publication');
  const pub = await editor.call('POST', `/api/content/${id}/publish`, {});
  assert.equal(pub.status, 200, pub.body);
  await waitFor(() => received.length === 1, 'the CMS got the publication');
  const got = received[0];
  const sig = createHmac('sha256', SECRET).update(`${got.headers['x-xinan-timestamp']}.${got.body}`).digest('hex');
  assert.equal(got.headers['x-xinan-signature'], sig);
  assert.match(got.headers['x-xinan-delivery'], /^cms-\d+$/);
  const body = JSON.parse(got.body);
  assert.equal(body.event, 'publish');
  assert.equal(body.id, id);
  assert.equal(body.body_html, pub.json.body_html);
  assert.equal(body.path, pub.json.published_path);
  const w = await rev1.call('POST', `/api/content/${id}/withdraw`, { reason: '活动取消' });
  assert.equal(w.status, 200, w.body);
  await waitFor(() => received.length === 2, 'the CMS got the withdrawal');
  const wb = JSON.parse(received[1].body);
  assert.equal(wb.event, 'withdraw');
  assert.equal(wb.reason, '活动取消');
});

test('a failing CMS is retried and the tries are on the delivery log', async () => {
  failNext = 1;
  const before = received.length;
  const id = await approved('第二篇通知');
  await editor.call('POST', `/api/content/${id}/publish`, {});
  await waitFor(async () => {
    const log = await admin.call('GET', '/api/publish/deliveries');
    return log.json.items.some((d) => d.item_id === id && d.attempts === 1 && d.last_error === 'HTTP 500');
  }, 'the failed try recorded');
  assert.equal(received.length, before, 'not delivered yet');
  assert.equal((await editor.call('GET', '/api/publish/deliveries')).status, 403);
  const log = await admin.call('GET', '/api/publish/deliveries');
  assert.equal(log.json.configured, true);
  assert.equal(log.json.items.find((d) => d.item_id === id).status, 'pending');
});
