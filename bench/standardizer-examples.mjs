#!/usr/bin/env node
// Checks `--standardize` against the ChEMBL Structure Pipeline's published standardiser examples:
// each record of IN_SDF whose `part` is `standardiser` goes through molimport's ChemistryPool with
// `standardize: true` (the code path of `molimport … --standardize`), and its standardised
// structure is compared with the record of EXPECTED_SDF that has the same `example` number, by
// standard InChI and InChIKey (both computed by the same RDKit, so a drawing difference that does
// not change the structure, e.g. straightened alkyne coordinates, is not a disagreement).
//
// With --pairs FILE (default: fixtures/chembl_structure_pipeline/standardizer_pairs.tsv), it also
// runs the input → expected SMILES pairs of the pipeline's own unit tests (test_standardizer.py),
// compared the same way.
//
//   npm run build && node bench/standardizer-examples.mjs IN_SDF EXPECTED_SDF [--parents PARENTS_SDF] [--pairs FILE]
//
// With --parents, IN_SDF's records marked `salt stripper` are compared, by their parent, with
// PARENTS_SDF (the pipeline's standardiser_examples_after_salt_stripping.sdf).
//
// The SDFs are the pipeline's test_data/standardiser_examples.in.sdf and
// test_data/standardiser_examples_after_standardisation.sdf (MIT; not shipped here). Exit status
// is 0 whatever the agreement: this reports, it does not gate.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const argv = process.argv.slice(2);
const flag = (name) => {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return undefined;
  const value = argv[i + 1];
  argv.splice(i, 2);
  return value;
};
const parentsSdf = flag('parents');
const pairsFile = flag('pairs') ?? join(ROOT, 'fixtures/chembl_structure_pipeline/standardizer_pairs.tsv');
const [inSdf, expectedSdf] = argv;

const { readRecords } = await import(join(ROOT, 'dist/sources/index.js'));
const { toMoleculeRow, isReject } = await import(join(ROOT, 'dist/transform/index.js'));
const { ChemistryPool } = await import(join(ROOT, 'dist/chem/compute-pool.js'));
const { loadToolkit } = await import(join(ROOT, 'dist/chem/rdkit-loader.js'));
const toolkit = await loadToolkit();

/** Standard InChI and InChIKey of a molfile or SMILES, by this RDKit; null when refused. */
function identity(structure) {
  if (structure === null || structure === undefined) return null;
  const mol = toolkit.rdkit.get_mol(structure);
  if (mol === null || !mol.is_valid()) {
    mol?.delete();
    return null;
  }
  try {
    const inchi = mol.get_inchi();
    return { inchi, key: toolkit.rdkit.get_inchikey_for_inchi(inchi), smiles: mol.get_smiles() };
  } finally {
    mol.delete();
  }
}

/** The records of an SDF as rows (ID: the `example` field), and those molimport's reader refuses. */
async function readRows(file) {
  const rows = [];
  const refused = [];
  for await (const record of readRecords(file)) {
    const row = toMoleculeRow(record, 'generic', { idField: 'example' });
    if (!isReject(row)) rows.push(row);
    else refused.push(row);
  }
  return { rows, refused };
}

/** A field of a refused record's raw text (`> <name>` then the value line). */
const rawField = (raw, name) => new RegExp(`> *<${name}>[^\\n]*\\n([^\\n]*)`).exec(raw)?.[1]?.trim();

/** Rows with only a structure: nothing from the file may stand in for a computed value. */
const bare = (row) => ({ ...row, smiles: row.molfile ? null : row.smiles, inchi: null, inchikey: null });

async function standardize(rows) {
  const pool = new ChemistryPool({ threads: 1, standardize: true, compute: ['inchikey'], recompute: true });
  try {
    const out = await pool.processRows(rows.map(bare));
    return { rows: out.rows, rejects: out.rejects, rdkitVersion: pool.rdkitVersion };
  } finally {
    await pool.close();
  }
}

const show = (id) => (id === null ? '(refused)' : `${id.smiles}\n        ${id.inchi}\n        ${id.key}`);

function compare(label, cases) {
  let byInchi = 0;
  let byKey = 0;
  const disagreements = [];
  for (const c of cases) {
    const same = c.ours !== null && c.theirs !== null && c.ours.inchi === c.theirs.inchi;
    // The key compared is the row's own column (std_inchikey / parent_inchikey) when there is one.
    const oursKey = c.oursKey ?? c.ours?.key ?? null;
    const sameKey = oursKey !== null && c.theirs !== null && oursKey === c.theirs.key;
    if (same) byInchi += 1;
    if (sameKey) byKey += 1;
    if (!same || !sameKey) disagreements.push(c);
  }
  console.log(`\n${label}: ${byInchi} of ${cases.length} agree by standard InChI, ${byKey} by InChIKey`);
  for (const c of disagreements) {
    console.log(
      `  ✗ ${c.name}${c.reason ? ` — ${c.reason}` : ''}${c.changes ? ` [ours: ${c.changes}]` : ''}`,
    );
    console.log(`      ours:   ${show(c.ours)}`);
    console.log(`      theirs: ${show(c.theirs)}`);
  }
  return { byInchi, byKey, total: cases.length };
}

/**
 * Runs IN's records of one `part` through the pool and compares the standardised structure
 * (`level` std) or the parent (`level` parent) with EXPECTED's record of the same example.
 */
async function examples(input, expectedSdf, part, level, label) {
  const inputs = input.rows.filter((r) => r.properties?.part === part);
  const expected = new Map((await readRows(resolve(expectedSdf))).rows.map((r) => [String(r.externalId), r]));
  const { rows, rejects, rdkitVersion } = await standardize(inputs);
  console.log(
    `\nRDKit ${rdkitVersion}; ${inputs.length} "${part}" examples read, compared with ${expectedSdf}`,
  );
  const smilesOf = (row) => (level === 'parent' ? row?.parentSmiles : row?.stdSmiles);
  const keyOf = (row) => (level === 'parent' ? row?.parentInchikey : row?.stdInchikey);
  const byExample = new Map(rows.map((r) => [String(r.externalId), r]));
  for (const reject of rejects) console.log(`  refused: ${JSON.stringify(reject).slice(0, 300)}`);
  const cases = [];
  const unmatched = [];
  for (const row of inputs) {
    const example = String(row.externalId);
    const ours = byExample.get(example);
    const theirs = expected.get(example);
    if (theirs === undefined) {
      unmatched.push(example);
      continue;
    }
    cases.push({
      name: `example ${example}`,
      reason: row.properties?.reason,
      changes: (ours?.properties?.molimport_standardized ?? []).join(', '),
      ours: identity(smilesOf(ours) ?? null),
      oursKey: keyOf(ours),
      theirs: identity(theirs.molfile),
    });
  }
  // Records molimport's SDF reader refuses never reach the standardiser: they count as
  // disagreements, and are also run with the missing "M  END" supplied, to judge the rules alone.
  const repaired = [];
  for (const reject of input.refused) {
    const example = rawField(reject.raw, 'example');
    if (rawField(reject.raw, 'part') !== part || !expected.has(example)) continue;
    const reason = `${rawField(reject.raw, 'reason')}; refused by molimport's SDF reader: ${reject.reason}`;
    const theirs = identity(expected.get(example).molfile);
    cases.push({ name: `example ${example}`, reason, ours: null, theirs });
    if (/M {2}END/.test(reject.reason)) {
      const ctab = reject.raw.split(/\n> *</)[0].replace(/\s*$/, '\n');
      repaired.push({ example, reason, theirs, molfile: `${ctab}M  END\n` });
    }
  }
  if (unmatched.length > 0) console.log(`no published result for example(s) ${unmatched.join(', ')}`);
  const headline = compare(label, cases);
  if (repaired.length > 0) {
    const fixed = await standardize(
      repaired.map((r) => ({ molfile: r.molfile, smiles: null, externalId: r.example, properties: {} })),
    );
    const again = repaired.map((r, i) => ({
      name: `example ${r.example} (M END supplied)`,
      reason: r.reason,
      changes: (fixed.rows[i]?.properties?.molimport_standardized ?? []).join(', '),
      ours: identity(smilesOf(fixed.rows[i]) ?? null),
      oursKey: keyOf(fixed.rows[i]),
      theirs: r.theirs,
    }));
    const extra = compare('the records the reader refused, with "M  END" supplied', again);
    console.log(
      `\n${label}, reader refusals repaired: ${headline.byInchi + extra.byInchi} of ${headline.total} by InChI`,
    );
  }
}

if (inSdf !== undefined && expectedSdf !== undefined) {
  const input = await readRows(resolve(inSdf));
  await examples(input, expectedSdf, 'standardiser', 'std', 'published standardiser examples');
  if (parentsSdf !== undefined) {
    await examples(input, parentsSdf, 'salt stripper', 'parent', 'published salt-stripper examples (parent)');
  }
}

let pairsText;
try {
  pairsText = readFileSync(pairsFile, 'utf8');
} catch {
  pairsText = undefined;
}
if (pairsText !== undefined) {
  const pairs = pairsText
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.split('\t'));
  const rows = pairs.map(([, input]) => ({ molfile: null, smiles: input, properties: {} }));
  const out = await standardize(rows);
  const cases = pairs.map(([level, input, expectedSmiles, test], i) => {
    const row = out.rows[i];
    const ours = level === 'parent' ? row?.parentSmiles : row?.stdSmiles;
    const oursKey = level === 'parent' ? row?.parentInchikey : row?.stdInchikey;
    return {
      name: `${level}: ${input}`,
      reason: test,
      changes: (row?.properties?.molimport_standardized ?? []).join(', '),
      ours: identity(ours ?? null),
      oursKey,
      theirs: identity(expectedSmiles),
    };
  });
  compare(`unit-test pairs (${pairsFile})`, cases);
}
