/** The status line after saving a folder as a zip: it says when the zip is not the whole folder. */
import { describe, expect, it } from 'vitest'
import { zipSavedStatus } from '../../src/app/messages'

describe('zipSavedStatus', () => {
  it('counts the files left out in good English, whether they are still to come or not synced here', () => {
    expect(zipSavedStatus('saved', 0)).toBe('Zip saved.')
    expect(zipSavedStatus('downloaded', 1)).toBe(
      'Zip download started. 1 file that is not on this device was left out.',
    )
    expect(zipSavedStatus('saved', 3)).toBe('Zip saved. 3 files that are not on this device were left out.')
  })
})
