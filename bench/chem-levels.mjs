#!/usr/bin/env node
// Chemistry stage throughput per task: --compute inchikey, --compute formula,mw and --standardize
// through molimport's ChemistryPool on 1 and 2 threads, optionally the same on another build
// (--baseline-dist, e.g. main's dist/, for "before"), beside native InChI 1.03 (Debian's
// libinchi-bin, `inchi_main`) and Open Babel (`obabel -oinchikey`) on the same molfiles. Records
// are read before timing; pools are warmed up first. CPU is shared on this machine: run it when
// quiet, and read the numbers as ratios measured in one run.
//
//   npm run build && node bench/chem-levels.mjs [--file F] [--repeat R] [--baseline-dist /path/to/dist]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const FILE = resolve(opt('file', join(ROOT, 'fixtures/pubchem_sdf/rdkit_Regress_mols.1000.sdf.gz')));
const REPEAT = Number(opt('repeat', '2'));
const BASELINE = opt('baseline-dist', undefined);

const { readRecords } = await import(join(ROOT, 'dist/sources/index.js'));
const { toMoleculeRow, isReject } = await import(join(ROOT, 'dist/transform/index.js'));
const once = [];
for await (const record of readRecords(FILE)) {
  const row = toMoleculeRow(record, 'generic');
  if (!isReject(row) && row.molfile)
    once.push({ ...row, inchikey: null, smiles: null, formula: null, molWeight: null });
}
const rows = Array.from({ length: REPEAT }, () => once).flat();
console.log(`file: ${relative(ROOT, FILE)} — ${once.length} records × ${REPEAT} = ${rows.length}`);
console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores (shared), node ${process.version}`,
);

const results = [];
async function poolRun(dist, label, threads, options) {
  const { ChemistryPool } = await import(join(dist, 'chem/compute-pool.js'));
  const pool = new ChemistryPool({ threads, recompute: true, perRecordTimeoutMs: 60_000, ...options });
  try {
    await pool.start();
    const t0 = performance.now();
    const out = await pool.processRows(rows);
    const seconds = (performance.now() - t0) / 1000;
    results.push({ what: label, threads, records: rows.length, seconds, failed: out.rejects.length });
  } finally {
    await pool.close();
  }
}

const builds = [[join(ROOT, 'dist'), 'this build']];
if (BASELINE !== undefined) builds.push([resolve(BASELINE), 'baseline']);
for (const threads of [1, 2]) {
  for (const [dist, name] of builds) {
    await poolRun(dist, `${name}: --compute inchikey`, threads, { compute: ['inchikey'] });
    await poolRun(dist, `${name}: --compute formula,mw`, threads, { compute: ['formula', 'mw'] });
  }
  await poolRun(join(ROOT, 'dist'), 'this build: --standardize', threads, { standardize: true });
}

// Native tools on the same molfiles, written once as an SDF.
const tmp = mkdtempSync(join(tmpdir(), 'molimport-chem-levels-'));
try {
  const sdf = join(tmp, 'in.sdf');
  writeFileSync(sdf, rows.map((r) => `${r.molfile}$$$$\n`).join(''));
  const tool = (what, cmd, args) => {
    const t0 = performance.now();
    const run = spawnSync(cmd, args, { cwd: tmp, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const seconds = (performance.now() - t0) / 1000;
    if (run.error || run.status !== 0) {
      console.log(`${what}: did not run (${run.error?.message ?? run.stderr.trim().split('\n').at(-1)})`);
      return;
    }
    results.push({ what, threads: 1, records: rows.length, seconds, failed: '-' });
  };
  tool('InChI 1.03 inchi_main (libinchi-bin) -Key', 'inchi_main', [
    sdf,
    join(tmp, 'out.txt'),
    join(tmp, 'log.txt'),
    join(tmp, 'prb.txt'),
    '-Key',
    '-NoLabels',
  ]);
  tool('Open Babel 3.1.1 obabel -oinchikey', 'obabel', [sdf, '-oinchikey', '-O', join(tmp, 'keys.txt')]);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const width = Math.max(...results.map((r) => r.what.length));
console.log('');
console.log(`${'what'.padEnd(width)}  threads  records  seconds  molecules/s  rejected`);
for (const r of results) {
  console.log(
    `${r.what.padEnd(width)}  ${String(r.threads).padStart(7)}  ${String(r.records).padStart(7)}  ${r.seconds
      .toFixed(2)
      .padStart(
        7,
      )}  ${String(Math.round(r.records / r.seconds)).padStart(11)}  ${String(r.failed).padStart(8)}`,
  );
}
