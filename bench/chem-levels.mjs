#!/usr/bin/env node
// Chemistry stage throughput per task: --compute inchikey, --compute formula,mw and --standardize
// through molimport's ChemistryPool on 1 and 2 threads, optionally the same on another build
// (--baseline-dist, e.g. main's dist/, for "before"), beside native InChI 1.03 (Debian's
// libinchi-bin, `inchi_main`) and Open Babel (`obabel -oinchikey`) on the same molfiles.
//
// Each row runs in its own node process (V8 shares compiled WebAssembly, tiered-up code
// included, between the threads of one process: a row must not start with code an earlier row
// warmed up), this build and the baseline alternating. A row's clock starts once the pool's
// workers have loaded RDKit and stops when the last record is back; its CPU is the whole
// process's (user + sys, worker threads included) over the same span. "this build" rows run
// with the V8 flags bin/molimport.js would apply to that task (src/cli/wasm-policy.ts: tier-up
// when RDKit reads every record, --liftoff-only for formula,mw); the baseline, which had no
// such policy, with V8's default. The CPU is shared on this machine: read the rows as ratios
// measured in one run, and the CPU per molecule rather than the rate when it is busy.
//
//   npm run build && node bench/chem-levels.mjs [--file F] [--repeat R] [--baseline-dist /path/to/dist]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const FILE = resolve(opt('file', join(ROOT, 'fixtures/pubchem_sdf/rdkit_Regress_mols.1000.sdf.gz')));
const REPEAT = Number(opt('repeat', '2'));
const BASELINE = opt('baseline-dist', undefined);

async function readRows() {
  const { readRecords } = await import(join(ROOT, 'dist/sources/index.js'));
  const { toMoleculeRow, isReject } = await import(join(ROOT, 'dist/transform/index.js'));
  const once = [];
  for await (const record of readRecords(FILE)) {
    const row = toMoleculeRow(record, 'generic');
    if (!isReject(row) && row.molfile)
      once.push({ ...row, inchikey: null, smiles: null, formula: null, molWeight: null });
  }
  return { once, rows: Array.from({ length: REPEAT }, () => once).flat() };
}

// Child: one pool run, its result as a JSON line.
if (opt('child', undefined) !== undefined) {
  const { dist, threads, options } = JSON.parse(opt('child'));
  const { rows } = await readRows();
  const { ChemistryPool } = await import(join(dist, 'chem/compute-pool.js'));
  const pool = new ChemistryPool({ threads, recompute: true, perRecordTimeoutMs: 60_000, ...options });
  try {
    await pool.start();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const out = await pool.processRows(rows);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(c0);
    console.log(
      JSON.stringify({
        records: rows.length,
        seconds,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        failed: out.rejects.length,
        inchikeys: out.rows.map((r) => r.inchikey),
      }),
    );
  } finally {
    await pool.close();
  }
  process.exit(0);
}

const { once, rows } = await readRows();
console.log(`file: ${relative(ROOT, FILE)} — ${once.length} records × ${REPEAT} = ${rows.length}`);
console.log(
  `machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${cpus().length} cores (shared), node ${process.version}`,
);
const loads = [loadavg()[0]];

const results = [];
const keysByBuild = new Map();
function poolRun(dist, label, threads, options, flags) {
  const run = spawnSync(
    process.execPath,
    [
      ...flags,
      SELF,
      '--file',
      FILE,
      '--repeat',
      String(REPEAT),
      '--child',
      JSON.stringify({ dist, threads, options }),
    ],
    { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 },
  );
  loads.push(loadavg()[0]);
  const line = run.stdout.trim().split('\n').at(-1) ?? '';
  if (run.status !== 0 || !line.startsWith('{')) {
    console.log(`${label}, ${threads} threads: failed (${run.stderr.trim().split('\n').at(-1)})`);
    return;
  }
  const r = JSON.parse(line);
  if (options.compute?.includes('inchikey')) keysByBuild.set(`${label} ${threads}`, r.inchikeys);
  results.push({ what: label, flags: flags.join(' ') || '(default)', threads, ...r });
}

const INCHIKEY = { compute: ['inchikey'] };
const FORMULA = { compute: ['formula', 'mw'] };
const THIS = join(ROOT, 'dist');
for (const threads of [1, 2]) {
  const pairs = [
    ['--compute inchikey', INCHIKEY, []],
    ['--compute formula,mw', FORMULA, ['--liftoff-only']],
  ];
  for (const [task, options, flags] of pairs) {
    poolRun(THIS, `this build: ${task}`, threads, options, flags);
    if (BASELINE !== undefined) poolRun(resolve(BASELINE), `baseline: ${task}`, threads, options, []);
  }
  // What the CLI did before this change for inchikey: every run Liftoff-only.
  poolRun(THIS, 'this build: --compute inchikey', threads, INCHIKEY, ['--liftoff-only']);
  poolRun(THIS, 'this build: --standardize', threads, { standardize: true }, []);
}

// Same InChIKeys, record for record, whatever the build, threads or flags.
const keySets = [...keysByBuild.entries()];
const reference = keySets[0]?.[1];
const mismatched = keySets.filter(
  ([, keys]) => keys.length !== reference.length || keys.some((k, i) => k !== reference[i]),
);
console.log(
  mismatched.length === 0
    ? `InChIKeys identical across ${keySets.length} inchikey runs (${reference?.length ?? 0} records each)`
    : `InChIKeys DIFFER in: ${mismatched.map(([name]) => name).join(', ')}`,
);

// Native tools on the same molfiles, written once as an SDF.
const tmp = mkdtempSync(join(tmpdir(), 'molimport-chem-levels-'));
try {
  const sdf = join(tmp, 'in.sdf');
  writeFileSync(sdf, rows.map((r) => `${r.molfile}$$$$\n`).join(''));
  const tool = (what, cmd, args) => {
    const t0 = performance.now();
    const run = spawnSync('/usr/bin/time', ['-f', '%U %S', cmd, ...args], {
      cwd: tmp,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    const seconds = (performance.now() - t0) / 1000;
    loads.push(loadavg()[0]);
    if (run.error || run.status !== 0) {
      console.log(`${what}: did not run (${run.error?.message ?? run.stderr.trim().split('\n').at(-1)})`);
      return;
    }
    const [user, sys] = run.stderr.trim().split('\n').at(-1).split(' ').map(Number);
    results.push({
      what,
      flags: '',
      threads: 1,
      records: rows.length,
      seconds,
      cpuSeconds: user + sys,
      failed: '-',
    });
  };
  tool('InChI 1.03 inchi_main (libinchi-bin) -Key', 'inchi_main', [
    sdf,
    join(tmp, 'out.txt'),
    join(tmp, 'log.txt'),
    join(tmp, 'prb.txt'),
    '-Key',
    '-NoLabels',
  ]);
  tool('Open Babel obabel -oinchikey', 'obabel', [sdf, '-oinchikey', '-O', join(tmp, 'keys.txt')]);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const width = Math.max(...results.map((r) => r.what.length));
const fw = Math.max(5, ...results.map((r) => r.flags.length));
console.log('');
console.log(
  `${'what'.padEnd(width)}  ${'flags'.padEnd(fw)}  threads  records  seconds  molecules/s  CPU µs/molecule  rejected`,
);
for (const r of results) {
  console.log(
    `${r.what.padEnd(width)}  ${r.flags.padEnd(fw)}  ${String(r.threads).padStart(7)}  ${String(r.records).padStart(7)}  ${r.seconds
      .toFixed(2)
      .padStart(7)}  ${String(Math.round(r.records / r.seconds)).padStart(11)}  ${String(
      Math.round((r.cpuSeconds / r.records) * 1e6),
    ).padStart(15)}  ${String(r.failed).padStart(8)}`,
  );
}
console.log(
  `load average (1 min) during the run: ${Math.min(...loads).toFixed(1)}–${Math.max(...loads).toFixed(1)}`,
);
