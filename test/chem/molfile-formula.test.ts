import { beforeAll, describe, expect, it } from 'vitest';
import { atomsOfJson, averageWeight, computeIdentifiers, hillFormula } from '../../src/chem/compute.js';
import { molfileFormulaAtoms } from '../../src/chem/molfile-formula.js';
import type { Toolkit } from '../../src/chem/rdkit-loader.js';
import { loadToolkit, withMol } from '../../src/chem/rdkit-loader.js';
import { ethanol, PENTAVALENT_CARBON, readSdf, sdfFiles } from './helpers.js';

let toolkit: Toolkit;
beforeAll(async () => {
  toolkit = await loadToolkit();
});

describe('formula and weight without parsing in RDKit', () => {
  it('agrees with RDKit on every fixture molfile it handles, and handles most of them', () => {
    let handled = 0;
    let total = 0;
    const disagreements: string[] = [];
    for (const file of sdfFiles('chembl_sdf', 'pubchem_sdf', 'nasty_sdf')) {
      for (const record of readSdf(file)) {
        if (record.molfile === undefined) continue;
        const rdkit = withMol(toolkit, record.molfile, (mol) => {
          const atoms = atomsOfJson(mol.get_json());
          return {
            formula: hillFormula(atoms),
            amw: (JSON.parse(mol.get_descriptors()) as { amw: number }).amw,
          };
        });
        if (!rdkit.ok) continue;
        total += 1;
        const atoms = molfileFormulaAtoms(record.molfile);
        if (atoms === undefined) continue;
        handled += 1;
        const formula = hillFormula(atoms);
        const amw = averageWeight(toolkit, atoms)!;
        if (formula !== rdkit.value.formula || Math.abs(amw - rdkit.value.amw) > 1e-6) {
          disagreements.push(
            `${file}#${record.record}: ${formula} ${amw} vs ${rdkit.value.formula} ${rdkit.value.amw}`,
          );
        }
      }
    }
    expect(disagreements).toEqual([]);
    expect(total).toBeGreaterThan(4_000);
    expect(handled / total).toBeGreaterThan(0.5);
  }, 180_000);

  it('gives up (undefined) where RDKit must decide', () => {
    expect(molfileFormulaAtoms(PENTAVALENT_CARBON)).toBeUndefined();
    expect(molfileFormulaAtoms(ethanol().replace('  1  2  1  0', '  1  2  4  0'))).toBeUndefined();
    expect(molfileFormulaAtoms(ethanol().replace('M  END', 'M  ISO  1   1  13\nM  END'))).toBeUndefined();
    expect(hillFormula(molfileFormulaAtoms(ethanol())!)).toBe('C2H6O');
  });

  it('is used by computeIdentifiers only when asked (no validation), with the same values', () => {
    const fields = new Set(['formula', 'mw'] as const);
    const quick = computeIdentifiers(toolkit, ethanol(), fields, { parseFree: true });
    expect(quick).toEqual(computeIdentifiers(toolkit, ethanol(), fields));
    // A structure RDKit refuses is only refused when RDKit is asked.
    expect(computeIdentifiers(toolkit, PENTAVALENT_CARBON, fields).ok).toBe(false);
  });
});
