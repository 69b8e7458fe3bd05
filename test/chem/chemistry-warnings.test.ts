import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChemistryPool } from '../../src/chem/compute-pool.js';
import { stereoLost, stereoOnZeroCoordinates } from '../../src/chem/molfile-checks.js';
import {
  normalizeRdkitVersion,
  packagedRdkitVersion,
  sameRdkitRelease,
} from '../../src/chem/rdkit-version.js';
import { parseRejectOn } from '../../src/chem/warnings.js';
import { UsageError } from '../../src/errors.js';
import { ensureChemBuilt, ethanol, readSdf, row, sdfFiles } from './helpers.js';

const DRUGCENTRAL = (): ReturnType<typeof readSdf> =>
  readSdf(sdfFiles('nasty_sdf').find((f) => f.endsWith('mesa_drugcentral_v3_sample.sdf'))!);

/** Levobupivacaine's record with its coordinates: the same molecule drawn properly. */
const WEDGED_V2000 = `wedged
  handmade

  4  3  0  0  1  0  0  0  0  0999 V2000
    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
    1.0000    0.0000    0.0000 N   0  0  0  0  0  0  0  0  0  0  0  0
   -0.5000    0.8660    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0
   -0.5000   -0.8660    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0
  1  2  1  1
  1  3  1  0
  1  4  1  0
M  END
`;

const zeroed = (molfile: string): string =>
  molfile.replace(/^( *-?\d+\.\d{4}){3}/gm, '    0.0000    0.0000    0.0000');

describe('stereoOnZeroCoordinates', () => {
  it('flags a V2000 wedge on all-zero coordinates, not on real ones, not without stereo marks', () => {
    expect(stereoOnZeroCoordinates(WEDGED_V2000)).toBe(false);
    expect(stereoOnZeroCoordinates(zeroed(WEDGED_V2000))).toBe(true);
    const plain = zeroed(WEDGED_V2000)
      .replace('  1  2  1  1', '  1  2  1  0')
      .replace('  1  0  0  0  0  0999', '  0  0  0  0  0  0999');
    expect(stereoOnZeroCoordinates(plain)).toBe(false);
  });

  it('reads past a first atom at the origin (the quick look covers only the first atom)', () => {
    const lines = zeroed(WEDGED_V2000).split('\n');
    expect(stereoOnZeroCoordinates(lines.join('\n'))).toBe(true);
    lines[5] = `    1.2990${(lines[5] ?? '').slice(10)}`;
    expect(stereoOnZeroCoordinates(lines.join('\n'))).toBe(false);
  });

  it('flags the DrugCentral V3000 records with CFG= on zero coordinates', () => {
    const records = DRUGCENTRAL();
    const flagged = records.filter((r) => stereoOnZeroCoordinates(r.molfile!));
    const withCfg = records.filter(
      (r) => /CFG=[123]/.test(r.molfile!) || /COUNTS \d+ \d+ \d+ \d+ 1/.test(r.molfile!),
    );
    expect(withCfg.length).toBeGreaterThan(10);
    expect(flagged.map((r) => r.record)).toEqual(withCfg.map((r) => r.record));
  });
});

describe('stereoLost', () => {
  it('names stereo the InChI has and the SMILES lacks', () => {
    const inchi = 'InChI=1S/C4H8/c1-3-4-2/h3-4H,1-2H3/b4-3+';
    expect(stereoLost('CC=CC', inchi)).toEqual(['double-bond']);
    expect(stereoLost('C/C=C/C', inchi)).toEqual([]);
    const chiral = 'InChI=1S/C3H7NO2/c1-2(4)3(5)6/h2H,4H2,1H3,(H,5,6)/t2-/m0/s1';
    expect(stereoLost('CC(N)C(=O)O', chiral)).toEqual(['tetrahedral']);
    expect(stereoLost('C[C@H](N)C(=O)O', chiral)).toEqual([]);
  });
});

describe('parseRejectOn', () => {
  it('accepts the structure kinds and refuses others with the list', () => {
    expect([...parseRejectOn('stereo-lost, zero-coords')]).toEqual(['stereo-lost', 'zero-coords']);
    expect(() => parseRejectOn('compute')).toThrow(UsageError);
    expect(() => parseRejectOn('nope')).toThrow(/expected a comma-separated subset of rdkit,stereo-lost/);
  });
});

describe('ChemistryPool warnings and --standardize', () => {
  beforeAll(() => {
    ensureChemBuilt();
  });
  const pools: ChemistryPool[] = [];
  const pool = (options: ConstructorParameters<typeof ChemistryPool>[0]): ChemistryPool => {
    const created = new ChemistryPool({ threads: 1, ...options });
    pools.push(created);
    return created;
  };
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  it('lists warnings per row in properties.molimport_warnings and counts them by kind', async () => {
    const records = DRUGCENTRAL().slice(0, 20);
    const rows = records.map((r, i) => row(r.molfile!, i + 1));
    rows.push(row(null, 21, { smiles: 'CC=CC', inchi: 'InChI=1S/C4H8/c1-3-4-2/h3-4H,1-2H3/b4-3+' }));
    const result = await pool({ compute: ['inchikey'] }).processRows(rows);
    const zero = records.filter((r) => stereoOnZeroCoordinates(r.molfile!)).length;
    expect(zero).toBeGreaterThan(0);
    expect(result.warningsByKind['zero-coords']).toBe(zero);
    expect(result.warningsByKind['stereo-lost']).toBe(1);
    const last = result.rows.at(-1)!;
    expect(last.properties.molimport_warnings).toEqual([
      'stereo-lost: double-bond stereo in the InChI, not in the SMILES',
    ]);
    expect(last.properties.molimport_computed).toBe('inchikey');
    const flagged = result.rows.filter((r) =>
      (r.properties.molimport_warnings as string[] | undefined)?.includes('zero-coords'),
    );
    expect(flagged).toHaveLength(zero);
    expect(result.warnings).toBe(
      result.rows.filter((r) => r.properties.molimport_warnings !== undefined).length,
    );
  });

  it("captures RDKit's own warnings per record, with --compute and with --standardize alone", async () => {
    const drugs = readSdf(sdfFiles('chembl_sdf').find((f) => f.endsWith('approved_drugs.sdf.gz'))!);
    const ambiguous = drugs.find((r) => r.molfile!.startsWith('CHEMBL511142'))!;
    const rows = [row(ambiguous.molfile!, 1), row(ethanol(), 2)];
    for (const options of [{ compute: ['inchikey'] as const }, { standardize: true }]) {
      const result = await pool(options).processRows(rows);
      expect(result.warningsByKind).toEqual({ rdkit: 1 });
      expect(result.rows[0]!.properties.molimport_warnings).toEqual([
        expect.stringMatching(
          /^rdkit: ambiguous stereochemistry - overlapping neighbors - at atom \d+ ignored$/,
        ),
        expect.stringMatching(/^rdkit: ambiguous stereochemistry/),
      ]);
      expect(result.rows[1]!.properties.molimport_warnings).toBeUndefined();
    }
  });

  it('with --validate --reject-on zero-coords, rejects exactly those records, with the kind in the reason', async () => {
    const records = DRUGCENTRAL().slice(0, 20);
    const rows = records.map((r, i) => row(r.molfile!, i + 1));
    const result = await pool({ validate: true, rejectOn: ['zero-coords'] }).processRows(rows);
    const zero = records.filter((r) => stereoOnZeroCoordinates(r.molfile!)).map((r) => r.record);
    expect(result.rejects.map((r) => r.record)).toEqual(zero);
    expect(result.rejects[0]!.reason).toBe('chemistry warning (--reject-on): zero-coords');
    expect(result.rejectedByKind).toEqual({ 'zero-coords': zero.length });
    expect(result.rows.length + result.rejects.length).toBe(rows.length);
  });

  it('fills the standardised and parent columns and records what changed', async () => {
    const rows = [row(null, 1, { smiles: 'CC[NH+](C)C.[Cl-]' }), row(ethanol(), 2)];
    const result = await pool({ standardize: true }).processRows(rows);
    expect(result.rows[0]).toMatchObject({
      smiles: 'CC[NH+](C)C.[Cl-]',
      stdSmiles: 'CCN(C)C.Cl',
      parentSmiles: 'CCN(C)C',
      parentInchikey: 'DAZXVJBJRMWXJP-UHFFFAOYSA-N',
    });
    expect(result.rows[0]!.properties).toMatchObject({
      molimport_standardized: ['uncharge', 'parent: salt: Chloride'],
      molimport_computed: 'std_smiles,std_inchikey,parent_smiles,parent_inchikey',
    });
    expect(result.rows[1]).toMatchObject({ stdSmiles: 'CCO', parentSmiles: 'CCO', inchikey: null });
    expect(result.rows[1]!.properties.molimport_standardized).toBeUndefined();
  });

  it('with --compute inchikey, reuses the key for an unchanged structure and computes a changed one', async () => {
    const rows = [row(ethanol(), 1), row(null, 2, { smiles: 'CC(=O)[O-]' })];
    const result = await pool({ compute: ['inchikey'], standardize: true }).processRows(rows);
    expect(result.rows[0]).toMatchObject({
      inchikey: 'LFQSCWFLJHTTHZ-UHFFFAOYSA-N',
      stdInchikey: 'LFQSCWFLJHTTHZ-UHFFFAOYSA-N',
    });
    expect(result.rows[1]).toMatchObject({
      inchikey: 'QTBSBXVTEAMEQO-UHFFFAOYSA-M',
      stdSmiles: 'CC(=O)O',
      stdInchikey: 'QTBSBXVTEAMEQO-UHFFFAOYSA-N',
    });
  });

  it('with --validate --standardize keeps a drawing the standardiser repairs, marked repaired', async () => {
    const rows = [row(null, 1, { smiles: 'CCN(C)(C)C' }), row(null, 2, { smiles: 'CC(C)(C)(C)C' })];
    const result = await pool({ validate: true, standardize: true }).processRows(rows);
    expect(result.rows.map((r) => [r.origin.record, r.stdSmiles])).toEqual([[1, 'CC[N+](C)(C)C']]);
    expect(result.rows[0]!.properties.molimport_warnings).toEqual([
      expect.stringMatching(/^repaired: .*valence/i),
    ]);
    expect(result.rejects.map((r) => r.record)).toEqual([2]);
    const strict = await pool({ validate: true, standardize: true, rejectOn: ['repaired'] }).processRows(
      rows,
    );
    expect(strict.rejects.map((r) => r.record)).toEqual([1, 2]);
  });
});

describe('RDKit versions', () => {
  it('normalises package versions and compares releases by year and month', () => {
    expect(normalizeRdkitVersion('2026.9.1')).toBe('2026.09.1');
    expect(packagedRdkitVersion()).toMatch(/^\d{4}\.\d\d\.\d+$/);
    expect(sameRdkitRelease('2026.9.1', '2026.09.3')).toBe(true);
    expect(sameRdkitRelease('2022.09.3', '2026.09.1')).toBe(false);
  });
});
