/**
 * RDKit receives each structure as UTF-8 bytes (`withMol`, the standardiser), not as a
 * JavaScript string: faster, and it must not change a single result. Compared here with the
 * string input molimport used before, on every molfile of every SDF fixture.
 */
import { basename } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeIdentifiers } from '../../src/chem/compute.js';
import type { Toolkit } from '../../src/chem/rdkit-loader.js';
import { clearLogs, loadToolkit, toolkitReason, utf8 } from '../../src/chem/rdkit-loader.js';
import { standardizeStructure } from '../../src/chem/standardize.js';
import { readSdf, sdfFiles } from './helpers.js';

let toolkit: Toolkit;
beforeAll(async () => {
  toolkit = await loadToolkit();
});

const records = sdfFiles('pubchem_sdf', 'chembl_sdf', 'nasty_sdf')
  .flatMap(readSdf)
  .filter((r) => r.molfile !== undefined);

/** The identifiers as molimport computed them before: the molfile handed to RDKit as a string. */
function fromString(molfile: string): string {
  clearLogs(toolkit);
  const mol = toolkit.rdkit.get_mol(molfile, JSON.stringify({ sanitize: true, removeHs: true }));
  if (mol === null || !mol.is_valid()) {
    mol?.delete();
    return `refused: ${toolkitReason(toolkit, 'the toolkit could not parse the structure')}`;
  }
  try {
    const inchi = mol.get_inchi();
    return [mol.get_smiles(), inchi, inchi === '' ? '' : toolkit.rdkit.get_inchikey_for_inchi(inchi)].join(
      ' ',
    );
  } finally {
    mol.delete();
  }
}

function fromBytes(molfile: string): string {
  const outcome = computeIdentifiers(toolkit, molfile, new Set(['smiles', 'inchi', 'inchikey']));
  if (!outcome.ok) return `refused: ${outcome.reason}`;
  const v = outcome.values;
  return [v.smiles ?? '', v.inchi ?? '', v.inchikey ?? ''].join(' ');
}

describe('structures handed to RDKit as UTF-8 bytes', () => {
  it('encodes as embind does for a string (non-ASCII included)', () => {
    expect(Buffer.from(utf8('Ca²⁺ µ-oxo  M  END')).toString('utf8')).toBe('Ca²⁺ µ-oxo  M  END');
  });

  it('gives the same SMILES, InChI, InChIKey or refusal as the string did, on every fixture molfile', () => {
    expect(records.length).toBeGreaterThan(4000);
    // Non-ASCII bytes reach RDKit too (a title line, a garbage tail): their encoding is compared.
    expect(records.some((r) => [...(r.molfile ?? '')].some((c) => c.charCodeAt(0) > 127))).toBe(true);
    const differ: string[] = [];
    for (const record of records) {
      const before = fromString(record.molfile!);
      const after = fromBytes(record.molfile!);
      if (before !== after) differ.push(`${basename(record.file)} #${record.record}: ${before} | ${after}`);
    }
    expect(differ).toEqual([]);
  }, 600_000);

  it('gives the standardiser the same structures (ChEMBL fixtures: std and parent keys)', () => {
    const chembl = records.filter((r) => /chembl/i.test(r.file)).slice(0, 300);
    let compared = 0;
    for (const record of chembl) {
      const outcome = standardizeStructure(toolkit, record.molfile!);
      // The standardiser's own InChIKey of an untouched structure is the plain computed one.
      if (outcome.ok && outcome.values.stdChanges.length === 0 && outcome.values.stdInchikey !== null) {
        expect(outcome.values.stdInchikey).toBe(fromString(record.molfile!).split(' ')[2]);
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(100);
  }, 600_000);
});
