import type { LanguageChoice } from '../i18n/locales.js';
import { HfEvent } from './events.js';

/** The operator chose the console's language in Settings ('auto': follow the browser); the Console stores and applies it. */
export class LanguageEvent extends HfEvent {
  static readonly eventName = 'hf-language';
  constructor(readonly choice: LanguageChoice) {
    super(LanguageEvent.eventName);
  }
}

declare global {
  interface HTMLElementEventMap {
    'hf-language': LanguageEvent;
  }
}
