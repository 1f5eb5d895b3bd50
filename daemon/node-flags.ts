/**
 * Node flags the daemon's process runs with (`clearskies start` passes them to the process it
 * detaches; bench/sync's peers run with them too).
 *
 * File data streams through ArrayBuffers, and every 64 MB of them makes V8 begin a major GC. With
 * concurrent marking each of those wakes V8's helper threads, which on a machine of few cores cost
 * more CPU than the marking itself: syncing 1 GiB took 17 s of CPU across both peers, 12.7 s with
 * one-threaded GC (bench/sync, 2 cores). The heap stays at a few MB, so marking it on the main
 * thread costs little.
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--single-threaded-gc']
