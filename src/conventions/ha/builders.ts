/** The components Holdfast reads, one builder each; other components are ignored (not shown). */
import { buildBinarySensor, buildButton, buildNumber, buildScene, buildSelect, buildSensor, buildSwitch, buildText } from './build-basic.js';
import { buildClimate, buildCover, buildFan, buildLock, buildValve } from './build-composite.js';
import { buildLight } from './build-light.js';
import { buildDeviceTracker, buildEvent, buildUpdate } from './build-readonly.js';
import type { Build, PropDef } from './entity.js';

export const HA_COMPONENTS = [
  'number',
  'select',
  'switch',
  'light',
  'sensor',
  'binary_sensor',
  'button',
  'text',
  'fan',
  'cover',
  'climate',
  'lock',
  'valve',
  'scene',
  'update',
  'event',
  'device_tracker',
] as const;
export type HaComponent = (typeof HA_COMPONENTS)[number];

export function isHaComponent(c: string): c is HaComponent {
  return (HA_COMPONENTS as readonly string[]).includes(c);
}

export const BUILDERS: Readonly<Record<HaComponent, (b: Build) => PropDef[]>> = {
  number: buildNumber,
  select: buildSelect,
  switch: buildSwitch,
  light: buildLight,
  sensor: buildSensor,
  binary_sensor: buildBinarySensor,
  button: buildButton,
  text: buildText,
  fan: buildFan,
  cover: buildCover,
  climate: buildClimate,
  lock: buildLock,
  valve: buildValve,
  scene: buildScene,
  update: buildUpdate,
  event: buildEvent,
  device_tracker: buildDeviceTracker,
};
