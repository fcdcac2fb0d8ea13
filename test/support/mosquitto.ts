// A real Mosquitto 2.0 for the integration and end-to-end suites: MQTT 5, a
// password file and an ACL, on a loopback port, with a WebSocket bridge in
// front (Debian's build has no WebSocket listener; see ws-bridge.ts).
//
// Users (see MOSQUITTO_USERS for the passwords):
//   anonymous  the console, unless a test logs it in: reads `#`; writes only
//              the simulated devices' command topics (Homie 5 sets only under
//              the genlock, output and system nodes) and holdfast/#; see
//              CONSOLE_WRITABLE_TOPICS (with the exact command topics of the
//              device corpus the e2e suite replays, CORPUS_COMMAND_TOPICS).
//              Any other write is refused: on MQTT 5
//              a QoS 1 publish gets PUBACK 0x87 (on 3.1.1 a plain PUBACK, and
//              the message is dropped), e.g. homie/5/<id>/restricted/<p>/set.
//              It cannot publish device status (no spoofing retained values).
//   operator   the same rights, for tests that log the console in.
//   device     simulated devices and fake devices published by tests: readwrite #.
//   spy        the stack's publish spy: readwrite #.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { startWsBridge, type WsBridge } from './ws-bridge.js';

export interface MosquittoUser {
  readonly username: string;
  readonly password: string;
}

export interface MosquittoUsers {
  readonly device: MosquittoUser;
  readonly spy: MosquittoUser;
  readonly operator: MosquittoUser;
  /** The console's login when a test wants one (the `operator` user). */
  readonly console: MosquittoUser;
}

const operator: MosquittoUser = { username: 'operator', password: 'operator-test-password' };
export const MOSQUITTO_USERS: MosquittoUsers = {
  device: { username: 'device', password: 'device-test-password' },
  spy: { username: 'spy', password: 'spy-test-password' },
  operator,
  console: operator,
};

/** Command topics of the device fixtures test/e2e/corpus.spec.ts operates, each exactly (no wildcards). */
export const CORPUS_COMMAND_TOPICS = [
  'kitchen-fan/number/fan_timer/command',
  'ems-esp/boiler/pumpmode',
  'front-door/text/display_message/command',
  'homie/5/audio-mixer/ch-2/level/set',
  'homie/5/mertik-maxitrol/burner/value/set',
] as const;

/** Topics anonymous clients and `operator` may write; everything else is refused. */
export const CONSOLE_WRITABLE_TOPICS = [
  'homie/5/+/genlock/+/set',
  'homie/5/+/output/+/set',
  'homie/5/+/system/+/set',
  // The other simulated conventions: Homie 3/4 sets, the ESPHome-style fan's commands, the mapped VP4's actions.
  'homie/+/+/+/set',
  'esp-fan/+/+/command',
  'cy-vp4/videoproc/action/#',
  // Zigbee2MQTT's sets and reads (friendly names may contain "/", so the name level is a wildcard), Tasmota's commands, the mixer.
  'zigbee2mqtt/+/set',
  'zigbee2mqtt/+/set/+',
  'zigbee2mqtt/+/get',
  'cmnd/+/+',
  'homie/5/mixer8/+/+/set',
  // The retain-off ESPHome pump (sim/garden-pump.ts).
  'garden-pump/+/+/command',
  // The device corpus the e2e suite replays (test/e2e/corpus.spec.ts): exactly the command topics it operates.
  ...CORPUS_COMMAND_TOPICS,
  'holdfast/#',
] as const;

export interface StartMosquittoOptions {
  /** MQTT/TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** WebSocket bridge port; 0 (the default) picks a free one. */
  wsPort?: number;
}

export interface Mosquitto {
  /** mqtt://127.0.0.1:<tcpPort> */
  readonly tcpUrl: string;
  /** ws://127.0.0.1:<wsPort>, the bridge in front of the TCP listener. */
  readonly wsUrl: string;
  readonly tcpPort: number;
  readonly wsPort: number;
  readonly users: MosquittoUsers;
  /** The broker process id while it runs. */
  readonly pid: number | null;
  /** Mosquitto's own log (log_type all) across restarts, newest ~1 MB. */
  log(): string;
  /** Stop the broker (SIGTERM, SIGKILL after 2 s) and the bridge; remove the temp dir. */
  stop(): Promise<void>;
  /** Stop and start the broker on the same port. Retained messages are lost (persistence false). */
  restart(): Promise<void>;
  /** SIGSTOP: sockets stay open, nothing is answered (a hung broker). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
}

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 2_000;
const LOG_LIMIT = 1 << 20;

/**
 * Mosquitto runs under a tiny shell that holds the write end of a pipe from
 * this process on its stdin. When this process dies in any way (even
 * SIGKILL from a test runner's timeout), the pipe closes and the shell
 * stops the broker and removes its temp dir ($HOLDFAST_MOSQUITTO_DIR), so no
 * broker outlives its test.
 */
const WATCHDOG = [
  'exec 3<&0',
  '"$@" </dev/null 3<&- &',
  'child=$!',
  'echo "$child"',
  '( while read -r _ <&3; do :; done',
  // From here on, ignore the main shell's "kill $watchdog": the broker's exit must not cut the cleanup short.
  "  trap '' TERM",
  '  kill -CONT "$child"; kill -TERM "$child"',
  '  for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do kill -0 "$child" || break; sleep 0.1; done',
  '  kill -KILL "$child"; rm -rf "$HOLDFAST_MOSQUITTO_DIR" ) >/dev/null 2>&1 &',
  'watchdog=$!',
  'wait "$child"',
  'code=$?',
  'kill "$watchdog" 2>/dev/null',
  'exit "$code"',
].join('\n');

/** Brokers to kill, and their temp dirs to remove, if this process exits without stop(). */
const live = new Set<number>();
const dirs = new Set<string>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of live) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });
}

function findExecutable(name: string, envVar: string, extraDirs: readonly string[]): string {
  const fromEnv = process.env[envVar];
  if (fromEnv) return fromEnv;
  // /usr/sbin is often not on a non-root PATH, and that is where Debian puts mosquitto.
  const dirs = [...(process.env['PATH'] ?? '').split(delimiter), ...extraDirs].filter(Boolean);
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, fsConstants.X_OK);
      return candidate;
    } catch {
      // Not here.
    }
  }
  throw new Error(
    `${name} not found (looked in PATH and ${extraDirs.join(', ')}; set ${envVar} to override). ` +
      'Install the Debian package "mosquitto", or run only the embedded broker with HOLDFAST_BROKERS=aedes.',
  );
}

/** Bind :0, read the port, release it. Racy in theory; mosquitto's bind error is reported if it loses. */
export function freePort(): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, HOST, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => { resolve(port); });
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const s = createConnection({ host: HOST, port });
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(250, () => { done(false); });
    s.once('connect', () => { done(true); });
    s.once('error', () => { done(false); });
  });
}

function writeConfig(dir: string, port: number): string {
  const passwd = join(dir, 'passwd');
  const acl = join(dir, 'acl');
  const conf = join(dir, 'mosquitto.conf');
  const mosquittoPasswd = findExecutable('mosquitto_passwd', 'HOLDFAST_MOSQUITTO_PASSWD', ['/usr/bin', '/usr/local/bin']);
  writeFileSync(passwd, '', { mode: 0o600 });
  for (const { username, password } of [MOSQUITTO_USERS.device, MOSQUITTO_USERS.spy, MOSQUITTO_USERS.operator]) {
    execFileSync(mosquittoPasswd, ['-b', passwd, username, password], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
  const consoleRights = ['topic read #', ...CONSOLE_WRITABLE_TOPICS.map((t) => `topic write ${t}`)];
  writeFileSync(
    acl,
    [
      '# Lines before the first "user" apply to anonymous clients (the console).',
      ...consoleRights,
      '',
      `user ${MOSQUITTO_USERS.operator.username}`,
      ...consoleRights,
      '',
      `user ${MOSQUITTO_USERS.device.username}`,
      'topic readwrite #',
      '',
      `user ${MOSQUITTO_USERS.spy.username}`,
      'topic readwrite #',
      '',
    ].join('\n'),
  );
  writeFileSync(
    conf,
    [
      // As root, Mosquitto 2 drops to user "mosquitto", who cannot read our 0600 temp files.
      ...(process.getuid?.() === 0 ? ['user root'] : []),
      `listener ${port} ${HOST}`,
      'persistence false',
      'allow_anonymous true',
      `password_file ${passwd}`,
      `acl_file ${acl}`,
      // Without it Nagle + delayed ACK add ~40 ms to small packets and slow every test.
      'set_tcp_nodelay true',
      'log_dest stderr',
      // "all" includes the debug lines tests count, e.g. "Denied PUBLISH from …".
      'log_type all',
      'connection_messages true',
      'log_timestamp true',
      'log_timestamp_format %H:%M:%S',
      '',
    ].join('\n'),
  );
  return conf;
}

export async function startMosquitto(opts: StartMosquittoOptions = {}): Promise<Mosquitto> {
  installExitHook();
  const bin = findExecutable('mosquitto', 'HOLDFAST_MOSQUITTO', ['/usr/sbin', '/usr/local/sbin', '/opt/homebrew/sbin']);
  const dir = mkdtempSync(join(tmpdir(), 'holdfast-mosquitto-'));
  dirs.add(dir);
  const removeDir = (): void => {
    rmSync(dir, { recursive: true, force: true });
    dirs.delete(dir);
  };
  const tcpPort = opts.port ? opts.port : await freePort();
  let conf: string;
  try {
    conf = writeConfig(dir, tcpPort);
  } catch (err) {
    removeDir();
    throw err;
  }

  let logText = '';
  const appendLog = (text: string): void => {
    logText += text;
    if (logText.length > LOG_LIMIT) logText = logText.slice(logText.length - LOG_LIMIT / 2);
  };

  let proc: ChildProcess | null = null;
  let pid: number | null = null;
  let exited: Promise<void> = Promise.resolve();
  let paused = false;

  const launch = async (): Promise<void> => {
    const child = spawn('/bin/sh', ['-c', WATCHDOG, 'mosquitto', bin, '-c', conf], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, HOLDFAST_MOSQUITTO_DIR: dir },
    });
    proc = child;
    let exitInfo: string | null = null;
    exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        exitInfo = signal ? `signal ${signal}` : `code ${String(code)}`;
        if (pid !== null) live.delete(pid);
        pid = null;
        if (proc === child) proc = null;
        resolve();
      });
    });
    let spawnError: Error | null = null;
    child.once('error', (err) => { spawnError = err; });
    child.stderr?.setEncoding('utf8').on('data', appendLog);
    const gotPid = new Promise<number | null>((resolve) => {
      let out = '';
      child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const line = out.split('\n')[0];
        if (out.includes('\n') && line) resolve(Number(line));
      });
      void exited.then(() => { resolve(null); });
    });
    const started = await gotPid;
    if (started !== null && proc === child) {
      pid = started;
      live.add(started);
    }
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (spawnError || exitInfo !== null) {
        throw new Error(`mosquitto (${bin}) exited before listening on ${HOST}:${tcpPort} (${spawnError ? String(spawnError) : exitInfo}):\n${logText.trim()}`);
      }
      if (await canConnect(tcpPort)) {
        // Something answered; make sure it is our broker and not a process that won the port race.
        await new Promise((r) => setTimeout(r, 20));
        if (exitInfo === null) {
          // From now on neither the broker nor its pipes may keep the test process alive on their own.
          child.unref();
          for (const s of [child.stdin, child.stdout, child.stderr]) (s as unknown as { unref?: () => void } | null)?.unref?.();
          return;
        }
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`mosquitto did not listen on ${HOST}:${tcpPort} within ${READY_TIMEOUT_MS} ms:\n${logText.trim()}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  };

  const halt = async (): Promise<void> => {
    const child = proc;
    if (!child) return;
    const target = pid;
    const signal = (sig: NodeJS.Signals): void => {
      try {
        if (target !== null) process.kill(target, sig);
        else child.kill(sig);
      } catch {
        // Already gone.
      }
    };
    // A stopped process cannot act on SIGTERM.
    if (paused) signal('SIGCONT');
    paused = false;
    signal('SIGTERM');
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => { r(true); }, STOP_GRACE_MS)),
    ]);
    if (timedOut) {
      signal('SIGKILL');
      child.kill('SIGKILL');
      await exited;
    }
  };

  try {
    await launch();
  } catch (err) {
    await halt();
    removeDir();
    throw err;
  }

  let bridge: WsBridge;
  try {
    bridge = await startWsBridge({ targetHost: HOST, targetPort: tcpPort, port: opts.wsPort ?? 0 });
  } catch (err) {
    await halt();
    removeDir();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    tcpUrl: `mqtt://${HOST}:${tcpPort}`,
    wsUrl: bridge.url,
    tcpPort,
    wsPort: bridge.port,
    users: MOSQUITTO_USERS,
    get pid() {
      return pid;
    },
    log: () => logText,
    stop() {
      stopping ??= (async () => {
        await bridge.close();
        await halt();
        removeDir();
      })();
      return stopping;
    },
    async restart() {
      if (stopping) throw new Error('mosquitto was stopped');
      await halt();
      // The bridge stays up (same wsUrl); its pairs closed with the broker's sockets.
      bridge.drop();
      appendLog(`--- restart ${new Date().toISOString()} ---\n`);
      await launch();
    },
    pause() {
      if (pid === null || paused) return;
      process.kill(pid, 'SIGSTOP');
      paused = true;
    },
    resume() {
      if (pid === null || !paused) return;
      process.kill(pid, 'SIGCONT');
      paused = false;
    },
  };
}
