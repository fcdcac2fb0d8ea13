import { msg } from '@lit/localize';
import type { Availability } from '../model/types.js';

/** A device's availability in words, in the current language (evaluated when rendering). */
export function availabilityText(a: Availability): string {
  switch (a) {
    case 'ready':
      return msg('Online');
    case 'init':
      return msg('Starting up');
    case 'disconnected':
      return msg('Offline (disconnected)');
    case 'sleeping':
      return msg('Sleeping');
    case 'lost':
      return msg('Offline (connection lost)');
    case 'alert':
      return msg('Needs attention');
    case 'unknown':
      return msg('Availability unknown');
  }
}
