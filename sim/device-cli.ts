// `npm run device -- set vp4 genlock/phase-h -25`: change a simulated device
// from its "hardware front panel", i.e. behind the console's back, through the
// simulator's control server (sim/control.ts).

const USAGE = `Usage:
  npm run device -- set <deviceId> <propertyId> <value>   change a setting at the hardware panel
  npm run device -- get [<deviceId>]                       show current values

Options:
  --control-port <n>   control server port (or HOLDFAST_CONTROL_PORT; default 5181)
  --help               show this help

Examples:
  npm run device -- set vp4 genlock/phase-h -25
  npm run device -- set studio-light brightness 80
  npm run device -- set tasmota-plug POWER on
  npm run device -- set mixer8 ch3/level -12
  npm run device -- set garden-pump pump on`;

class CliError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

interface Args {
  positional: string[];
  controlPort: number;
  help: boolean;
}

function parsePort(text: string, from: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw new CliError(`${from} must be a port number 1-65535, got "${text}"`, 2);
  return n;
}

function parseArgs(argv: string[]): Args {
  const positional: string[] = [];
  let help = false;
  let port: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a === '--help' || a === '-h') help = true;
    else if (a === '--control-port') {
      const v = argv[++i];
      if (v === undefined) throw new CliError('--control-port needs a value', 2);
      port = parsePort(v, '--control-port');
    } else if (a.startsWith('--control-port=')) port = parsePort(a.slice('--control-port='.length), '--control-port');
    else if (a.startsWith('--')) throw new CliError(`unknown option ${a} (see --help)`, 2);
    // Anything else, including "-25", is a positional value.
    else positional.push(a);
  }
  const env = process.env['HOLDFAST_CONTROL_PORT'];
  const controlPort = port ?? (env ? parsePort(env, 'HOLDFAST_CONTROL_PORT') : 5181);
  return { positional, controlPort, help };
}

async function request(base: string, path: string, init?: RequestInit): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    res = await fetch(base + path, { ...init, signal: AbortSignal.timeout(5000) });
  } catch {
    throw new CliError(`no simulator on ${base.replace('http://', '')} — start it with npm start`);
  }
  const text = await res.text();
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch {
    throw new CliError(`something other than the Holdfast simulator answered on ${base.replace('http://', '')}`);
  }
}

function show(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (args.help || args.positional.length === 0) {
    console.log(USAGE);
    if (!args.help) process.exitCode = 2;
    return;
  }
  const base = `http://127.0.0.1:${args.controlPort}`;
  const [cmd, ...rest] = args.positional;

  if (cmd === 'set') {
    if (rest.length !== 3) throw new CliError('usage: npm run device -- set <deviceId> <propertyId> <value>', 2);
    const [deviceId, propertyId, value] = rest as [string, string, string];
    const { body } = await request(base, `/devices/${encodeURIComponent(deviceId)}/set`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ property: propertyId, value }),
    });
    const r = body as { ok?: boolean; value?: unknown; clamped?: boolean; error?: string };
    if (!r.ok) throw new CliError(`${deviceId}: ${r.error ?? 'refused'}`);
    const note = r.clamped ? `; ${value} clamped to the device's range` : '';
    console.log(`${deviceId} ${propertyId} = ${show(r.value)} (set from the hardware panel${note})`);
    return;
  }

  if (cmd === 'get') {
    if (rest.length > 1) throw new CliError('usage: npm run device -- get [<deviceId>]', 2);
    const deviceId = rest[0];
    const { status, body } = await request(base, deviceId ? `/devices/${encodeURIComponent(deviceId)}` : '/devices');
    if (status !== 200) throw new CliError((body as { error?: string }).error ?? `HTTP ${status}`);
    const all = deviceId
      ? { [deviceId]: body as Record<string, unknown> }
      : (body as Record<string, Record<string, unknown>>);
    const ids = Object.keys(all);
    if (ids.length === 0) console.log('no simulated devices');
    for (const id of ids) {
      for (const [prop, v] of Object.entries(all[id] ?? {})) console.log(`${id} ${prop} = ${show(v)}`);
    }
    return;
  }

  throw new CliError(`unknown command "${cmd ?? ''}" (use set or get; see --help)`, 2);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof CliError) {
    console.error(err.message);
    process.exitCode = err.code;
  } else {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  }
});
