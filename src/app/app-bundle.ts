/** What src/main.ts loads after the first paint: the console, its worker launcher and the elements, in one chunk. */
export { Console } from './console.js';
export { workerLauncher } from './worker-launcher.js';
import '../ui/hf-app.js';
