/**
 * A molecule as plain data, read from and written back to RDKit's JSON (`Mol.get_json()`,
 * `get_mol(json)`), so the standardiser can edit charges, bonds and hydrogen counts in JavaScript:
 * RDKit's WASM build exposes no MolStandardize. Hydrogen counts are explicit (`hs`): RDKit reads
 * `impHs` back as the atom's exact count, so every rule states how it moves hydrogens.
 *
 * Coordinates are not kept: stereo travels in RDKit's atom and bond tags.
 *
 * Atom and bond order are kept as read: RDKit's tetrahedral parity (`cw`/`ccw`) is relative to
 * the order of an atom's bonds, so edits change orders and charges in place, and a subgraph keeps
 * the relative order of what it keeps.
 */

export interface GraphAtom {
  /** RDKit's CIP rank of the atom as read: an order that does not depend on the input's atom order. */
  rank: number;
  /** Atomic number (0 for a dummy atom). */
  z: number;
  /** Hydrogens on the atom that are not atoms of the graph. */
  hs: number;
  chg: number;
  nRad: number;
  isotope: number;
  /** RDKit's tetrahedral tag: `cw`, `ccw`, `unspecified`, or another tag it wrote. */
  stereo: string;
}

export interface GraphBond {
  /** 1, 2, 3 (kekulised input), 0 for a zero-order bond. */
  bo: number;
  a: number;
  b: number;
  /** RDKit's double-bond tag (`cis`, `trans`, `either`, `unspecified`) with its reference atoms. */
  stereo: string;
  stereoAtoms: [number, number] | undefined;
}

export interface MolGraph {
  atoms: GraphAtom[];
  bonds: GraphBond[];
}

interface JsonAtom {
  z?: number;
  impHs?: number;
  chg?: number;
  nRad?: number;
  isotope?: number;
  stereo?: string;
}
interface JsonBond {
  bo?: number;
  atoms: [number, number];
  stereo?: string;
  stereoAtoms?: [number, number];
}
interface RdkitJsonDoc {
  defaults?: { atom?: JsonAtom; bond?: Omit<JsonBond, 'atoms'> };
  molecules?: Array<{
    atoms?: JsonAtom[];
    bonds?: JsonBond[];
    extensions?: Array<{ cipRanks?: number[] }>;
  }>;
}

/** The graph of RDKit's JSON for one molecule (kekulise first: aromatic bonds read as order 1.5). */
export function graphFromJson(json: string): MolGraph {
  const doc = JSON.parse(json) as RdkitJsonDoc;
  const da = doc.defaults?.atom ?? {};
  const db = doc.defaults?.bond ?? {};
  const molecule = doc.molecules?.[0] ?? {};
  const ranks = molecule.extensions?.find((e) => Array.isArray(e.cipRanks))?.cipRanks ?? [];
  const atoms = (molecule.atoms ?? []).map((a, i) => ({
    rank: ranks[i] ?? i,
    z: a.z ?? da.z ?? 6,
    hs: a.impHs ?? da.impHs ?? 0,
    chg: a.chg ?? da.chg ?? 0,
    nRad: a.nRad ?? da.nRad ?? 0,
    isotope: a.isotope ?? da.isotope ?? 0,
    stereo: a.stereo ?? da.stereo ?? 'unspecified',
  }));
  const bonds = (molecule.bonds ?? []).map((b) => ({
    bo: b.bo ?? db.bo ?? 1,
    a: b.atoms[0],
    b: b.atoms[1],
    stereo: b.stereo ?? db.stereo ?? 'unspecified',
    stereoAtoms: b.stereoAtoms,
  }));
  return { atoms, bonds };
}

/**
 * RDKit JSON for the graph, every value written out. Without `defaults` RDKit refuses the
 * document, and with a conformer but none of its own extensions it refuses it too, so coordinates
 * are left out: stereo travels in the atom and bond tags, which need no coordinates.
 */
export function graphToJson(graph: MolGraph): string {
  const molecule = {
    atoms: graph.atoms.map((a) => ({
      z: a.z,
      impHs: a.hs,
      chg: a.chg,
      nRad: a.nRad,
      isotope: a.isotope,
      stereo: a.stereo,
    })),
    bonds: graph.bonds.map((b) => ({
      bo: b.bo,
      atoms: [b.a, b.b],
      stereo: b.stereo,
      ...(b.stereoAtoms !== undefined ? { stereoAtoms: b.stereoAtoms } : {}),
    })),
  };
  return JSON.stringify({ rdkitjson: { version: 11 }, defaults: JSON_DEFAULTS, molecules: [molecule] });
}

const JSON_DEFAULTS = {
  atom: { z: 6, impHs: 0, chg: 0, nRad: 0, isotope: 0, stereo: 'unspecified' },
  bond: { bo: 1, stereo: 'unspecified' },
};

export function cloneGraph(graph: MolGraph): MolGraph {
  return {
    atoms: graph.atoms.map((a) => ({ ...a })),
    bonds: graph.bonds.map((b) => ({
      ...b,
      stereoAtoms: b.stereoAtoms === undefined ? undefined : [...b.stereoAtoms],
    })),
  };
}

/** Per atom, the indices of its bonds (in bond order). */
export function bondsOfAtoms(graph: MolGraph): number[][] {
  const out: number[][] = graph.atoms.map(() => []);
  graph.bonds.forEach((bond, i) => {
    out[bond.a]?.push(i);
    out[bond.b]?.push(i);
  });
  return out;
}

export function otherAtom(bond: GraphBond, atom: number): number {
  return bond.a === atom ? bond.b : bond.a;
}

/** Sum of bond orders plus hydrogens: RDKit's explicit + implicit valence. */
export function valence(graph: MolGraph, atom: number, bondsOf: number[][]): number {
  let v = graph.atoms[atom]?.hs ?? 0;
  for (const i of bondsOf[atom] ?? []) v += graph.bonds[i]?.bo ?? 0;
  return v;
}

/** Connected components (zero-order bonds connect too), each a sorted list of atom indices. */
export function fragments(graph: MolGraph): number[][] {
  const parent = graph.atoms.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      const p = parent[i] as number;
      parent[i] = parent[p] as number;
      i = p;
    }
    return i;
  };
  for (const bond of graph.bonds) parent[find(bond.a)] = find(bond.b);
  const groups = new Map<number, number[]>();
  graph.atoms.forEach((_, i) => {
    const root = find(i);
    const group = groups.get(root);
    if (group === undefined) groups.set(root, [i]);
    else group.push(i);
  });
  return [...groups.values()];
}

/** The subgraph of `keep` (atom indices, any order): atoms and bonds keep their relative order. */
export function subgraph(graph: MolGraph, keep: readonly number[]): MolGraph {
  const kept = [...keep].sort((x, y) => x - y);
  const index = new Map(kept.map((atom, i) => [atom, i]));
  const bonds: GraphBond[] = [];
  for (const bond of graph.bonds) {
    const a = index.get(bond.a);
    const b = index.get(bond.b);
    if (a === undefined || b === undefined) continue;
    const refs = bond.stereoAtoms?.map((r) => index.get(r));
    bonds.push({
      ...bond,
      a,
      b,
      stereoAtoms:
        refs !== undefined && refs[0] !== undefined && refs[1] !== undefined ? [refs[0], refs[1]] : undefined,
      stereo:
        refs === undefined || (refs[0] !== undefined && refs[1] !== undefined) ? bond.stereo : 'unspecified',
    });
  }
  return {
    atoms: kept.map((i) => ({ ...(graph.atoms[i] as GraphAtom) })),
    bonds,
  };
}

/** Whether the bond lies on a ring: its ends stay connected without it. */
export function isRingBond(graph: MolGraph, bondIndex: number, bondsOf: number[][]): boolean {
  const bond = graph.bonds[bondIndex];
  if (bond === undefined) return false;
  const seen = new Set<number>([bond.a]);
  const queue = [bond.a];
  while (queue.length > 0) {
    const atom = queue.pop() as number;
    for (const i of bondsOf[atom] ?? []) {
      if (i === bondIndex) continue;
      const next = otherAtom(graph.bonds[i] as GraphBond, atom);
      if (next === bond.b) return true;
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return false;
}
