/* global process, require */
/* eslint-disable @typescript-eslint/no-require-imports -- a CommonJS file, preloaded with node -r */
// Preloaded (with --expose-gc) into the service by the heap benchmark: SIGPWR collects the garbage
// and writes a heap snapshot into BENCH_SNAPSHOT_DIR as <n>.heapsnapshot, renamed into place once
// written so that the harness never reads half a file.
const { renameSync } = require('node:fs');
const { join } = require('node:path');
const { writeHeapSnapshot } = require('node:v8');

let taken = 0;
process.on('SIGPWR', () => {
  globalThis.gc?.();
  taken += 1;
  const file = join(process.env.BENCH_SNAPSHOT_DIR, `${taken}.heapsnapshot`);
  renameSync(writeHeapSnapshot(`${file}.partial`), file);
});
