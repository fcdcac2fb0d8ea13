import { css } from 'lit';

/** The header of a device page or a view: its name, its state, and its actions pushed to the end. */
export const pageHeaderStyles = css`
  :host {
    display: block;
  }
  header {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem 1rem;
    align-items: baseline;
    margin-bottom: 0.75rem;
  }
  h2 {
    margin: 0;
    font-size: 1.2rem;
  }
  header .actions {
    display: flex;
    gap: 0.5rem;
    flex-wrap: wrap;
    margin-left: auto;
  }
`;
