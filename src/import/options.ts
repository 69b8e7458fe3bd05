/** Options of one import run, shared by the CLI and library callers of `runImport`. */
import type { DataSource, InputFormat } from '../types.js';
import type { WriteMode } from './stats.js';

/** Minimal structured logger (pino fits); the library is silent unless one is given. */
export interface ImportLogger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
}

export interface ImportOptions {
  /** Which source profile maps records to rows. */
  source: DataSource;
  /** Input paths (already glob-expanded); `-` reads standard input. At least one. */
  files: string[];
  /**
   * Target database: a connection string. When absent: `DATABASE_URL`, then the `PG*` variables when
   * `PGHOST` or `PGDATABASE` is set, then the embedded PGlite database under `embeddedDir`.
   */
  database?: string;
  /** Where the embedded database lives. @default `<cwd>/.molimport/pgdata` */
  embeddedDir?: string;
  /** Environment used to resolve the database. @default process.env */
  env?: Record<string, string | undefined>;
  /** @default 'public' */
  schema?: string;
  /** @default 'molecules' */
  table?: string;
  /** upsert: insert or update on (source, external_id); skip: keep existing rows; insert: a conflict is a reject. @default 'upsert' */
  mode?: WriteMode;
  /** Batches written at once (each on its own connection). 1–64. @default 2 */
  workers?: number;
  /** First batch size (records). @default per source: chembl 500, pubchem 500, generic 250 */
  batchSize?: number;
  /** Smallest batch the strategy may pick. @default 50 */
  minBatchSize?: number;
  /** Largest batch the strategy may pick. Large batches amortise transaction cost. @default 10_000 */
  maxBatchSize?: number;
  /** The batch duration the strategy aims for, in ms. @default 2_000 */
  targetBatchMs?: number;
  /** Memory the strategy keeps the process under (RSS), in bytes. @default 1 GiB */
  memoryLimitBytes?: number;
  /** Tune batch sizes from timing, memory and errors; off = fixed `batchSize`. @default true */
  adaptive?: boolean;
  /** Write several batches at once; off = one at a time. @default true */
  parallel?: boolean;
  /** Field holding the ID (generic source; overrides the profile's choice for others). */
  idField?: string;
  /** Force the input format instead of sniffing it. */
  format?: InputFormat;
  /** Stop after this many records in total (for trials). */
  limit?: number;
  /** Read, transform and validate; write nothing. @default false */
  dryRun?: boolean;
  /** Where rejected records go. @default `molimport-rejects-<timestamp>.sdf|.csv` in cwd, created only when needed */
  rejectsFile?: string;
  /** Stop the run (exit 3) once more than this many records are rejected. */
  maxErrors?: number;
  /** Stop the run (exit 3) once rejected/read exceeds this ratio (0–1), checked after 1,000 records. */
  maxErrorRate?: number;
  /** Continue the latest unfinished run for the same inputs. @default false */
  resume?: boolean;
  /** Wait for another run into the same table to finish instead of exiting. @default false */
  waitLock?: boolean;
  /** Aborting stops reading, lets in-flight batches settle and ends the run as interrupted. */
  signal?: AbortSignal;
  logger?: ImportLogger;
  /** Standard input for `-`. @default process.stdin */
  stdin?: NodeJS.ReadableStream;
  /** Working directory for relative defaults. @default process.cwd() */
  cwd?: string;
}
