/**
 * `--compute formula,mw` without RDKit parsing the structure: atoms, charges and implicit
 * hydrogens read straight from a V2000 molfile, with RDKit's default valences (and its
 * isoelectronic rule for charged atoms: N+ counts as C, O- as F). Anything this does not model
 * exactly — V3000, aromatic or query bonds, query atoms, radicals, valence or H-count fields,
 * an element it has no valences for, a valence above the largest allowed — returns undefined and
 * the caller asks RDKit. Parsing a molfile in RDKit costs about as much as half an InChI, so this is
 * what makes `formula` and `mw` cheap.
 */
import type { FormulaAtom } from './compute.js';

/** RDKit's allowed valences of the neutral main-group elements it models here, by atomic number. */
const VALENCES: Record<number, readonly number[]> = {
  1: [1],
  2: [0],
  3: [1],
  4: [2],
  5: [3],
  6: [4],
  7: [3],
  8: [2],
  9: [1],
  10: [0],
  11: [1],
  12: [2],
  13: [3],
  14: [4],
  15: [3, 5, 7],
  16: [2, 4, 6],
  17: [1],
  18: [0],
  19: [1],
  20: [2],
  34: [2, 4, 6],
  35: [1],
  36: [0],
  53: [1],
  54: [0],
};

const SYMBOLS: Record<string, number> = {
  H: 1,
  He: 2,
  Li: 3,
  Be: 4,
  B: 5,
  C: 6,
  N: 7,
  O: 8,
  F: 9,
  Ne: 10,
  Na: 11,
  Mg: 12,
  Al: 13,
  Si: 14,
  P: 15,
  S: 16,
  Cl: 17,
  Ar: 18,
  K: 19,
  Ca: 20,
  Se: 34,
  Br: 35,
  Kr: 36,
  I: 53,
  Xe: 54,
};

/** V2000 atom-block charge codes (used only when there is no `M  CHG` line). */
const CHARGE_CODE: Record<number, number> = { 0: 0, 1: 3, 2: 2, 3: 1, 5: -1, 6: -2, 7: -3 };

/** The atoms of a V2000 molfile as the Hill formula needs them, or undefined when unsure. */
export function molfileFormulaAtoms(molfile: string): FormulaAtom[] | undefined {
  const lines = molfile.split('\n');
  const counts = lines[3];
  if (counts === undefined || !counts.includes('V2000')) return undefined;
  const n = Number(counts.slice(0, 3));
  const m = Number(counts.slice(3, 6));
  if (!Number.isInteger(n) || !Number.isInteger(m) || n < 1) return undefined;
  const atoms: Array<FormulaAtom & { bonds: number }> = [];
  for (let i = 0; i < n; i++) {
    const line = lines[4 + i];
    if (line === undefined || line.length < 34) return undefined;
    const z = SYMBOLS[line.slice(31, 34).trim()];
    if (z === undefined) return undefined;
    const massDiff = Number(line.slice(34, 36).trim() || '0');
    const chargeCode = Number(line.slice(36, 39).trim() || '0');
    const hCount = Number(line.slice(42, 45).trim() || '0');
    const valence = Number(line.slice(48, 51).trim() || '0');
    const charge = CHARGE_CODE[chargeCode];
    if (massDiff !== 0 || charge === undefined || hCount !== 0 || valence !== 0) return undefined;
    atoms.push({ z, hydrogens: 0, charge, isotope: 0, bonds: 0 });
  }
  for (let i = 0; i < m; i++) {
    const line = lines[4 + n + i];
    if (line === undefined) return undefined;
    const a = Number(line.slice(0, 3));
    const b = Number(line.slice(3, 6));
    const order = Number(line.slice(6, 9));
    if (![1, 2, 3].includes(order)) return undefined;
    const first = atoms[a - 1];
    const second = atoms[b - 1];
    if (first === undefined || second === undefined || a === b) return undefined;
    first.bonds += order;
    second.bonds += order;
  }
  let chargeLines = false;
  for (let i = 4 + n + m; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line.startsWith('M  END')) break;
    if (line.startsWith('M  CHG')) {
      if (!chargeLines) for (const atom of atoms) atom.charge = 0;
      chargeLines = true;
      const fields = line.slice(6).trim().split(/\s+/).map(Number);
      for (let k = 1; k + 1 < fields.length; k += 2) {
        const atom = atoms[(fields[k] ?? 0) - 1];
        if (atom === undefined || !Number.isInteger(fields[k + 1])) return undefined;
        atom.charge = fields[k + 1] as number;
      }
    } else if (
      line.startsWith('M  ') &&
      !/^M {2}(STY|SLB|SAL|SBL|SDI|SMT|SCN|SPL|SNC|SDS|SDT|SDD|SCD|SED|SPA)/.test(line)
    ) {
      // Isotopes, radicals, queries, R-groups, atom lists, …: RDKit knows them, this does not.
      return undefined;
    } else if (/^[AVG] /.test(line)) {
      return undefined;
    }
  }
  for (const atom of atoms) {
    const allowed = VALENCES[atom.z - atom.charge];
    if (allowed === undefined || (atom.charge !== 0 && (atom.z === 1 || atom.z - atom.charge < 5))) {
      // Charged H, metals and the like: RDKit's rules differ (no isoelectronic shift for metals).
      if (atom.charge === 0 || atom.bonds !== 0 || ![3, 11, 12, 19, 20].includes(atom.z)) return undefined;
      atom.hydrogens = 0; // Li+, Na+, K+, Mg2+, Ca2+ alone: no hydrogens.
      continue;
    }
    const target = allowed.find((v) => v >= atom.bonds);
    if (target === undefined) return undefined;
    atom.hydrogens = target - atom.bonds;
  }
  return atoms.map(({ z, hydrogens, charge }) => ({ z, hydrogens, charge, isotope: 0 }));
}
