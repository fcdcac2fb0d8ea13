import type { RecallChange, Density, SceneValue } from '../model/workspace.js';
import type { BaseValue } from '../model/types.js';
import type { ConfigFile } from '../model/config-file.js';
import type { LockResult } from '../app/lock.js';
import type { ImportPreview } from '../app/console.js';
import { HfEvent } from './events.js';

/** The operator's workspace: views, scenes, density, display, lock and the configuration file. */
export type WorkspaceAction =
  | { readonly kind: 'create-view'; readonly name: string; readonly pin?: { readonly deviceId: string; readonly propertyId: string } }
  | { readonly kind: 'pin'; readonly viewId: string; readonly deviceId: string; readonly propertyId: string }
  | { readonly kind: 'unpin'; readonly viewId: string; readonly itemId: string }
  | { readonly kind: 'move'; readonly viewId: string; readonly itemId: string; readonly by: -1 | 1 }
  | { readonly kind: 'place'; readonly viewId: string; readonly itemId: string; readonly index: number }
  | { readonly kind: 'add-heading'; readonly viewId: string; readonly text: string }
  | { readonly kind: 'rename-view'; readonly viewId: string; readonly name: string }
  | { readonly kind: 'view-density'; readonly viewId: string; readonly density: Density }
  | { readonly kind: 'device-density'; readonly deviceId: string; readonly density: Density }
  | { readonly kind: 'delete-view'; readonly viewId: string }
  | { readonly kind: 'save-scene'; readonly viewId: string; readonly name: string; readonly values: readonly SceneValue[] }
  | { readonly kind: 'delete-scene'; readonly sceneId: string }
  /** Recall the changes the operator confirmed in the preview, each based on what they saw. */
  | { readonly kind: 'recall'; readonly changes: readonly (RecallChange & { readonly base: BaseValue })[]; readonly reply: (seqs: readonly (number | null)[]) => void };

export class WorkspaceEvent extends HfEvent {
  static readonly eventName = 'hf-workspace';
  constructor(readonly action: WorkspaceAction) {
    super(WorkspaceEvent.eventName);
  }
}

/** Show a view (null: back to the device pages). */
export class SelectViewEvent extends HfEvent {
  static readonly eventName = 'hf-select-view';
  constructor(readonly viewId: string | null) {
    super(SelectViewEvent.eventName);
  }
}

/** Full screen for a wall display (no header, large type), or back. */
export class DisplayEvent extends HfEvent {
  static readonly eventName = 'hf-display';
  constructor(readonly wall: boolean) {
    super(DisplayEvent.eventName);
  }
}

export type LockAction =
  | { readonly kind: 'set-pin'; readonly pin: string; readonly reply: (r: LockResult) => void }
  | { readonly kind: 'lock'; readonly reply: (r: LockResult) => void }
  | { readonly kind: 'unlock'; readonly pin: string; readonly reply: (r: LockResult) => void };

export class LockEvent extends HfEvent {
  static readonly eventName = 'hf-lock';
  constructor(readonly action: LockAction) {
    super(LockEvent.eventName);
  }
}

export type ConfigAction =
  | { readonly kind: 'export'; readonly reply: (file: ConfigFile) => void }
  | { readonly kind: 'preview'; readonly text: string; readonly reply: (p: ImportPreview) => void }
  | { readonly kind: 'apply'; readonly config: ConfigFile; readonly reply: (error: string | null) => void };

export class ConfigEvent extends HfEvent {
  static readonly eventName = 'hf-config';
  constructor(readonly action: ConfigAction) {
    super(ConfigEvent.eventName);
  }
}

/** The one-time welcome's answer: a name, or null for "not now". */
export class WelcomeEvent extends HfEvent {
  static readonly eventName = 'hf-welcome';
  constructor(readonly name: string | null) {
    super(WelcomeEvent.eventName);
  }
}

declare global {
  interface HTMLElementEventMap {
    'hf-workspace': WorkspaceEvent;
    'hf-select-view': SelectViewEvent;
    'hf-display': DisplayEvent;
    'hf-lock': LockEvent;
    'hf-config': ConfigEvent;
    'hf-welcome': WelcomeEvent;
  }
}
