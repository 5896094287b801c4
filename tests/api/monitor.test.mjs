// Website watch (MON-1, MON-3, MON-6, MON-10) against a real nginx on loopback: a site up, its
// latency and status; down only after two failed checks, with an incident and the leaders told,
// and back up; a hidden dark link and a forbidden word raised and closed again; a page xinan
// published, changed on the web server, caught as tampering with an incident; bad input refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, tempDir, auditRows } from '../lib/server.mjs';
import { adminClient, appointedClient, grantedClient } from '../lib/session.mjs';
import { startNginx } from '../lib/nginx.mjs';

let server; let nginx; let admin; let sec; let duty; let lead; let editor; let rev1; let www; let site;

before(async () => {
  const root = tempDir('xinan-www-');
  www = join(root, 'www');
  site = join(root, 'site');
  mkdirSync(www, { recursive: true });
  nginx = await startNginx(root);
  server = await startServer({ env: { XINAN_PUBLISH_SITE_ROOT: site } });
  admin = await adminClient(server);
  sec = await appointedClient(server, admin, 'sec1', 'secadmin', { realName: '周安全' });
  duty = await grantedClient(server, admin, sec, 'duty1', 'duty', { realName: '王值班' });
  lead = await grantedClient(server, admin, sec, 'lead1', 'leader', { realName: '张领导' });
  editor = await grantedClient(server, admin, sec, 'ed1', 'editor', { realName: '王编辑' });
  rev1 = await grantedClient(server, admin, sec, 'rev1', 'reviewer1', { realName: '刘一审' });
  const g = await admin.call('POST', '/api/notify/groups', { name: '网站值班组', members: [{ user_id: duty.id }, { user_id: lead.id }], channels: [1] });
  assert.equal(g.status, 201, g.body);
});

after(async () => {
  await server.stop();
  await nginx.stop();
});

const page = (body) => `<!DOCTYPE html><html><head><title>门户网站</title></head><body>${body}</body></html>`;
const check = async (id) => {
  const r = await duty.call('POST', `/api/monitor/sites/${id}/check`);
  assert.equal(r.status, 200, r.body + server.logs().split('\n').filter((l) => /level=error/.test(l)).join('\n'));
  return r.json;
};
const openAlarms = (s, kind) => s.events.filter((e) => e.open && e.kind === kind);

test('a site up: status, latency; a hidden dark link and a forbidden word raise alarms that close when gone', async () => {
  writeFileSync(join(www, 'a.html'), page('<p>通知</p>'));
  writeFileSync(join(www, 'index.html'), page('<h1>欢迎访问</h1><p>政务公开 <a href="/www/a.html">通知</a> <a href="a.html">通知</a> <a href="https://www.gov.cn/">中国政府网</a></p>'));
  let r = await admin.call('POST', '/api/monitor/sites', { name: '门户网站', url: `${nginx.url}/www/index.html`, interval_s: 60, group: '网站值班组', must_words: '政务公开', forbidden_words: '博彩,赌博', allow_hosts: 'gov.cn' });
  assert.equal(r.status, 201, r.body);
  const id = r.json.id;
  let s = await check(id);
  assert.equal(s.state, 'up');
  assert.equal(s.status, 200);
  assert.ok(s.latency_ms >= 0);
  assert.equal(s.events.filter((e) => e.open).length, 0, JSON.stringify(s.events));

  writeFileSync(join(www, 'index.html'), page('<h1>欢迎访问</h1><p>政务公开</p><div style="display: none"><a href="http://casino.example.com/">博彩</a></div>'));
  s = await check(id);
  assert.equal(openAlarms(s, 'dark_link').length, 1, JSON.stringify(s));
  assert.match(openAlarms(s, 'dark_link')[0].detail, /1 个被隐藏/);
  assert.equal(openAlarms(s, 'word_forbidden').length, 1);
  // the alarm is raised once, not at every check
  s = await check(id);
  assert.equal(s.events.filter((e) => e.kind === 'dark_link').length, 1);
  // those on duty were told in-app
  const bell = await duty.call('GET', '/api/me/notifications');
  assert.ok(JSON.stringify(bell.json).includes('暗链'), JSON.stringify(bell.json).slice(0, 300));

  writeFileSync(join(www, 'index.html'), page('<h1>欢迎访问</h1><p>首页</p>'));
  s = await check(id);
  assert.equal(openAlarms(s, 'dark_link').length, 0, 'closed');
  assert.equal(openAlarms(s, 'word_missing').length, 1, 'a required word went missing');
  const list = await lead.call('GET', '/api/monitor/sites');
  assert.equal(list.status, 200);
  assert.equal(list.json.items.find((x) => x.id === id).open_alarms, 1);
});

test('MON-6, MON-7: a dead link of the site’s own is an alarm; a site that must answer over IPv6 and does not is one too', async () => {
  writeFileSync(join(www, 'links.html'), page('<p>政务公开 <a href="/www/a.html">在</a> <a href="gone.html">已删除的页面</a></p>'));
  let r = await admin.call('POST', '/api/monitor/sites', { name: '链接页', url: `${nginx.url}/www/links.html`, interval_s: 60 });
  let s = await check(r.json.id);
  const dead = openAlarms(s, 'dead_link');
  assert.equal(dead.length, 1, JSON.stringify(s.events));
  assert.match(dead[0].detail, /gone\.html/);
  assert.doesNotMatch(dead[0].detail, /a\.html/);
  // over IPv6: localhost answers on [::1]; an IPv4 address has no IPv6 at all
  r = await admin.call('POST', '/api/monitor/sites', { name: 'IPv6 站点', url: `http://localhost:${nginx.port}/www/a.html`, interval_s: 60, ipv6: true });
  s = await check(r.json.id);
  assert.equal(openAlarms(s, 'no_ipv6').length, 0, JSON.stringify(s.events));
  r = await admin.call('POST', '/api/monitor/sites', { name: '仅 IPv4', url: `${nginx.url}/www/a.html`, interval_s: 60, ipv6: true });
  s = await check(r.json.id);
  assert.equal(openAlarms(s, 'no_ipv6').length, 1, JSON.stringify(s.events));
  r = await admin.call('POST', '/api/monitor/sites', { name: 'x', url: `${nginx.url}/www/a.html`, ipv6: 'yes' });
  assert.equal(r.status, 400);
});

test('a page longer than the monitor reads is judged by its beginning, not reported down', async () => {
  writeFileSync(join(www, 'huge.html'), page(`<p>政务公开</p>${'<p>填充内容</p>'.repeat(600000)}`));
  const r = await admin.call('POST', '/api/monitor/sites', { name: '大页面', url: `${nginx.url}/www/huge.html`, interval_s: 60, must_words: '政务公开' });
  const s = await check(r.json.id);
  assert.equal(s.state, 'up', s.last_error);
  assert.equal(openAlarms(s, 'word_missing').length, 0);
});

test('down only after two failed checks: an incident is opened and the group told; back up', async () => {
  writeFileSync(join(www, 'news.html'), page('<p>新闻</p>'));
  let r = await admin.call('POST', '/api/monitor/sites', { name: '新闻频道', url: `${nginx.url}/www/news.html`, interval_s: 60, failures: 2, group: '网站值班组' });
  const id = r.json.id;
  assert.equal((await check(id)).state, 'up');
  rmSync(join(www, 'news.html'));
  let s = await check(id);
  assert.equal(s.state, 'up', 'one failure is not down (damped)');
  assert.equal(s.failures_in_row, 1);
  s = await check(id);
  assert.equal(s.state, 'down');
  const down = openAlarms(s, 'down')[0];
  assert.match(down.detail, /404/);
  const inc = await lead.call('GET', '/api/incidents?state=open');
  const opened = inc.json.items.find((i) => i.kind === 'site_down');
  assert.ok(opened, JSON.stringify(inc.json.items.map((i) => i.title)));
  assert.match(opened.title, /新闻频道/);
  assert.equal(down.incident_id, opened.id, 'the alarm leads to its incident');
  // still down: no second incident
  await check(id);
  const again = await lead.call('GET', '/api/incidents?state=open');
  assert.equal(again.json.items.filter((i) => i.kind === 'site_down').length, 1);
  writeFileSync(join(www, 'news.html'), page('<p>新闻</p>'));
  s = await check(id);
  assert.equal(s.state, 'up');
  assert.ok(s.events.some((e) => e.kind === 'up'));
  assert.equal(openAlarms(s, 'down').length, 0);
  assert.ok(auditRows(server.db, 'monitor.alarm').length >= 2);
});

test('a published page changed on the web server is tampering: an alarm and a defacement incident', async () => {
  let r = await admin.call('POST', '/api/columns', { name: '通知公告', path: 'tzgg', stale_days: 14 });
  const column = r.json.id;
  r = await editor.call('POST', '/api/content', { title: '关于网络安全检查的通知', column_id: column, class: 'A', body_html: '<p>请各单位完成自查。</p>', classified: false });
  const item = r.json.id;
  await editor.call('POST', `/api/content/${item}/submit`);
  await rev1.call('POST', `/api/content/${item}/review`, { decision: 'approve' });
  r = await editor.call('POST', `/api/content/${item}/publish`, {});
  assert.equal(r.status, 200, r.body);
  const path = r.json.published_path;
  r = await admin.call('POST', '/api/monitor/sites', { name: '政府网站', url: `${nginx.url}/site/index.html`, interval_s: 60, publish_target: true, group: '网站值班组' });
  const id = r.json.id;
  let s = await check(id);
  assert.equal(s.state, 'up', s.last_error);
  assert.equal(openAlarms(s, 'tampered').length, 0, JSON.stringify(s.events));
  // an injected script on the web server; the page still answers 200
  appendFileSync(join(site, path), '<script src="http://evil.example/x.js"></script>');
  s = await check(id);
  const t = openAlarms(s, 'tampered');
  assert.equal(t.length, 1, JSON.stringify(s.events));
  assert.ok(t[0].detail.includes(path));
  assert.ok(t[0].incident_id > 0);
  const inc = await lead.call('GET', `/api/incidents/${t[0].incident_id}`);
  assert.equal(inc.json.kind, 'defacement');
  assert.equal(inc.json.source, 'monitor');
  // restored (as the guard would): the alarm closes
  const approved = (await editor.call('GET', `/api/content/${item}`)).json;
  assert.ok(readFileSync(join(site, path), 'utf8').includes(approved.body_html));
  writeFileSync(join(site, path), readFileSync(join(site, path), 'utf8').replace('<script src="http://evil.example/x.js"></script>', ''));
  s = await check(id);
  assert.equal(openAlarms(s, 'tampered').length, 0);
  assert.equal(t[0].diff, undefined, 'no diff against an approved file that was itself written to');

  // a web server serving its own copy (as the guard deploys it): the alarm shows what changed
  cpSync(site, join(site, '..', 'mirror'), { recursive: true });
  r = await admin.call('POST', '/api/monitor/sites', { name: '政府网站（镜像）', url: `${nginx.url}/mirror/index.html`, interval_s: 60, publish_target: true });
  const mirror = r.json.id;
  s = await check(mirror);
  assert.equal(openAlarms(s, 'tampered').length, 0, JSON.stringify(s.events));
  const served = join(site, '..', 'mirror', path);
  writeFileSync(served, readFileSync(served, 'utf8').replace('请各单位完成自查。', '请各单位完成自查。<iframe src="http://evil.example/"></iframe>'));
  s = await check(mirror);
  const m = openAlarms(s, 'tampered');
  assert.equal(m.length, 1, JSON.stringify(s.events));
  assert.match(m[0].diff, /^@@ 第 \d+ 行起/);
  assert.match(m[0].diff, /\n- .*请各单位完成自查。<\/p>/);
  assert.match(m[0].diff, /\n\+ .*<iframe src="http:\/\/evil\.example\/"><\/iframe>/);
  assert.ok(m[0].diff.length < 20000);
});

test('a page xinan did not publish: a change of its text is told with the diff; the changes its noise patterns match are not', async () => {
  const news = (date, count, text) => page(`<h1>政务动态</h1><p>更新：${date}</p><p>访问量：${count}</p><p>${text}</p>`);
  writeFileSync(join(www, 'dt.html'), news('2026-12-01', 100, '召开网络安全工作会议。'));
  // a pattern that does not compile is refused, naming the field, nothing stored
  const before = (await lead.call('GET', '/api/monitor/sites')).json.items.length;
  let r = await admin.call('POST', '/api/monitor/sites', { name: '政务动态', url: `${nginx.url}/www/dt.html`, interval_s: 600, noise: '[0-9' });
  assert.equal(r.status, 400, r.body);
  assert.equal(r.json.error.field, 'noise');
  assert.equal((await lead.call('GET', '/api/monitor/sites')).json.items.length, before);
  r = await admin.call('POST', '/api/monitor/sites', { name: '政务动态', url: `${nginx.url}/www/dt.html`, interval_s: 600, noise: '[0-9]{4}-[0-9]{2}-[0-9]{2}\n访问量：[0-9]+' });
  assert.equal(r.status, 201, r.body);
  const id = r.json.id;
  let s = await check(id);
  assert.equal(s.noise, '[0-9]{4}-[0-9]{2}-[0-9]{2}\n访问量：[0-9]+');
  const changed = (x) => x.events.filter((e) => e.kind === 'changed');
  assert.equal(changed(s).length, 0, 'the first reading is the reference');
  // only the date and the counter move: no change
  writeFileSync(join(www, 'dt.html'), news('2026-12-02', 137, '召开网络安全工作会议。'));
  s = await check(id);
  assert.equal(changed(s).length, 0, JSON.stringify(s.events));
  // the text itself: told once, with what was there and what is there now
  writeFileSync(join(www, 'dt.html'), news('2026-12-03', 150, '召开网络安全工作会议。<b>点击领取补贴</b>'));
  s = await check(id);
  const c = changed(s);
  assert.equal(c.length, 1, JSON.stringify(s.events));
  assert.equal(c[0].open, false, 'a notice, not an alarm left open');
  assert.match(c[0].diff, /\n- 召开网络安全工作会议。\n/);
  assert.match(c[0].diff, /\n\+ 召开网络安全工作会议。点击领取补贴\n/);
  s = await check(id);
  assert.equal(changed(s).length, 1, 'unchanged since: nothing more');
});

test('bad sites are refused: not http(s), the server itself, intervals out of range; only the system administrator adds', async () => {
  const base = { name: '测试', interval_s: 60 };
  for (const [url, code] of [['ftp://example.com/', 'bad_url'], ['javascript:alert(1)', 'bad_url'], ['http://', 'bad_url'], [`${server.url}/api/health`, 'self_url'], ['http://user@example.com/', 'bad_url']]) {
    const r = await admin.call('POST', '/api/monitor/sites', { ...base, url });
    assert.equal(r.status, 400, `${url}: ${r.body}`);
    assert.equal(r.json.error.code, code, url);
    assert.equal(r.json.error.field, 'url');
  }
  let r = await admin.call('POST', '/api/monitor/sites', { ...base, url: 'http://example.com/', interval_s: 5 });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.field, 'interval_s');
  r = await duty.call('POST', '/api/monitor/sites', { ...base, url: 'http://example.com/' });
  assert.equal(r.status, 403);
  r = await admin.call('POST', '/api/monitor/sites', { ...base, name: '', url: 'http://example.com/' });
  assert.equal(r.status, 400);
  const before = (await lead.call('GET', '/api/monitor/sites')).json.items.length;
  assert.equal(before, 9, 'nothing refused was stored');
});
