/**
 * The embedded database's template as stored in dist/: a data directory with each distinct file
 * content once and its all-zero 8 KiB pages left out, gzipped. A fresh cluster is 40 MB as PGlite's
 * `dumpDataDir()` tar, but template0, template1 and postgres are near copies of each other and the
 * WAL segment is mostly zeros: 15.6 MB is distinct and not zero. Inflating the tar was most of a
 * new directory's seeding time (~0.3 of 0.45 s); zero pages are written back as holes.
 *
 * Layout before gzip: MAGIC, the index's length (uint32 LE), the index (JSON), then each content's
 * extents' bytes in order.
 */
import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync, constants as zlib } from 'node:zlib';

const MAGIC = 'molimport-pgdata-pack 1\n';
/** PostgreSQL's page size: the unit in which zeros are left out. */
const PAGE = 8192;

export interface PackEntry {
  /** Relative path, never absolute and never with `..`. */
  name: string;
  type: 'file' | 'directory';
  /** File length in bytes (0 for directories). */
  size: number;
  /** Index into the pack's contents; files only. */
  content?: number;
}

interface PackIndex {
  entries: PackEntry[];
  /** Per distinct content: its non-zero extents as [offset in the file, length]. */
  contents: [number, number][][];
}

export interface DataDirPack {
  readonly entries: readonly PackEntry[];
  /** The whole contents of a file entry (holes as zeros). */
  fileBytes(entry: PackEntry): Buffer;
  /** Write every entry under `dir` (which must exist); files get mode 0600, directories 0750. */
  writeTo(dir: string): void;
}

/** Non-zero runs of `data`, in whole pages (the last one may be short). */
function extentsOf(data: Uint8Array): [number, number][] {
  const extents: [number, number][] = [];
  for (let at = 0; at < data.length; at += PAGE) {
    const end = Math.min(at + PAGE, data.length);
    let zero = true;
    for (let i = at; i < end; i++)
      if (data[i] !== 0) {
        zero = false;
        break;
      }
    if (zero) continue;
    const last = extents[extents.length - 1];
    if (last && last[0] + last[1] === at) last[1] += end - at;
    else extents.push([at, end - at]);
  }
  return extents;
}

/** Pack the entries of a data directory (files and directories, as `parseTar` returns them). */
export function packDataDir(
  entries: readonly { name: string; type: 'file' | 'directory'; data: Uint8Array }[],
): Buffer {
  const index: PackIndex = { entries: [], contents: [] };
  const chunks: Uint8Array[] = [];
  const byHash = new Map<string, number>();
  for (const e of entries) {
    checkName(e.name);
    if (e.type === 'directory') {
      index.entries.push({ name: e.name, type: 'directory', size: 0 });
      continue;
    }
    const hash = createHash('sha256').update(e.data).digest('hex');
    let content = byHash.get(hash);
    if (content === undefined) {
      content = index.contents.length;
      byHash.set(hash, content);
      const extents = extentsOf(e.data);
      index.contents.push(extents);
      for (const [at, length] of extents) chunks.push(e.data.subarray(at, at + length));
    }
    index.entries.push({ name: e.name, type: 'file', size: e.data.length, content });
  }
  const json = Buffer.from(JSON.stringify(index));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return gzipSync(Buffer.concat([Buffer.from(MAGIC), length, json, ...chunks]), {
    level: zlib.Z_BEST_COMPRESSION,
  });
}

function checkName(name: string): void {
  if (name === '' || path.isAbsolute(name) || name.split('/').some((part) => part === '..' || part === '.'))
    throw new Error(`entry ${JSON.stringify(name)}: unsafe path`);
}

/** Read a pack made by `packDataDir`; a malformed one is an error naming what is wrong. */
export function readPack(gzipped: Buffer): DataDirPack {
  // One output buffer of the size gzip's trailer records (mod 2^32): inflating into 16 KiB pieces
  // and joining them took 120–160 ms for the 15.7 MB, into one 75–85 ms. A wrong size only costs
  // speed.
  const size = gzipped.length >= 4 ? gzipped.readUInt32LE(gzipped.length - 4) : 0;
  const raw = gunzipSync(gzipped, { chunkSize: Math.max(zlib.Z_MIN_CHUNK, size) });
  if (raw.subarray(0, MAGIC.length).toString('latin1') !== MAGIC)
    throw new Error('not a molimport data directory pack');
  const jsonStart = MAGIC.length + 4;
  if (raw.length < jsonStart) throw new Error('truncated pack');
  const jsonEnd = jsonStart + raw.readUInt32LE(MAGIC.length);
  if (jsonEnd > raw.length) throw new Error('truncated pack index');
  const index = JSON.parse(raw.subarray(jsonStart, jsonEnd).toString('utf8')) as PackIndex;
  // Where each content's extents start in `raw`; every extent checked against its file and `raw`.
  const starts: number[] = [];
  let at = jsonEnd;
  for (const extents of index.contents) {
    starts.push(at);
    for (const [, length] of extents) {
      if (!Number.isSafeInteger(length) || length <= 0)
        throw new Error(`pack index: bad extent length ${length}`);
      at += length;
    }
  }
  if (at !== raw.length)
    throw new Error(`pack holds ${raw.length - jsonEnd} data bytes, its index ${at - jsonEnd}`);
  for (const e of index.entries) {
    checkName(e.name);
    if (e.type === 'directory') continue;
    const extents = e.type === 'file' ? index.contents[e.content ?? -1] : undefined;
    if (!extents || !Number.isSafeInteger(e.size) || e.size < 0)
      throw new Error(`entry ${JSON.stringify(e.name)}: bad type, content or size`);
    for (const [offset, length] of extents)
      if (!(offset >= 0 && length > 0 && offset + length <= e.size))
        throw new Error(`entry ${JSON.stringify(e.name)}: extent outside the file`);
  }
  const fileBytes = (e: PackEntry): Buffer => {
    const out = Buffer.alloc(e.size);
    let from = starts[e.content!]!;
    for (const [offset, length] of index.contents[e.content!]!) {
      raw.copy(out, offset, from, from + length);
      from += length;
    }
    return out;
  };
  const writeTo = (dir: string): void => {
    const made = new Set<string>([dir]);
    for (const e of index.entries) {
      const target = path.join(dir, e.name);
      const parent = e.type === 'directory' ? target : path.dirname(target);
      if (!made.has(parent)) {
        mkdirSync(parent, { recursive: true, mode: 0o750 });
        made.add(parent);
      }
      if (e.type === 'directory') continue;
      const fd = openSync(target, 'w', 0o600);
      try {
        let from = starts[e.content!]!;
        let end = 0;
        for (const [offset, length] of index.contents[e.content!]!) {
          if (writeSync(fd, raw, from, length, offset) !== length) throw new Error(`${target}: short write`);
          from += length;
          end = offset + length;
        }
        // The zero pages after the last extent become a hole, as those between extents did.
        if (end < e.size) ftruncateSync(fd, e.size);
      } finally {
        closeSync(fd);
      }
    }
  };
  return { entries: index.entries, fileBytes, writeTo };
}
