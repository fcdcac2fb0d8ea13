import { css } from 'lit';

/** Styles every element shares: buttons, focus ring, 44 px touch targets. Colour tokens live in base.css (themes). */
export const sharedStyles = css`
  :host {
    box-sizing: border-box;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  button,
  select,
  input {
    font: inherit;
    color: inherit;
    min-height: 44px;
  }
  button {
    background: var(--hf-surface-2);
    border: 1px solid var(--hf-border);
    border-radius: 8px;
    padding: 0 1rem;
    cursor: pointer;
  }
  button.primary {
    background: var(--hf-accent);
    border-color: var(--hf-accent);
    color: var(--hf-on-accent);
    font-weight: 600;
  }
  button:disabled {
    opacity: 0.5;
    cursor: not-allowed;
  }
  :focus-visible {
    outline: 3px solid var(--hf-accent);
    outline-offset: 2px;
  }
  .muted {
    color: var(--hf-muted);
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
`;
