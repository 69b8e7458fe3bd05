/**
 * The template's storage format: every file comes back byte for byte, identical contents are
 * stored once, zero pages come back as holes, and a damaged or hostile pack is refused.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { packDataDir, readPack } from '../../src/sink/pgdata-pack.js';

const PAGE = 8192;
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'molimport-pack-'));
  dirs.push(d);
  return d;
}

/** A pack written by hand: what a damaged or hostile template could hold. */
function rawPack(
  index: unknown,
  data: Buffer = Buffer.alloc(0),
  magic = 'molimport-pgdata-pack 1\n',
): Buffer {
  const json = Buffer.from(JSON.stringify(index));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(json.length);
  return gzipSync(Buffer.concat([Buffer.from(magic), length, json, data]));
}

describe('packDataDir / readPack', () => {
  const random = randomBytes(4 * PAGE);
  // Zero pages at the start, in the middle and at the end, around non-zero ones.
  const holey = Buffer.concat([
    Buffer.alloc(2 * PAGE),
    random.subarray(0, PAGE),
    Buffer.alloc(PAGE),
    random.subarray(PAGE, PAGE + 100),
    Buffer.alloc(3 * PAGE),
  ]);
  const entries = [
    { name: 'base', type: 'directory' as const, data: Buffer.alloc(0) },
    { name: 'base/1', type: 'directory' as const, data: Buffer.alloc(0) },
    { name: 'base/1/1259', type: 'file' as const, data: random },
    { name: 'base/5/1259', type: 'file' as const, data: Buffer.from(random) },
    { name: 'pg_wal/000000010000000000000001', type: 'file' as const, data: holey },
    { name: 'PG_VERSION', type: 'file' as const, data: Buffer.from('19\n') },
    { name: 'base/1/2836', type: 'file' as const, data: Buffer.alloc(0) },
    { name: 'global/zeros', type: 'file' as const, data: Buffer.alloc(2 * PAGE) },
  ];

  it('writes every file back byte for byte, with the zero pages as holes', () => {
    const dir = tempDir();
    const pack = readPack(packDataDir(entries));
    pack.writeTo(dir);
    for (const e of entries) {
      const at = path.join(dir, e.name);
      if (e.type === 'directory') expect(statSync(at).isDirectory(), e.name).toBe(true);
      else expect(readFileSync(at).equals(e.data), e.name).toBe(true);
    }
    // 12 pages long, 2 of them not zero: the file system holds only those (ext4, xfs, tmpfs).
    const wal = statSync(path.join(dir, 'pg_wal/000000010000000000000001'));
    expect(wal.size).toBe(holey.length);
    expect(wal.blocks * 512).toBeLessThan(holey.length / 2);
    expect(statSync(path.join(dir, 'global/zeros')).blocks).toBe(0);
    const version = pack.entries.find((e) => e.name === 'PG_VERSION')!;
    expect(pack.fileBytes(version).toString()).toBe('19\n');
    expect(pack.fileBytes(pack.entries.find((e) => e.name.startsWith('pg_wal/'))!).equals(holey)).toBe(true);
  });

  it('stores identical contents once and leaves zero pages out', () => {
    const raw = gunzipSync(packDataDir(entries));
    // Random bytes do not compress: two copies of 32 KiB and a holey file of 12 pages would take
    // ~160 KB; stored once and without zero pages, 32 KiB + the holey file's 2 non-zero pages
    // (zeros inside a page are kept) and the index.
    expect(raw.length).toBeGreaterThan(random.length + 2 * PAGE);
    expect(raw.length).toBeLessThan(random.length + 2 * PAGE + 2048);
  });

  it('refuses a pack that is not one, is truncated, or leads outside its directory', () => {
    expect(() => readPack(gzipSync(Buffer.from('ustar')))).toThrow(/not a molimport data directory pack/);
    const file = { name: 'a', type: 'file', size: 10, content: 0 };
    expect(() => readPack(rawPack({ entries: [file], contents: [[[0, 10]]] }, Buffer.alloc(5, 1)))).toThrow(
      /holds 5 data bytes, its index 10/,
    );
    for (const name of ['../escape', 'a/../../escape', '/etc/passwd'])
      expect(() =>
        readPack(rawPack({ entries: [{ ...file, name }], contents: [[[0, 10]]] }, Buffer.alloc(10, 1))),
      ).toThrow(/unsafe path/);
    expect(() =>
      readPack(rawPack({ entries: [{ ...file, size: 4 }], contents: [[[0, 10]]] }, Buffer.alloc(10, 1))),
    ).toThrow(/"a": extent outside the file/);
    expect(() =>
      readPack(rawPack({ entries: [{ ...file, content: 3 }], contents: [[[0, 10]]] }, Buffer.alloc(10, 1))),
    ).toThrow(/"a": bad type, content or size/);
    // An extent of negative length could make the others' offsets point anywhere in the pack.
    expect(() =>
      readPack(
        rawPack(
          {
            entries: [file],
            contents: [
              [[0, 10]],
              [
                [0, -5],
                [0, 5],
              ],
            ],
          },
          Buffer.alloc(10, 1),
        ),
      ),
    ).toThrow(/bad extent length -5/);
    expect(() => packDataDir([{ name: '../x', type: 'file', data: Buffer.alloc(1) }])).toThrow(/unsafe path/);
  });
});
