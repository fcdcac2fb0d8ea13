// `npm start` (after `vite build`): serve the built console, the embedded
// broker and the simulated devices on fixed, documented ports.
// `npm run dev` (--dev): the same, but the console comes from Vite's dev server.

import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack, type Stack } from './stack.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = `Usage: npm start -- [options]      (or: npx tsx sim/start.ts [options])

Starts the Holdfast console, an embedded MQTT broker and a simulated VP4 video processor.

Options:
  --port <n>             web console port              (HOLDFAST_PORT, default 5180)
  --broker-port <n>      broker WebSocket port         (HOLDFAST_BROKER_PORT, default 9001)
  --broker-tcp-port <n>  broker plain MQTT/TCP port    (HOLDFAST_BROKER_TCP_PORT, default: any free port)
  --control-port <n>     device control port           (HOLDFAST_CONTROL_PORT, default 5181)
  --host <addr>          address to listen on          (HOLDFAST_HOST, default 127.0.0.1)
  --dist <dir>           built console to serve        (default: dist/ in the repository)
  --dev                  serve the console from Vite's dev server instead of dist/
  --help                 show this help

Port 0 picks any free port.`;

class UsageError extends Error {}

interface Options {
  port: number;
  brokerPort: number;
  brokerTcpPort: number;
  controlPort: number;
  host: string;
  dist: string;
  dev: boolean;
  help: boolean;
}

function parsePort(text: string, from: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new UsageError(`${from} must be a port number 0-65535, got "${text}"`);
  return n;
}

function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Options {
  const flags = new Map<string, string>();
  let dev = false;
  let help = false;
  const valued = ['--port', '--broker-port', '--broker-tcp-port', '--control-port', '--host', '--dist'];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--help' || a === '-h') help = true;
    else if (a === '--dev') dev = true;
    else {
      const eq = a.indexOf('=');
      const name = eq > 0 ? a.slice(0, eq) : a;
      if (!valued.includes(name)) throw new UsageError(`unknown option ${a} (see --help)`);
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined || value === '') throw new UsageError(`${name} needs a value`);
      flags.set(name, value);
    }
  }
  const port = (flag: string, envName: string, dflt: number): number => {
    const f = flags.get(flag);
    if (f !== undefined) return parsePort(f, flag);
    const e = env[envName];
    if (e !== undefined && e !== '') return parsePort(e, envName);
    return dflt;
  };
  return {
    port: port('--port', 'HOLDFAST_PORT', 5180),
    brokerPort: port('--broker-port', 'HOLDFAST_BROKER_PORT', 9001),
    brokerTcpPort: port('--broker-tcp-port', 'HOLDFAST_BROKER_TCP_PORT', 0),
    controlPort: port('--control-port', 'HOLDFAST_CONTROL_PORT', 5181),
    host: flags.get('--host') ?? (env['HOLDFAST_HOST'] || '127.0.0.1'),
    dist: resolve(flags.get('--dist') ?? resolve(repoRoot, 'dist')),
    dev,
    help,
  };
}

/** Vite's dev server with /config.json answered the same way the static server does. */
async function startDevServer(o: Options, brokerUrl: string): Promise<{ url: string; close(): Promise<void> }> {
  const { createServer } = await import('vite');
  const config = JSON.stringify({ brokerUrl });
  const server = await createServer({
    root: repoRoot,
    server: { host: o.host, port: o.port, strictPort: true },
    plugins: [
      {
        name: 'holdfast-config-json',
        configureServer(s) {
          s.middlewares.use((req, res, next) => {
            if (req.url?.split('?')[0] !== '/config.json') {
              next();
              return;
            }
            res.setHeader('Content-Type', 'application/json; charset=utf-8');
            res.setHeader('Cache-Control', 'no-store');
            res.end(config);
          });
        },
      },
    ],
  });
  try {
    await server.listen();
  } catch (err) {
    await server.close();
    const msg = err instanceof Error ? err.message : String(err);
    if (/already in use/i.test(msg)) {
      throw new Error(`port ${o.port} is already in use (web console); choose another with --port <n> or HOLDFAST_PORT`);
    }
    throw err;
  }
  const url = server.resolvedUrls?.local[0] ?? `http://${o.host}:${o.port}/`;
  return { url, close: () => server.close() };
}

async function main(): Promise<void> {
  let o: Options;
  try {
    o = parseArgs(process.argv.slice(2), process.env);
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
  if (o.help) {
    console.log(USAGE);
    return;
  }
  if (!o.dev && !existsSync(resolve(o.dist, 'index.html'))) {
    console.error(`no built console in ${o.dist} (index.html missing); run npm run build first`);
    process.exit(1);
  }

  // Device chatter during startup would bury a busy-port error; show it once we're up.
  let started = false;
  const log = (line: string): void => {
    if (started) console.log(line);
  };
  let stack: Stack;
  let dev: { url: string; close(): Promise<void> } | undefined;
  try {
    stack = await startStack({
      host: o.host,
      webPort: o.port,
      brokerPort: o.brokerPort,
      brokerTcpPort: o.brokerTcpPort,
      controlPort: o.controlPort,
      ...(o.dev ? {} : { distDir: o.dist }),
      log,
    });
  } catch (err) {
    // Expected failures (busy port, bad address) are one line, no stack trace.
    console.error(err instanceof Error ? err.message : String(err));
    process.exit(1);
  }
  if (o.dev) {
    try {
      dev = await startDevServer(o, stack.brokerWsUrl);
    } catch (err) {
      await stack.stop();
      console.error(err instanceof Error ? err.message : String(err));
      process.exit(1);
    }
  }

  started = true;
  const controlPort = new URL(stack.controlUrl).port;
  const portFlag = controlPort === '5181' ? '' : ` --control-port ${controlPort}`;
  const deviceIds = [...stack.devices.keys()];
  const conventions: Record<string, string> = { lamp4: 'Homie 4', 'esp-fan': 'Home Assistant discovery', 'cy-vp4': 'mapped text topics', 'studio-light': 'Zigbee2MQTT', 'tasmota-plug': 'Tasmota, Home Assistant discovery', mixer8: 'Homie 5', 'garden-pump': 'Home Assistant discovery, state not retained' };
  console.log(
    [
      '',
      `  Holdfast console: ${dev?.url ?? stack.appUrl ?? ''}`,
      `  MQTT broker:      ${stack.brokerWsUrl} (WebSocket)` + (stack.brokerTcpUrl ? `, ${stack.brokerTcpUrl} (TCP)` : ''),
      `  Devices:          ${[...deviceIds.map((id) => `${id} (Homie 5)`), ...[...stack.extraDevices.keys()].map((id) => `${id} (${conventions[id] ?? 'simulated'})`)].join(', ') || 'none'}`,
      `  Hardware side:    npm run device -- set vp4 genlock/phase-h -25${portFlag}`,
      '',
      '  Press Ctrl-C to stop.',
      '',
    ].join('\n'),
  );

  let stopping = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (stopping) {
      // Second Ctrl-C: the user wants out now.
      process.exit(130);
    }
    stopping = true;
    console.log(`\n${signal}: stopping (devices disconnect, broker closes)…`);
    // Never hang on shutdown: whatever is left after 2 s is abandoned.
    const deadline = setTimeout(() => process.exit(0), 2000);
    deadline.unref();
    void Promise.all([dev?.close(), stack.stop()])
      .catch(() => {})
      .then(() => {
        console.log('stopped');
        process.exit(0);
      });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
