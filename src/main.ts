import { offerToBench } from './bench-hooks.js';
import { paintLastKnown } from './ui/first-paint.js';
import { initTheme } from './ui/theme.js';

initTheme();

interface ServerConfig {
  brokerUrl?: string;
  /** A custom-topic mapping the server ships (imported once, then the operator's copy rules). */
  mapping?: unknown;
  /** Alarm rules the server ships, `[rule, …]` as in the configuration file's "alarms" (imported once). */
  alarms?: unknown;
}

/** The server may preconfigure a broker (npm start does); offline, the service worker answers from cache. */
async function fetchConfig(): Promise<ServerConfig> {
  try {
    const res = await fetch('/config.json', { signal: AbortSignal.timeout(3000) });
    return res.ok ? ((await res.json()) as ServerConfig) : {};
  } catch {
    return {};
  }
}

async function boot(): Promise<void> {
  // The last-known state is on screen before the app's code (Lit, Dexie, the elements) has even loaded.
  await paintLastKnown();
  const { Console, workerLauncher } = await import('./app/app-bundle.js');
  const params = new URLSearchParams(location.search);
  // Timing overrides for demos and tests, e.g. ?backoffMaxMs=2000&heartbeatIntervalMs=2000.
  const num = (name: string): number | undefined => {
    const v = Number(params.get(name));
    return params.has(name) && Number.isFinite(v) && v >= 0 ? v : undefined;
  };
  const pick = <K extends string>(...names: K[]) =>
    Object.fromEntries(names.flatMap((n) => (num(n) === undefined ? [] : [[n, num(n)]]))) as Partial<Record<K, number>>;
  const console = new Console({
    launcher: workerLauncher({
      engine: pick('quietMs', 'echoDeadlineMs', 'askDeadlineMs'),
      connection: pick('backoffInitialMs', 'backoffMaxMs', 'heartbeatIntervalMs', 'heartbeatTimeoutMs', 'probeIntervalMs'),
      ...(num('graceMs') !== undefined ? { graceMs: num('graceMs')! } : {}),
    }),
  });
  offerToBench(console);
  // The operator's language (their choice for this browser, else the browser's) before anything renders or is said.
  await console.loadLanguage();
  // Read through the console: the link's checks are messages (@lit/localize), which come with the app, not in this entry.
  const link = console.profiles.fromLink(params);
  const app = document.querySelector('hf-app');
  if (app) {
    app.console = console;
    if (link && !link.ok) app.linkError = Object.values(link.errors).join('; ');
  }
  // The last-known state is read while the server is asked for its config: first paint waits for neither in turn.
  void console.boot();
  const config = await fetchConfig();
  await console.start({ defaultBrokerUrl: config.brokerUrl ?? null, link: link?.ok ? link.profile : null, defaultMapping: config.mapping, defaultAlarms: config.alarms });
  // A shared view (?view=<base64url JSON>): stored and shown; it holds no secrets.
  const sharedView = params.get('view');
  if (sharedView && app) {
    const imported = await console.workspace.importViewLink(sharedView);
    if (imported.ok) console.showView(imported.view.id);
    else app.linkError = imported.error;
  }
  addEventListener('pageshow', (e: PageTransitionEvent) => {
    if (e.persisted) console.client.rejoin();
  });
  addEventListener('pagehide', () => console.client.leave());
  if ('serviceWorker' in navigator && !import.meta.env.DEV) {
    const { registerServiceWorker } = await import('./sw-registration.js');
    registerServiceWorker(app);
  }
}

void boot();
