/**
 * The look every element shares: buttons, fields, cards and the visually-hidden helper. Colours
 * come from custom properties set in index.html for light and dark (prefers-color-scheme), so the
 * elements never name a colour of their own.
 */
import { css } from 'lit'

export const shared = css`
  :host {
    box-sizing: border-box;
    display: block;
  }
  *,
  *::before,
  *::after {
    box-sizing: inherit;
  }
  h2,
  h3 {
    margin: 0 0 0.5rem;
    line-height: 1.25;
  }
  h2 {
    font-size: 1.25rem;
  }
  h3 {
    font-size: 1.05rem;
  }
  p {
    margin: 0 0 0.75rem;
  }
  button,
  .button {
    font: inherit;
    font-weight: 600;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 0.4rem;
    min-height: 2.5rem;
    padding: 0.45rem 1rem;
    border-radius: 0.5rem;
    border: 1px solid var(--cs-border);
    background: var(--cs-surface);
    color: var(--cs-text);
    cursor: pointer;
    text-decoration: none;
  }
  button:hover,
  .button:hover {
    background: var(--cs-hover);
  }
  button.primary {
    background: var(--cs-accent);
    border-color: var(--cs-accent);
    color: var(--cs-on-accent);
  }
  button.primary:hover {
    background: var(--cs-accent-strong);
  }
  button.danger {
    color: var(--cs-danger);
    border-color: var(--cs-danger);
  }
  button.link {
    border: none;
    background: none;
    min-height: auto;
    padding: 0.2rem 0.3rem;
    color: var(--cs-link);
    font-weight: 500;
    text-decoration: underline;
  }
  button:disabled {
    opacity: 0.55;
    cursor: not-allowed;
  }
  :focus-visible {
    outline: 3px solid var(--cs-focus);
    outline-offset: 2px;
  }
  input[type='text'],
  input[type='url'],
  input[type='number'],
  textarea,
  select {
    font: inherit;
    width: 100%;
    padding: 0.5rem 0.65rem;
    border-radius: 0.45rem;
    border: 1px solid var(--cs-border-strong);
    background: var(--cs-field);
    color: var(--cs-text);
  }
  label {
    font-weight: 600;
  }
  .field {
    display: grid;
    gap: 0.3rem;
    margin-bottom: 0.9rem;
  }
  .hint {
    color: var(--cs-muted);
    font-size: 0.9rem;
    font-weight: 400;
  }
  .card {
    background: var(--cs-surface);
    border: 1px solid var(--cs-border);
    border-radius: 0.75rem;
    padding: 1rem;
  }
  .row {
    display: flex;
    flex-wrap: wrap;
    gap: 0.5rem;
    align-items: center;
  }
  .error {
    color: var(--cs-danger);
    background: var(--cs-danger-soft);
    border-radius: 0.45rem;
    padding: 0.6rem 0.75rem;
    margin: 0.5rem 0;
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0;
  }
  fieldset {
    border: 1px solid var(--cs-border);
    border-radius: 0.6rem;
    padding: 0.6rem 0.9rem;
    margin: 0 0 0.9rem;
  }
  legend {
    font-weight: 600;
    padding: 0 0.3rem;
  }
  /* A radio choice: the button, its label, and a hint under the label. */
  .choice {
    display: grid;
    grid-template-columns: auto 1fr;
    gap: 0.1rem 0.6rem;
    align-items: start;
    padding: 0.4rem 0;
    font-weight: 600;
  }
  .choice input {
    margin-top: 0.3rem;
  }
  .choice .hint {
    grid-column: 2;
  }
  .dot {
    width: 0.6rem;
    height: 0.6rem;
    border-radius: 50%;
    flex: none;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
  }
  dialog {
    width: min(34rem, calc(100vw - 1.5rem));
    max-height: calc(100dvh - 1.5rem);
    border: 1px solid var(--cs-border);
    border-radius: 0.9rem;
    padding: 1.25rem;
    background: var(--cs-bg);
    color: var(--cs-text);
    box-shadow: 0 20px 50px rgb(0 0 0 / 0.3);
  }
  dialog::backdrop {
    background: rgb(10 20 35 / 0.55);
  }
  .dialog-actions {
    display: flex;
    flex-wrap: wrap;
    justify-content: flex-end;
    gap: 0.5rem;
    margin-top: 1rem;
  }
`

/** A status word with a coloured dot before it (a share's state, the signaling connection). */
export const badge = css`
  :host {
    display: inline-flex;
    align-items: center;
    gap: 0.4rem;
    font-size: 0.9rem;
    white-space: nowrap;
  }
`
