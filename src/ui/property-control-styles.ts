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
      :host([stale]) .value,
      :host([stale]) input,
      :host([stale]) select {
        opacity: 0.6;
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
`;
