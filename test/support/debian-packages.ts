// Make sure the Debian packages a test run drives are installed: as root, install what is missing with
// apt-get; otherwise say the one command to run and exit 1. Never downloads a browser of its own: this
// network only reaches Debian and npm.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface DebianNeed {
  readonly what: string;
  readonly path: string;
  readonly pkg: string;
  /** The environment variable that points at another copy, if there is one. */
  readonly env: string | null;
}

export const MOSQUITTO: DebianNeed = { what: 'Mosquitto', path: '/usr/sbin/mosquitto', pkg: 'mosquitto', env: null };

export function ensureDebianPackages(needs: readonly DebianNeed[]): void {
  const missing = needs.filter((n) => !existsSync(n.path));
  if (missing.length === 0) return;
  const pkgs = missing.map((m) => m.pkg).join(' ');
  if (process.getuid?.() === 0) {
    console.log(`Installing ${pkgs} from Debian…`);
    execSync(`apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${pkgs}`, { stdio: 'inherit' });
    return;
  }
  for (const m of missing) console.error(`${m.what} not found at ${m.path}. Install it with: sudo apt-get install -y ${m.pkg}${m.env ? ` (or set ${m.env})` : ''}`);
  process.exit(1);
}
