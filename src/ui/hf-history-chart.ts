import { LitElement, css, html, unsafeCSS } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css?inline';
import type { Series } from '../store/history.js';
import { SliceController } from './controllers/slice-controller.js';

/**
 * A property's value history with a time axis (uPlot: small and fast, and
 * loaded only when an operator opens a chart).
 */
@customElement('hf-history-chart')
export class HfHistoryChart extends LitElement {
  // uPlot's own stylesheet is static library CSS, not broker data.
  static override styles = [
    unsafeCSS(uPlotCss),
    css`
      :host {
        display: block;
        margin-top: 0.5rem;
        color: var(--hf-fg);
      }
      .u-legend {
        color: var(--hf-fg);
      }
    `,
  ];

  @property({ attribute: false }) deviceId = '';
  @property({ attribute: false }) propertyId = '';
  @property() label = '';
  @property() unit = '';
  @state() private error: string | null = null;
  /** The series, copied on each change so a render sees a stable array (the store mutates its own). */
  private readonly series = new SliceController<Series, Series>(this, (c) => (fn) => c.history.subscribe(this.deviceId, this.propertyId, fn), (s) => [...s], () => false);

  override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('deviceId') || changed.has('propertyId')) this.series.rebind();
  }
  private plot: uPlot | null = null;
  private drawn: Series | null = null;

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.plot?.destroy();
    this.plot = null;
  }

  override render() {
    const n = this.series.value?.length ?? 0;
    return html`<figure role="figure" aria-label="${this.label} history">
      <div id="plot"></div>
      <figcaption class="muted">${this.error ?? `${this.label}: last ${n} values${this.unit ? ` (${this.unit})` : ''}`}</figcaption>
    </figure>`;
  }

  override async updated(): Promise<void> {
    const series = this.series.value;
    if (!series || series === this.drawn) return;
    this.drawn = series;
    const data: uPlot.AlignedData = [series.map((p) => p.at / 1000), series.map((p) => p.value)];
    if (this.plot) {
      this.plot.setData(data);
      return;
    }
    try {
      const { default: UPlot } = await import('uplot');
      const target = this.renderRoot.querySelector('#plot') as HTMLElement | null;
      if (!target || this.plot) return;
      const width = Math.max(240, Math.min(720, this.getBoundingClientRect().width || 480));
      this.plot = new UPlot(
        {
          width,
          height: 180,
          series: [{}, { label: this.label, stroke: getComputedStyle(this).getPropertyValue('--hf-accent').trim() || '#4da3ff', width: 2 }],
          axes: [{ stroke: 'currentColor' }, { stroke: 'currentColor' }],
        },
        data,
        target,
      );
    } catch (err) {
      this.error = `The chart could not be drawn: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-history-chart': HfHistoryChart;
  }
}
