/**
 * The import's chemistry step: for each engine batch, before it is written, fills the identifiers
 * `--compute` asks for and (with `--validate`) turns structures the toolkit refuses into rejects.
 * A thin layer over `ChemistryPool` (worker threads, per-record time limit, crash isolation) that
 * speaks `WorkItem`: items keep their order and count, so the batch's ledger range still covers
 * every record it holds.
 */
import type { ChemistryWarning } from '../chem/compute-pool.js';
import { ChemistryPool } from '../chem/compute-pool.js';
import type { ComputeField } from '../chem/fields.js';
import type { WarningKind } from '../chem/warnings.js';
import type { MoleculeRow, Reject, RejectKind } from '../types.js';
import { rejectFromItem, type WorkItem } from './work-items.js';

export interface ChemistryStageOptions {
  /** Identifiers to fill (`--compute`); may be empty when only validating. */
  compute: ReadonlySet<ComputeField>;
  /** `--validate`: structures the toolkit refuses become rejects. */
  validate: boolean;
  /** `--recompute`: replace values the file already provides. */
  recompute: boolean;
  /** `--standardize`: fill the standardised and parent columns. @default false */
  standardize?: boolean;
  /** `--reject-on`: with `validate`, warning kinds that make a record a reject. @default none */
  rejectOn?: ReadonlySet<WarningKind>;
  /** Worker threads (each loads its own RDKit, ~0.3 s and tens of MB). */
  threads: number;
  /**
   * `--chem-timeout-ms`: a record taking longer is kept with a warning (a reject under
   * `--validate`) and its worker is replaced.
   */
  perRecordTimeoutMs: number;
  /** Records per worker task. @default 32 */
  batchSize?: number;
  /** The worker module; tests point it at a faulty one. @default the built `compute-worker.js` */
  workerModule?: string | URL;
}

export interface ChemistryStageResult {
  /** Same length and order as the input; a row the toolkit refused is now a reject (no `row`). */
  items: WorkItem[];
  /** Records of this batch kept with a computed value missing (counted once per record). */
  warnings: number;
  warningDetails: ChemistryWarning[];
  /** Records of this batch that became rejects here. */
  rejected: number;
}

/** Totals over the stage's life, for the run's stats. */
export interface ChemistryStageTotals {
  /** Rows sent to the toolkit (rows only; records already rejected by the transform are not). */
  rows: number;
  /** Rows that became rejects (invalid with --validate, timed out, crashed a worker). */
  rejected: number;
  /** Rows whose toolkit run exceeded the per-record time limit (kept with a warning, or rejects under `validate`). */
  timedOut: number;
  /** Rows kept with a warning (unparseable without --validate, InChI impossible, no structure…). */
  warnings: number;
  /** Wall time spent in `apply`, ms (batches may overlap when the engine runs them in parallel). */
  ms: number;
  threads: number;
  /** Warned records by kind (`rdkit`, `stereo-lost`, `zero-coords`, …); a record counts once per kind. */
  warningsByKind: Partial<Record<WarningKind, number>>;
  /** Records rejected by `--reject-on`, by kind. */
  rejectedByKind: Partial<Record<WarningKind, number>>;
  /** The RDKit (WASM) version that computed the values, once any record went through it. */
  rdkitVersion: string | null;
}

export interface ChemistryApplyOptions {
  /**
   * Write the outcome onto the given items (set `row` to the computed row, or delete `row` and set
   * `reject`) instead of returning copies. run-import wants this: the engine reports outcomes
   * against the items it handed to the process function, and a batch the engine bisects after a
   * database error is then not recomputed. @default false
   */
  inPlace?: boolean;
}

export interface ChemistryStage {
  apply(items: WorkItem[], options?: ChemistryApplyOptions): Promise<ChemistryStageResult>;
  totals(): ChemistryStageTotals;
  /** Terminates the workers. Idempotent. */
  close(): Promise<void>;
}

export function createChemistryStage(options: ChemistryStageOptions): ChemistryStage {
  const pool = new ChemistryPool({
    compute: [...options.compute],
    validate: options.validate,
    recompute: options.recompute,
    standardize: options.standardize ?? false,
    rejectOn: [...(options.rejectOn ?? [])],
    threads: options.threads,
    perRecordTimeoutMs: options.perRecordTimeoutMs,
    batchSize: options.batchSize,
    workerModule: options.workerModule,
  });
  const totals: ChemistryStageTotals = {
    rows: 0,
    rejected: 0,
    timedOut: 0,
    warnings: 0,
    ms: 0,
    threads: pool.options.threads,
    warningsByKind: {},
    rejectedByKind: {},
    rdkitVersion: null,
  };

  async function apply(
    items: WorkItem[],
    applyOptions: ChemistryApplyOptions = {},
  ): Promise<ChemistryStageResult> {
    const started = performance.now();
    const withRow: number[] = [];
    items.forEach((item, index) => {
      if (item.row !== undefined) withRow.push(index);
    });
    if (withRow.length === 0) return { items: [...items], warnings: 0, warningDetails: [], rejected: 0 };

    const rows = withRow.map((index) => items[index]!.row!);
    // processRows hands the builder the input row object: find its item by identity.
    const itemOfRow = new Map<MoleculeRow, WorkItem>(
      withRow.map((index) => [items[index]!.row!, items[index]!]),
    );
    const rejectsByRow = new Map<MoleculeRow, Reject>();
    const result = await pool.processRows(rows, (row, reason, kind) => {
      const item = itemOfRow.get(row);
      const reject =
        item === undefined ? fallbackReject(row, reason, kind) : rejectFromItem(item, reason, kind);
      rejectsByRow.set(row, reject);
      return reject;
    });

    // Kept rows come back in input order, rejected ones are missing from `result.rows`.
    const out: WorkItem[] = [...items];
    let next = 0;
    for (const index of withRow) {
      const item = items[index]!;
      const reject = rejectsByRow.get(item.row!);
      if (reject !== undefined) {
        if (applyOptions.inPlace === true) {
          delete item.row;
          item.reject = reject;
        } else {
          const { row: _dropped, ...rest } = item;
          out[index] = { ...rest, reject };
        }
      } else {
        const row = result.rows[next++];
        if (row === undefined)
          throw new Error(`internal: chemistry lost the row of record ${item.record.record}`);
        if (applyOptions.inPlace === true) item.row = row;
        else out[index] = row === item.row ? item : { ...item, row };
      }
    }
    if (next !== result.rows.length)
      throw new Error('internal: chemistry returned more rows than it was given');

    totals.rows += rows.length;
    totals.rejected += result.rejects.length;
    totals.warnings += result.warnings;
    totals.timedOut += result.timedOut;
    addCounts(totals.warningsByKind, result.warningsByKind);
    addCounts(totals.rejectedByKind, result.rejectedByKind);
    totals.rdkitVersion ??= pool.rdkitVersion ?? null;
    totals.ms += performance.now() - started;
    return {
      items: out,
      warnings: result.warnings,
      warningDetails: result.warningDetails,
      rejected: result.rejects.length,
    };
  }

  return {
    apply,
    totals: () => ({
      ...totals,
      warningsByKind: { ...totals.warningsByKind },
      rejectedByKind: { ...totals.rejectedByKind },
    }),
    close: () => pool.close(),
  };
}

function addCounts(into: Partial<Record<string, number>>, from: Partial<Record<string, number>>): void {
  for (const [kind, n] of Object.entries(from)) into[kind] = (into[kind] ?? 0) + (n ?? 0);
}

/** Only for a row the stage was not given as an item (cannot happen through run-import). */
function fallbackReject(row: MoleculeRow, reason: string, kind: RejectKind): Reject {
  return {
    ...row.origin,
    format: row.molfile !== null ? 'sdf' : 'csv',
    reason,
    kind,
    raw: row.molfile ?? row.smiles ?? '',
  };
}
