/**
 * Neutralises charges where a neutral form exists, as RDKit's `Uncharger` does for the ChEMBL
 * Structure Pipeline: protonated bases lose their proton, anions take one, but charges that
 * nothing can neutralise (quaternary N+, Na+, a tetrafluoroborate) stay balanced by keeping as
 * many opposite charges as they need, acids (carboxylate, sulfonate, phosphate, tetrazolide)
 * before alkoxides. Charge pairs on neighbouring atoms (nitro, N-oxide, azide) are left alone.
 */
import type { MolGraph } from './mol-graph.js';
import { bondsOfAtoms, otherAtom } from './mol-graph.js';

/** Elements whose anion takes a proton (a lone halide included). */
const PROTONATABLE = new Set([7, 8, 9, 15, 16, 17, 34, 35, 52, 53]);
/** Elements whose protonated cation gives up its proton. */
const DEPROTONATABLE = new Set([7, 8, 15, 16, 33, 34]);

/** Returns how many charges it removed (0 when nothing changed). */
export function uncharge(graph: MolGraph): number {
  const bondsOf = bondsOfAtoms(graph);
  const neighbourCharges = (i: number): number[] =>
    (bondsOf[i] ?? []).map((b) => graph.atoms[otherAtom(graph.bonds[b]!, i)]!.chg);
  const paired = (i: number): boolean => {
    const chg = graph.atoms[i]!.chg;
    return neighbourCharges(i).some((c) => (chg > 0 ? c < 0 : c > 0));
  };

  let fixedPositive = 0;
  let fixedNegative = 0;
  const protonatedBases: number[] = [];
  const anions: number[] = [];
  graph.atoms.forEach((atom, i) => {
    if (atom.chg === 0 || paired(i)) return;
    if (atom.chg > 0) {
      if (DEPROTONATABLE.has(atom.z) && atom.hs > 0) {
        protonatedBases.push(i);
        // The part of the charge its hydrogens cannot take away stays.
        fixedPositive += Math.max(0, atom.chg - atom.hs);
      } else {
        fixedPositive += atom.chg;
      }
    } else {
      const lone = (bondsOf[i]?.length ?? 0) === 0;
      const halogen = [9, 17, 35, 53].includes(atom.z);
      if (PROTONATABLE.has(atom.z) && (!halogen || lone) && atom.nRad === 0) anions.push(i);
      else fixedNegative -= atom.chg;
    }
  });

  let removed = 0;
  // Anions: keep as many charges as the fixed cations need, on the strongest acids.
  const keepNegative = Math.max(0, fixedPositive - fixedNegative);
  // Alkoxides and the like first, acids last: the charges kept are the acids'.
  const acid = (i: number): number => Number(isAcid(graph, i, bondsOf));
  // Within a class, lowest CIP rank first, so the result does not depend on the input's atom order.
  const rank = (i: number): number => graph.atoms[i]!.rank;
  const ordered = [...anions].sort((a, b) => acid(a) - acid(b) || rank(a) - rank(b) || a - b);
  const totalAnionCharge = ordered.reduce((sum, i) => sum - graph.atoms[i]!.chg, 0);
  let toNeutralise = Math.max(0, totalAnionCharge - keepNegative);
  for (const i of ordered) {
    const atom = graph.atoms[i]!;
    while (toNeutralise > 0 && atom.chg < 0) {
      atom.chg += 1;
      atom.hs += 1;
      toNeutralise -= 1;
      removed += 1;
    }
  }
  // Protonated bases: keep as many charges as the anions nothing can neutralise need.
  let keepPositive = Math.max(0, fixedNegative - fixedPositive);
  for (const i of protonatedBases) {
    const atom = graph.atoms[i]!;
    while (atom.chg > 0 && atom.hs > 0) {
      if (keepPositive > 0) {
        keepPositive -= 1;
        break;
      }
      atom.chg -= 1;
      atom.hs -= 1;
      removed += 1;
    }
  }
  return removed;
}

/** `[O-]` on C, P or S bearing `=O`, or a tetrazolide N: an acid's conjugate base. */
function isAcid(graph: MolGraph, i: number, bondsOf: number[][]): boolean {
  const atom = graph.atoms[i]!;
  if (atom.z === 7) {
    const ring = bondsOf[i] ?? [];
    return ring.length === 2 && ring.every((b) => graph.atoms[otherAtom(graph.bonds[b]!, i)]!.z === 7);
  }
  if (atom.z !== 8 && atom.z !== 16) return false;
  return (bondsOf[i] ?? []).some((b) => {
    const centre = otherAtom(graph.bonds[b]!, i);
    if (![6, 15, 16].includes(graph.atoms[centre]!.z)) return false;
    return (bondsOf[centre] ?? []).some((c) => {
      const bond = graph.bonds[c]!;
      const o = otherAtom(bond, centre);
      return bond.bo === 2 && graph.atoms[o]!.z === 8;
    });
  });
}
