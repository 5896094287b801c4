// UI routes. The server answers any non-API path it has no file for with index.html, so each
// of these can be loaded directly or reloaded.
import { createRouter, createWebHistory } from 'vue-router';
import { modules } from './modules.js';

const HomePage = () => import('./views/HomePage.vue');
const ModulePage = () => import('./views/ModulePage.vue');
const NotFoundPage = () => import('./views/NotFoundPage.vue');

const routes = [
  { path: '/', name: 'home', component: HomePage, meta: { titleKey: 'nav.home' } },
  ...modules.map((m) => ({
    path: m.path,
    name: m.key,
    component: ModulePage,
    props: { moduleKey: m.key },
    meta: { module: m.key },
  })),
  { path: '/:pathMatch(.*)*', name: 'not-found', component: NotFoundPage, meta: { titleKey: 'nf.title' } },
];

export const router = createRouter({
  history: createWebHistory('/'),
  routes,
  scrollBehavior: () => ({ top: 0 }),
});
