// Run before the browser tests: Debian's Chromium, and Mosquitto for the broker matrix.
import { MOSQUITTO, ensureDebianPackages } from './debian-packages.js';

ensureDebianPackages([{ what: 'Chromium', path: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', pkg: 'chromium', env: 'CHROMIUM_PATH' }, MOSQUITTO]);
