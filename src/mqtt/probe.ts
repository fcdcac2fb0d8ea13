import { diagnosis, type Diagnosis } from './diagnosis.js';

/**
 * Browsers hide why a WebSocket failed (every failure is close code 1006).
 * An HTTP request to the same host and port tells the two big cases apart:
 * something answered (so the WebSocket upgrade itself was refused: wrong
 * path, or a proxy that blocks WebSockets) or nothing did (DNS, refused,
 * firewall). For wss://, a plain-HTTP answer on the same port means TLS was
 * pointed at a plain listener.
 */
export async function probeBroker(wsUrl: string, timeoutMs = 4000): Promise<Diagnosis> {
  const url = new URL(wsUrl);
  const secure = url.protocol === 'wss:';
  const where = `${url.hostname}:${url.port || (secure ? '443' : '80')}`;
  const path = url.pathname || '/';
  if (await blockedByPolicy(url)) return diagnosis('blocked-by-policy', { key: 'blocked-by-csp', where }, true);
  const answers = (scheme: 'http:' | 'https:'): Promise<boolean> => httpAnswers(url, scheme, timeoutMs);
  if (await answers(secure ? 'https:' : 'http:')) return diagnosis('upgrade-rejected', { key: 'upgrade-refused', where, path }, false);
  if (secure && (await answers('http:'))) return diagnosis('tls', { key: 'plain-http-not-tls', where, path: url.pathname }, false);
  return secure ? diagnosis('tls', { key: 'tls-failed', where }, false) : diagnosis('unreachable', { key: 'nothing-answered', where }, false);
}

/** Does anything answer HTTP at the broker's host and port? (A no-cors request: opaque, but it resolves.) */
async function httpAnswers(url: URL, scheme: 'http:' | 'https:', timeoutMs: number): Promise<boolean> {
  try {
    const probe = new URL(url.href);
    probe.protocol = scheme;
    await fetch(probe.href, { mode: 'no-cors', cache: 'no-store', credentials: 'omit', signal: AbortSignal.timeout(timeoutMs) });
    return true;
  } catch {
    return false;
  }
}

/**
 * The cheap check between reconnect attempts: is the broker's host reachable
 * again? One HTTP request to the WebSocket port (a WebSocket listener
 * answers plain HTTP with an error status, which is enough).
 */
export function brokerReachable(wsUrl: string, timeoutMs = 1500): Promise<boolean> {
  const url = new URL(wsUrl);
  return httpAnswers(url, url.protocol === 'wss:' ? 'https:' : 'http:', timeoutMs);
}

/** Whether this page's CSP forbids the broker origin (the browser then hides everything else). */
async function blockedByPolicy(url: URL): Promise<boolean> {
  // Pages and workers both report violations; Node (tests, fleet) has no policy.
  const target: EventTarget | null = typeof document !== 'undefined' ? document : typeof SecurityPolicyViolationEvent !== 'undefined' ? (globalThis as unknown as EventTarget) : null;
  if (target === null || typeof WebSocket === 'undefined') return false;
  return new Promise<boolean>((resolve) => {
    let blocked = false;
    const onViolation = (e: Event): void => {
      const v = e as SecurityPolicyViolationEvent;
      if (v.effectiveDirective === 'connect-src' && v.blockedURI.startsWith(`${url.protocol}//${url.host}`)) blocked = true;
    };
    target.addEventListener('securitypolicyviolation', onViolation);
    try {
      // Constructing a WebSocket to a forbidden origin reports a violation (and fails) at once.
      const ws = new WebSocket(url.href, 'mqtt');
      ws.onopen = () => ws.close();
      ws.onerror = () => undefined;
    } catch {
      blocked = true;
    }
    // Violation events are queued as tasks: give them a moment to arrive.
    setTimeout(() => {
      target.removeEventListener('securitypolicyviolation', onViolation);
      resolve(blocked);
    }, 100);
  });
}
