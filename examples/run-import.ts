/**
 * runImport: the whole `molimport pubchem <file>` import from a program, no subprocess. Returns the
 * same stats object that `molimport --json` prints. Uses DATABASE_URL when set, else an embedded
 * database in a temporary directory.
 * Run: npx tsx examples/run-import.ts
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MolimportError, runImport, type ImportEvent } from 'molimport';

const sample = fileURLToPath(
  new URL('../fixtures/samples/pubchem_compound_head_245.sdf.gz', import.meta.url),
);
const work = await mkdtemp(path.join(tmpdir(), 'molimport-run-import-'));

// Progress and phases arrive as events; here they go to stderr, stdout keeps the result.
const onEvent = (event: ImportEvent): void => {
  if (event.type === 'phase-done') process.stderr.write(`${event.phase}: done ${event.detail ?? ''}\n`);
  if (event.type === 'warning') process.stderr.write(`warning: ${event.message}\n`);
};

try {
  const stats = await runImport(
    {
      source: 'pubchem',
      files: [sample],
      database: process.env.DATABASE_URL, // undefined: the embedded database in embeddedDir
      embeddedDir: path.join(work, 'pgdata'),
      schema: process.env.MOLIMPORT_SCHEMA ?? 'public',
      createSchema: true, // without it, a schema that does not exist is refused (a typo, most likely)
      mode: 'upsert',
      cwd: work, // where a rejects file would go
    },
    { onEvent },
  );
  // A failed run still returns its stats (status 'failed', errorCode, exitCode); only invalid options throw.
  console.log(`status: ${stats.status} (exit code ${stats.exitCode})`);
  console.log(
    `read ${stats.read}: inserted ${stats.inserted}, updated ${stats.updated}, unchanged ${stats.unchanged}, rejected ${stats.rejected}`,
  );
  console.log(`${stats.batches} batches in ${stats.durationMs} ms into ${stats.table}`);
  if (stats.error !== null) console.log(`error ${stats.errorCode}: ${stats.error}`);
  process.exitCode = stats.exitCode;
} catch (err) {
  // Invalid options: a ConfigurationError/UsageError with a stable code.
  if (err instanceof MolimportError) console.error(`${err.code}: ${err.message}`);
  throw err;
} finally {
  await rm(work, { recursive: true, force: true });
}
