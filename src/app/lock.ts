/**
 * Locked observer mode: every control read-only, for a wall display or a
 * trainee. Unlocking needs a PIN set on this console, kept only as a salted
 * PBKDF2-SHA-256 hash (WebCrypto). This keeps a passer-by or a trainee from
 * changing settings on this screen; it is no protection against someone
 * with the browser's developer tools or the broker credentials: use the
 * broker's ACLs for that. A locked console publishes nothing at all (no
 * sets, no presence, no heartbeat).
 */
import type { PinHash, SettingsStore } from '../store/settings.js';
import { Store } from './store.js';

export interface LockState {
  readonly locked: boolean;
  readonly hasPin: boolean;
}

/** OWASP's 2023 guidance for PBKDF2-HMAC-SHA256. */
const ITERATIONS = 600_000;
export const MIN_PIN_LENGTH = 4;

async function derive(pin: string, salt: Uint8Array<ArrayBuffer>, iterations: number): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(pin), 'PBKDF2', false, ['deriveBits']);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, key, 256));
}

/** Compare without an early exit (the time does not tell how many bytes matched). */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

export async function hashPin(pin: string, iterations = ITERATIONS): Promise<PinHash> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return { salt, hash: await derive(pin, salt, iterations), iterations };
}

export async function verifyPin(pin: string, stored: PinHash): Promise<boolean> {
  return sameBytes(await derive(pin, stored.salt, stored.iterations), stored.hash);
}

export type LockResult = { readonly ok: true } | { readonly ok: false; readonly error: 'no-pin' | 'wrong-pin' | 'pin-too-short' };

export class LockService {
  readonly state = new Store<LockState>({ locked: false, hasPin: false });

  constructor(
    private readonly settings: SettingsStore,
    private readonly changed: () => void,
  ) {}

  async load(): Promise<void> {
    const [locked, pin] = await Promise.all([this.settings.get('locked'), this.settings.get('lockPin')]);
    this.state.patch({ locked: locked === true, hasPin: pin !== undefined });
  }

  async setPin(pin: string): Promise<LockResult> {
    if (pin.length < MIN_PIN_LENGTH) return { ok: false, error: 'pin-too-short' };
    await this.settings.set('lockPin', await hashPin(pin));
    this.state.patch({ hasPin: true });
    return { ok: true };
  }

  async lock(): Promise<LockResult> {
    if ((await this.settings.get('lockPin')) === undefined) return { ok: false, error: 'no-pin' };
    await this.settings.set('locked', true);
    this.state.patch({ locked: true });
    this.changed();
    return { ok: true };
  }

  async unlock(pin: string): Promise<LockResult> {
    const stored = await this.settings.get('lockPin');
    if (!stored) return { ok: false, error: 'no-pin' };
    if (!(await verifyPin(pin, stored))) return { ok: false, error: 'wrong-pin' };
    await this.settings.set('locked', false);
    this.state.patch({ locked: false });
    this.changed();
    return { ok: true };
  }
}
