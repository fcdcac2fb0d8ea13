/**
 * Control names, as Home Assistant names MQTT entities today (every MQTT
 * entity has `has_entity_name = True`; homeassistant/components/mqtt/entity.py
 * `_set_entity_name`, homeassistant/helpers/entity.py `_name_internal` and
 * `_friendly_name_internal`):
 *
 *  1. The entity's own part:
 *     - `name: "Temperature"`   → "Temperature"
 *     - `name: null`            → none: the entity is its device's main feature
 *     - `name` missing          → the device class's name ("Temperature" for
 *       `device_class: temperature`) on platforms that name unnamed entities
 *       by device class (sensor except `enum`, binary_sensor, button, number,
 *       event, update); a device class without an English name gives none;
 *       on other platforms, or without a device class, the platform's
 *       DEFAULT_NAME ("MQTT Switch", "MQTT Sensor" …).
 *  2. The friendly name, with a device (`device` with identifiers or connections):
 *     - device name + " " + own part ("Bedroom" + "Temperature" → "Bedroom Temperature")
 *     - no own part → the device name alone
 *     - a device without a name → the own part alone
 *     Without a device: the own part alone.
 *
 * Where Holdfast differs, on purpose:
 *  - (Not a difference: an own part equal to the device name is doubled,
 *    "Kitchen Kitchen", as HA does since 2024.2; it collapsed it from 2023.8.)
 *  - `name: ""` (ESPHome's entities without their own name) is treated as
 *    `null`; HA appends a trailing space to the device name.
 *  - Where HA would have no name at all (no device, `name: null`), the
 *    discovery object id is shown instead of HA's entity id.
 *  - One HA entity may be several controls here (a fan's speed, a cover's
 *    position); those are "<friendly name> <part>", e.g. "Kitchen Fan Speed".
 *    Names that would still repeat inside a device get " (<object id>)".
 */
import { asText, type Config } from './config.js';

/** The entity's own part of its name; null: it is named by its device. */
export type OwnName = string | null;

/** HA platforms whose unnamed entities take their device class's name (`_default_to_device_class_name`). */
const NAMED_BY_DEVICE_CLASS = new Set(['sensor', 'binary_sensor', 'button', 'number', 'event', 'update']);

/** Each MQTT platform's DEFAULT_NAME; null where HA's is None. */
export const DEFAULT_NAMES: Readonly<Record<string, string | null>> = {
  binary_sensor: 'MQTT Binary sensor',
  button: 'MQTT Button',
  climate: 'MQTT HVAC',
  cover: 'MQTT Cover',
  device_tracker: null,
  event: 'MQTT Event',
  fan: 'MQTT Fan',
  light: 'MQTT LightEntity',
  'light:json': 'MQTT JSON Light',
  lock: 'MQTT Lock',
  number: 'MQTT Number',
  scene: 'MQTT Scene',
  select: 'MQTT Select',
  sensor: 'MQTT Sensor',
  switch: 'MQTT Switch',
  text: 'MQTT Text',
  update: 'MQTT Update',
  valve: 'MQTT Valve',
};

/** English names of device classes (HA's `entity_component.<class>.name` translations). */
const MEASUREMENT_NAMES: Readonly<Record<string, string>> = {
  absolute_humidity: 'Absolute humidity',
  apparent_power: 'Apparent power',
  aqi: 'Air quality index',
  area: 'Area',
  atmospheric_pressure: 'Atmospheric pressure',
  battery: 'Battery',
  blood_glucose_concentration: 'Blood glucose concentration',
  carbon_dioxide: 'Carbon dioxide',
  carbon_monoxide: 'Carbon monoxide',
  conductivity: 'Conductivity',
  current: 'Current',
  data_rate: 'Data rate',
  data_size: 'Data size',
  date: 'Date',
  distance: 'Distance',
  duration: 'Duration',
  energy: 'Energy',
  energy_distance: 'Energy per distance',
  energy_storage: 'Stored energy',
  frequency: 'Frequency',
  gas: 'Gas',
  humidity: 'Humidity',
  illuminance: 'Illuminance',
  irradiance: 'Irradiance',
  moisture: 'Moisture',
  monetary: 'Balance',
  nitrogen_dioxide: 'Nitrogen dioxide',
  nitrogen_monoxide: 'Nitrogen monoxide',
  nitrous_oxide: 'Nitrous oxide',
  ozone: 'Ozone',
  ph: 'pH',
  pm1: 'PM1',
  pm10: 'PM10',
  pm25: 'PM2.5',
  pm4: 'PM4',
  power: 'Power',
  power_factor: 'Power factor',
  precipitation: 'Precipitation',
  precipitation_intensity: 'Precipitation intensity',
  pressure: 'Pressure',
  reactive_energy: 'Reactive energy',
  reactive_power: 'Reactive power',
  signal_strength: 'Signal strength',
  sound_pressure: 'Sound pressure',
  speed: 'Speed',
  sulphur_dioxide: 'Sulphur dioxide',
  temperature: 'Temperature',
  temperature_delta: 'Temperature delta',
  timestamp: 'Timestamp',
  volatile_organic_compounds: 'Volatile organic compounds',
  volatile_organic_compounds_parts: 'Volatile organic compounds parts',
  voltage: 'Voltage',
  volume: 'Volume',
  volume_flow_rate: 'Volume flow rate',
  volume_storage: 'Stored volume',
  water: 'Water',
  weight: 'Weight',
  wind_direction: 'Wind direction',
  wind_speed: 'Wind speed',
};

const DEVICE_CLASS_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  sensor: MEASUREMENT_NAMES,
  number: MEASUREMENT_NAMES,
  binary_sensor: {
    battery: 'Battery',
    battery_charging: 'Charging',
    carbon_monoxide: 'Carbon monoxide',
    cold: 'Cold',
    connectivity: 'Connectivity',
    door: 'Door',
    garage_door: 'Garage door',
    gas: 'Gas',
    heat: 'Heat',
    light: 'Light',
    lock: 'Lock',
    moisture: 'Moisture',
    motion: 'Motion',
    moving: 'Moving',
    occupancy: 'Occupancy',
    opening: 'Opening',
    plug: 'Plug',
    power: 'Power',
    presence: 'Presence',
    problem: 'Problem',
    running: 'Running',
    safety: 'Safety',
    smoke: 'Smoke',
    sound: 'Sound',
    tamper: 'Tamper',
    update: 'Update',
    vibration: 'Vibration',
    window: 'Window',
  },
  button: { identify: 'Identify', restart: 'Restart', update: 'Update' },
  event: { button: 'Button', doorbell: 'Doorbell', motion: 'Motion' },
  update: { firmware: 'Firmware' },
};

/**
 * The entity's own name part (rule 1). `platform` is the component, or
 * "light:json" for a JSON-schema light (its DEFAULT_NAME differs).
 */
export function ownName(cfg: Config, platform: string): OwnName {
  if ('name' in cfg) {
    const v = cfg['name'];
    if (v === null) return null;
    const text = asText(v, 'name');
    return text.trim() === '' ? null : text;
  }
  const component = platform.split(':')[0] ?? platform;
  const deviceClass = cfg['device_class'];
  if (NAMED_BY_DEVICE_CLASS.has(component) && typeof deviceClass === 'string' && !(component === 'sensor' && deviceClass === 'enum')) {
    const table = DEVICE_CLASS_NAMES[component];
    // HA: a device class without a translation leaves the entity unnamed, so it shows its device name.
    return table !== undefined && Object.prototype.hasOwnProperty.call(table, deviceClass) ? (table[deviceClass] ?? null) : null;
  }
  return DEFAULT_NAMES[platform] ?? DEFAULT_NAMES[component] ?? null;
}

export interface NameContext {
  /** The entity has a device (HA creates a device entry for it). */
  readonly hasDevice: boolean;
  /** The device's name, when one of its configs gives it. */
  readonly deviceName?: string;
  /** Shown where HA would show an entity id instead of a name. */
  readonly fallback: string;
}

/** The friendly name (rule 2), with Holdfast's differences. */
export function friendlyName(own: OwnName, ctx: NameContext): string {
  const device = ctx.hasDevice && ctx.deviceName !== undefined && ctx.deviceName.trim() !== '' ? ctx.deviceName : undefined;
  if (own === null) return device ?? ctx.fallback;
  // Like HA since 2024.2 (PR #107188): an own part equal to the device name is not collapsed ("Kitchen Kitchen").
  if (device === undefined) return own;
  return `${device} ${own}`;
}

/** A sub-control of an entity (a fan's speed): "<friendly name> <part>". */
export function controlName(friendly: string, part: string | undefined): string {
  return part === undefined ? friendly : `${friendly} ${part}`;
}
