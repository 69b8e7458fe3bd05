/**
 * The package as users get it: `npm pack` the project (dist/ is kept fresh by the global setup),
 * install the tarball into an empty project, then import it, run its bin and type-check against its
 * `.d.ts` files. Needs the npm registry (or npm's cache) for the dependencies.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const exec = promisify(execFile);

interface PackResult {
  filename: string;
  files: { path: string }[];
}

interface Output {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a command; resolves with its exit code and output whatever the code. */
async function sh(file: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Output> {
  try {
    const { stdout, stderr } = await exec(file, args, {
      cwd,
      env: { ...process.env, ...env },
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? String(err),
    };
  }
}

function ok(out: Output, what: string): Output {
  expect(out.code, `${what} failed:\n${out.stdout}\n${out.stderr}`).toBe(0);
  return out;
}

describe('the packed package installed into an empty project', { timeout: 600_000 }, () => {
  let work = '';
  let app = '';
  let packed: PackResult;

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'molimport-pack-'));
    // --ignore-scripts: `prepare` would rebuild dist/ under the other test files' feet; the global
    // setup has already built it from the current sources.
    const pack = ok(
      await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], ROOT),
      'npm pack',
    );
    packed = (JSON.parse(pack.stdout) as PackResult[])[0] as PackResult;
    app = path.join(work, 'app');
    await mkdir(app);
    await writeFile(
      path.join(app, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }),
    );
    ok(
      await sh(
        'npm',
        [
          'install',
          path.join(work, packed.filename),
          '@types/node@^20',
          '--no-audit',
          '--no-fund',
          '--prefer-offline',
          '--loglevel=error',
        ],
        app,
      ),
      'npm install <tarball>',
    );
  }, 600_000);

  afterAll(async () => {
    if (work !== '') await rm(work, { recursive: true, force: true });
  });

  it('ships the built code with .d.ts files, the bin and the samples; no sources or tests', () => {
    const files = packed.files.map((f) => f.path);
    for (const f of [
      'package.json',
      'README.md',
      'bin/molimport.js',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli/main.js',
      'fixtures/samples/chembl_dump_head_200.sdf.gz',
      'fixtures/samples/pubchem_compound_head_245.sdf.gz',
    ]) {
      expect(files).toContain(f);
    }
    // Every module has its declarations next to it.
    const js = files.filter((f) => f.startsWith('dist/') && f.endsWith('.js'));
    expect(js.length).toBeGreaterThan(20);
    for (const f of js) expect(files, `${f} has no .d.ts`).toContain(f.replace(/\.js$/, '.d.ts'));
    expect(files.filter((f) => /^(src|test|examples|bench)\//.test(f))).toEqual([]);
  });

  it('declares type, exports, types, engines and bin', async () => {
    const installed = path.join(app, 'node_modules', 'molimport');
    const pkg = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8')) as {
      type: string;
      types: string;
      engines: { node: string };
      bin: Record<string, string>;
      exports: Record<string, { types: string; import: string } | string>;
    };
    expect(pkg.type).toBe('module');
    expect(pkg.engines.node).toBe('>=20');
    expect(pkg.exports['.']).toEqual({ types: './dist/index.d.ts', import: './dist/index.js' });
    // `types` first in the condition object, so TypeScript picks it.
    expect(Object.keys(pkg.exports['.'] as object)[0]).toBe('types');
    expect(existsSync(path.join(installed, pkg.types))).toBe(true);
    const bin = pkg.bin.molimport;
    expect(bin).toBeDefined();
    // The heap flags ride on the #! line (bin/molimport.js): `env -S` splits them off for node.
    expect(
      (await readFile(path.join(installed, bin as string), 'utf8')).startsWith('#!/usr/bin/env -S node --'),
    ).toBe(true);
    const linked = path.join(app, 'node_modules', '.bin', 'molimport');
    expect(existsSync(linked)).toBe(true);
    // Run as a program, as npm links it: the kernel reads the #! line, env finds this node on PATH.
    const { stdout } = await exec(linked, ['--version'], {
      env: { PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` },
    });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("import { ... } from 'molimport' works and a small processor run gives the right result", async () => {
    const code = `
      import {
        AdaptiveBatchProcessor, BatchProcessingManager, DatabaseOperations, runImport, readMolecules,
        toMoleculeRow, MolimportError, ConfigurationError, DatabaseError, InputError, ParseError,
        TableLockedError, ChemistryError, ResumeError,
      } from 'molimport';
      const processor = new AdaptiveBatchProcessor({
        processFunc: async (batch) => {
          if (batch.includes(13)) throw new Error('unlucky');
          return batch.map((x) => x * 2);
        },
        initialBatchSize: 4, minBatchSize: 1, maxBatchSize: 8, maxWorkers: 2,
      });
      const items = Array.from({ length: 20 }, (_, i) => i + 1);
      const outcomes = await processor.processItemsParallel(items);
      let configError;
      try { new AdaptiveBatchProcessor({ processFunc: (b) => b, maxWorkers: 0 }); } catch (e) { configError = e; }
      console.log(JSON.stringify({
        values: outcomes.map((o) => (o.ok ? o.value : 'failed:' + o.error.message)),
        processed: processor.getStats().totalItemsProcessed,
        functions: [BatchProcessingManager, DatabaseOperations.open, runImport, readMolecules, toMoleculeRow].map((f) => typeof f),
        errors: [ConfigurationError, DatabaseError, InputError, ParseError, TableLockedError, ChemistryError, ResumeError]
          .map((E) => E.prototype instanceof MolimportError),
        configError: { isBase: configError instanceof MolimportError, name: configError?.name, code: configError?.code, exitCode: configError?.exitCode },
      }));`;
    const out = ok(await sh(process.execPath, ['--input-type=module', '-e', code], app), 'node -e');
    const result = JSON.parse(out.stdout) as Record<string, unknown>;
    const items = Array.from({ length: 20 }, (_, i) => i + 1);
    expect(result.values).toEqual(items.map((x) => (x === 13 ? 'failed:unlucky' : x * 2)));
    expect(result.processed).toBe(20);
    expect(result.functions).toEqual(Array(5).fill('function'));
    expect(result.errors).toEqual(Array(7).fill(true));
    expect(result.configError).toEqual({
      isBase: true,
      name: 'ConfigurationError',
      code: 'MOLIMPORT_CONFIG',
      exitCode: 2,
    });
  });

  it('exposes only the entry point: deep imports are refused by `exports`', async () => {
    const out = await sh(
      process.execPath,
      ['--input-type=module', '-e', "await import('molimport/dist/errors.js')"],
      app,
    );
    expect(out.code).not.toBe(0);
    expect(out.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED');
  });

  it('npx molimport --help exits 0 with the usage', async () => {
    // npm_config_yes=false: never fetch some other "molimport" from the registry.
    const out = ok(
      await sh('npx', ['molimport', '--help'], app, { npm_config_yes: 'false' }),
      'npx molimport --help',
    );
    expect(out.stdout).toContain('Usage: molimport [options] [command]');
    for (const command of ['chembl', 'pubchem', 'generic', 'runs', 'query'])
      expect(out.stdout).toContain(command);
  });

  it('npx molimport runs a dry-run import of the packed ChEMBL sample (200 records)', async () => {
    const sample = path.join(
      'node_modules',
      'molimport',
      'fixtures',
      'samples',
      'chembl_dump_head_200.sdf.gz',
    );
    const out = ok(
      await sh('npx', ['molimport', 'chembl', sample, '--dry-run', '--json'], app, {
        npm_config_yes: 'false',
      }),
      'npx molimport chembl --dry-run',
    );
    const stats = JSON.parse(out.stdout) as {
      status: string;
      exitCode: number;
      read: number;
      rejected: number;
    };
    expect(stats).toMatchObject({ status: 'completed', exitCode: 0, read: 200, rejected: 0 });
  });

  it('a TypeScript consumer type-checks against the shipped .d.ts (module NodeNext, strict)', async () => {
    const root = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    // The declarations mention `pg.Pool`; without @types/pg among the dependencies a consumer sees
    // TS7016 under skipLibCheck: false, and `pool` silently becomes `any` under skipLibCheck: true.
    const typesShipped = root.dependencies?.['@types/pg'] !== undefined;
    await writeFile(
      path.join(app, 'consumer.ts'),
      `import {
  AdaptiveBatchProcessor, BatchProcessingManager, DatabaseOperations, MolimportError, runImport,
  type DatabaseOperationsOptions, type ErrorCode, type ImportEvent, type ImportStats, type ItemOutcome,
  type ProcessorOptions,
} from 'molimport';

type IsAny<T> = 0 extends 1 & T ? true : false;
export const statsNotAny: IsAny<ImportStats> = false;
export const optionsNotAny: IsAny<DatabaseOperationsOptions> = false;
${typesShipped ? "export const poolNotAny: IsAny<NonNullable<DatabaseOperationsOptions['pool']>> = false;" : ''}

const processor = new AdaptiveBatchProcessor<number, string>({ processFunc: async (batch) => batch.map(String) });
export const outcomes: Promise<ItemOutcome<number, string>[]> = processor.processItems([1, 2, 3]);
export const run: Promise<ImportStats> = runImport({ source: 'chembl', files: ['x.sdf'] }, {
  onEvent: (e: ImportEvent) => void e.type,
});
export const open: Promise<DatabaseOperations> = DatabaseOperations.open({ embedded: { dataDir: '/tmp/x' } });
export const manager = new BatchProcessingManager<DatabaseOperations>({ maxWorkers: 2 });
export const code: ErrorCode = new MolimportError('m', 'MOLIMPORT_USAGE', 2).code;

// The types are real: wrong options are compile errors.
// @ts-expect-error maxWorkers is a number
export const bad: ProcessorOptions<number, number> = { processFunc: (b) => b, maxWorkers: 'many' };
// @ts-expect-error not a source
export const badRun = runImport({ source: 'zinc', files: [] });
// @ts-expect-error not an error code
export const badCode: ErrorCode = 'MOLIMPORT_NOPE';
`,
    );
    await writeFile(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          types: ['node'],
          // Check the shipped declarations themselves too, once they are self-contained.
          skipLibCheck: !typesShipped,
        },
        include: ['consumer.ts'],
      }),
    );
    ok(await sh(process.execPath, [TSC, '-p', 'tsconfig.json'], app), 'tsc --noEmit in the consumer');
  });
});
