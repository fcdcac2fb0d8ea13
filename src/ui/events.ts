import type { ProfileInput } from '../model/profile.js';
import type { PropertyValue } from '../model/types.js';

/** Typed events elements fire; <hf-app> turns them into Hub calls. */
abstract class HfEvent extends Event {
  constructor(type: string) {
    super(type, { bubbles: true, composed: true });
  }
}

export class EditEvent extends HfEvent {
  static readonly eventName = 'hf-edit';
  constructor(
    readonly deviceId: string,
    readonly propertyId: string,
    readonly value: PropertyValue,
    /** What the control showed before, for Undo. */
    readonly previous: PropertyValue | null = null,
  ) {
    super(EditEvent.eventName);
  }
}

/** Operator action on an outbox entry. */
export class EntryActionEvent extends HfEvent {
  static readonly eventName = 'hf-entry-action';
  constructor(
    readonly action: 'reapply' | 'dismiss',
    readonly seq: number,
  ) {
    super(EntryActionEvent.eventName);
  }
}

/** Which control the operator is editing (focus in/out), for presence. */
export class EditingEvent extends HfEvent {
  static readonly eventName = 'hf-editing';
  constructor(readonly editing: { deviceId: string; propertyId: string } | null) {
    super(EditingEvent.eventName);
  }
}

export type ProfileAction =
  | { readonly kind: 'save'; readonly input: ProfileInput; readonly password: string | undefined; readonly id?: string }
  | { readonly kind: 'activate'; readonly id: string }
  | { readonly kind: 'delete'; readonly id: string }
  | { readonly kind: 'accept-link' }
  | { readonly kind: 'reject-link' }
  | { readonly kind: 'password'; readonly password: string };

export class ProfileEvent extends HfEvent {
  static readonly eventName = 'hf-profile';
  constructor(readonly action: ProfileAction) {
    super(ProfileEvent.eventName);
  }
}

export class RetryEvent extends HfEvent {
  static readonly eventName = 'hf-retry';
  constructor() {
    super(RetryEvent.eventName);
  }
}

export class SelectDeviceEvent extends HfEvent {
  static readonly eventName = 'hf-select-device';
  constructor(readonly deviceId: string) {
    super(SelectDeviceEvent.eventName);
  }
}

/** Open a panel of the shell (e.g. the offline notice's "Show diagnostics"). */
export class ShowPanelEvent extends HfEvent {
  static readonly eventName = 'hf-show-panel';
  constructor(readonly panel: 'diagnostics' | 'connection' | 'outbox') {
    super(ShowPanelEvent.eventName);
  }
}

export class OperatorNameEvent extends HfEvent {
  static readonly eventName = 'hf-operator-name';
  /** null: "not now". */
  constructor(readonly name: string | null) {
    super(OperatorNameEvent.eventName);
  }
}

declare global {
  interface HTMLElementEventMap {
    'hf-edit': EditEvent;
    'hf-entry-action': EntryActionEvent;
    'hf-editing': EditingEvent;
    'hf-profile': ProfileEvent;
    'hf-retry': RetryEvent;
    'hf-select-device': SelectDeviceEvent;
    'hf-show-panel': ShowPanelEvent;
    'hf-operator-name': OperatorNameEvent;
  }
}
