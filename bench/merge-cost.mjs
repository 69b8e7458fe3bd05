#!/usr/bin/env node
// What merging upserts cost: a PubChem re-import where every row is unchanged, and one where every
// row changed, with the merge (`--mode upsert`), the whole-row `--mode replace`, and optionally an
// older build (`--base DIR`, a checkout whose upsert replaced whole rows) on the same rows, runs
// interleaved. See bench/README.md.
//
//   node bench/merge-cost.mjs [--n 200000] [--repeat 3] [--base /path/to/old/checkout] [--db URL]
//                             [--results bench/RESULTS-merge.md]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { binNodeFlags } from './lib/bin-flags.mjs';
import { ensureDataset, loadTemplates } from './lib/dataset.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const N = Number(opt('n', '200000'));
const REPEAT = Number(opt('repeat', '3'));
const BASE = opt('base', undefined);
const DB = opt('db', process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const OUT = resolve(opt('out', join(ROOT, 'bench', 'out')));
const RESULTS = resolve(opt('results', join(ROOT, 'bench', 'RESULTS-merge.md')));
mkdirSync(OUT, { recursive: true });

/** One psql call per statement: VACUUM cannot run in the transaction `-c` wraps several in. */
const psql = (sql) => {
  for (const statement of sql
    .split(';')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const r = spawnSync('psql', [DB, '-v', 'ON_ERROR_STOP=1', '-qAtc', statement], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
  }
};

function importOnce(bin, file, schema, extra) {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      [
        ...binNodeFlags(bin),
        bin,
        'pubchem',
        file,
        '--db',
        DB,
        '--schema',
        schema,
        '--json',
        '--quiet',
        '--log-level',
        'warn',
        ...extra,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    child.on('close', (code) => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      try {
        const stats = JSON.parse(out);
        if (stats.status !== 'completed') throw new Error(stats.error);
        done({ seconds, stats });
      } catch (e) {
        fail(new Error(`exit ${code}: ${e.message} ${err.slice(-1000)}`));
      }
    });
  });
}

const variants = [
  ...(BASE
    ? [
        {
          name: `base build (${BASE}): upsert replaces whole rows`,
          bin: join(BASE, 'bin/molimport.js'),
          extra: [],
        },
      ]
    : []),
  { name: 'upsert (merge)', bin: join(ROOT, 'bin/molimport.js'), extra: [] },
  { name: '--mode replace', bin: join(ROOT, 'bin/molimport.js'), extra: ['--mode', 'replace'] },
];

const file = await ensureDataset(loadTemplates(ROOT), 'pubchem', N, OUT);
const path = typeof file === 'string' ? file : file.path;
const results = variants.map(() => ({ unchanged: [], changed: [] }));
for (let r = 0; r < REPEAT; r++) {
  for (const [i, v] of variants.entries()) {
    const schema = `molimport_merge_bench_${process.pid}`;
    psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
    await importOnce(v.bin, path, schema, v.extra);
    psql(`VACUUM ANALYZE ${schema}.molecules; CHECKPOINT`);
    const same = await importOnce(v.bin, path, schema, v.extra);
    if (same.stats.unchanged !== N)
      throw new Error(`${v.name}: expected ${N} unchanged, got ${same.stats.unchanged}`);
    // Every row changed: the SMILES the file gives is gone from the table.
    psql(`UPDATE ${schema}.molecules SET smiles = NULL; VACUUM ANALYZE ${schema}.molecules; CHECKPOINT`);
    const changed = await importOnce(v.bin, path, schema, v.extra);
    if (changed.stats.updated !== N)
      throw new Error(`${v.name}: expected ${N} updated, got ${changed.stats.updated}`);
    psql(`DROP SCHEMA ${schema} CASCADE`);
    results[i].unchanged.push(same.seconds);
    results[i].changed.push(changed.seconds);
    console.error(
      `[${r + 1}/${REPEAT}] ${v.name}: unchanged ${same.seconds.toFixed(2)} s, changed ${changed.seconds.toFixed(2)} s`,
    );
  }
}

const best = (xs) => Math.min(...xs);
const fmt = (xs) =>
  `${(N / best(xs)).toFixed(0)} rows/s (best of ${xs.map((x) => x.toFixed(1)).join(', ')} s)`;
const ref = results[BASE ? 0 : 1];
const lines = [
  `# Merge cost: PubChem re-import of ${N.toLocaleString('en')} rows`,
  '',
  `\`node bench/merge-cost.mjs --n ${N} --repeat ${REPEAT}${BASE ? ` --base ${BASE}` : ''}\`, ${new Date().toISOString()}, ${cpus().length} cores, load ${loadavg()[0].toFixed(1)} at the end. Wall time of the whole command (start-up included), runs interleaved.`,
  '',
  '| variant | all rows unchanged | vs first row | all rows changed (SMILES restored) | vs first row |',
  '|---|---|---|---|---|',
  ...variants.map((v, i) => {
    const u = results[i];
    const pct = (a, b) => `${(((best(a) - best(b)) / best(b)) * 100).toFixed(1)} %`;
    return `| ${v.name} | ${fmt(u.unchanged)} | ${pct(u.unchanged, ref.unchanged)} | ${fmt(u.changed)} | ${pct(u.changed, ref.changed)} |`;
  }),
  '',
];
const text = lines.join('\n');
process.stdout.write(text);
writeFileSync(RESULTS, text);
