/* global process */
// Preloaded into the service only when profiling. Nest's shutdown hooks remove their SIGTERM
// listener and re-raise the signal, which kills the process before --cpu-prof writes its profile:
// this listener stays behind and turns that second SIGTERM into a normal exit.
process.on('SIGTERM', () => {
  if (process.listenerCount('SIGTERM') === 1) process.exit(0);
});
