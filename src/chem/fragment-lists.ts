/**
 * The ChEMBL Structure Pipeline's salt and solvent lists (data/chem/, MIT), read once and
 * compiled once per RDKit instance into query molecules. A fragment is a salt or solvent when it
 * has exactly as many atoms and bonds as an entry and matches it as a substructure — the
 * pipeline's own test, which ignores charges and hydrogens (so `Cl` matches `[Cl-]`).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Mol } from '@rdkit/rdkit';
import { ChemistryError } from '../errors.js';
import type { Toolkit } from './rdkit-loader.js';

export interface FragmentPattern {
  name: string;
  /** One or more query molecules: the entry as written and, when it differs, its standardised form. */
  queries: Mol[];
  atoms: number;
  bonds: number;
}

export interface FragmentLists {
  solvents: FragmentPattern[];
  salts: FragmentPattern[];
  /** Most atoms of any entry: larger fragments are never checked. */
  maxAtoms: number;
}

export interface FragmentListEntry {
  name: string;
  smiles: string;
}

/** `name<TAB>SMILES` lines; `#` comments and blank lines skipped. */
export function parseFragmentList(text: string, file: string): FragmentListEntry[] {
  const entries: FragmentListEntry[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '' || line.startsWith('#')) return;
    const parts = line.split('\t');
    if (parts.length !== 2 || parts[1]!.trim() === '') {
      throw new ChemistryError(`${file}, line ${index + 1}: expected "name<TAB>SMILES", received "${line}"`);
    }
    entries.push({ name: parts[0]!.trim(), smiles: parts[1]!.trim() });
  });
  return entries;
}

/** The data folder shipped with the package (`data/chem/`, beside `src/` and `dist/`). */
export function dataFile(name: string): string {
  return fileURLToPath(new URL(`../../data/chem/${name}`, import.meta.url));
}

let entries: { solvents: FragmentListEntry[]; salts: FragmentListEntry[] } | undefined;

function readLists(): { solvents: FragmentListEntry[]; salts: FragmentListEntry[] } {
  entries ??= {
    solvents: parseFragmentList(readFileSync(dataFile('chembl_solvents.smi'), 'utf8'), 'chembl_solvents.smi'),
    salts: parseFragmentList(readFileSync(dataFile('chembl_salts.smi'), 'utf8'), 'chembl_salts.smi'),
  };
  return entries;
}

const compiled = new WeakMap<Toolkit, FragmentLists>();

/**
 * The lists compiled for this toolkit (kept for its life). `standardForm` maps an entry's SMILES to
 * its standardised SMILES, so a fragment the standardiser rewrote (DMSO's `S=O` → `[S+][O-]`)
 * still matches its entry.
 */
export function fragmentLists(
  toolkit: Toolkit,
  standardForm: (smiles: string) => string | null,
): FragmentLists {
  const cached = compiled.get(toolkit);
  if (cached !== undefined) return cached;
  const compile = (list: FragmentListEntry[]): FragmentPattern[] =>
    list.map(({ name, smiles }) => {
      const query = toolkit.rdkit.get_qmol(smiles);
      if (query === null || !query.is_valid())
        throw new ChemistryError(`salt/solvent list: bad SMARTS for ${name}`);
      const queries = [query];
      const std = standardForm(smiles);
      if (std !== null && std !== smiles) {
        const alt = toolkit.rdkit.get_qmol(std);
        if (alt !== null && alt.is_valid()) queries.push(alt);
      }
      return { name, queries, atoms: query.get_num_atoms(), bonds: query.get_num_bonds() };
    });
  const { solvents, salts } = readLists();
  const lists: FragmentLists = { solvents: compile(solvents), salts: compile(salts), maxAtoms: 0 };
  lists.maxAtoms = Math.max(...[...lists.solvents, ...lists.salts].map((p) => p.atoms));
  compiled.set(toolkit, lists);
  return lists;
}

/** The first entry of `patterns` the fragment is (same atom and bond counts, substructure match). */
export function matchFragment(
  fragment: Mol,
  patterns: readonly FragmentPattern[],
): FragmentPattern | undefined {
  const atoms = fragment.get_num_atoms(true);
  const bonds = fragment.get_num_bonds();
  return patterns.find(
    (p) =>
      p.atoms === atoms &&
      p.bonds === bonds &&
      p.queries.some((q) => fragment.get_substruct_match(q) !== '{}'),
  );
}
