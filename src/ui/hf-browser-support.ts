import { localized, msg } from '@lit/localize';
import { LitElement, css, html } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { browserFeatureState, browserFeatures, probeBrowserEnvironment, type BrowserEnvironment, type BrowserFeature } from '../app/browser-features.js';
import { sharedStyles } from './shared-styles.js';

/**
 * What this browser can and cannot do for Holdfast, in words (never colour
 * alone): each capability is feature-detected once, when the element is
 * created; the words are made when rendering (the current language). Each
 * line reads as describeBrowserFeature() words it. Meant for Settings.
 */
@localized()
@customElement('hf-browser-support')
export class HfBrowserSupport extends LitElement {
  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      h3 {
        margin: 0 0 0.5rem;
        font-size: 1rem;
      }
      ul {
        margin: 0;
        padding-left: 1.25rem;
      }
      li + li {
        margin-top: 0.25rem;
      }
      .state {
        font-weight: 600;
      }
    `,
  ];

  private readonly environment: BrowserEnvironment = probeBrowserEnvironment();
  /** The capabilities to show; null: this browser's, as detected. Tests may set their own. */
  @property({ attribute: false }) features: readonly BrowserFeature[] | null = null;

  override render() {
    const features = this.features ?? browserFeatures(this.environment);
    return html`<section aria-labelledby="browser-support-title">
      <h3 id="browser-support-title">${msg('This browser')}</h3>
      <ul aria-label=${msg('Browser features')}>
        ${features.map((f) => html`<li data-feature=${f.id}><span class="state">${browserFeatureState(f)}</span>${f.available ? '' : ` ${f.whatDegrades}`}</li>`)}
      </ul>
    </section>`;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'hf-browser-support': HfBrowserSupport;
  }
}
