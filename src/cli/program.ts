/** The commander program: commands, options, help. Parsing only: main.ts (and fleet-commands.ts) run them. */
import { Argument, Command, Option } from 'commander';
import type { ComputeField } from '../chem/fields.js';
import type { ImportOptions } from '../import/options.js';
import type { OverlapLevel } from '../import/overlap.js';
import type { WriteMode } from '../sink/write-mode.js';
import type { InputFormat } from '../types.js';
import { IMPORT_DEFAULTS as D, IMPORT_LIMITS as L } from '../import/defaults.js';
import {
  batchBytes,
  byteSize,
  computeList,
  integerIn,
  ratio,
  rejectOnList,
  resumeValue,
} from './parse-values.js';

export const SOURCES = ['chembl', 'pubchem', 'generic'] as const;

/** The write modes in the order help and errors list them: the default first. */
const MODE_CHOICES = ['upsert', 'replace', 'skip', 'insert'] as const satisfies readonly WriteMode[];

const EXAMPLES = `
Examples:
  $ molimport chembl chembl_35.sdf.gz --db postgres://loader@db/chem
  $ molimport pubchem 'Compound_*.sdf.gz' --workers 4 --json | jq '.rejected == 0'
  $ molimport generic library.csv --id-field catalog_id --table vendor_library
  $ molimport chembl chembl_35_chemreps.txt.gz --dry-run
  $ molimport pubchem Compound_000000001_000500000.sdf.gz --resume
  $ molimport runs --limit 5

Database: --db, else DATABASE_URL, else the PG* variables when PGHOST or PGDATABASE is set, else an
embedded PostgreSQL (PGlite) kept in ./.molimport/ (no server needed).
Exit codes: 0 ok, 1 fatal (unreadable input, database unreachable), 2 usage, 3 error limit exceeded,
130 interrupted (Ctrl-C / SIGTERM; committed batches stay, resume with --resume).`;

function addDatabaseOptions(cmd: Command): Command {
  return cmd
    .option('--db <url>', 'PostgreSQL connection string (default: DATABASE_URL, PG* variables, or embedded)')
    .option('--schema <name>', 'target schema', D.schema as string)
    .option('--table <name>', 'target table', D.table as string)
    .option('--json', 'print one JSON object on stdout instead of the table')
    .option('-q, --quiet', 'no progress bars; log lines only')
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const)
        .default('info' as const),
    )
    .option('--log-file <path>', 'write log lines to this file instead of stderr');
}

/** The flags of an import (the source commands and `enqueue`); defaults and limits from IMPORT_DEFAULTS / IMPORT_LIMITS. */
export function addImportOptions(cmd: Command): Command {
  const upToDownloads = addDatabaseOptions(cmd)
    .option(
      '--create-schema',
      'create --schema when it does not exist (without it, a missing schema is refused)',
    )
    .addOption(
      new Option(
        '--mode <mode>',
        'upsert: insert, or merge into the stored row (a column the record lacks keeps its value); replace: insert or overwrite the whole row; skip: keep existing; insert: new rows only (conflicts are rejects)',
      )
        .choices(MODE_CHOICES)
        .default(D.mode),
    )
    .option(
      '--workers <n>',
      `batches written in parallel (${L.workers.min}-${L.workers.max})`,
      integerIn(L.workers.min, L.workers.max),
      D.workers as number,
    )
    .option('--batch-size <n>', 'initial batch size (records)', integerIn(L.batchSize.min, L.batchSize.max))
    .option('--min-batch-size <n>', 'smallest batch size', integerIn(L.batchSize.min, L.batchSize.max))
    .option('--max-batch-size <n>', 'largest batch size', integerIn(L.batchSize.min, L.batchSize.max))
    .option(
      '--target-batch-ms <ms>',
      'batch duration the adaptive strategy aims for',
      integerIn(L.targetBatchMs.min, L.targetBatchMs.max),
    )
    .option('--memory-limit <size>', 'memory the strategy stays under, e.g. 1GiB', byteSize)
    .option(
      '--max-batch-bytes <size>',
      `largest adaptive batch, in bytes of records (default ${D.maxBatchBytes / 1024 ** 2}MiB; more is faster and uses more memory)`,
      batchBytes,
    )
    .option('--no-adaptive', 'fixed batch size (--batch-size)')
    .option('--no-parallel', 'write one batch at a time')
    .option('--id-field <name>', 'field holding the molecule ID (generic source; overrides the profile)')
    .addOption(
      new Option('--format <format>', 'input format (default: sniffed from content)').choices([
        'sdf',
        'csv',
      ] as const),
    )
    .option('--limit <n>', 'stop after this many records', integerIn(L.limit.min, L.limit.max))
    .option('--dry-run', 'read, transform and validate; write nothing')
    .option(
      '--rejects <file>',
      'file for rejected records (default: molimport-rejects-<time>.sdf|.csv, created when needed)',
    )
    .option(
      '--max-errors <n>',
      'stop with exit 3 after more than n rejects',
      integerIn(L.maxErrors.min, L.maxErrors.max),
    )
    .option('--max-error-rate <r>', 'stop with exit 3 when rejects/read exceeds r (0-1)', ratio)
    .option(
      '--resume [strict]',
      'continue the latest unfinished run: unchanged inputs skip what it committed, changed or new ones are read from the start (said so); --resume=strict refuses changed inputs',
      resumeValue,
    )
    .option('--wait-lock', 'wait for another run into the same table to finish instead of exiting')
    .option(
      '--compute <list>',
      'compute identifiers with RDKit: any of smiles,inchi,inchikey,formula,mw (or all)',
      computeList,
    )
    .option('--recompute', 'replace identifiers the file provides with computed ones (with --compute)')
    .option('--validate', 'reject structures RDKit refuses (bad valence, unparseable), with its reason')
    .option(
      '--standardize',
      'fill std_smiles/std_inchikey and parent_smiles/parent_inchikey (ChEMBL-style standardiser, salts stripped)',
    )
    .option(
      '--reject-on <kinds>',
      'with --validate, warning kinds that reject a record: any of stereo-lost,zero-coords,rdkit,repaired,standardize',
      rejectOnList,
    )
    .option(
      '--chem-timeout-ms <ms>',
      `per-record time limit for chemistry (default ${D.chemTimeoutMs})`,
      integerIn(L.chemTimeoutMs.min, L.chemTimeoutMs.max),
    )
    .option(
      '--rdkit-mol',
      'add a mol column filled by the RDKit cartridge, with a GiST index (needs CREATE EXTENSION rdkit)',
    )
    .option('--inputs-from <file>', 'read more inputs (paths or URLs), one a line, from a file; - for stdin')
    .option(
      '--checksum <how>',
      'auto (verify against <file>.md5 when published), none, md5:HEX or sha256:HEX',
      D.checksum as string,
    )
    .option('--download-dir <dir>', 'download URL inputs here first, verified before importing');
  return addHttpRetryOptions(upToDownloads, 'retries per URL input after a failure or a dropped connection')
    .addOption(
      new Option(
        '--sync [mode]',
        'after a complete run, delete rows of this source the run did not see (soft: set deleted_at)',
      ).choices(['hard', 'soft'] as const),
    )
    .option(
      '--max-delete-fraction <r>',
      `--sync refuses (exit 3, nothing deleted) when more than this share would go (default ${D.maxDeleteFraction})`,
      ratio,
    )
    .option('--release <name>', 'release the inputs belong to (default: chembl_NN from a ChEMBL file name)')
    .option('--force', 'import files even when a completed run already loaded the same bytes');
}

/** `--http-retries` and `--http-retry-delay-ms` (URL inputs of an import, an IDs file of `delete`). */
function addHttpRetryOptions(cmd: Command, retriesHelp: string): Command {
  return cmd
    .option(
      '--http-retries <n>',
      retriesHelp,
      integerIn(L.httpRetries.min, L.httpRetries.max),
      D.httpRetries as number,
    )
    .option(
      '--http-retry-delay-ms <ms>',
      'first retry delay, doubled each time',
      integerIn(L.httpRetryDelayMs.min, L.httpRetryDelayMs.max),
      D.httpRetryDelayMs as number,
    );
}

const DESCRIPTIONS: Record<(typeof SOURCES)[number], string> = {
  chembl: 'import ChEMBL SDF dumps, chemreps.txt or web exports (ID: chembl_id, else title line)',
  pubchem: 'import PubChem Compound SDF or CID/SMILES files (ID: PUBCHEM_COMPOUND_CID)',
  generic: 'import any SDF/CSV (ID: --id-field, else the title line)',
};

function importCommand(source: (typeof SOURCES)[number]) {
  return addImportOptions(
    new Command(source)
      .description(DESCRIPTIONS[source])
      .argument('[files...]', 'files, globs or http(s)/file URLs; - for stdin'),
  );
}

function runsCommand() {
  return addDatabaseOptions(
    new Command('runs').description('list recent import runs recorded in molimport_runs'),
  ).option('--limit <n>', 'how many runs', integerIn(1, 10_000), 20);
}

function deleteCommand() {
  const del = new Command('delete')
    .description('delete the rows of a source whose IDs a file lists (e.g. PubChem killed CIDs), in batches')
    .argument('<source>', 'chembl, pubchem or generic')
    .requiredOption('--ids-file <file>', 'one ID a line, plain or gzip, a path or an http(s) URL')
    .option('--dry-run', 'count what would be deleted; delete nothing')
    .option('--resume', 'continue the latest unfinished delete run for the same file')
    .option('--batch-size <n>', 'IDs per transaction', integerIn(1, 1_000_000), 10_000)
    .option('--wait-lock', 'wait for another run into the same table to finish instead of exiting');
  return addDatabaseOptions(addHttpRetryOptions(del, 'retries after a failure or a dropped connection'));
}

function overlapCommand() {
  return addDatabaseOptions(
    new Command('overlap').description(
      'how many molecules of one source share an InChIKey with another source (e.g. ChEMBL and PubChem)',
    ),
  )
    .option('--sources <list>', 'only these sources, comma-separated (default: all in the table)')
    .addOption(
      new Option(
        '--by <level>',
        'identity level: full InChIKey, connectivity (first InChIKey block), or parent (needs --standardize)',
      )
        .choices(['inchikey', 'connectivity', 'parent'] as const)
        .default('inchikey' as const),
    );
}

function queryCommand() {
  return new Command('query')
    .description('run one SQL statement against the target database (how to reach the embedded one)')
    .argument('<sql>', "e.g. 'select source, count(*) from molecules group by 1'")
    .option('--db <url>', 'PostgreSQL connection string (default: DATABASE_URL, PG* variables, or embedded)')
    .option('--json', 'print the rows as a JSON array');
}

function enqueueCommand() {
  const enqueue = new Command('enqueue')
    .description('queue one job per input file in a named set, for `molimport worker` on any machine')
    .addArgument(new Argument('<source>', 'source profile').choices(SOURCES))
    .argument('<files...>', 'files or globs, on a filesystem every worker reads')
    .option('--set <name>', 'name of the job set (default: generated and printed)')
    .option('--retries <n>', 'times a failed, expired or handed-back job is retried', integerIn(0, 1_000), 10)
    .option(
      '--lease-seconds <s>',
      'how long one attempt may hold a file before another worker may take it over',
      integerIn(1, 7 * 24 * 3600),
      900,
    );
  return addImportOptions(enqueue);
}

function workerCommand() {
  return addDatabaseOptions(
    new Command('worker').description('take jobs from the queue and import their files until stopped'),
  )
    .option('--concurrency <n>', 'files imported at once', integerIn(1, 64), 1)
    .option('--drain', 'exit when the sets served have no work left')
    .option('--set <name>', 'serve only this set (default: every set with work left)')
    .option('--poll-ms <ms>', 'how often to look for work when idle', integerIn(100, 600_000), 1_000)
    .option(
      '--maintenance-seconds <s>',
      'how often to expire jobs whose worker vanished (pg-boss maintenance)',
      integerIn(1, 3_600),
      30,
    );
}

function fleetStatusCommand() {
  return addDatabaseOptions(
    new Command('status').description('per file: state, worker, records, rate, rejects, attempts'),
  ).option('--set <name>', 'one set (default: all)');
}

function fleetWaitCommand() {
  return addDatabaseOptions(
    new Command('wait').description('block until the set is done; exit codes as one import'),
  )
    .requiredOption('--set <name>', 'the set to wait for')
    .option('--poll-ms <ms>', 'how often to look', integerIn(100, 600_000), 2_000);
}

/*
 * The parsed options of each command, as its flags above give them (commander's camelCase names;
 * a flag without a value is `true` or absent; `--no-x` gives `x: boolean`). Typed once here, at
 * the action boundary, instead of a cast per use. (@commander-js/extra-typings infers these, but
 * on the import command's 45 flags it kept tsc busy for minutes.)
 */
export interface DatabaseCliOptions {
  db?: string;
  schema: string;
  table: string;
  json?: true;
  quiet?: true;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'silent';
  logFile?: string;
}

export interface ImportCliOptions extends DatabaseCliOptions {
  createSchema?: true;
  mode: WriteMode;
  workers: number;
  batchSize?: number;
  minBatchSize?: number;
  maxBatchSize?: number;
  targetBatchMs?: number;
  memoryLimit?: number;
  maxBatchBytes?: number;
  adaptive: boolean;
  parallel: boolean;
  idField?: string;
  format?: InputFormat;
  limit?: number;
  dryRun?: true;
  rejects?: string;
  maxErrors?: number;
  maxErrorRate?: number;
  resume?: true | 'strict';
  waitLock?: true;
  compute?: ComputeField[];
  recompute?: true;
  validate?: true;
  standardize?: true;
  rejectOn?: ImportOptions['rejectOn'];
  chemTimeoutMs?: number;
  rdkitMol?: true;
  inputsFrom?: string;
  checksum: string;
  downloadDir?: string;
  httpRetries: number;
  httpRetryDelayMs: number;
  sync?: true | 'hard' | 'soft';
  maxDeleteFraction?: number;
  release?: string;
  force?: true;
}

export interface RunsCliOptions extends DatabaseCliOptions {
  limit: number;
}

export interface DeleteCliOptions extends DatabaseCliOptions {
  idsFile: string;
  dryRun?: true;
  resume?: true;
  batchSize: number;
  waitLock?: true;
  httpRetries: number;
  httpRetryDelayMs: number;
}

export interface OverlapCliOptions extends DatabaseCliOptions {
  sources?: string;
  by: OverlapLevel;
}

export interface QueryCliOptions {
  db?: string;
  json?: true;
}

export interface EnqueueCliOptions extends ImportCliOptions {
  set?: string;
  retries: number;
  leaseSeconds: number;
}

export interface WorkerCliOptions extends DatabaseCliOptions {
  concurrency: number;
  drain?: true;
  set?: string;
  pollMs: number;
  maintenanceSeconds: number;
}

export interface FleetStatusCliOptions extends DatabaseCliOptions {
  set?: string;
}

export interface FleetWaitCliOptions extends DatabaseCliOptions {
  set: string;
  pollMs: number;
}

export interface ProgramHandlers {
  importCommand(source: (typeof SOURCES)[number], files: string[], opts: ImportCliOptions): Promise<void>;
  runsCommand(opts: RunsCliOptions): Promise<void>;
  deleteCommand(source: string, opts: DeleteCliOptions): Promise<void>;
  overlapCommand(opts: OverlapCliOptions): Promise<void>;
  queryCommand(sql: string, opts: QueryCliOptions): Promise<void>;
  enqueueCommand(source: (typeof SOURCES)[number], files: string[], opts: EnqueueCliOptions): Promise<void>;
  workerCommand(opts: WorkerCliOptions): Promise<void>;
  fleetStatusCommand(opts: FleetStatusCliOptions): Promise<void>;
  fleetWaitCommand(opts: FleetWaitCliOptions): Promise<void>;
}

export function buildProgram(version: string, handlers: ProgramHandlers): Command {
  const program = new Command('molimport')
    .description('Bulk-import molecules from ChEMBL and PubChem dumps (SDF, CSV/TSV, gzip) into PostgreSQL.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXAMPLES);
  for (const source of SOURCES) {
    const cmd = importCommand(source).action(async (files: string[], opts: ImportCliOptions) => {
      await handlers.importCommand(source, files, opts);
    });
    cmd.addHelpText('after', EXAMPLES);
    program.addCommand(cmd);
  }
  program.addCommand(runsCommand().action((opts: RunsCliOptions) => handlers.runsCommand(opts)));
  program.addCommand(
    deleteCommand().action((source: string, opts: DeleteCliOptions) => handlers.deleteCommand(source, opts)),
  );
  program.addCommand(overlapCommand().action((opts: OverlapCliOptions) => handlers.overlapCommand(opts)));
  program.addCommand(
    queryCommand().action((sql: string, opts: QueryCliOptions) => handlers.queryCommand(sql, opts)),
  );
  addFleetCommands(program, handlers);
  return program;
}

/** `enqueue`, `worker`, `fleet status|wait`: many machines load one set through a job queue (docs/scale-out.md). */
function addFleetCommands(program: Command, handlers: ProgramHandlers): void {
  program.addCommand(
    enqueueCommand().action((source: (typeof SOURCES)[number], files: string[], opts: EnqueueCliOptions) =>
      handlers.enqueueCommand(source, files, opts),
    ),
  );
  program.addCommand(workerCommand().action((opts: WorkerCliOptions) => handlers.workerCommand(opts)));
  const fleet = new Command('fleet').description('follow job sets: status, wait');
  fleet
    .addCommand(
      fleetStatusCommand().action((opts: FleetStatusCliOptions) => handlers.fleetStatusCommand(opts)),
    )
    .addCommand(fleetWaitCommand().action((opts: FleetWaitCliOptions) => handlers.fleetWaitCommand(opts)));
  program.addCommand(fleet);
}
