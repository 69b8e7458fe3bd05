#!/usr/bin/env node
// RDKit's floor for --compute inchikey: the bare calls molimport makes per record — get_mol(bytes),
// get_inchi(), get_inchikey_for_inchi(), delete() — on one thread, no pool and no molimport code,
// over the same molfiles several times. Prints the CPU per molecule of each pass (the first ones
// include V8's tier-up compilation) and, from pass 4 on, the split between parsing and InChI. Run
// it under each V8 tier to compare: node [--liftoff-only | --no-liftoff | …] bench/chem-floor.mjs
//
//   npm run build && node bench/chem-floor.mjs [--file F] [--passes N]
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : dflt;
};
const FILE = resolve(opt('file', join(ROOT, 'fixtures/pubchem_sdf/rdkit_Regress_mols.1000.sdf.gz')));
const PASSES = Number(opt('passes', '6'));

const { readRecords } = await import(join(ROOT, 'dist/sources/index.js'));
const { toMoleculeRow, isReject } = await import(join(ROOT, 'dist/transform/index.js'));
const { loadToolkit, utf8 } = await import(join(ROOT, 'dist/chem/rdkit-loader.js'));
const molfiles = [];
for await (const record of readRecords(FILE)) {
  const row = toMoleculeRow(record, 'generic');
  if (!isReject(row) && row.molfile) molfiles.push(row.molfile);
}
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const c0 = cpuMs();
const { rdkit } = await loadToolkit();
const loadMs = cpuMs() - c0;
const details = utf8(JSON.stringify({ sanitize: true, removeHs: true }));
const passes = [];
let parse = 0;
let inchi = 0;
for (let pass = 0; pass < PASSES; pass++) {
  const start = cpuMs();
  for (const molfile of molfiles) {
    const a = cpuMs();
    const mol = rdkit.get_mol(utf8(molfile), details);
    if (mol === null) continue;
    const b = cpuMs();
    rdkit.get_inchikey_for_inchi(mol.get_inchi());
    mol.delete();
    if (pass >= 3) {
      parse += b - a;
      inchi += cpuMs() - b;
    }
  }
  passes.push(((cpuMs() - start) / molfiles.length) * 1000);
}
const steady = Math.max(1, PASSES - 3) * molfiles.length;
console.log(
  JSON.stringify({
    flags: process.execArgv.join(' ') || '(default)',
    molfiles: molfiles.length,
    moduleLoadCpuMs: Math.round(loadMs),
    cpuUsPerMoleculeByPass: passes.map(Math.round),
    steadyParseUs: Math.round((parse / steady) * 1000),
    steadyInchiUs: Math.round((inchi / steady) * 1000),
    loadAverage: loadavg()[0],
  }),
);
