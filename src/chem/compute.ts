/**
 * Identifiers computed from one structure with RDKit: canonical SMILES, standard InChI and
 * InChIKey, Hill formula and average molecular weight. No I/O; the toolkit is passed in.
 */
import type { ComputedValues, ComputeField } from './fields.js';
import type { Toolkit } from './rdkit-loader.js';
import { drainLog, withMol } from './rdkit-loader.js';

export type ComputeOutcome =
  | {
      ok: true;
      values: ComputedValues;
      /** One message per requested field that could not be computed (its value is absent). */
      warnings: string[];
    }
  | { ok: false; reason: string };

export type ValidationOutcome = { ok: true } | { ok: false; reason: string };

/**
 * Computes the requested identifiers from a molfile (or a SMILES string). `ok: false` means the
 * toolkit refused the structure, with its reason; a field that fails on a parsed molecule (InChI
 * of a query atom, say) is left out and explained in `warnings`.
 */
export function computeIdentifiers(
  toolkit: Toolkit,
  structure: string,
  fields: ReadonlySet<ComputeField>,
): ComputeOutcome {
  const outcome = withMol(toolkit, structure, (mol) => {
    const values: ComputedValues = {};
    const warnings: string[] = [];
    if (fields.has('smiles')) {
      const smiles = mol.get_smiles();
      if (smiles !== '') values.smiles = smiles;
      else warnings.push('SMILES generation failed');
    }
    if (fields.has('inchi') || fields.has('inchikey')) {
      drainLog(toolkit.errorLog);
      const inchi = mol.get_inchi();
      if (inchi === '') {
        const why = drainLog(toolkit.errorLog).join('; ');
        warnings.push(`InChI generation failed${why === '' ? '' : `: ${why}`}`);
      } else {
        if (fields.has('inchi')) values.inchi = inchi;
        if (fields.has('inchikey')) {
          const key = toolkit.rdkit.get_inchikey_for_inchi(inchi);
          if (key !== '') values.inchikey = key;
          else warnings.push('InChIKey generation failed');
        }
      }
    }
    if (fields.has('formula')) {
      values.formula = hillFormula(atomsOfJson(mol.get_json()));
    }
    if (fields.has('mw')) {
      const descriptors = JSON.parse(mol.get_descriptors()) as { amw?: unknown };
      if (typeof descriptors.amw === 'number' && Number.isFinite(descriptors.amw)) {
        values.molWeight = Math.round(descriptors.amw * 10_000) / 10_000;
      } else {
        warnings.push('molecular weight not available');
      }
    }
    return { values, warnings };
  });
  return outcome.ok ? { ok: true, ...outcome.value } : outcome;
}

/** Whether RDKit accepts the structure (parses and sanitises: valences, aromaticity, rings). */
export function validateMolecule(toolkit: Toolkit, structure: string): ValidationOutcome {
  const outcome = withMol(toolkit, structure, () => true);
  return outcome.ok ? { ok: true } : outcome;
}

/** One atom as the Hill formula sees it. */
export interface FormulaAtom {
  /** Atomic number; 0 for a dummy / query atom (`*`). */
  z: number;
  /** Hydrogens attached but not present as atoms (implicit plus explicit-count). */
  hydrogens: number;
  charge: number;
}

interface RdkitJson {
  defaults?: { atom?: { z?: number; impHs?: number; chg?: number } };
  molecules?: Array<{ atoms?: Array<{ z?: number; impHs?: number; chg?: number }> }>;
}

/** Atoms from RDKit's `get_json()` (commonchem-style, with per-atom overrides of `defaults`). */
export function atomsOfJson(json: string): FormulaAtom[] {
  const doc = JSON.parse(json) as RdkitJson;
  const d = doc.defaults?.atom ?? {};
  const atoms: FormulaAtom[] = [];
  for (const molecule of doc.molecules ?? []) {
    for (const atom of molecule.atoms ?? []) {
      atoms.push({
        z: atom.z ?? d.z ?? 6,
        hydrogens: atom.impHs ?? d.impHs ?? 0,
        charge: atom.chg ?? d.chg ?? 0,
      });
    }
  }
  return atoms;
}

/**
 * The molecular formula in Hill order (C, then H, then the rest alphabetically; alphabetical
 * throughout when there is no carbon), isotopes counted as their element, net charge appended as
 * `+`, `-`, `+2`, `-3` — the convention of RDKit's `CalcMolFormula` and PubChem's
 * `PUBCHEM_MOLECULAR_FORMULA`. RDKit's WASM build does not expose `CalcMolFormula`, hence this.
 */
export function hillFormula(atoms: readonly FormulaAtom[]): string {
  const counts = new Map<string, number>();
  const add = (symbol: string, n: number): void => {
    if (n > 0) counts.set(symbol, (counts.get(symbol) ?? 0) + n);
  };
  let charge = 0;
  for (const atom of atoms) {
    add(elementSymbol(atom.z), 1);
    add('H', atom.hydrogens);
    charge += atom.charge;
  }
  const symbols = [...counts.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const order = counts.has('C')
    ? ['C', ...(counts.has('H') ? ['H'] : []), ...symbols.filter((s) => s !== 'C' && s !== 'H')]
    : symbols;
  let formula = '';
  for (const symbol of order) {
    const n = counts.get(symbol) ?? 0;
    formula += n === 1 ? symbol : `${symbol}${n}`;
  }
  if (charge !== 0) {
    const sign = charge > 0 ? '+' : '-';
    formula += Math.abs(charge) === 1 ? sign : `${sign}${Math.abs(charge)}`;
  }
  return formula;
}

const ELEMENTS = (
  'H He Li Be B C N O F Ne Na Mg Al Si P S Cl Ar K Ca Sc Ti V Cr Mn Fe Co Ni Cu Zn Ga Ge As Se Br Kr ' +
  'Rb Sr Y Zr Nb Mo Tc Ru Rh Pd Ag Cd In Sn Sb Te I Xe Cs Ba La Ce Pr Nd Pm Sm Eu Gd Tb Dy Ho Er Tm ' +
  'Yb Lu Hf Ta W Re Os Ir Pt Au Hg Tl Pb Bi Po At Rn Fr Ra Ac Th Pa U Np Pu Am Cm Bk Cf Es Fm Md No ' +
  'Lr Rf Db Sg Bh Hs Mt Ds Rg Cn Nh Fl Mc Lv Ts Og'
).split(' ');

function elementSymbol(z: number): string {
  return ELEMENTS[z - 1] ?? '*';
}
