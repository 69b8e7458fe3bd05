/**
 * URL inputs against a local node:http server with faults: the bytes the parser sees must be the
 * file exactly, however the download went.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { expectedChecksum, parseChecksumOption, parseMd5File } from '../../src/sources/checksum.js';
import { openInput } from '../../src/sources/open-input.js';
import { readRecords } from '../../src/sources/read-records.js';
import { startFixtureServer, startForwardProxy, type FixtureServer } from '../helpers/http-fixture-server.js';

const SAMPLE = fileURLToPath(new URL('../../fixtures/samples/chembl_dump_head_200.sdf.gz', import.meta.url));
const gz = readFileSync(SAMPLE);
const plain = gunzipSync(gz);
const md5 = createHash('md5').update(gz).digest('hex');
const fast = { retries: 3, retryDelayMs: 10, env: {} };

async function drain(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c);
  return Buffer.concat(parts);
}

let server: FixtureServer;
beforeAll(async () => {
  server = await startFixtureServer();
});
afterAll(async () => {
  await server.close();
});
afterEach(() => {
  server.files.clear();
  server.log.length = 0;
});

describe('openInput on http:// URLs', () => {
  it('streams and gunzips a file, with Content-Length as total and the ETag kept', async () => {
    server.files.set('/a.sdf.gz', { body: gz, etag: '"v1"', lastModified: 'Tue, 01 Dec 2026 00:00:00 GMT' });
    const input = await openInput(server.url('/a.sdf.gz'), { remote: fast });
    expect(input).toMatchObject({ compressed: true, format: 'sdf', totalBytes: gz.length });
    expect((await drain(input.stream)).equals(plain)).toBe(true);
    expect(input.bytesRead()).toBe(gz.length);
    expect(input.remote).toMatchObject({
      etag: '"v1"',
      lastModified: 'Tue, 01 Dec 2026 00:00:00 GMT',
      reconnects: 0,
    });
    expect(input.checksum()).toMatchObject({ algorithm: 'md5', actual: md5, verified: false });
  });

  it('a connection cut mid-body resumes with a Range request from the byte received', async () => {
    server.files.set('/cut.sdf.gz', { body: gz, etag: '"v1"', cutAfter: { bytes: 10_000, times: 1 } });
    const input = await openInput(server.url('/cut.sdf.gz'), { remote: fast });
    expect((await drain(input.stream)).equals(plain)).toBe(true);
    const gets = server.log.filter((r) => r.method === 'GET');
    expect(gets).toHaveLength(2);
    expect(gets[0]!.range).toBeUndefined();
    // Whatever reached the client before the cut (at most 10,000 bytes) is not asked for again.
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1]!.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(10_000);
    expect(input.remote).toMatchObject({ reconnects: 1, rangeResumes: 1 });
  });

  it('a server without Range support is read again from the start; the bytes already delivered are dropped', async () => {
    server.files.set('/norange.sdf.gz', { body: gz, noRange: true, cutAfter: { bytes: 20_000, times: 2 } });
    const input = await openInput(server.url('/norange.sdf.gz'), { remote: fast });
    expect((await drain(input.stream)).equals(plain)).toBe(true);
    expect(input.remote).toMatchObject({ reconnects: 2, rangeResumes: 0 });
    expect(input.checksum()?.actual).toBe(md5);
  });

  it('a 500 is retried, then the file is read', async () => {
    server.files.set('/flaky.sdf.gz', { body: gz, failFirst: { status: 500, times: 2 } });
    const input = await openInput(server.url('/flaky.sdf.gz'), { remote: fast });
    expect((await drain(input.stream)).equals(plain)).toBe(true);
    expect(server.log.filter((r) => r.method === 'GET')).toHaveLength(3);
  });

  it('gives up after the retries with an InputError naming the URL and the status', async () => {
    server.files.set('/down.sdf.gz', { body: gz, failFirst: { status: 503, times: 100 } });
    const err = await openInput(server.url('/down.sdf.gz'), { remote: { ...fast, retries: 2 } }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain('/down.sdf.gz: HTTP 503; gave up after 3 attempts');
  });

  it('404 fails at once', async () => {
    const err = await openInput(server.url('/missing.sdf.gz'), { remote: fast }).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/missing\.sdf\.gz: HTTP 404 \(not found\)/);
    expect(server.log).toHaveLength(1);
  });

  it('a body that stays short of its Content-Length after the retries is a truncated download', async () => {
    server.files.set('/short.sdf.gz', { body: gz, noRange: true, cutAfter: { bytes: 5_000, times: 100 } });
    // The cut comes before the first 64 KiB the format sniffer reads, so openInput itself fails.
    const err = await openInput(server.url('/short.sdf.gz'), { remote: { ...fast, retries: 1 } })
      .then((input) => drain(input.stream))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/short\.sdf\.gz: .*gave up after 2 attempts/);
  });

  it('a truncated gzip served whole fails as a truncated gzip, naming the URL', async () => {
    const cutGz = gz.subarray(0, Math.floor(gz.length / 2));
    server.files.set('/trunc.sdf.gz', { body: cutGz });
    const records: unknown[] = [];
    const err = await (async () => {
      for await (const r of readRecords(server.url('/trunc.sdf.gz'), { remote: fast })) records.push(r);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(/trunc\.sdf\.gz: truncated gzip/);
    expect(records.length).toBeGreaterThan(0);
    expect(records.length).toBeLessThan(200);
  });

  it('a file whose ETag changes between connections is refused, not spliced', async () => {
    server.files.set('/moving.sdf.gz', {
      body: gz,
      etag: '"v1"',
      etagAfterFirst: '"v2"',
      cutAfter: { bytes: 10_000, times: 1 },
    });
    const err = await openInput(server.url('/moving.sdf.gz'), { remote: fast })
      .then((input) => drain(input.stream))
      .catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/changed on the server during the download/);
  });

  it('follows HTTP_PROXY, and NO_PROXY bypasses it', async () => {
    server.files.set('/p.sdf.gz', { body: gz });
    const proxy = await startForwardProxy();
    try {
      const via = await openInput(server.url('/p.sdf.gz'), {
        remote: { ...fast, env: { HTTP_PROXY: proxy.url } },
      });
      expect((await drain(via.stream)).equals(plain)).toBe(true);
      expect(proxy.forwarded).toEqual([`127.0.0.1:${server.port}`]);
      const direct = await openInput(server.url('/p.sdf.gz'), {
        remote: { ...fast, env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.1' } },
      });
      expect((await drain(direct.stream)).equals(plain)).toBe(true);
      expect(proxy.forwarded).toHaveLength(1);
    } finally {
      await proxy.close();
    }
  });

  it('file:// URLs read the local file', async () => {
    const input = await openInput(pathToFileURL(SAMPLE).href);
    expect((await drain(input.stream)).equals(plain)).toBe(true);
    expect(input.totalBytes).toBe(gz.length);
  });
});

describe('checksums', () => {
  it('parses the option and .md5 files (GNU and BSD forms)', () => {
    expect(parseChecksumOption('auto')).toBe('auto');
    expect(parseChecksumOption(`md5:${md5.toUpperCase()}`)).toEqual({ algorithm: 'md5', hex: md5 });
    expect(() => parseChecksumOption('md5:abc')).toThrow(/expected auto, none, md5:<32 hex digits>/);
    expect(() => parseChecksumOption('crc32:00000000')).toThrow(/got 'crc32:00000000'/);
    expect(parseMd5File(`${md5}  Compound_000000001_000500000.sdf.gz\n`)).toBe(md5);
    expect(parseMd5File(`MD5 (x.gz) = ${md5}\n`)).toBe(md5);
    expect(parseMd5File('<html>not found</html>')).toBeUndefined();
  });

  it('auto fetches <url>.md5 and verifies the body against it', async () => {
    server.files.set('/ok.sdf.gz', { body: gz, md5: 'correct' });
    const expected = await expectedChecksum(server.url('/ok.sdf.gz'), 'auto', fast);
    expect(expected).toEqual({ algorithm: 'md5', hex: md5, from: server.url('/ok.sdf.gz.md5') });
    const input = await openInput(server.url('/ok.sdf.gz'), { remote: fast, checksum: expected });
    await drain(input.stream);
    expect(input.checksum()).toMatchObject({ verified: true, actual: md5, expected: md5 });
  });

  it('auto without a published .md5 verifies nothing (and says so)', async () => {
    server.files.set('/nomd5.sdf.gz', { body: gz });
    expect(await expectedChecksum(server.url('/nomd5.sdf.gz'), 'auto', fast)).toBeUndefined();
  });

  it('a wrong .md5 fails the file at its end with both digests in the message', async () => {
    const wrong = '0123456789abcdef0123456789abcdef';
    server.files.set('/bad.sdf.gz', { body: gz, md5: `${wrong}  bad.sdf.gz\n` });
    const expected = await expectedChecksum(server.url('/bad.sdf.gz'), 'auto', fast);
    const input = await openInput(server.url('/bad.sdf.gz'), { remote: fast, checksum: expected });
    const err = await drain(input.stream).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(
      `checksum mismatch: md5 of the ${gz.length} bytes read is ${md5}`,
    );
    expect((err as Error).message).toContain(`says ${wrong}`);
  });

  it('sha256:HEX given for a local file is checked', async () => {
    const sha = createHash('sha256').update(gz).digest('hex');
    const good = await openInput(SAMPLE, { checksum: { algorithm: 'sha256', hex: sha, from: 'given' } });
    await drain(good.stream);
    expect(good.checksum()).toMatchObject({ algorithm: 'sha256', verified: true });
    const bad = await openInput(SAMPLE, {
      checksum: { algorithm: 'sha256', hex: '0'.repeat(64), from: 'given' },
    });
    await expect(drain(bad.stream)).rejects.toThrow(/checksum mismatch: sha256/);
  });
});
