// Imported first by run.ts: the environment a Console expects, in Node.
// fake-indexeddb stands in for IndexedDB; the Web Locks polyfill gives the
// tabs (Console instances in this process) one leader at a time. Node 20 has
// BroadcastChannel, and it delivers between instances in one process.
import 'fake-indexeddb/auto';
import { installWebLocks } from './web-locks.js';

installWebLocks();
