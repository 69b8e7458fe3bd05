/**
 * Worker-thread entry for `ChemistryPool` (piscina). Loaded as built JavaScript
 * (`dist/chem/compute-worker.js`): Node 20 workers cannot load `.ts`.
 */
import { getHeapStatistics } from 'node:v8';
import { errorMessage } from '../errors.js';
import { computeIdentifiers, identifiersOfMol, rdkitNotes, validateMolecule } from './compute.js';
import type { ComputedValues, StandardizedColumns } from './fields.js';
import { stereoOnZeroCoordinates } from './molfile-checks.js';
import type { ComputeItem, ComputeTask, ComputeTaskResult, ItemResult } from './messages.js';
import type { Toolkit } from './rdkit-loader.js';
import { drainLog, loadToolkit, resetToolkit, withMol } from './rdkit-loader.js';
import { standardizeParsed, standardizeStructure, type StandardizeOutcome } from './standardize.js';
import type { ChemNote } from './warnings.js';
import { fieldsToCompute, structureOf } from './work-item.js';

// Initialise RDKit while the module loads, so piscina marks a replacement worker ready only once
// the toolkit is usable and a task's time limit is not spent on start-up.
await loadToolkit();

export default async function computeBatch(task: ComputeTask): Promise<ComputeTaskResult> {
  let toolkit = await loadToolkit();
  const results: ItemResult[] = [];
  for (const item of task.items) {
    try {
      results.push(processItem(toolkit, task, item));
    } catch (err) {
      // RDKit reports bad structures by returning null; an exception is the toolkit failing. A
      // WebAssembly trap or abort leaves the instance unusable, so start a fresh one.
      if ((err instanceof Error && err.name === 'RuntimeError') || /abort/i.test(errorMessage(err))) {
        resetToolkit();
        toolkit = await loadToolkit();
      }
      results.push({ status: 'invalid', reason: `toolkit error: ${errorMessage(err)}` });
    }
  }
  return {
    results,
    heapUsedBytes: getHeapStatistics().used_heap_size,
    wasmMemoryBytes: toolkit.wasmMemoryBytes(),
    rdkitVersion: toolkit.version,
  };
}

function processItem(toolkit: Toolkit, task: ComputeTask, item: ComputeItem): ItemResult {
  const fields = fieldsToCompute(task, item);
  const structure = structureOf(item);
  if (structure === null) {
    return {
      status: 'skipped',
      warnings:
        fields.length > 0 ? [`no structure (molfile or SMILES) to compute ${fields.join(', ')} from`] : [],
    };
  }
  if (fields.length === 0 && !task.validate && !task.standardize) return { status: 'skipped', warnings: [] };

  let values: ComputedValues & StandardizedColumns = {};
  let warnings: string[] = [];
  const notes: ChemNote[] = [];
  let refused: string | undefined;
  let std: StandardizeOutcome | undefined;
  if (task.standardize) {
    // One RDKit read for the identifiers and the standardiser; the InChIKey just computed is the
    // standardised one when the standardiser leaves the structure as it is.
    const parsed = withMol(toolkit, structure, (mol) => {
      const ids = fields.length > 0 ? identifiersOfMol(toolkit, mol, new Set(fields)) : undefined;
      // What RDKit said while reading (identifiersOfMol collects it when it runs).
      const read = ids === undefined ? rdkitNotes(drainLog(toolkit.warningLog)) : [];
      return { ids, read, std: standardizeParsed(toolkit, mol, ids?.values.inchikey) };
    });
    if (parsed.ok) {
      notes.push(...parsed.value.read);
      if (parsed.value.ids !== undefined) {
        ({ values, warnings } = parsed.value.ids);
        notes.push(...(parsed.value.ids.notes ?? []));
      }
      std = parsed.value.std;
    } else {
      refused = parsed.reason;
      // RDKit refused it as drawn: the standardiser may still repair it.
      std = standardizeStructure(toolkit, structure);
    }
  } else if (fields.length > 0) {
    // Without validation, formula and weight may skip RDKit's parse (read from the molfile).
    const outcome = computeIdentifiers(toolkit, structure, new Set(fields), { parseFree: !task.validate });
    if (outcome.ok) {
      ({ values, warnings } = outcome);
      notes.push(...(outcome.notes ?? []));
    } else refused = outcome.reason;
  } else {
    const validation = validateMolecule(toolkit, structure);
    if (!validation.ok) refused = validation.reason;
  }
  let standardized: string[] | undefined;
  if (std !== undefined) {
    if (std.ok) {
      const v = std.values;
      values = { ...values, stdSmiles: v.stdSmiles, parentSmiles: v.parentSmiles };
      if (v.stdInchikey !== null) values.stdInchikey = v.stdInchikey;
      if (v.parentInchikey !== null) values.parentInchikey = v.parentInchikey;
      standardized = [...v.stdChanges, ...v.parentChanges.map((c) => `parent: ${c}`)];
      // A drawing RDKit refuses but the standardiser repairs is kept, not rejected.
      if (refused !== undefined) {
        notes.push({ kind: 'repaired', message: refused });
        refused = undefined;
      }
    } else if (refused === undefined) {
      notes.push({ kind: 'standardize', message: std.reason });
    }
  }
  if (refused !== undefined) return { status: 'invalid', reason: refused };
  if (item.molfile !== null && stereoOnZeroCoordinates(item.molfile)) {
    notes.push({ kind: 'zero-coords', message: '' });
  }
  return {
    status: 'ok',
    values,
    warnings,
    ...(notes.length > 0 ? { notes } : {}),
    ...(standardized !== undefined && standardized.length > 0 ? { standardized } : {}),
  };
}
