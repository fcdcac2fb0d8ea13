/**
 * Tasmota's legacy Home Assistant discovery (`SetOption19 1`,
 * tasmota/tasmota_xdrv_driver/xdrv_12_home_assistant.ino). Its relays and
 * lights report on `tele/<topic>/STATE` (`{{value_json.POWER1}}`,
 * `{{value_json.Dimmer}}`), and turning discovery on also sets SetOption59,
 * which makes the `State` command publish that same `tele/<topic>/STATE`.
 * So Holdfast can ask such a device for its current state: an empty payload
 * on `cmnd/<topic>/STATE`. (An empty `POWER` command answers on
 * `stat/<topic>/RESULT` instead, which these entities do not read.)
 *
 * A Tasmota device is recognised by its status sensor's device block
 * (`"mf":"Tasmota"`, `"sw":"<version>(tasmota)"`); relay configs carry only
 * `ids`, so the verdict is per device.
 */
import type { Config } from './config.js';
import type { PropDef } from './entity.js';
import { isFilter } from './topic-index.js';

export function isTasmotaDevice(device: Config | undefined): boolean {
  if (device === undefined) return false;
  const manufacturer = device['manufacturer'];
  const sw = device['sw_version'];
  return manufacturer === 'Tasmota' || (typeof sw === 'string' && /\(tasmota\)$/i.test(sw.trim()));
}

/** The topic that makes a Tasmota device re-publish this property's state, if it has one. */
export function tasmotaQueryTopic(def: PropDef): string | undefined {
  const { stateTopic, commandTopic } = def;
  if (stateTopic === undefined || commandTopic === undefined || isFilter(stateTopic)) return undefined;
  if (stateTopic.split('/').at(-1) !== 'STATE') return undefined;
  const levels = commandTopic.split('/');
  if (levels.length < 2) return undefined;
  return [...levels.slice(0, -1), 'STATE'].join('/');
}
