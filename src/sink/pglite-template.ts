/**
 * A new embedded database starts from a pre-initialised data directory instead of running initdb:
 * PGlite's initdb in WebAssembly takes 6–7 s and ~800 MB RSS, unpacking this template ~0.1 s. The
 * template (`dist/pgdata-template.pack`, made by `scripts/build-pgdata-template.mjs` at build
 * time) is PGlite's own `dumpDataDir()` of a fresh cluster, repacked (`pgdata-pack.ts`) and tagged
 * with the PGlite version that made it: a template from another version is ignored, and PGlite runs
 * initdb as before.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, rmdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { readPack } from './pgdata-pack.js';

/** `dist/pgdata-template.pack`, found from dist/sink/ (built) and src/sink/ (tests) alike. */
export const DEFAULT_TEMPLATE = path.resolve(import.meta.dirname, '..', '..', 'dist', 'pgdata-template.pack');

/** The installed PGlite's version: a template is only valid for the version that made it. */
export function pgliteVersion(): string {
  const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
  let dir = path.dirname(entry);
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Server settings the template's cluster is made with (`ALTER SYSTEM`, kept in its
 * `postgresql.auto.conf`). `shared_buffers`: PostgreSQL's default 128 MB is touched as the import
 * runs and counts in RSS; 32 MB took ~100 MB off the peak (422 → 320 MB at 20,000 PubChem records,
 * 438 → 341 MB at 200,000) at the same speed (bench/pglite.mjs, docs/performance.md).
 */
export const TEMPLATE_SETTINGS: Readonly<Record<string, string>> = { shared_buffers: '32MB' };

/** The version tag stored beside a template (`<template>.version`). */
export function templateVersionFile(template: string): string {
  return `${template}.version`;
}

export interface TarEntry {
  /** Relative path, never absolute and never with `..`. */
  name: string;
  type: 'file' | 'directory';
  data: Buffer;
}

/**
 * The entries of an uncompressed ustar archive holding only regular files and directories (what
 * PGlite's dumpDataDir writes). Anything else, or a path leaving the archive's root, is an error.
 */
export function parseTar(archive: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  while (offset + 512 <= archive.length) {
    const header = archive.subarray(offset, offset + 512);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    const text = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const prefix = header.subarray(257, 262).toString() === 'ustar' ? text(345, 155) : '';
    const raw = prefix ? `${prefix}/${text(0, 100)}` : text(0, 100);
    const size = parseInt(text(124, 12).trim() || '0', 8);
    const flag = String.fromCharCode(header[156] ?? 0);
    const name = raw.replace(/^\/+/, '').replace(/\/+$/, '');
    if (!Number.isSafeInteger(size) || size < 0 || offset + 512 + size > archive.length)
      throw new Error(`tar entry ${JSON.stringify(raw)}: bad size`);
    if (name === '' || name.split('/').some((part) => part === '..' || part === '.'))
      throw new Error(`tar entry ${JSON.stringify(raw)}: unsafe path`);
    if (flag !== '0' && flag !== '\0' && flag !== '5')
      throw new Error(`tar entry ${JSON.stringify(raw)}: unsupported type ${JSON.stringify(flag)}`);
    const data = archive.subarray(offset + 512, offset + 512 + size);
    entries.push({ name, type: flag === '5' ? 'directory' : 'file', data });
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

async function isMissingOrEmpty(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/**
 * When `dataDir` is missing or empty and a template for this PGlite version exists, unpack the
 * template into it and return true. Returns false (leaving `dataDir` alone) otherwise, so that
 * PGlite creates the cluster itself. The template is unpacked beside `dataDir` and renamed into
 * place, so an interrupted unpack never leaves a half-made cluster behind.
 */
export async function seedDataDir(dataDir: string, template = DEFAULT_TEMPLATE): Promise<boolean> {
  if (!(await isMissingOrEmpty(dataDir))) return false;
  let tag: string;
  try {
    tag = readFileSync(templateVersionFile(template), 'utf8').trim();
  } catch {
    return false;
  }
  if (tag !== pgliteVersion() || !existsSync(template)) return false;
  const pack = readPack(readFileSync(template));
  const parent = path.dirname(dataDir);
  await mkdir(parent, { recursive: true });
  const staging = await mkdtemp(path.join(parent, `.${path.basename(dataDir)}-seed-`));
  try {
    // Synchronous on purpose: ~1,000 small files, where a thread-pool round trip each costs more
    // than the write (seconds on a busy machine).
    pack.writeTo(staging);
    // rename() replaces an empty directory but not a full one: a concurrent opener that seeded
    // first wins, and this copy is dropped.
    if (existsSync(dataDir)) await rmdir(dataDir).catch(() => undefined);
    await rename(staging, dataDir);
    return true;
  } catch (err) {
    await rm(staging, { recursive: true, force: true });
    if (!(await isMissingOrEmpty(dataDir))) return false;
    throw err;
  }
}

/**
 * Make `dataDir` ready for PGlite: seeded from the template when missing or empty, else created
 * when missing. A `memory://…` database is left alone.
 */
export async function prepareDataDir(dataDir: string, template = DEFAULT_TEMPLATE): Promise<void> {
  if (!dataDir.startsWith('memory://') && !(await seedDataDir(dataDir, template)))
    await mkdir(dataDir, { recursive: true });
}

/**
 * The PostgreSQL major version this PGlite makes data directories for, read from the template
 * (its `PG_VERSION`); undefined without a template of this PGlite version.
 */
export function templatePostgresMajor(template = DEFAULT_TEMPLATE): string | undefined {
  try {
    if (readFileSync(templateVersionFile(template), 'utf8').trim() !== pgliteVersion()) return undefined;
    const pack = readPack(readFileSync(template));
    const entry = pack.entries.find((e) => e.type === 'file' && e.name === 'PG_VERSION');
    return entry && pack.fileBytes(entry).toString('utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * Why `dataDir` cannot be opened, when it was made by another PostgreSQL major version than this
 * PGlite's (PGlite only says it "failed to initialize"); undefined when that is not the reason.
 */
export function otherMajorVersion(dataDir: string, template = DEFAULT_TEMPLATE): string | undefined {
  let made: string;
  try {
    made = readFileSync(path.join(dataDir, 'PG_VERSION'), 'utf8').trim();
  } catch {
    return undefined;
  }
  const ours = templatePostgresMajor(template);
  if (ours === undefined || made === ours) return undefined;
  return (
    `the embedded database in ${dataDir} was made by PostgreSQL ${made} (another molimport version); ` +
    `this molimport embeds PostgreSQL ${ours} (PGlite ${pgliteVersion()}), which cannot open it. ` +
    `Move it aside (mv ${dataDir} ${dataDir}.pg${made}) and import the files again. ` +
    `The molimport version that made it still opens it.`
  );
}
