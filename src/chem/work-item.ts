/** What a work item asks of the toolkit; shared by the pool (to skip idle items) and the worker. */
import type { ComputeField } from './fields.js';
import { FIELD_COLUMN } from './fields.js';
import type { ComputeItem, ComputeTask } from './messages.js';

/** The fields of `task.compute` this item still needs. */
export function fieldsToCompute(
  task: Pick<ComputeTask, 'compute' | 'recompute'>,
  item: ComputeItem,
): ComputeField[] {
  return task.recompute
    ? task.compute
    : task.compute.filter((field) => item.existing[FIELD_COLUMN[field]] === null);
}

/** The molfile, else the SMILES the record carries, else null. */
export function structureOf(item: ComputeItem): string | null {
  if (item.molfile !== null && item.molfile.trim() !== '') return item.molfile;
  const smiles = item.existing.smiles?.trim();
  return smiles !== undefined && smiles !== '' ? smiles : null;
}
