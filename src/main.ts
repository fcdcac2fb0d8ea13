import { Hub } from './engine/hub.js';
import { profileFromLink } from './model/profile.js';
import './ui/hf-app.js';

interface ServerConfig {
  brokerUrl?: string;
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
  const params = new URLSearchParams(location.search);
  const hub = new Hub({
    engine: {
      ...(params.has('quietMs') ? { quietMs: Number(params.get('quietMs')) } : {}),
      ...(params.has('echoDeadlineMs') ? { echoDeadlineMs: Number(params.get('echoDeadlineMs')) } : {}),
    },
  });
  const link = profileFromLink(params);
  const app = document.querySelector('hf-app');
  if (app) {
    app.hub = hub;
    if (link && !link.ok) app.linkError = Object.values(link.errors).join('; ');
  }
  const config = await fetchConfig();
  await hub.start({ defaultBrokerUrl: config.brokerUrl ?? null, link: link?.ok ? link.profile : null });
  addEventListener('pagehide', () => void hub.persistNow());
  if ('serviceWorker' in navigator && !import.meta.env.DEV) {
    const { registerServiceWorker } = await import('./sw-registration.js');
    registerServiceWorker(app);
  }
}

void boot();
