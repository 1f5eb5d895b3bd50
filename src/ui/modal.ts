import { emit } from './events'

/**
 * The dialogs are native <dialog> elements opened modally: the browser then traps focus, closes on
 * Escape and hides the rest of the page from screen readers. Each dialog element keeps an `open`
 * property; this keeps the <dialog> in step with it.
 */
export function syncModal(dialog: HTMLDialogElement | null | undefined, open: boolean): void {
  if (!dialog) return
  if (open && !dialog.open) dialog.showModal()
  else if (!open && dialog.open) dialog.close()
}

/**
 * The handler for a <dialog>'s `close` event: it tells the shell only when the person closed the
 * dialog (Escape) while the shell still had it open. A close the shell caused arrives a moment
 * later, and by then another dialog may be open: passing it on would close that one.
 */
export function closedByPerson(host: HTMLElement, stillOpen: () => boolean): () => void {
  return () => {
    if (stillOpen()) emit(host, 'cs-close')
  }
}
