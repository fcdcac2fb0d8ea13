// What the chaos runner records during a round, from three vantage points:
//   - the console: every set the engine hands to the broker connection (with
//     its cmdId, whichever MQTT version), via a wrapper on
//     BrokerConnection.prototype.publish;
//   - the broker: every set it routed (stack.broker.onPublish; on Mosquitto
//     the spy also sees the MQTT 5 user properties holdfast-cmd-id/-base);
//   - the device: every value change of the simulated VP4, from its own log
//     ("<prop> = <value> (front panel | MQTT set)"), i.e. the device's truth.

import { BrokerConnection, type PublishOptions, type PublishResult } from '../../src/mqtt/connection.js';
import { CHAOS_DEVICES, type ChaosDevice, type Value } from './devices.js';

export type { Value };

/** Orders the events this process observes, even within one millisecond. */
let sequence = 0;
export const nextSeq = (): number => ++sequence;

export interface ConsolePublish {
  readonly at: number;
  readonly seq: number;
  readonly topic: string;
  readonly payload: string;
  readonly cmdId: string;
  /** holdfast-base as the engine passed it (stripped on the wire for MQTT 3.1.1). */
  readonly base: string | undefined;
  /** When the publishing connection's session opened (CONNACK). */
  readonly sessionAt: number | null;
  /** The setting and value this set carries (decoded as its device's convention writes it). */
  readonly prop: string | null;
  readonly value: string | null;
  /**
   * The last value of the property (from its status topic) the sending
   * connection had received on this session when it published; null if none.
   */
  readonly heard: string | null;
}

export interface BrokerSet {
  readonly at: number;
  readonly topic: string;
  readonly payload: string;
  /** Only on Mosquitto (MQTT 5 user properties). */
  readonly cmdId: string | undefined;
  readonly base: string | undefined;
  /** The setting and value it carries. */
  readonly prop: string;
  readonly value: string;
}

/** The chaos device a set topic belongs to, and what the set carries (one setting per Holdfast set). */
export function decodeSet(topic: string, payload: string): { device: ChaosDevice; prop: string; value: string } | null {
  const device = CHAOS_DEVICES.find((d) => d.isSetTopic(topic));
  const first = device?.decodeSet(topic, payload)[0];
  return device && first ? { device, prop: first[0], value: first[1] } : null;
}

export interface DeviceChange {
  /** The simulator's device id. */
  readonly device: string;
  readonly at: number;
  readonly seq: number;
  /** The device was connected, so it published the change at once. */
  readonly online: boolean;
  readonly prop: string;
  readonly value: Value;
  readonly source: 'panel' | 'set';
}

/** What a test hook wants done with a console publish. */
export type PublishHook = (p: ConsolePublish) => 'before' | 'after' | 'puback' | undefined;

let consoleLog: ConsolePublish[] = [];
let listener: ((p: ConsolePublish) => void) | null = null;
let hook: { fn: PublishHook; act: (when: 'before' | 'after' | 'puback') => void } | null = null;
let installed = false;

/** What each connection heard on its current session: the last payload per topic. */
interface Heard {
  session: number | null;
  readonly last: Map<string, string>;
}
const heardBy = new WeakMap<BrokerConnection, Heard>();

function heardOn(connection: BrokerConnection, device: ChaosDevice, prop: string): string | null {
  const heard = heardBy.get(connection);
  const session = connection.openSessionNumber;
  if (!heard || session === null || heard.session !== session) return null;
  const payload = heard.last.get(device.statusTopic(prop));
  return payload === undefined ? null : device.heardValue(prop, payload);
}

/** Broker connections started and not stopped since. */
const running = new Set<BrokerConnection>();

/** Connections still running; after every tab closed there should be none. */
export function runningConnections(): number {
  return running.size;
}

/** Wrap the connection's publish (and start/stop, to count them) once per process. */
export function installConsoleSpy(): void {
  if (installed) return;
  installed = true;
  const start = BrokerConnection.prototype.start;
  const stop = BrokerConnection.prototype.stop;
  BrokerConnection.prototype.start = function (this: BrokerConnection) {
    running.add(this);
    // Record what this connection hands its host, per session (the message handler is the constructor's).
    const self = this as unknown as { onMessage: (topic: string, payload: Uint8Array, retained: boolean) => void };
    const onMessage = self.onMessage;
    self.onMessage = (topic, payload, retained) => {
      const session = this.openSessionNumber;
      let heard = heardBy.get(this);
      if (!heard || heard.session !== session) {
        heard = { session, last: new Map() };
        heardBy.set(this, heard);
      }
      heard.last.set(topic, new TextDecoder().decode(payload));
      onMessage(topic, payload, retained);
    };
    start.call(this);
  };
  BrokerConnection.prototype.stop = function (this: BrokerConnection) {
    running.delete(this);
    stop.call(this);
  };
  const original = BrokerConnection.prototype.publish;
  BrokerConnection.prototype.publish = function (this: BrokerConnection, topic: string, payload: string, opts: PublishOptions): Promise<PublishResult> {
    const cmdId = opts.userProperties?.['holdfast-cmd-id'];
    let when: 'before' | 'after' | 'puback' | undefined;
    let act: ((w: 'before' | 'after' | 'puback') => void) | undefined;
    if (cmdId !== undefined) {
      const set = decodeSet(topic, payload);
      const p: ConsolePublish = {
        at: Date.now(),
        seq: nextSeq(),
        topic,
        payload,
        cmdId,
        base: opts.userProperties?.['holdfast-base'],
        sessionAt: this.state.lastConnectedAt,
        prop: set?.prop ?? null,
        value: set?.value ?? null,
        heard: set ? heardOn(this, set.device, set.prop) : null,
      };
      consoleLog.push(p);
      listener?.(p);
      if (hook) {
        when = hook.fn(p);
        if (when) {
          act = hook.act;
          hook = null;
        }
      }
    }
    if (when === 'before') act?.('before');
    const result = original.call(this, topic, payload, opts);
    if (when === 'after') act?.('after');
    if (when === 'puback') {
      return result.then((r) => {
        act?.('puback');
        return r;
      });
    }
    return result;
  };
}

/** Also tell `fn` about each console publish (for the round's trace). */
export function onConsolePublish(fn: ((p: ConsolePublish) => void) | null): void {
  listener = fn;
}

export function armPublishHook(fn: PublishHook, act: (when: 'before' | 'after' | 'puback') => void): void {
  hook = { fn, act };
}

export function disarmPublishHook(): void {
  hook = null;
}

export function takeConsolePublishes(): ConsolePublish[] {
  const out = consoleLog;
  consoleLog = [];
  return out;
}

const DEVICE_LINE = /^\[([^\]]+)\] (\S+) = (.*) \(([^)]+)\)$/;

/** Parse a simulated device's log into value changes of `device` (its integers, booleans and enums). */
export function parseDeviceLine(line: string, device: ChaosDevice, at: number, online: boolean): DeviceChange | null {
  const m = DEVICE_LINE.exec(line);
  if (!m || m[1] !== device.simId) return null;
  const source = m[4] === device.logSources.panel ? 'panel' : m[4] === device.logSources.set ? 'set' : null;
  if (source === null) return null;
  const raw = m[3]!;
  const value: Value = /^-?\d+$/.test(raw) ? Number(raw) : raw === 'true' ? true : raw === 'false' ? false : raw;
  return { device: device.simId, at, seq: nextSeq(), online, prop: m[2]!, value, source };
}
