/**
 * Every example in README.md and docs/*.md is run, so the docs cannot drift from the code: `sh`
 * blocks with bash (`molimport` on PATH, the samples copied under the names the docs use, a scratch
 * database as DATABASE_URL), `ts` blocks with tsx importing 'molimport' as a user would. A block that
 * cannot run here says why in its info string (```sh norun (needs the RDKit cartridge)); output
 * and transcripts are `text`, `json` or a fence without a language. Links between the docs must resolve, and the README stays a front page.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realPostgresReachable, testDatabaseUrl } from '../helpers/db.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const SAMPLES = path.join(ROOT, 'fixtures', 'samples');
const run = promisify(execFile);

const DOCS = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).map((f) => `docs/${f}`)].filter((f) =>
  f.endsWith('.md'),
);
const RUNNABLE = new Set(['sh', 'bash', 'ts']);
// Output and transcripts: `text`, `json`, or a fence with no language.
const OUTPUT = new Set(['text', 'json', '']);

interface Block {
  doc: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  info: string;
  code: string;
}

function blocks(doc: string): Block[] {
  const lines = readFileSync(path.join(ROOT, doc), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*(.*)$/.exec(lines[i]!);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    out.push({ doc, line: start + 1, lang: open[1]!, info: open[2]!, code: body.join('\n') });
  }
  return out;
}

/** What a block's own output must show, beyond exiting 0 (doc, a line of the block, expected stdout). */
const EXPECT: [string, string, RegExp][] = [
  ['docs/library.md', "console.log(outcomes.filter((o) => o.ok).length, 'ok');", /^1000 ok$/m],
  ['docs/library.md', 'await manager.processItems({', /rows: 200/],
  ['docs/library.md', 'console.log(stats.status, stats.inserted, stats.rejected);', /^completed 245 0$/m],
  [
    'docs/library.md',
    'if (err instanceof DatabaseError)',
    /^MOLIMPORT_DATABASE 1 cannot connect to postgres:\/\/loader:\*\*\*@127\.0\.0\.1:1\/chem/m,
  ],
  ['README.md', 'jq -e \'.status == "completed" and .rejected == 0\' stats.json', /^true$/m],
  ['docs/operations.md', 'cat bad.rejects.csv', /molimport_reason/],
  ['docs/operations.md', 'usage.jsonl', /^exit 2\ntrue$/m],
  ['docs/chemistry.md', 'molimport overlap', /chembl.*\n?.*pubchem|pubchem.*\n?.*chembl/s],
];

const usePostgres = await realPostgresReachable();
console.error(
  `[docs] examples run against ${usePostgres ? `a scratch database on ${new URL(testDatabaseUrl()).host}` : 'the embedded PGlite (PostgreSQL not reachable)'}`,
);

const created: string[] = [];
let shims: string;
const EXAMPLES_DIR = path.join(ROOT, '.doc-examples');

beforeAll(async () => {
  shims = await mkdtemp(path.join(tmpdir(), 'molimport-docs-bin-'));
  await writeFile(
    path.join(shims, 'molimport'),
    `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(ROOT, 'bin/molimport.js'))} "$@"\n`,
  );
  // The quick start's `npm ci` has already run (this suite runs after it); nothing else may call npm.
  await writeFile(
    path.join(shims, 'npm'),
    `#!/bin/sh\n[ "$1" = ci ] && exit 0\necho "docs test: npm $* is not run from a doc block" >&2\nexit 1\n`,
  );
  await chmod(path.join(shims, 'molimport'), 0o755);
  await chmod(path.join(shims, 'npm'), 0o755);
  await mkdir(EXAMPLES_DIR, { recursive: true });
});

afterAll(async () => {
  await rm(shims, { recursive: true, force: true });
  await rm(EXAMPLES_DIR, { recursive: true, force: true });
  if (created.length === 0) return;
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    for (const db of created) await client.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
});

/** A scratch directory with the samples under the docs' names, and a scratch database when there is a server. */
async function scratch(): Promise<{ dir: string; databaseUrl: string | undefined }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'molimport-docs-'));
  const chembl = path.join(SAMPLES, 'chembl_dump_head_200.sdf.gz');
  const pubchem = path.join(SAMPLES, 'pubchem_compound_head_245.sdf.gz');
  await copyFile(chembl, path.join(dir, 'chembl_35.sdf.gz'));
  await copyFile(pubchem, path.join(dir, 'Compound_000000001_000500000.sdf.gz'));
  await copyFile(pubchem, path.join(dir, 'Compound_000500001_001000000.sdf.gz'));
  await writeFile(
    path.join(dir, 'vendor.csv'),
    'catalog_id,smiles,supplier\nV-0001,CCO,acme\nV-0002,c1ccccc1,acme\n',
  );
  // The quick start runs `bin/molimport.js … fixtures/samples/…` from a checkout.
  await symlink(path.join(ROOT, 'bin'), path.join(dir, 'bin'));
  await symlink(path.join(ROOT, 'fixtures'), path.join(dir, 'fixtures'));
  if (!usePostgres) return { dir, databaseUrl: undefined };
  const name = `molimport_docs_${randomBytes(5).toString('hex')}`;
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
    created.push(name);
  } finally {
    await client.end();
  }
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${name}`;
  return { dir, databaseUrl: url.toString() };
}

async function runBlock(b: Block, dir: string, databaseUrl: string | undefined): Promise<string> {
  const env: Record<string, string> = { PATH: `${shims}:${process.env.PATH ?? ''}` };
  if (process.env.HOME !== undefined) env.HOME = process.env.HOME;
  if (databaseUrl !== undefined && !/\bembedded\b/.test(b.info)) env.DATABASE_URL = databaseUrl;
  const where = `${b.doc}:${b.line}`;
  try {
    if (b.lang === 'ts') {
      // Inside the package, so `import 'molimport'` resolves through its own `exports` to dist/.
      const file = path.join(EXAMPLES_DIR, `${b.doc.replace(/[/.]/g, '_')}_${b.line}.ts`);
      await writeFile(file, b.code + '\n');
      const { stdout } = await run(process.execPath, [TSX, file], { cwd: dir, env, timeout: 170_000 });
      return stdout;
    }
    const { stdout } = await run('bash', ['-e', '-o', 'pipefail', '-c', b.code], {
      cwd: dir,
      env,
      timeout: 170_000,
    });
    return stdout;
  } catch (err) {
    const e = err as Error & { stdout?: string; stderr?: string; code?: number };
    throw new Error(
      `${where} failed (exit ${e.code}):\n${b.code}\n--- stdout\n${e.stdout}\n--- stderr\n${e.stderr}`,
      {
        cause: err,
      },
    );
  }
}

describe('the docs', () => {
  it('README.md is a front page (at most ~12 KB) linking every file in docs/', () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(12_500);
    for (const doc of DOCS.filter((d) => d.startsWith('docs/'))) expect(readme).toContain(`](${doc})`);
  });

  it('every relative link in README.md and docs/ points to a file that exists', () => {
    for (const doc of DOCS) {
      // Code (fenced blocks and inline spans) holds SMILES such as `O[C@H](C(=O)O)`: not links.
      const text = readFileSync(path.join(ROOT, doc), 'utf8')
        .replace(/^```[\s\S]*?^```/gm, '')
        .replace(/`[^`\n]*`/g, '');
      for (const m of text.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)) {
        const target = m[1]!;
        if (/^[a-z]+:/.test(target)) continue;
        expect(existsSync(path.resolve(ROOT, path.dirname(doc), target)), `${doc}: ${target}`).toBe(true);
      }
    }
  });

  it('every code block is runnable, output, or says why it cannot run', () => {
    for (const b of DOCS.flatMap(blocks)) {
      const where = `${b.doc}:${b.line} (${b.lang || 'no language'})`;
      if (OUTPUT.has(b.lang)) continue;
      if (/^norun\b/.test(b.info)) {
        expect(b.info, `${where}: norun needs a reason, e.g. "norun (needs a remote server)"`).toMatch(
          /^norun \(.+\)$/,
        );
        continue;
      }
      expect(RUNNABLE.has(b.lang), `${where}: mark it sh, ts, text, json, or "norun (why)"`).toBe(true);
    }
  });
});

for (const doc of DOCS) {
  const runnable = blocks(doc).filter((b) => RUNNABLE.has(b.lang) && !/^norun\b/.test(b.info));
  if (runnable.length === 0) continue;
  // One scratch directory and database per document: its blocks run in order, as a reader would.
  describe(`${doc}: every runnable block`, { timeout: 180_000 }, () => {
    let dir: string;
    let databaseUrl: string | undefined;
    beforeAll(async () => {
      ({ dir, databaseUrl } = await scratch());
    });
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });
    for (const b of runnable) {
      it(`line ${b.line} (${b.lang}${b.info ? ` ${b.info}` : ''})`, async () => {
        const stdout = await runBlock(b, dir, databaseUrl);
        for (const [d, line, expected] of EXPECT) {
          if (d === doc && b.code.includes(line)) expect(stdout, `${doc}:${b.line}`).toMatch(expected);
        }
        expect(stdout + '').not.toMatch(/secret@/);
      });
    }
  });
}

it('each expectation names a block that exists', () => {
  for (const [doc, line] of EXPECT) {
    expect(
      blocks(doc).some((b) => b.code.includes(line)),
      `${doc} has no block containing ${line}`,
    ).toBe(true);
  }
});
