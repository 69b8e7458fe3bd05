#!/usr/bin/env node
// Chemistry throughput: molecules/s computing InChIKeys with molimport's ChemistryPool (RDKit
// WebAssembly in worker threads) on one thread and on all cores, beside Debian's python3-rdkit on
// the same records in the same run. Records are read and parsed before timing; the pools are
// warmed up (RDKit loaded in every worker) before timing.
//
//   npm run build && node bench/chem-speed.mjs
//   node bench/chem-speed.mjs --file fixtures/samples/pubchem_compound_head_245.sdf.gz --repeat 8
//
// Options: --file F (default fixtures/pubchem_sdf/rdkit_Regress_mols.1000.sdf.gz), --repeat R (the
// records R times, default 3), --threads a,b (default 1,<all cores>), --python PATH (default
// /usr/bin/python3). Needs `apt-get install -y python3-rdkit` for the Python row.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
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
const REPEAT = Number(opt('repeat', '3'));
const ALL = availableParallelism();
const THREADS = opt('threads', `1,${ALL}`)
  .split(',')
  .map(Number)
  .filter((n, i, a) => n > 0 && a.indexOf(n) === i);
const PYTHON = opt('python', '/usr/bin/python3');

if (!existsSync(join(ROOT, 'dist/chem/compute-pool.js'))) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(1);
}
const { readRecords } = await import(join(ROOT, 'dist/sources/index.js'));
const { toMoleculeRow, isReject } = await import(join(ROOT, 'dist/transform/index.js'));
const { ChemistryPool } = await import(join(ROOT, 'dist/chem/compute-pool.js'));

// ---------------------------------------------------------------- the records, read once
const once = [];
for await (const record of readRecords(FILE)) {
  const row = toMoleculeRow(record, 'generic');
  // generic: no ID problems; only the molfile matters here. Keep records the parser accepted.
  if (!isReject(row) && row.molfile) once.push({ ...row, inchikey: null, smiles: null });
}
const rows = Array.from({ length: REPEAT }, () => once).flat();
console.log(`file: ${relative(ROOT, FILE)} — ${once.length} records × ${REPEAT} = ${rows.length}`);
console.log(`machine: ${cpus()[0]?.model ?? 'unknown cpu'}, ${ALL} cores, node ${process.version}`);

// ---------------------------------------------------------------- ChemistryPool
const results = [];
const keysByThreads = new Map();
for (const threads of THREADS) {
  for (const [label, compute] of [
    ['inchikey', ['inchikey']],
    ['smiles', ['smiles']],
  ]) {
    if (label === 'smiles' && threads !== 1) continue; // the like-for-like row with Debian's build
    const pool = new ChemistryPool({ threads, compute, recompute: true, perRecordTimeoutMs: 60_000 });
    try {
      await pool.start();
      const t0 = performance.now();
      const out = await pool.processRows(rows);
      const seconds = (performance.now() - t0) / 1000;
      if (label === 'inchikey')
        keysByThreads.set(
          threads,
          out.rows.map((r) => r.inchikey),
        );
      results.push({
        what: `molimport ChemistryPool (RDKit WASM ${await rdkitVersion()}) ${label}`,
        threads,
        records: rows.length,
        seconds,
        failed: out.rejects.length + out.warnings,
      });
    } finally {
      await pool.close();
    }
  }
}

// ---------------------------------------------------------------- python3-rdkit
let pythonNote = '';
const tmp = mkdtempSync(join(tmpdir(), 'molimport-chem-bench-'));
try {
  const keysFile = join(tmp, 'keys.tsv');
  const py = spawnSync(
    PYTHON,
    [join(ROOT, 'bench/chem_rdkit.py'), FILE, '--repeat', String(REPEAT), '--keys', keysFile],
    {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (py.status !== 0) {
    pythonNote = `python3-rdkit peer did not run (${PYTHON}): ${(py.stderr || py.error?.message || '').trim().split('\n').at(-1)} — apt-get install -y python3-rdkit`;
  } else {
    const r = JSON.parse(py.stdout);
    const base = `Debian python3-rdkit ${r.rdkit}`;
    results.push({
      what: `${base} smiles`,
      threads: 1,
      records: r.records,
      seconds: r.smiles_seconds,
      failed: r.parse_failed,
    });
    if (r.inchi_available) {
      results.push({
        what: `${base} inchikey`,
        threads: 1,
        records: r.records,
        seconds: r.inchikey_seconds,
        failed: r.parse_failed,
      });
      const theirs = readFileSync(keysFile, 'utf8').split('\n').slice(0, rows.length);
      const ours = keysByThreads.get(1) ?? [];
      const same = ours.filter((k, i) => k !== null && k === theirs[i]).length;
      pythonNote = `InChIKeys identical to python3-rdkit's for ${same}/${ours.length} records`;
    } else {
      pythonNote =
        `!! Debian's python3-rdkit ${r.rdkit} is built WITHOUT InChI (rdkit.Chem.inchi.INCHI_AVAILABLE is False): ` +
        'it cannot compute InChIKeys at all, so its row times parse + sanitise + canonical SMILES, ' +
        'compared with the pool computing SMILES on one thread.';
    }
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

// ---------------------------------------------------------------- table
const agree = (() => {
  const one = keysByThreads.get(1);
  const many = keysByThreads.get(ALL);
  if (!one || !many || one === many) return '';
  const same = one.filter((k, i) => k === many[i]).length;
  return `InChIKeys on 1 thread and on ${ALL} identical for ${same}/${one.length} records`;
})();
const width = Math.max(...results.map((r) => r.what.length));
console.log('');
console.log(`${'what'.padEnd(width)}  threads  records  seconds  molecules/s  failed`);
for (const r of results) {
  console.log(
    `${r.what.padEnd(width)}  ${String(r.threads).padStart(7)}  ${String(r.records).padStart(7)}  ${r.seconds.toFixed(2).padStart(7)}  ${Math.round(
      r.records / r.seconds,
    )
      .toString()
      .padStart(11)}  ${String(r.failed).padStart(6)}`,
  );
}
console.log('');
if (agree) console.log(agree);
if (pythonNote) console.log(pythonNote);

async function rdkitVersion() {
  const { loadToolkit } = await import(join(ROOT, 'dist/chem/rdkit-loader.js'));
  return (await loadToolkit()).version;
}
