/** Tables, the bar and prose fitted to a terminal's width (item 3 of issue 16), without a terminal. */
import { describe, expect, it } from 'vitest';
import type { ImportStats } from '../../src/import/stats.js';
import { formatBarLine, type BarFields } from '../../src/report/bar-line.js';
import { fitTable, textWidth } from '../../src/report/fit.js';
import { renderOverlap } from '../../src/report/overlap-table.js';
import { renderRowsTable, renderRunsTable } from '../../src/report/runs-table.js';
import { renderStatsTable } from '../../src/report/stats-table.js';
import { wrapText } from '../../src/report/wrap.js';

const WIDTHS = [40, 60, 80, 100, 120, 160];

function fileStats(path: string, over: Partial<ImportStats> = {}) {
  return {
    path,
    format: 'sdf' as const,
    compressed: true,
    bytes: 150_574,
    read: 245_000,
    inserted: 240_000,
    updated: 3_000,
    unchanged: 1_000,
    duplicates: 500,
    rejected: 400,
    skipped: 100,
    batches: 190,
    durationMs: 14_200,
    moleculesPerSecond: 17_253,
    batchSize: { initial: 500, min: 500, median: 1_290, max: 1_302, final: 1_288 },
    url: null,
    etag: null,
    lastModified: null,
    checksum: null,
    release: null,
    unchangedSinceRun: null,
    downloadedTo: null,
    ...over,
  };
}

function stats(files: number): ImportStats {
  const f = Array.from({ length: files }, (_, i) =>
    fileStats(`/data/pubchem/Compound_${String(i * 500_000 + 1).padStart(9, '0')}_000500000.sdf.gz`),
  );
  return {
    ...fileStats('total'),
    status: 'completed',
    exitCode: 0,
    runId: 12,
    source: 'pubchem',
    database: 'embedded:/home/someone/projects/chemistry/.molimport/pgdata',
    table: 'public.molecules',
    mode: 'upsert',
    dryRun: false,
    resumed: false,
    batchSizeEvolution: Array.from({ length: 120 }, (_, i) => 500 + i * 7),
    durationMs: 15_000,
    startupMs: 800,
    importDurationMs: 14_200,
    peakRssBytes: 170_000_000,
    rejectsFile: '/home/someone/projects/chemistry/molimport-rejects-2026-12-01T22-00-00.sdf',
    chemistryWarnings: 0,
    chemistry: null,
    knownUnderOtherSource: null,
    rdkitMol: null,
    error: null,
    errorCode: null,
    files: f,
  } as ImportStats;
}

describe('fitTable', () => {
  const head = ['name', 'a', 'b', 'zeros'];
  const rows = [
    ['first', '1', '22', '0'],
    ['second', '333', '4', '0'],
  ];

  it('keeps every column when they fit', () => {
    const out = fitTable({ head, rows, width: Infinity, dropOrder: ['a', 'zeros'] });
    expect(out).toContain('zeros');
    expect(out).toContain('333');
  });

  it('gives up all-zero columns first, then the named ones in order, never the others', () => {
    const full = textWidth(fitTable({ head, rows, width: Infinity }));
    const out = fitTable({ head, rows, width: full - 1, dropOrder: ['a', 'zeros'] });
    expect(out).not.toContain('zeros'); // all zero: dropped before 'a' although named after it
    expect(out).toContain('333');
    expect(textWidth(out)).toBeLessThan(full);
    const narrower = fitTable({ head, rows, width: textWidth(out) - 1, dropOrder: ['a', 'zeros'] });
    expect(narrower).not.toMatch(/333/);
    expect(narrower).toContain('second');
  });

  it('falls back to one "column : value" line per cell when the essentials do not fit', () => {
    const out = fitTable({ head, rows, width: 14 });
    expect(out.split('\n')).toContain('name  : first');
    expect(textWidth(out)).toBeLessThanOrEqual(14);
  });
});

describe('wrapText', () => {
  it('wraps at spaces, indents continuations and cuts words longer than a line', () => {
    expect(wrapText('short', 80)).toEqual(['short']);
    const lines = wrapText('error: junk.sdf is not a text file ' + 'x'.repeat(50), 20);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(20);
    expect(lines[0]).toBe('error: junk.sdf is');
    expect(lines[1]!.startsWith('  ')).toBe(true);
    expect(lines.join('').replace(/ /g, '')).toBe(
      ('error: junk.sdf is not a text file ' + 'x'.repeat(50)).replace(/ /g, ''),
    );
  });
});

describe('the stats table', () => {
  it.each(WIDTHS)('fits %i columns, for one file and for many, with the key figures', (width) => {
    for (const n of [1, 3]) {
      const out = renderStatsTable(stats(n), width);
      for (const line of out.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(width);
      expect(out).toContain('245,000'); // read
      expect(out).toContain('400'); // rejected
      expect(out).toContain('status: completed');
    }
  });

  it('is the full 12-column layout off a terminal (a file or a pipe)', () => {
    const out = renderStatsTable(stats(1));
    expect(out).toContain('batch min/med/max');
    expect(textWidth(out)).toBeGreaterThan(120);
  });

  it('says what the time and the rate measure: total = startup + import, mol/s over the import', () => {
    const out = renderStatsTable(stats(1));
    expect(out).toContain('time: 15.0 s (startup 800 ms, import 14.2 s at 17,253 molecules/s)');
  });
});

describe('the runs, overlap and query tables', () => {
  const runs = Array.from({ length: 3 }, (_, i) => ({
    runId: 100 + i,
    startedAt: '2026-12-01T22:00:00.000Z',
    finishedAt: '2026-12-01T22:10:00.000Z',
    status: i === 0 ? 'interrupted' : 'completed',
    source: 'pubchem',
    table: 'public.molecules',
    files: ['/data/pubchem/Compound_000000001_000500000.sdf.gz'],
    read: 1_234_567,
    inserted: 1_200_000,
    updated: 30_000,
    unchanged: 0,
    rejected: 4_567,
    rejectsFiles: [`/data/pubchem/molimport-rejects-run${i + 1}-20261201T220000.000Z.sdf`],
    rejectReasons: { 'no-id': 4_567 },
    deleted: null,
    notFound: null,
    inputs: [],
    durationMs: 600_000,
    error: null,
  }));

  it.each(WIDTHS)('fit %i columns', (width) => {
    const outputs = [
      renderRunsTable(runs, width),
      renderOverlap(
        {
          by: 'inchikey',
          perSource: {
            chembl: { molecules: 2_500_000, withKey: 2_490_000 },
            pubchem: { molecules: 120_000_000, withKey: 119_000_000 },
          },
          pairs: [{ a: 'chembl', b: 'pubchem', shared: 2_000_000, aTotal: 2_490_000 }],
          examples: {
            'chembl→pubchem': [{ aId: 'CHEMBL25', bId: '2244', key: 'BSYNRYMUTXBXSQ-UHFFFAOYSA-N' }],
          },
        } as never,
        width,
      ),
      renderRowsTable(
        [
          {
            external_id: 'CHEMBL25',
            smiles: 'CC(=O)Oc1ccccc1C(=O)O'.repeat(3),
            inchikey: 'BSYNRYMUTXBXSQ-UHFFFAOYSA-N',
          },
        ],
        width,
      ),
    ];
    for (const out of outputs)
      for (const line of out.split('\n')) expect([...line].length, line).toBeLessThanOrEqual(width);
    expect(outputs[0]).toContain('1,234,567');
    expect(outputs[0]).toContain('4,567');
    expect(outputs[1]).toContain('2,000,000');
    expect(outputs[2]).toContain('CHEMBL25');
  });
});

describe('the progress bar line', () => {
  const fields: BarFields = {
    counter: 'file 3 of 350',
    name: 'Compound_001000001_001500000.sdf.gz',
    fraction: 0.42,
    bytes: '1.2 GiB/2.9 GiB',
    eta: '3m 10s',
    read: '123,456',
    rate: '14,566',
    batch: '1,302',
    rejects: '17',
  };

  it('shows everything when there is room', () => {
    const line = formatBarLine(fields, 200);
    for (const part of [
      'file 3 of 350',
      'Compound_',
      '42%',
      '1.2 GiB/2.9 GiB',
      'ETA 3m 10s',
      '123,456 read',
      '14,566 mol/s',
      'batch 1,302',
      'rejects 17',
    ])
      expect(line).toContain(part);
  });

  it.each([30, 40, 60, 79, 100, 119])(
    'fits %i columns and always keeps the percentage and the rejects',
    (width) => {
      const line = formatBarLine(fields, width);
      expect([...line].length).toBeLessThanOrEqual(width);
      expect(line).toContain('rejects 17');
      expect(line).toContain('42%');
    },
  );

  it('gives up the file name and batch size before the rate and the ETA', () => {
    const line = formatBarLine(fields, 79);
    expect(line).not.toContain('Compound_');
    expect(line).not.toContain('batch');
    expect(line).toContain('ETA 3m 10s');
    expect(line).toContain('mol/s');
    expect(line).toContain('file 3 of 350');
  });
});
