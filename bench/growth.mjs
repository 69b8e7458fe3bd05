#!/usr/bin/env node
// Cost as work grows (issue 18, item 6): molimport into a fresh table at N = 20,000 / 200,000 /
// 2,000,000 records, then ADD records of new IDs into a table that already holds PREFILL rows (and
// the same ADD records into an empty table, in the same run), with what grows and why.
//
//   node bench/growth.mjs                                        # PubChem SDF.gz, defaults below
//   node bench/growth.mjs --n 20000,200000 --prefill 200000 --add 20000 --kinds pubchem,chembl
//   node bench/growth.mjs --results bench/RESULTS-growth.md      # append the Markdown section
//   node bench/growth.mjs --distinct-inchikeys                   # every record its own InChIKey
//
// Per import: molimport's own time (durationMs: startup, import, finish), its process CPU and peak
// RSS (/usr/bin/time), RSS sampled every second, its PostgreSQL backends' CPU by statement and per
// batch transaction (bench/lib/pg-cpu-hook.mjs), records/s and backend CPU per tenth of the records,
// the server's WAL written (pg_current_wal_lsn before/after: server-wide, so other sessions' writes
// count too), checkpoints (pg_stat_bgwriter), the CPU of the checkpointer, background writer and
// WAL writer, the table's heap/TOAST/index sizes with each B-tree's levels (pageinspect's
// bt_metap, when the extension can be created), index and heap blocks read vs found in shared
// buffers (pg_statio_user_tables), and the resume ledger's size. The load average before/after each
// import and the commit measured are in the output. Nothing on the server is reconfigured; every
// table lives in a schema growth_<pid>_…, dropped at the end (--keep leaves them).
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureDataset, loadTemplates } from './lib/dataset.mjs';
import {
  ROOT,
  ensureBuild,
  loadAverage,
  measuredImport,
  newestMtime,
  processTree,
  psqlOn,
} from './lib/measured-run.mjs';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '20000,200000,2000000' },
    kinds: { type: 'string', default: 'pubchem' },
    repeat: { type: 'string', default: '1' },
    prefill: { type: 'string' },
    add: { type: 'string', default: '200000' },
    bin: { type: 'string', default: join(ROOT, 'bin', 'molimport.js') },
    db: {
      type: 'string',
      default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
    out: { type: 'string', default: join(ROOT, 'bench', 'out') },
    results: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'distinct-inchikeys': { type: 'boolean', default: false },
  },
});
const int = (name, s) => {
  const v = Number(String(s).replaceAll('_', ''));
  if (!Number.isInteger(v) || v < 1) usage(`--${name} wants positive integers, got ${s}`);
  return v;
};
function usage(message) {
  console.error(`growth: ${message}`);
  process.exit(2);
}
const SIZES = [...new Set(values.n.split(',').map((s) => int('n', s)))].sort((a, b) => a - b);
const PREFILL = values.prefill === undefined ? SIZES.at(-1) : int('prefill', values.prefill);
const ADD = int('add', values.add);
const REPEAT = int('repeat', values.repeat);
const KINDS = values.kinds.split(',').map((k) => k.trim());
for (const k of KINDS) if (!['pubchem', 'chembl'].includes(k)) usage(`--kinds: pubchem, chembl; got ${k}`);
const DB = values.db;
const OUT = resolve(values.out);
const BIN = resolve(values.bin);
const psql = psqlOn(DB);
const SCHEMA = `growth_${process.pid}`;
const DISTINCT = values['distinct-inchikeys'];
if (DISTINCT && KINDS.includes('chembl'))
  usage('--distinct-inchikeys: PubChem only (ChEMBL SDF has no InChIKey field)');
const INPUT = {
  pubchem: DISTINCT ? 'PubChem SDF.gz, distinct InChIKeys' : 'PubChem SDF.gz',
  chembl: 'ChEMBL SDF.gz',
};
const log = (...a) => console.error(`[growth ${new Date().toISOString().slice(11, 19)}]`, ...a);
const fmt = (x, d = 0) =>
  x === undefined || Number.isNaN(x)
    ? ''
    : x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
const MB = 2 ** 20;

/** First value of a one-row query, as text. */
const one = async (sql) => (await psql(sql)).stdout.trim();
const rowOf = async (sql) => (await one(sql)).split('|');

// ---------------------------------------------------------------- the server, before and after

/** PIDs of the checkpointer, background writer and WAL writer: their CPU is the server's, not a backend's. */
async function backgroundPids() {
  const out = await one(
    `SELECT string_agg(pid::text, ' ') FROM pg_stat_activity WHERE backend_type IN ('checkpointer', 'background writer', 'walwriter')`,
  );
  return out.split(' ').filter(Boolean).map(Number);
}
const schedSeconds = (pids) =>
  pids.reduce((s, pid) => {
    try {
      return s + Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e9;
    } catch {
      return s;
    }
  }, 0);

async function serverSnapshot(pids) {
  const [lsn, timed, req, bufCheckpoint, bufClean, bufBackend, fpi] = await rowOf(
    `SELECT pg_current_wal_lsn(), checkpoints_timed, checkpoints_req, buffers_checkpoint, buffers_clean, buffers_backend,
      (SELECT wal_fpi FROM pg_stat_wal) FROM pg_stat_bgwriter`,
  );
  return {
    lsn,
    timed: Number(timed),
    req: Number(req),
    bufCheckpoint: Number(bufCheckpoint),
    bufClean: Number(bufClean),
    bufBackend: Number(bufBackend),
    fpi: Number(fpi),
    bgCpu: schedSeconds(pids),
    load: loadAverage(),
  };
}

async function serverDelta(before, after) {
  const wal = Number(await one(`SELECT pg_wal_lsn_diff('${after.lsn}', '${before.lsn}')`));
  return {
    walBytes: wal,
    checkpointsTimed: after.timed - before.timed,
    checkpointsReq: after.req - before.req,
    buffersCheckpoint: after.bufCheckpoint - before.bufCheckpoint,
    buffersClean: after.bufClean - before.bufClean,
    buffersBackend: after.bufBackend - before.bufBackend,
    fpi: after.fpi - before.fpi,
    bgCpu: after.bgCpu - before.bgCpu,
    loadBefore: before.load,
    loadAfter: after.load,
  };
}

// ---------------------------------------------------------------- the table

/** Where pageinspect's bt_metap is (created in a schema of ours when the server has it), or undefined. */
async function pageinspect() {
  const installed = await one(
    `SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pageinspect'`,
  );
  if (installed) return { schema: installed, ours: false };
  try {
    await psql(
      `CREATE SCHEMA ${SCHEMA}_pageinspect; CREATE EXTENSION pageinspect SCHEMA ${SCHEMA}_pageinspect`,
    );
    return { schema: `${SCHEMA}_pageinspect`, ours: true };
  } catch (err) {
    log(`no B-tree levels (pageinspect: ${String(err.message).split('\n')[0]})`);
    await psql(`DROP SCHEMA IF EXISTS ${SCHEMA}_pageinspect CASCADE`);
    return undefined;
  }
}

/** Sizes, index levels, block reads and the ledger of `schema`.molecules. */
async function tableSnapshot(schema, inspect) {
  const t = `'${schema}.molecules'::regclass`;
  const [rows, heap, table, indexes, heapRead, heapHit, idxRead, idxHit, toastRead, toastHit] =
    await rowOf(`SELECT s.n_live_tup, pg_relation_size(${t}), pg_table_size(${t}), pg_indexes_size(${t}),
      coalesce(io.heap_blks_read, 0), coalesce(io.heap_blks_hit, 0), coalesce(io.idx_blks_read, 0),
      coalesce(io.idx_blks_hit, 0), coalesce(io.toast_blks_read, 0), coalesce(io.toast_blks_hit, 0)
      FROM pg_stat_user_tables s JOIN pg_statio_user_tables io USING (relid) WHERE s.relid = ${t}`);
  const level = inspect ? `(${inspect.schema}.bt_metap(c.oid::regclass::text)).level + 1` : 'NULL';
  const idx = (
    await one(`SELECT c.relname, pg_relation_size(c.oid), ${level}
      FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = ${t} ORDER BY c.relname`)
  )
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [name, bytes, levels] = l.split('|');
      return {
        name: name.replace(/^molecules_/, ''),
        bytes: Number(bytes),
        levels: levels ? Number(levels) : undefined,
      };
    });
  const [ledgerRows, ledgerBytes] = await rowOf(
    `SELECT count(*), pg_total_relation_size('${schema}.molimport_batches') FROM ${schema}.molimport_batches`,
  );
  return {
    rows: Number(rows),
    heapBytes: Number(heap),
    restBytes: Number(table) - Number(heap),
    indexBytes: Number(indexes),
    indexes: idx,
    blocks: {
      heapRead: Number(heapRead),
      heapHit: Number(heapHit),
      idxRead: Number(idxRead),
      idxHit: Number(idxHit),
      toastRead: Number(toastRead),
      toastHit: Number(toastHit),
    },
    ledgerRows: Number(ledgerRows),
    ledgerBytes: Number(ledgerBytes),
  };
}

// ---------------------------------------------------------------- within a run

/**
 * The run's batch transactions (pg-cpu-hook: [begin ms, end ms, backend CPU ms, rows]) by tenth of
 * the records, in commit order. records/s: a tenth of the rows over the time the committed count
 * took to grow by it (interpolated between commits, from the first BEGIN), so a batch that spans two
 * tenths counts in both. Backend CPU ms per 1,000 rows: the batches whose middle row falls in the
 * tenth (none when a batch is larger than a tenth).
 */
function tenths(batches) {
  const sorted = [...batches].sort((a, b) => a[1] - b[1]);
  const total = sorted.reduce((s, b) => s + b[3], 0);
  if (total === 0) return [];
  const points = [[Math.min(...sorted.map((b) => b[0])), 0]]; // [ms, rows committed]
  const cpu = Array.from({ length: 10 }, () => ({ rows: 0, pgMs: 0 }));
  for (const [, end, pgMs, rows] of sorted) {
    const done = points.at(-1)[1];
    const c = cpu[Math.min(9, Math.floor(((done + rows / 2) / total) * 10))];
    c.rows += rows;
    c.pgMs += pgMs;
    points.push([end, done + rows]);
  }
  const timeAt = (rows) => {
    const i = points.findIndex((p) => p[1] >= rows);
    if (i <= 0) return points[0][0];
    const [t0, r0] = points[i - 1];
    const [t1, r1] = points[i];
    return t0 + ((t1 - t0) * (rows - r0)) / (r1 - r0);
  };
  return cpu.map((c, d) => ({
    rate: total / 10 / ((timeAt((total * (d + 1)) / 10) - timeAt((total * d) / 10)) / 1000),
    pgMsPer1k: c.rows > 0 ? (c.pgMs / c.rows) * 1000 : undefined,
  }));
}

/** Largest sampled RSS (MB) in the first and the last tenth of the run's time. */
function rssEnds(samples) {
  if (samples.length === 0) return {};
  const end = samples.at(-1)[0];
  const max = (xs) => (xs.length ? Math.max(...xs.map((s) => s[1])) : undefined);
  return {
    first: max(samples.filter((s) => s[0] <= end / 10)),
    last: max(samples.filter((s) => s[0] >= (end * 9) / 10)),
  };
}

// ---------------------------------------------------------------- one measured import

const created = new Set();
const warnings = new Set();
let distChanged = () => false;
let current; // the running /usr/bin/time, killed on SIGINT/SIGTERM

async function measure({ kind, file, schema, label, records, rowsBefore, firstId = 1, inspect }) {
  if (rowsBefore === 0) {
    await psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    created.add(schema);
  }
  const before = rowsBefore > 0 ? await tableSnapshot(schema, inspect) : undefined;
  const pids = await backgroundPids();
  let server0;
  log(`${INPUT[kind]}: ${label} (load ${loadAverage()})`);
  const m = await measuredImport({
    bin: BIN,
    source: kind,
    file,
    db: DB,
    schema,
    out: OUT,
    create: rowsBefore === 0,
    rssEveryMs: 1000,
    onReady: async () => (server0 = await serverSnapshot(pids)),
    onSpawn: (child) => (current = child),
  });
  current = undefined;
  if (warnings.size === 0 && distChanged()) {
    warnings.add(
      `dist/ changed during the run (first seen after: ${label}); later rows measure another build`,
    );
    log(`WARNING: ${[...warnings].at(-1)}`);
  }
  const server = await serverDelta(server0, await serverSnapshot(pids));
  const st = m.stats;
  if (st.read !== records || st.inserted !== records || st.rejected !== 0)
    throw new Error(
      `${label}: expected ${records} new rows, got read ${st.read}, inserted ${st.inserted}, updated ${st.updated}, unchanged ${st.unchanged}, rejected ${st.rejected}`,
    );
  const batchRows = m.batches.reduce((sum, b) => sum + b[3], 0);
  if (batchRows !== st.inserted)
    warnings.add(
      `${label}: the batch timeline holds ${batchRows} rows of ${st.inserted} (per-tenth columns off)`,
    );
  const after = await tableSnapshot(schema, inspect);
  const t = tenths(m.batches);
  log(
    `  ${fmt(m.seconds, 1)} s, ${fmt(st.moleculesPerSecond)} molecules/s, CPU ${fmt(m.cpu, 1)} s + PG ${fmt(m.pgCpu, 1)} s, RSS ${fmt(m.rssMb)} MB, WAL ${fmt(server.walBytes / MB)} MB, checkpoints ${server.checkpointsTimed}+${server.checkpointsReq}`,
  );
  return {
    kind,
    label,
    records,
    rowsBefore,
    firstId,
    ...m,
    server,
    before,
    after,
    tenths: t,
    rss: rssEnds(m.rssSamples),
  };
}

// ---------------------------------------------------------------- report

function commitOf(bin) {
  const git = (...a) => execFileSync('git', ['-C', dirname(bin), ...a], { encoding: 'utf8' }).trim();
  try {
    const head = git('rev-parse', '--short', 'HEAD');
    const dirty = git('status', '--porcelain', '--untracked-files=no', '--', '.', '../src');
    return `${head}${dirty ? ' + uncommitted changes' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

async function serverSettings() {
  return one(`SELECT version() || '; ' || string_agg(name || '=' || current_setting(name), ', ' ORDER BY name)
    FROM pg_settings WHERE name IN ('shared_buffers', 'max_wal_size', 'checkpoint_timeout', 'synchronous_commit',
      'full_page_writes', 'wal_compression', 'autovacuum', 'default_toast_compression')`);
}

const mb = (b, d = 0) => fmt(b / MB, d);
const perK = (x, rows) => (rows > 0 ? fmt((x / rows) * 1000, 1) : '');
const firstLast = (t, key, d = 0) => (t.length ? `${fmt(t[0][key], d)} → ${fmt(t[9][key], d)}` : '');
const what = (r) =>
  `${fmt(r.records)}${r.firstId > 1 ? ` (IDs from ${fmt(r.firstId)})` : ''} into ${r.rowsBefore > 0 ? `a table of ${fmt(r.rowsBefore)} rows` : 'an empty table'}`;

function report(results, header) {
  const lines = [...header, ''];
  const add = (...ls) => lines.push(...ls);
  add(
    '| input | import | wall s (startup / import / finish) | molimport CPU s | PG backends CPU s | checkpointer + bgwriter + walwriter CPU s | molecules/s | records/s first → last 10 % | backend CPU ms / 1,000 rows first → last 10 % | peak RSS MB (largest in first → last 10 % of time) | WAL MB (bytes/row; full-page images) | checkpoints timed + requested | backend-written buffers | load before → after |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  for (const r of results) {
    const st = r.stats;
    const finish = st.durationMs - st.startupMs - st.importDurationMs;
    add(
      `| ${INPUT[r.kind]} | ${what(r)} | ${fmt(r.seconds, 1)} (${fmt(st.startupMs / 1000, 1)} / ${fmt(st.importDurationMs / 1000, 1)} / ${fmt(finish / 1000, 1)}) | ${fmt(r.cpu, 1)} | ${fmt(r.pgCpu, 1)} | ${fmt(r.server.bgCpu, 1)} | ${fmt(st.moleculesPerSecond)} | ${firstLast(r.tenths, 'rate')} | ${firstLast(r.tenths, 'pgMsPer1k')} | ${fmt(r.rssMb)} (${fmt(r.rss.first)} → ${fmt(r.rss.last)}) | ${mb(r.server.walBytes)} (${fmt(r.server.walBytes / r.records)}; ${fmt(r.server.fpi)}) | ${r.server.checkpointsTimed} + ${r.server.checkpointsReq} | ${fmt(r.server.buffersBackend)} | ${r.server.loadBefore} → ${r.server.loadAfter} |`,
    );
  }
  add(
    '',
    '**The table before and after** (heap = main fork; rest = TOAST + free space and visibility maps; B-tree levels from `bt_metap`, root to leaf; block reads = blocks not found in shared buffers, per 1,000 rows imported):',
    '',
    '| input | import | when | rows | heap MB | rest MB | indexes MB | each index MB (levels) | index blocks read / hit per 1,000 rows | heap + TOAST blocks read per 1,000 rows | ledger rows, kB |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
  );
  for (const r of results) {
    for (const [when, s] of [
      ['before', r.before],
      ['after', r.after],
    ]) {
      if (s === undefined) continue;
      const d = (k) => s.blocks[k] - (when === 'after' && r.before ? r.before.blocks[k] : 0);
      const io =
        when === 'after'
          ? [
              `${perK(d('idxRead'), r.records)} / ${perK(d('idxHit'), r.records)}`,
              perK(d('heapRead') + d('toastRead'), r.records),
            ]
          : ['', ''];
      add(
        `| ${INPUT[r.kind]} | ${what(r)} | ${when} | ${fmt(s.rows)} | ${mb(s.heapBytes)} | ${mb(s.restBytes)} | ${mb(s.indexBytes)} | ${s.indexes.map((i) => `${i.name} ${mb(i.bytes, 1)}${i.levels ? ` (${i.levels})` : ''}`).join(', ')} | ${io[0]} | ${io[1]} | ${fmt(s.ledgerRows)}, ${fmt(s.ledgerBytes / 1024)} |`,
      );
    }
  }
  const kinds = [...new Set(results.flatMap((r) => Object.keys(r.pgByKind)))].sort(
    (a, b) =>
      results.reduce((s, r) => s + (r.pgByKind[b]?.ms ?? 0), 0) -
      results.reduce((s, r) => s + (r.pgByKind[a]?.ms ?? 0), 0),
  );
  add(
    '',
    '**PostgreSQL backend CPU by statement**, ms per 1,000 rows imported (bench/lib/pg-cpu-hook.mjs):',
    '',
    `| input | import | ${kinds.join(' | ')} |`,
    `| --- | --- | ${kinds.map(() => '---:').join(' | ')} |`,
  );
  for (const r of results)
    add(
      `| ${INPUT[r.kind]} | ${what(r)} | ${kinds.map((k) => perK(r.pgByKind[k]?.ms ?? 0, r.records)).join(' | ')} |`,
    );
  add(
    '',
    '**Over the run**, by tenth of the records in commit order: records/s (interpolated between commits, from the first BEGIN) and backend CPU ms per 1,000 rows (batches by their middle row; blank where a batch is larger than a tenth):',
    '',
    '| input | import | | 1st | 2nd | 3rd | 4th | 5th | 6th | 7th | 8th | 9th | 10th |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const r of results) {
    if (r.tenths.length === 0) continue;
    add(`| ${INPUT[r.kind]} | ${what(r)} | records/s | ${r.tenths.map((x) => fmt(x.rate)).join(' | ')} |`);
    add(`| | | PG CPU ms/1k | ${r.tenths.map((x) => fmt(x.pgMsPer1k)).join(' | ')} |`);
  }
  return lines;
}

// ---------------------------------------------------------------- main

async function cleanup() {
  for (const f of [`time-${process.pid}.txt`, `pgcpu-${process.pid}.json`, `rejects-${process.pid}.sdf`])
    rmSync(join(OUT, f), { force: true });
  if (values.keep) {
    if (created.size) log(`kept: ${[...created].join(', ')} (and ${SCHEMA}_pageinspect, if created)`);
    return;
  }
  for (const s of [...created, `${SCHEMA}_pageinspect`]) await psql(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`${signal}: stopping the import and dropping the schemas`);
    // /usr/bin/time does not pass SIGTERM on: stop the CLI under it (by PID), then time itself.
    for (const pid of current ? processTree(current.pid).reverse() : []) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    // The import's own connections close as it stops; DROP SCHEMA waits for their locks.
    setTimeout(() => cleanup().finally(() => process.exit(130)), 2000);
  });
}

async function main() {
  mkdirSync(OUT, { recursive: true });
  const command = `node bench/growth.mjs ${process.argv.slice(2).join(' ')}`.trim();
  const started = new Date().toISOString();
  const loadStart = loadAverage();
  if (BIN === join(ROOT, 'bin', 'molimport.js')) ensureBuild(log);
  const commit = commitOf(BIN);
  // Something else (vitest's global setup, a build) may rebuild dist/ while this runs: then the
  // later imports measure other code than the commit named. Checked after every import.
  const dist = join(dirname(BIN), '..', 'dist');
  const distStamp = newestMtime(dist);
  distChanged = () => newestMtime(dist) !== distStamp;
  const settings = await serverSettings();
  log(`${command}; commit ${commit}; load ${loadStart}`);
  const templates = loadTemplates(ROOT);
  const inspect = await pageinspect();
  const results = [];
  const freshSizes = SIZES.includes(PREFILL) ? SIZES : [...SIZES, PREFILL].sort((a, b) => a - b);
  const files = new Map();
  for (const kind of KINDS) {
    for (const n of freshSizes) {
      log(`dataset ${kind} ${fmt(n)} (generated once into ${relative(ROOT, OUT)})`);
      files.set(
        `${kind}:${n}`,
        (await ensureDataset(templates, kind, n, OUT, { distinctInchikeys: DISTINCT })).path,
      );
    }
    files.set(
      `${kind}:add`,
      (await ensureDataset(templates, kind, ADD, OUT, { firstId: PREFILL + 1, distinctInchikeys: DISTINCT }))
        .path,
    );
  }

  // Fresh tables of each size; the PREFILL one of the last round stays for the next part.
  const full = new Map();
  for (let round = 1; round <= REPEAT; round++) {
    for (const kind of KINDS) {
      for (const n of freshSizes) {
        const schema = `${SCHEMA}_${kind}_${n}`;
        const r = await measure({
          kind,
          file: files.get(`${kind}:${n}`),
          schema,
          label: `${fmt(n)} records, empty table`,
          records: n,
          rowsBefore: 0,
          inspect,
        });
        if (SIZES.includes(n)) results.push(r);
        if (n === PREFILL && round === REPEAT) full.set(kind, schema);
        else if (!values.keep) {
          await psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          created.delete(schema);
        }
      }
    }
  }

  // ADD new IDs into an empty table and into the full one, alternately. Between rounds the added
  // rows are deleted again (and the table vacuumed), so every round starts from PREFILL rows.
  for (let round = 1; round <= REPEAT; round++) {
    for (const kind of KINDS) {
      const file = files.get(`${kind}:add`);
      const empty = `${SCHEMA}_${kind}_add`;
      results.push(
        await measure({
          kind,
          file,
          schema: empty,
          label: `${fmt(ADD)} new IDs, empty table`,
          records: ADD,
          rowsBefore: 0,
          firstId: PREFILL + 1,
          inspect,
        }),
      );
      if (!values.keep) {
        await psql(`DROP SCHEMA IF EXISTS ${empty} CASCADE`);
        created.delete(empty);
      }
      const schema = full.get(kind);
      const r = await measure({
        kind,
        file,
        schema,
        label: `${fmt(ADD)} new IDs into ${fmt(PREFILL)} rows`,
        records: ADD,
        rowsBefore: PREFILL,
        firstId: PREFILL + 1,
        inspect,
      });
      results.push(r);
      if (round < REPEAT) {
        log(`  deleting the ${fmt(ADD)} added rows again (VACUUM)`);
        await psql(
          `DELETE FROM ${schema}.molecules WHERE run_id = ${Number(r.stats.runId)}; VACUUM ${schema}.molecules`,
        );
      }
    }
  }

  const header = [
    `## Cost as work grows: \`${command}\``,
    '',
    `${started} → ${new Date().toISOString()}; commit ${commit} (\`${relative(ROOT, BIN) || BIN}\`); machine: ${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}; ${settings}. Load average (1, 5, 15 min) at the start: ${loadStart}; before/after each import in the table.`,
    `Datasets (bench/lib/dataset.mjs, real records tiled with fresh IDs): ${[...files.values()].map((f) => `\`${relative(ROOT, f)}\` ${mb(statSync(f).size)} MB`).join(', ')}. ${REPEAT > 1 ? `${REPEAT} rounds, every run shown; between rounds the added rows were deleted and the table vacuumed.` : 'One run each.'}`,
    ...[...warnings].map((w) => `**Warning: ${w}.**`),
    "Wall seconds are molimport's own `durationMs` (startup: connect, schema, lock, resume planning; finish: after the last batch); on a shared machine compare the CPU columns. WAL and checkpoints are server-wide: other sessions' writes count too.",
  ];
  const lines = report(results, header);
  console.log(lines.join('\n'));
  if (values.results) {
    appendFileSync(values.results, `\n${lines.join('\n')}\n`);
    log(`appended to ${values.results}`);
  }
}

try {
  await main();
} catch (err) {
  console.error(`growth failed: ${err.stack ?? err}`);
  process.exitCode = 1;
} finally {
  await cleanup().catch((err) => console.error(`growth: cleanup failed: ${err.message}`));
}
