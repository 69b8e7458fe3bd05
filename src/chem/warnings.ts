/**
 * Chemistry warnings a chemist can see: each has a kind (counted per kind in the run's stats) and
 * a short message, and a row keeps its own in `properties.molimport_warnings` as `kind: message`
 * strings. Under `--validate`, `--reject-on` turns chosen kinds into rejects.
 */
import { UsageError } from '../errors.js';

export const WARNING_KINDS = [
  /** RDKit's own warnings while reading the structure or making its InChI. */
  'rdkit',
  /** The row's InChI has stereo its SMILES lacks. */
  'stereo-lost',
  /** Stereo marks on a molfile whose coordinates are all zero: RDKit cannot use them. */
  'zero-coords',
  /** RDKit refused the structure as drawn; the standardiser repaired it. */
  'repaired',
  /** The standardiser could not handle a structure RDKit reads. */
  'standardize',
  /** RDKit refused the structure (without --validate the row is kept, computed fields empty). */
  'invalid',
  /** A requested identifier could not be computed. */
  'compute',
  /** Nothing to compute from: no molfile and no SMILES. */
  'no-structure',
  /** The toolkit ran over `--chem-timeout-ms` (a reject under --validate). */
  'timeout',
  /** The toolkit crashed its worker (a reject under --validate). */
  'crash',
] as const;

export type WarningKind = (typeof WARNING_KINDS)[number];

export interface ChemNote {
  kind: WarningKind;
  message: string;
}

/** Kinds `--reject-on` accepts: those that describe the structure, not a failed computation. */
export const REJECTABLE_KINDS: readonly WarningKind[] = [
  'rdkit',
  'stereo-lost',
  'zero-coords',
  'repaired',
  'standardize',
];

/** The form kept in `properties.molimport_warnings`. */
export function noteText(note: ChemNote): string {
  return note.message === '' ? note.kind : `${note.kind}: ${note.message}`;
}

/** `--reject-on stereo-lost,zero-coords,…` → the set, refused with the allowed names otherwise. */
export function parseRejectOn(list: string): Set<WarningKind> {
  const kinds = new Set<WarningKind>();
  for (const part of list.split(',')) {
    const name = part.trim().toLowerCase();
    if (name === '') continue;
    if (!(REJECTABLE_KINDS as readonly string[]).includes(name)) {
      throw new UsageError(
        `--reject-on: unknown warning kind "${part.trim()}"; expected a comma-separated subset of ${REJECTABLE_KINDS.join(',')}`,
      );
    }
    kinds.add(name as WarningKind);
  }
  if (kinds.size === 0) {
    throw new UsageError(`--reject-on: expected a comma-separated subset of ${REJECTABLE_KINDS.join(',')}`);
  }
  return kinds;
}
