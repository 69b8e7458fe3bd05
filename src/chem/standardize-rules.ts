/**
 * The standardiser's normalisation rules, in the spirit of the ChEMBL Structure Pipeline's
 * normaliser (which derives from MolVS): each turns one common drawing of a functional group into
 * the form ChEMBL registers, or repairs a drawing RDKit refuses (pentavalent nitrogen, a dative
 * N→B bond drawn as a plain bond). Written as graph edits because RDKit's WASM build has no
 * MolStandardize; docs/chemistry.md gives each rule with an example, and the tests check each one.
 */
import type { GraphBond, MolGraph } from './mol-graph.js';
import { bondsOfAtoms, isRingBond, otherAtom, valence } from './mol-graph.js';

export interface NormalizationRule {
  /** Short kebab-case name, recorded in a row's `molimport_standardized`. */
  name: string;
  /** Applies the rule once where it matches; returns whether it changed the graph. */
  applyOnce(graph: MolGraph): boolean;
}

const Z = { H: 1, B: 5, C: 6, N: 7, O: 8, F: 9, S: 16, Cl: 17, Br: 35, I: 53, Li: 3, Na: 11, K: 19 } as const;

/** The atom's bonds as [bond, neighbour index] pairs. */
function neighbours(graph: MolGraph, atom: number, bondsOf: number[][]): Array<[GraphBond, number]> {
  return (bondsOf[atom] ?? []).map((i) => {
    const bond = graph.bonds[i] as GraphBond;
    return [bond, otherAtom(bond, atom)];
  });
}

/** Heavy-atom degree plus hydrogens: SMARTS `X`. */
function connections(graph: MolGraph, atom: number, bondsOf: number[][]): number {
  return (bondsOf[atom]?.length ?? 0) + (graph.atoms[atom]?.hs ?? 0);
}

/** Runs `match` on each atom until one returns true (it made its edit). */
function firstAtom(graph: MolGraph, match: (atom: number, bondsOf: number[][]) => boolean): boolean {
  const bondsOf = bondsOfAtoms(graph);
  for (let i = 0; i < graph.atoms.length; i++) if (match(i, bondsOf)) return true;
  return false;
}

/**
 * Pentavalent nitrogen doubly bonded to a terminal oxygen (`R-N(=O)=O`, `R3N=O`): the N takes +1
 * and the O -1 across a single bond, ChEMBL's nitro and N-oxide form. Repairs drawings RDKit
 * refuses ("Explicit valence for atom N, 5").
 */
const pentavalentNOxide: NormalizationRule = {
  name: 'nitro-n-oxide',
  applyOnce: (g) =>
    firstAtom(g, (n, bondsOf) => {
      const atom = g.atoms[n]!;
      if (atom.z !== Z.N || atom.chg !== 0 || valence(g, n, bondsOf) !== 5) return false;
      for (const [bond, o] of neighbours(g, n, bondsOf)) {
        const oxygen = g.atoms[o]!;
        if (bond.bo === 2 && oxygen.z === Z.O && oxygen.chg === 0 && bondsOf[o]!.length === 1) {
          atom.chg = 1;
          oxygen.chg = -1;
          bond.bo = 1;
          bond.stereo = 'unspecified';
          return true;
        }
      }
      return false;
    }),
};

/** Pentavalent azide or diazo N (`R-N=N#N`): the middle N takes +1, the terminal N -1 (`R-N=[N+]=[N-]`). */
const pentavalentAzide: NormalizationRule = {
  name: 'azide',
  applyOnce: (g) =>
    firstAtom(g, (n, bondsOf) => {
      const atom = g.atoms[n]!;
      if (atom.z !== Z.N || atom.chg !== 0 || valence(g, n, bondsOf) !== 5) return false;
      for (const [bond, t] of neighbours(g, n, bondsOf)) {
        const terminal = g.atoms[t]!;
        if (bond.bo === 3 && terminal.z === Z.N && terminal.chg === 0 && bondsOf[t]!.length === 1) {
          atom.chg = 1;
          terminal.chg = -1;
          bond.bo = 2;
          return true;
        }
      }
      return false;
    }),
};

/** Charge-separated azide drawn the odd way (`R[N-][N+]#N`) → `RN=[N+]=[N-]`. */
const oddAzide: NormalizationRule = {
  name: 'odd-azide',
  applyOnce: (g) =>
    firstAtom(g, (n1, bondsOf) => {
      const a1 = g.atoms[n1]!;
      if (a1.z !== Z.N || a1.chg !== -1 || bondsOf[n1]!.length !== 2) return false;
      for (const [b12, n2] of neighbours(g, n1, bondsOf)) {
        const a2 = g.atoms[n2]!;
        if (b12.bo !== 1 || a2.z !== Z.N || a2.chg !== 1 || bondsOf[n2]!.length !== 2) continue;
        for (const [b23, n3] of neighbours(g, n2, bondsOf)) {
          const a3 = g.atoms[n3]!;
          if (b23.bo === 3 && a3.z === Z.N && a3.chg === 0 && bondsOf[n3]!.length === 1) {
            a1.chg = 0;
            b12.bo = 2;
            b23.bo = 2;
            a3.chg = -1;
            return true;
          }
        }
      }
      return false;
    }),
};

/** Diazonium drawn without its charge (`R-N#N`, neutral N of valence 4) → `R-[N+]#N`. */
const diazonium: NormalizationRule = {
  name: 'diazonium',
  applyOnce: (g) =>
    firstAtom(g, (n, bondsOf) => {
      const atom = g.atoms[n]!;
      if (atom.z !== Z.N || atom.chg !== 0 || connections(g, n, bondsOf) !== 2) return false;
      const triple = neighbours(g, n, bondsOf).find(
        ([bond, t]) => bond.bo === 3 && g.atoms[t]!.z === Z.N && connections(g, t, bondsOf) === 1,
      );
      if (triple === undefined || valence(g, n, bondsOf) !== 4) return false;
      atom.chg = 1;
      return true;
    }),
};

/**
 * Neutral nitrogen of valence 4 with three or four connections (`X3`/`X4`) → `[N+]`: quaternary
 * ammonium or iminium drawn without its charge (`C=N(C)C`, a pyridinium N drawn neutral), and the
 * N of an N→B dative bond drawn as a plain bond. (The pipeline's own rule takes `X4` only; its
 * published examples also charge the `X3` iminium, e.g. example 23.) Two connections are left
 * alone: an uncharged `R-N#C` isonitrile or `=N=` needs a counter-charge, not a cation.
 */
const quaternaryN: NormalizationRule = {
  name: 'quaternary-n',
  applyOnce: (g) =>
    firstAtom(g, (n, bondsOf) => {
      const atom = g.atoms[n]!;
      if (atom.z !== Z.N || atom.chg !== 0 || atom.nRad !== 0) return false;
      if (connections(g, n, bondsOf) < 3 || valence(g, n, bondsOf) !== 4) return false;
      atom.chg = 1;
      return true;
    }),
};

/**
 * Azide or diazo drawn without charges (`R-N=N=N`, `R2C=N=N`: a neutral middle N with two double
 * bonds, one to a terminal N) → `R-N=[N+]=[N-]`, `R2C=[N+]=[N-]` (the published example 52). The
 * terminal N loses the H RDKit would give it.
 */
const unchargedAzide: NormalizationRule = {
  name: 'uncharged-azide',
  applyOnce: (g) =>
    firstAtom(g, (n, bondsOf) => {
      const atom = g.atoms[n]!;
      if (atom.z !== Z.N || atom.chg !== 0 || atom.hs !== 0 || bondsOf[n]!.length !== 2) return false;
      const nbrs = neighbours(g, n, bondsOf);
      if (!nbrs.every(([bond]) => bond.bo === 2)) return false;
      const terminal = nbrs.find(
        ([, t]) => g.atoms[t]!.z === Z.N && g.atoms[t]!.chg === 0 && bondsOf[t]!.length === 1,
      );
      if (terminal === undefined) return false;
      atom.chg = 1;
      g.atoms[terminal[1]]!.chg = -1;
      g.atoms[terminal[1]]!.hs = 0;
      return true;
    }),
};

/** Neutral boron of valence 4 (the B of an N→B or O→B dative bond drawn plain) → `[B-]`. */
const tetravalentBoron: NormalizationRule = {
  name: 'boron-ate',
  applyOnce: (g) =>
    firstAtom(g, (b, bondsOf) => {
      const atom = g.atoms[b]!;
      if (atom.z !== Z.B || atom.chg !== 0 || valence(g, b, bondsOf) !== 4) return false;
      atom.chg = -1;
      return true;
    }),
};

/** Neutral oxygen of valence 3 (`*=O-C`) → `*=[O+]-C`. */
const trivalentO: NormalizationRule = {
  name: 'trivalent-o',
  applyOnce: (g) =>
    firstAtom(g, (o, bondsOf) => {
      const atom = g.atoms[o]!;
      if (atom.z !== Z.O || atom.chg !== 0 || connections(g, o, bondsOf) !== 2) return false;
      if (valence(g, o, bondsOf) !== 3) return false;
      const nbrs = neighbours(g, o, bondsOf);
      if (
        !nbrs.some(([bond]) => bond.bo === 2) ||
        !nbrs.some(([bond, c]) => bond.bo === 1 && g.atoms[c]!.z === Z.C)
      )
        return false;
      atom.chg = 1;
      return true;
    }),
};

/**
 * Sulfoxide `R-S(=O)-R'` (neutral S, three heavy neighbours, no other O) → `R-[S+]([O-])-R'`,
 * ChEMBL's registered form; the `[SH+](=O)` drawing loses its stray H on the way.
 */
const sulfoxide: NormalizationRule = {
  name: 'sulfoxide',
  applyOnce: (g) =>
    firstAtom(g, (s, bondsOf) => {
      const atom = g.atoms[s]!;
      if (atom.z !== Z.S || bondsOf[s]!.length !== 3) return false;
      const protonated = atom.chg === 1 && atom.hs === 1;
      if (!(atom.chg === 0 || protonated)) return false;
      const nbrs = neighbours(g, s, bondsOf);
      const oxo = nbrs.filter(
        ([bond, o]) => bond.bo === 2 && g.atoms[o]!.z === Z.O && bondsOf[o]!.length === 1,
      );
      const others = nbrs.filter(([, x]) => g.atoms[x]!.z !== Z.O);
      if (oxo.length !== 1 || others.length !== 2) return false;
      const [bond, o] = oxo[0]!;
      if (g.atoms[o]!.chg !== 0) return false;
      atom.chg = 1;
      atom.hs = 0;
      bond.bo = 1;
      g.atoms[o]!.chg = -1;
      return true;
    }),
};

/**
 * Neutral S with two heavy neighbours, `=O` and `-C`, bonds of valence 3 (`O=S-C`) → `O=[S+]-C`.
 * The H RDKit gives such an S to reach valence 4 (`C[SH]=O`) goes: the pipeline's rule (`D2`)
 * ignores hydrogens, and a molfile cannot say whether that H was meant.
 */
const trivalentS: NormalizationRule = {
  name: 'trivalent-s',
  applyOnce: (g) =>
    firstAtom(g, (s, bondsOf) => {
      const atom = g.atoms[s]!;
      if (atom.z !== Z.S || atom.chg !== 0 || bondsOf[s]!.length !== 2 || atom.hs > 1) return false;
      const nbrs = neighbours(g, s, bondsOf);
      const hasOxo = nbrs.some(([bond, o]) => bond.bo === 2 && g.atoms[o]!.z === Z.O);
      const hasC = nbrs.some(([bond, c]) => bond.bo === 1 && g.atoms[c]!.z === Z.C);
      if (!hasOxo || !hasC || valence(g, s, bondsOf) - atom.hs !== 3) return false;
      atom.chg = 1;
      atom.hs = 0;
      return true;
    }),
};

/** Imidic acid `C(-OH)=N` on an acyclic bond → amide `C(=O)-NH`. */
const amideTautomer: NormalizationRule = {
  name: 'amide-tautomer',
  applyOnce: (g) => {
    const bondsOf = bondsOfAtoms(g);
    for (let c = 0; c < g.atoms.length; c++) {
      if (g.atoms[c]!.z !== Z.C) continue;
      const nbrs = neighbours(g, c, bondsOf);
      const hydroxy = nbrs.find(
        ([bond, o]) =>
          bond.bo === 1 &&
          g.atoms[o]!.z === Z.O &&
          g.atoms[o]!.chg === 0 &&
          g.atoms[o]!.hs === 1 &&
          bondsOf[o]!.length === 1,
      );
      if (hydroxy === undefined) continue;
      for (const [bond, n] of nbrs) {
        const nitrogen = g.atoms[n]!;
        if (bond.bo !== 2 || nitrogen.z !== Z.N || nitrogen.chg !== 0) continue;
        if (
          nitrogen.hs > 1 ||
          isRingBond(
            g,
            (bondsOf[c] ?? []).find((i) => g.bonds[i] === bond)!,
            bondsOf,
          )
        )
          continue;
        const [single, o] = hydroxy;
        single.bo = 2;
        g.atoms[o]!.hs = 0;
        bond.bo = 1;
        bond.stereo = 'unspecified';
        bond.stereoAtoms = undefined;
        nitrogen.hs += 1;
        return true;
      }
    }
    return false;
  },
};

/** A lone neutral halogen with no hydrogen (`[Cl]`, a radical as drawn) → halide `[Cl-]`. */
const lonelyHalogen: NormalizationRule = {
  name: 'halide',
  applyOnce: (g) =>
    firstAtom(g, (x, bondsOf) => {
      const atom = g.atoms[x]!;
      const halogen = atom.z === Z.F || atom.z === Z.Cl || atom.z === Z.Br || atom.z === Z.I;
      if (!halogen || atom.chg !== 0 || connections(g, x, bondsOf) !== 0) return false;
      atom.chg = -1;
      atom.nRad = 0;
      return true;
    }),
};

/** Pyridine/pyridazine N-oxide drawn as `[C-]-[N+2]-[O-]` → `C=[N+]-[O-]`. */
const oddNOxide: NormalizationRule = {
  name: 'odd-n-oxide',
  applyOnce: (g) =>
    firstAtom(g, (n, bondsOf) => {
      const atom = g.atoms[n]!;
      if (atom.z !== Z.N || atom.chg !== 2 || bondsOf[n]!.length !== 3) return false;
      const nbrs = neighbours(g, n, bondsOf);
      const oxide = nbrs.find(
        ([, o]) => g.atoms[o]!.z === Z.O && g.atoms[o]!.chg === -1 && bondsOf[o]!.length === 1,
      );
      const anion = nbrs.find(
        ([bond, x]) =>
          bond.bo === 1 &&
          (g.atoms[x]!.z === Z.C || g.atoms[x]!.z === Z.N) &&
          g.atoms[x]!.chg === -1 &&
          [2, 3].includes(bondsOf[x]!.length),
      );
      if (oxide === undefined || anion === undefined) return false;
      atom.chg = 1;
      g.atoms[anion[1]]!.chg = 0;
      anion[0].bo = 2;
      return true;
    }),
};

/** Alkali metal bonded to N or O (`[Na]-O-R`) → the ion pair `[Na+].[O-]-R`. */
const alkaliSalt: NormalizationRule = {
  name: 'alkali-salt',
  applyOnce: (g) => {
    for (let i = 0; i < g.bonds.length; i++) {
      const bond = g.bonds[i]!;
      for (const [m, x] of [
        [bond.a, bond.b],
        [bond.b, bond.a],
      ] as const) {
        const metal = g.atoms[m]!;
        const other = g.atoms[x]!;
        const alkali = metal.z === Z.Li || metal.z === Z.Na || metal.z === Z.K;
        if (!alkali || metal.chg !== 0 || bond.bo !== 1) continue;
        if ((other.z !== Z.O && other.z !== Z.N) || other.chg !== 0) continue;
        metal.chg = 1;
        other.chg = -1;
        g.bonds.splice(i, 1);
        return true;
      }
    }
    return false;
  },
};

/** Every rule, in the order they are tried; each round applies the first that matches. */
export const NORMALIZATION_RULES: readonly NormalizationRule[] = [
  alkaliSalt,
  pentavalentNOxide,
  pentavalentAzide,
  diazonium,
  unchargedAzide,
  quaternaryN,
  tetravalentBoron,
  trivalentO,
  sulfoxide,
  trivalentS,
  amideTautomer,
  lonelyHalogen,
  oddNOxide,
  oddAzide,
];

/**
 * Applies the rules until none matches (bounded), and returns the name of each rule that fired,
 * once per firing, in order.
 */
export function normalize(graph: MolGraph, maxSteps = 200): string[] {
  const applied: string[] = [];
  for (let step = 0; step < maxSteps; step++) {
    const rule = NORMALIZATION_RULES.find((r) => r.applyOnce(graph));
    if (rule === undefined) break;
    applied.push(rule.name);
  }
  return applied;
}

export { Z as ELEMENT, neighbours };

/**
 * Metals whose compounds the ChEMBL pipeline leaves unstandardised (its exclusion flag; Zn is not
 * among them, most of its compounds being simple salts), by atomic number.
 */
const EXCLUDED_METALS = new Set([
  21, 22, 23, 24, 25, 26, 27, 28, 29, 31, 32, 39, 40, 41, 42, 43, 44, 45, 46, 48, 49, 50, 51, 57, 58, 59, 60,
  61, 62, 63, 64, 65, 66, 67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 80, 81, 82, 83, 84, 89, 90, 91,
  92, 93, 94, 95, 96, 97, 98, 99, 100, 101, 102, 103,
]);

/** Whether the pipeline would leave this structure as drawn: one of those metals, or more than 7 borons. */
export function isExcluded(graph: MolGraph): boolean {
  let borons = 0;
  for (const atom of graph.atoms) {
    if (EXCLUDED_METALS.has(atom.z)) return true;
    if (atom.z === Z.B) borons += 1;
  }
  return borons > 7;
}

/**
 * A free tartaric acid or tartrate fragment (`OC(=O)C(O)C(O)C(=O)O`, any charges) beside other
 * fragments loses its tetrahedral stereo, as in the pipeline: counter-ion tartrate is registered
 * without it. Tartaric acid on its own (itself an approved drug, L-tartaric acid) keeps it.
 * Returns whether any stereo was removed.
 */
export function flattenTartrate(graph: MolGraph): boolean {
  const bondsOf = bondsOfAtoms(graph);
  // Ten heavy atoms, nine bonds: a structure that is only the tartrate has no counter-ion.
  if (graph.atoms.filter((a) => a.z !== Z.H).length <= 10) return false;
  const oxygens = (c: number): number[] =>
    neighbours(graph, c, bondsOf)
      .map(([, x]) => x)
      .filter((x) => graph.atoms[x]!.z === Z.O && bondsOf[x]!.length === 1);
  const carbons = (c: number): number[] =>
    neighbours(graph, c, bondsOf)
      .map(([, x]) => x)
      .filter((x) => graph.atoms[x]!.z === Z.C);
  let changed = false;
  graph.atoms.forEach((atom, c2) => {
    // c2 and c3: the CH(O) pair, each with one O and two carbons; c1 and c4: carboxyls.
    if (atom.z !== Z.C || bondsOf[c2]!.length !== 3 || oxygens(c2).length !== 1) return;
    const [x, y] = carbons(c2);
    if (x === undefined || y === undefined) return;
    for (const [c1, c3] of [
      [x, y],
      [y, x],
    ] as const) {
      if (bondsOf[c3]!.length !== 3 || oxygens(c3).length !== 1) continue;
      const c4 = carbons(c3).find((c) => c !== c2);
      const carboxyl = (c: number | undefined): boolean =>
        c !== undefined && bondsOf[c]!.length === 3 && oxygens(c).length === 2;
      if (!carboxyl(c1) || !carboxyl(c4)) continue;
      for (const c of [c2, c3]) {
        if (graph.atoms[c]!.stereo !== 'unspecified') {
          graph.atoms[c]!.stereo = 'unspecified';
          changed = true;
        }
      }
    }
  });
  return changed;
}
