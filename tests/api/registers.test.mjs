// Registers (台账, LED-1..11, ORG-3) through the API: definitions, create with every value
// checked and named in Chinese, unique addresses among devices in use, edits with a reason and
// their history field by field, LED-4 transitions (a secret device never goes out for repair,
// lending with a return date flagged when overdue, disposal with a wiper and a different
// witness freeing the address), filters, search and paging, CSV export with formulas
// defused, and who may read and write which register (设备管理员, 安全管理员, others).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, tempDir, auditRows, sqliteRows, request } from '../lib/server.mjs';
import { adminClient, appointedClient, userClient, STRONG, grantedClient } from '../lib/session.mjs';

let server; let admin; let sec; let dev; let staff; let clockFile; let offset = 0;
const moveClock = (s) => { offset += s; writeFileSync(clockFile, String(offset)); };

const withRole = (account, role, realName) => grantedClient(server, admin, sec, account, role, { realName });

before(async () => {
  const dir = tempDir();
  clockFile = join(dir, 'clock');
  writeFileSync(clockFile, '0');
  server = await startServer({ dir, env: { XINAN_TEST_CLOCK: clockFile } });
  admin = await adminClient(server);
  sec = await appointedClient(server, admin, 'sec1', 'secadmin', { realName: '安全员' });
  dev = await withRole('dev1', 'device_admin', '设备员');
  staff = await userClient(server, admin, 'staff1', { realName: '普通人' });
});
after(async () => { await server.stop(); });

const device = (over = {}) => ({ asset_no: `ZC-${Math.random().toString(36).slice(2, 8)}`, type: 'pc', model: '联想 启天 M437', ip: '10.1.1.10', mac: '00-1A-2B-3C-4D-5E', location: '三楼 305', user: dev.id, secret: 'no', ...over });

test('the definitions: every register the regulations demand, with its fields and who may write', async () => {
  const defs = (await dev.call('GET', '/api/registers')).json;
  assert.deepEqual(defs.map((d) => d.key).sort(), ['devices', 'filings', 'letters', 'media', 'new_media', 'products', 'service_requests', 'systems', 'trainings', 'vendors', 'visitors']);
  const devices = defs.find((d) => d.key === 'devices');
  assert.equal(devices.name, '设备台账');
  assert.equal(devices.can_write, true);
  assert.equal(defs.find((d) => d.key === 'vendors').can_write, false);
  const ip = devices.fields.find((f) => f.key === 'ip');
  assert.equal(ip.type, 'ipv4');
  assert.equal(ip.unique, true);
  assert.ok(devices.transitions.some((t) => t.key === 'dispose' && t.requires.includes('wipe_witness')));
  assert.deepEqual((await staff.call('GET', '/api/registers')).json, []);
  assert.equal((await staff.call('GET', '/api/registers/devices/rows')).status, 404);
});

test('LED-1: values checked and named, addresses unique among devices in use', async () => {
  let r = await dev.call('POST', '/api/registers/devices/rows', device());
  assert.equal(r.status, 201, r.body);
  const id = r.json.id;
  r = await dev.call('GET', `/api/registers/devices/rows/${id}`);
  assert.equal(r.json.mac, '00:1a:2b:3c:4d:5e', 'MAC in one canonical form');
  assert.equal(r.json.labels.type, '台式计算机');
  // AUD-1: the creation's history and its one audit record carry the same changes
  const hist = (await dev.call('GET', `/api/registers/devices/rows/${id}/history`)).json;
  assert.equal(hist.length, 1);
  assert.ok(hist[0].changes.some((c) => c.field === 'ip' && c.before === null && c.after === '10.1.1.10'), JSON.stringify(hist));
  const rec = auditRows(server.db, 'register.create').filter((a) => String(a.object_id) === String(id));
  assert.equal(rec.length, 1);
  assert.deepEqual(JSON.parse(rec[0].detail).changes, hist[0].changes);
  for (const [over, field] of [
    [{ ip: '10.1.1.300' }, 'ip'], [{ ip: '2001:db8::1' }, 'ip'], [{ mac: '00:1A:2B:3C:4D' }, 'mac'],
    [{ mac: 'ff:ff:ff:ff:ff:ff' }, 'mac'], [{ type: 'spaceship' }, 'type'], [{ user: 99999 }, 'user'],
    [{ asset_no: '' }, 'asset_no'], [{ colour: 'red' }, 'colour'], [{ secret: 'maybe' }, 'secret'],
    [{ borrower: dev.id }, 'borrower'],
  ]) {
    r = await dev.call('POST', '/api/registers/devices/rows', device({ ip: '10.1.1.99', mac: '00:00:00:00:00:99', ...over }));
    assert.equal(r.status, 400, `${field}: ${r.body}`);
    assert.equal(r.json.error.field, field);
    assert.match(r.json.error.message, /[\u4e00-\u9fff]/);
  }
  r = await dev.call('POST', '/api/registers/devices/rows', device({ mac: '00:1a:2b:3c:4d:5f' }));
  assert.equal(r.status, 409, r.body);
  assert.equal(r.json.error.field, 'ip');
  r = await dev.call('POST', '/api/registers/devices/rows', device({ ip: '10.1.1.11', mac: '00:1A:2B:3C:4D:5E' }));
  assert.equal(r.status, 409);
  assert.equal(r.json.error.field, 'mac');
  const n = sqliteRows(server.db, "SELECT count(*) AS n FROM register_row WHERE reg = 'devices'")[0].n;
  assert.equal(n, 1, 'nothing stored by the refusals');
  // the security administrator reads the devices but does not keep them
  assert.equal((await sec.call('GET', '/api/registers/devices/rows')).status, 200);
  r = await sec.call('POST', '/api/registers/devices/rows', device({ ip: '10.1.1.12', mac: '00:00:00:00:00:12' }));
  assert.equal(r.status, 403);
});

test('LED-4: edits need a reason and are kept field by field; repair, lending, return and disposal', async () => {
  let r = await dev.call('POST', '/api/registers/devices/rows', device({ ip: '10.2.0.1', mac: '02:00:00:00:00:01', secret: 'yes', model: '涉密笔记本' }));
  const secret = r.json.id;
  r = await dev.call('POST', '/api/registers/devices/rows', device({ ip: '10.2.0.2', mac: '02:00:00:00:00:02' }));
  const id = r.json.id;
  assert.equal((await dev.call('PATCH', `/api/registers/devices/rows/${id}`, { location: '四楼 401' })).status, 400);
  r = await dev.call('PATCH', `/api/registers/devices/rows/${id}`, { location: '四楼 401', reason: '办公室调整' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.location, '四楼 401');
  // a secret device never goes out for repair
  r = await dev.call('POST', `/api/registers/devices/rows/${secret}/transition`, { to: 'repair', repair_vendor: '某维修公司', repair_data: '拆除硬盘后送修' });
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json.error.field, 'secret');
  // lending needs the borrower and the date
  r = await dev.call('POST', `/api/registers/devices/rows/${id}/transition`, { to: 'lend', borrower: staff.id });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'return_date');
  r = await dev.call('POST', `/api/registers/devices/rows/${id}/transition`, { to: 'lend', borrower: staff.id, return_date: '2026-12-20' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.state, 'lent');
  assert.deepEqual(r.json.flags, []);
  // overdue once the return date has passed: flagged on the row and for the home page
  moveClock(30 * 86400);
  r = await dev.call('GET', `/api/registers/devices/rows/${id}`);
  assert.match(r.json.flags[0], /借出逾期未还/);
  const flags = (await dev.call('GET', '/api/registers/flags')).json.items;
  assert.ok(flags.some((f) => f.register === 'devices' && f.id === id));
  r = await dev.call('POST', `/api/registers/devices/rows/${id}/transition`, { to: 'dispose', wipe_by: dev.id, wipe_witness: dev.id, wipe_date: '2027-01-05' });
  assert.equal(r.status, 409, 'a lent device is returned first');
  assert.equal((await dev.call('POST', `/api/registers/devices/rows/${id}/transition`, { to: 'return' })).status, 200);
  r = await dev.call('POST', `/api/registers/devices/rows/${id}/transition`, { to: 'dispose', wipe_by: dev.id, wipe_witness: dev.id, wipe_date: '2027-01-05' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'wipe_witness');
  r = await dev.call('POST', `/api/registers/devices/rows/${id}/transition`, { to: 'dispose', wipe_by: dev.id, wipe_witness: staff.id, wipe_date: '2027-01-05' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.state, 'disposed');
  moveClock(-30 * 86400);
  // the disposed device's address is free for a new one
  r = await dev.call('POST', '/api/registers/devices/rows', device({ ip: '10.2.0.2', mac: '02:00:00:00:00:02' }));
  assert.equal(r.status, 201, r.body);
  // the history: create, the edit with its reason, lend, return, dispose
  const h = (await sec.call('GET', `/api/registers/devices/rows/${id}/history`)).json;
  assert.deepEqual(h.map((e) => e.kind), ['create', 'update', 'transition', 'transition', 'transition']);
  assert.equal(h[1].reason, '办公室调整');
  assert.equal(h[1].actor, '设备员');
  assert.deepEqual(h[1].changes, [{ field: 'location', before: '三楼 305', after: '四楼 401' }]);
  assert.ok(h[4].changes.some((c) => c.field === 'state' && c.before === 'in_use' && c.after === 'disposed'));
  assert.ok(auditRows(server.db, 'register.transition').length >= 3);
});

test('filters, Chinese search and cursor paging', async () => {
  for (let i = 0; i < 5; i++)
    assert.equal((await dev.call('POST', '/api/registers/devices/rows', device({ ip: `10.9.0.${i + 1}`, mac: `02:00:00:00:09:0${i + 1}`, location: i % 2 ? '档案室' : '机房', type: i % 2 ? 'printer' : 'server' }))).status, 201);
  let r = await dev.call('GET', '/api/registers/devices/rows?ip=10.9.0.3');
  assert.equal(r.json.rows.length, 1);
  assert.equal(r.json.rows[0].ip, '10.9.0.3');
  r = await dev.call('GET', `/api/registers/devices/rows?q=${encodeURIComponent('档案')}`);
  assert.equal(r.json.rows.length, 2);
  r = await dev.call('GET', `/api/registers/devices/rows?q=${encodeURIComponent('打印机')}`);
  assert.equal(r.json.rows.length, 2, 'enum labels are searched');
  r = await dev.call('GET', '/api/registers/devices/rows?type=server&limit=2');
  assert.equal(r.json.rows.length, 2);
  assert.ok(r.json.next);
  const r2 = await dev.call('GET', `/api/registers/devices/rows?type=server&limit=2&after=${r.json.next}`);
  assert.ok(r2.json.rows.length >= 1);
  assert.ok(r2.json.rows.every((x) => x.id < r.json.next && x.type === 'server'));
  assert.equal((await dev.call('GET', '/api/registers/devices/rows?ip=not-an-ip')).status, 400);
  assert.equal((await dev.call('GET', '/api/registers/devices/rows?limit=0')).status, 400);
});

test('other registers: visits signed out, filings on .gov.cn, one new-media account per unit and platform, CSV with formulas defused', async () => {
  let r = await dev.call('POST', '/api/registers/visitors/rows', { visitor: '王工', unit: '某运维公司', purpose: '更换硬盘', approver: dev.id, escort: staff.id, time_in: '2026-12-06 09:30' });
  assert.equal(r.status, 201, r.body);
  const v = r.json.id;
  assert.ok((await dev.call('GET', '/api/registers/flags')).json.items.some((f) => f.register === 'visitors' && f.id === v));
  assert.equal((await dev.call('POST', `/api/registers/visitors/rows/${v}/transition`, { to: 'sign_out' })).status, 400);
  r = await dev.call('POST', `/api/registers/visitors/rows/${v}/transition`, { to: 'out', time_out: '2026-12-06 11:00:00' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.time_out, '2026-12-06 11:00:00');

  r = await sec.call('POST', '/api/registers/trainings/rows', { date: '2026-11-30', topic: '网络安全意识', trainer: '张老师', attendees: '=HYPERLINK("http://evil","点我")', hours: 2.5 });
  assert.equal(r.status, 201, r.body);
  const csv = await request(server.url, '/api/registers/trainings/export?format=csv', { headers: { Cookie: sec.cookie } });
  assert.equal(csv.status, 200);
  assert.ok(csv.raw.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf])));
  assert.match(csv.body, /编号,状态,培训日期,培训主题/);
  assert.match(csv.body, /"'=HYPERLINK\(""http:\/\/evil"",""点我""\)"/);
  assert.doesNotMatch(csv.body, /,=HYPERLINK/);

  // network registers belong to the network administrator
  assert.equal((await sec.call('POST', '/api/registers/filings/rows', { kind: 'domain', domain: 'www.example.gov.cn', filing_no: '皖ICP备00000001号' })).status, 403);
  const net = await withRole('net1', 'network_admin', '网管员');
  r = await net.call('POST', '/api/registers/filings/rows', { kind: 'domain', domain: 'www.example.com', filing_no: '皖ICP备00000001号' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'domain');
  r = await net.call('POST', '/api/registers/filings/rows', { kind: 'domain', domain: 'WWW.Example.GOV.cn', filing_no: '皖ICP备00000001号' });
  assert.equal(r.status, 201, r.body);
  assert.equal((await net.call('GET', `/api/registers/filings/rows/${r.json.id}`)).json.domain, 'www.example.gov.cn');
  r = await net.call('POST', '/api/registers/systems/rows', { name: '门户网站系统', level: '3', owner: net.id, admin1: net.id });
  assert.equal(r.status, 201, r.body);
  assert.ok((await net.call('GET', '/api/registers/flags')).json.items.some((f) => f.register === 'systems' && /不足两人/.test(f.flag)), 'ORG-2');

  const root = (await admin.call('GET', '/api/org')).json.items[0].id;
  r = await sec.call('POST', '/api/registers/new_media/rows', { platform: 'wechat', account: '某区发布', unit: root, keeper: staff.id });
  assert.equal(r.status, 201, r.body);
  r = await sec.call('POST', '/api/registers/new_media/rows', { platform: 'wechat', account: '某区发布二', unit: root, keeper: staff.id });
  assert.equal(r.status, 409);
  assert.equal(r.json.error.field, 'platform');
  r = await sec.call('POST', '/api/registers/new_media/rows', { platform: 'weibo', account: '某区发布', unit: 99999, keeper: staff.id });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'unit');
});

test('the home page carries the registers\' flags for those who read them', async () => {
  const cards = (await dev.call('GET', '/api/workbench')).json.cards;
  const card = cards.find((c) => c.kind === 'registers');
  assert.ok(card && card.count >= 1, JSON.stringify(cards.map((c) => c.kind)));
  assert.ok(card.items.every((i) => i.link.startsWith('/ledgers?r=')));
  assert.ok(!(await staff.call('GET', '/api/workbench')).json.cards.some((c) => c.kind === 'registers'));
});

test('LED-6, OBL: a filing changed is due again 5 working days later by the holiday calendar, estimated where no year is known', async () => {
  const net = await withRole('net2', 'network_admin', '网管二');
  const want = (await net.call('GET', '/api/calendar/workdays?from=2026-09-30&n=5')).json;
  let r = await net.call('POST', '/api/registers/filings/rows', { kind: 'ip', address: '202.96.1.0/24', filing_no: '备2026-001', changed_on: '2026-09-30' });
  assert.equal(r.status, 201, r.body);
  let row = (await net.call('GET', `/api/registers/filings/rows/${r.json.id}`)).json;
  assert.equal(row.refile_by, want.date, 'the National Day holidays do not count');
  assert.equal(row.refile_estimated, 'no');
  assert.notEqual(want.date, '2026-10-07', 'a plain Monday-to-Friday count would say 2026-10-07');
  // a year the calendar does not know: counted Monday to Friday and marked
  r = await net.call('PATCH', `/api/registers/filings/rows/${r.json.id}`, { changed_on: '2031-03-03', reason: '变更 IP 段' });
  assert.equal(r.status, 200, r.body);
  assert.equal(r.json.refile_by, '2031-03-10');
  assert.equal(r.json.refile_estimated, 'yes');
  // the deadline is computed, never entered
  r = await net.call('POST', '/api/registers/filings/rows', { kind: 'ip', address: '202.96.2.0/24', filing_no: '备2026-002', refile_by: '2099-01-01' });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'refile_by');
});
