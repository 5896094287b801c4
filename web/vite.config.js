// Vite build of the xinan web UI. The output in dist/ is embedded into the xinan binary by
// scripts/embed-assets.sh and served under a strict Content-Security-Policy: no inline
// scripts, no eval, nothing from other origins.
import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';

// Where `npm run dev` / `vite preview` forward /api and /metrics: a running `xinan serve`.
const backend = process.env.XINAN_BACKEND || 'http://127.0.0.1:8080';
const proxy = {
  '/api': { target: backend, changeOrigin: false },
  '/metrics': { target: backend, changeOrigin: false },
};

// Long-lived vendor code in its own chunks, so a UI change does not invalidate it in caches.
// ECharts is only reached from the status page and the audit statistics, the QR code drawer
// only from TOTP enrolment, the rich-text editor (TipTap, ProseMirror) and the diff only from
// the publishing review's item page; all are loaded on demand.
const vendorGroups = [
  { name: 'vendor-vue', test: /node_modules[\\/](@vue|vue|vue-router)[\\/]/, priority: 3 },
  { name: 'vendor-echarts', test: /node_modules[\\/](echarts|zrender|tslib)[\\/]/, priority: 2 },
  { name: 'vendor-qrcode', test: /node_modules[\\/](qrcode|dijkstrajs)[\\/]/, priority: 2 },
  {
    name: 'vendor-editor',
    test: /node_modules[\\/](@tiptap|prosemirror-[a-z-]+|orderedmap|rope-sequence|w3c-keyname|linkifyjs|diff)[\\/]/,
    priority: 2,
  },
  { name: 'vendor-ui', test: /node_modules[\\/]/, priority: 1 },
];

export default defineConfig({
  base: '/',
  plugins: [
    vue(),
    // Element Plus components and their CSS are imported per component on use.
    Components({
      dts: false,
      dirs: [],
      resolvers: [ElementPlusResolver({ importStyle: 'css' })],
    }),
  ],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    // The default modulepreload polyfill is bundled into the entry, never inlined.
    modulePreload: { polyfill: true },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: vendorGroups,
        },
      },
    },
  },
  server: { host: '127.0.0.1', port: 5173, strictPort: true, proxy },
  preview: { host: '127.0.0.1', port: 4173, strictPort: true, proxy },
});
