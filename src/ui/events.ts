/**
 * What the elements ask for: every user intent is a bubbling, composed CustomEvent with a typed
 * detail, handled by the app shell (cs-app), which alone talks to the engine.
 */
export interface CreateShareDetail {
  readonly name: string
  /** A folder the person picked; without one the files live in browser storage. */
  readonly folder?: FileSystemDirectoryHandle
}

export interface JoinShareDetail {
  readonly code: string
  readonly name: string
  readonly folder?: FileSystemDirectoryHandle
}

export interface MakeCodeDetail {
  readonly level: 'read_write' | 'read_only'
  readonly multiUse: boolean
  /** null: never expires (multi-use only). */
  readonly expiresInMs: number | null
}

export interface PathDetail {
  readonly path: string
}

export interface AddFilesDetail {
  readonly files: ReadonlyArray<{ readonly path: string; readonly file: File }>
}

export interface CsEventMap {
  'cs-create-share': CreateShareDetail
  'cs-join-share': JoinShareDetail
  'cs-make-code': MakeCodeDetail
  'cs-cancel-code': { readonly code: string }
  'cs-extend-code': { readonly code: string; readonly expiresInMs: number | null }
  'cs-open-share': { readonly location: string }
  'cs-show-create': undefined
  'cs-show-join': undefined
  'cs-show-code': { readonly location: string }
  'cs-close': undefined
  'cs-go-home': undefined
  'cs-pause': undefined
  'cs-resume': undefined
  'cs-remove-share': { readonly location: string }
  'cs-preview': PathDetail
  'cs-save-file': PathDetail
  /** A folder (path ending in `/`, or `/` for the whole share) as a zip. */
  'cs-save-zip': PathDetail
  'cs-add-files': AddFilesDetail
  /** Selective sync: the share paths this device leaves out. */
  'cs-set-excluded': { readonly excluded: readonly string[] }
  'cs-set-archive': { readonly enabled: boolean }
  /** Put an archived version back (its path in the archive). */
  'cs-restore': { readonly archived: string }
  /** Ask the browser again for the share's picked folder. */
  'cs-allow-folder': undefined
  /** Files another app shared go into this share. */
  'cs-add-incoming': { readonly location: string }
  'cs-save-settings': import('../app/settings').Settings
}

/** Sends an intent up to the shell. */
export function emit<K extends keyof CsEventMap>(
  from: HTMLElement,
  type: K,
  ...detail: CsEventMap[K] extends undefined ? [] : [CsEventMap[K]]
): void {
  from.dispatchEvent(new CustomEvent(type, { detail: detail[0], bubbles: true, composed: true }))
}

type CsEvents = { [K in keyof CsEventMap]: CustomEvent<CsEventMap[K]> }

declare global {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- the map is the mapped type above
  interface HTMLElementEventMap extends CsEvents {}
}
