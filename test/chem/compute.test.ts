import { basename } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { atomsOfJson, computeIdentifiers, hillFormula, validateMolecule } from '../../src/chem/compute.js';
import { parseComputeFields } from '../../src/chem/fields.js';
import type { Toolkit } from '../../src/chem/rdkit-loader.js';
import { loadToolkit, withMol } from '../../src/chem/rdkit-loader.js';
import { ethanol, PENTAVALENT_CARBON, readSdf, sdfFiles } from './helpers.js';

let toolkit: Toolkit;
beforeAll(async () => {
  toolkit = await loadToolkit();
});

describe('loadToolkit', () => {
  it('loads RDKit once per thread, with InChI', async () => {
    expect(await loadToolkit()).toBe(toolkit);
    expect(toolkit.version).toMatch(/^\d{4}\.\d\d\.\d/);
    expect(typeof toolkit.rdkit.get_inchikey_for_inchi).toBe('function');
  });
});

describe('computeIdentifiers', () => {
  it('computes every identifier of a molfile', () => {
    const outcome = computeIdentifiers(
      toolkit,
      ethanol(),
      new Set(['smiles', 'inchi', 'inchikey', 'formula', 'mw']),
    );
    expect(outcome).toEqual({
      ok: true,
      values: {
        smiles: 'CCO',
        inchi: 'InChI=1S/C2H6O/c1-2-3/h3H,2H2,1H3',
        inchikey: 'LFQSCWFLJHTTHZ-UHFFFAOYSA-N',
        formula: 'C2H6O',
        molWeight: 46.069,
      },
      warnings: [],
    });
  });

  it('computes only what is asked, and accepts SMILES', () => {
    const outcome = computeIdentifiers(toolkit, 'OC(=O)c1ccccc1OC(C)=O', new Set(['inchikey', 'formula']));
    expect(outcome).toEqual({
      ok: true,
      values: { inchikey: 'BSYNRYMUTXBXSQ-UHFFFAOYSA-N', formula: 'C9H8O4' },
      warnings: [],
    });
  });

  it('drops explicit hydrogens from the SMILES', () => {
    const pubchem = readSdf(
      sdfFiles('pubchem_sdf').find((f) => f.endsWith('indigo_Compound_0000001_0000250.sdf.gz'))!,
    );
    const outcome = computeIdentifiers(toolkit, pubchem[0]!.molfile!, new Set(['smiles']));
    expect(outcome.ok && outcome.values.smiles).not.toMatch(/\[H\]/);
  });

  it('refuses a pentavalent carbon with RDKit’s valence message', () => {
    const outcome = computeIdentifiers(toolkit, PENTAVALENT_CARBON, new Set(['inchikey']));
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.reason).toMatch(/valence/i);
  });

  it('warns, without failing, when InChI cannot be generated', () => {
    // A dummy atom: RDKit parses it, InChI has no representation for it.
    const outcome = computeIdentifiers(toolkit, '*CC', new Set(['inchi', 'inchikey', 'formula']));
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.values.inchi).toBeUndefined();
    expect(outcome.values.formula).toBe('C2H5*');
    expect(outcome.warnings.join()).toMatch(/InChI generation failed/);
  });
});

describe('validateMolecule', () => {
  it('accepts a sane structure', () => {
    expect(validateMolecule(toolkit, ethanol())).toEqual({ ok: true });
  });

  it('rejects a pentavalent carbon, the reason mentioning valence', () => {
    const outcome = validateMolecule(toolkit, PENTAVALENT_CARBON);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.reason).toMatch(/valence for atom # 0 C, 5/i);
  });

  it('rejects unparseable text with the parser’s message', () => {
    const outcome = validateMolecule(toolkit, 'C1CC(((');
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.reason).toMatch(/SMILES Parse Error/);
  });

  it('rejects a molfile with a truncated atom block', () => {
    const broken = ethanol().split('\n').slice(0, 5).join('\n') + '\nM  END\n';
    const outcome = validateMolecule(toolkit, broken);
    expect(outcome.ok).toBe(false);
    expect(!outcome.ok && outcome.reason.length).toBeGreaterThan(0);
  });
});

describe('hillFormula', () => {
  const atom = (z: number, hydrogens = 0, charge = 0) => ({ z, hydrogens, charge });
  it('puts C then H first, the rest alphabetically', () => {
    expect(hillFormula([atom(6, 3), atom(17), atom(7, 2), atom(35)])).toBe('CH5BrClN');
  });
  it('is alphabetical throughout without carbon', () => {
    expect(hillFormula([atom(17, 1)])).toBe('ClH');
    expect(hillFormula([atom(33, 1), atom(8), atom(8), atom(8, 0, -1), atom(8, 0, -1)])).toBe('AsHO4-2');
  });
  it('appends the net charge', () => {
    expect(hillFormula([atom(7, 4, 1)])).toBe('H4N+');
    expect(hillFormula([atom(6, 4), atom(29, 0, 2)])).toBe('CH4Cu+2');
  });
  it('reads atoms from RDKit JSON, defaults included', () => {
    const json = withMol(toolkit, '[NH4+].[Cl-].[2H]C([2H])([2H])O', (mol) => mol.get_json());
    expect(json.ok && hillFormula(atomsOfJson(json.value))).toBe('CH8ClNO');
  });
});

describe('parseComputeFields', () => {
  it('accepts any subset, any case, and all', () => {
    expect([...parseComputeFields('InChIKey, smiles')]).toEqual(['inchikey', 'smiles']);
    expect(parseComputeFields('all').size).toBe(5);
  });
  it('names the expected values on a bad one', () => {
    expect(() => parseComputeFields('smiles,logp')).toThrow(UsageError);
    expect(() => parseComputeFields('smiles,logp')).toThrow(
      /unknown field "logp".*smiles,inchi,inchikey,formula,mw/,
    );
    expect(() => parseComputeFields(' , ')).toThrow(/expected a comma-separated subset/);
  });
});

describe('agreement with what PubChem wrote into its own files', () => {
  const records = sdfFiles('pubchem_sdf', 'nasty_sdf').flatMap(readSdf);

  it('computes the PUBCHEM_IUPAC_INCHIKEY of at least 98% of the records that carry one', () => {
    const carrying = records.filter((r) => r.fields.has('PUBCHEM_IUPAC_INCHIKEY'));
    const disagreements: string[] = [];
    for (const record of carrying) {
      const expected = record.fields.get('PUBCHEM_IUPAC_INCHIKEY')!.trim();
      const outcome =
        record.molfile === undefined
          ? undefined
          : computeIdentifiers(toolkit, record.molfile, new Set(['inchikey']));
      const got =
        outcome === undefined
          ? 'no molfile'
          : outcome.ok
            ? (outcome.values.inchikey ?? outcome.warnings.join('; '))
            : outcome.reason;
      if (got !== expected) {
        const cid = record.fields.get('PUBCHEM_COMPOUND_CID') ?? `record ${record.record}`;
        disagreements.push(`${basename(record.file)} CID ${cid}: expected ${expected}, got ${got}`);
      }
    }
    const agree = carrying.length - disagreements.length;
    console.log(
      `InChIKey agreement with PubChem: ${agree}/${carrying.length} (${((100 * agree) / carrying.length).toFixed(2)}%)`,
    );
    for (const line of disagreements) console.log(`  disagreement: ${line}`);
    expect(carrying.length).toBeGreaterThan(250);
    expect(agree / carrying.length).toBeGreaterThanOrEqual(0.98);
  });

  it('computes the PUBCHEM_MOLECULAR_FORMULA and, within 0.05, PUBCHEM_MOLECULAR_WEIGHT', () => {
    const carrying = records.filter(
      (r) => r.fields.has('PUBCHEM_MOLECULAR_FORMULA') && r.molfile !== undefined,
    );
    const disagreements: string[] = [];
    for (const record of carrying) {
      const formula = record.fields.get('PUBCHEM_MOLECULAR_FORMULA')!.trim();
      const weight = Number(record.fields.get('PUBCHEM_MOLECULAR_WEIGHT'));
      const outcome = computeIdentifiers(toolkit, record.molfile!, new Set(['formula', 'mw']));
      const ok =
        outcome.ok &&
        outcome.values.formula === formula &&
        Math.abs((outcome.values.molWeight ?? 0) - weight) <= 0.05;
      if (!ok) {
        const got = outcome.ok ? `${outcome.values.formula} ${outcome.values.molWeight}` : outcome.reason;
        disagreements.push(
          `${basename(record.file)} CID ${record.fields.get('PUBCHEM_COMPOUND_CID')}: expected ${formula} ${weight}, got ${got}`,
        );
      }
    }
    const agree = carrying.length - disagreements.length;
    console.log(`formula/weight agreement with PubChem: ${agree}/${carrying.length}`);
    for (const line of disagreements) console.log(`  disagreement: ${line}`);
    expect(carrying.length).toBeGreaterThan(1000);
    expect(agree / carrying.length).toBeGreaterThanOrEqual(0.98);
  });
});

describe('WASM memory', () => {
  it('does not grow over hundreds of 801-atom molecules (every Mol is freed)', () => {
    const huge = readSdf(
      sdfFiles('nasty_sdf').find((f) => f.endsWith('cdk_pubchem_24763_huge_801_atoms.sdf'))!,
    )[0]!.molfile!;
    for (let i = 0; i < 5; i++) computeIdentifiers(toolkit, huge, new Set(['smiles', 'formula']));
    const before = toolkit.wasmMemoryBytes();
    expect(before).toBeGreaterThan(0);
    // A leaked Mol costs about 0.4 MB here: a missing delete() grows memory by tens of MB.
    for (let i = 0; i < 200; i++) expect(validateMolecule(toolkit, huge)).toEqual({ ok: true });
    for (let i = 0; i < 10; i++) computeIdentifiers(toolkit, huge, new Set(['smiles', 'formula']));
    expect(toolkit.wasmMemoryBytes()).toBe(before);
  });
});
