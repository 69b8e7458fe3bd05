#!/usr/bin/env node
// Parse speed: our SDF reader vs sdf-parser's `iterator`, on the same large tiled .sdf.gz.
//
//   npx tsc -p tsconfig.build.json            # builds dist/ (or: --outDir /tmp/molimport-dist)
//   node bench/parse-speed.mjs [--records 200000] [--dist ./dist] [--runs 2]
//
// The input is tiled from fixtures/pubchem_sdf (real PubChem dump records), each copy given a unique
// CID (title line and PUBCHEM_COMPOUND_CID), gzip level 6, written once to os.tmpdir().
import { createReadStream, createWriteStream, existsSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { createGunzip, createGzip, gunzipSync } from 'node:zlib';
import { iterator } from 'sdf-parser';

/* global TextDecoderStream  */

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const RECORDS = Number(opt('records', '200000'));
const RUNS = Number(opt('runs', '2'));
const DIST = resolve(opt('dist', new URL('../dist', import.meta.url).pathname));
const root = new URL('../fixtures/pubchem_sdf/', import.meta.url);

if (!existsSync(join(DIST, 'sources/open-input.js'))) {
  console.error(`No build in ${DIST}: run "npx tsc -p tsconfig.build.json" first (or pass --dist <dir>).`);
  process.exit(2);
}
const { openInput } = await import(pathToFileURL(join(DIST, 'sources/open-input.js')).href);
const { readSdfRecords } = await import(pathToFileURL(join(DIST, 'parse/sdf-records.js')).href);
const { toMoleculeRow } = await import(pathToFileURL(join(DIST, 'transform/to-molecule-row.js')).href);

function templates() {
  const out = [];
  for (const f of ['indigo_Compound_0000001_0000250.sdf.gz', 'rdkit_Regress_mols.1000.sdf.gz']) {
    const text = gunzipSync(readFileSync(new URL(f, root))).toString('utf8');
    for (const rec of text.split(/^\$\$\$\$\n/m)) if (rec.trim().length > 0) out.push(rec);
  }
  return out;
}

async function makeInput(path) {
  if (existsSync(path)) return;
  const recs = templates();
  async function* gen() {
    let batch = [];
    for (let i = 0; i < RECORDS; i++) {
      const cid = String(100_000_000 + i);
      const rec = /** @type {string} */ (recs[i % recs.length]);
      const nl = rec.indexOf('\n');
      batch.push(cid + rec.slice(nl).replace(/(> <PUBCHEM_COMPOUND_CID>\n)\d+/, `$1${cid}`) + '$$$$\n');
      if (batch.length === 1000) {
        yield batch.join('');
        batch = [];
      }
    }
    if (batch.length > 0) yield batch.join('');
  }
  await pipeline(Readable.from(gen()), createGzip({ level: 6 }), createWriteStream(path));
}

async function ours(path) {
  const input = await openInput(path);
  let n = 0;
  for await (const r of readSdfRecords(input.stream, input.file)) if (r.problem === undefined) n++;
  return n;
}

async function oursWithTransform(path) {
  const input = await openInput(path);
  let n = 0;
  for await (const r of readSdfRecords(input.stream, input.file)) {
    const row = toMoleculeRow(r, 'pubchem');
    if (row.reason === undefined) n++;
  }
  return n;
}

async function sdfParser(path, dynamicTyping) {
  const web = Readable.toWeb(createReadStream(path).pipe(createGunzip()));
  let n = 0;
  for await (const _m of iterator(web.pipeThrough(new TextDecoderStream()), { dynamicTyping })) n++;
  return n;
}

async function gunzipOnly(path) {
  let bytes = 0;
  for await (const c of createReadStream(path).pipe(createGunzip())) bytes += c.length;
  return bytes;
}

const path = join(tmpdir(), `molimport-bench-pubchem-${RECORDS}.sdf.gz`);
await makeInput(path);
console.log(`input: ${path} (${RECORDS} records, ${(statSync(path).size / 1e6).toFixed(1)} MB gzip)`);
console.log(`node ${process.version}, best of ${RUNS} runs\n`);

// This machine is shared, so wall time is noisy: report CPU time too (process-wide, so it includes
// zlib's threadpool work), and interleave the contenders run by run.
const cases = [
  ['gunzip only', () => gunzipOnly(path)],
  ['molimport readSdfRecords', () => ours(path)],
  ['sdf-parser iterator (dynamicTyping: true)', () => sdfParser(path, true)],
  ['molimport readSdfRecords + toMoleculeRow', () => oursWithTransform(path)],
  ['sdf-parser iterator (dynamicTyping: false)', () => sdfParser(path, false)],
];
const best = new Map();
for (let run = 0; run < RUNS; run++) {
  for (const [label, fn] of cases) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const count = await fn();
    const wall = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    const prev = best.get(label);
    best.set(label, {
      count,
      wall: Math.min(wall, prev?.wall ?? Infinity),
      cpu: Math.min(cpu, prev?.cpu ?? Infinity),
    });
  }
}
for (const [label] of cases) {
  const { count, wall, cpu } = best.get(label);
  const rate = (s) =>
    label.startsWith('gunzip')
      ? `${(count / 1e6 / s).toFixed(0).padStart(7)} MB/s`
      : `${Math.round(count / s)
          .toLocaleString('en-US')
          .padStart(7)} rec/s`;
  console.log(
    `${label.padEnd(44)} wall ${wall.toFixed(2).padStart(6)} s ${rate(wall)}   cpu ${cpu.toFixed(2).padStart(6)} s ${rate(cpu)}`,
  );
}
