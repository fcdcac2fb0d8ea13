import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, nothing, svg } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { formatNumber } from '../i18n/format.js';
import { EMPTY_SERIES, SPARKLINE_LIMIT, type Series } from '../store/history.js';
import { SliceController } from './controllers/slice-controller.js';

/** A tiny inline trend of a numeric property (no library: one SVG path), redrawn when its series gets a point. */
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
    path {
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
  /** The series (a new one each change, shared with the store: not copied). */
  private readonly series = new SliceController<Series>(this, (c) => (fn) => c.history.subscribe(this.deviceId, this.propertyId, fn, SPARKLINE_LIMIT));

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('deviceId') || changed.has('propertyId')) this.series.rebind();
  }

  override updated(): void {
    this.toggleAttribute('empty', (this.series.value?.at.length ?? 0) < 2);
  }

  override render() {
    const { at, value: values } = this.series.value ?? EMPTY_SERIES;
    if (at.length < 2) return nothing;
    const min = Math.min(...values);
    const max = Math.max(...values);
    const t0 = at[0]!;
    const span = Math.max(1, at[at.length - 1]! - t0);
    // SVG coordinates: a machine format, not for reading. A path, not a polyline: Chromium keeps a polyline's
    // points as one object each, a path's data as bytes (a screen of trends, held through a shift).
    const d = values.map((v, i) => `${i === 0 ? 'M' : 'L'}${(((at[i]! - t0) / span) * 100).toFixed(2)} ${(max === min ? 50 : 100 - ((v - min) / (max - min)) * 100).toFixed(2)}`).join('');
    return html`<svg viewBox="0 0 100 100" preserveAspectRatio="none" role="img" aria-label=${msg(str`${this.label}: ${formatNumber(at.length)} points from ${formatNumber(min)} to ${formatNumber(max)}`)}>
      ${svg`<path d=${d}></path>`}
    </svg>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-sparkline': HfSparkline;
  }
}
