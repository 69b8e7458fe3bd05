#!/usr/bin/env node
// molimport against the two-connection ceiling (issue 18): two `psql` processes at once, each
// `\copy`-ing half of molimport's own final rows into a temp table and `INSERT … ON CONFLICT DO
// NOTHING` into a table of molimport's shape, in one transaction each. That is the denominator.
//
//   node bench/two-conn.mjs                                  # PubChem + ChEMBL SDF.gz, 200,000, 3 rounds
//   node bench/two-conn.mjs --n 20000 --repeat 1 --kinds pubchem
//   node bench/two-conn.mjs --bin before=/tmp/before/bin/molimport.js --bin after=bin/molimport.js
//   node bench/two-conn.mjs --sections reimport              # every row already stored
//
// Sections:
// - first: a first import (empty table) against the ceiling into an empty table.
// - reimport: the table already holds every row. molimport re-imports the same file (default
//   `--mode upsert`: every row unchanged) and with `--mode skip`, against the same ceiling where
//   every row conflicts (the statement is the same; DO NOTHING then writes nothing).
// Every round runs each configuration once, interleaved, so load drift hits all alike; a row shows
// the median and all runs. Ratio = ceiling seconds / molimport seconds (≥ 1: faster than the
// ceiling). molimport's seconds are its own `durationMs` (connect to last commit; the ~0.4 s of Node
// start-up is in "process s"). CPU: molimport's own (user + sys, /usr/bin/time) and the PostgreSQL
// backends' (/proc/<pid>/schedstat: bench/lib/pg-cpu-hook.mjs for molimport; each psql's backend
// reads its own): the ratio to trust on a loaded machine.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureDataset, loadTemplates } from './lib/dataset.mjs';
import { loadAverage as load, measuredImport, psqlOn, run } from './lib/measured-run.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '200000' },
    repeat: { type: 'string', default: '3' },
    kinds: { type: 'string', default: 'pubchem,chembl' },
    sections: { type: 'string', default: 'first' },
    bin: { type: 'string', multiple: true },
    db: {
      type: 'string',
      default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
    out: { type: 'string', default: join(ROOT, 'bench', 'out') },
    results: { type: 'string' },
  },
});
const N = Number(values.n);
const REPEAT = Number(values.repeat);
const DB = values.db;
const OUT = resolve(values.out);
const BINS = (values.bin ?? [`molimport=${join(ROOT, 'bin', 'molimport.js')}`]).map((b) => {
  const [label, path] = b.includes('=') ? b.split(/=(.*)/s) : ['molimport', b];
  return { label, path: resolve(path) };
});
const SECTIONS = new Set(values.sections.split(','));
const COLUMNS =
  'source, external_id, name, smiles, inchi, inchikey, formula, mol_weight, molfile, properties, run_id, source_file, source_record, source_seq';
const log = (...a) => console.error(`[two-conn ${new Date().toISOString().slice(11, 19)}]`, ...a);

const psql = psqlOn(DB);
const count = async (table) => Number((await psql(`SELECT count(*) FROM ${table}`)).stdout.trim());
const schedNs = (file) => Number(readFileSync(file, 'utf8').split(' ')[0]);

/** One molimport run; its stats, process CPU (user+sys) and backend CPU. */
const molimport = (bin, source, file, schema, extra = [], create = false) =>
  measuredImport({ bin: bin.path, source, file, db: DB, schema, out: OUT, extra, create });

/** Two psql processes at once, each loading one half into `table`; wall seconds and backend CPU. */
async function ceiling2(halves, table) {
  await psql('CHECKPOINT');
  const t0 = performance.now();
  const parts = await Promise.all(
    halves.map(async (file, p) => {
      const before = join(OUT, `sched-${process.pid}-${p}.before`);
      const after = join(OUT, `sched-${process.pid}-${p}.after`);
      // The backend reads its own CPU before and after (psql's \! runs on this machine).
      await psql(`SELECT pg_backend_pid() AS bpid \\gset
\\setenv BPID :bpid
\\! cat /proc/$BPID/schedstat > ${before}
BEGIN;
CREATE TEMP TABLE stage AS SELECT ${COLUMNS} FROM ${table} WITH NO DATA;
\\copy stage FROM '${file}'
INSERT INTO ${table} (${COLUMNS}) SELECT ${COLUMNS} FROM stage ON CONFLICT (source, external_id) DO NOTHING;
COMMIT;
\\! cat /proc/$BPID/schedstat > ${after}
`);
      const ns = schedNs(after) - schedNs(before);
      rmSync(before, { force: true });
      rmSync(after, { force: true });
      return ns;
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, pgCpu: parts.reduce((a, b) => a + b, 0) / 1e9 };
}

const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
};

async function main() {
  mkdirSync(OUT, { recursive: true });
  const templates = loadTemplates(ROOT);
  const loadBefore = load();
  const lines = [];
  const out = (s = '') => {
    lines.push(s);
    console.log(s);
  };
  out(`# molimport vs the two-connection ceiling`);
  out();
  out(
    `\`node bench/two-conn.mjs ${process.argv.slice(2).join(' ')}\` on ${new Date().toISOString()}; N = ${N.toLocaleString('en-US')}, ${REPEAT} interleaved round(s), medians (all runs in parentheses). Load before: ${loadBefore}.`,
  );
  out();
  out(
    '| input | what | seconds | process s | ratio (ceiling s / s) | molimport CPU s | PostgreSQL CPU s | CPU ratio (ceiling PG CPU / (ours + PG)) | peak RSS MB |',
  );
  out('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  const fmt = (xs, d = 2) =>
    `${median(xs).toFixed(d)}${xs.length > 1 ? ` (${xs.map((x) => x.toFixed(d)).join(', ')})` : ''}`;

  for (const kind of values.kinds.split(',')) {
    const { path: file } = await ensureDataset(templates, kind, N, OUT);
    const source = kind;
    const schema = `h18_twoconn_${process.pid}`;
    const ceil = `h18_ceiling_${process.pid}`;
    // The rows: molimport's own table after a first import (the first --bin), exported as COPY text.
    log(`${kind}: reference import and export`);
    await psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await molimport(BINS[0], source, file, schema, [], true);
    const rows = join(OUT, `twoconn_${kind}_${N}.copy`);
    await psql(`\\copy (SELECT ${COLUMNS} FROM ${schema}.molecules ORDER BY id) TO '${rows}'`);
    const stored = await count(`${schema}.molecules`);
    const split = await run('split', ['-n', 'l/2', '-d', rows, `${rows}.part`]);
    if (split.code !== 0) throw new Error(split.stderr);
    const halves = [`${rows}.part00`, `${rows}.part01`];
    const freshCeiling = async (loaded) => {
      await psql(`DROP SCHEMA IF EXISTS ${ceil} CASCADE; CREATE SCHEMA ${ceil};
        CREATE TABLE ${ceil}.molecules (LIKE ${schema}.molecules INCLUDING ALL);
        ${loaded ? `INSERT INTO ${ceil}.molecules OVERRIDING SYSTEM VALUE SELECT * FROM ${schema}.molecules; VACUUM ANALYZE ${ceil}.molecules;` : ''}`);
    };
    if (SECTIONS.has('reimport')) await psql(`VACUUM ANALYZE ${schema}.molecules`);

    const results = new Map(); // label → runs
    const push = (label, r) => results.set(label, [...(results.get(label) ?? []), r]);
    for (let round = 0; round < REPEAT; round++) {
      if (SECTIONS.has('first')) {
        log(`${kind} first import, round ${round + 1}: ceiling`);
        await freshCeiling(false);
        const c = await ceiling2(halves, `${ceil}.molecules`);
        if ((await count(`${ceil}.molecules`)) !== stored) throw new Error('ceiling lost rows');
        push('ceiling: 2 × psql \\copy + INSERT … ON CONFLICT DO NOTHING, empty table', c);
        for (const bin of BINS) {
          log(`${kind} first import, round ${round + 1}: ${bin.label}`);
          const s = `h18_first_${process.pid}`;
          await psql(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
          const m = await molimport(bin, source, file, s, [], true);
          await psql(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
          push(`${bin.label}: first import (default options)`, m);
        }
      }
      if (SECTIONS.has('reimport')) {
        log(`${kind} re-import, round ${round + 1}: ceiling`);
        await freshCeiling(true);
        const c = await ceiling2(halves, `${ceil}.molecules`);
        push('ceiling: 2 × psql \\copy + INSERT … ON CONFLICT DO NOTHING, every row conflicts', c);
        for (const bin of BINS) {
          for (const mode of ['upsert', 'skip']) {
            log(`${kind} re-import --mode ${mode}, round ${round + 1}: ${bin.label}`);
            const m = await molimport(bin, source, file, schema, ['--mode', mode]);
            const st = m.stats;
            if (st.inserted !== 0 || st.updated !== 0)
              throw new Error(`re-import wrote rows: ${JSON.stringify({ i: st.inserted, u: st.updated })}`);
            push(
              `${bin.label}: re-import, --mode ${mode}${mode === 'upsert' ? ' (default; all unchanged)' : ''}`,
              m,
            );
          }
        }
      }
    }
    await psql(`DROP SCHEMA IF EXISTS ${schema} CASCADE; DROP SCHEMA IF EXISTS ${ceil} CASCADE`);
    for (const f of [rows, ...halves]) rmSync(f, { force: true });

    let ceilingRuns;
    for (const [label, runs] of results) {
      if (label.startsWith('ceiling')) ceilingRuns = runs;
      const isCeiling = label.startsWith('ceiling');
      const ratio = runs.map((r, i) => ceilingRuns[i].seconds / r.seconds);
      const cpuRatio = runs.map((r, i) => ceilingRuns[i].pgCpu / ((r.cpu ?? 0) + r.pgCpu));
      out(
        `| ${kind} SDF.gz | ${label} | ${fmt(runs.map((r) => r.seconds))} | ${isCeiling ? '' : fmt(runs.map((r) => r.processSeconds))} | ${isCeiling ? '1.00' : `**${fmt(ratio)}**`} | ${
          isCeiling
            ? ''
            : fmt(
                runs.map((r) => r.cpu),
                1,
              )
        } | ${fmt(
          runs.map((r) => r.pgCpu),
          1,
        )} | ${isCeiling ? '' : fmt(cpuRatio)} | ${
          isCeiling
            ? ''
            : fmt(
                runs.map((r) => r.rssMb),
                0,
              )
        } |`,
      );
    }
  }
  out();
  out(
    `Load after: ${load()}. Ratio per round: that round's ceiling / that run (medians of the per-round ratios).`,
  );
  if (values.results) writeFileSync(values.results, `${lines.join('\n')}\n`);
}

main().catch((err) => {
  console.error(`two-conn failed: ${err.stack ?? err}`);
  process.exit(1);
});
