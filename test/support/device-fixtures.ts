// The real-world device corpus (test/fixtures/devices/**.json): discovery and
// state messages copied from public documentation and firmware sources, each
// with the controls an operator should see and the commands a device should
// receive. Unit tests replay every fixture through the real adapters; the e2e
// suite replays a subset into a real broker. See test/fixtures/devices/README.md.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AdapterOptions } from '../../src/conventions/registry.js';
import type { ControlKind } from '../../src/model/control-kind.js';
import type { Availability, PropertyValue } from '../../src/model/types.js';

export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/devices/', import.meta.url));

export interface FixtureMessage {
  readonly topic: string;
  /** Text as published; an object or array is published as its JSON; null is an empty payload. */
  readonly payload: string | number | boolean | null | Record<string, unknown> | unknown[];
  /** Default true: on the broker before the console connects. false: published live afterwards. */
  readonly retain?: boolean;
}

export interface ExpectedControl {
  readonly name: string;
  /** The group (Homie node, Zigbee2MQTT composite feature) it is shown in; absent = none. */
  readonly group?: string;
  readonly kind: ControlKind['kind'];
  /** select options, or a momentary enum's buttons. */
  readonly options?: readonly string[];
  /** false: the device never reports it (sent, not confirmable). Default true. */
  readonly reports?: boolean;
  /** The adapter can ask the device for the current value. Default false. */
  readonly queryable?: boolean;
  readonly unit?: string;
  readonly min?: number;
  readonly max?: number;
  /** Substring of the reason it is read-only, when kind is readonly because of it. */
  readonly readOnlyReason?: string;
}

export interface ExpectedDevice {
  readonly name: string;
  readonly convention: string;
  /** Default 'ready' unless the fixture's availability says otherwise. */
  readonly availability?: Availability;
  /** Substring of the device-level error (then controls may be empty). */
  readonly error?: string;
  /** Substring of the note shown with it (e.g. which convention is used). */
  readonly note?: string;
  /** Every control, exactly (order not checked). */
  readonly controls: readonly ExpectedControl[];
}

export interface ControlRef {
  readonly device: string;
  readonly control: string;
  readonly group?: string;
}

export interface FixtureFile {
  /** What it is, e.g. "ESPHome fan with a speed number and a light". */
  readonly title: string;
  /** Where the messages come from: a URL (docs page or source file at a tag) and what was copied. */
  readonly source: string;
  readonly options?: AdapterOptions;
  readonly messages: readonly FixtureMessage[];
  readonly expect: {
    readonly devices: readonly ExpectedDevice[];
    /** Values shown after the messages. */
    readonly values?: readonly (ControlRef & { readonly value: PropertyValue | null })[];
    /** What a device receives when the operator sets a control. */
    readonly commands?: readonly (ControlRef & { readonly value: PropertyValue; readonly topic: string; readonly payload: string })[];
    /** What Holdfast publishes to ask the device for a value. */
    readonly queries?: readonly (ControlRef & { readonly topic: string; readonly payload: string })[];
  };
}

export interface LoadedFixture {
  /** Path relative to test/fixtures/devices, e.g. "ha/esphome-fan.json". */
  readonly file: string;
  readonly fixture: FixtureFile;
}

function walk(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return walk(path);
      return name.endsWith('.json') ? [path] : [];
    });
}

export function loadFixtures(dir = FIXTURE_DIR): LoadedFixture[] {
  return walk(dir).map((path) => ({ file: relative(dir, path), fixture: JSON.parse(readFileSync(path, 'utf8')) as FixtureFile }));
}

export function payloadText(p: FixtureMessage['payload']): string {
  if (p === null) return '';
  return typeof p === 'object' ? JSON.stringify(p) : String(p);
}
