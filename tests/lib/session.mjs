// Signing in against a real server: the first administrator's one-time password from the
// console, the forced change, TOTP enrolment (RFC 6238 computed here), accounts for tests.
import { createHmac } from 'node:crypto';
import { request } from './server.mjs';

const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Decode(s) {
  let bits = 0; let acc = 0; const out = [];
  for (const ch of s.toUpperCase()) {
    acc = (acc << 5) | B32.indexOf(ch); bits += 5;
    if (bits >= 8) { out.push((acc >>> (bits - 8)) & 0xff); bits -= 8; }
  }
  return Buffer.from(out);
}

/** The TOTP code of a base32 secret, `offset` 30-second steps from now. */
export function totp(secret, offset = 0) {
  const step = Math.floor(Date.now() / 30000) + offset;
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', base32Decode(secret)).update(msg).digest();
  const off = mac[19] & 0xf;
  const bin = ((mac[off] & 0x7f) << 24) | (mac[off + 1] << 16) | (mac[off + 2] << 8) | mac[off + 3];
  return String(bin % 1000000).padStart(6, '0');
}

/** Waits for the next 30-second TOTP step: a code is accepted once, so a second sign-in of the
 * same person within a step would be refused as a replay. */
export async function nextTotpStep() {
  await new Promise((r) => setTimeout(r, 30000 - (Date.now() % 30000) + 200));
}

/** The one-time password the server printed for the first administrator. */
export function firstAdminPassword(server) {
  const m = server.stdout().match(/one-time password: (\S+)/);
  if (!m) throw new Error(`no one-time password in: ${server.stdout()}`);
  return m[1];
}

/** A signed-in client: keeps the cookie and sends the CSRF token on changes. */
export class Client {
  /** `from`: the local address requests are sent from (see request()). */
  constructor(base, { from } = {}) { this.base = base; this.from = from; this.cookie = ''; this.csrf = ''; this.user = null; }

  async call(method, path, body, extraHeaders = {}) {
    const headers = { ...extraHeaders };
    if (this.cookie) headers.Cookie = this.cookie;
    if (this.csrf && method !== 'GET') headers['X-CSRF-Token'] = this.csrf;
    let payload;
    if (body !== undefined) {
      payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      headers['Content-Type'] = 'application/json';
    }
    const r = await request(this.base, path, { method, headers, body: payload, from: this.from });
    const set = r.headers['set-cookie'];
    if (set) {
      const v = set[0].split(';')[0];
      this.cookie = v.endsWith('=') ? '' : v;
    }
    let json = null;
    try { json = JSON.parse(r.body); } catch { /* not JSON */ }
    return { status: r.status, json, headers: r.headers, body: r.body };
  }

  async login(account, password, code) {
    const body = { account, password };
    if (code) body.totp = code;
    const r = await this.call('POST', '/api/auth/login', body);
    if (r.status === 200 && r.json.user) { this.user = r.json.user; this.csrf = r.json.user.csrf; }
    return r;
  }
}

export const STRONG = 'Kx7#mQ2$vL9@';
export const STRONG2 = 'Tz4!pW8%nR3&';

/** Signs the first administrator in, changes the password and enrols TOTP. */
export async function adminClient(server) {
  const c = new Client(server.url);
  const otp = firstAdminPassword(server);
  let r = await c.login('admin', otp);
  if (r.status !== 200) throw new Error(`admin login: ${r.status} ${r.body}`);
  r = await c.call('POST', '/api/me/password', { current: otp, password: STRONG });
  if (r.status !== 200) throw new Error(`admin password: ${r.status} ${r.body}`);
  r = await c.call('POST', '/api/me/totp');
  c.totpSecret = r.json.secret;
  r = await c.call('POST', '/api/me/totp/confirm', { code: totp(c.totpSecret) });
  if (r.status !== 200) throw new Error(`admin totp: ${r.status} ${r.body}`);
  return c;
}

/** Creates an account as `admin` and signs it in with a changed password. */
export async function userClient(server, admin, account, { realName = '李娜', staffType = 'staff' } = {}) {
  let r = await admin.call('POST', '/api/users', { account, real_name: realName, staff_type: staffType });
  if (r.status !== 201) throw new Error(`create ${account}: ${r.status} ${r.body}`);
  const c = new Client(server.url);
  c.id = r.json.id;
  const otp = r.json.one_time_password;
  r = await c.login(account, otp);
  if (r.status !== 200) throw new Error(`login ${account}: ${r.status} ${r.body}`);
  r = await c.call('POST', '/api/me/password', { current: otp, password: STRONG });
  if (r.status !== 200) throw new Error(`password ${account}: ${r.status} ${r.body}`);
  c.password = STRONG;
  return c;
}

/**
 * Creates an account and appoints it to an administrator role ('auditor', 'secadmin'): the
 * first appointment needs no approval. The person signs in again (the grant ends the sessions)
 * and enrols TOTP with the code of the current step; returns that client (id, totpSecret).
 */
export async function enrolledAppointee(server, admin, account, role, { realName = '赵敏' } = {}) {
  const c = await userClient(server, admin, account, { realName });
  let r = await admin.call('POST', `/api/users/${c.id}/roles`, { role, reason: '任命' });
  if (r.status !== 201 || r.json.status !== 'approved') throw new Error(`appoint ${account}: ${r.status} ${r.body}`);
  r = await c.login(account, STRONG);
  if (r.status !== 200) throw new Error(`login ${account}: ${r.status} ${r.body}`);
  r = await c.call('POST', '/api/me/totp');
  if (r.status !== 200) throw new Error(`totp ${account}: ${r.status} ${r.body}`);
  c.totpSecret = r.json.secret;
  r = await c.call('POST', '/api/me/totp/confirm', { code: totp(c.totpSecret) });
  if (r.status !== 200) throw new Error(`totp ${account}: ${r.status} ${r.body}`);
  return c;
}

/**
 * As enrolledAppointee, then signs in afresh with the password and a code, as administrators
 * do; returns that signed-in client (id, totpSecret). The code used is the next step's.
 */
export async function appointedClient(server, admin, account, role, { realName = '赵敏' } = {}) {
  const c = await enrolledAppointee(server, admin, account, role, { realName });
  const fresh = new Client(server.url);
  const r = await fresh.login(account, STRONG, totp(c.totpSecret, 1));
  if (r.status !== 200) throw new Error(`login ${account} with totp: ${r.status} ${r.body}`);
  fresh.id = c.id;
  fresh.totpSecret = c.totpSecret;
  return fresh;
}

/**
 * Creates an account holding an ordinary role granted the four-eyes way: `admin` (the system
 * administrator) asks, `sec` (a security administrator) approves; the person then signs in
 * again, as a grant ends the sessions. Returns that signed-in client (id).
 */
export async function grantedClient(server, admin, sec, account, role, { realName = '李娜' } = {}) {
  const c = await userClient(server, admin, account, { realName });
  let r = await admin.call('POST', `/api/users/${c.id}/roles`, { role, reason: '岗位任命' });
  if (r.status !== 201) throw new Error(`ask ${role} for ${account}: ${r.status} ${r.body}`);
  r = await sec.call('POST', `/api/requests/${r.json.request_id}/decision`, { decision: 'approve' });
  if (r.status !== 200) throw new Error(`approve ${role} for ${account}: ${r.status} ${r.body}`);
  r = await c.login(account, STRONG);
  if (r.status !== 200) throw new Error(`login ${account}: ${r.status} ${r.body}`);
  return c;
}
