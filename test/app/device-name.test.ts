/** This device's name as the app keeps it: a name every peer accepts in a greeting, or the browser's default. */
import { describe, expect, it } from 'vitest'
import { DEVICE_NAME_MAX_CHARS, deviceNameOf } from '../../src/app/device-name'

describe('deviceNameOf', () => {
  it('keeps a name on one line within the bound, and falls back to the default for none or an empty one', () => {
    expect(deviceNameOf("Sam's laptop", 'Chrome on Linux')).toBe("Sam's laptop")
    expect(deviceNameOf('  two\nlines\r\n ', 'Chrome on Linux')).toBe('two lines')
    expect(deviceNameOf('x'.repeat(300), 'Chrome on Linux')).toBe('x'.repeat(DEVICE_NAME_MAX_CHARS))
    expect(deviceNameOf('   ', 'Chrome on Linux')).toBe('Chrome on Linux')
    expect(deviceNameOf(undefined, 'Chrome on Linux')).toBe('Chrome on Linux')
    expect(deviceNameOf(42, 'Chrome on Linux')).toBe('Chrome on Linux')
  })
})
