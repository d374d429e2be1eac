import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { heapDiff } from './heap-diff';

/**
 * A bare Node process writes a snapshot, then makes a Holder that keeps 100 Markers (each with an
 * array of its own) and writes a second one: the diff must charge the markers to the holder.
 */
const SCRIPT = `
const { writeHeapSnapshot } = require('node:v8');
class Marker { constructor(i) { this.values = [i, i + 1, i + 2]; } }
class Holder { constructor() { this.markers = []; } }
writeHeapSnapshot(process.argv[1]);
globalThis.holder = new Holder();
for (let i = 0; i < 100; i += 1) globalThis.holder.markers.push(new Marker(i));
writeHeapSnapshot(process.argv[2]);
`;

describe('heapDiff', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'heap-diff-'));
    execFileSync(process.execPath, ['-e', SCRIPT, join(dir, '1'), join(dir, '2')]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('charges what was added to its nearest owner, per unit, with the path from it', () => {
    const diff = heapDiff(join(dir, '1'), join(dir, '2'), ['object:Holder'], 100);
    const holder = diff.byOwner.find((share) => share.label === 'object:Holder');
    // Each unit: one Marker and its array with three elements, at least.
    expect(holder?.objects).toBeGreaterThanOrEqual(2);
    expect(holder?.bytes).toBeGreaterThan(0);
    expect(diff.totalBytes).toBeGreaterThanOrEqual(holder!.bytes);
    const paths = diff.byPath.map((share) => share.label);
    expect(paths).toContain('object:Holder .markers.[0]');
    expect(paths.some((label) => label.startsWith('object:Holder .markers.[0].values'))).toBe(true);
  });

  it('leaves out what the first snapshot already held', () => {
    const diff = heapDiff(join(dir, '1'), join(dir, '2'), ['object:Holder'], 1);
    // The process's heap is megabytes; the holder and its markers are a few kilobytes.
    expect(diff.totalBytes).toBeLessThan(100_000);
    expect(diff.totalBytes).toBeGreaterThan(100 * 16);
  });
});
