import type { Availability } from '../model/types.js';

/** A device's availability in words. */
export const AVAILABILITY_TEXT: Record<Availability, string> = {
  ready: 'Online',
  init: 'Starting up',
  disconnected: 'Offline (disconnected)',
  sleeping: 'Sleeping',
  lost: 'Offline (connection lost)',
  alert: 'Needs attention',
  unknown: 'Availability unknown',
};
