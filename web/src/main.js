import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router.js';
import './styles.css';

const app = createApp(App).use(router);
// Mount once the first route is resolved, so the shell never flashes the home entry as
// active on a deep link.
router.isReady().then(() => app.mount('#app'));
