import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { detectFormat } from '../../src/sources/detect-format.js';
import { openInput } from '../../src/sources/open-input.js';
import { readRecords } from '../../src/sources/read-records.js';
import type { SourceRecord } from '../../src/types.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'molimport-open-'));
const tmp = (name: string, data: Buffer | string): string => {
  const p = join(dir, name);
  writeFileSync(p, data);
  return p;
};

async function drain(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts);
}

async function records(path: string): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  for await (const r of readRecords(path)) out.push(r);
  return out;
}

describe('openInput', () => {
  it('detects gzip by magic bytes, not by name, and counts compressed bytes', async () => {
    const sdf = readFileSync(join(FIXTURES, 'nasty_sdf/cdk_weirdprops.sdf'));
    const gz = tmp('misnamed.txt', gzipSync(sdf));
    const input = await openInput(gz);
    expect(input).toMatchObject({ compressed: true, format: 'sdf', totalBytes: gzipSync(sdf).length });
    expect((await drain(input.stream)).equals(sdf)).toBe(true);
    expect(input.bytesRead()).toBe(input.totalBytes);
  });

  it('reads concatenated multi-member gzip', async () => {
    const a = 'A\n  x\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n$$$$\n';
    const p = tmp('multi.sdf.gz', Buffer.concat([gzipSync(a), gzipSync(a.replace('A', 'B'))]));
    expect((await records(p)).map((r) => (r as { title: string }).title)).toEqual(['A', 'B']);
  });

  it('rejects a truncated gzip with the file and byte offset', async () => {
    const full = readFileSync(join(FIXTURES, 'chembl_sdf/rdkit-tutorials_approved_drugs.sdf.gz'));
    const p = tmp('truncated.sdf.gz', full.subarray(0, full.length - 1000));
    const err = await records(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/truncated\.sdf\.gz: truncated gzip.*at byte \d+/);
    expect((err as InputError).byteOffset).toBe(full.length - 1000);
    expect((err as InputError).file).toBe(p);
  });

  it('rejects a gzip inside a gzip as binary (after decompression)', async () => {
    const p = tmp('double.sdf.gz', gzipSync(gzipSync('x\n$$$$\n')));
    await expect(openInput(p)).rejects.toThrow(/not a text file .* at byte 0 of the decompressed data/);
  });

  it('rejects binary junk with the byte offset', async () => {
    const p = tmp('junk.sdf', Buffer.from([0x41, 0x42, 0x0a, 0x00, 0x01, 0x02]));
    const err = await openInput(p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).byteOffset).toBe(3);
    expect((err as InputError).message).toMatch(/junk\.sdf: not a text file .* at byte 3/);
  });

  it('gives a clear error for a missing file and a directory', async () => {
    await expect(openInput(join(dir, 'nope.sdf'))).rejects.toThrow(
      /nope\.sdf: cannot open input \(no such file\)/,
    );
    await expect(openInput(dir)).rejects.toThrow(/is a directory/);
  });

  it('reads an empty file (plain or gzip) as zero records', async () => {
    expect(await records(tmp('empty.sdf', ''))).toEqual([]);
    expect(await records(tmp('empty.sdf.gz', gzipSync('')))).toEqual([]);
    expect(await records(tmp('empty.csv', ''))).toEqual([]);
  });

  it('reads `-` from the given stdin', async () => {
    const stdin = Readable.from([Buffer.from('CID,SMILES\n'), Buffer.from('5,CCO\n')]);
    const input = await openInput('-', { stdin });
    expect(input.totalBytes).toBeUndefined();
    expect(input.format).toBe('csv');
    expect((await drain(input.stream)).toString()).toBe('CID,SMILES\n5,CCO\n');
  });
});

describe('detectFormat', () => {
  it('detects SDF by content and CSV otherwise; override wins', async () => {
    expect(detectFormat('x\n  p\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n', 'a.txt')).toBe('sdf');
    expect(detectFormat('title\nM  END\n', 'a.csv')).toBe('sdf');
    expect(detectFormat('chembl_id\tcanonical_smiles\n', 'a.sdf')).toBe('csv');
    expect(detectFormat('', 'a.sdf.gz')).toBe('sdf');
    const p = tmp('list.sdf', 'CID,SMILES\n5,CCO\n');
    expect((await openInput(p)).format).toBe('csv');
    expect((await openInput(p, { format: 'sdf' })).format).toBe('sdf');
  });
});
