#!/usr/bin/env node
// Self time of a .cpuprofile by area (dist/<dir>, node_modules/<pkg>, node:<module>, GC, idle).
import { readFileSync } from 'node:fs';
const p = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const agg = new Map();
let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  const f = byId.get(p.samples[i]).callFrame;
  const d = p.timeDeltas[i] ?? 0;
  total += d;
  let area = f.functionName.startsWith('(') ? f.functionName : 'native/builtin';
  const m = /\/(dist|src)\/([^/]+)\//.exec(f.url) ?? /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url);
  if (m) area = m[2] ? `molimport ${m[2]}` : `npm ${m[1]}`;
  else if (f.url.startsWith('node:')) area = `node ${f.url.slice(5).split('/')[0]}`;
  if (/sink\/copy-(text|binary)/.test(f.url)) area = 'molimport sink (COPY encoding)';
  if (f.functionName === 'write' && f.url === 'node:buffer') area = 'molimport sink (COPY encoding)';
  agg.set(area, (agg.get(area) ?? 0) + d);
}
const busy = total - (agg.get('(idle)') ?? 0);
console.log(`total ${(total / 1e3).toFixed(0)} ms, busy ${(busy / 1e3).toFixed(0)} ms`);
for (const [k, v] of [...agg]
  .filter(([k]) => k !== '(idle)')
  .sort((a, b) => b[1] - a[1])
  .slice(0, 20))
  console.log(
    `${(v / 1e3).toFixed(0).padStart(6)} ms ${((v / busy) * 100).toFixed(1).padStart(5)} % of busy  ${k}`,
  );
