/**
 * Test helpers for the chemistry core: a deliberately minimal SDF splitter (the real parser lives
 * elsewhere), row construction, and building the worker JavaScript that piscina loads.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { MoleculeRow } from '../../src/types.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The real sample files, as copied into fixtures/ (see fixtures/README.md for sources and licences). */
export const DATA = join(ROOT, 'fixtures');

export interface TestRecord {
  file: string;
  record: number;
  molfile: string | undefined;
  fields: Map<string, string>;
}

/** Splits an SDF (optionally gzipped) on `$$$$` lines; molfile = lines through `M  END`. */
export function readSdf(path: string): TestRecord[] {
  let bytes = readFileSync(path);
  if (path.endsWith('.gz')) bytes = gunzipSync(bytes);
  const lines = bytes.toString('utf8').replace(/\r\n?/g, '\n').split('\n');
  const records: TestRecord[] = [];
  let current: string[] = [];
  const flush = (): void => {
    if (current.some((line) => line.trim() !== '')) records.push(toRecord(path, records.length + 1, current));
    current = [];
  };
  for (const line of lines) {
    if (line.startsWith('$$$$')) flush();
    else current.push(line);
  }
  flush();
  return records;
}

function toRecord(file: string, record: number, lines: string[]): TestRecord {
  const end = lines.findIndex((line) => line.startsWith('M  END'));
  const molfile = end >= 0 ? `${lines.slice(0, end + 1).join('\n')}\n` : undefined;
  const fields = new Map<string, string>();
  for (let i = end + 1; i < lines.length; i++) {
    const header = /^>.*<([^>]+)>/.exec(lines[i] ?? '');
    if (header?.[1] === undefined) continue;
    const value: string[] = [];
    for (i += 1; i < lines.length && (lines[i] ?? '').trim() !== ''; i++) value.push(lines[i] ?? '');
    fields.set(header[1], value.join('\n'));
  }
  return { file, record, molfile, fields };
}

/** Every `.sdf`/`.sdf.gz`/`.sd.gz` in the given fixture folders. */
export function sdfFiles(...folders: string[]): string[] {
  return folders.flatMap((folder) =>
    readdirSync(join(DATA, folder))
      .filter((name) => /\.sdf?(\.gz)?$/.test(name))
      .sort()
      .map((name) => join(DATA, folder, name)),
  );
}

export function row(molfile: string | null, record: number, values: Partial<MoleculeRow> = {}): MoleculeRow {
  return {
    source: 'test',
    externalId: String(record),
    name: null,
    smiles: null,
    inchi: null,
    inchikey: null,
    formula: null,
    molWeight: null,
    molfile,
    properties: {},
    origin: { file: 'test.sdf', record, line: record },
    weight: 1,
    ...values,
  };
}

/** A V2000 molfile with a carbon bonded to five carbons: RDKit refuses its valence. */
export const PENTAVALENT_CARBON = `pentavalent carbon
  handmade

  6  5  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    1.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
   -1.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    0.0000    1.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    0.0000   -1.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    0.7000    0.7000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  1  0
  1  3  1  0
  1  4  1  0
  1  5  1  0
  1  6  1  0
M  END
`;

/** Ethanol, with a title the faulty test worker can look for. */
export function ethanol(title = 'ethanol'): string {
  return `${title}
  handmade

  3  2  0  0  0  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    1.2990    0.7500    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    2.5981    0.0000    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  1  0
  2  3  1  0
M  END
`;
}

const CHEM_SOURCES = ['src/chem', 'src/errors.ts', 'src/types.ts'];

/**
 * Workers on Node 20 load built JavaScript: compiles `src/chem` (plus the two shared modules it
 * imports) into `dist/` when the build is missing or older than the sources. Only these files are
 * compiled, so work in progress elsewhere in `src/` cannot break the chemistry tests.
 */
export function ensureChemBuilt(): void {
  const newest = (path: string): number => {
    const full = join(ROOT, path);
    const stat = statSync(full);
    if (!stat.isDirectory()) return stat.mtimeMs;
    return Math.max(0, ...readdirSync(full).map((name) => newest(join(path, name))));
  };
  const oldestBuilt = (): number => {
    try {
      const dir = join(ROOT, 'dist', 'chem');
      return Math.min(
        ...readdirSync(dir)
          .filter((n) => n.endsWith('.js'))
          .map((n) => statSync(join(dir, n)).mtimeMs),
      );
    } catch {
      return 0;
    }
  };
  if (oldestBuilt() > Math.max(...CHEM_SOURCES.map(newest))) return;
  const dir = mkdtempSync(join(tmpdir(), 'molimport-chem-build-'));
  try {
    const config = join(dir, 'tsconfig.json');
    writeFileSync(
      config,
      JSON.stringify({
        extends: join(ROOT, 'tsconfig.json'),
        compilerOptions: {
          rootDir: join(ROOT, 'src'),
          outDir: join(ROOT, 'dist'),
          noEmit: false,
          typeRoots: [join(ROOT, 'node_modules', '@types')],
        },
        include: CHEM_SOURCES.map((path) => join(ROOT, path)),
      }),
    );
    try {
      execFileSync(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', config], { cwd: ROOT, stdio: 'pipe' });
    } catch (err) {
      const output = (err as { stdout?: Buffer }).stdout?.toString() ?? '';
      throw new Error(`building src/chem failed:\n${output}`, { cause: err });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
