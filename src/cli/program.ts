/** The commander program: commands, options, help. Parsing only; running is in commands/. */
import { Command, Option } from 'commander';
import { batchBytes, byteSize, computeList, integerIn, ratio, resumeValue } from './parse-values.js';

export const SOURCES = ['chembl', 'pubchem', 'generic'] as const;

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
    .option('--schema <name>', 'target schema', 'public')
    .option('--table <name>', 'target table', 'molecules')
    .option('--json', 'print one JSON object on stdout instead of the table')
    .option('-q, --quiet', 'no progress bars; log lines only')
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['trace', 'debug', 'info', 'warn', 'error', 'silent'])
        .default('info'),
    )
    .option('--log-file <path>', 'write log lines to this file instead of stderr');
}

export function addImportOptions(cmd: Command): Command {
  addDatabaseOptions(cmd)
    .addOption(
      new Option(
        '--mode <mode>',
        'insert: new rows only (conflicts are rejects); upsert: insert or update; skip: keep existing',
      )
        .choices(['insert', 'upsert', 'skip'])
        .default('upsert'),
    )
    .option('--workers <n>', 'batches written in parallel (1-64)', integerIn(1, 64), 2)
    .option('--batch-size <n>', 'initial batch size (records)', integerIn(1, 1_000_000))
    .option('--min-batch-size <n>', 'smallest batch size', integerIn(1, 1_000_000))
    .option('--max-batch-size <n>', 'largest batch size', integerIn(1, 1_000_000))
    .option('--target-batch-ms <ms>', 'batch duration the adaptive strategy aims for', integerIn(10, 600_000))
    .option('--memory-limit <size>', 'memory the strategy stays under, e.g. 1GiB', byteSize)
    .option(
      '--max-batch-bytes <size>',
      'largest adaptive batch, in bytes of records (default 6MiB; more is faster and uses more memory)',
      batchBytes,
    )
    .option('--no-adaptive', 'fixed batch size (--batch-size)')
    .option('--no-parallel', 'write one batch at a time')
    .option('--id-field <name>', 'field holding the molecule ID (generic source; overrides the profile)')
    .addOption(
      new Option('--format <format>', 'input format (default: sniffed from content)').choices(['sdf', 'csv']),
    )
    .option('--limit <n>', 'stop after this many records', integerIn(1, Number.MAX_SAFE_INTEGER))
    .option('--dry-run', 'read, transform and validate; write nothing')
    .option(
      '--rejects <file>',
      'file for rejected records (default: molimport-rejects-<time>.sdf|.csv, created when needed)',
    )
    .option(
      '--max-errors <n>',
      'stop with exit 3 after more than n rejects',
      integerIn(0, Number.MAX_SAFE_INTEGER),
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
      '--chem-timeout-ms <ms>',
      'per-record time limit for chemistry (default 10000)',
      integerIn(1, 3_600_000),
    )
    .option(
      '--rdkit-mol',
      'add a mol column filled by the RDKit cartridge, with a GiST index (needs CREATE EXTENSION rdkit)',
    );
  return cmd;
}

export interface ProgramHandlers {
  importCommand(
    source: (typeof SOURCES)[number],
    files: string[],
    opts: Record<string, unknown>,
  ): Promise<void>;
  runsCommand(opts: Record<string, unknown>): Promise<void>;
  overlapCommand(opts: Record<string, unknown>): Promise<void>;
  queryCommand(sql: string, opts: Record<string, unknown>): Promise<void>;
}

export function buildProgram(version: string, handlers: ProgramHandlers): Command {
  const program = new Command('molimport')
    .description('Bulk-import molecules from ChEMBL and PubChem dumps (SDF, CSV/TSV, gzip) into PostgreSQL.')
    .version(version)
    .showHelpAfterError('(run with --help for usage)')
    .addHelpText('after', EXAMPLES);

  const descriptions: Record<(typeof SOURCES)[number], string> = {
    chembl: 'import ChEMBL SDF dumps, chemreps.txt or web exports (ID: chembl_id, else title line)',
    pubchem: 'import PubChem Compound SDF or CID/SMILES files (ID: PUBCHEM_COMPOUND_CID)',
    generic: 'import any SDF/CSV (ID: --id-field, else the title line)',
  };
  for (const source of SOURCES) {
    const cmd = new Command(source)
      .description(descriptions[source])
      .argument('<files...>', 'files or globs; - for stdin');
    addImportOptions(cmd).action(async (files: string[], opts: Record<string, unknown>) => {
      await handlers.importCommand(source, files, opts);
    });
    cmd.addHelpText('after', EXAMPLES);
    program.addCommand(cmd);
  }

  const runs = new Command('runs').description('list recent import runs recorded in molimport_runs');
  addDatabaseOptions(runs)
    .option('--limit <n>', 'how many runs', integerIn(1, 10_000), 20)
    .action(async (opts: Record<string, unknown>) => {
      await handlers.runsCommand(opts);
    });
  program.addCommand(runs);

  const overlap = new Command('overlap').description(
    'how many molecules of one source share an InChIKey with another source (e.g. ChEMBL and PubChem)',
  );
  addDatabaseOptions(overlap)
    .option('--sources <list>', 'only these sources, comma-separated (default: all in the table)')
    .action(async (opts: Record<string, unknown>) => {
      await handlers.overlapCommand(opts);
    });
  program.addCommand(overlap);

  const query = new Command('query')
    .description('run one SQL statement against the target database (how to reach the embedded one)')
    .argument('<sql>', "e.g. 'select source, count(*) from molecules group by 1'")
    .option('--db <url>', 'PostgreSQL connection string (default: DATABASE_URL, PG* variables, or embedded)')
    .option('--json', 'print the rows as a JSON array')
    .action(async (sql: string, opts: Record<string, unknown>) => {
      await handlers.queryCommand(sql, opts);
    });
  program.addCommand(query);
  return program;
}
