// Compare two V8 heap snapshots (.heapsnapshot, as DevTools or the soak's
// SOAK_SNAPSHOTS writes them): what grew, by constructor, in count and in
// retained-by-self bytes. An investigation aid for the soak's heap slope:
//
//   tsx bench/heap-census.ts before.heapsnapshot after.heapsnapshot [top]
//
// Plain objects (constructor Object) are told apart by their shape, the names
// of their own properties ("Object{t,v}"), since that is all that names them.

import { readFileSync } from 'node:fs';

interface Snapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: string[];
      readonly node_types: [string[], ...unknown[]];
      readonly edge_fields: string[];
      readonly edge_types: [string[], ...unknown[]];
    };
  };
  readonly nodes: number[];
  readonly edges: number[];
  readonly strings: string[];
}

/** Up to this many property names make a plain object's shape (more are summarised). */
const SHAPE_NAMES = 6;

interface Bucket {
  count: number;
  bytes: number;
}

/** Self size and count per "type:name" (an object's name is its constructor's). */
export function census(file: string): Map<string, Bucket> {
  const snap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = snap.snapshot.meta.node_fields;
  const types = snap.snapshot.meta.node_types[0];
  const stride = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const edgeCountAt = fields.indexOf('edge_count');
  const edgeFields = snap.snapshot.meta.edge_fields;
  const edgeStride = edgeFields.length;
  const edgeTypeAt = edgeFields.indexOf('type');
  const edgeNameAt = edgeFields.indexOf('name_or_index');
  const propertyEdge = snap.snapshot.meta.edge_types[0].indexOf('property');
  const out = new Map<string, Bucket>();
  let edge = 0;
  for (let i = 0; i < snap.nodes.length; i += stride) {
    const type = types[snap.nodes[i + typeAt]!]!;
    const edges = snap.nodes[i + edgeCountAt]!;
    // Strings are counted together: their text is data, not a kind of object.
    let name = type === 'string' || type === 'concatenated string' || type === 'sliced string' ? '' : snap.strings[snap.nodes[i + nameAt]!]!.replace(/ @\d+/g, '').slice(0, 60);
    if (type === 'object' && name === 'Object') {
      const props: string[] = [];
      for (let e = edge; e < edge + edges * edgeStride; e += edgeStride) {
        if (snap.edges[e + edgeTypeAt] === propertyEdge) props.push(snap.strings[snap.edges[e + edgeNameAt]!]!);
      }
      props.sort();
      name = `Object{${props.slice(0, SHAPE_NAMES).join(',')}${props.length > SHAPE_NAMES ? `,…${props.length}` : ''}}`;
    }
    edge += edges * edgeStride;
    const key = `${type}:${name}`;
    const b = out.get(key) ?? { count: 0, bytes: 0 };
    b.count++;
    b.bytes += snap.nodes[i + sizeAt]!;
    out.set(key, b);
  }
  return out;
}

function main(): void {
  const [before, after, top = '30'] = process.argv.slice(2);
  if (!before || !after) {
    console.error('usage: tsx bench/heap-census.ts before.heapsnapshot after.heapsnapshot [top]');
    process.exit(2);
  }
  const a = census(before);
  const b = census(after);
  const rows = [...new Set([...a.keys(), ...b.keys()])].map((k) => {
    const x = a.get(k) ?? { count: 0, bytes: 0 };
    const y = b.get(k) ?? { count: 0, bytes: 0 };
    return { k, dCount: y.count - x.count, dBytes: y.bytes - x.bytes, count: y.count, bytes: y.bytes };
  });
  const total = (m: Map<string, Bucket>) => [...m.values()].reduce((s, v) => s + v.bytes, 0);
  console.log(`total self size: ${(total(a) / 1e6).toFixed(2)} MB → ${(total(b) / 1e6).toFixed(2)} MB`);
  rows.sort((p, q) => q.dBytes - p.dBytes);
  for (const r of rows.slice(0, Number(top))) {
    console.log(`${(r.dBytes / 1e3).toFixed(1).padStart(9)} kB ${String(r.dCount).padStart(7)} objs   now ${(r.bytes / 1e3).toFixed(0).padStart(7)} kB ${String(r.count).padStart(7)}   ${r.k}`);
  }
}

if (process.argv[1]?.endsWith("heap-census.ts")) main();
