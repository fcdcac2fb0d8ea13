import type { HoldfastDb } from './db.js';

interface SealedSecret {
  readonly iv: Uint8Array<ArrayBuffer>;
  readonly data: ArrayBuffer;
}

const KEY_ROW = 'secret-key';
const secretRow = (profileId: string) => `secret:${profileId}`;

/**
 * Saved broker passwords, encrypted with AES-GCM under a non-extractable
 * WebCrypto key that lives in this origin's IndexedDB. It protects against
 * someone copying the database files or reading an export; it does not
 * protect against code running in this origin (which can ask the key to
 * decrypt) — see the README.
 */
export class SecretStore {
  constructor(private readonly db: HoldfastDb) {}

  private async key(): Promise<CryptoKey> {
    const row = await this.db.settings.get(KEY_ROW);
    if (row?.value instanceof CryptoKey) return row.value;
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    await this.db.settings.put({ key: KEY_ROW, value: key });
    return key;
  }

  async save(profileId: string, password: string): Promise<void> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const data = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, await this.key(), new TextEncoder().encode(password));
    const sealed: SealedSecret = { iv, data };
    await this.db.settings.put({ key: secretRow(profileId), value: sealed });
  }

  async load(profileId: string): Promise<string | undefined> {
    const row = await this.db.settings.get(secretRow(profileId));
    const sealed = row?.value as SealedSecret | undefined;
    if (!sealed) return undefined;
    try {
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: sealed.iv }, await this.key(), sealed.data);
      return new TextDecoder().decode(plain);
    } catch {
      // The key was lost (site data partly cleared): the operator types the password again.
      return undefined;
    }
  }

  async remove(profileId: string): Promise<void> {
    await this.db.settings.delete(secretRow(profileId));
  }
}
