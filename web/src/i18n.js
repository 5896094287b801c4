// A small message catalogue: Chinese (zh-CN) first, English second. The choice persists in
// localStorage and sets <html lang>, the page title and Element Plus's own locale.
import { computed, ref, watch } from 'vue';
import zhCn from 'element-plus/es/locale/lang/zh-cn';
import en from 'element-plus/es/locale/lang/en';

export const LOCALES = ['zh-CN', 'en'];
const STORAGE_KEY = 'xinan.locale';

const messages = {
  'zh-CN': {
    'app.name': '信安',
    'app.subtitle': '信息安全管理平台',
    'app.title': '信安 · 信息安全管理平台',
    'user.anonymous': '未登录',
    'lang.switch': 'English',
    'lang.switchTitle': '切换为英文界面',
    'nav.home': '运行状态',
    'nav.modules': '功能模块',
    'nav.collapse': '收起导航',
    'nav.expand': '展开导航',
    'crumb.home': '首页',
    'home.title': '运行状态',
    'home.subtitle': '服务器健康状况，每 5 秒自动刷新。',
    'home.refresh': '立即刷新',
    'home.lastUpdate': '最近更新',
    'home.loading': '正在连接服务器…',
    'health.status': '服务状态',
    'health.ok': '正常',
    'health.degraded': '降级',
    'health.unreachable': '服务器不可达',
    'health.unreachableDetail': '无法从服务器获取健康状态，将每 5 秒自动重试。',
    'health.lastOk': '最近一次成功',
    'health.never': '从未成功',
    'health.error': '原因',
    'health.errNetwork': '网络连接失败',
    'health.errTimeout': '请求超时',
    'health.errHttp': '服务器返回 HTTP {status}',
    'health.unknown': '未知',
    'health.degradedDetail': '服务器在运行，但数据库不可用。',
    'health.version': '版本',
    'health.uptime': '运行时长',
    'health.serverTime': '服务器时间',
    'health.database': '数据库',
    'health.dbOk': '正常',
    'health.dbDown': '不可用',
    'health.schema': '架构版本',
    'health.latency': '数据库延迟',
    'health.dbPath': '数据库文件',
    'health.chart': '数据库延迟趋势',
    'health.chartHint': '最近 {n} 次检查，单位微秒（µs）',
    'health.noData': '暂无数据',
    'uc.badge': '建设中',
    'uc.title': '本模块正在建设中',
    'uc.lead': '以下需求条目将由本模块实现：',
    'uc.reqs': '覆盖需求',
    'uc.count': '共 {n} 条',
    'uc.back': '返回运行状态',
    'nf.title': '页面不存在',
    'nf.lead': '您访问的地址不存在或已移动。',
    'footer': '信安 xinan · 电子政务信息安全管理',
    colon: '：',
  },
  en: {
    'app.name': 'xinan',
    'app.subtitle': 'Information Security Management',
    'app.title': 'xinan · Information Security Management',
    'user.anonymous': 'Not signed in',
    'lang.switch': '中文',
    'lang.switchTitle': 'Switch to Chinese',
    'nav.home': 'Server status',
    'nav.modules': 'Modules',
    'nav.collapse': 'Collapse navigation',
    'nav.expand': 'Expand navigation',
    'crumb.home': 'Home',
    'home.title': 'Server status',
    'home.subtitle': 'Server health, refreshed every 5 seconds.',
    'home.refresh': 'Refresh now',
    'home.lastUpdate': 'Last update',
    'home.loading': 'Connecting to the server…',
    'health.status': 'Status',
    'health.ok': 'OK',
    'health.degraded': 'Degraded',
    'health.unreachable': 'Server unreachable',
    'health.unreachableDetail': 'The server did not answer the health check. Retrying every 5 seconds.',
    'health.lastOk': 'Last success',
    'health.never': 'never',
    'health.error': 'Cause',
    'health.errNetwork': 'network connection failed',
    'health.errTimeout': 'request timed out',
    'health.errHttp': 'the server answered HTTP {status}',
    'health.unknown': 'Unknown',
    'health.degradedDetail': 'The server is running but its database is unavailable.',
    'health.version': 'Version',
    'health.uptime': 'Uptime',
    'health.serverTime': 'Server time',
    'health.database': 'Database',
    'health.dbOk': 'OK',
    'health.dbDown': 'Unavailable',
    'health.schema': 'Schema version',
    'health.latency': 'Database latency',
    'health.dbPath': 'Database file',
    'health.chart': 'Database latency',
    'health.chartHint': 'Last {n} checks, in microseconds (µs)',
    'health.noData': 'No data yet',
    'uc.badge': 'Under construction',
    'uc.title': 'This module is under construction',
    'uc.lead': 'It will implement these requirements:',
    'uc.reqs': 'Requirements',
    'uc.count': '{n} in all',
    'uc.back': 'Back to server status',
    'nf.title': 'Page not found',
    'nf.lead': 'The address does not exist or has moved.',
    'footer': 'xinan (信安) · e-government information security',
    colon: ': ',
  },
};

function initialLocale() {
  try {
    const saved = window.localStorage.getItem(STORAGE_KEY);
    if (LOCALES.includes(saved)) return saved;
  } catch {
    /* storage unavailable: fall back to Chinese */
  }
  return 'zh-CN';
}

export const locale = ref(initialLocale());

export const elementLocale = computed(() => (locale.value === 'en' ? en : zhCn));

export function setLocale(next) {
  if (!LOCALES.includes(next)) return;
  locale.value = next;
}

watch(
  locale,
  (value) => {
    try {
      window.localStorage.setItem(STORAGE_KEY, value);
    } catch {
      /* storage unavailable: the choice lasts for this page only */
    }
    document.documentElement.lang = value;
  },
  { immediate: true },
);

// t('health.chartHint', { n: 20 }) → '最近 20 次检查…'
export function t(key, params) {
  const table = messages[locale.value] || messages['zh-CN'];
  let text = table[key] ?? messages['zh-CN'][key] ?? key;
  if (params) {
    for (const [k, v] of Object.entries(params)) text = text.replaceAll(`{${k}}`, String(v));
  }
  return text;
}

// Picks the current language from a { 'zh-CN': …, en: … } object.
export function pick(obj) {
  return obj[locale.value] ?? obj['zh-CN'];
}
