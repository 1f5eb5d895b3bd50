/**
 * Node flags the daemon's process runs with (`clearskies start` passes them to the process it
 * detaches; bench/sync's peers run with them too).
 *
 * File data streams through ArrayBuffers, and every 64 MB of them makes V8 begin a major GC. With
 * concurrent marking each of those wakes V8's helper threads, which on a machine of few cores cost
 * more CPU than the marking itself: syncing 1 GiB took 17 s of CPU across both peers, 12.7 s with
 * one-threaded GC (bench/sync, 2 cores). The heap stays at a few MB, so marking it on the main
 * thread costs little.
 *
 * A sender still marks almost without pause: 23-29 full collections per GiB, about 12% of its CPU
 * (perf). With a heap of about 10 MB, V8 starts marking as soon as the young ArrayBuffers it has
 * not yet scavenged take up the 16 MB of room it keeps. `--heap-growing-percent=500` (one
 * collection instead of 28, 0.4 s less CPU) and `--initial-old-space-size=64` did not make the
 * sync any faster over 8 alternated pairs, and the first lets the heap grow to six times what it
 * holds, so neither is set.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--single-threaded-gc']
