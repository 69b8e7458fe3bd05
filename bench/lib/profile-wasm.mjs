#!/usr/bin/env node
// Self time of a .cpuprofile's WebAssembly functions, named from the module's export section
// (pglite.wasm has no name section; its ~2,000 exported functions are PostgreSQL's own symbols).
//   node bench/lib/profile-wasm.mjs FILE.cpuprofile [MODULE.wasm] [TOP]
// MODULE defaults to the installed PGlite's pglite.wasm. An unexported function shows as `?`.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const [profileFile, wasmArg, topArg] = process.argv.slice(2);
const wasmFile =
  (wasmArg || undefined) ??
  join(dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite')), 'pglite.wasm');

/** Function index (imports counted first, as V8 numbers them) → export name. */
function exportNames(bytes) {
  let p = 8;
  const leb = () => {
    let r = 0;
    let shift = 0;
    let b;
    do {
      b = bytes[p++];
      r += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    return r;
  };
  const names = new Map();
  while (p < bytes.length) {
    const id = bytes[p++];
    const size = leb();
    const end = p + size;
    if (id === 7) {
      const n = leb();
      for (let i = 0; i < n; i++) {
        const len = leb();
        const name = Buffer.from(bytes.subarray(p, p + len)).toString();
        p += len;
        const kind = bytes[p++];
        const index = leb();
        if (kind === 0) names.set(index, name);
      }
    }
    p = end;
  }
  return names;
}

const names = exportNames(readFileSync(wasmFile));
const profile = JSON.parse(readFileSync(profileFile, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
let total = 0;
let wasm = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const name = byId.get(profile.samples[i]).callFrame.functionName;
  const d = profile.timeDeltas[i] ?? 0;
  total += d;
  const m = /^wasm-function\[(\d+)\]/.exec(name);
  if (!m) continue;
  wasm += d;
  self.set(Number(m[1]), (self.get(Number(m[1])) ?? 0) + d);
}
console.log(`total ${(total / 1e3).toFixed(0)} ms, in WebAssembly ${(wasm / 1e3).toFixed(0)} ms`);
for (const [index, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(topArg ?? 25)))
  console.log(`${(us / 1e3).toFixed(0).padStart(7)} ms  wasm-function[${index}] ${names.get(index) ?? '?'}`);
