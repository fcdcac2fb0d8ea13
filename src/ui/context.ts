import { createContext } from '@lit/context';
import type { Console } from '../app/console.js';

/** The console of this page, provided by <hf-app>. */
export const consoleContext = createContext<Console>(Symbol('hf-console'));
