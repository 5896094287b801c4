// One label table (audit/labels.c) names every code for the UI and the exports: every audit
// action written anywhere in src/ has a Chinese name, the exports carry the names, and the
// workbench (/api/workbench) shows an approver what waits for them.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from '../lib/server.mjs';
import { Client, adminClient, userClient, appointedClient } from '../lib/session.mjs';

const SRC = new URL('../../src', import.meta.url).pathname;

function cFiles(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) cFiles(p, out);
    else if (p.endsWith('.c')) out.push(p);
  }
  return out;
}

/**
 * The "room.verb" codes in the C sources that can be audit actions: every such string literal,
 * less the event names of log lines (xn_log_event and the receiver's log_count), SQL column
 * names (l.action …) and file names. Permissions count too (a refusal is recorded under the
 * permission it lacked).
 */
function auditActions() {
  const codes = new Set();
  const logEvents = new Set();
  for (const f of cFiles(SRC)) {
    const text = readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '');
    for (const m of text.matchAll(/(?:xn_log_event|log_count)\s*\(([^;]*?)\)\s*;/gs)) {
      const event = m[1].split(',')[2] || '';
      for (const s of event.matchAll(/"([a-z]+\.[a-z_]+)"/g)) logEvents.add(s[1]);
    }
    for (const m of text.matchAll(/"([a-z]+\.[a-z_]+)"/g)) codes.add(m[1]);
  }
  // file names are not actions
  return [...codes].filter((c) => !logEvents.has(c) && !c.startsWith('l.') && !/\.(conf|html|pub|sig|pdf)$/.test(c)).sort();
}

let server;
let admin;
let sec;
let auditor;

before(async () => {
  server = await startServer();
  admin = await adminClient(server);
  // the auditor first: once a security administrator exists, appointments wait for approval
  auditor = await appointedClient(server, admin, 'labelaud', 'auditor', { realName: '孙红' });
  sec = await appointedClient(server, admin, 'labelsec', 'secadmin', { realName: '赵敏' });
});
after(async () => { await server.stop(); });

test('every audit action used in src/ has a Chinese name in the one label table', async () => {
  const r = await admin.call('GET', '/api/labels');
  assert.equal(r.status, 200, r.body);
  const { action, permission } = r.json;
  const actions = auditActions();
  assert.ok(actions.includes('auth.login') && actions.includes('audit.search') && actions.includes('lexicon.import'));
  const missing = actions.filter((a) => !(action[a] || permission[a]));
  assert.deepEqual(missing, [], `actions without a label: ${missing.join(' ')}`);
  for (const a of Object.values(action)) assert.match(a['zh-CN'], /[\u4e00-\u9fff]/);
  assert.equal(r.json.result.ok['zh-CN'], '成功');
  assert.equal(r.json.result.denied['zh-CN'], '拒绝');
  assert.equal(r.json.object.user['zh-CN'], '用户');
  assert.equal(r.json.severity['3']['zh-CN'], '错误');
  // signed out: no labels
  assert.equal((await new Client(server.url).call('GET', '/api/labels')).status, 401);
});

test('the CSV export names actions, object types and results in Chinese', async () => {
  await new Client(server.url).login('nobody', 'Wrong-password-1');
  const r = await auditor.call('GET', '/api/audit/export?format=csv');
  assert.equal(r.status, 200, r.body);
  assert.match(r.body, /登录（auth\.login）/);
  assert.match(r.body, /,拒绝,/);
  assert.match(r.body, /,成功,/);
  assert.match(r.body, /,用户,/);
  assert.doesNotMatch(r.body, /,denied,|,ok,/);
});

test('the workbench shows an approver the request waiting for them', async () => {
  const x = await userClient(server, admin, 'wbx', { realName: '张三' });
  let r = await sec.call('GET', '/api/workbench');
  assert.equal(r.status, 200, r.body);
  const before = r.json.cards.find((c) => c.kind === 'requests');
  assert.ok(before, JSON.stringify(r.json));
  r = await admin.call('POST', `/api/users/${x.id}/roles`, { role: 'editor', reason: '录入' });
  assert.equal(r.status, 201, r.body);
  r = await sec.call('GET', '/api/workbench');
  const card = r.json.cards.find((c) => c.kind === 'requests');
  assert.equal(card.count, before.count + 1);
  assert.equal(card.link, '/accounts/requests');
  assert.ok(card.items.some((i) => i.title.includes('张三 (wbx)') && i.title.includes('信息员')), JSON.stringify(card));
  const bell = r.json.cards.find((c) => c.kind === 'notifications');
  assert.ok(bell.count >= 1);
  assert.ok(r.json.cards.some((c) => c.kind === 'status' && c.source), 'administrators see the status card');
  // the requester has nothing to decide; an ordinary person sees no status card
  r = await x.call('GET', '/api/workbench');
  assert.equal(r.json.cards.find((c) => c.kind === 'requests').count, 0);
  assert.ok(!r.json.cards.some((c) => c.kind === 'status'));
});
