#!/usr/bin/env node
// Aggregate a .heapsnapshot by (type, name): count and self size. node bench/lib/heap-summary.mjs FILE [top]
import { readFileSync } from 'node:fs';
const snap = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const f = snap.snapshot.meta.node_fields;
const types = snap.snapshot.meta.node_types[0];
const n = f.length;
const iType = f.indexOf('type'),
  iName = f.indexOf('name'),
  iSize = f.indexOf('self_size');
const agg = new Map();
let total = 0;
for (let i = 0; i < snap.nodes.length; i += n) {
  const type = types[snap.nodes[i + iType]];
  let name = snap.strings[snap.nodes[i + iName]];
  if (type === 'string' || type === 'concatenated string' || type === 'sliced string') name = `(${type})`;
  const key = `${type}:${name.slice(0, 60)}`;
  const size = snap.nodes[i + iSize];
  total += size;
  const a = agg.get(key) ?? [0, 0];
  a[0]++;
  a[1] += size;
  agg.set(key, a);
}
console.log(`total self size ${(total / 2 ** 20).toFixed(1)} MB`);
for (const [k, [c, s]] of [...agg].sort((a, b) => b[1][1] - a[1][1]).slice(0, Number(process.argv[3] ?? 25)))
  console.log(`${(s / 2 ** 20).toFixed(1).padStart(7)} MB ${String(c).padStart(8)}  ${k}`);
