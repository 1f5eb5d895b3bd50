/**
 * Turns what went wrong into what a person can act on: what happened, then what to do. Errors
 * from the engine worker arrive through comlink as plain {name, message}, so they are told apart
 * by name and by the words the engine uses.
 */
import { AccessError, AccessErrorCode } from '../protocol/access'

export function explain(err: unknown, doing: string): string {
  const name = (err as { name?: string } | null)?.name ?? ''
  const message = (err as { message?: string } | null)?.message ?? String(err)
  if (err instanceof AccessError) return explainCode(err)
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return `ClearSkies was not allowed to ${doing}: the browser refused access. Allow access when the browser asks, or choose browser storage instead.`
  }
  if (name === 'QuotaExceededError' || /quota|no space/i.test(message)) {
    return `There is no room left to ${doing}: the browser's storage for this site is full. Free some space on the device, or remove a share you no longer need, then try again.`
  }
  if (name === 'NotFoundError' || /ENOENT|not found|could not be found/i.test(message)) {
    return `Could not ${doing}: the file or folder is no longer there. If you moved or deleted it, put it back or pick it again.`
  }
  if (/EEXIST|already holds a share/.test(message))
    return `Could not ${doing}: you already have a share with that name. Choose another name.`
  if (/made on this device/.test(message))
    return 'That access code was made on this device. Send it to the other device and open it there.'
  if (/cannot grant/.test(message))
    return 'This device only has view access to the share, so it cannot invite people who can edit. Choose "Can view".'
  return `Could not ${doing}: ${message}. Try again; if it keeps failing, reload the page.`
}

function explainCode(err: AccessError): string {
  switch (err.code) {
    case AccessErrorCode.CodeLength:
    case AccessErrorCode.CodeCharacter:
    case AccessErrorCode.CodeCheck:
    case AccessErrorCode.CodeAmbiguous:
    case AccessErrorCode.CodePrefix:
      return `That is not a valid access code (${err.message}). Check it against the one you were sent, or ask for the link instead.`
    case AccessErrorCode.CodeLink:
      return `That link does not hold an access code (${err.message}). Paste the whole link or just the code that starts with SYNC.`
    default:
      return `${err.message}. Ask for a new access code.`
  }
}

/**
 * What to do when the engine could not start. A database closed under it while it started
 * (DatabaseClosedError: a newer version of the app opened it in another tab, or the browser ended
 * it) is not a private window's missing storage: this tab must reload, after the other tab closes
 * if the person means to keep using this one. comlink carries an error's name, not its `code`.
 */
export function startAdvice(err: unknown): string {
  if ((err as { name?: string } | null)?.name === 'DatabaseClosedError')
    return 'Reload this tab; if ClearSkies is open in another tab, close that tab first, or use ClearSkies there.'
  return 'Reload the page to try again; in a private window, open a normal one (the browser gives private windows no lasting storage).'
}

/** What a pending join means after a while without an answer. */
export function explainJoinWait(sinceMs: number, problem: string | undefined, nowMs = Date.now()): string {
  if (problem && /alert|bad_record_mac|handshake|unknown_psk|denied|refused/i.test(problem)) {
    return 'The device that made this code turned it down: it has expired, was already used, or was cancelled. Ask for a new code.'
  }
  if (nowMs - sinceMs > 60_000) {
    return 'No device has answered for this code yet. The device that made it must be online with ClearSkies open; if it is, the code may have expired or been used: ask for a new one.'
  }
  return 'Looking for the device that made the code…'
}

/**
 * What saving a folder as a zip did. Files not on this device (still to come, or left out by
 * selective sync) are not in the zip, and the person should know the zip is not the whole folder.
 */
export function zipSavedStatus(outcome: 'saved' | 'downloaded', missing: number): string {
  const done = outcome === 'saved' ? 'Zip saved.' : 'Zip download started.'
  if (missing === 0) return done
  const files =
    missing === 1
      ? '1 file that is not on this device was'
      : `${missing} files that are not on this device were`
  return `${done} ${files} left out.`
}
