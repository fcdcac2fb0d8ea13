/**
 * The optional host permissions a broker needs: its WebSocket origin and the
 * matching http(s) origin the connection's probe asks when a WebSocket fails
 * (mqtt/probe.ts). Match patterns carry no port: they cover every port on
 * that host. Asked when a profile is saved, never up front.
 */
export function brokerOrigins(url: string): string[] {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return [];
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') return [];
  const host = u.hostname.includes(':') && !u.hostname.startsWith('[') ? `[${u.hostname}]` : u.hostname;
  return [`${u.protocol}//${host}/*`, `${u.protocol === 'wss:' ? 'https:' : 'http:'}//${host}/*`];
}
