/**
 * `npm run build:extension`: the console as a Manifest V3 extension in
 * dist-extension/, from the same src/ as the PWA.
 *
 *   console.html        the side panel and the full-tab console (one page, src/extension/page.ts)
 *   service-worker.js   the engine host (src/extension/service-worker.ts), ONE ES module file:
 *                       a service worker may not import() (mqtt.js is loaded that way in pages'
 *                       workers), so its dynamic imports are inlined
 *   manifest.json       extension/manifest.json, with the version from package.json
 *   icons/              from public/icons
 *
 * No remote code and no eval: everything is bundled, and the pages' CSP is
 * "script-src 'self'; object-src 'self'".
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build, defineConfig, type Plugin } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const outDir = 'dist-extension';
const target = 'es2022';

function extensionFiles(): Plugin {
  return {
    name: 'holdfast-extension-files',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      // The page is extension/console.html in the source tree and console.html in the extension.
      const page = bundle['extension/console.html'];
      if (page) page.fileName = 'console.html';
      const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };
      const manifest = JSON.parse(readFileSync(new URL('./extension/manifest.json', import.meta.url), 'utf8')) as Record<string, unknown>;
      this.emitFile({ type: 'asset', fileName: 'manifest.json', source: `${JSON.stringify({ ...manifest, version: pkg.version }, null, 2)}\n` });
      for (const icon of readdirSync(new URL('./public/icons/', import.meta.url))) {
        this.emitFile({ type: 'asset', fileName: `icons/${icon}`, source: readFileSync(new URL(`./public/icons/${icon}`, import.meta.url)) });
      }
    },
    async closeBundle() {
      // The service worker: its own build, one file, nothing split off (see above).
      await build({
        configFile: false,
        root,
        publicDir: false,
        logLevel: 'warn',
        build: {
          outDir,
          emptyOutDir: false,
          target,
          sourcemap: false,
          modulePreload: false,
          copyPublicDir: false,
          rolldownOptions: {
            input: { 'service-worker': 'src/extension/service-worker.ts' },
            treeshake: { manualPureFunctions: ['console.log', 'console.debug', 'console.trace'] },
            output: { format: 'es', entryFileNames: '[name].js', codeSplitting: false },
          },
        },
      });
    },
  };
}

export default defineConfig({
  root,
  // The icons are copied by the plugin; the PWA's other public files have no place in the extension.
  publicDir: false,
  build: {
    outDir,
    emptyOutDir: true,
    target,
    sourcemap: false,
    // Chromium preloads modules natively; the polyfill would be dead code.
    modulePreload: { polyfill: false },
    rolldownOptions: {
      input: { console: 'extension/console.html' },
      treeshake: { manualPureFunctions: ['console.log', 'console.debug', 'console.trace'] },
    },
  },
  plugins: [extensionFiles()],
});
