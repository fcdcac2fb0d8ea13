import { localized } from '@lit/localize';
import { LitElement, nothing } from 'lit';
import { customElement } from 'lit/decorators.js';
import type { AlarmsState } from '../app/alarms.js';
import type { AlarmView } from '../model/alarms.js';
import { armAlarmAudioOnGesture, playAlarmTone, vibrateAlarm } from './alarm-sound.js';
import { SliceController } from './controllers/slice-controller.js';

/**
 * Sounds the tone and vibrates for an alarm raised while this page is open,
 * when the operator turned them on. Alarms already active when the page
 * opens (or when this tab first hears of them) never sound. Renders nothing.
 */
@localized()
@customElement('hf-alarm-alerter')
export class HfAlarmAlerter extends LitElement {
  /** Raises this page has seen; null until the first list arrived (a page load is never an alarm). */
  private seen: Set<string> | null = null;
  private readonly settings = new SliceController<AlarmsState>(this, (c) => (fn) => c.alarms.state.subscribe(fn));
  private readonly views = new SliceController<readonly AlarmView[] | null>(this, (c) => (fn) => c.client.subscribeAlarms(fn));

  override willUpdate(): void {
    const s = this.settings.value;
    if (s?.sound) armAlarmAudioOnGesture();
    const views = this.views.value;
    // null: the host has not said yet; its first list is what was already there when the page opened.
    if (!views) return;
    const raised = views.filter((v) => v.state.alarmId !== null && (v.state.status === 'active' || v.state.status === 'acknowledged'));
    const first = this.seen === null;
    const seen = (this.seen ??= new Set());
    const fresh = raised.filter((v) => !seen.has(v.state.alarmId!));
    for (const v of raised) seen.add(v.state.alarmId!);
    if (first || fresh.length === 0) return;
    const worst = fresh.some((v) => v.rule.severity === 'critical') ? 'critical' : fresh.some((v) => v.rule.severity === 'warning') ? 'warning' : 'info';
    if (s?.sound) playAlarmTone(worst);
    if (s?.vibrate) vibrateAlarm();
  }

  override render() {
    return nothing;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-alarm-alerter': HfAlarmAlerter;
  }
}
