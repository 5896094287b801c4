// Chinese and English names of the lexicons' categories (data/lexicons/: the nine kinds of ZJ
// 第六十六条 (二), advertising, wording errors, the whitelist) and of the personal-data kinds
// the check reports (src/text/pii.c). A unit's own categories are shown as they are written.
import { locale } from './i18n.js';

const NAMES = {
  anti_constitution: ['抗拒宪法法律实施', 'Against the constitution'],
  subversion: ['颠覆国家政权', 'Subversion'],
  separatism: ['分裂国家', 'Separatism'],
  ethnic_hatred: ['民族仇恨', 'Ethnic hatred'],
  rumour: ['谣言', 'Rumour'],
  superstition_obscene_violent: ['迷信淫秽暴力', 'Superstition, obscenity, violence'],
  insult_defamation: ['侮辱诽谤', 'Insult, defamation'],
  state_organ_reputation: ['损害国家机关信誉', 'Harm to state organs'],
  other_illegal: ['其他违法', 'Other illegal'],
  political: ['政治', 'Political'],
  advertising: ['商业广告', 'Advertising'],
  wording: ['严重错别字', 'Wording error'],
  whitelist: ['白名单', 'Whitelist'],
  pii: ['个人信息', 'Personal data'],
  id_card: ['身份证号', 'Resident ID'],
  id_card15: ['身份证号（15 位）', 'Resident ID (15)'],
  mobile: ['手机号', 'Mobile number'],
  landline: ['固定电话', 'Landline'],
  bank_card: ['银行卡号', 'Bank card'],
  email: ['电子邮箱', 'E-mail'],
  uscc: ['统一社会信用代码', 'Social credit code'],
  passport: ['护照号', 'Passport'],
};

export function categoryName(code) {
  const n = NAMES[code];
  if (!n) return code;
  return locale.value === 'en' ? n[1] : n[0];
}

const SEVERITIES = { high: ['高', 'High', 'danger'], medium: ['中', 'Medium', 'warning'], low: ['低', 'Low', 'info'] };

export function severityName(code) {
  const s = SEVERITIES[code];
  if (!s) return code;
  return locale.value === 'en' ? s[1] : s[0];
}

// The Element Plus tag type for a severity.
export function severityType(code) {
  return SEVERITIES[code] ? SEVERITIES[code][2] : 'info';
}
