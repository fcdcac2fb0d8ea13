import { css } from 'lit';

/** The card look shared by the shell's panels (connection, outbox, diagnostics, prompts). */
export const panelStyles = css`
  :host {
    display: block;
    margin: 0.5rem 1rem 0;
    padding: 1rem;
    background: var(--hf-surface);
    border: 1px solid var(--hf-border);
    border-radius: 8px;
  }
  h2 {
    margin: 0 0 0.5rem;
    font-size: 1rem;
  }
  .actions {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    margin-top: 0.75rem;
  }
  input,
  select {
    background: var(--hf-surface-2);
    border: 1px solid var(--hf-border);
    border-radius: 8px;
    padding: 0 0.75rem;
  }
  input[aria-invalid='true'] {
    border-color: var(--hf-bad);
  }
  .field-error {
    color: var(--hf-bad-fg);
    font-size: 0.9rem;
  }
`;

/** A panel's row of filters (the audit, the traffic log): labelled fields side by side, each label above its field. */
export const filterStyles = css`
  .filters {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem 1rem;
    align-items: end;
  }
  label {
    display: grid;
    gap: 0.25rem;
  }
`;
