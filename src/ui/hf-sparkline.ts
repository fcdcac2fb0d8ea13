import { LitElement, css, html, nothing, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { ClockController } from './controllers/clock-controller.js';
import { HubController } from './controllers/hub-controller.js';

/** A tiny inline trend of a numeric property (no library: a polyline), redrawn on the shared 1 Hz clock. */
@customElement('hf-sparkline')
export class HfSparkline extends LitElement {
  static override styles = css`
    :host {
      display: inline-block;
      width: 6rem;
      height: 1.75rem;
    }
    svg {
      width: 100%;
      height: 100%;
      overflow: visible;
    }
    polyline {
      fill: none;
      stroke: var(--hf-accent);
      stroke-width: 1.5;
      vector-effect: non-scaling-stroke;
    }
  `;

  @property({ attribute: false }) deviceId = '';
  @property({ attribute: false }) propertyId = '';
  /** Text alternative, e.g. "Genlock phase H trend". */
  @property() label = '';
  private readonly hub = new HubController(this);
  private readonly clock = new ClockController(this);

  override render() {
    void this.clock.now;
    const series = this.hub.hub?.history.get(this.deviceId, this.propertyId) ?? [];
    if (series.length < 2) return nothing;
    const values = series.map((p) => p.value);
    const min = Math.min(...values);
    const max = Math.max(...values);
    const t0 = series[0]!.at;
    const span = Math.max(1, series[series.length - 1]!.at - t0);
    const points = series.map((p) => `${(((p.at - t0) / span) * 100).toFixed(2)},${(max === min ? 50 : 100 - ((p.value - min) / (max - min)) * 100).toFixed(2)}`).join(' ');
    return html`<svg viewBox="0 0 100 100" preserveAspectRatio="none" role="img" aria-label="${this.label}: ${series.length} points from ${min} to ${max}">
      ${svg`<polyline points=${points}></polyline>`}
    </svg>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-sparkline': HfSparkline;
  }
}
