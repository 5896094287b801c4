// Retiring register rows (LED, retention): a reason is required; a retired row leaves the lists
// and frees its unique values, its history stays; it is deleted only after its register's
// retention (5 years for devices), by the purge job on the rules' clock, each deletion audited.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, tempDir, waitFor, auditRows, sqlite, request } from '../lib/server.mjs';
import { adminClient, appointedClient, grantedClient } from '../lib/session.mjs';

let server; let admin; let dev; let dev2; let staff; let clockFile;

before(async () => {
  const dir = tempDir();
  clockFile = join(dir, 'clock');
  writeFileSync(clockFile, '0');
  server = await startServer({ dir, env: { XINAN_TEST_CLOCK: clockFile } });
  admin = await adminClient(server);
  const sec = await appointedClient(server, admin, 'sec1', 'secadmin');
  dev = await grantedClient(server, admin, sec, 'dev1', 'device_admin', { realName: '设备员' });
  staff = await grantedClient(server, admin, sec, 'net1', 'network_admin', { realName: '网络员' });
  dev2 = await grantedClient(server, admin, sec, 'dev2', 'device_admin', { realName: '设备员二' });
});

after(async () => { await server.stop(); });

test('a change of a four-eyes field waits for a second keeper; the asker cannot approve it', async () => {
  let r = await dev.call('POST', '/api/registers/devices/rows', { asset_no: 'ZC-0200', type: 'laptop', ip: '10.0.2.1', mac: '02:00:00:00:02:01', location: '办公室', secret: 'no' });
  const id = r.json.id;
  const defs = await dev.call('GET', '/api/registers');
  const devices = (defs.json.items || defs.json).find((x) => x.key === 'devices');
  assert.equal(devices.fields.find((f) => f.key === 'secret').four_eyes, true);
  // an ordinary field: applied at once
  r = await dev.call('PATCH', `/api/registers/devices/rows/${id}`, { location: '机要室', reason: '搬迁' });
  assert.equal(r.status, 200, r.body);
  // the secret marking: waits
  r = await dev.call('PATCH', `/api/registers/devices/rows/${id}`, { secret: 'yes', reason: '改作涉密笔记本' });
  assert.equal(r.status, 202, r.body);
  const pending = r.json.pending_id;
  r = await dev.call('GET', `/api/registers/devices/rows/${id}`);
  assert.equal(r.json.secret, 'no', 'not applied yet');
  r = await dev.call('POST', `/api/registers/devices/pending/${pending}/decide`, { approve: true });
  assert.equal(r.status, 403, 'the asker cannot approve');
  assert.equal(r.json.error.code, 'own_change');
  r = await staff.call('POST', `/api/registers/devices/pending/${pending}/decide`, { approve: true });
  assert.equal(r.status, 403, 'not a keeper of the register');
  r = await dev2.call('POST', `/api/registers/devices/pending/${pending}/decide`, { approve: true });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.items.find((p) => p.id === pending).state, 'approved');
  r = await dev.call('GET', `/api/registers/devices/rows/${id}`);
  assert.equal(r.json.secret, 'yes');
  const hist = await dev.call('GET', `/api/registers/devices/rows/${id}/history`);
  assert.ok(hist.json.some((h) => /设备员提出，设备员二复核/.test(h.reason || '')), JSON.stringify(hist.json));
  r = await dev2.call('POST', `/api/registers/devices/pending/${pending}/decide`, { approve: false });
  assert.equal(r.status, 409, 'decided once');
});

test('an evidence file on a row: listed with the row, on its history; a second time refused', async () => {
  let r = await dev.call('POST', '/api/registers/devices/rows', { asset_no: 'ZC-0100', type: 'server', ip: '10.0.1.1', mac: '02:00:00:00:01:01', location: '机房', secret: 'no' });
  const id = r.json.id;
  const headers = { Cookie: dev.cookie, 'X-CSRF-Token': dev.csrf, 'Content-Type': 'application/octet-stream', 'X-Filename': encodeURIComponent('维修单.txt') };
  const up = await request(server.url, '/api/files', { method: 'POST', headers, body: '2026-12-01 更换电源\n' });
  assert.equal(up.status, 201, up.body);
  const fid = JSON.parse(up.body).id;
  r = await dev.call('POST', `/api/registers/devices/rows/${id}/attachments`, { file_id: 999999 });
  assert.equal(r.status, 400);
  r = await staff.call('POST', `/api/registers/devices/rows/${id}/attachments`, { file_id: fid });
  assert.equal(r.status, 403);
  r = await dev.call('POST', `/api/registers/devices/rows/${id}/attachments`, { file_id: fid, note: '维修记录' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.attachments.length, 1);
  assert.equal(r.json.attachments[0].name, '维修单.txt');
  r = await dev.call('POST', `/api/registers/devices/rows/${id}/attachments`, { file_id: fid });
  assert.equal(r.status, 409);
  const hist = await dev.call('GET', `/api/registers/devices/rows/${id}/history`);
  assert.ok(hist.json.some((h) => h.kind === 'attach'));
});

test('a retired device leaves the lists, frees its IP and keeps its history; purged only after its retention', async () => {
  let r = await dev.call('POST', '/api/registers/devices/rows', { asset_no: 'ZC-0001', type: 'pc', ip: '10.0.0.8', mac: '02:00:00:00:00:08', location: '机房', secret: 'no' });
  assert.equal(r.status, 201, r.body);
  const id = r.json.id;
  r = await dev.call('POST', `/api/registers/devices/rows/${id}/retire`, {});
  assert.equal(r.status, 400, 'a reason is required');
  r = await staff.call('POST', `/api/registers/devices/rows/${id}/retire`, { reason: '报废' });
  assert.equal(r.status, 403, 'only who keeps the register');
  r = await dev.call('POST', `/api/registers/devices/rows/${id}/retire`, { reason: '已报废并销毁数据' });
  assert.equal(r.status, 200, r.body);
  assert.equal((await dev.call('GET', `/api/registers/devices/rows/${id}`)).status, 404);
  assert.ok(!(await dev.call('GET', '/api/registers/devices/rows')).json.rows.some((x) => x.id === id));
  r = await dev.call('POST', `/api/registers/devices/rows/${id}/retire`, { reason: '再次' });
  assert.equal(r.status, 404, 'retired once');
  // its IP and MAC may be taken again
  r = await dev.call('POST', '/api/registers/devices/rows', { asset_no: 'ZC-0002', type: 'pc', ip: '10.0.0.8', mac: '02:00:00:00:00:08', location: '机房', secret: 'no' });
  assert.equal(r.status, 201, r.body);
  const hist = await dev.call('GET', `/api/registers/devices/rows/${id}/history`);
  assert.equal(hist.status, 200, hist.body);
  assert.ok(JSON.stringify(hist.json).includes('已报废并销毁数据'));

  // four years on: still kept
  writeFileSync(clockFile, String(4 * 365 * 86400));
  await admin.call('POST', '/api/jobs/register.purge/run');
  await new Promise((res) => setTimeout(res, 2500));
  assert.equal(Number(sqlite(server.db, `SELECT count(*) FROM register_row WHERE id = ${id}`)), 1);
  // past five years: deleted, and the deletion is on the trail
  writeFileSync(clockFile, String(6 * 365 * 86400));
  await admin.call('POST', '/api/jobs/register.purge/run');
  await waitFor(() => Number(sqlite(server.db, `SELECT count(*) FROM register_row WHERE id = ${id}`)) === 0, 'purged');
  assert.equal(auditRows(server.db, 'register.purge').length, 1);
  assert.equal(Number(sqlite(server.db, 'SELECT count(*) FROM register_row WHERE retired_at IS NULL')), 3, 'the rows in use stay');
});
