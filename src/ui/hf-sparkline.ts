import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { formatNumber } from '../i18n/format.js';
import { SPARKLINE_LIMIT, type Series } from '../store/history.js';
import { SliceController } from './controllers/slice-controller.js';

/** A tiny inline trend of a numeric property (no library: a polyline), redrawn when its series gets a point. */
@customElement('hf-sparkline')
@localized()
export class HfSparkline extends LitElement {
  static override styles = css`
    :host {
      display: inline-block;
      width: 6rem;
      height: 1.75rem;
    }
    /* Nothing to draw yet: take no room (a row does not wrap for an empty trend). */
    :host([empty]) {
      display: none;
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
  /** The series, copied on each change so a render sees a stable array (the store mutates its own). */
  private readonly series = new SliceController<Series, Series>(this, (c) => (fn) => c.history.subscribe(this.deviceId, this.propertyId, fn, SPARKLINE_LIMIT), (s) => [...s], () => false);

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('deviceId') || changed.has('propertyId')) this.series.rebind();
  }

  override updated(): void {
    this.toggleAttribute('empty', (this.series.value ?? []).length < 2);
  }

  override render() {
    const series = this.series.value ?? [];
    if (series.length < 2) return nothing;
    const values = series.map((p) => p.value);
    const min = Math.min(...values);
    const max = Math.max(...values);
    const t0 = series[0]!.at;
    const span = Math.max(1, series[series.length - 1]!.at - t0);
    // SVG coordinates: a machine format, not for reading.
    const points = series.map((p) => `${(((p.at - t0) / span) * 100).toFixed(2)},${(max === min ? 50 : 100 - ((p.value - min) / (max - min)) * 100).toFixed(2)}`).join(' ');
    return html`<svg viewBox="0 0 100 100" preserveAspectRatio="none" role="img" aria-label=${msg(str`${this.label}: ${formatNumber(series.length)} points from ${formatNumber(min)} to ${formatNumber(max)}`)}>
      ${svg`<polyline points=${points}></polyline>`}
    </svg>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-sparkline': HfSparkline;
  }
}
