// A supervisor asks for a subordinate's password reset (ACC-12): the reason is asked for in a
// prompt, then POST /api/users/:id/reset-request. Shared by the profile page (the people I
// supervise) and the user drawer.
import { ElMessageBox } from 'element-plus';
import 'element-plus/es/components/message-box/style/css';
import { t } from './i18n.js';
import { request } from './api.js';

// person: { id, real_name }. Resolves to the new request's id, or null when the prompt was
// cancelled; rejects with the ApiError of a refusal.
export async function askReset(person) {
  let reason;
  try {
    const answer = await ElMessageBox.prompt(t('life.resetAskLead', { name: person.real_name }), t('life.resetAsk'), {
      confirmButtonText: t('life.resetAsk'),
      cancelButtonText: t('common.cancel'),
      inputPlaceholder: t('drawer.reason'),
      inputValidator: (v) => (v && v.trim() ? true : t('drawer.reasonRequired')),
    });
    reason = answer.value.trim();
  } catch {
    return null; // cancelled
  }
  const r = await request('POST', `/api/users/${encodeURIComponent(person.id)}/reset-request`, { reason });
  return r.request_id;
}
