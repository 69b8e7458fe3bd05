#!/usr/bin/env node
// molimport benchmark: the ceiling, molimport end to end, a Python peer, memory, batch sizes and
// the embedded database, measured in one run on the same rows. See bench/README.md.
//
//   node bench/run.mjs            # full: N = 200,000 (and 10×N for memory)
//   node bench/run.mjs --quick    # N = 20,000
//   node bench/run.mjs --n 50000 --repeat 2 --only ceiling,e2e
//
// Options: --n N, --quick, --repeat R (best of R, runs interleaved, default 1), --db URL (default BENCH_DATABASE_URL
// or postgres://postgres@127.0.0.1:5432/test), --only a,b (sections: ceiling, e2e, peer, rss,
// heap, sweep, pglite), --sizes 250,1000,... (sweep), --out DIR (default bench/out), --results FILE
// (default bench/RESULTS.md), --no-results (write no file).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem, loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureDataset, loadTemplates } from './lib/dataset.mjs';
import { binNodeFlags } from './lib/bin-flags.mjs';
import { ensureBuild } from './lib/measured-run.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = join(ROOT, 'bin', 'molimport.js');

// ---------------------------------------------------------------- options
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(`--${name}`);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const QUICK = flag('quick');
const N = Number(opt('n', QUICK ? '20000' : '200000'));
const REPEAT = Number(opt('repeat', '1'));
const DB = opt('db', process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const OUT = resolve(opt('out', join(ROOT, 'bench', 'out')));
const SECTIONS = new Set(
  opt('only', 'ceiling,e2e,peer,heap,rss,sweep,pglite')
    .split(',')
    .map((s) => s.trim()),
);
const SWEEP = opt('sizes', '250,1000,2500,5000,10000').split(',').map(Number);
/** The memory check runs at N and 10×N (quick: 20,000 and 200,000, below which RSS has not levelled off). */
const RSS_N = N;
const WRITE_RESULTS = !flag('no-results');
const RESULTS_FILE = resolve(opt('results', join(ROOT, 'bench', 'RESULTS.md')));
if (!Number.isInteger(N) || N < 100) usage(`--n must be an integer >= 100, got ${opt('n')}`);
if (!Number.isInteger(REPEAT) || REPEAT < 1) usage(`--repeat must be a positive integer`);
if (SWEEP.some((s) => !Number.isInteger(s) || s < 1)) usage(`--sizes must be positive integers`);

function usage(message) {
  console.error(`bench: ${message}`);
  process.exit(2);
}

const log = (...a) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...a);

// ---------------------------------------------------------------- processes
function run(cmd, args, { cwd = ROOT, env = process.env, input } = {}) {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (stderr.length > 1e6) stderr = stderr.slice(-5e5);
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolveRun({ code, stdout, stderr, seconds: (performance.now() - started) / 1000 }),
    );
    child.stdin.end(input ?? '');
  });
}

async function psql(sql, { db = DB } = {}) {
  const r = await run('psql', ['-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', db], { input: sql });
  if (r.code !== 0) throw new Error(`psql failed: ${r.stderr.trim()}\n--- sql:\n${sql.slice(0, 2000)}`);
  return r;
}

const dropSchema = (schema) => psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE;`);

/** Start every timed measurement from the same point: dirty buffers flushed, nothing in flight. */
const checkpoint = () => psql('CHECKPOINT;');

// ---------------------------------------------------------------- molimport
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Run `molimport <source> <file> --json` into a fresh schema; returns its stats plus max RSS. */
async function molimport(
  source,
  file,
  extra = [],
  { embedded = false, keep = false, env: extraEnv = {}, nodeFlags = binNodeFlags(BIN) } = {},
) {
  const schema = `molimport_bench_${process.pid}`;
  let cwd = ROOT;
  const env = { ...process.env, ...extraEnv };
  const args = [
    ...nodeFlags,
    BIN,
    source,
    file,
    '--json',
    '--quiet',
    '--log-level',
    'warn',
    '--rejects',
    join(OUT, `rejects-${process.pid}-${Date.now()}.sdf`),
  ];
  if (embedded) {
    cwd = mkdtempSync(join(tmpdir(), 'molimport-bench-pglite-'));
    for (const k of Object.keys(env)) if (k === 'DATABASE_URL' || k.startsWith('PG')) delete env[k];
  } else {
    await dropSchema(schema);
    args.push('--db', DB, '--schema', schema, '--create-schema');
  }
  args.push(...extra);
  const timeFile = join(OUT, 'time.txt');
  await checkpoint();
  const r = GNU_TIME
    ? await run(GNU_TIME, ['-v', '-o', timeFile, process.execPath, ...args], { cwd, env })
    : await run(process.execPath, args, { cwd, env });
  if (embedded) rmSync(cwd, { recursive: true, force: true });
  let stats;
  try {
    stats = JSON.parse(r.stdout);
  } catch {
    throw new Error(`molimport printed no JSON (exit ${r.code}): ${r.stderr.slice(-2000)}`);
  }
  if (stats.status !== 'completed')
    throw new Error(`molimport ${stats.status}: ${stats.error ?? r.stderr.slice(-2000)}`);
  let maxRssBytes = stats.peakRssBytes;
  if (GNU_TIME) {
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(timeFile, 'utf8'));
    if (m) maxRssBytes = Number(m[1]) * 1024;
  }
  if (!embedded && !keep) await dropSchema(schema);
  const written = stats.inserted + stats.updated + stats.unchanged;
  return {
    schema,
    rows: written,
    seconds: stats.durationMs / 1000,
    wallSeconds: r.seconds,
    rate: stats.moleculesPerSecond,
    peakRssBytes: stats.peakRssBytes,
    maxRssBytes,
    batches: stats.batches,
    evolution: stats.batchSizeEvolution ?? [],
    batchSize: stats.batchSize,
    rejected: stats.rejected,
  };
}

// ---------------------------------------------------------------- ceiling
const EXPORT_COLUMNS =
  'source, external_id, name, smiles, inchi, inchikey, formula, mol_weight, molfile, properties, run_id, source_file, source_record, source_seq';
const UPDATE_SET = EXPORT_COLUMNS.split(', ')
  .slice(2)
  .map((c) => `${c} = EXCLUDED.${c}`)
  .join(', ');

/** The table molimport wrote, as COPY text (one line per row), in id order. */
async function exportRows(schema, file) {
  await psql(`\\copy (SELECT ${EXPORT_COLUMNS} FROM ${schema}.molecules ORDER BY id) TO '${file}'`);
}

async function ceilingTarget(template) {
  const schema = `molimport_ceiling_${process.pid}`;
  await psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema};
    CREATE TABLE ${schema}.molecules (LIKE ${template}.molecules INCLUDING ALL);`);
  return schema;
}

function loadScript(schema, file, stage, { temp, doNothing = false }) {
  return `\\timing on
BEGIN;
CREATE ${temp ? 'TEMP' : 'UNLOGGED'} TABLE ${stage} AS SELECT ${EXPORT_COLUMNS} FROM ${schema}.molecules WITH NO DATA;
\\copy ${stage} FROM '${file}'
INSERT INTO ${schema}.molecules (${EXPORT_COLUMNS}) SELECT ${EXPORT_COLUMNS} FROM ${stage}
  ON CONFLICT (source, external_id) ${doNothing ? 'DO NOTHING' : `DO UPDATE SET ${UPDATE_SET}`};
COMMIT;
`;
}

/** psql `\timing` lines, in order. */
const timings = (stderrOrStdout) =>
  [...stderrOrStdout.matchAll(/Time: ([\d.]+) ms/g)].map((m) => Number(m[1]));

async function ceilingSingle(template, file, rows) {
  const schema = await ceilingTarget(template);
  await checkpoint();
  const r = await psql(loadScript(schema, file, `${schema}.stage`, { temp: false }));
  // \timing lines: BEGIN, CREATE, \copy, INSERT, COMMIT.
  const t = timings(r.stdout);
  if (t.length !== 5) throw new Error(`expected 5 \\timing lines from psql, got ${t.length}: ${r.stdout}`);
  const [, , copyMs, insertMs, commitMs] = t;
  const count = Number((await psql(`SELECT count(*) FROM ${schema}.molecules`)).stdout.trim());
  await dropSchema(schema);
  if (count !== rows) throw new Error(`ceiling loaded ${count} rows, expected ${rows}`);
  return {
    rows,
    seconds: r.seconds,
    copySeconds: copyMs / 1000,
    upsertSeconds: (insertMs + commitMs) / 1000,
  };
}

async function ceilingParallel(template, file, rows, parts = 2) {
  const schema = await ceilingTarget(template);
  // GNU split, whole lines, `parts` chunks of about equal size (the file can exceed a JS string).
  const prefix = `${file}.part`;
  const r = spawnSync('split', ['-n', `l/${parts}`, '-d', file, prefix]);
  if (r.status !== 0) throw new Error(`split failed: ${r.stderr}`);
  const files = Array.from({ length: parts }, (_, p) => `${prefix}${String(p).padStart(2, '0')}`);
  await checkpoint();
  const started = performance.now();
  // DO NOTHING, as issue 18 defines the two-connection ceiling (into an empty table it does the
  // same work as DO UPDATE).
  await Promise.all(
    files.map((f, p) => psql(loadScript(schema, f, `stage_${p}`, { temp: true, doNothing: true }))),
  );
  const seconds = (performance.now() - started) / 1000;
  const count = Number((await psql(`SELECT count(*) FROM ${schema}.molecules`)).stdout.trim());
  for (const f of files) rmSync(f, { force: true });
  await dropSchema(schema);
  if (count !== rows) throw new Error(`parallel ceiling loaded ${count} rows, expected ${rows}`);
  return { rows, seconds };
}

// ---------------------------------------------------------------- peer
async function peer(file) {
  const schema = `molimport_peer_${process.pid}`;
  const { moleculesTableDdl } = await import(pathToFileURL(join(ROOT, 'dist', 'sink', 'schema.js')).href);
  await psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema};
    ${moleculesTableDdl({ schema, table: 'molecules' })};
    CREATE INDEX ON ${schema}.molecules (inchikey);`);
  await checkpoint();
  const r = await run('/usr/bin/python3', [
    join(ROOT, 'bench', 'peer_psycopg2.py'),
    DB,
    `${schema}.molecules`,
    file,
  ]);
  await dropSchema(schema);
  if (r.code !== 0) throw new Error(`peer failed: ${r.stderr.slice(-2000)}`);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1));
  return {
    rows: out.rows,
    seconds: out.seconds,
    rate: out.rows / out.seconds,
    maxRssBytes: out.peak_rss_kb * 1024,
  };
}

function peerAvailable() {
  if (!existsSync('/usr/bin/python3')) return 'no /usr/bin/python3';
  const r = spawnSync('/usr/bin/python3', ['-c', 'import psycopg2']);
  return r.status === 0 ? undefined : 'psycopg2 missing: apt-get install -y python3-psycopg2';
}

// ---------------------------------------------------------------- report
const SPARK = '▁▂▃▄▅▆▇█';
function sparkline(values, width = 24) {
  if (values.length === 0) return '';
  const step = Math.max(1, values.length / width);
  const picked = [];
  for (let i = 0; i < values.length && picked.length < width; i += step) picked.push(values[Math.floor(i)]);
  const max = Math.max(...picked);
  return picked.map((v) => SPARK[Math.min(7, Math.floor((v / max) * 7.999))]).join('');
}

const fmtInt = (n) => (n === undefined || Number.isNaN(n) ? '' : Math.round(n).toLocaleString('en-US'));
const fmtMb = (b) => (b ? `${Math.round(b / 1024 / 1024)} MB` : '');

function best(results) {
  // Best of the repeats: other load on the machine only ever slows a run down.
  return results.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

async function measure(label, times, fn) {
  const results = [];
  for (let i = 0; i < times; i++) {
    log(`${label}${times > 1 ? ` (${i + 1}/${times})` : ''}`);
    results.push(await fn());
  }
  const b = best(results);
  return { ...b, all: results.map((r) => r.rows / r.seconds) };
}

function machine() {
  const cpu = cpus()[0]?.model ?? 'unknown';
  const pgVersion = spawnSync('psql', ['-X', '-At', '-d', DB, '-c', 'SHOW server_version'], {
    encoding: 'utf8',
  }).stdout.trim();
  const settings = spawnSync(
    'psql',
    [
      '-X',
      '-At',
      '-d',
      DB,
      '-c',
      "SELECT string_agg(name || '=' || current_setting(name), ', ' ORDER BY name) FROM pg_settings WHERE name IN ('shared_buffers','temp_buffers','synchronous_commit','max_wal_size','work_mem')",
    ],
    { encoding: 'utf8' },
  ).stdout.trim();
  return {
    cpu: `${cpu} × ${cpus().length} cores`,
    ram: `${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    postgres: `${pgVersion} (${settings})`,
    os: `${process.platform} ${spawnSync('uname', ['-r'], { encoding: 'utf8' }).stdout.trim()}`,
  };
}

const uptime = () =>
  spawnSync('uptime', { encoding: 'utf8' }).stdout.trim() ||
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

// ---------------------------------------------------------------- main
async function main() {
  mkdirSync(OUT, { recursive: true });
  ensureBuild(log);
  const command = `node bench/run.mjs ${argv.join(' ')}`.trim();
  const loadBefore = uptime();
  log(`N = ${N.toLocaleString('en-US')}, repeat ${REPEAT}, db ${DB}; ${loadBefore}`);

  log('generating datasets (cached in bench/out)');
  const templates = loadTemplates(ROOT);
  const data = {};
  for (const kind of ['pubchem', 'chembl', 'chemreps']) {
    if (kind !== 'pubchem' && !SECTIONS.has('e2e')) continue;
    const t0 = performance.now();
    const d = await ensureDataset(templates, kind, N, OUT);
    data[kind] = d.path;
    log(
      `  ${relative(ROOT, d.path)} (${fmtMb(statSync(d.path).size)})${d.cached ? ' cached' : ` in ${((performance.now() - t0) / 1000).toFixed(1)} s`}`,
    );
  }

  const rows = []; // table rows
  const add = (r) => rows.push(r);

  // The reference run: molimport on PubChem SDF.gz, adaptive (the default). Its table is the
  // source of the ceiling's rows.
  // The headline and the ceiling, interleaved (molimport, ceiling 1 conn, ceiling 2 conns; again
  // for each repeat) so that a change in the machine's load hits all three alike. molimport's table
  // of the first run is the source of the ceiling's rows.
  const pubchemAdaptive = [];
  const single = [];
  const parallel = [];
  let ceiling;
  const exportFile = join(OUT, `rows_${N}.copy`);
  const shape = `molimport_shape_${process.pid}`;
  for (let i = 0; i < REPEAT; i++) {
    const of = REPEAT > 1 ? ` (${i + 1}/${REPEAT})` : '';
    log(`molimport pubchem SDF.gz adaptive${of}`);
    const m = await molimport('pubchem', data.pubchem, [], { keep: true });
    pubchemAdaptive.push(m);
    if (i === 0 && SECTIONS.has('ceiling')) {
      await exportRows(m.schema, exportFile);
      // Keep the table's shape for the ceiling targets.
      await psql(`DROP SCHEMA IF EXISTS ${shape} CASCADE; CREATE SCHEMA ${shape};
        CREATE TABLE ${shape}.molecules (LIKE ${m.schema}.molecules INCLUDING ALL);`);
    }
    await dropSchema(m.schema);
    if (SECTIONS.has('ceiling')) {
      log(`ceiling: psql \\copy + upsert, 1 connection${of}`);
      single.push(await ceilingSingle(shape, exportFile, pubchemAdaptive[0].rows));
      log(`ceiling: psql \\copy + upsert, 2 connections${of}`);
      parallel.push(await ceilingParallel(shape, exportFile, pubchemAdaptive[0].rows));
    }
  }
  const ref = best(pubchemAdaptive);
  if (ref.rows !== N) log(`warning: molimport wrote ${ref.rows} rows of ${N}`);

  if (SECTIONS.has('ceiling')) {
    await dropSchema(shape);
    const one = { ...best(single), all: single.map((r) => r.rows / r.seconds) };
    const par = { ...best(parallel), all: parallel.map((r) => r.rows / r.seconds) };
    // The denominator is the two-connection ceiling: molimport writes on two connections too.
    ceiling = par;
    const copyOnly = single.reduce((a, b) => (b.copySeconds < a.copySeconds ? b : a));
    add({
      name: 'ceiling: psql \\copy → UNLOGGED staging only (1 conn)',
      input: 'molimport rows',
      rows: one.rows,
      seconds: copyOnly.copySeconds,
    });
    add({
      name: 'ceiling: \\copy + INSERT … ON CONFLICT, 1 transaction (1 conn)',
      input: 'molimport rows',
      rows: one.rows,
      seconds: one.seconds,
      all: one.all,
    });
    add({
      name: 'ceiling: 2 parallel psql, each \\copy half + INSERT … ON CONFLICT DO NOTHING (the denominator)',
      input: 'molimport rows',
      rows: par.rows,
      seconds: par.seconds,
      isCeiling: true,
      all: par.all,
    });
  }

  add({
    name: 'molimport, adaptive (default)',
    input: 'PubChem SDF.gz',
    ...ref,
    all: pubchemAdaptive.map((r) => r.rows / r.seconds),
    headline: true,
  });

  if (SECTIONS.has('e2e')) {
    for (const [kind, source, input] of [
      ['pubchem', 'pubchem', 'PubChem SDF.gz'],
      ['chembl', 'chembl', 'ChEMBL SDF.gz'],
      ['chemreps', 'chembl', 'chemreps TSV.gz'],
    ]) {
      // Adaptive and fixed interleaved, like the sweep. PubChem adaptive is the headline row above.
      const runs = { adaptive: [], fixed: [] };
      for (let i = 0; i < REPEAT; i++) {
        const of = REPEAT > 1 ? ` (${i + 1}/${REPEAT})` : '';
        if (kind !== 'pubchem') {
          log(`molimport ${input} adaptive${of}`);
          runs.adaptive.push(await molimport(source, data[kind]));
        }
        log(`molimport ${input} --no-adaptive --batch-size 5000${of}`);
        runs.fixed.push(await molimport(source, data[kind], ['--no-adaptive', '--batch-size', '5000']));
      }
      const summary = (list) => ({ ...best(list), all: list.map((r) => r.rows / r.seconds) });
      if (kind !== 'pubchem')
        add({ name: 'molimport, adaptive (default)', input, ...summary(runs.adaptive) });
      add({ name: 'molimport, fixed 5,000 (--no-adaptive)', input, ...summary(runs.fixed) });
    }
  }

  if (SECTIONS.has('peer')) {
    const why = peerAvailable();
    if (why) {
      add({ name: `peer: Python psycopg2 execute_values — not run (${why})`, input: 'PubChem SDF.gz' });
    } else {
      const p = await measure('peer: python psycopg2 execute_values', REPEAT, () => peer(data.pubchem));
      add({
        name: 'peer: Python SDF text parse + psycopg2 execute_values (5,000/tx)',
        input: 'PubChem SDF.gz',
        ...p,
      });
    }
  }

  if (SECTIONS.has('heap')) {
    // What the heap flags on bin/molimport.js's #! line buy and cost: the same run with V8's own
    // young generation and heap growth, as `node bin/molimport.js` runs.
    const h = await measure('molimport pubchem adaptive, V8 default heap', REPEAT, () =>
      molimport('pubchem', data.pubchem, [], { nodeFlags: [] }),
    );
    add({
      name: 'molimport, adaptive, V8 default heap (`node bin/molimport.js`, no #! flags)',
      input: 'PubChem SDF.gz',
      ...h,
    });
  }

  if (SECTIONS.has('sweep')) {
    // Round-robin over adaptive and every fixed size, repeated: load drift hits them all alike.
    // The last configuration is adaptive with the memory cap lifted: what the strategy finds when
    // only timing steers it (the default cap trades speed for flat memory).
    const configs = [
      { label: 'adaptive (default)', args: [] },
      ...SWEEP.map((size) => ({
        label: `fixed ${size.toLocaleString('en-US')}`,
        size,
        args: [
          '--no-adaptive',
          '--batch-size',
          String(size),
          '--max-batch-size',
          String(Math.max(size, 10_000)),
        ],
      })),
      { label: 'adaptive, --max-batch-bytes 32MiB', args: ['--max-batch-bytes', '32MiB'] },
    ];
    const runs = configs.map(() => []);
    for (let i = 0; i < REPEAT; i++) {
      for (const [k, c] of configs.entries()) {
        log(`sweep: ${c.label}${REPEAT > 1 ? ` (${i + 1}/${REPEAT})` : ''}`);
        runs[k].push(await molimport('pubchem', data.pubchem, c.args));
      }
    }
    for (const [k, c] of configs.entries()) {
      add({
        name: `sweep: ${c.label}`,
        input: 'PubChem SDF.gz',
        ...best(runs[k]),
        all: runs[k].map((r) => r.rows / r.seconds),
      });
    }
    // The verdict compares medians: the best of many fixed-size runs against the best of a few
    // adaptive ones would reward whichever configuration drew the luckiest run.
    const median = (list) => {
      const v = list.map((r) => r.rows / r.seconds).sort((a, b) => a - b);
      return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    };
    const medians = runs.map(median);
    const fixedKs = configs.flatMap((c, k) => (c.size === undefined ? [] : [k]));
    const bestK = fixedKs.reduce((a, k) => (medians[k] > medians[a] ? k : a));
    const of = `medians of ${REPEAT} run${REPEAT > 1 ? 's' : ''}`;
    const pct = (k) => ((medians[k] / medians[bestK]) * 100).toFixed(0);
    add({
      name: `sweep: adaptive vs best fixed (${configs[bestK].size.toLocaleString('en-US')}), ${of}: ${pct(0)} %`,
      input: 'PubChem SDF.gz',
    });
    add({
      name: `sweep: adaptive with --max-batch-bytes 32MiB vs best fixed, ${of}: ${pct(configs.length - 1)} %`,
      input: 'PubChem SDF.gz',
    });
  }

  let rss;
  if (SECTIONS.has('rss')) {
    const small = await ensureDataset(templates, 'pubchem', RSS_N, OUT);
    const big = await ensureDataset(templates, 'pubchem', RSS_N * 10, OUT);
    const a =
      RSS_N === N ? ref : await measure(`rss: N = ${RSS_N}`, 1, () => molimport('pubchem', small.path));
    const b = await measure(`rss: 10×N = ${RSS_N * 10}`, 1, () => molimport('pubchem', big.path));
    rss = { n: RSS_N, a, b, growth: b.maxRssBytes / a.maxRssBytes - 1 };
    if (RSS_N !== N)
      add({ name: `memory: N = ${RSS_N.toLocaleString('en-US')}`, input: 'PubChem SDF.gz', ...a });
    add({
      name: `memory: 10×N = ${(RSS_N * 10).toLocaleString('en-US')} (RSS ${rss.growth >= 0 ? '+' : ''}${(rss.growth * 100).toFixed(1)} % vs N)`,
      input: 'PubChem SDF.gz',
      ...b,
    });
  }

  if (SECTIONS.has('pglite')) {
    const n = Math.min(N, 20_000);
    const small = await ensureDataset(templates, 'pubchem', n, OUT);
    const e = await measure(`embedded PGlite, N = ${n}`, 1, () =>
      molimport('pubchem', small.path, [], { embedded: true }),
    );
    add({
      name: `embedded PGlite (no --db), N = ${n.toLocaleString('en-US')}`,
      input: 'PubChem SDF.gz',
      ...e,
    });
  }
  rmSync(exportFile, { force: true });

  // ------------------------------------------------------------ table
  const ceilRate = ceiling ? ceiling.rows / ceiling.seconds : undefined;
  const header = [
    'Measurement',
    'Input',
    'Rows',
    'Seconds',
    'Molecules/s',
    '× ceiling',
    'Peak RSS',
    'Batch sizes',
  ];
  const body = rows.map((r) => {
    const rate = r.rows && r.seconds ? r.rows / r.seconds : undefined;
    const runs = r.all && r.all.length > 1 ? ` (runs: ${r.all.map(fmtInt).join(', ')})` : '';
    return [
      r.name,
      r.input ?? '',
      fmtInt(r.rows),
      r.seconds ? r.seconds.toFixed(1) : '',
      rate ? `${fmtInt(rate)}${runs}` : '',
      rate && ceilRate ? (rate / ceilRate).toFixed(2) : '',
      fmtMb(r.maxRssBytes),
      r.evolution && r.evolution.length > 0
        ? `${sparkline(r.evolution)} ${fmtInt(r.batchSize?.initial)}→${fmtInt(r.batchSize?.final)} (${r.batches})`
        : '',
    ];
  });
  const md = [
    `| ${header.join(' | ')} |`,
    `| ${header.map((h, i) => (i >= 2 && i <= 6 ? '---:' : '---')).join(' | ')} |`,
    ...body.map((c) => `| ${c.map((x) => String(x).replace(/\|/g, '\\|')).join(' | ')} |`),
  ].join('\n');

  const verdicts = [];
  if (ceilRate) {
    const ratio = ref.rows / ref.seconds / ceilRate;
    verdicts.push(
      `- end-to-end PubChem SDF.gz / two-connection ceiling: **${ratio.toFixed(2)}** (target ≥ 0.90) ${ratio >= 0.9 ? 'met' : 'MISSED'} (ChEMBL against its own rows' ceiling: \`node bench/two-conn.mjs\`)`,
    );
  }
  if (rss) {
    const peak = Math.max(rss.a.maxRssBytes, rss.b.maxRssBytes);
    verdicts.push(
      `- peak RSS: ${fmtMb(rss.a.maxRssBytes)} at ${fmtInt(rss.n)}, ${fmtMb(rss.b.maxRssBytes)} at ${fmtInt(rss.n * 10)} (target ≤ 200 MB ${peak <= 200 * 2 ** 20 ? 'met' : 'MISSED'}; growth ${(rss.growth * 100).toFixed(1)} %, target < 10 % ${rss.growth < 0.1 ? 'met' : 'MISSED'})`,
    );
  }
  const sweepRow = rows.find((r) => r.name.startsWith('sweep: adaptive vs best'));
  const liftedRow = rows.find((r) => r.name.startsWith('sweep: adaptive with --max-batch-bytes'));
  if (sweepRow && liftedRow) {
    const pct = Number(/: (\d+) %/.exec(sweepRow.name)?.[1]);
    const lifted = Number(/: (\d+) %/.exec(liftedRow.name)?.[1]);
    const { DEFAULT_MAX_BATCH_BYTES } = await import(
      pathToFileURL(join(ROOT, 'dist', 'engine', 'chemical-strategy.js')).href
    );
    verdicts.push(
      `- adaptive vs best fixed size: ${pct} % with the default ${DEFAULT_MAX_BATCH_BYTES / 2 ** 20} MiB cap, ${lifted} % with the cap lifted to 32 MiB (target ≥ 90 % for the default: ${pct >= 90 ? 'met' : 'MISSED'})`,
    );
  }

  const m = machine();
  const loadAfter = uptime();
  const report = `# molimport benchmark results

Generated by \`${command}\` on ${new Date().toISOString()}.
N = ${fmtInt(N)} molecules${REPEAT > 1 ? `, best of ${REPEAT} runs per row (all runs in parentheses)` : ''}. What each row measures: bench/README.md.

Machine: ${m.cpu}, ${m.ram} RAM, ${m.os}, Node ${m.node}, PostgreSQL ${m.postgres}.
Load: before \`${loadBefore}\`; after \`${loadAfter}\`.

${md}

${verdicts.join('\n')}

"× ceiling" is molecules/s divided by the two-connection ceiling (two \`psql\` processes, each \`\\copy\` of half the rows + \`INSERT … ON CONFLICT DO NOTHING\`) of the same run.
molimport's time is its own \`durationMs\` (connect, schema, lock, read, parse, transform, write, bookkeeping);
peak RSS is \`/usr/bin/time -v\`'s maximum resident set size of the whole process.
Datasets (tiled with fresh IDs from ${templates.sources.pubchem.join(', ')}; ${templates.sources.chembl.join(', ')}; ${templates.sources.chemreps.join(', ')}):
${Object.values(data)
  .map((p) => `\`${relative(ROOT, p)}\` ${fmtMb(statSync(p).size)}`)
  .join(', ')}.
`;
  console.log(`\n${md}\n\n${verdicts.join('\n')}\n`);
  console.log(
    `machine: ${m.cpu}, ${m.ram}, node ${m.node}, PostgreSQL ${m.postgres}\nload before: ${loadBefore}\nload after:  ${loadAfter}`,
  );
  if (WRITE_RESULTS) {
    writeFileSync(RESULTS_FILE, report);
    log(`wrote ${relative(ROOT, RESULTS_FILE)}`);
  }
}

main().catch((err) => {
  console.error(`bench failed: ${err.stack ?? err}`);
  process.exit(1);
});
