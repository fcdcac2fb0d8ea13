// Run before the Firefox smoke: make sure Debian's Firefox ESR (and Mosquitto, for the broker matrix) are
// installed, as test/support/ensure-chromium.ts does for the Playwright suite. Never downloads a browser of
// its own: this network only reaches Debian and npm.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { FIREFOX_PATH } from './firefox.js';

const needs = [
  { what: 'Firefox ESR', path: FIREFOX_PATH, pkg: 'firefox-esr', env: 'FIREFOX_PATH' },
  { what: 'Mosquitto', path: '/usr/sbin/mosquitto', pkg: 'mosquitto', env: null },
];
const missing = needs.filter((n) => !existsSync(n.path));
if (missing.length > 0) {
  const pkgs = missing.map((m) => m.pkg).join(' ');
  if (process.getuid?.() === 0) {
    console.log(`Installing ${pkgs} from Debian…`);
    execSync(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkgs}`, { stdio: 'inherit' });
  } else {
    for (const m of missing) {
      console.error(`${m.what} not found at ${m.path}. Install it with: sudo apt-get install -y ${m.pkg}${m.env ? ` (or set ${m.env})` : ''}`);
    }
    process.exit(1);
  }
}
