/**
 * The embedded database's pre-initialised template: a new data directory is unpacked from it
 * (instead of PGlite's slow initdb), only into a missing or empty directory, only when the template
 * was made by the installed PGlite, and never outside the directory.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgliteDriver } from '../../src/sink/pglite-driver.js';
import {
  DEFAULT_TEMPLATE,
  parseTar,
  pgliteVersion,
  seedDataDir,
  TEMPLATE_SETTINGS,
  templatePostgresMajor,
  templateVersionFile,
} from '../../src/sink/pglite-template.js';

/** One ustar header + data block, as tar writes them. */
function tarEntry(name: string, body: string, type = '0'): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100);
  header.write('0000644\0', 100);
  header.write(`${Buffer.byteLength(body).toString(8).padStart(11, '0')}\0`, 124);
  header.write(type, 156);
  header.write('ustar\0', 257);
  const data = Buffer.alloc(Math.ceil(Buffer.byteLength(body) / 512) * 512);
  data.write(body);
  return Buffer.concat([header, data]);
}
const tar = (...entries: Buffer[]) => Buffer.concat([...entries, Buffer.alloc(1024)]);

describe('parseTar', () => {
  it('reads files and directories, dropping the leading slash PGlite writes', () => {
    const entries = parseTar(tar(tarEntry('/base/', '', '5'), tarEntry('/base/PG_VERSION', '17\n')));
    expect(entries.map((e) => [e.name, e.type, e.data.toString()])).toEqual([
      ['base', 'directory', ''],
      ['base/PG_VERSION', 'file', '17\n'],
    ]);
  });

  it('refuses paths that leave the directory, links, and truncated archives', () => {
    expect(() => parseTar(tar(tarEntry('../evil', 'x')))).toThrow(/"\.\.\/evil": unsafe path/);
    expect(() => parseTar(tar(tarEntry('a/../../evil', 'x')))).toThrow(/unsafe path/);
    expect(() => parseTar(tar(tarEntry('link', '', '2')))).toThrow(/"link": unsupported type "2"/);
    expect(() => parseTar(tarEntry('big', 'x'.repeat(600)).subarray(0, 700))).toThrow(/"big": bad size/);
  });
});

// test/global-setup.ts builds the template, so it is never missing here.
describe('seedDataDir', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'molimport-seed-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('unpacks the template into a missing or empty directory, and leaves a used one alone', async () => {
    const fresh = path.join(dir, 'a', 'pgdata');
    expect(await seedDataDir(fresh)).toBe(true);
    expect(existsSync(path.join(fresh, 'PG_VERSION'))).toBe(true);
    const empty = path.join(dir, 'empty');
    await mkdir(empty);
    expect(await seedDataDir(empty)).toBe(true);
    expect(await seedDataDir(fresh)).toBe(false);
    // No staging directories left beside the data directories.
    expect(await readdir(path.join(dir, 'a'))).toEqual(['pgdata']);
  });

  it("ignores a template made by another PGlite version (PGlite's initdb runs instead)", async () => {
    const other = path.join(dir, 'other.pack');
    await copyFile(DEFAULT_TEMPLATE, other);
    await writeFile(templateVersionFile(other), '0.0.1\n');
    expect(await seedDataDir(path.join(dir, 'b'), other)).toBe(false);
    await writeFile(templateVersionFile(other), `${pgliteVersion()}\n`);
    expect(await seedDataDir(path.join(dir, 'b'), other)).toBe(true);
    expect(await seedDataDir(path.join(dir, 'c'), path.join(dir, 'missing.pack'))).toBe(false);
  });

  it('fails on a corrupt template and leaves nothing behind', async () => {
    const bad = path.join(dir, 'bad.pack');
    // A pack whose one file would land outside the directory (format: src/sink/pgdata-pack.ts).
    const index = Buffer.from(
      JSON.stringify({
        entries: [{ name: '../escape', type: 'file', size: 1, content: 0 }],
        contents: [[[0, 1]]],
      }),
    );
    const length = Buffer.alloc(4);
    length.writeUInt32LE(index.length);
    await writeFile(
      bad,
      gzipSync(Buffer.concat([Buffer.from('molimport-pgdata-pack 1\n'), length, index, Buffer.from('x')])),
    );
    await writeFile(templateVersionFile(bad), `${pgliteVersion()}\n`);
    await mkdir(path.join(dir, 'd'));
    await expect(seedDataDir(path.join(dir, 'd', 'pgdata'), bad)).rejects.toThrow(/unsafe path/);
    expect(await readdir(path.join(dir, 'd'))).toEqual([]);
  });

  it('a new embedded database is the template: two new ones share its system identifier', async () => {
    const ids: string[] = [];
    for (const name of ['e1', 'e2']) {
      const driver = await PgliteDriver.open(path.join(dir, name));
      try {
        const client = await driver.checkout();
        const { rows } = await client.query<{ id: string }>(
          'SELECT system_identifier::text AS id FROM pg_control_system()',
        );
        client.release();
        ids.push(rows[0]!.id);
      } finally {
        await driver.close();
      }
    }
    // initdb draws a new identifier for every cluster: equal ones mean both came from the template.
    expect(ids[0]).toMatch(/^\d+$/);
    expect(ids[1]).toBe(ids[0]);
  });

  it("a new embedded database runs with the template's settings (a 32 MB buffer pool)", async () => {
    const driver = await PgliteDriver.open(path.join(dir, 'settings'));
    try {
      const client = await driver.checkout();
      try {
        for (const [name, value] of Object.entries(TEMPLATE_SETTINGS)) {
          const { rows } = await client.query<{ v: string }>(`SELECT current_setting($1) AS v`, [name]);
          expect(rows[0]?.v, name).toBe(value);
        }
      } finally {
        // Released even when an expectation fails: close() waits for a checked-out client.
        client.release();
      }
    } finally {
      await driver.close();
    }
    expect(TEMPLATE_SETTINGS.shared_buffers).toBe('32MB');
  });

  it('a data directory of another PostgreSQL major version fails with what to do, not "failed to initialize"', async () => {
    const ours = templatePostgresMajor();
    expect(ours).toMatch(/^\d+$/);
    const older = String(Number(ours) - 1);
    const old = path.join(dir, 'older');
    await (await PgliteDriver.open(old)).close();
    // What an earlier molimport's PGlite left: a whole cluster whose PG_VERSION names its major.
    await writeFile(path.join(old, 'PG_VERSION'), `${older}\n`);
    const err = await PgliteDriver.open(old).then(
      () => undefined,
      (e: unknown) => e as Error & { code?: string },
    );
    expect(err?.code).toBe('MOLIMPORT_CONFIG');
    expect(err?.message).toContain(`was made by PostgreSQL ${older}`);
    expect(err?.message).toContain(`embeds PostgreSQL ${ours} (PGlite ${pgliteVersion()})`);
    expect(err?.message).toContain(`mv ${old} ${old}.pg${older}`);
  });
});
