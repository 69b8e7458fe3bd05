/**
 * `--standardize`: a standardiser and parent generator in the spirit of the ChEMBL Structure
 * Pipeline, on RDKit's WASM build. The standardised structure normalises functional-group drawings
 * (standardize-rules.ts), repairs drawings RDKit refuses where the intent is clear, and neutralises
 * charges (uncharge.ts). The parent then drops isotopes, strips solvents and salts (the pipeline's
 * own lists) and neutralises again. docs/chemistry.md describes each step.
 *
 * A structure no rule touches is not rebuilt, so its identifiers are exactly those RDKit computes
 * from the file: standardising a standardised structure changes nothing.
 */
import type { Mol } from '@rdkit/rdkit';
import { fragmentLists, matchFragment, type FragmentLists } from './fragment-lists.js';
import type { MolGraph } from './mol-graph.js';
import { cloneGraph, fragments, graphFromJson, graphToJson, subgraph } from './mol-graph.js';
import type { Toolkit } from './rdkit-loader.js';
import { clearLogs, toolkitReason, utf8 } from './rdkit-loader.js';
import { flattenTartrate, isExcluded, normalize } from './standardize-rules.js';
import { uncharge } from './uncharge.js';

export interface StandardizedValues {
  stdSmiles: string;
  stdInchikey: string | null;
  parentSmiles: string;
  parentInchikey: string | null;
  /**
   * What the standardiser changed, one short name per step that fired (`nitro-n-oxide`,
   * `uncharge`, `repaired` when RDKit refused the drawing as given…); for the parent, what it
   * removed (`isotopes`, `solvent: WATER`, `salt: Chloride`, `duplicate-fragments`).
   */
  stdChanges: string[];
  parentChanges: string[];
}

export type StandardizeOutcome = { ok: true; values: StandardizedValues } | { ok: false; reason: string };

const SANITIZED = JSON.stringify({ sanitize: true, removeHs: true });
const AS_DRAWN = JSON.stringify({ sanitize: false, removeHs: false });

/**
 * Standardises a molfile or SMILES and derives its parent. `inchikey`, when given, is RDKit's
 * InChIKey of this very structure (computed in the same pass): a structure the standardiser leaves
 * as it is then costs no second InChI.
 */
export function standardizeStructure(
  toolkit: Toolkit,
  structure: string,
  inchikey?: string,
): StandardizeOutcome {
  const lists = fragmentLists(toolkit, (smiles) => standardSmilesOf(toolkit, smiles));
  return standardizeWith(toolkit, structure, lists, inchikey);
}

/**
 * As `standardizeStructure`, from a molecule the caller has already read (sanitised, hydrogens
 * removed) and still owns: one RDKit parse for the identifiers and the standardisation.
 */
export function standardizeParsed(toolkit: Toolkit, mol: Mol, inchikey?: string): StandardizeOutcome {
  const lists = fragmentLists(toolkit, (smiles) => standardSmilesOf(toolkit, smiles));
  return standardizeMol(toolkit, mol, false, '', lists, inchikey, false);
}

function standardizeWith(
  toolkit: Toolkit,
  structure: string,
  lists: FragmentLists | null,
  knownInchikey?: string,
): StandardizeOutcome {
  clearLogs(toolkit);
  // As bytes: embind copies them at once instead of encoding the string in JavaScript.
  const input = utf8(structure);
  let mol = toolkit.rdkit.get_mol(input, SANITIZED);
  let repaired = false;
  let refusal = '';
  if (mol === null || !mol.is_valid()) {
    mol?.delete();
    refusal = toolkitReason(toolkit, 'the toolkit could not parse the structure');
    // Read it as drawn: the rules may repair it (pentavalent N, a dative bond drawn plain).
    mol = toolkit.rdkit.get_mol(input, AS_DRAWN);
    if (mol === null || !mol.is_valid()) {
      mol?.delete();
      return { ok: false, reason: refusal };
    }
    repaired = true;
  }
  return standardizeMol(toolkit, mol, repaired, refusal, lists, knownInchikey, true);
}

function standardizeMol(
  toolkit: Toolkit,
  mol: Mol,
  repaired: boolean,
  refusal: string,
  lists: FragmentLists | null,
  knownInchikey: string | undefined,
  ownsMol: boolean,
): StandardizeOutcome {
  const owned: Mol[] = ownsMol ? [mol] : [];
  try {
    const graph = graphFromJson(kekuleJson(mol, repaired));
    if (graph.bonds.some((b) => !Number.isInteger(b.bo))) {
      return { ok: false, reason: refusal || 'aromatic bonds could not be kekulised' };
    }
    const excluded = isExcluded(graph);
    const stdChanges = excluded ? [] : normalize(graph);
    if (!excluded && uncharge(graph) > 0) stdChanges.push('uncharge');
    if (!excluded && flattenTartrate(graph)) stdChanges.push('tartrate-stereo');
    let stdMol = mol;
    if (stdChanges.length > 0 || repaired) {
      const rebuilt = molFromGraph(toolkit, graph);
      if (rebuilt === null) {
        return {
          ok: false,
          reason: repaired ? refusal : toolkitReason(toolkit, 'standardised structure refused'),
        };
      }
      owned.push(rebuilt);
      stdMol = rebuilt;
      if (repaired) stdChanges.unshift('repaired');
    }
    const stdSmiles = stdMol.get_smiles();
    const stdInchikey =
      stdMol === mol && knownInchikey !== undefined ? knownInchikey : inchikeyOf(toolkit, stdMol);
    if (lists === null) {
      return {
        ok: true,
        values: {
          stdSmiles,
          stdInchikey,
          parentSmiles: stdSmiles,
          parentInchikey: stdInchikey,
          stdChanges,
          parentChanges: [],
        },
      };
    }
    const parent = parentGraph(toolkit, graph, lists, owned, excluded);
    if (parent.changes.length === 0) {
      return {
        ok: true,
        values: {
          stdSmiles,
          stdInchikey,
          parentSmiles: stdSmiles,
          parentInchikey: stdInchikey,
          stdChanges,
          parentChanges: [],
        },
      };
    }
    const parentMol = molFromGraph(toolkit, parent.graph);
    if (parentMol === null) return { ok: false, reason: toolkitReason(toolkit, 'parent structure refused') };
    owned.push(parentMol);
    return {
      ok: true,
      values: {
        stdSmiles,
        stdInchikey,
        parentSmiles: parentMol.get_smiles(),
        parentInchikey: inchikeyOf(toolkit, parentMol),
        stdChanges,
        parentChanges: parent.changes,
      },
    };
  } finally {
    for (const m of owned) m.delete();
  }
}

/** The standardised SMILES of a SMILES (no parent), or null when RDKit refuses it. */
function standardSmilesOf(toolkit: Toolkit, smiles: string): string | null {
  const outcome = standardizeWith(toolkit, smiles, null);
  return outcome.ok ? outcome.values.stdSmiles : null;
}

/**
 * The parent of a standardised graph: isotopes dropped, then solvent fragments stripped (unless
 * that leaves nothing), then salt fragments (unless that leaves nothing), identical remaining
 * fragments collapsed to one, charges neutralised.
 */
function parentGraph(
  toolkit: Toolkit,
  std: MolGraph,
  lists: FragmentLists,
  owned: Mol[],
  excluded: boolean,
): { graph: MolGraph; changes: string[] } {
  let graph = cloneGraph(std);
  const changes: string[] = [];
  if (graph.atoms.some((a) => a.isotope !== 0)) {
    for (const atom of graph.atoms) atom.isotope = 0;
    changes.push('isotopes');
  }
  const frags = fragments(graph);
  if (frags.length > 1) {
    const info = frags.map((atoms) => {
      const small = atoms.filter((i) => graph.atoms[i]!.z !== 1).length <= lists.maxAtoms;
      const mol = small ? molFromGraph(toolkit, subgraph(graph, atoms)) : null;
      if (mol !== null) owned.push(mol);
      return { atoms, mol, smiles: mol?.get_smiles() ?? null };
    });
    let kept = info;
    const strip = (patterns: typeof lists.salts, kind: string): void => {
      const removed: string[] = [];
      const left = kept.filter((f) => {
        const hit = f.mol === null ? undefined : matchFragment(f.mol, patterns);
        if (hit !== undefined) removed.push(`${kind}: ${hit.name}`);
        return hit === undefined;
      });
      if (left.length > 0 && removed.length > 0) {
        kept = left;
        changes.push(...removed);
      }
    };
    strip(lists.solvents, 'solvent');
    const solventFree = kept;
    const changesBeforeSalts = changes.length;
    strip(lists.salts, 'salt');
    if (
      excluded &&
      isExcluded(
        subgraph(
          graph,
          kept.flatMap((f) => f.atoms),
        ),
      )
    ) {
      // As the pipeline: a parent that still holds a metal it excludes goes back to the fragments
      // left after the solvents (a metal complex keeps its counter-ions); one whose excluded metal
      // was itself a counter-ion (ranitidine bismuth citrate) keeps the stripped form.
      kept = solventFree;
      changes.length = changesBeforeSalts;
    } else {
      // Copies are compared uncharged, as the pipeline does (an anion and its acid are one
      // fragment), and whatever their size (two drug anions of a 2:1 calcium salt).
      const uncharged = (f: (typeof kept)[number]): string => {
        const sub = subgraph(graph, f.atoms);
        if (uncharge(sub) === 0 && f.smiles !== null) return f.smiles;
        const mol = molFromGraph(toolkit, sub);
        if (mol === null) return `#${f.atoms.join(',')}`;
        owned.push(mol);
        return mol.get_smiles();
      };
      const distinct = new Set(kept.length > 1 ? kept.map(uncharged) : []);
      if (kept.length > 1 && distinct.size === 1) {
        kept = kept.slice(0, 1);
        changes.push('duplicate-fragments');
      }
    }
    if (kept.length < frags.length)
      graph = subgraph(
        graph,
        kept.flatMap((f) => f.atoms),
      );
  }
  if (uncharge(graph) > 0) changes.push('uncharge');
  return { graph, changes };
}

/**
 * A sanitised RDKit molecule of the graph. RDKit's JSON reader drops double-bond stereo from a
 * molecule of several fragments, so each fragment is read on its own and the molecule is read
 * back from their joined SMILES.
 */
function molFromGraph(toolkit: Toolkit, graph: MolGraph): Mol | null {
  const frags = fragments(graph);
  if (frags.length === 1) return molFromFragment(toolkit, graph);
  const smiles: string[] = [];
  for (const atoms of frags) {
    const mol = molFromFragment(toolkit, subgraph(graph, atoms));
    if (mol === null) return null;
    smiles.push(mol.get_smiles());
    mol.delete();
  }
  const mol = toolkit.rdkit.get_mol(smiles.join('.'), SANITIZED);
  if (mol === null || !mol.is_valid()) {
    mol?.delete();
    return null;
  }
  return mol;
}

/**
 * One connected graph as a sanitised molecule. RDKit's JSON reader keeps double-bond stereo only
 * with the new stereo perception, so that is switched on for the read and restored after.
 */
function molFromFragment(toolkit: Toolkit, graph: MolGraph): Mol | null {
  const previous = toolkit.rdkit.use_legacy_stereo_perception(false);
  let mol: Mol | null;
  try {
    mol = toolkit.rdkit.get_mol(graphToJson(graph), SANITIZED);
  } finally {
    toolkit.rdkit.use_legacy_stereo_perception(previous);
  }
  if (mol === null || !mol.is_valid()) {
    mol?.delete();
    return null;
  }
  if (graph.atoms.some((a) => a.z === 1)) mol.remove_hs_in_place();
  return mol;
}

/** The molecule's JSON with Kekulé bonds, from a copy (the molecule keeps its aromatic form for SMILES). */
function kekuleJson(mol: Mol, asDrawn: boolean): string {
  if (asDrawn) return mol.get_json();
  const copy = mol.copy();
  if (copy === null) return mol.get_json();
  try {
    copy.convert_to_kekule_form();
    return copy.get_json();
  } finally {
    copy.delete();
  }
}

function inchikeyOf(toolkit: Toolkit, mol: Mol): string | null {
  const inchi = mol.get_inchi();
  if (inchi === '') return null;
  const key = toolkit.rdkit.get_inchikey_for_inchi(inchi);
  return key === '' ? null : key;
}
