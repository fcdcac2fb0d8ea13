/**
 * The console page of the extension: the side panel and the full tab are
 * this same page. Like src/main.ts, but it never runs a host and never
 * elects a leader: the extension's service worker is the only host, and the
 * page follows it over a chrome.runtime port (it reconnects by itself when
 * the worker restarts). Edits are still written to the outbox by the page
 * (the extension's IndexedDB, shared with the worker) before the control
 * says "queued"; the worker is then told.
 */
import { Console } from '../app/console.js';
import { runtimePortTransport } from '../host/ports.js';
import { profileFromLink } from '../model/profile.js';
import '../ui/hf-app.js';
import { initTheme } from '../ui/theme.js';
import { PORT_NAME, TUNING_KEY, chromeApi, type ChromeApi } from './chrome-api.js';
import { brokerOrigins } from './permissions.js';
import { ensureWakeAlarm, type HostTuning } from './supervisor.js';

initTheme();

/** Timing overrides for demos and tests, as main.ts reads them (?backoffMaxMs=2000&heartbeatIntervalMs=2000…). */
function tuningFrom(params: URLSearchParams): HostTuning | null {
  const num = (name: string): number | undefined => {
    const v = Number(params.get(name));
    return params.has(name) && Number.isFinite(v) && v >= 0 ? v : undefined;
  };
  const pick = <K extends string>(...names: K[]) =>
    Object.fromEntries(names.flatMap((n) => (num(n) === undefined ? [] : [[n, num(n)]]))) as Partial<Record<K, number>>;
  const engine = pick('quietMs', 'echoDeadlineMs', 'askDeadlineMs');
  const connection = pick('backoffInitialMs', 'backoffMaxMs', 'heartbeatIntervalMs', 'heartbeatTimeoutMs', 'probeIntervalMs');
  const graceMs = num('graceMs');
  const wakeMinutes = num('wakeMinutes');
  if (Object.keys(engine).length === 0 && Object.keys(connection).length === 0 && graceMs === undefined && wakeMinutes === undefined) return null;
  return { engine, connection, ...(graceMs !== undefined ? { graceMs } : {}), ...(wakeMinutes !== undefined ? { wakeMinutes } : {}) };
}

/** Ask for the broker's origins (optional host permissions), inside the operator's Save; saving never waits for it. */
function requestBrokerAccess(chrome: ChromeApi): (url: string) => void {
  return (url) => {
    const origins = brokerOrigins(url);
    if (origins.length === 0) return;
    try {
      chrome.permissions.request({ origins }).then(
        (granted) => {
          if (!granted) console.warn(`Holdfast: access to ${origins.join(', ')} was not granted; the connection diagnosis may be less precise`);
        },
        (err: unknown) => console.warn('Holdfast: could not ask for access to the broker', err),
      );
    } catch (err) {
      console.warn('Holdfast: could not ask for access to the broker', err);
    }
  };
}

async function boot(): Promise<void> {
  const chrome = chromeApi();
  const app = document.querySelector('hf-app');
  if (!chrome) {
    document.body.textContent = 'This page is part of the Holdfast extension; open it from the extension.';
    return;
  }
  const params = new URLSearchParams(location.search);
  // Written before this page connects, so a host the connection starts reads it.
  const tuning = tuningFrom(params);
  if (tuning) await chrome.storage.local.set({ [TUNING_KEY]: tuning });
  const console = new Console({
    fixedHost: { connect: () => runtimePortTransport(() => chrome.runtime.connect({ name: PORT_NAME })) },
    requestBrokerAccess: requestBrokerAccess(chrome),
    // An edit is "queued" only once the worker is sure to wake for it, even if it is stopped this instant.
    onOutstanding: () => ensureWakeAlarm(chrome.alarms, tuning?.wakeMinutes),
  });
  const link = profileFromLink(params);
  if (app) {
    app.console = console;
    if (link && !link.ok) app.linkError = Object.values(link.errors).join('; ');
  }
  void console.boot();
  // No server hosts the extension: the broker comes from the operator (or a provisioning link), never preset.
  await console.start({ link: link?.ok ? link.profile : null });
  addEventListener('pageshow', (e: PageTransitionEvent) => {
    if (e.persisted) console.client.rejoin();
  });
  addEventListener('pagehide', () => console.client.leave());
}

void boot();
