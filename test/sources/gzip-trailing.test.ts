/**
 * Gzip read member by member (issue 15, item 11): with trailing garbage after the last member,
 * every record is read first and the garbage is then reported (as `gzip -d` does); concatenated
 * members, CRC and truncation still behave.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { openInput } from '../../src/sources/open-input.js';
import { parseJsonStats, runCli } from '../helpers/cli.js';
import { tilePubchem } from '../helpers/tile.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'molimport-gzip-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function readAll(file: string): Promise<{ text: string; error: unknown }> {
  const parts: Buffer[] = [];
  try {
    const input = await openInput(file);
    for await (const c of input.stream) parts.push(c);
    return { text: Buffer.concat(parts).toString('utf8'), error: undefined };
  } catch (error) {
    return { text: Buffer.concat(parts).toString('utf8'), error };
  }
}

const body = Array.from({ length: 300_000 }, (_v, i) => `line ${i}`).join('\n') + '\n';

describe('gzip members', () => {
  it('trailing garbage: all data first, then an InputError naming the offset', async () => {
    const gz = gzipSync(body);
    const file = path.join(dir, 'garbage.gz');
    await writeFile(file, Buffer.concat([gz, Buffer.from('this is not gzip\n')]));
    const { text, error } = await readAll(file);
    expect(text).toBe(body);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/17 bytes of trailing data after the last gzip member/);
    expect((error as InputError).byteOffset).toBe(gz.length);
  });

  it('concatenated members are one stream; a bad CRC and a truncation are errors', async () => {
    const a = gzipSync(body.slice(0, 1000));
    const b = gzipSync(body.slice(1000));
    const file = path.join(dir, 'two.gz');
    await writeFile(file, Buffer.concat([a, b]));
    expect((await readAll(file)).text).toBe(body);

    const bad = Buffer.from(a);
    bad.writeUInt32LE((bad.readUInt32LE(bad.length - 8) ^ 1) >>> 0, bad.length - 8);
    await writeFile(file, bad);
    expect(String((await readAll(file)).error)).toMatch(/CRC-32 mismatch|length mismatch/);

    await writeFile(file, b.subarray(0, b.length - 20));
    expect(String((await readAll(file)).error)).toMatch(/truncated gzip/);
  });

  it('the import reads all 1,000 records of a member followed by garbage, then exits 1 naming it', async () => {
    const sdf = path.join(dir, 'thousand.sdf');
    tilePubchem(1_000, sdf);
    const file = path.join(dir, 'thousand.sdf.gz');
    await writeFile(file, Buffer.concat([gzipSync(readFileSync(sdf)), Buffer.alloc(512, 0x41)]));
    const r = await runCli(['pubchem', file, '--dry-run', '--json']);
    expect(r.code).toBe(1);
    const s = parseJsonStats(r.stdout);
    expect(s.read).toBe(1_000);
    expect(s.errorCode).toBe('MOLIMPORT_INPUT');
    expect(s.error).toMatch(/512 bytes of trailing data after the last gzip member/);
  });
});
