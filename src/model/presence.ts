/** What a console announces about itself (advisory only: the device stays the truth). */
export interface PresenceInfo {
  readonly clientId: string;
  readonly name: string;
  readonly editing: { readonly deviceId: string; readonly propertyId: string } | null;
  readonly at: number;
}

export const DEFAULT_PRESENCE_BASE = 'holdfast/presence';

/**
 * The name a console without one goes by, on the wire (English, as every
 * console reads it); a page shows it in its own language (hf-presence.ts).
 */
export const UNNAMED_OPERATOR = 'Unnamed operator';

export function presenceTopic(base: string, clientId: string): string {
  return `${base}/${clientId}`;
}

export function encodePresence(p: Omit<PresenceInfo, 'clientId'>): string {
  return JSON.stringify({ name: p.name, editing: p.editing, at: p.at });
}

/** Parse another console's presence; an empty payload (its will, or a clean exit) means it left. */
export function parsePresence(base: string, topic: string, payload: string): { clientId: string; info: PresenceInfo | null } | null {
  if (!topic.startsWith(`${base}/`)) return null;
  const clientId = topic.slice(base.length + 1);
  if (!clientId || clientId.includes('/')) return null;
  if (payload === '') return { clientId, info: null };
  try {
    const raw = JSON.parse(payload) as { name?: unknown; editing?: unknown; at?: unknown };
    const name = typeof raw.name === 'string' && raw.name.trim() ? raw.name.trim().slice(0, 60) : UNNAMED_OPERATOR;
    const e = raw.editing as { deviceId?: unknown; propertyId?: unknown } | null | undefined;
    const editing = e && typeof e.deviceId === 'string' && typeof e.propertyId === 'string' ? { deviceId: e.deviceId, propertyId: e.propertyId } : null;
    return { clientId, info: { clientId, name, editing, at: typeof raw.at === 'number' ? raw.at : 0 } };
  } catch {
    return { clientId, info: null };
  }
}
