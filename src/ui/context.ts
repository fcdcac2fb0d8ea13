import { createContext } from '@lit/context';
import type { Hub } from '../engine/hub.js';

/** The console's shared service, provided by <hf-app>. */
export const hubContext = createContext<Hub>(Symbol('hf-hub'));
