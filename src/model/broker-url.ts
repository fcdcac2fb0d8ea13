export type BrokerUrlResult = { readonly ok: true; readonly url: string } | { readonly ok: false; readonly error: string };

/**
 * Validate a broker URL typed by an operator or given in a `?broker=` link.
 * Only ws:// and wss:// are accepted: a browser cannot open raw TCP.
 */
export function parseBrokerUrl(input: string): BrokerUrlResult {
  const text = input.trim();
  if (text === '') return { ok: false, error: 'Enter the broker URL, for example ws://192.168.1.10:9001' };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, error: `"${text}" is not a URL. Use the form ws://host:port or wss://host:port/path` };
  }
  if (url.protocol === 'mqtt:' || url.protocol === 'mqtts:' || url.protocol === 'tcp:') {
    return { ok: false, error: `Browsers cannot open ${url.protocol}// connections. Use the broker's WebSocket listener: ws://${url.host} or wss://${url.host}` };
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') {
    return { ok: false, error: `Use ${url.protocol === 'https:' ? 'wss' : 'ws'}:// instead of ${url.protocol}// for a broker's WebSocket listener` };
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    return { ok: false, error: `Unsupported scheme ${url.protocol}// — use ws:// or wss://` };
  }
  if (!url.hostname) return { ok: false, error: 'The URL has no host name' };
  if (url.username || url.password) return { ok: false, error: 'Put the user name and password in their own fields, not in the URL' };
  if (url.hash) return { ok: false, error: 'A broker URL cannot contain #' };
  return { ok: true, url: url.href.replace(/\/$/, url.pathname === '/' && !text.endsWith('/') ? '' : '/') };
}
