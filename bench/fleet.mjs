#!/usr/bin/env node
// Fleet throughput: one set of F tiled PubChem files, loaded by W worker processes (1 file each at
// a time), wall time from the first worker's start to the last one's exit. Needs a PostgreSQL URL
// (a throwaway server: it creates tables and the pgboss schema there) and a built dist/.
//   node bench/fleet.mjs <url> [--files 8] [--records 5000] [--workers 1,2,4] [--compute inchikey]
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

const [url, ...rest] = process.argv.slice(2);
if (!url)
  throw new Error(
    'usage: node bench/fleet.mjs <postgres-url> [--files F] [--records N] [--workers 1,2,4] [--compute list]',
  );
const arg = (name, def) => {
  const i = rest.indexOf(`--${name}`);
  return i === -1 ? def : rest[i + 1];
};
const F = Number(arg('files', '8'));
const N = Number(arg('records', '5000'));
const counts = arg('workers', '1,2,4').split(',').map(Number);
const compute = arg('compute', undefined);
const BIN = path.resolve(import.meta.dirname, '../bin/molimport.js');
const SAMPLE = path.resolve(import.meta.dirname, '../fixtures/samples/pubchem_compound_head_245.sdf.gz');

const dir = mkdtempSync(path.join(tmpdir(), 'molimport-fleet-bench-'));
const records = gunzipSync(readFileSync(SAMPLE))
  .toString('utf8')
  .split('$$$$\n')
  .filter((r) => r.trim());
const files = [];
for (let f = 0; f < F; f++) {
  const parts = [];
  for (let i = 0; i < N; i++)
    parts.push(
      records[i % records.length].replace(/(> <PUBCHEM_COMPOUND_CID>\n)\d+/, `$1${1 + f * N + i}`),
      '$$$$\n',
    );
  const file = path.join(dir, `pc-${f}.sdf.gz`);
  writeFileSync(file, gzipSync(parts.join('')));
  files.push(file);
}

const run = (args) =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args[0]} exited ${code}`))));
  });

const stamp = Date.now().toString(36);
for (const w of counts) {
  const set = `bench-${stamp}-${w}${compute ? '-c' : ''}`;
  const table = `bench_${stamp}_${w}${compute ? '_c' : ''}`;
  await run([
    'enqueue',
    'pubchem',
    ...files,
    '--db',
    url,
    '--set',
    set,
    '--table',
    table,
    ...(compute ? ['--compute', compute] : []),
  ]);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: w }, () =>
      run(['worker', '--db', url, '--set', set, '--drain', '--poll-ms', '200', '--log-level', 'warn']),
    ),
  );
  const s = (performance.now() - t0) / 1000;
  const status = JSON.parse(await run(['fleet', 'status', '--db', url, '--set', set, '--json']));
  console.log(
    JSON.stringify({
      workers: w,
      compute: compute ?? null,
      files: F,
      records: status.read,
      inserted: status.inserted,
      seconds: +s.toFixed(1),
      perSecond: Math.round(status.read / s),
    }),
  );
}
rmSync(dir, { recursive: true, force: true });
