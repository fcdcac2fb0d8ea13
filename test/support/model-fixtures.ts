// Small builders for model tests: entries, bases, reports and evidence.

import type { PropertyEvidence } from '../../src/model/plan.js';
import type { BaseValue, DeviceSchema, OutboxEntry, PropertySchema, ReportedValue } from '../../src/model/types.js';

export const DEVICE_ID = 'homie5:vp4';
export const PROPERTY_ID = 'genlock/phase-h';

export function reported(value: number, session = 's1', receivedAt = 1000): ReportedValue {
  return { value, receivedAt, retained: true, session };
}

/** A base the control rendered: a value seen on `session`, shown while `renderedIn` was live. */
export function base(value: number | null, renderedIn: string | null = null, session: string | null = renderedIn): BaseValue {
  return value === null ? { value: null, receivedAt: null, session: null, renderedIn } : { value, receivedAt: 1000, session, renderedIn };
}

export function entry(over: Partial<OutboxEntry> = {}): OutboxEntry {
  return {
    seq: 1,
    cmdId: 'c1',
    deviceId: DEVICE_ID,
    propertyId: PROPERTY_ID,
    desired: 30,
    base: base(22, null, 's0'),
    state: 'queued',
    createdAt: 2000,
    updatedAt: 2000,
    attempts: 0,
    ...over,
  };
}

export function property(over: Partial<PropertySchema> = {}): PropertySchema {
  return { id: PROPERTY_ID, name: 'Phase H', datatype: 'integer', settable: true, momentary: false, retained: true, min: -180, max: 180, ...over };
}

export function device(p: PropertySchema = property()): DeviceSchema {
  return { id: DEVICE_ID, name: 'VP4', convention: 'homie5', properties: [p] };
}

export function evidence(over: Partial<PropertyEvidence> = {}): PropertyEvidence {
  const p = over.property ?? property();
  return { device: device(p), property: p, reported: undefined, replay: 'complete', availability: 'ready', canAsk: false, ...over };
}
