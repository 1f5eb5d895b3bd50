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
 * Both peers still started a major GC every 100-150 ms: 20-30 per GiB on the sender, and on the
 * receiver anywhere from 1 to 26, run to run, each 15-30 ms of marking on its main thread. With a
 * heap of about 10 MB, V8 starts marking as soon as the young ArrayBuffers it has not yet
 * scavenged take up the room it keeps below its limit, and that limit is only the live heap times
 * a growing factor V8 picks between 1.1 and 4. `--heap-growing-percent=300` pins the factor at 4,
 * V8's own largest: 1-6 collections a GiB on each side, and 1 GiB synced in a median 3.62 s
 * against 4.13 s (bench/sync, 4 alternated pairs; 12% less CPU across both peers). Peak RSS did
 * not move (1 GiB: 160-181 MB against 164-181; 10,000 files: 227 MB against 243), and V8's memory
 * reducer still shrinks an idle heap. (Session 11 measured no gain from a factor of 6 while the
 * receiver read its socket 64 KiB at a time: that, not collection, held it back then.)
 */
export const DAEMON_NODE_FLAGS: readonly string[] = ['--single-threaded-gc', '--heap-growing-percent=300']
