/**
 * Computes identifiers and validates structures on worker threads (piscina), one RDKit instance per
 * thread, with a per-record time limit. A stuck worker is terminated and replaced; a batch that
 * times out or crashes its worker is retried one record at a time, so only the culprit becomes a
 * reject and no record is lost.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { builtFile } from '../built-file.js';
import { errorMessage } from '../errors.js';
import type { MoleculeRow, RecordOrigin, Reject, RejectKind } from '../types.js';
import { ChemistryError } from '../errors.js';
import type { ComputedValues, StandardizedColumns } from './fields.js';
import { FIELD_COLUMN, STANDARDIZED_COLUMNS } from './fields.js';
import { stereoLost } from './molfile-checks.js';
import type { ComputeItem, ComputeTask, ComputeTaskResult, ItemResult } from './messages.js';
import type { ChemistryPoolOptions, FilledChemistryPoolOptions } from './options.js';
import { fillChemistryPoolOptions } from './options.js';
import type { ChemNote, WarningKind } from './warnings.js';
import { noteText } from './warnings.js';
import { fieldsToCompute, structureOf } from './work-item.js';

export interface ChemistryWarning {
  origin: RecordOrigin;
  message: string;
}

/** The row columns each computed value fills, for `properties.molimport_computed`. */
const COLUMN_NAMES: Record<string, string> = {
  smiles: 'smiles',
  inchi: 'inchi',
  inchikey: 'inchikey',
  formula: 'formula',
  molWeight: 'mol_weight',
  stdSmiles: 'std_smiles',
  stdInchikey: 'std_inchikey',
  parentSmiles: 'parent_smiles',
  parentInchikey: 'parent_inchikey',
};

export interface ChemistryResult {
  /** The rows that were not rejected, in input order, with computed values filled in. */
  rows: MoleculeRow[];
  /** Records the toolkit refused (with `validate`), or that timed out or crashed a worker. */
  rejects: Reject[];
  /** Records kept with a computed value missing (unparseable without `validate`, InChI failed…). */
  warnings: number;
  /** Why, one entry per warned record. */
  warningDetails: ChemistryWarning[];
  /** Records whose toolkit run exceeded the time limit (kept with a warning, or rejects under `validate`). */
  timedOut: number;
  /** Warnings by kind (a record with two kinds counts under each). */
  warningsByKind: Partial<Record<WarningKind, number>>;
  /** Records rejected by `rejectOn`, by kind. */
  rejectedByKind: Partial<Record<WarningKind, number>>;
}

/** Turns a row the chemistry step refuses into a reject; the caller knows the record's raw text. */
export type RejectBuilder = (row: MoleculeRow, reason: string, kind: RejectKind) => Reject;

/** A reject from the row alone: raw is the molfile (or SMILES), format `sdf` when there is a molfile. */
export const rejectFromRow: RejectBuilder = (row, reason, kind) => ({
  file: row.origin.file,
  record: row.origin.record,
  line: row.origin.line,
  format: row.molfile !== null ? 'sdf' : 'csv',
  reason,
  kind,
  raw: row.molfile ?? row.smiles ?? '',
});

/** A task that timed out or crashed its worker: the record's toolkit run gave no answer. */
type Failure = { status: 'failed'; reason: string; kind: 'chem-timeout' | 'chem-crash' };
type Outcome = ItemResult | Failure;
type TaskOutcome =
  { ok: true; result: ComputeTaskResult } | { ok: false; reason: string; kind: Failure['kind'] };

export class ChemistryPool {
  readonly options: Readonly<FilledChemistryPoolOptions>;
  readonly #piscina: Piscina<ComputeTask, ComputeTaskResult>;
  #started: Promise<void> | undefined;
  #closed = false;
  /** Ready workers: piscina's `workerCreate` (emitted once RDKit loaded) minus `workerDestroy`. */
  #readyWorkers = 0;
  #workerListeners = new Set<() => void>();
  /** Largest V8 heap a worker reported, bytes. */
  maxWorkerHeapUsedBytes = 0;
  /** Largest RDKit WebAssembly memory a worker reported, bytes. */
  maxWorkerWasmMemoryBytes = 0;
  /** Worker errors not tied to a task (piscina replaces the worker). */
  strayWorkerErrors = 0;
  /** The workers' RDKit version, once a task has run. */
  rdkitVersion: string | undefined;

  constructor(options: ChemistryPoolOptions = {}) {
    this.options = fillChemistryPoolOptions(options);
    const filename = resolveWorkerModule(this.options.workerModule);
    this.#piscina = new Piscina<ComputeTask, ComputeTaskResult>({
      filename,
      minThreads: this.options.threads,
      maxThreads: this.options.threads,
      concurrentTasksPerWorker: 1,
      idleTimeout: 2_147_483_647,
    });
    const onWorkerChange = (delta: number) => (): void => {
      this.#readyWorkers += delta;
      for (const listener of this.#workerListeners) listener();
    };
    this.#piscina.on('workerCreate', onWorkerChange(1));
    this.#piscina.on('workerDestroy', onWorkerChange(-1));
    this.#piscina.on('error', () => {
      this.strayWorkerErrors += 1;
    });
  }

  /** Starts the workers and waits until each has loaded RDKit (`processRows` calls it). */
  start(): Promise<void> {
    this.#started ??= this.#warmUp();
    return this.#started;
  }

  async #warmUp(): Promise<void> {
    const empty: ComputeTask = {
      compute: [],
      validate: false,
      recompute: false,
      standardize: false,
      items: [],
    };
    const outcomes = await Promise.all(
      Array.from({ length: this.options.threads }, () => this.#run(empty, this.options.startupTimeoutMs)),
    );
    const failed = outcomes.find((outcome) => !outcome.ok);
    if (failed !== undefined && !failed.ok) {
      throw new ChemistryError(`chemistry workers could not start: ${failed.reason}`);
    }
  }

  /**
   * Fills the requested identifiers, validates when asked, and splits the rows into kept rows and
   * rejects: `rows.length + rejects.length` equals the input length. Input rows are not modified.
   */
  async processRows(
    rows: readonly MoleculeRow[],
    toReject: RejectBuilder = rejectFromRow,
  ): Promise<ChemistryResult> {
    this.#assertOpen();
    const { compute, validate, recompute, standardize, threads, batchSize } = this.options;
    const items = rows.map(toItem);
    const outcomes: Array<Outcome | undefined> = new Array<Outcome | undefined>(rows.length);
    const pending: number[] = [];
    items.forEach((item, index) => {
      const fields = fieldsToCompute({ compute, recompute }, item);
      if (structureOf(item) === null) {
        const warnings =
          fields.length > 0 ? [`no structure (molfile or SMILES) to compute ${fields.join(', ')} from`] : [];
        outcomes[index] = { status: 'skipped', warnings };
      } else if (validate || standardize || fields.length > 0) {
        pending.push(index);
      } else {
        outcomes[index] = { status: 'skipped', warnings: [] };
      }
    });

    if (pending.length > 0) {
      await this.start();
      const size = Math.max(1, Math.min(batchSize, Math.ceil(pending.length / threads)));
      const chunks: number[][] = [];
      for (let i = 0; i < pending.length; i += size) chunks.push(pending.slice(i, i + size));
      let next = 0;
      const runner = async (): Promise<void> => {
        for (let chunk = chunks[next++]; chunk !== undefined; chunk = chunks[next++]) {
          const results = await this.#runChunk(chunk.map((index) => items[index] as ComputeItem));
          chunk.forEach((index, k) => {
            outcomes[index] = results[k];
          });
        }
      };
      await Promise.all(Array.from({ length: Math.min(threads, chunks.length) }, runner));
      this.#assertOpen();
    }

    const result: ChemistryResult = {
      rows: [],
      rejects: [],
      warnings: 0,
      warningDetails: [],
      warningsByKind: {},
      rejectedByKind: {},
      timedOut: 0,
    };
    const rejectOn = new Set(this.options.rejectOn);
    rows.forEach((row, index) => {
      const outcome = outcomes[index];
      if (outcome === undefined)
        throw new ChemistryError(`internal: no chemistry outcome for record ${row.origin.record}`);
      if (outcome.status === 'failed') {
        if (outcome.kind === 'chem-timeout') result.timedOut += 1;
      }
      // One outcome per kind of failure, whatever fields were asked: under `validate` a timeout,
      // a crash or a refused structure is a reject; without it the record is kept with the file's
      // values, its computed fields empty and the warning on the row.
      if (validate && outcome.status === 'failed') {
        result.rejects.push(toReject(row, outcome.reason, outcome.kind));
        return;
      }
      if (outcome.status === 'invalid' && validate) {
        result.rejects.push(
          toReject(
            row,
            `invalid structure: ${outcome.reason}`,
            /valence/i.test(outcome.reason) ? 'valence' : 'chem-invalid',
          ),
        );
        return;
      }
      const notes: ChemNote[] = [];
      let kept = row;
      if (outcome.status === 'failed') {
        notes.push({
          kind: outcome.kind === 'chem-timeout' ? 'timeout' : 'crash',
          message: `${outcome.reason}; computed fields left empty`,
        });
      } else if (outcome.status === 'invalid') {
        notes.push({ kind: 'invalid', message: `${outcome.reason}; computed fields left empty` });
      } else if (outcome.status === 'skipped') {
        notes.push(...outcome.warnings.map((message): ChemNote => ({ kind: 'no-structure', message })));
      } else {
        kept = applyValues(row, outcome.values, outcome.standardized);
        notes.push(...outcome.warnings.map((message): ChemNote => ({ kind: 'compute', message })));
        notes.push(...(outcome.notes ?? []));
      }
      if (kept.smiles !== null && kept.inchi !== null) {
        for (const what of stereoLost(kept.smiles, kept.inchi)) {
          notes.push({ kind: 'stereo-lost', message: `${what} stereo in the InChI, not in the SMILES` });
        }
      }
      const rejecting = validate ? notes.find((note) => rejectOn.has(note.kind)) : undefined;
      if (rejecting !== undefined) {
        result.rejectedByKind[rejecting.kind] = (result.rejectedByKind[rejecting.kind] ?? 0) + 1;
        result.rejects.push(
          toReject(row, `chemistry warning (--reject-on): ${noteText(rejecting)}`, 'chem-warning'),
        );
        return;
      }
      if (notes.length > 0) {
        const texts = notes.map(noteText);
        kept = { ...kept, properties: { ...kept.properties, molimport_warnings: texts } };
        result.warnings += 1;
        result.warningDetails.push({ origin: row.origin, message: texts.join('; ') });
        for (const kind of new Set(notes.map((note) => note.kind))) {
          result.warningsByKind[kind] = (result.warningsByKind[kind] ?? 0) + 1;
        }
      }
      result.rows.push(kept);
    });
    return result;
  }

  /** Runs a chunk as one task; if that fails, runs each record alone so only the culprit fails. */
  async #runChunk(chunk: ComputeItem[]): Promise<Outcome[]> {
    const { compute, validate, recompute, standardize, perRecordTimeoutMs } = this.options;
    const task = (items: ComputeItem[]): ComputeTask => ({
      compute,
      validate,
      recompute,
      standardize,
      items,
    });
    const whole = await this.#run(task(chunk), perRecordTimeoutMs);
    if (whole.ok) return whole.result.results;
    if (chunk.length === 1) return [{ status: 'failed', reason: whole.reason, kind: whole.kind }];
    const outcomes: Outcome[] = [];
    for (const item of chunk) {
      const single = await this.#run(task([item]), perRecordTimeoutMs);
      outcomes.push(
        single.ok
          ? (single.result.results[0] as ItemResult)
          : { status: 'failed', reason: single.reason, kind: single.kind },
      );
    }
    return outcomes;
  }

  /** One piscina task under a time limit; a timed-out task's worker is terminated by piscina. */
  async #run(task: ComputeTask, timeoutMs: number): Promise<TaskOutcome> {
    this.#assertOpen();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    let outcome: TaskOutcome;
    try {
      const result = await this.#piscina.run(task, { signal: controller.signal });
      if (!Array.isArray(result?.results) || result.results.length !== task.items.length) {
        throw new Error(
          `worker returned ${result?.results?.length ?? 'no'} results for ${task.items.length} records`,
        );
      }
      this.maxWorkerHeapUsedBytes = Math.max(this.maxWorkerHeapUsedBytes, result.heapUsedBytes);
      this.maxWorkerWasmMemoryBytes = Math.max(this.maxWorkerWasmMemoryBytes, result.wasmMemoryBytes);
      this.rdkitVersion ??= result.rdkitVersion;
      return { ok: true, result };
    } catch (err) {
      if (this.#closed)
        throw new ChemistryError('chemistry pool closed while records were in flight', { cause: err });
      outcome = controller.signal.aborted
        ? { ok: false, reason: `chemistry timed out after ${timeoutMs} ms`, kind: 'chem-timeout' }
        : { ok: false, reason: `chemistry worker crashed: ${errorMessage(err)}`, kind: 'chem-crash' };
    } finally {
      clearTimeout(timer);
    }
    // If the worker died (terminated on timeout, crashed), wait for its replacement to load RDKit
    // so the next task's time limit is not spent on start-up.
    await this.#allWorkersReady();
    return outcome;
  }

  #allWorkersReady(): Promise<void> {
    const ready = (): boolean => this.#closed || this.#readyWorkers >= this.options.threads;
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#workerListeners.delete(listener);
        resolve();
      };
      const listener = (): void => {
        if (ready()) done();
      };
      // Bounded: a replacement that never comes only costs the next task its head start.
      const timer = setTimeout(done, this.options.startupTimeoutMs);
      this.#workerListeners.add(listener);
    });
  }

  #assertOpen(): void {
    if (this.#closed) throw new ChemistryError('chemistry pool is closed');
  }

  /** Terminates the workers. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const listener of this.#workerListeners) listener();
    await this.#piscina.destroy();
  }
}

function toItem(row: MoleculeRow): ComputeItem {
  return {
    molfile: row.molfile,
    existing: {
      smiles: row.smiles,
      inchi: row.inchi,
      inchikey: row.inchikey,
      formula: row.formula,
      molWeight: row.molWeight,
    },
  };
}

/**
 * A copy of the row with each computed value set (values not computed are left as they were),
 * and in `properties` the columns that were computed (`molimport_computed`, e.g.
 * `inchikey,std_smiles`) and what the standardiser changed (`molimport_standardized`).
 */
function applyValues(
  row: MoleculeRow,
  values: ComputedValues & StandardizedColumns,
  standardized: string[] | undefined,
): MoleculeRow {
  const out: MoleculeRow = { ...row };
  const computed: string[] = [];
  for (const column of [...Object.values(FIELD_COLUMN), ...STANDARDIZED_COLUMNS]) {
    const value = values[column];
    if (value === undefined) continue;
    (out as unknown as Record<string, unknown>)[column] = value;
    computed.push(COLUMN_NAMES[column] ?? column);
  }
  if (computed.length > 0 || standardized !== undefined) {
    out.properties = { ...row.properties };
    if (computed.length > 0) out.properties.molimport_computed = computed.join(',');
    if (standardized !== undefined) out.properties.molimport_standardized = standardized;
  }
  return out;
}

/** The worker file: given, else the built `compute-worker.js` (see {@link builtFile}). */
export function resolveWorkerModule(workerModule: string | URL | undefined): string {
  const toPath = (value: string | URL): string =>
    value instanceof URL || value.startsWith('file:') ? fileURLToPath(value) : value;
  if (workerModule !== undefined) {
    const path = toPath(workerModule);
    if (!existsSync(path)) throw new ChemistryError(`chemistry worker module not found: ${path}`);
    return path;
  }
  const wanted = new URL('./compute-worker.js', import.meta.url);
  const built = builtFile(wanted);
  if (built !== undefined) return built;
  throw new ChemistryError(`chemistry worker module not found: ${fileURLToPath(wanted)} (run npm run build)`);
}
