#!/usr/bin/env node
// Build step (after tsc): a fresh PGlite cluster, dumped and repacked (src/sink/pgdata-pack.ts) to
// dist/pgdata-template.pack, tagged with the PGlite version in dist/pgdata-template.pack.version. A
// new embedded database unpacks it instead of running initdb (src/sink/pglite-template.ts). Skipped
// when an up-to-date one exists.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { packDataDir } from '../dist/sink/pgdata-pack.js';
import { parseTar, pgliteVersion, TEMPLATE_SETTINGS } from '../dist/sink/pglite-template.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'pgdata-template.pack');
// The tar.gz that builds before the pack wrote: nothing reads it any more.
for (const old of ['', '.version', '.settings'])
  rmSync(path.join(root, 'dist', `pgdata-template.tar.gz${old}`), { force: true });
const tag = `${out}.version`;
const version = pgliteVersion();

// The settings are part of what the template is: one made with others is made again.
const settingsFile = `${out}.settings`;
const settings = `${JSON.stringify(TEMPLATE_SETTINGS)}\n`;
if (
  existsSync(out) &&
  existsSync(tag) &&
  readFileSync(tag, 'utf8').trim() === version &&
  existsSync(settingsFile) &&
  readFileSync(settingsFile, 'utf8') === settings
)
  process.exit(0);

const started = performance.now();
const db = await PGlite.create('memory://');
for (const [name, value] of Object.entries(TEMPLATE_SETTINGS))
  await db.query(`ALTER SYSTEM SET ${name} = '${value}'`);
// Uncompressed: the pack compresses what it keeps.
const dump = await db.dumpDataDir('none');
await db.close();
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(`${out}.tmp`, packDataDir(parseTar(Buffer.from(await dump.arrayBuffer()))));
renameSync(`${out}.tmp`, out);
writeFileSync(tag, `${version}\n`);
writeFileSync(settingsFile, settings);
console.error(
  `[build] embedded database template: ${path.relative(root, out)} (PGlite ${version}, ${((performance.now() - started) / 1000).toFixed(1)} s)`,
);
