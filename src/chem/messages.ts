/** Messages between `ChemistryPool` (main thread) and `compute-worker` (worker threads). */
import type { ComputeField, ComputedValues, StandardizedColumns } from './fields.js';
import type { ChemNote } from './warnings.js';

/** The values a record already carries; a field the file provides is kept unless `recompute`. */
export interface ExistingValues {
  smiles: string | null;
  inchi: string | null;
  inchikey: string | null;
  formula: string | null;
  molWeight: number | null;
}

export interface ComputeItem {
  /** The molfile; when null, `existing.smiles` is the structure. */
  molfile: string | null;
  existing: ExistingValues;
}

/** One task: a batch of records sharing the same settings. */
export interface ComputeTask {
  compute: ComputeField[];
  validate: boolean;
  recompute: boolean;
  /** `--standardize`: fill the standardised and parent columns. */
  standardize: boolean;
  items: ComputeItem[];
}

export type ItemResult =
  /** `values` holds only what was computed; `warnings` explain requested fields left out. */
  | {
      status: 'ok';
      values: ComputedValues & StandardizedColumns;
      warnings: string[];
      /** Warnings about the structure (RDKit's own, zero coordinates, repaired…), when any. */
      notes?: ChemNote[];
      /** What the standardiser changed (`nitro-n-oxide`, `uncharge`, `parent: salt: Chloride`…). */
      standardized?: string[];
    }
  /** The toolkit refused the structure (or threw on it); `reason` is its message. */
  | { status: 'invalid'; reason: string }
  /** Nothing to do: no structure, or every requested value already present and no validation. */
  | { status: 'skipped'; warnings: string[] };

export interface ComputeTaskResult {
  /** One per item, same order. */
  results: ItemResult[];
  /** V8 heap of the worker isolate after the batch, the cheapest honest memory sample. */
  heapUsedBytes: number;
  /** Size of the worker's RDKit WebAssembly memory (grows, never shrinks). */
  wasmMemoryBytes: number;
  /** The worker's RDKit version, e.g. `2026.09.1`. */
  rdkitVersion?: string;
}
