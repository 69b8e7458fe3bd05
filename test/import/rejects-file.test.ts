/**
 * The rejects file is faithful: every fixture that produces rejects, run through molimport, gives
 * a file whose records are the original records byte for byte plus `molimport_*` items; sdf-parser
 * (an independent reader) reads the original fields unchanged; fed back to molimport, it gives the
 * same records again. CSV rejects are CSV that csv-parse reads with the original columns.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse as parseCsv } from 'csv-parse/sync';
import { parse as parseSdf } from 'sdf-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJsonStats, runCli } from '../helpers/cli.js';

const FIX = path.resolve(__dirname, '../../fixtures');

/** Every SDF fixture, with a source profile under which (some of) its records are rejects. */
const SDF_CASES: [string, 'chembl' | 'pubchem'][] = [
  ['pubchem_sdf/indigo_Compound_0000001_0000250.sdf.gz', 'chembl'],
  ['pubchem_sdf/indigo_arom_elements_007.sdf', 'chembl'],
  ['pubchem_sdf/rdkit_Regress_mols.1000.sdf.gz', 'chembl'],
  ['chembl_sdf/glados_sdf_with_3_structures_must_be.sdf', 'pubchem'],
  ['chembl_sdf/pkasolver_00_chembl_subset.sdf', 'pubchem'],
  ['chembl_sdf/cdk_chemblApiExamples.sdf', 'pubchem'],
  ['chembl_sdf/rdkit-tutorials_approved_drugs.sdf.gz', 'pubchem'],
  ['chembl_sdf/npfc_chembl_dump_head_scitegic_207.sdf.gz', 'pubchem'],
  ['chembl_sdf/npfc_chembl_dump_head_rdkit_200.sdf.gz', 'pubchem'],
  ['nasty_sdf/indigo_adv_pka_model_v3000.sdf.gz', 'pubchem'],
  ['nasty_sdf/mesa_drugcentral_v3_sample.sdf', 'chembl'],
  ['nasty_sdf/sdf-parser_test2_utf8_garbage_tail.sdf', 'chembl'],
  ['nasty_sdf/indigo_test-18_crlf.sd.gz', 'chembl'],
  ['nasty_sdf/rdkit_witch-salts.sdf', 'pubchem'],
  ['nasty_sdf/indigo_properties-empty.sdf', 'chembl'],
  ['nasty_sdf/indigo_serialize_crlf.sdf', 'chembl'],
  ['nasty_sdf/rdkit_Issue3525000_chembl_crlf.sdf', 'pubchem'],
  ['nasty_sdf/indigo_test_pubchem_10_unterminated.sdf', 'chembl'],
  ['nasty_sdf/cdk_pubchem_24763_huge_801_atoms.sdf', 'chembl'],
  ['nasty_sdf/rdkit_pubchem_stereo_test_nofields.sdf', 'chembl'],
  ['nasty_sdf/indigo_pubchem_7m_err.sdf', 'chembl'],
  ['nasty_sdf/rdkit_solubility.test_crlf_nonascii.sdf', 'chembl'],
  ['nasty_sdf/cdk_weirdprops.sdf', 'chembl'],
  ['nasty_sdf/sdf-parser_test_isis.sdf', 'pubchem'],
];

const bytesOf = (file: string): Buffer => {
  const raw = readFileSync(file);
  return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
};

/**
 * Records of an SDF file as raw bytes, split on `$$$$` lines here (not by the code under test): each
 * record's bytes run from its first line through the line ending before its `$$$$` line.
 */
function splitRecords(bytes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  let lineStart = 0;
  while (lineStart < bytes.length) {
    let nl = bytes.indexOf(0x0a, lineStart);
    if (nl < 0) nl = bytes.length;
    if (bytes.subarray(lineStart, lineStart + 4).toString('latin1') === '$$$$') {
      out.push(bytes.subarray(start, lineStart));
      start = nl + 1;
    }
    lineStart = nl + 1;
  }
  if (start < bytes.length && bytes.subarray(start).toString('latin1').trim() !== '')
    out.push(bytes.subarray(start));
  return out;
}

/** What follows the original record in a reject: an optional line ending, then only molimport_* items. */
const ADDED = /^(\r?\n)?(> {1,2}<molimport_[a-z]+>\r?\n[^\r\n]*\r?\n\r?\n)+$/;

function itemValue(record: string, name: string): string | undefined {
  const m = new RegExp(`^> +<${name}>\\r?\\n([^\\r\\n]*)`, 'm').exec(record);
  return m?.[1];
}

/**
 * A record's data fields as sdf-parser reads them, without ours. Trailing line feeds of a value are
 * dropped: sdf-parser reads the last value of a file without a final `$$$$` up to the end of the
 * file, blank lines included, and SDF ends a value at its first blank line anyway.
 */
function ownFields(molecule: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(molecule)
      .filter(([k]) => k !== 'molfile' && !k.startsWith('molimport_'))
      .map(([k, v]) => [k, typeof v === 'string' ? v.replace(/\n+$/, '') : v]),
  );
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'molimport-rejects-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('SDF rejects are the original records plus molimport_* items', () => {
  it.each(SDF_CASES)('%s (as %s)', async (fixture, source) => {
    const input = path.join(FIX, fixture);
    const rejectsFile = path.join(dir, `${path.basename(fixture)}.${source}.sdf`);
    const run = await runCli([source, input, '--dry-run', '--json', '--rejects', rejectsFile], { cwd: dir });
    const stats = parseJsonStats(run.stdout);
    expect(stats.rejected).toBeGreaterThan(0);
    expect(stats.rejectsFiles).toEqual([rejectsFile]);

    const original = splitRecords(bytesOf(input));
    const written = splitRecords(await readFile(rejectsFile));
    expect(written).toHaveLength(stats.rejected);
    for (const reject of written) {
      const text = reject.toString('latin1');
      const ordinal = Number(itemValue(text, 'molimport_record'));
      const source = original[ordinal - 1]!;
      // Byte for byte: the original record, line endings and all, is the reject's beginning.
      expect(reject.subarray(0, source.length).equals(source), `record ${ordinal}`).toBe(true);
      expect(reject.subarray(source.length).toString('latin1'), `record ${ordinal}`).toMatch(ADDED);
      expect(itemValue(text, 'molimport_file')).toBe(input);
    }

    // An independent reader sees the original fields, unchanged, plus ours.
    const fromOriginal = parseSdf(bytesOf(input).toString('utf8')).molecules;
    const fromRejects = parseSdf((await readFile(rejectsFile)).toString('utf8')).molecules;
    const byOrdinal = new Map(fromRejects.map((m) => [Number(m.molimport_record), m]));
    // sdf-parser drops records shorter than 40 characters and a record without `M  END`: compare
    // the ones it reads in both.
    let compared = 0;
    const originalOrdinals = splitRecords(bytesOf(input));
    for (const m of fromOriginal) {
      const ordinal = originalOrdinals.findIndex((r) => r.toString('utf8').includes(String(m.molfile)));
      const back = byOrdinal.get(ordinal + 1);
      if (back === undefined) continue;
      expect(ownFields(back)).toEqual(ownFields(m));
      expect(back.molimport_reason).toEqual(expect.any(String));
      compared++;
    }
    expect(compared).toBeGreaterThan(0);

    // Fed back to molimport: the same records, rejected again for the same reasons.
    const again = path.join(dir, `${path.basename(fixture)}.${source}.again.sdf`);
    const rerun = await runCli([source, rejectsFile, '--dry-run', '--json', '--rejects', again], {
      cwd: dir,
    });
    const restats = parseJsonStats(rerun.stdout);
    expect(restats.read).toBe(stats.rejected);
    expect(restats.rejectReasons).toEqual(stats.rejectReasons);
    const second = splitRecords(await readFile(again));
    expect(second).toHaveLength(written.length);
    const withoutOurs = (b: Buffer): string =>
      b
        .toString('latin1')
        .replace(/^> +<molimport_[a-z]+>\r?\n[^\r\n]*\r?\n\r?\n/gm, '')
        .replace(/(\r?\n)+$/, '');
    second.forEach((b, i) => expect(withoutOurs(b)).toBe(withoutOurs(written[i]!)));
  });
});

describe('CSV rejects are CSV with the original columns plus molimport_*', () => {
  // Tab-separated; 38 of its 50 rows have no Name.
  const CSV = path.join(FIX, 'chembl_tabular/rdkit_ChEMBL_quinolones.tsv');

  it('rows without an ID: every original column, value for value', async () => {
    const rejectsFile = path.join(dir, 'quinolones.csv');
    const run = await runCli(
      ['generic', CSV, '--id-field', 'Name', '--dry-run', '--json', '--rejects', rejectsFile],
      { cwd: dir },
    );
    const stats = parseJsonStats(run.stdout);
    expect(stats.rejected).toBeGreaterThan(0);
    expect(stats.rejectReasons).toEqual({ 'no-id': stats.rejected });

    const original = parseCsv<Record<string, string>>(readFileSync(CSV), { columns: true, delimiter: '\t' });
    const header = Object.keys(original[0]!);
    const rows = parseCsv<Record<string, string>>(readFileSync(rejectsFile), { columns: true });
    expect(rows).toHaveLength(stats.rejected);
    expect(Object.keys(rows[0]!)).toEqual([
      ...header,
      'molimport_file',
      'molimport_record',
      'molimport_line',
      'molimport_reason',
      'molimport_raw',
    ]);
    for (const row of rows) {
      const source = original[Number(row.molimport_record) - 1]!;
      for (const column of header) expect(row[column], column).toBe(source[column]);
      expect(row.molimport_raw).toBe('');
    }

    // Fed back: the same rows, rejected again; the molimport_* columns are not read as data.
    const again = path.join(dir, 'quinolones.again.csv');
    const rerun = await runCli(
      ['generic', rejectsFile, '--id-field', 'Name', '--dry-run', '--json', '--rejects', again],
      { cwd: dir },
    );
    expect(parseJsonStats(rerun.stdout)).toMatchObject({ read: stats.rejected, rejected: stats.rejected });
    const reread = parseCsv<Record<string, string>>(readFileSync(again), { columns: true });
    expect(Object.keys(reread[0]!)).toEqual(Object.keys(rows[0]!));
    reread.forEach((row, i) => {
      for (const column of header) expect(row[column]).toBe(rows[i]![column]);
    });
  });
});
