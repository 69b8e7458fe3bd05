/**
 * bin/molimport.js gives V8 its heap flags on its `#!/usr/bin/env -S node …` line, the documented
 * way (Node.js refuses them in NODE_OPTIONS, and setting them at run time is "unpredictable").
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from '../helpers/spawn-cli.js';

const SHEBANG = /^#!\/usr\/bin\/env -S node((?: --[a-z-]+=\d+)+)\n/;

function shebangFlags(): string[] {
  const m = SHEBANG.exec(readFileSync(BIN, 'utf8'));
  expect(m, 'bin/molimport.js starts with #!/usr/bin/env -S node --flag=N …').not.toBeNull();
  return m![1]!.trim().split(' ');
}

describe('the heap flags of bin/molimport.js', () => {
  it('names the young generation and the old generation growth, and this Node.js accepts both', () => {
    const flags = shebangFlags();
    expect(flags.map((f) => f.split('=')[0]).sort()).toEqual([
      '--heap-growing-percent',
      '--max-semi-space-size',
    ]);
    // A misspelt or removed flag makes node exit with "bad option" before running anything.
    const r = spawnSync(
      process.execPath,
      [...flags, '-e', 'process.stdout.write(JSON.stringify(process.execArgv))'],
      {
        encoding: 'utf8',
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect((JSON.parse(r.stdout) as string[]).slice(0, flags.length)).toEqual(flags);
  });

  it('runs as a program of its own, the line read by the kernel and env -S', () => {
    // PATH leads to this test's node, as `env` looks node up there.
    const r = spawnSync(BIN, ['--version'], {
      encoding: 'utf8',
      env: { PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}` },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const pkg = JSON.parse(readFileSync(path.join(path.dirname(BIN), '..', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('says so when MOLIMPORT_HEAP_GROWING_PERCENT, read by earlier versions, is set', () => {
    const r = spawnSync(process.execPath, [BIN, '--version'], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, MOLIMPORT_HEAP_GROWING_PERCENT: '0' },
    });
    expect(r.status).toBe(0);
    const notice = JSON.parse(r.stderr.trim()) as { level: number; code: string; msg: string };
    expect(notice).toMatchObject({ level: 40, code: 'MOLIMPORT_ENV_IGNORED' });
    expect(notice.msg).toContain('node --heap-growing-percent=');
  });

  it("imports into the embedded database as a program: the flags do not stop PGlite's thread", () => {
    // V8 flags cannot be named in a worker thread's execArgv ("invalid execArgv flags"): an
    // embedded import started through the #! line failed at open before the thread inherited them.
    const dir = mkdtempSync(path.join(tmpdir(), 'molimport-heap-flags-'));
    try {
      const sample = path.resolve(
        path.dirname(BIN),
        '..',
        'fixtures',
        'samples',
        'chembl_dump_head_200.sdf.gz',
      );
      const env: Record<string, string> = {
        PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? ''}`,
      };
      const r = spawnSync(BIN, ['chembl', sample, '--json', '--quiet'], { cwd: dir, encoding: 'utf8', env });
      expect(r.stderr).not.toContain('execArgv');
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ status: 'completed', inserted: 200 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
