import { localized, msg, str } from '@lit/localize';
import { LitElement, css, html, unsafeCSS } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type uPlot from 'uplot';
import uPlotCss from 'uplot/dist/uPlot.min.css?inline';
import { formatDateTime, formatNumber } from '../i18n/format.js';
import { currentLocale } from '../i18n/localization.js';
import type { Series } from '../store/history.js';
import { SliceController } from './controllers/slice-controller.js';

const axisFormats = new Map<string, Intl.DateTimeFormat>();

/** A time-axis tick in the operator's language, 24-hour, as fine as the ticks are apart (uPlot's own ticks are English, 12-hour). */
function axisTime(at: number, incrSeconds: number): string {
  const kind = incrSeconds >= 86_400 ? 'day' : incrSeconds >= 60 ? 'minute' : 'second';
  const key = `${currentLocale()}|${kind}`;
  let f = axisFormats.get(key);
  if (!f) {
    const options: Intl.DateTimeFormatOptions =
      kind === 'day' ? { day: 'numeric', month: 'short' } : kind === 'minute' ? { hour: '2-digit', minute: '2-digit', hour12: false } : { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false };
    f = new Intl.DateTimeFormat(currentLocale(), options);
    axisFormats.set(key, f);
  }
  return f.format(at);
}

/**
 * A property's value history with a time axis (uPlot: small and fast, and
 * loaded only when an operator opens a chart).
 */
@customElement('hf-history-chart')
@localized()
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
  /** Why the chart could not be drawn (the library's own words), worded when rendering. */
  @state() private drawError: string | null = null;
  /** The series (a new one each change, shared with the store: not copied). */
  private readonly series = new SliceController<Series>(this, (c) => (fn) => c.history.subscribe(this.deviceId, this.propertyId, fn));

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
    const n = this.series.value?.at.length ?? 0;
    const count = formatNumber(n);
    const caption =
      this.drawError !== null
        ? msg(str`The chart could not be drawn: ${this.drawError}`)
        : this.unit
          ? msg(str`${this.label}: last ${count} values (${this.unit})`)
          : msg(str`${this.label}: last ${count} values`);
    return html`<figure role="figure" aria-label=${msg(str`${this.label} history`)}>
      <div id="plot"></div>
      <figcaption class="muted">${caption}</figcaption>
    </figure>`;
  }

  override async updated(): Promise<void> {
    const series = this.series.value;
    if (!series || series === this.drawn) return;
    this.drawn = series;
    const data: uPlot.AlignedData = [series.at.map((t) => t / 1000), [...series.value]];
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
          // Times and numbers in the operator's language, read on each redraw (a new point redraws in the current one).
          series: [
            { label: msg('Time'), value: (_u, v, _s, idx) => (idx === null || v === null ? '--' : formatDateTime(v * 1000)) },
            { label: this.label, stroke: getComputedStyle(this).getPropertyValue('--hf-accent').trim() || '#4da3ff', width: 2, value: (_u, v, _s, idx) => (idx === null || v === null ? '--' : formatNumber(v)) },
          ],
          axes: [
            { stroke: 'currentColor', space: 70, values: (_u, splits, _a, _space, incr) => splits.map((s) => axisTime(s * 1000, incr)) },
            { stroke: 'currentColor', values: (_u, splits) => splits.map((v) => formatNumber(v)) },
          ],
        },
        data,
        target,
      );
    } catch (err) {
      this.drawError = err instanceof Error ? err.message : String(err);
    }
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-history-chart': HfHistoryChart;
  }
}
