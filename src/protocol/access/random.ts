/**
 * Where secrets come from (core.md: keys "must not be generated with a psuedo-random number
 * generator"). Injected so tests can pin codes; the default is the platform's CSPRNG.
 */
export type RandomSource = (length: number) => Uint8Array

/** crypto.getRandomValues fills at most 65536 bytes a call; our secrets are 32 bytes at most. */
export const cryptoRandom: RandomSource = (length) => crypto.getRandomValues(new Uint8Array(length))
