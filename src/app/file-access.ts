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

export type FolderAccess = 'granted' | 'prompt' | 'denied'

interface PermissionHandle {
  queryPermission(options: { mode: 'readwrite' }): Promise<FolderAccess>
  requestPermission(options: { mode: 'readwrite' }): Promise<FolderAccess>
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

/** Whether the app may still use a picked folder: after a browser restart Chromium asks again. */
export function folderAccess(folder: FileSystemDirectoryHandle): Promise<FolderAccess> {
  return (folder as unknown as PermissionHandle).queryPermission({ mode: 'readwrite' })
}

/** Asks the person again (needs a click: the browser shows its own prompt). */
export function askFolderAccess(folder: FileSystemDirectoryHandle): Promise<FolderAccess> {
  return (folder as unknown as PermissionHandle).requestPermission({ mode: 'readwrite' })
}
