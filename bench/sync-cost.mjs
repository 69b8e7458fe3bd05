#!/usr/bin/env node
/**
 * What `--sync` costs on a large table: the same N-row release re-imported without and with
 * `--sync` (every row unchanged: the nightly case), then release N+1 with 1,000 rows withdrawn.
 * chemreps TSV.gz is used on purpose: its rows are the cheapest to re-import, so the seen-table
 * writes are the largest share of the run there (an SDF re-import spends more per row elsewhere).
 *
 *   node bench/sync-cost.mjs [--n 2000000] [--db URL] [--results bench/RESULTS-sync.md]
 *
 * Needs dist/ (npm run build) and the PostgreSQL of the tests. Each step runs once: the numbers are
 * one run on a shared machine, so read the ratios, not the absolute rates.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import { binNodeFlags } from './lib/bin-flags.mjs';
import { ensureDataset, loadTemplates } from './lib/dataset.mjs';

const root = path.resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const n = Number(opt('n', '2000000'));
const url = opt('db', process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const results = path.resolve(root, opt('results', 'bench/RESULTS-sync.md'));
const outDir = path.join(root, 'bench', 'out');
mkdirSync(outDir, { recursive: true });
const WITHDRAWN_EVERY = Math.max(2, Math.floor(n / 1000));

const log = (s) => process.stderr.write(`[sync-cost] ${s}\n`);
const psql = (sql) => execFileSync('psql', [url, '-qAtc', sql], { encoding: 'utf8' }).trim();

log(`dataset: chemreps, ${n.toLocaleString('en-US')} rows`);
const { path: releaseN } = await ensureDataset(loadTemplates(root), 'chemreps', n, outDir);
const releaseN1 = path.join(outDir, `chemreps_${n}_minus_${Math.floor(n / WITHDRAWN_EVERY)}.txt.gz`);
if (!existsSync(releaseN1)) {
  log('writing release N+1 (every ' + WITHDRAWN_EVERY + 'th row withdrawn)');
  let line = 0;
  const rl = createInterface({ input: createReadStream(releaseN).pipe(createGunzip()) });
  const kept = (async function* () {
    for await (const l of rl) {
      // line 0 is the header; data line k holds CHEMBL k.
      if (line === 0 || line % WITHDRAWN_EVERY !== 0) yield `${l}\n`;
      line++;
    }
  })();
  await pipeline(Readable.from(kept), createGzip({ level: 1 }), createWriteStream(releaseN1));
}

const schema = `bench_sync_${process.pid}`;
function run(label, file, extra = []) {
  psql('CHECKPOINT');
  log(label);
  const t0 = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      ...binNodeFlags(path.join(root, 'bin/molimport.js')),
      path.join(root, 'bin/molimport.js'),
      'chembl',
      file,
      '--db',
      url,
      '--schema',
      schema,
      '--json',
      ...extra,
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${label}: exit ${r.status}\n${r.stderr.slice(-2000)}`);
  const s = JSON.parse(r.stdout);
  return { label, wallMs, s };
}

const rows = [];
try {
  rows.push(run('first load of release N', releaseN));
  rows.push(run('re-import release N, no --sync', releaseN));
  rows.push(run('re-import release N, --sync', releaseN, ['--sync', 'hard']));
  rows.push(
    run(`release N+1 (${Math.floor(n / WITHDRAWN_EVERY)} withdrawn), --sync`, releaseN1, ['--sync', 'hard']),
  );
} finally {
  psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
}

const fmt = (x) => Math.round(x).toLocaleString('en-US');
const plain = rows[1].s.durationMs;
const table = [
  '| run | read | inserted / unchanged / deleted | molimport time | vs re-import without --sync | sync step |',
  '| --- | ---: | --- | ---: | ---: | ---: |',
  ...rows.map(
    (r) =>
      `| ${r.label} | ${fmt(r.s.read)} | ${fmt(r.s.inserted)} / ${fmt(r.s.unchanged)} / ${fmt(r.s.deleted)} | ${(r.s.durationMs / 1000).toFixed(1)} s | ${(r.s.durationMs / plain).toFixed(2)}× | ${r.s.sync ? `${(r.s.sync.durationMs / 1000).toFixed(1)} s` : '-'} |`,
  ),
];
const text = `# --sync cost (bench/sync-cost.mjs)

${new Date().toISOString()}, ${cpus().length} cores, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, load before: ${loadavg()
  .map((x) => x.toFixed(2))
  .join(' ')}; \`node bench/sync-cost.mjs --n ${n}\`, each run once, PostgreSQL 15 at ${new URL(url).host}.

${table.join('\n')}

"molimport time" is the run's own \`durationMs\` (connect to last commit, including the sync step);
"sync step" is the count + delete + bookkeeping after the last batch (\`sync.durationMs\`).
`;
writeFileSync(results, text);
process.stdout.write(text);
