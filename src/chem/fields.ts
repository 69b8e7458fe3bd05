/** The identifiers `--compute` can fill, and the row column each one fills. */
import { UsageError } from '../errors.js';

export type ComputeField = 'smiles' | 'inchi' | 'inchikey' | 'formula' | 'mw';

/** Every field `--compute` accepts, in column order. */
export const COMPUTE_FIELDS: readonly ComputeField[] = ['smiles', 'inchi', 'inchikey', 'formula', 'mw'];

/** The `MoleculeRow` column each field fills. */
export const FIELD_COLUMN = {
  smiles: 'smiles',
  inchi: 'inchi',
  inchikey: 'inchikey',
  formula: 'formula',
  mw: 'molWeight',
} as const satisfies Record<ComputeField, string>;

export interface ComputedValues {
  smiles?: string;
  inchi?: string;
  inchikey?: string;
  formula?: string;
  /** Average molecular weight (g/mol), RDKit's `amw`, rounded to 4 decimals. */
  molWeight?: number;
}

/** What `--standardize` fills: the standardised structure and its parent. */
export interface StandardizedColumns {
  stdSmiles?: string;
  stdInchikey?: string;
  parentSmiles?: string;
  parentInchikey?: string;
}

/** The row columns `--standardize` fills, in table order. */
export const STANDARDIZED_COLUMNS = ['stdSmiles', 'stdInchikey', 'parentSmiles', 'parentInchikey'] as const;

/**
 * Parses a `--compute` list such as `smiles,inchi,inchikey,formula,mw` (any subset, any order,
 * case-insensitive; `all` means every field).
 */
export function parseComputeFields(list: string): Set<ComputeField> {
  const fields = new Set<ComputeField>();
  for (const part of list.split(',')) {
    const name = part.trim().toLowerCase();
    if (name === '') continue;
    if (name === 'all') {
      for (const field of COMPUTE_FIELDS) fields.add(field);
    } else if ((COMPUTE_FIELDS as readonly string[]).includes(name)) {
      fields.add(name as ComputeField);
    } else {
      throw new UsageError(
        `--compute: unknown field "${part.trim()}"; expected a comma-separated subset of ${COMPUTE_FIELDS.join(',')} (or all)`,
      );
    }
  }
  if (fields.size === 0) {
    throw new UsageError(
      `--compute: expected a comma-separated subset of ${COMPUTE_FIELDS.join(',')}, received "${list}"`,
    );
  }
  return fields;
}
