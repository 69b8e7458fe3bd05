/** Options of one import run, shared by the CLI and library callers of `runImport`. */
import type { DataSource, InputFormat } from '../types.js';
import type { WriteMode } from '../sink/index.js';
import type { Logger } from '../logger.js';

/**
 * Options of one import run (`runImport`), the library form of the command's flags. Invalid values
 * throw a `ConfigurationError` before anything is read, with the expected and the received value;
 * so does a key this interface does not have (code `MOLIMPORT_UNKNOWN_OPTION`, with the closest key).
 */
export interface ImportOptions {
  /** Which source profile maps records to rows: `'chembl'`, `'pubchem'` or `'generic'`. Required. */
  source: DataSource;
  /** Input paths (already glob-expanded: no wildcards here); `-` reads `stdin`, at most once. At least one. Required. */
  files: string[];
  /**
   * Target database: a `postgres://` or `postgresql://` URL (anything else that looks like a URL is
   * refused: `ConfigurationError`, code `MOLIMPORT_DB_URL`). When absent: `DATABASE_URL`, then the `PG*` variables when
   * `PGHOST` or `PGDATABASE` is set, then the embedded PGlite database under `embeddedDir`.
   */
  database?: string;
  /** Where the embedded database lives. @default `<cwd>/.molimport/pgdata` */
  embeddedDir?: string;
  /** Environment used to resolve the database (`DATABASE_URL`, `PG*`). @default process.env */
  env?: Record<string, string | undefined>;
  /**
   * Schema of the target table and of the bookkeeping tables `molimport_runs`/`molimport_batches`.
   * It must exist unless `createSchema` (`public` is created when missing, as it always was). A plain
   * identifier: 1–63 letters, digits, `_`, not starting with a digit.
   * @default 'public'
   */
  schema?: string;
  /**
   * Create `schema` when it does not exist. Without it, a schema that does not exist fails the run
   * (`ConfigurationError`, code `MOLIMPORT_SCHEMA_MISSING`, exit 2) before anything is written, so a
   * typo cannot import into a new schema. @default false
   */
  createSchema?: boolean;
  /** Target table, created when missing. A plain identifier like `schema`. @default 'molecules' */
  table?: string;
  /** upsert: insert or update on (source, external_id); skip: keep existing rows; insert: a conflict is a reject. @default 'upsert' */
  mode?: WriteMode;
  /** Batches written at once, each on its own connection (the pool gets `workers + 2`). Integer 1–64. @default 2 */
  workers?: number;
  /** First batch size, in records. Integer in [minBatchSize, maxBatchSize]. @default per source: chembl 500, pubchem 500, generic 250 (clamped to the range) */
  batchSize?: number;
  /** Smallest batch the strategy may pick. Integer 1–1,000,000, at most `maxBatchSize`. @default 50 */
  minBatchSize?: number;
  /** Largest batch the strategy may pick; large batches amortise transaction cost. Integer 1–1,000,000. @default 10_000 (or minBatchSize when larger) */
  maxBatchSize?: number;
  /** The batch duration the strategy aims for, in ms. Integer 10–600,000. @default 2_000 */
  targetBatchMs?: number;
  /** Memory the strategy keeps the process under (RSS), in bytes. Integer ≥ 64 MiB. @default 1 GiB */
  memoryLimitBytes?: number;
  /**
   * Adaptive batches never hold more than this many bytes of records: the batches in flight are
   * most of the process's memory. Larger batches amortise per-transaction costs (see
   * ChemicalStrategyOptions.maxBatchBytes for measurements). Ignored when not adaptive.
   * Integer ≥ 64 KiB. @default 6 MiB
   */
  maxBatchBytes?: number;
  /** Tune batch sizes from timing, memory and errors; off = fixed `batchSize`. @default true */
  adaptive?: boolean;
  /** Write several batches at once; off = one at a time. @default true */
  parallel?: boolean;
  /** Field holding the ID (generic source; overrides the profile's choice for others). @default the profile's ID fields, else the SDF title line */
  idField?: string;
  /** Force the input format instead of sniffing it. @default detected from the content */
  format?: InputFormat;
  /** Stop after this many records in total (for trials). Integer ≥ 1. @default no limit */
  limit?: number;
  /** Read, transform and validate; write nothing. @default false */
  dryRun?: boolean;
  /** Where rejected records go. @default `molimport-rejects-<timestamp>.sdf|.csv` in cwd, created only when needed */
  rejectsFile?: string;
  /** Stop the run (`ErrorLimitError`, exit 3) once more than this many records are rejected. Integer ≥ 0. @default no limit */
  maxErrors?: number;
  /** Stop the run (`ErrorLimitError`, exit 3) once rejected/read exceeds this ratio, checked after 1,000 records. In [0, 1]. @default no limit */
  maxErrorRate?: number;
  /**
   * Continue the latest unfinished run into the table. Unchanged inputs skip what it committed;
   * when inputs changed or were added, a new run continues it and reads those from the start
   * (a warning says which). `'strict'`: refuse (`ResumeError`) when the inputs differ at all.
   * @default false
   */
  resume?: boolean | 'strict';
  /** Wait for another run into the same table to finish instead of failing with `TableLockedError`. @default false */
  waitLock?: boolean;
  /**
   * Identifiers to compute from the molfile (or SMILES) with RDKit in worker threads:
   * any of smiles, inchi, inchikey, formula, mw. Values the file provides are kept unless `recompute`.
   */
  compute?: readonly ('smiles' | 'inchi' | 'inchikey' | 'formula' | 'mw')[];
  /** Replace values the file provides with computed ones. Needs `compute`. @default false */
  recompute?: boolean;
  /** Structures RDKit refuses (bad valence, unparseable) become rejects with its reason. @default false */
  validate?: boolean;
  /**
   * Fill std_smiles, std_inchikey, parent_smiles, parent_inchikey with a ChEMBL-style standardiser
   * and parent (salts and solvents stripped); see docs/chemistry.md. @default false
   */
  standardize?: boolean;
  /**
   * With `validate`, chemistry warning kinds that make a record a reject: any of `stereo-lost`,
   * `zero-coords`, `rdkit`, `repaired`, `standardize`. @default none
   */
  rejectOn?: readonly ('stereo-lost' | 'zero-coords' | 'rdkit' | 'repaired' | 'standardize')[];
  /** Per-record time limit for chemistry; a record over it becomes a reject. 1–3,600,000. @default 10_000 */
  chemTimeoutMs?: number;
  /** Chemistry worker threads. @default os.availableParallelism() */
  chemThreads?: number;
  /** Add a `mol` column filled by the RDKit cartridge (server side) and a GiST index. Needs the cartridge. @default false */
  rdkitMol?: boolean;
  /** Aborting stops reading, lets in-flight batches settle and ends the run as `interrupted` (exit 130). @default none */
  signal?: AbortSignal;
  /** Receives structured log lines. @default silent */
  logger?: Logger;
  /** Standard input for `-`. @default process.stdin */
  stdin?: NodeJS.ReadableStream;
  /** Working directory for relative defaults. @default process.cwd() */
  cwd?: string;
  /**
   * Check each input's bytes: `'auto'` verifies against the published `<file>.md5` when there is one
   * (fetched beside a URL, read beside a local file), `'none'` checks nothing, `'md5:HEX'` or
   * `'sha256:HEX'` gives the value (one input only). Every input is hashed either way and the
   * result recorded per file. @default 'auto'
   */
  checksum?: string;
  /** URL inputs: retries after a failed request or a dropped connection, per file. Integer 0–100. @default 5 */
  httpRetries?: number;
  /** URL inputs: first backoff delay in ms, doubled per retry (capped at 30 s). Integer 0–60,000. @default 1_000 */
  httpRetryDelayMs?: number;
  /**
   * Download URL inputs into this directory first (resumed with Range, verified against their
   * checksum before anything is imported), then import the local copies. @default stream, no copy
   */
  downloadDir?: string;
  /**
   * Make this run authoritative for its source: once every file completed with no error limit
   * tripped, rows of `source` in the table that the run did not see are deleted (`'hard'`, or
   * `true`) or get a `deleted_at` timestamp (`'soft'`; seen again, they come back). @default off
   */
  sync?: boolean | 'hard' | 'soft';
  /** `sync` refuses (`DeleteGuardError`, exit 3, nothing deleted) when more than this share of the source's rows would go. In [0, 1]. @default 0.05 */
  maxDeleteFraction?: number;
  /** The release the inputs belong to, recorded per file. @default read from a ChEMBL file name (`chembl_35`), else none */
  release?: string;
  /** Import a file even when a completed run already loaded the same bytes (same checksum). @default false */
  force?: boolean;
}
