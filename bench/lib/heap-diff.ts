import { readFileSync } from 'node:fs';

/** The parts of a V8 .heapsnapshot file this reads (the format Chrome DevTools loads). */
interface SnapshotFile {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** Bytes (V8's self sizes) of the objects of one kind, per unit of what was added. */
export interface HeapShare {
  label: string;
  bytes: number;
  objects: number;
}

export interface HeapDiff {
  /** Objects in the second snapshot and not the first, still live: their self sizes. */
  totalBytes: number;
  /** By the nearest owner on each object's shortest path from the roots. */
  byOwner: HeapShare[];
  /** By owner and the first properties of the path from it. */
  byPath: HeapShare[];
}

class Snapshot {
  readonly nodeCount: number;
  private readonly nodeFieldCount: number;
  private readonly edgeFieldCount: number;
  private readonly field: Record<'type' | 'name' | 'id' | 'selfSize' | 'edgeCount', number>;
  private readonly edgeField: Record<'type' | 'name' | 'to', number>;

  constructor(private readonly file: SnapshotFile) {
    const { node_fields: nodeFields, edge_fields: edgeFields } = file.snapshot.meta;
    this.nodeFieldCount = nodeFields.length;
    this.edgeFieldCount = edgeFields.length;
    this.nodeCount = file.nodes.length / this.nodeFieldCount;
    this.field = {
      type: nodeFields.indexOf('type'),
      name: nodeFields.indexOf('name'),
      id: nodeFields.indexOf('id'),
      selfSize: nodeFields.indexOf('self_size'),
      edgeCount: nodeFields.indexOf('edge_count'),
    };
    this.edgeField = {
      type: edgeFields.indexOf('type'),
      name: edgeFields.indexOf('name_or_index'),
      to: edgeFields.indexOf('to_node'),
    };
  }

  static read(path: string): Snapshot {
    return new Snapshot(JSON.parse(readFileSync(path, 'utf8')) as SnapshotFile);
  }

  id(node: number): number {
    return this.file.nodes[node * this.nodeFieldCount + this.field.id];
  }

  selfSize(node: number): number {
    return this.file.nodes[node * this.nodeFieldCount + this.field.selfSize];
  }

  /** `object:IncomingMessage`, `closure:next`, `array:(object elements)`... */
  label(node: number): string {
    const nodes = this.file.nodes;
    const type = this.file.snapshot.meta.node_types[0][nodes[node * this.nodeFieldCount]];
    const name = this.file.strings[nodes[node * this.nodeFieldCount + this.field.name]];
    return `${type}:${name.length > 60 ? `${name.slice(0, 57)}...` : name}`;
  }

  /**
   * Each node's parent on a shortest path from the root (node 0), breadth first, over the
   * references that keep objects alive (weak references and shortcuts left out), with the name of
   * the reference.
   */
  shortestPaths(): { parent: Int32Array; via: string[] } {
    const { nodes, edges, strings } = this.file;
    const edgeTypes = this.file.snapshot.meta.edge_types[0];
    const firstEdge = new Uint32Array(this.nodeCount + 1);
    for (let node = 0, edge = 0; node < this.nodeCount; node += 1) {
      firstEdge[node] = edge;
      edge += nodes[node * this.nodeFieldCount + this.field.edgeCount] * this.edgeFieldCount;
    }
    firstEdge[this.nodeCount] = edges.length;
    const parent = new Int32Array(this.nodeCount).fill(-1);
    const via = new Array<string>(this.nodeCount);
    const queue = new Int32Array(this.nodeCount);
    let head = 0;
    let tail = 0;
    queue[tail++] = 0;
    parent[0] = 0;
    while (head < tail) {
      const node = queue[head++];
      for (let edge = firstEdge[node]; edge < firstEdge[node + 1]; edge += this.edgeFieldCount) {
        const type = edgeTypes[edges[edge + this.edgeField.type]];
        if (type === 'weak' || type === 'shortcut') continue;
        const to = edges[edge + this.edgeField.to] / this.nodeFieldCount;
        if (parent[to] !== -1) continue;
        parent[to] = node;
        const name = edges[edge + this.edgeField.name];
        via[to] = type === 'element' || type === 'hidden' ? `[${name}]` : strings[name];
        queue[tail++] = to;
      }
    }
    return { parent, via };
  }
}

/** How far up its shortest path an object is looked at for an owner. */
const MAX_DEPTH = 12;
/** Properties of the path kept in `byPath`, from the owner down. */
const PATH_STEPS = 3;

function add(shares: Map<string, HeapShare>, label: string, bytes: number): void {
  const share = shares.get(label) ?? { label, bytes: 0, objects: 0 };
  share.bytes += bytes;
  share.objects += 1;
  shares.set(label, share);
}

function perUnit(shares: Map<string, HeapShare>, units: number): HeapShare[] {
  return [...shares.values()]
    .map((s) => ({ label: s.label, bytes: s.bytes / units, objects: s.objects / units }))
    .sort((a, b) => b.bytes - a.bytes);
}

/**
 * What the heap gained between two snapshots of one process, per unit (e.g. per stream added in
 * between). Each new object is charged to its nearest owner: the closest object on its shortest
 * path from the roots whose label is in `owners` (e.g. `object:Socket`); `(old) ` marks an owner
 * that was already in the first snapshot, `?` an object with none within reach.
 */
export function heapDiff(
  beforePath: string,
  afterPath: string,
  owners: readonly string[],
  units: number,
): HeapDiff {
  const before = Snapshot.read(beforePath);
  const existing = new Set<number>();
  for (let node = 0; node < before.nodeCount; node += 1) existing.add(before.id(node));
  const after = Snapshot.read(afterPath);
  const { parent, via } = after.shortestPaths();
  const ownerLabels = new Set(owners);
  const byOwner = new Map<string, HeapShare>();
  const byPath = new Map<string, HeapShare>();
  let totalBytes = 0;
  for (let node = 0; node < after.nodeCount; node += 1) {
    if (existing.has(after.id(node))) continue;
    const bytes = after.selfSize(node);
    totalBytes += bytes;
    let owner = '?';
    const path: string[] = [];
    for (let at = node, depth = 0; depth < MAX_DEPTH && at > 0 && parent[at] >= 0; depth += 1) {
      path.push(via[at]);
      const up = parent[at];
      if (ownerLabels.has(after.label(up))) {
        owner = `${existing.has(after.id(up)) ? '(old) ' : ''}${after.label(up)}`;
        break;
      }
      at = up;
    }
    add(byOwner, owner, bytes);
    add(byPath, `${owner} .${path.reverse().slice(0, PATH_STEPS).join('.')}`, bytes);
  }
  return {
    totalBytes: totalBytes / units,
    byOwner: perUnit(byOwner, units),
    byPath: perUnit(byPath, units),
  };
}
