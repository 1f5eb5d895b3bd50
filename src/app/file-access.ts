/**
 * The File System Access pickers, where the browser has them (Chromium on desktop): choosing a
 * folder to share, and choosing where a saved file goes. TypeScript's DOM library does not
 * declare them yet, hence the narrow types here. Elsewhere the app falls back to browser storage
 * and downloads.
 */
interface PickerWindow {
  showDirectoryPicker?(options?: {
    mode?: 'read' | 'readwrite'
    id?: string
  }): Promise<FileSystemDirectoryHandle>
  showSaveFilePicker?(options?: { suggestedName?: string; id?: string }): Promise<FileSystemFileHandle>
}

interface WritableHandle {
  createWritable(): Promise<WritableStream<Uint8Array>>
}

const pickers = globalThis as unknown as PickerWindow

export function canPickFolder(): boolean {
  return typeof pickers.showDirectoryPicker === 'function'
}

export function canPickSaveFile(): boolean {
  return typeof pickers.showSaveFilePicker === 'function'
}

/** The folder the person chose (with write permission asked for), or undefined if they backed out. */
export async function pickFolder(): Promise<FileSystemDirectoryHandle | undefined> {
  try {
    return await pickers.showDirectoryPicker?.({ mode: 'readwrite', id: 'clearskies-share' })
  } catch (err) {
    if ((err as DOMException).name === 'AbortError') return undefined
    throw err
  }
}

/** A writable stream to the file the person chose, or undefined if they backed out. */
export async function pickSaveTarget(suggestedName: string): Promise<WritableStream<Uint8Array> | undefined> {
  try {
    const handle = await pickers.showSaveFilePicker?.({ suggestedName, id: 'clearskies-save' })
    return handle ? (handle as unknown as WritableHandle).createWritable() : undefined
  } catch (err) {
    if ((err as DOMException).name === 'AbortError') return undefined
    throw err
  }
}
