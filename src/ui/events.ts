import type { ImportMappingResult, TopicSettingResult } from '../app/conventions-config.js';
import type { ImportRulesResult, SaveRuleResult } from '../app/alarms.js';
import type { SaveProfileResult } from '../app/profiles.js';
import type { ProfileInput } from '../model/profile.js';
import type { BaseValue, PropertyValue } from '../model/types.js';

/**
 * Typed events elements fire; <hf-app> turns them into Console calls. An
 * action whose outcome the element shows carries a `reply` the handler calls.
 */
export abstract class HfEvent extends Event {
  constructor(type: string) {
    super(type, { bubbles: true, composed: true });
  }
}

/** An operator's edit, with exactly what the control rendered as its base. */
export class EditEvent extends HfEvent {
  static readonly eventName = 'hf-edit';
  constructor(
    readonly deviceId: string,
    readonly propertyId: string,
    readonly value: PropertyValue,
    readonly base: BaseValue,
  ) {
    super(EditEvent.eventName);
  }
}

export type EntryAction =
  /** applied again on top of what the control shows now (`base`) */
  | { readonly kind: 'reapply'; readonly seq: number; readonly base: BaseValue }
  | { readonly kind: 'dismiss'; readonly seq: number }
  /** the explicit tap on an edit nothing could check; recorded with the operator's name */
  | { readonly kind: 'send-anyway'; readonly seq: number }
  | { readonly kind: 'undo'; readonly seq: number };

/** Operator action on an outbox entry. */
export class EntryActionEvent extends HfEvent {
  static readonly eventName = 'hf-entry-action';
  constructor(readonly action: EntryAction) {
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
  | { readonly kind: 'save'; readonly input: ProfileInput; readonly password: string | undefined; readonly id?: string; readonly reply?: (r: SaveProfileResult) => void }
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

export type ConventionsAction =
  | { readonly kind: 'import-mapping'; readonly text: string; readonly reply: (r: ImportMappingResult) => void }
  | { readonly kind: 'remove-mapping' }
  | { readonly kind: 'ha-prefix'; readonly prefix: string; readonly reply: (r: TopicSettingResult) => void }
  | { readonly kind: 'homie'; readonly roots: string; readonly scan: boolean; readonly reply: (r: TopicSettingResult) => void }
  | { readonly kind: 'z2m-base'; readonly base: string; readonly reply: (r: TopicSettingResult) => void };

export class ConventionsEvent extends HfEvent {
  static readonly eventName = 'hf-conventions';
  constructor(readonly action: ConventionsAction) {
    super(ConventionsEvent.eventName);
  }
}

/** Turn sending in the background on or off; `reply` gets the error text if it could not be saved. */
export class BackgroundSyncEvent extends HfEvent {
  static readonly eventName = 'hf-background-sync';
  constructor(
    readonly on: boolean,
    readonly reply: (error: string | null) => void,
  ) {
    super(BackgroundSyncEvent.eventName);
  }
}

/** The operator asks the browser to keep Holdfast's storage (queued edits) from being cleared. */
export class PersistStorageEvent extends HfEvent {
  static readonly eventName = 'hf-persist-storage';
  constructor() {
    super(PersistStorageEvent.eventName);
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
  constructor(readonly panel: 'diagnostics' | 'connection' | 'outbox' | 'alarms' | 'audit') {
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

export type AlarmAction =
  /** acknowledge one raise (`alarmId`), recorded with the operator's name */
  | { readonly kind: 'acknowledge'; readonly alarmId: string; readonly ruleId: string }
  /** a rule from the editor: checked, stored, and then the host evaluates it */
  | { readonly kind: 'save-rule'; readonly rule: unknown; readonly reply: (r: SaveRuleResult) => void }
  | { readonly kind: 'remove-rule'; readonly ruleId: string }
  | { readonly kind: 'import-rules'; readonly text: string; readonly reply: (r: ImportRulesResult) => void }
  /** the tone and vibration toggles (the element arms Web Audio in the same tap) */
  | { readonly kind: 'sound'; readonly on: boolean }
  | { readonly kind: 'vibrate'; readonly on: boolean };

export class AlarmActionEvent extends HfEvent {
  static readonly eventName = 'hf-alarm-action';
  constructor(readonly action: AlarmAction) {
    super(AlarmActionEvent.eventName);
  }
}

/** "Add alarm…" on a property's control: open the rule editor for it. */
export class AlarmDraftEvent extends HfEvent {
  static readonly eventName = 'hf-alarm-draft';
  constructor(
    readonly deviceId: string,
    readonly propertyId: string | null,
  ) {
    super(AlarmDraftEvent.eventName);
  }
}

declare global {
  interface HTMLElementEventMap {
    'hf-alarm-action': AlarmActionEvent;
    'hf-alarm-draft': AlarmDraftEvent;
    'hf-edit': EditEvent;
    'hf-entry-action': EntryActionEvent;
    'hf-editing': EditingEvent;
    'hf-profile': ProfileEvent;
    'hf-conventions': ConventionsEvent;
    'hf-background-sync': BackgroundSyncEvent;
    'hf-retry': RetryEvent;
    'hf-persist-storage': PersistStorageEvent;
    'hf-select-device': SelectDeviceEvent;
    'hf-show-panel': ShowPanelEvent;
    'hf-operator-name': OperatorNameEvent;
  }
}
