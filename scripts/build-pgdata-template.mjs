#!/usr/bin/env node
// Build step (after tsc): a fresh PGlite cluster dumped to dist/pgdata-template.tar.gz, tagged with
// the PGlite version in dist/pgdata-template.tar.gz.version. A new embedded database unpacks it
// instead of running initdb (src/sink/pglite-template.ts). Skipped when an up-to-date one exists.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pgliteVersion } from '../dist/sink/pglite-template.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist', 'pgdata-template.tar.gz');
const tag = `${out}.version`;
const version = pgliteVersion();

if (existsSync(out) && existsSync(tag) && readFileSync(tag, 'utf8').trim() === version) process.exit(0);

const started = performance.now();
const db = await PGlite.create('memory://');
const dump = await db.dumpDataDir('gzip');
await db.close();
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(`${out}.tmp`, Buffer.from(await dump.arrayBuffer()));
renameSync(`${out}.tmp`, out);
writeFileSync(tag, `${version}\n`);
console.error(
  `[build] embedded database template: ${path.relative(root, out)} (PGlite ${version}, ${((performance.now() - started) / 1000).toFixed(1)} s)`,
);
