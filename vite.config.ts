/// <reference types="vitest/config" />
import { readFileSync } from 'node:fs';
import { defineConfig } from 'vite';
import { VitePWA, type ManifestOptions } from 'vite-plugin-pwa';

// The web manifest lives at the root as plain JSON so it can be read and reviewed on its own.
const manifest = JSON.parse(readFileSync(new URL('./manifest.json', import.meta.url), 'utf8')) as Partial<ManifestOptions>;

export default defineConfig({
  server: { host: '127.0.0.1' },
  build: {
    target: 'es2022',
    sourcemap: false,
    rolldownOptions: {
      // Debug logging never ships: these calls are dropped when their result is unused.
      treeshake: { manualPureFunctions: ['console.log', 'console.debug', 'console.trace'] },
      output: {
        // mqtt.js is ~100 KB gzip and only the leader tab needs it: keep it out of the entry chunk.
        manualChunks(id: string) {
          if (id.includes('/node_modules/mqtt/')) return 'mqtt';
          return undefined;
        },
      },
    },
  },
  plugins: [
    VitePWA({
      strategies: 'injectManifest',
      srcDir: 'sw',
      filename: 'sw.ts',
      // The app registers the worker itself (workbox-window) so it can ask before updating.
      injectRegister: false,
      registerType: 'prompt',
      manifest,
      injectManifest: {
        // Icons and the manifest are added by the plugin from manifest.json; listing them again only duplicates entries.
        globPatterns: ['**/*.{js,css,html,svg,woff2}'],
        // A classic-script worker (every browser runs those), built in library mode so the background flush's
        // dynamic import is inlined without Vite's preload helper (which uses import.meta, a syntax error in a
        // classic script); its code is then only evaluated on the first sync event.
        rollupFormat: 'iife',
      },
    }),
  ],
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests start brokers on fixed processes; keep files from fighting over CPU on 2 cores.
    fileParallelism: false,
  },
});
