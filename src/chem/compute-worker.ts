/**
 * Worker-thread entry for `ChemistryPool` (piscina). Loaded as built JavaScript
 * (`dist/chem/compute-worker.js`): Node 20 workers cannot load `.ts`.
 */
import { getHeapStatistics } from 'node:v8';
import { errorMessage } from '../errors.js';
import { computeIdentifiers, validateMolecule } from './compute.js';
import type { ComputeItem, ComputeTask, ComputeTaskResult, ItemResult } from './messages.js';
import type { Toolkit } from './rdkit-loader.js';
import { loadToolkit, resetToolkit } from './rdkit-loader.js';
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
  if (fields.length === 0) {
    if (!task.validate) return { status: 'skipped', warnings: [] };
    const validation = validateMolecule(toolkit, structure);
    return validation.ok
      ? { status: 'ok', values: {}, warnings: [] }
      : { status: 'invalid', reason: validation.reason };
  }
  const outcome = computeIdentifiers(toolkit, structure, new Set(fields));
  return outcome.ok
    ? { status: 'ok', values: outcome.values, warnings: outcome.warnings }
    : { status: 'invalid', reason: outcome.reason };
}
