import { css } from 'lit';

/** Styles shared by a property's control and its momentary-command variant. */
export const propertyControlStyles = css`
      :host {
        display: block;
        padding: 0.75rem;
        border: 1px solid var(--hf-border);
        border-radius: 8px;
        background: var(--hf-surface);
      }
      /* Stale is said in words beside the value; the look only backs it up, without lowering contrast (WCAG 1.4.3). */
      :host([stale]) .value,
      :host([stale]) input,
      :host([stale]) select {
        color: var(--hf-muted);
        border-style: dashed;
      }
      .head {
        display: flex;
        justify-content: space-between;
        gap: 0.5rem;
        flex-wrap: wrap;
        margin-bottom: 0.5rem;
      }
      .name {
        font-weight: 600;
      }
      .row {
        display: flex;
        gap: 0.75rem;
        align-items: center;
        flex-wrap: wrap;
      }
      input[type='number'],
      input[type='text'],
      select {
        background: var(--hf-surface-2);
        border: 1px solid var(--hf-border);
        border-radius: 8px;
        padding: 0 0.5rem;
        min-width: 7rem;
      }
      input[type='range'] {
        flex: 1 1 12rem;
        accent-color: var(--hf-accent);
      }
      button[role='switch'] {
        min-width: 5rem;
      }
      button[role='switch'][aria-checked='true'] {
        background: var(--hf-accent);
        color: var(--hf-on-accent);
      }
      input.readonly {
        background: transparent;
        border: none;
        padding: 0;
        min-width: 0;
        width: 100%;
      }
      .value {
        font-size: 1.25rem;
        font-variant-numeric: tabular-nums;
      }
      .meta {
        font-size: 0.85rem;
      }
      button.link {
        background: none;
        border: none;
        padding: 0;
        color: var(--hf-accent);
        text-decoration: underline;
        min-height: 44px;
      }
      .presence {
        margin: 0.5rem 0 0;
        color: var(--hf-info-fg);
      }
      .entry {
        margin: 0.5rem 0 0;
        font-size: 0.9rem;
      }
      .entry.attention {
        color: var(--hf-warn-fg);
      }
      .error {
        margin: 0.5rem 0 0;
        color: var(--hf-bad-fg);
        font-size: 0.9rem;
      }
      .actions {
        display: flex;
        gap: 0.5rem;
        margin-top: 0.5rem;
      }
      hf-conflict-card {
        margin-top: 0.5rem;
      }
  .unknown::-webkit-slider-thumb {
    opacity: 0;
  }
  .unknown::-moz-range-thumb {
    opacity: 0;
  }
  .completeness {
    font-size: 0.85rem;
  }
  .tools {
    display: flex;
    gap: 0 1rem;
    flex-wrap: wrap;
  }
  #msg:empty {
    display: none;
  }
  /* Compact: one row per control (name, control, age, tools), for views and long device pages. */
  :host([compact]) {
    display: grid;
    grid-template-columns: minmax(8rem, 14rem) minmax(0, 1fr) auto;
    grid-template-areas: 'head row more' 'tools tools tools';
    align-items: center;
    gap: 0 0.75rem;
    padding: 0 0.5rem;
    min-height: 44px;
  }
  :host([compact]) .head {
    grid-area: head;
    display: grid;
    gap: 0;
    margin: 0;
  }
  :host([compact]) .head .age,
  .head .context {
    font-size: 0.75rem;
  }
  .head .context,
  :host([compact]) .head .name {
    overflow: hidden;
    text-overflow: ellipsis;
    white-space: nowrap;
  }
  :host([compact]) .row {
    grid-area: row;
    flex-wrap: nowrap;
    gap: 0.5rem;
  }
  :host([compact]) .more {
    grid-area: more;
  }
  :host([compact]) .tools {
    grid-area: tools;
    gap: 0.75rem;
    padding-bottom: 0.25rem;
  }
  :host([compact]) input[type='range'] {
    flex: 1 1 4rem;
    min-width: 0;
  }
  /* Where a row is too narrow for a usable slider, the number field alone is the control. */
  @container (max-width: 10rem) {
    :host([compact]) input[type='range'] {
      display: none;
    }
  }
  :host([compact]) input[type='number'],
  :host([compact]) input[type='text'],
  :host([compact]) select {
    min-width: 4.5rem;
    width: 6rem;
  }
  :host([compact]) .row {
    container-type: inline-size;
    min-width: 0;
  }
  /* A sparkline only where the row has room for it. */
  :host([compact]) .trend {
    display: none;
  }
  @container (min-width: 24rem) {
    :host([compact]) .trend {
      display: inline-block;
    }
  }
  :host([compact]) #msg,
  :host([compact]) .entry,
  :host([compact]) .actions,
  :host([compact]) .presence,
  :host([compact]) hf-conflict-card,
  :host([compact]) hf-history-chart,
  :host([compact]) hf-add-to-view {
    grid-column: 1 / -1;
  }
  :host([compact]) .entry,
  :host([compact]) .presence {
    margin: 0 0 0.25rem;
  }
  :host([compact]) #msg:empty {
    display: none;
  }
`;
