/* global process */
// Preloaded (with --expose-gc) into both servers by the idle benchmark: SIGWINCH runs a full
// garbage collection, so that RSS is read with the garbage of the connection burst gone.
// (SIGUSR2 would not do: Nest's shutdown hooks listen to it.)
process.on('SIGWINCH', () => globalThis.gc?.());
