// Registers to and from Excel and CSV (LED-1..11): the xlsx export (title with the unit and
// the time, frozen Chinese headers, dates as dates, enum labels, ids first, strings never
// formulas), export → import round trips that change nothing, edits and new rows through a
// file with their history, CSV injection kept as text both ways, and bad files refused whole:
// a bad value among good rows (400 bad_rows naming row and field), too many faults counted,
// zip bombs (declared and real), truncated and non-zip bodies, formula cells, wrong encodings.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { startServer, tempDir, auditRows, sqliteRows, request } from '../lib/server.mjs';
import { adminClient, appointedClient, userClient, grantedClient } from '../lib/session.mjs';

let server; let admin; let sec; let dev; let staff;

before(async () => {
  server = await startServer();
  admin = await adminClient(server);
  sec = await appointedClient(server, admin, 'sec1', 'secadmin', { realName: '安全员' });
  dev = await grantedClient(server, admin, sec, 'dev1', 'device_admin', { realName: '设备员' });
  staff = await userClient(server, admin, 'staff1', { realName: '普通人' });
});
after(async () => { await server.stop(); });

let serial = 0;
const device = (over = {}) => {
  serial++;
  return { asset_no: `ZC-S${serial}`, type: 'pc', model: `联想 启天 M437-${serial}`, ip: `10.50.${serial >> 8}.${serial & 255}`, mac: `02:00:00:50:${(serial >> 8).toString(16).padStart(2, '0')}:${(serial & 255).toString(16).padStart(2, '0')}`, location: '三楼 305', user: dev.id, secret: 'no', ...over };
};
const count = () => sqliteRows(server.db, "SELECT count(*) AS n FROM register_row WHERE reg = 'devices'")[0].n;
const rows = async () => (await dev.call('GET', '/api/registers/devices/rows?limit=500')).json.rows;
const download = async (format) => {
  const r = await request(server.url, `/api/registers/devices/export?format=${format}`, { headers: { Cookie: dev.cookie } });
  assert.equal(r.status, 200, r.body);
  return r;
};
const upload = (format, body, who = dev) => who.call('POST', `/api/registers/devices/import?format=${format}`, body, { 'Content-Type': 'application/octet-stream' });

/** The text of one part of a zip, by the system's unzip. */
function unzipPart(buf, part) {
  const f = join(tempDir(), 'book.xlsx');
  writeFileSync(f, buf);
  const r = spawnSync('unzip', ['-p', f, part], { encoding: 'utf8', maxBuffer: 256 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** A zip of entries [{name, data, declared?}] (deflated), so tests can make any workbook. */
function zip(entries) {
  const locals = []; const central = []; let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const data = Buffer.isBuffer(e.data) ? e.data : Buffer.from(e.data);
    const comp = zlib.deflateRawSync(data);
    const crc = zlib.crc32(data);
    const size = e.declared ?? data.length;
    const lh = Buffer.alloc(30);
    lh.writeUInt32LE(0x04034b50, 0); lh.writeUInt16LE(20, 4); lh.writeUInt16LE(8, 8);
    lh.writeUInt32LE(crc, 14); lh.writeUInt32LE(comp.length, 18); lh.writeUInt32LE(size, 22);
    lh.writeUInt16LE(name.length, 26);
    locals.push(lh, name, comp);
    const ch = Buffer.alloc(46);
    ch.writeUInt32LE(0x02014b50, 0); ch.writeUInt16LE(20, 4); ch.writeUInt16LE(20, 6); ch.writeUInt16LE(8, 10);
    ch.writeUInt32LE(crc, 16); ch.writeUInt32LE(comp.length, 20); ch.writeUInt32LE(size, 24);
    ch.writeUInt16LE(name.length, 28); ch.writeUInt32LE(offset, 42);
    central.push(ch, name);
    offset += 30 + name.length + comp.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0); end.writeUInt16LE(entries.length, 8); end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12); end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const colName = (i) => (i < 26 ? String.fromCharCode(65 + i) : String.fromCharCode(64 + Math.floor(i / 26)) + String.fromCharCode(65 + (i % 26)));

/** A workbook as Excel writes it (shared strings); a cell is a string, a number or {f, v}. */
function workbook(table, { sheetDeclared, sheetData } = {}) {
  const strings = [];
  const sid = (s) => { let i = strings.indexOf(s); if (i < 0) { i = strings.length; strings.push(s); } return i; };
  const body = table.map((row, r) => `<row r="${r + 1}">${row.map((c, i) => {
    const ref = `${colName(i)}${r + 1}`;
    if (c === null || c === undefined || c === '') return '';
    if (typeof c === 'number') return `<c r="${ref}"><v>${c}</v></c>`;
    if (typeof c === 'object') return `<c r="${ref}"><f>${esc(c.f)}</f><v>${esc(c.v)}</v></c>`;
    return `<c r="${ref}" t="s"><v>${sid(c)}</v></c>`;
  }).join('')}</row>`).join('');
  const sheet = sheetData ?? `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>${body}</sheetData></worksheet>`;
  const sst = `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="${strings.length}" uniqueCount="${strings.length}">${strings.map((s) => `<si><t xml:space="preserve">${esc(s)}</t></si>`).join('')}</sst>`;
  return zip([
    { name: '[Content_Types].xml', data: '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>' },
    { name: 'xl/workbook.xml', data: '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="设备" sheetId="1" r:id="rId7"/><sheet name="其他" sheetId="2" r:id="rId8"/></sheets></workbook>' },
    { name: 'xl/_rels/workbook.xml.rels', data: '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId8" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId7" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/first.xml"/><Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>' },
    { name: 'xl/sharedStrings.xml', data: sst },
    { name: 'xl/worksheets/first.xml', data: sheet, declared: sheetDeclared },
    { name: 'xl/worksheets/sheet1.xml', data: '<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>不该读到的第二张表</t></is></c></row></sheetData></worksheet>' },
  ]);
}

/** CSV text from a header of labels and rows of objects keyed by label. */
const csvOf = (header, list) => '\ufeff' + [header.join(','), ...list.map((o) => header.map((h) => {
  const v = o[h] ?? '';
  return /[",\r\n]/.test(v) ? `"${String(v).replace(/"/g, '""')}"` : String(v);
}).join(','))].join('\r\n') + '\r\n';
const HEADER = ['编号', '状态', '资产编号', '设备类型', '品牌型号', 'IP 地址', 'MAC 地址', '使用人', '涉密设备'];
const newRow = (d) => ({ 资产编号: d.asset_no, 设备类型: '台式计算机', 品牌型号: d.model, 'IP 地址': d.ip, 'MAC 地址': d.mac, 使用人: String(dev.id), 涉密设备: '否' });

test('the xlsx export: title with unit and time, frozen Chinese headers, dates as dates, labels, ids, strings only', async () => {
  for (let i = 0; i < 3; i++) assert.equal((await dev.call('POST', '/api/registers/devices/rows', device())).status, 201);
  const lent = (await dev.call('POST', '/api/registers/devices/rows', device({ type: 'server' }))).json.id;
  let r = await dev.call('POST', `/api/registers/devices/rows/${lent}/transition`, { to: 'lend', borrower: staff.id, return_date: '2026-12-20' });
  assert.equal(r.status, 200, r.body);
  const sent = (await dev.call('POST', '/api/registers/devices/rows', device())).json.id;
  r = await dev.call('POST', `/api/registers/devices/rows/${sent}/transition`, { to: 'repair', repair_vendor: '某维修公司', repair_data: '=HYPERLINK("http://evil","点我")' });
  assert.equal(r.status, 200, r.body);
  const x = await download('xlsx');
  assert.match(x.headers['content-type'], /spreadsheetml/);
  assert.ok(x.raw.subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1')));
  const sheet = unzipPart(x.raw, 'xl/worksheets/sheet1.xml');
  assert.match(sheet, /<pane [^>]*ySplit="2"[^>]*state="frozen"/, 'the header is frozen');
  assert.match(sheet, /<cols>.*<col /, 'column widths');
  assert.match(sheet, /设备台账　　单位：[^<]+　　导出时间：\d{4}-\d\d-\d\d \d\d:\d\d/);
  assert.match(sheet, /<t>编号<\/t>.*<t>状态<\/t>.*<t>资产编号<\/t>.*<t>应归还日期<\/t>/s);
  assert.match(sheet, /<t>服务器<\/t>/, 'enum labels in Chinese');
  assert.match(sheet, /<t>借出<\/t>/, 'state labels in Chinese');
  assert.match(sheet, new RegExp(`<c r="A\\d+"[^>]*><v>${lent}</v></c>`), 'the id first, as a number');
  assert.match(sheet, /<c r="[A-Z]+\d+" s="\d+"><v>46376<\/v><\/c>/, '2026-12-20 as a date serial with a date style');
  assert.match(sheet, /t="inlineStr"><is><t>=HYPERLINK\("http:\/\/evil","点我"\)<\/t>/, 'the formula-like text is a string cell');
  assert.doesNotMatch(sheet, /<f>/, 'as text, never as a formula');
  const styles = unzipPart(x.raw, 'xl/styles.xml');
  assert.match(styles, /yyyy-mm-dd/);
});

test('round trips: an exported xlsx or CSV imported back changes nothing, formulas stay text', async () => {
  const before = await rows();
  const history = sqliteRows(server.db, 'SELECT count(*) AS n FROM register_history')[0].n;
  for (const format of ['xlsx', 'csv']) {
    const file = await download(format);
    const r = await upload(format, file.raw);
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(r.json, { added: 0, updated: 0 });
    assert.deepEqual(await rows(), before, `${format}: identical rows`);
  }
  assert.equal(sqliteRows(server.db, 'SELECT count(*) AS n FROM register_history')[0].n, history, 'no history for no change');
  assert.ok(before.some((d) => d.repair_data === '=HYPERLINK("http://evil","点我")'));
  const csv = await download('csv');
  assert.match(csv.body, /"'=HYPERLINK\(""http:\/\/evil"",""点我""\)"/);
  assert.equal(auditRows(server.db, 'register.import').length, 2);
});

test('a CSV edited and extended: rows with an id are updated with the reason 导入, others added', async () => {
  const before = await rows();
  const target = before.find((d) => d.state === 'in_use');
  const csv = await download('csv');
  const header = csv.body.slice(1).split('\r\n')[0].split(',');
  const added = csvOf(header, [device(), device()].map((d) => ({ ...newRow(d), 设备类型: '服务器', 存放地点: '三楼' })));
  const edited = csv.body.replace(target.model, '华为 擎云 W515') + added.slice(added.indexOf('\r\n') + 2);
  const updatesBefore = auditRows(server.db, 'register.update').filter((a) => a.object_id === String(target.id)).length;
  const r = await upload('csv', Buffer.from(edited));
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json, { added: 2, updated: 1 });
  const after = await rows();
  assert.equal(after.length, before.length + 2);
  assert.equal(after.find((d) => d.id === target.id).model, '华为 擎云 W515');
  assert.equal(after.filter((d) => d.type === 'server').length, before.filter((d) => d.type === 'server').length + 2);
  const h = (await dev.call('GET', `/api/registers/devices/rows/${target.id}/history`)).json;
  assert.equal(h.at(-1).kind, 'update');
  assert.equal(h.at(-1).reason, '导入');
  assert.deepEqual(h.at(-1).changes, [{ field: 'model', before: target.model, after: '华为 擎云 W515' }]);
  // one audit record for the import, sealing the file by its digest; the rows' changes are in
  // their history, not each a record of its own
  const audit = auditRows(server.db, 'register.import').at(-1);
  const body = Buffer.from(edited);
  assert.deepEqual(JSON.parse(audit.detail), { register: 'devices', format: 'csv', added: 2, updated: 1, sha256: createHash('sha256').update(body).digest('hex'), bytes: body.length });
  assert.equal(auditRows(server.db, 'register.update').filter((a) => a.object_id === String(target.id)).length, updatesBefore, 'no per-row record for an imported change');
  // the file itself is kept among the importer's evidence files, to check the history against
  const files = (await dev.call('GET', '/api/files')).json.items;
  const kept = files.find((f) => /^设备台账导入_\d{8}-\d{6}\.csv$/.test(f.name) && f.size === body.length);
  assert.ok(kept, JSON.stringify(files.map((f) => f.name)));
  const got = await dev.call('GET', `/api/files/${kept.id}`);
  assert.equal(got.status, 200);
});

test('a workbook as Excel saves it: shared strings, a title row, labels or keys, the first sheet only', async () => {
  const d = device();
  const n = count();
  const book = workbook([
    ['设备台账（手工整理）'],
    ['编号', '资产编号', '设备类型', 'IP 地址', 'MAC 地址', '使用人', '涉密设备', '品牌型号'],
    ['', d.asset_no, '服务器', d.ip, d.mac, dev.id, 'no', 12345],
  ]);
  const r = await upload('xlsx', book);
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json, { added: 1, updated: 0 });
  assert.equal(count(), n + 1);
  const row = (await dev.call('GET', `/api/registers/devices/rows?ip=${d.ip}`)).json.rows[0];
  assert.equal(row.type, 'server');
  assert.equal(row.secret, 'no');
  assert.equal(row.model, '12345', 'a number in a text column is its text');
});

test('one bad IP among good rows: 400 bad_rows naming row and field, nothing stored', async () => {
  const n = count();
  const history = sqliteRows(server.db, 'SELECT count(*) AS n FROM register_history')[0].n;
  const audits = auditRows(server.db, 'register.create').length;
  const good = [device(), device(), device()];
  const bad = device({ ip: '10.1.1.300' });
  const r = await upload('csv', Buffer.from(csvOf(HEADER, [...good.map(newRow), newRow(bad)])));
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json.error.code, 'bad_rows');
  assert.match(r.json.error.message, /未导入/);
  assert.deepEqual(r.json.error.rows.map((x) => [x.row, x.field, x.column]), [[5, 'ip', 'IP 地址']]);
  assert.match(r.json.error.rows[0].reason, /IPv4/);
  assert.equal(r.json.error.more, 0);
  assert.equal(count(), n, 'nothing stored');
  assert.equal(sqliteRows(server.db, 'SELECT count(*) AS n FROM register_history')[0].n, history);
  assert.equal(auditRows(server.db, 'register.create').length, audits, 'no audit of rolled-back rows');
  // a clash inside the file, an unknown id and an unknown column are faults of the same kind
  const twin = device();
  let x = await upload('csv', Buffer.from(csvOf(HEADER, [newRow(twin), { ...newRow(device()), 'IP 地址': twin.ip }, { 编号: '999999', ...newRow(device()) }])));
  assert.equal(x.status, 400);
  assert.deepEqual(x.json.error.rows.map((e) => [e.row, e.field]), [[3, 'ip'], [4, 'id']]);
  // a row refused at its first unique value holds none of its others: the next row may use them
  const first = device(); const shared = device();
  x = await upload('csv', Buffer.from(csvOf(HEADER, [newRow(first), { ...newRow(shared), 资产编号: first.asset_no }, newRow({ ...device(), ip: shared.ip })])));
  assert.equal(x.status, 400);
  assert.deepEqual(x.json.error.rows.map((e) => [e.row, e.field]), [[3, 'asset_no']]);
  // past the rows written at a time: a clash found among them comes before a later row's fault
  const a = device();
  const seventy = Array.from({ length: 70 }, () => newRow(device()));
  x = await upload('csv', Buffer.from(csvOf(HEADER, [newRow(a), ...seventy, { ...newRow(device()), 'MAC 地址': a.mac }, newRow(device({ ip: '10.1.1.999' })), { ...newRow(device()), 资产编号: a.asset_no }])));
  assert.equal(x.status, 400);
  assert.deepEqual(x.json.error.rows.map((e) => [e.row, e.field]), [[73, 'mac'], [74, 'ip'], [75, 'asset_no']]);
  x = await upload('csv', Buffer.from(csvOf([...HEADER, '颜色'], [newRow(device())])));
  assert.equal(x.status, 400);
  assert.equal(x.json.error.rows[0].row, 1);
  assert.match(x.json.error.rows[0].reason, /颜色/);
  // sixty bad rows: the first fifty listed, the rest counted
  const many = Array.from({ length: 60 }, () => newRow(device({ mac: 'zz' })));
  x = await upload('csv', Buffer.from(csvOf(HEADER, many)));
  assert.equal(x.status, 400);
  assert.equal(x.json.error.rows.length, 50);
  assert.equal(x.json.error.more, 10);
  assert.equal(x.json.error.rows[49].row, 51);
  assert.equal(count(), n);
});

test('six hundred new rows around an edit: each its values and one history entry in the file\'s order; a bad last row stores nothing', async () => {
  // more rows than the import writes in one statement, so that its batches fill, flush and
  // roll back
  const one = (sql) => sqliteRows(server.db, sql)[0].n;
  const values = () => one('SELECT count(*) AS n FROM register_value');
  const history = () => one('SELECT count(*) AS n FROM register_history');
  const target = device();
  const targetId = (await dev.call('POST', '/api/registers/devices/rows', target)).json.id;
  const list = Array.from({ length: 600 }, () => device());
  const [n, v, h] = [count(), values(), history()];
  let r = await upload('csv', Buffer.from(csvOf(HEADER, [...list.map(newRow), newRow(device({ ip: '10.1.1.300' }))])));
  assert.equal(r.status, 400, r.body);
  assert.deepEqual(r.json.error.rows.map((x) => [x.row, x.field]), [[602, 'ip']]);
  assert.deepEqual([count(), values(), history()], [n, v, h], 'nothing stored');

  const lastHistory = one('SELECT coalesce(max(id), 0) AS n FROM register_history');
  const edit = { 编号: String(targetId), ...newRow({ ...target, model: '华为 擎云 W515' }) };
  const file = [...list.slice(0, 300).map(newRow), edit, ...list.slice(300).map(newRow)];
  r = await upload('csv', Buffer.from(csvOf(HEADER, file)));
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json, { added: 600, updated: 1 });
  assert.equal(count(), n + 600);
  assert.equal(values(), v + 600 * 7, 'asset number, type, model, IP, MAC, user, secret of each new row');
  const entries = sqliteRows(server.db, `SELECT h.row_id, h.kind, h.reason, h.actor, r.data FROM register_history h JOIN register_row r ON r.id = h.row_id WHERE h.id > ${lastHistory} ORDER BY h.id`);
  assert.equal(entries.length, 601);
  assert.deepEqual(entries.map((e) => e.kind === 'update' ? e.row_id : JSON.parse(e.data).ip), [...list.slice(0, 300).map((d) => d.ip), targetId, ...list.slice(300).map((d) => d.ip)], 'in the file\'s order');
  assert.deepEqual([entries[300].kind, entries[300].reason], ['update', '导入']);
  assert.ok(entries.every((e, i) => i === 300 || (e.kind === 'create' && e.reason === null && e.actor === entries[300].actor)));
  const d = list[450];
  const row = (await dev.call('GET', `/api/registers/devices/rows?ip=${d.ip}`)).json.rows[0];
  assert.deepEqual([row.asset_no, row.model, row.mac, row.user], [d.asset_no, d.model, d.mac, String(dev.id)]);
  const created = (await dev.call('GET', `/api/registers/devices/rows/${row.id}/history`)).json;
  assert.deepEqual(created.map((x) => x.kind), ['create']);
  assert.deepEqual(created[0].changes, [['asset_no', d.asset_no], ['type', 'pc'], ['model', d.model], ['ip', d.ip], ['mac', d.mac], ['user', String(dev.id)], ['secret', 'no']].map(([field, after]) => ({ field, before: null, after })));
});

test('bad files: zip bombs, truncated, not a zip, formulas, wrong encodings, too many rows: 400, nothing stored', async () => {
  const n = count();
  const d = device();
  const table = [HEADER.slice(0, 1).concat(HEADER.slice(2)), ['', d.asset_no, '服务器', d.model, d.ip, d.mac, dev.id, '否']];
  assert.equal((await upload('xlsx', workbook(table))).status, 200, 'the well-made workbook passes');
  const n1 = count();
  assert.equal(n1, n + 1);
  const d2 = device();
  const table2 = [table[0], ['', d2.asset_no, '服务器', d2.model, d2.ip, d2.mac, dev.id, '否']];
  const cases = [
    ['declared bomb', workbook(table2, { sheetDeclared: 0xfffffff0 }), /解压后有 4294967280 字节，超过上限.*压缩炸弹/],
    ['real bomb', workbook(table2, { sheetData: `<worksheet><sheetData>${' '.repeat(20 << 20)}</sheetData></worksheet>`, sheetDeclared: 1000 }), /超过声明的大小.*压缩炸弹/],
    ['truncated', workbook(table2).subarray(0, 700), /不完整/],
    ['not a zip', Buffer.from('编号,资产编号\r\n,ZC-1\r\n'), /不是 xlsx/],
    ['empty', Buffer.alloc(0), /空/],
    ['doctype', workbook(table2, { sheetData: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet><sheetData/></worksheet>' }), /DOCTYPE/],
  ];
  for (const [what, body, message] of cases) {
    const r = await upload('xlsx', body);
    assert.equal(r.status, 400, `${what}: ${r.body}`);
    assert.match(r.json.error.message, message, what);
  }
  const formula = await upload('xlsx', workbook([table2[0], ['', d2.asset_no, '服务器', d2.model, { f: 'CONCATENATE("10.","9.9.9")', v: '10.9.9.9' }, d2.mac, dev.id, '否']]));
  assert.equal(formula.status, 400, formula.body);
  assert.equal(formula.json.error.code, 'bad_rows');
  assert.deepEqual([formula.json.error.rows[0].row, formula.json.error.rows[0].field], [2, 'ip']);
  assert.match(formula.json.error.rows[0].reason, /公式/);
  // CSV: GB18030 from a Chinese Excel is converted; bytes that are no known encoding are refused
  const gb = spawnSync('iconv', ['-f', 'UTF-8', '-t', 'GB18030'], { input: csvOf(HEADER, [newRow(d2)]).slice(1) }).stdout;
  assert.ok(gb.length > 0 && !gb.equals(Buffer.from(csvOf(HEADER, [newRow(d2)]).slice(1))));
  let r = await upload('csv', gb);
  assert.equal(r.status, 200, r.body);
  assert.deepEqual(r.json, { added: 1, updated: 0 });
  r = await upload('csv', Buffer.from([0x81, 0x30, 0xff, 0xff, 0x2c, 0x0d, 0x0a]));
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /UTF-8/);
  r = await upload('csv', Buffer.from('\ufeff编号,资产编号\r\n,"ZC-1\r\n'));
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /引号/);
  const big = '\ufeff' + HEADER.join(',') + '\r\n' + ',,x\r\n'.repeat(100001);
  r = await upload('csv', Buffer.from(big));
  assert.equal(r.status, 400);
  assert.match(r.json.error.message, /100000/);
  assert.equal((await upload('pdf', Buffer.from('x'))).status, 400);
  assert.equal(count(), n1 + 1, 'only the good files stored anything');
});

test('who may import: writers only; a body over 50 MiB is refused', async () => {
  const file = (await download('csv')).raw;
  assert.equal((await upload('csv', file, sec)).status, 403, 'the security administrator reads devices, does not keep them');
  assert.equal((await upload('csv', file, staff)).status, 404);
  const r = await request(server.url, '/api/registers/devices/import?format=csv', { method: 'POST', headers: { Cookie: dev.cookie, 'X-CSRF-Token': dev.csrf, 'Content-Length': String((101 << 20) + 1) }, body: '' }).catch((e) => ({ status: e.code }));
  assert.equal(r.status, 413);
});
