// The active people one may give a task to (a rectification, a duty): the accounts with their
// roles for whoever reads accounts (user.read), else the registers' list of people
// (register.read), else none.
import { request } from './api.js';
import { can } from './session.js';
import { roleName, codeList } from './labels.js';

export async function activePeople() {
  if (can('user.read')) {
    const answer = await request('GET', '/api/users');
    return (answer.items || [])
      .filter((u) => u.status === 'active')
      .map((u) => ({ id: u.id, account: u.account, name: u.real_name, roles: codeList(u.roles).map(roleName).join('、') }));
  }
  if (can('register.read')) {
    return ((await request('GET', '/api/registers/people')).items || []).map((p) => ({ ...p, roles: '' }));
  }
  return [];
}
