/**
 * Pieces the create and join dialogs share: where a share's files live (a picked folder or
 * browser storage), and the error line with the Cancel and submit buttons.
 */
import { html, nothing } from 'lit'
import { canPickFolder } from '../app/file-access'

export type Where = 'folder' | 'browser'

/** The radio group; the folder choice appears only where the browser can pick folders. */
export function whereChoice(
  legend: string,
  where: Where,
  choose: (where: Where) => void,
  hints: Record<Where, string>,
) {
  const option = (value: Where, label: string) =>
    html`<label class="choice"
      ><input
        type="radio"
        name="where"
        value=${value}
        .checked=${where === value}
        @change=${() => choose(value)}
      />${label} <span class="hint">${hints[value]}</span></label
    >`
  return html`<fieldset>
    <legend>${legend}</legend>
    ${canPickFolder() ? option('folder', 'A folder on this device') : nothing}
    ${option('browser', 'Browser storage')}
  </fieldset>`
}

export function formFooter(error: string, submitLabel: string, busy: boolean, cancel: () => void) {
  return html`${error ? html`<p class="error" role="alert">${error}</p>` : nothing}
    <div class="dialog-actions">
      <button type="button" @click=${cancel}>Cancel</button>
      <button type="submit" class="primary" ?disabled=${busy}>${submitLabel}</button>
    </div>`
}
