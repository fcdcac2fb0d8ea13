// Run before the Firefox smoke: Debian's Firefox ESR, and Mosquitto for the broker matrix.
import { MOSQUITTO, ensureDebianPackages } from '../support/debian-packages.js';
import { FIREFOX_PATH } from './firefox.js';

ensureDebianPackages([{ what: 'Firefox ESR', path: FIREFOX_PATH, pkg: 'firefox-esr', env: 'FIREFOX_PATH' }, MOSQUITTO]);
