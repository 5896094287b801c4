// `xinan passwd check` (ACC-8, ACC-9, ACC-10, ACC-18): exit codes 0/1/2, the JSON shape and
// its Chinese messages, personal data and the current password from standard input,
// tightening refused when weaker, an extra weak-password list, over-long and invalid input.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, runXinan, tempDir } from '../lib/server.mjs';

/** Runs `xinan passwd check ARGS` with `input` (string or Buffer) on standard input. */
function check(args, input) {
  const r = spawnSync(BIN, ['passwd', 'check', ...args], { input, timeout: 60000 });
  const stdout = r.stdout.toString('utf8');
  let json = null;
  if (r.status !== 2) json = JSON.parse(stdout);
  return { status: r.status, stdout, stderr: r.stderr.toString('utf8'), json };
}

const rules = (r) => r.json.violations.map((v) => v.rule);

test('an acceptable password: exit 0 and ok:true with no violations', () => {
  for (const profile of ['user', 'admin', 'server', 'media']) {
    const r = check(['--profile', profile], 'Xk9#mPq2!vLz\n');
    assert.equal(r.status, 0, `${profile}: ${r.stdout}${r.stderr}`);
    assert.deepEqual(r.json, { ok: true, violations: [] });
    assert.equal(r.stdout, '{"ok":true,"violations":[]}\n');
  }
});

test('a weak password: exit 1 and every violation with a Chinese message', () => {
  const r = check(['--profile', 'admin'], 'abc\n');
  assert.equal(r.status, 1);
  assert.equal(r.json.ok, false);
  assert.deepEqual(r.json.violations, [
    { rule: 'min_length', message: '密码长度至少 10 位' },
    { rule: 'classes', message: '密码必须同时包含字母、数字和特殊符号' },
  ]);
  const u = check(['--profile', 'user'], 'abcdefghij');
  assert.equal(u.status, 1);
  assert.deepEqual(u.json.violations[0], { rule: 'classes', message: '密码必须同时包含字母和数字' });
  assert.deepEqual(rules(u), ['classes', 'dictionary']); // abcdef is a weak password
});

test('dictionary words with leet-speak, in every profile (ACC-8, HS 附件4 §6)', () => {
  const a = check(['--profile', 'admin'], 'P@ssw0rd!23\n');
  assert.equal(a.status, 1);
  assert.deepEqual(rules(a), ['dictionary']);
  assert.match(a.json.violations[0].message, /字典单词/);
  assert.equal(check(['--profile', 'server'], 'Woaini@2024\n').status, 1);
  for (const profile of ['user', 'media']) {
    for (const pw of ['password123', 'Password2024!!x', 'P@ssw0rd#12345', 'qwerty123456!!']) {
      const u = check(['--profile', profile], `${pw}\n`);
      assert.equal(u.status, 1, `${profile} ${pw}`);
      assert.ok(rules(u).includes('dictionary'), `${profile} ${pw}`);
    }
  }
  // the rule is part of the minimum: switching it off is weaker
  assert.equal(check(['--profile', 'user', '--set', 'dictionary=off'], 'kq7x9m2vbz\n').status, 2);
});

test('personal data: name in hanzi and pinyin, account, phone and birthday', () => {
  const who = ['--user', 'ops.liu', '--name', '张伟', '--birthday', '1990-01-05', '--phone', '13957682041'];
  const cases = [
    ['zhangwei2024', ['dictionary', 'personal_name']], // zhangwei is a common name too
    ['Zw_31415926', ['dictionary', 'personal_name']], // 31415926 is a weak password
    ['Qk19900105x', ['birthday']],
    ['Qk1990-01-05', ['birthday']],
    ['Ab13957682041', ['dictionary', 'phone']],
    ['Xy682041Qzk', ['phone']],
    ['OPSLIU2024x', ['account_name']],
    ['zhangw2024liu', ['dictionary', 'personal_name']],
    ['kq7x9m2vbz', []],
  ];
  for (const [pw, want] of cases) {
    const r = check(['--profile', 'user', ...who], `${pw}\n`);
    assert.deepEqual(rules(r), want, pw);
    assert.equal(r.status, want.length ? 1 : 0, pw);
  }
  // the name split by digits (ACC-8)
  assert.deepEqual(rules(check(['--profile', 'user', '--name', '李娜'], 'Qk7li9naXz\n')), ['personal_name']);
  const r = check(['--profile', 'user', '--name', '王小明'], 'wxm2024qk9Z\n');
  assert.deepEqual(r.json.violations, [{ rule: 'personal_name', message: '密码不能包含姓名（汉字、拼音或拼音首字母）' }]);
});

test('--current-stdin: the positional rule and reuse against the current password', () => {
  const same = check(['--profile', 'admin', '--current-stdin'], 'Tq7#Rw5@Zn8Y\nTq7#Lm2!Xp9K\n');
  assert.equal(same.status, 1);
  assert.deepEqual(same.json.violations, [
    { rule: 'same_position', message: '新密码与当前密码相同位置上相同的字符不能超过 3 个' },
  ]);
  assert.equal(check(['--profile', 'admin', '--current-stdin'], 'Tq7$Rw5@Zn8Y\r\nTq7#Lm2!Xp9K\r\n').status, 0);
  const reused = check(['--profile', 'user', '--current-stdin'], 'kq7x9m2vbz\nkq7x9m2vbz');
  assert.deepEqual(rules(reused), ['reused']);
  const related = check(['--profile', 'admin', '--current-stdin'], '%Tq7#Lm2!Xp9K\nTq7#Lm2!Xp9K\n');
  assert.deepEqual(rules(related), ['similar_current']);
  // The second line is required with the flag; extra lines are refused.
  const missing = check(['--profile', 'admin', '--current-stdin'], 'Tq7$Rw5@Zn8Y\n');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /current password is missing/);
  const extra = check(['--profile', 'admin'], 'Tq7$Rw5@Zn8Y\nsecond\n');
  assert.equal(extra.status, 2);
  assert.match(extra.stderr, /unexpected input after line 1/);
});

test('over-long, invalid UTF-8 and control characters are violations, not crashes', () => {
  const long = check(['--profile', 'admin'], `${'Xk9#mPq2!vLz'.repeat(22)}\n`);
  assert.equal(long.status, 1);
  assert.deepEqual(long.json.violations, [{ rule: 'too_long', message: '密码长度不能超过 256 字节' }]);
  const huge = check(['--profile', 'user'], Buffer.alloc(100000, 'a'));
  assert.equal(huge.status, 1);
  assert.deepEqual(rules(huge), ['too_long']);
  const bad = check(['--profile', 'admin'], Buffer.from([0x4b, 0x71, 0x37, 0x23, 0xc3, 0x28, 0x78, 0x39, 0x6d, 0x32, 0x76, 0x62, 0x0a]));
  assert.equal(bad.status, 1);
  assert.deepEqual(rules(bad), ['invalid_utf8']);
  const ctl = check(['--profile', 'admin'], 'Kq7#x9m\t2vb\n');
  assert.deepEqual(rules(ctl), ['control_char']);
  const zw = check(['--profile', 'admin'], 'Kq7#x9m\u200b2vb\n');
  assert.deepEqual(rules(zw), ['control_char']);
  const empty = check(['--profile', 'user'], '');
  assert.equal(empty.status, 1);
  assert.deepEqual(rules(empty), ['min_length', 'classes']);
  // Hanzi count as characters, and the JSON stays valid UTF-8.
  const hanzi = check(['--profile', 'admin'], '信息安全Kq7#x9\n');
  assert.equal(hanzi.status, 0, hanzi.stdout);
});

test('tightening: stricter settings apply, weaker ones are refused with exit 2', () => {
  const longer = check(['--profile', 'user', '--set', 'min_length=14'], 'kq7x9m2vbz\n');
  assert.equal(longer.status, 1);
  assert.deepEqual(longer.json.violations, [{ rule: 'min_length', message: '密码长度至少 14 位' }]);
  const weaker = check(['--profile', 'admin', '--set', 'min_length=8'], 'Xk9#mPq2!vLz\n');
  assert.equal(weaker.status, 2);
  assert.match(weaker.stderr, /min_length 8 is weaker than the admin profile's minimum of 10/);
  assert.equal(weaker.stdout, '');
  const noDict = check(['--profile', 'server', '--set', 'dictionary=off'], 'Xk9#mPq2!vLz\n');
  assert.equal(noDict.status, 2);
  assert.match(noDict.stderr, /dictionary off is weaker than the server profile's minimum of on/);
  const age = check(['--profile', 'server', '--set', 'max_age_days=30'], 'Xk9#mPq2!vLz\n');
  assert.equal(age.status, 2);
  assert.match(age.stderr, /max_age_days 30 is weaker/);
  const mixed = check(['--profile', 'user', '--set', 'classes=mixed_case'], 'kq7x9m2vbz\n');
  assert.deepEqual(mixed.json.violations, [{ rule: 'classes', message: '密码必须同时包含大写字母、小写字母和数字' }]);
  assert.equal(check(['--profile', 'user', '--set', 'bogus=1'], 'x\n').status, 2);
  assert.equal(check(['--profile', 'user', '--set', 'novalue'], 'x\n').status, 2);
});

test('--weak-list: the security administrator\'s breached-password list', () => {
  const dir = tempDir();
  const list = join(dir, 'breached.txt');
  writeFileSync(list, '# leaked 2025\nKq7x9m2vbzQ\nQwe!2024Asd\n');
  const r = check(['--profile', 'user', '--weak-list', list], 'kq7x9m2vbzq\n');
  assert.equal(r.status, 1);
  assert.deepEqual(r.json.violations, [{ rule: 'weak_list', message: '密码在已泄露或常见弱密码清单中，请换一个' }]);
  assert.equal(check(['--profile', 'user', '--weak-list', list], 'kq7x9m2vbzr\n').status, 0);
  const gone = check(['--profile', 'user', '--weak-list', join(dir, 'none.txt')], 'kq7x9m2vbz\n');
  assert.equal(gone.status, 2);
  assert.match(gone.stderr, /cannot open .*none\.txt/);
});

test('usage errors exit 2 with the usage line', () => {
  const none = check([], 'x\n');
  assert.equal(none.status, 2);
  assert.match(none.stderr, /missing --profile/);
  assert.match(none.stderr, /usage: xinan passwd check/);
  assert.equal(check(['--profile', 'root'], 'x\n').status, 2);
  assert.equal(check(['--profile', 'user', '--bogus'], 'x\n').status, 2);
  const arg = check(['--profile', 'user', 'secret123'], '');
  assert.equal(arg.status, 2);
  assert.match(arg.stderr, /read from standard input/);
  const bday = check(['--profile', 'user', '--birthday', '1990-02-30'], 'kq7x9m2vbz\n');
  assert.equal(bday.status, 2);
  assert.match(bday.stderr, /birthday must be a real date/);
  const phone = check(['--profile', 'user', '--phone', 'call me'], 'kq7x9m2vbz\n');
  assert.equal(phone.status, 2);
  const name = check(['--profile', 'user', '--name', '张'.repeat(30)], 'kq7x9m2vbz\n');
  assert.equal(name.status, 2);
  assert.match(name.stderr, /name is longer than 64 bytes/);
  const help = runXinan(['passwd', 'check', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--profile user\|admin\|server\|media/);
  assert.ok(runXinan(['--help']).stdout.includes('passwd check'));
});

test('--config and --db are accepted like other commands; a bad file exits 2', () => {
  const dir = tempDir();
  const good = join(dir, 'good.conf');
  writeFileSync(good, '[log]\nlevel = warn\n');
  // with a database the stored policy applies, so the database must exist and be migrated
  const missing = check(['--profile', 'user', '--config', good, '--db', join(dir, 'x.db')], 'kq7x9m2vbz\n');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /x\.db/);
  assert.equal(runXinan(['db', 'migrate', '--db', join(dir, 'x.db')]).status, 0);
  const r = check(['--profile', 'user', '--config', good, '--db', join(dir, 'x.db')], 'kq7x9m2vbz\n');
  assert.equal(r.status, 0, r.stderr);
  const bad = join(dir, 'bad.conf');
  writeFileSync(bad, '[http]\nidle_timeout = forever\n');
  const b = check(['--profile', 'user', '--config', bad], 'kq7x9m2vbz\n');
  assert.equal(b.status, 2);
  assert.match(b.stderr, /bad\.conf:2:/);
});
