// Publishing figures (room publish/), run by run.sh. Usage: node bench.mjs ITEMS SAMPLES
//  1. publishing one approved item into an empty site, then into a site of ITEMS published
//     items in 10 columns: the server's time of POST /api/content/:id/publish (access log);
//  2. the checks of a 200 KB article with every lexicon and personal data: submitting it (the
//     checks and the transaction) against POST /api/text/check on the same text, and against
//     `xinan text check` on it as a file;
//  3. rendering the whole site again (POST /api/publish/site/rebuild) against Hugo rendering the
//     same items as Markdown pages in the same sections, in the same run.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { startServer, tempDir, LEXICONS, BIN } from '../../tests/lib/server.mjs';
import { adminClient, appointedClient, grantedClient } from '../../tests/lib/session.mjs';

const items = Number(process.argv[2] || 10000);
const samples = Number(process.argv[3] || 30);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const dir = tempDir('xinan-bench-publish-');
const site = join(dir, 'site');
const srv = await startServer({ dir, env: { XINAN_LOG_ACCESS: 'on', XINAN_PUBLISH_SITE_ROOT: site } });

/** The server's own time of the requests run by fn whose path matches re. */
async function serverMs(re, fn) {
  const before = srv.logs().length;
  await fn();
  await new Promise((r) => setTimeout(r, 100)); // the line is written once the answer is sent
  return srv.logs().slice(before).split('\n').filter((l) => l.includes('event=http.request') && re.test(l))
    .map((l) => Number((l.match(/ ms=([\d.]+)/) || [])[1])).filter((x) => Number.isFinite(x));
}

try {
  const admin = await adminClient(srv);
  const sec = await appointedClient(srv, admin, 'sec1', 'secadmin');
  const editor = await grantedClient(srv, admin, sec, 'ed1', 'editor', { realName: '王编辑' });
  const rev = await grantedClient(srv, admin, sec, 'rev1', 'reviewer1', { realName: '刘审核' });
  const columns = [];
  for (let c = 0; c < 10; c++) {
    const r = await admin.call('POST', '/api/columns', { name: `栏目${c}`, path: `col${c}`, stale_days: 30 });
    columns.push(r.json.id);
  }
  const para = (i) => `<p>第${i}号通知：根据工作安排，现将有关事项通知如下。请各单位认真落实网络安全责任制，做好信息发布审核工作。</p>`;
  async function approved(i) {
    let r = await editor.call('POST', '/api/content', { title: `工作动态第${i}期`, column_id: columns[i % 10], class: 'A', body_html: para(i) + para(i + 1), classified: false });
    if (r.status !== 201) throw new Error(`create ${i}: ${r.status} ${r.body}`);
    const id = r.json.id;
    r = await editor.call('POST', `/api/content/${id}/submit`);
    if (r.status !== 200) throw new Error(`submit ${i}: ${r.body}`);
    r = await rev.call('POST', `/api/content/${id}/review`, { decision: 'approve' });
    if (r.status !== 200) throw new Error(`approve ${i}: ${r.body}`);
    return id;
  }
  async function publishAll(ids) {
    return serverMs(/method=POST path=\/api\/content\/\d+\/publish /, async () => {
      for (const id of ids) {
        const r = await editor.call('POST', `/api/content/${id}/publish`, {});
        if (r.status !== 200) throw new Error(`publish ${id}: ${r.body}`);
      }
    });
  }
  let n = 0;
  const batch = async (count) => { const ids = []; for (let i = 0; i < count; i++) ids.push(await approved(n++)); return ids; };

  const empty = await publishAll(await batch(samples));
  // fill the site: four writers at once
  const t0 = Date.now();
  let next = samples;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items) return;
      const id = await approved(n++);
      const r = await editor.call('POST', `/api/content/${id}/publish`, {});
      if (r.status !== 200) throw new Error(`publish ${id}: ${r.body}`);
    }
  };
  await Promise.all([worker(), worker(), worker(), worker()]);
  console.log(`site filled to ${items} published items in ${((Date.now() - t0) / 1000).toFixed(1)} s (create, submit, approve, publish each)`);
  const ready = await batch(samples);
  // the filling's last signing of the manifest (a background job, every 5 s at most) ends first
  await new Promise((r) => setTimeout(r, 8000));
  const full = await publishAll(ready);
  const runs = (await admin.call('GET', '/api/jobs/runs?kind=publish.manifest&limit=20')).json.items
    .filter((x) => x.ended_at).map((x) => (x.ended_at - x.started_at) / 1000);
  if (runs.length)
    console.log(`signing the manifest of ${items} items (job publish.manifest, at most every 5 s): median ${median(runs).toFixed(0)} ms`);
  const e = median(empty), f = median(full);
  console.log(`publish one item: empty site median ${e.toFixed(2)} ms, site of ${items} items median ${f.toFixed(2)} ms at the server: ${(f / e).toFixed(2)}x (target <= 2x)`);

  // 2. the checks of a 200 KB article
  const words = ['全网最低价', '中华人名共和国', '咨询电话 13800138000', '邮箱 office@example.gov.cn'];
  let body = '';
  for (let i = 0; Buffer.byteLength(body) < 250 * 1024; i++)
    body += `<p>第${i}段：各单位要高度重视信息发布审核工作，坚持先审后发、一事一审。${i % 25 === 0 ? words[(i / 25) % 4] : ''}</p>`;
  const submitMs = [], checkMs = [], cliMs = [];
  let text = '';
  for (let k = 0; k < 7; k++) {
    const r = await editor.call('POST', '/api/content', { title: '长文检查', column_id: columns[0], class: 'A', body_html: body, classified: false });
    if (r.status !== 201) throw new Error(`long create: ${r.body}`);
    text = r.json.body_text;
    submitMs.push(...await serverMs(/method=POST path=\/api\/content\/\d+\/submit /, async () => {
      const s = await editor.call('POST', `/api/content/${r.json.id}/submit`);
      if (s.status !== 200) throw new Error(`long submit: ${s.body}`);
    }));
    checkMs.push(...await serverMs(/method=POST path=\/api\/text\/check /, async () => {
      const c = await editor.call('POST', '/api/text/check', { text: `长文检查\n${text}`, pii: true });
      if (c.status !== 200) throw new Error(`text check: ${c.status} ${c.body.slice(0, 200)}`);
    }));
  }
  const file = join(dir, 'article.txt');
  writeFileSync(file, text);
  for (let k = 0; k < 7; k++) {
    const t = process.hrtime.bigint();
    const c = spawnSync(BIN, ['text', 'check', '--lexicon', LEXICONS, '--pii', '--mode', 'longest', file], { encoding: 'utf8' });
    if (c.status > 1) throw new Error(`text check: ${c.stderr}`);
    cliMs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const sm = median(submitMs), cm = median(checkMs), lm = median(cliMs);
  console.log(`checks of a ${(Buffer.byteLength(text) / 1024).toFixed(0)} KB article: submit median ${sm.toFixed(2)} ms, /api/text/check median ${cm.toFixed(2)} ms at the server: ${(sm / cm).toFixed(2)}x (target <= 1.5x); \`xinan text check\` process ${lm.toFixed(1)} ms`);

  // 3. the whole site again, against Hugo on the same items
  const t1 = process.hrtime.bigint();
  const rb = await admin.call('POST', '/api/publish/site/rebuild');
  const xinanMs = Number(process.hrtime.bigint() - t1) / 1e6;
  if (rb.status !== 200) throw new Error(`rebuild: ${rb.body}`);
  const hugo = join(dir, 'hugo');
  mkdirSync(join(hugo, 'layouts', '_default'), { recursive: true });
  writeFileSync(join(hugo, 'hugo.toml'), "baseURL = 'http://localhost/'\nlanguageCode = 'zh-cn'\ntitle = '网站首页'\ndisableKinds = ['taxonomy', 'term', 'RSS', 'sitemap', 'robotsTXT', '404']\n");
  writeFileSync(join(hugo, 'layouts', '_default', 'single.html'), '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body><p><a href="/">首页</a> › <a href="{{ .Parent.RelPermalink }}">{{ .Parent.Title }}</a></p><article><h1>{{ .Title }}</h1><p>发布日期：{{ .Date.Format "2006-01-02" }}</p><div class="content">{{ .Content }}</div></article></body></html>\n');
  writeFileSync(join(hugo, 'layouts', '_default', 'list.html'), '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1><ul>{{ range first 200 .Pages.ByDate.Reverse }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Date.Format "2006-01-02" }}</li>{{ end }}</ul></body></html>\n');
  writeFileSync(join(hugo, 'layouts', 'index.html'), '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body><ul>{{ range .Sections }}<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul></body></html>\n');
  for (let c = 0; c < 10; c++) {
    mkdirSync(join(hugo, 'content', `col${c}`), { recursive: true });
    writeFileSync(join(hugo, 'content', `col${c}`, '_index.md'), `---\ntitle: 栏目${c}\n---\n`);
  }
  for (let i = 0; i < rb.json.pages; i++)
    writeFileSync(join(hugo, 'content', `col${i % 10}`, `${i}.md`), `---\ntitle: 工作动态第${i}期\ndate: 2026-12-06\n---\n\n第${i}号通知：根据工作安排，现将有关事项通知如下。请各单位认真落实网络安全责任制，做好信息发布审核工作。\n\n第${i + 1}号通知：根据工作安排，现将有关事项通知如下。请各单位认真落实网络安全责任制，做好信息发布审核工作。\n`);
  const t2 = process.hrtime.bigint();
  const h = spawnSync('hugo', ['--quiet', '-s', hugo, '-d', join(dir, 'hugo-out')], { encoding: 'utf8' });
  const hugoMs = Number(process.hrtime.bigint() - t2) / 1e6;
  if (h.status !== 0) throw new Error(`hugo: ${h.stderr}`);
  console.log(`render the whole site (${rb.json.pages} pages, 10 columns): xinan ${xinanMs.toFixed(0)} ms (pages, indexes, digests recorded, one transaction), Hugo ${hugoMs.toFixed(0)} ms: ratio ${(xinanMs / hugoMs).toFixed(2)}`);
} finally {
  await srv.stop();
}
