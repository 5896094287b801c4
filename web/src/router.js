// UI routes. The server answers any non-API path it has no file for with index.html, so each
// of these can be loaded directly or reloaded. Every page is its own chunk, loaded on use.
//
// The guard: not signed in → /login (keeping the wanted path); a pending first step → the
// forced password change or TOTP enrolment; a page needing a permission the user lacks →
// the 403 page. meta.perm names the one permission a page needs (as its API does, routes.c);
// meta.perms any of several.
import { createRouter, createWebHistory } from 'vue-router';
import { modules, pagePerms } from './modules.js';
import { canAny, loadSession, pendingStep, session } from './session.js';

const HomePage = () => import('./views/HomePage.vue');
const ModulePage = () => import('./views/ModulePage.vue');
const NotFoundPage = () => import('./views/NotFoundPage.vue');
const ForbiddenPage = () => import('./views/ForbiddenPage.vue');
const LoginPage = () => import('./views/LoginPage.vue');
const PasswordPage = () => import('./views/PasswordPage.vue');
const TotpPage = () => import('./views/TotpPage.vue');
const ProfilePage = () => import('./views/ProfilePage.vue');
const MySessionsPage = () => import('./views/MySessionsPage.vue');
const AccountsPage = () => import('./views/AccountsPage.vue');
const RolesPage = () => import('./views/RolesPage.vue');
const RequestsPage = () => import('./views/RequestsPage.vue');
const PolicyPage = () => import('./views/PolicyPage.vue');
const AuditPage = () => import('./views/AuditPage.vue');
const LogsPage = () => import('./views/LogsPage.vue');
const OrgPage = () => import('./views/OrgPage.vue');
const ReviewPage = () => import('./views/ReviewPage.vue');
const AgentsPage = () => import('./views/AgentsPage.vue');
const ResetRequestPage = () => import('./views/ResetRequestPage.vue');
const LexiconsPage = () => import('./views/LexiconsPage.vue');
const JobsPage = () => import('./views/JobsPage.vue');
const NotifyPage = () => import('./views/NotifyPage.vue');
const WorkCalendarPage = () => import('./views/WorkCalendarPage.vue');
const FilesPage = () => import('./views/FilesPage.vue');
const IncidentsPage = () => import('./views/IncidentsPage.vue');
const RegistersPage = () => import('./views/RegistersPage.vue');
const IncidentPage = () => import('./views/IncidentPage.vue');
const IncidentPlansPage = () => import('./views/IncidentPlansPage.vue');
const PublishPage = () => import('./views/PublishPage.vue');
const PublishColumnsPage = () => import('./views/PublishColumnsPage.vue');
const PublishItemPage = () => import('./views/PublishItemPage.vue');
const PublishMessagesPage = () => import('./views/PublishMessagesPage.vue');
const PublishLogPage = () => import('./views/PublishLogPage.vue');
const CompliancePage = () => import('./views/CompliancePage.vue');
const DashboardPage = () => import('./views/DashboardPage.vue');
const MonitorPage = () => import('./views/MonitorPage.vue');
const MonitorSitePage = () => import('./views/MonitorSitePage.vue');
const DutyRosterPage = () => import('./views/DutyRosterPage.vue');
const DutiesPage = () => import('./views/DutiesPage.vue');
const TamperPage = () => import('./views/TamperPage.vue');
const InspectionsPage = () => import('./views/InspectionsPage.vue');
const InspectionPage = () => import('./views/InspectionPage.vue');
const RectificationsPage = () => import('./views/RectificationsPage.vue');
const NoticesPage = () => import('./views/NoticesPage.vue');

const builtPages = {
  accounts: AccountsPage,
  roles: RolesPage,
  requests: RequestsPage,
  policy: PolicyPage,
  audit: AuditPage,
  'audit-logs': LogsPage,
  org: OrgPage,
  review: ReviewPage,
  agents: AgentsPage,
  lexicons: LexiconsPage,
  jobs: JobsPage,
  notify: NotifyPage,
  workdays: WorkCalendarPage,
  files: FilesPage,
  incidents: IncidentsPage,
  registers: RegistersPage,
  'incident-plans': IncidentPlansPage,
  publish: PublishPage,
  'publish-columns': PublishColumnsPage,
  'publish-messages': PublishMessagesPage,
  'publish-log': PublishLogPage,
  compliance: CompliancePage,
  dashboard: DashboardPage,
  monitor: MonitorPage,
  'duty-roster': DutyRosterPage,
  duties: DutiesPage,
  tamper: TamperPage,
  inspections: InspectionsPage,
  rectifications: RectificationsPage,
  notices: NoticesPage,
};

const moduleRoutes = modules.flatMap((m) =>
  m.pages
    ? m.pages.map((p) => ({
        path: p.path,
        name: p.name,
        component: p.overview ? ModulePage : builtPages[p.name],
        props: p.overview ? { moduleKey: m.key } : false,
        meta: { module: m.key, page: p, perms: pagePerms(p) },
      }))
    : [
        {
          path: m.path,
          name: m.key,
          component: ModulePage,
          props: { moduleKey: m.key },
          meta: { module: m.key, perms: m.perms },
        },
      ],
);

const routes = [
  { path: '/login', name: 'login', component: LoginPage, meta: { public: true, bare: true, titleKey: 'login.title' } },
  { path: '/login/reset', name: 'reset-request', component: ResetRequestPage, meta: { public: true, bare: true, titleKey: 'reset.title' } },
  { path: '/password', name: 'password', component: PasswordPage, meta: { pendingOk: true, titleKey: 'pw.title' } },
  { path: '/totp', name: 'totp', component: TotpPage, meta: { pendingOk: true, titleKey: 'totp.title' } },
  { path: '/', name: 'home', component: HomePage, meta: { titleKey: 'nav.home' } },
  // the text check for anyone signed in (POST /api/text/check), without the lexicon administration
  { path: '/text-check', name: 'text-check', component: LexiconsPage, props: { checkOnly: true }, meta: { titleKey: 'nav.textCheck' } },
  { path: '/profile', name: 'profile', component: ProfilePage, meta: { titleKey: 'profile.title' } },
  // the answers to public messages waiting for the review of their department's head (PUB-11),
  // who may hold no publishing permission (GET /api/messages/to-review)
  { path: '/messages/review', name: 'message-reviews', component: PublishMessagesPage, props: { reviewOnly: true }, meta: { titleKey: 'user.messageReviews' } },
  { path: '/profile/sessions', name: 'my-sessions', component: MySessionsPage, meta: { titleKey: 'sessions.title' } },
  ...moduleRoutes,
  // one incident (INC-2): its clocks, checklist and timeline; opened from the board or a notice
  { path: '/incidents/:id(\\d+)', name: 'incident', component: IncidentPage, meta: { module: 'incidents', perms: ['incident.read'], titleKey: 'inc.one' } },
  // one item of the publishing review (content.read, as GET /api/content/:id), and a new one
  { path: '/publish/new', name: 'publish-new', component: PublishItemPage, meta: { module: 'publish', perms: ['content.draft'], titleKey: 'pub.new' } },
  { path: '/publish/items/:id(\\d+)', name: 'publish-item', component: PublishItemPage, meta: { module: 'publish', perms: ['content.read'], titleKey: 'pub.one' } },
  // one watched site: its checks as a chart and its alarms (monitor.read, as GET /api/monitor/sites/:id)
  // one inspection: its checklist and rectifications (compliance.read, as GET /api/inspections/:id)
  { path: '/calendar/inspections/:id(\\d+)', name: 'inspection', component: InspectionPage, meta: { module: 'calendar', perms: ['compliance.read'], titleKey: 'insp.one' } },
  { path: '/monitor/sites/:id(\\d+)', name: 'monitor-site', component: MonitorSitePage, meta: { module: 'monitor', perms: ['monitor.read'], titleKey: 'mon.site' } },
  { path: '/403', name: 'forbidden', component: ForbiddenPage, meta: { titleKey: 'forbidden.title' } },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: NotFoundPage, meta: { titleKey: 'nf.title' } },
];

export const router = createRouter({
  history: createWebHistory('/'),
  routes,
  scrollBehavior: () => ({ top: 0 }),
});

// Only a path inside this UI may be a redirect target (never '//host' or a full URL).
export function safeRedirect(value) {
  if (typeof value !== 'string' || !value.startsWith('/') || value.startsWith('//')) return '/';
  if (value.startsWith('/login')) return '/';
  return value;
}

router.beforeEach(async (to) => {
  if (!session.loaded) await loadSession();
  const user = session.user;
  if (to.meta.public) {
    if (to.name === 'login' && user) return pendingStep() ? { name: pendingStep() } : safeRedirect(to.query.redirect);
    return true;
  }
  if (!user) return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } };
  const step = pendingStep();
  if (step) return to.name === step ? true : { name: step, replace: true };
  if (to.meta.perms && !canAny(to.meta.perms)) return { name: 'forbidden', query: { from: to.fullPath }, replace: true };
  return true;
});
