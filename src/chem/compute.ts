/**
 * Identifiers computed from one structure with RDKit: canonical SMILES, standard InChI and
 * InChIKey, Hill formula and average molecular weight. No I/O; the toolkit is passed in.
 */
import type { ComputedValues, ComputeField } from './fields.js';
import type { Mol } from '@rdkit/rdkit';
import type { Toolkit } from './rdkit-loader.js';
import { molfileFormulaAtoms } from './molfile-formula.js';
import { drainLog, withMol } from './rdkit-loader.js';
import type { ChemNote } from './warnings.js';

export type ComputeOutcome =
  | {
      ok: true;
      values: ComputedValues;
      /** One message per requested field that could not be computed (its value is absent). */
      warnings: string[];
      /** RDKit's own warnings while reading the structure and making its InChI, when any. */
      notes?: ChemNote[];
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
  options: { parseFree?: boolean } = {},
): ComputeOutcome {
  // Formula and weight alone, when validation is not asked: read from the molfile, no RDKit parse.
  if (options.parseFree === true && [...fields].every((f) => f === 'formula' || f === 'mw')) {
    const quick = quickFormulaAndWeight(toolkit, structure, fields);
    if (quick !== undefined) return { ok: true, values: quick, warnings: [] };
  }
  const outcome = withMol(toolkit, structure, (mol) => identifiersOfMol(toolkit, mol, fields));
  return outcome.ok ? { ok: true, ...outcome.value } : outcome;
}

/**
 * The requested identifiers of a molecule RDKit has just read (the warning log still holds what
 * it said while reading): shared by `computeIdentifiers` and the worker's single-parse path.
 */
export function identifiersOfMol(
  toolkit: Toolkit,
  mol: Mol,
  fields: ReadonlySet<ComputeField>,
): { values: ComputedValues; warnings: string[]; notes?: ChemNote[] } {
  const values: ComputedValues = {};
  const warnings: string[] = [];
  const notes = rdkitNotes(drainLog(toolkit.warningLog));
  if (fields.has('smiles')) {
    const smiles = mol.get_smiles();
    if (smiles !== '') values.smiles = smiles;
    else warnings.push('SMILES generation failed');
  }
  if (fields.has('inchi') || fields.has('inchikey')) {
    drainLog(toolkit.errorLog);
    const inchi = mol.get_inchi();
    notes.push(...rdkitNotes(drainLog(toolkit.warningLog)));
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
  // Formula and weight come from the atoms alone: RDKit's descriptor set costs as much as an InChI.
  const atoms = fields.has('formula') || fields.has('mw') ? atomsOfJson(mol.get_json()) : [];
  if (fields.has('formula')) values.formula = hillFormula(atoms);
  if (fields.has('mw')) {
    const amw = averageWeight(toolkit, atoms) ?? descriptorWeight(mol.get_descriptors());
    if (amw !== undefined) values.molWeight = Math.round(amw * 10_000) / 10_000;
    else warnings.push('molecular weight not available');
  }
  return notes.length > 0 ? { values, warnings, notes } : { values, warnings };
}

function quickFormulaAndWeight(
  toolkit: Toolkit,
  structure: string,
  fields: ReadonlySet<ComputeField>,
): ComputedValues | undefined {
  const atoms = structure.includes('M  END') ? molfileFormulaAtoms(structure) : undefined;
  if (atoms === undefined) return undefined;
  const values: ComputedValues = {};
  if (fields.has('formula')) values.formula = hillFormula(atoms);
  if (fields.has('mw')) {
    const amw = averageWeight(toolkit, atoms);
    if (amw === undefined) return undefined;
    values.molWeight = Math.round(amw * 10_000) / 10_000;
  }
  return values;
}

/** RDKit's warning lines as notes, duplicates dropped, each cut to 200 characters. */
export function rdkitNotes(lines: string[]): ChemNote[] {
  return [...new Set(lines)].map((line) => ({
    kind: 'rdkit',
    message: shorten(line.replace(/^Warning:\s*/i, '').replace(/\s+/g, ' ')),
  }));
}

function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

function descriptorWeight(json: string): number | undefined {
  const descriptors = JSON.parse(json) as { amw?: unknown };
  return typeof descriptors.amw === 'number' && Number.isFinite(descriptors.amw)
    ? descriptors.amw
    : undefined;
}

/** Average atomic weight per atomic number, as RDKit's `amw` counts it, read from RDKit once. */
const weightTables = new WeakMap<Toolkit, Map<number, number>>();

/**
 * The molecule's average weight summed from RDKit's own atomic weights (each learnt by asking
 * RDKit for the `amw` of a lone atom), or undefined when an atom carries an isotope (RDKit then
 * uses the isotope's mass) or is unknown: the caller falls back to the descriptor set.
 */
export function averageWeight(toolkit: Toolkit, atoms: readonly FormulaAtom[]): number | undefined {
  let table = weightTables.get(toolkit);
  if (table === undefined) {
    table = new Map();
    weightTables.set(toolkit, table);
  }
  let total = 0;
  for (const atom of atoms) {
    if (atom.isotope !== undefined && atom.isotope !== 0) return undefined;
    const weight = elementWeight(toolkit, table, atom.z);
    const hydrogen = atom.hydrogens > 0 ? elementWeight(toolkit, table, 1) : 0;
    if (weight === undefined || hydrogen === undefined) return undefined;
    total += weight + atom.hydrogens * hydrogen;
  }
  return total;
}

function elementWeight(toolkit: Toolkit, table: Map<number, number>, z: number): number | undefined {
  const known = table.get(z);
  if (known !== undefined) return known;
  const symbol = z === 0 ? '*' : ELEMENTS[z - 1];
  if (symbol === undefined) return undefined;
  const outcome = withMol(toolkit, `[${symbol}]`, (mol) => descriptorWeight(mol.get_descriptors()));
  if (!outcome.ok || outcome.value === undefined) return undefined;
  table.set(z, outcome.value);
  return outcome.value;
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
  /** Mass number when the atom is a specific isotope, else 0 or absent. */
  isotope?: number;
}

interface RdkitJson {
  defaults?: { atom?: { z?: number; impHs?: number; chg?: number; isotope?: number } };
  molecules?: Array<{ atoms?: Array<{ z?: number; impHs?: number; chg?: number; isotope?: number }> }>;
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
        isotope: atom.isotope ?? d.isotope ?? 0,
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
