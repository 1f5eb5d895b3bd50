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
