import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router.js';
import { installAuthErrorHandler, startIdleWatch } from './session.js';
import './styles.css';

installAuthErrorHandler(router);
startIdleWatch();
const app = createApp(App).use(router);
// Mount once the first route is resolved (the session loaded and the guard run), so the
// shell never flashes the home entry as active on a deep link.
router.isReady().then(() => app.mount('#app'));
