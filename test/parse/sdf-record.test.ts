import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { iterator as sdfParserIterator } from 'sdf-parser';
import { describe, expect, it } from 'vitest';
import { parseCountsLine } from '../../src/parse/molfile.js';
import { headerName, parseSdfRecord } from '../../src/parse/sdf-record.js';
import { readSdfRecords } from '../../src/parse/sdf-records.js';
import type { SdfRecord } from '../../src/types.js';

const FIXTURES = new URL('../../fixtures/', import.meta.url);
const read = (p: string): Buffer => readFileSync(new URL(p, FIXTURES));

async function all(input: Iterable<Buffer | string>, file = 'test.sdf'): Promise<SdfRecord[]> {
  const out: SdfRecord[] = [];
  for await (const r of readSdfRecords(input, file)) out.push(r);
  return out;
}

const counts = (atoms: number, bonds: number): string =>
  `${String(atoms).padStart(3)}${String(bonds).padStart(3)}  0  0  0  0  0  0  0  0999 V2000`;
const atom = (el: string): string =>
  `    0.0000    0.0000    0.0000 ${el.padEnd(3)} 0  0  0  0  0  0  0  0  0  0  0  0`;
const bond = (a: number, b: number): string => `${String(a).padStart(3)}${String(b).padStart(3)}  1  0`;

function molblock(title: string, atoms: number, bonds: number, atomLines = atoms, end = true): string {
  const lines = [title, '  test', '', counts(atoms, bonds)];
  for (let i = 0; i < atomLines; i++) lines.push(atom('C'));
  for (let i = 0; i < bonds; i++) lines.push(bond(i + 1, i + 2));
  if (end) lines.push('M  END');
  return lines.join('\n') + '\n';
}

describe('field headers', () => {
  it.each([
    ['> <name>', 'name'],
    ['>  <name>  (123)', 'name'],
    ['> 25 <name>', 'name'],
    ['> <name> (MFCD00000001)', 'name'],
    ['>  <ID> ', 'ID'],
    ['> <Temperature [K]>', 'Temperature [K]'],
    ['> <cdk:Title>', 'cdk:Title'],
    ['> <BBB log([brain]:[blood])>', 'BBB log([brain]:[blood])'],
    ['> <IC50 > 10>', 'IC50 > 10'],
    ['>  <Code> (0100380824)', 'Code'],
  ])('%s → %s', (line, name) => expect(headerName(line)).toBe(name));
});

describe('parseSdfRecord', () => {
  it('keeps values as exact strings: leading zeros, exponents, spaces, empty and multi-line values', () => {
    const text =
      molblock('T1', 2, 1) +
      '> <zip>\n007\n\n> <exp>\n2.700000000000000e+000\n\n> <space>\n \n\n> <empty>\n\n> <multi>\nline 1\n\nline 3\n\n';
    const r = parseSdfRecord(text);
    expect(r.title).toBe('T1');
    expect(r.problem).toBeUndefined();
    expect([...r.fields]).toEqual([
      ['zip', '007'],
      ['exp', '2.700000000000000e+000'],
      ['space', ' '],
      ['empty', ''],
      ['multi', 'line 1\n\nline 3'],
    ]);
    expect(r.molfile.endsWith('M  END\n')).toBe(true);
    expect(r.atomCount).toBe(2);
  });

  it('keeps duplicate field names as name#2', () => {
    const r = parseSdfRecord(molblock('T', 1, 0) + '> <a>\n1\n\n> <a>\n2\n\n');
    expect([...r.fields]).toEqual([
      ['a', '1'],
      ['a#2', '2'],
    ]);
  });

  it('takes `M  END` and a data header only at a line start, a header only with its `<` on its line', () => {
    const text =
      molblock('title with M  END inside', 1, 0).replace('  test', '  M  END not at a line start') +
      '> <a>\nx > <not a header>\n>\n<not a header either\n\n> <b>\ny\n\n';
    const r = parseSdfRecord(text);
    expect(r.molfile.endsWith(`${atom('C')}\nM  END\n`)).toBe(true);
    expect(r.problem).toBeUndefined();
    expect([...r.fields]).toEqual([
      ['a', 'x > <not a header>\n>\n<not a header either'],
      ['b', 'y'],
    ]);
  });

  it('reads the field names of each record, whatever the record before had at that position', () => {
    // Names of the same length at the same position, a name that extends the previous one, one
    // that is a prefix of it, and a bond line with padding that trim() removes (a tab).
    const first = parseSdfRecord(molblock('A', 1, 0) + '> <abc>\n1\n\n> <name_long>\n2\n\n');
    const second = parseSdfRecord(molblock('B', 1, 0) + '> <abd>\n3\n\n> <name_longer>\n4\n\n> <n>\n5\n\n');
    const third = parseSdfRecord(molblock('C', 1, 0) + '> <abd>  (12)\n6\n\n> <name>\n7\n\n');
    expect([...first.fields.keys()]).toEqual(['abc', 'name_long']);
    expect([...second.fields.keys()]).toEqual(['abd', 'name_longer', 'n']);
    expect([...third.fields]).toEqual([
      ['abd', '6'],
      ['name', '7'],
    ]);
    const tabbed = molblock('T', 3, 2).replace(`${bond(2, 3)}\n`, '\t 2  3  1  0\n');
    expect(parseSdfRecord(tabbed).problem).toBeUndefined();
  });

  it('reports fewer atom lines than the counts line says', () => {
    const r = parseSdfRecord(molblock('T', 24, 0, 20));
    expect(r.problem).toBe('counts line says 24 atoms but only 20 atom lines before the bond block');
  });

  it('reports fewer bond lines, and a missing M  END', () => {
    const short = molblock('T', 3, 2).replace(`${bond(2, 3)}\n`, '');
    expect(parseSdfRecord(short).problem).toMatch(/counts line says 2 bonds but only 1 bond lines/);
    expect(parseSdfRecord(molblock('T', 2, 1, 2, false)).problem).toBe('no "M  END" line');
  });

  it('ends the bond block at a line with a decimal point, wherever the next one is', () => {
    const three = molblock('T', 4, 3);
    const dotted = (n: number): string => three.replace(`${bond(n, n + 1)}\n`, `${bond(n, n + 1)}.5\n`);
    expect(parseSdfRecord(three + '> <a>\n1\n\n').problem).toBeUndefined();
    expect(parseSdfRecord(dotted(2)).problem).toMatch(/counts line says 3 bonds but only 1 bond lines/);
    expect(parseSdfRecord(dotted(3) + '> <w>\n1.5\n\n').problem).toMatch(
      /counts line says 3 bonds but only 2 bond lines/,
    );
  });

  it('reports a record without a counts line', () => {
    expect(parseSdfRecord('asdfasdf\niABAAA\nM END\n').problem).toMatch(/no counts line/);
    expect(parseSdfRecord('x\n').problem).toMatch(/no counts line/);
  });

  it('parses counts lines', () => {
    expect(parseCountsLine('801811  0  0  0  0  0  0  0  0999 V2000')).toEqual({
      atoms: 801,
      bonds: 811,
      version: 'V2000',
    });
    expect(parseCountsLine('  0  0  0     0  0            999 V3000')?.version).toBe('V3000');
    expect(parseCountsLine('M  END')).toBeUndefined();
  });
});

describe('readSdfRecords on real files', () => {
  it('reads V3000 atom counts from M  V30 COUNTS', async () => {
    const records = await all([Buffer.from(read('nasty_sdf/mesa_drugcentral_v3_sample.sdf'))]);
    expect(records).toHaveLength(75);
    for (const r of records) {
      expect(r.ctabVersion).toBe('V3000');
      expect(r.problem).toBeUndefined();
      const m = /M {2}V30 COUNTS (\d+)/.exec(r.raw);
      expect(r.atomCount).toBe(Number(m?.[1]));
    }
  });

  it('reads the 801-atom molecule', async () => {
    const [r] = await all([read('nasty_sdf/cdk_pubchem_24763_huge_801_atoms.sdf')]);
    expect(r?.atomCount).toBe(801);
    expect(r?.problem).toBeUndefined();
    expect(r?.fields.get('PUBCHEM_COMPOUND_CID')).toBe('24763');
  });

  it('turns the garbage tail record of sdf-parser test2 into a problem naming the counts line', async () => {
    const records = await all([read('nasty_sdf/sdf-parser_test2_utf8_garbage_tail.sdf')]);
    expect(records).toHaveLength(8);
    expect(records.slice(0, 7).every((r) => r.problem === undefined)).toBe(true);
    expect(records[7]?.problem).toMatch(/counts line/);
    expect(records[7]?.raw).toContain('asdfasdf');
    // Non-ASCII (valid UTF-8) is not an encoding problem.
    expect(records.some((r) => [...r.raw].some((ch) => ch.charCodeAt(0) > 0x7f))).toBe(true);
  });

  it('flags invalid UTF-8 in the record that holds it, with the byte offset', async () => {
    const good = molblock('ok', 1, 0) + '> <v>\nfine\n\n$$$$\n';
    const bad = Buffer.concat([
      Buffer.from(molblock('bad', 1, 0) + '> <v>\nab'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('\n\n$$$$\n'),
    ]);
    const literal = molblock('literal', 1, 0) + '> <v>\n\uFFFD\n\n$$$$\n';
    const onlyLiteral = await all([Buffer.from(good + literal)]);
    expect(onlyLiteral.map((r) => r.problem)).toEqual([undefined, undefined]);
    const records = await all([Buffer.from(good), bad]);
    expect(records[0]?.problem).toBeUndefined();
    const offset = Buffer.byteLength(molblock('bad', 1, 0) + '> <v>\nab');
    expect(records[1]?.problem).toBe(
      `invalid UTF-8 at byte ${offset} of the record (line ${records[1]!.line + 7})`,
    );
  });

  it('does not take a literal U+FFFD split between two chunks for invalid UTF-8', async () => {
    const good = molblock('ok', 1, 0) + '> <v>\nfine\n\n$$$$\n';
    const literal = Buffer.from(good + molblock('literal', 1, 0) + '> <v>\nx\uFFFDy\n\n$$$$\n');
    const at = literal.indexOf(Buffer.from([0xef, 0xbf, 0xbd]));
    for (const cuts of [[at + 1], [at + 2], [at + 1, at + 2]]) {
      const edges = [0, ...cuts, literal.length];
      const chunks = cuts.map((_, k) => literal.subarray(edges[k], edges[k + 1]));
      chunks.push(literal.subarray(edges[cuts.length]));
      const records = await all(chunks);
      expect(records.map((r) => r.problem)).toEqual([undefined, undefined]);
      expect(records[1]?.fields.get('v')).toBe('x\uFFFDy');
    }
  });

  it('reads a large chunk in pieces with the same records, multi-byte characters across the cuts', async () => {
    // Chunks of 256 KiB (the gunzip and file reads) are decoded 64 KiB at a time: V8 puts strings
    // of 128 KiB and more in its large-object space, where decoding is ~6× slower.
    const records = Array.from(
      { length: 1000 },
      (_, i) => molblock(`m${i}`, 2, 1) + `> <name>\nÅngström-β ${i} ${'é'.repeat(i % 7)}\n\n$$$$\n`,
    );
    const text = records.join('');
    const whole = await all([text]);
    const big = Buffer.from(text);
    expect(big.length).toBeGreaterThan(200_000);
    const pieces = await all([big]);
    expect(pieces.map((r) => [r.title, r.line, r.raw, r.problem])).toEqual(
      whole.map((r) => [r.title, r.line, r.raw, r.problem]),
    );
    expect(pieces).toHaveLength(1000);
  });

  it('streams a 10 MB data field', async () => {
    const big = '7'.repeat(10 * 1024 * 1024);
    const text = molblock('big', 1, 0) + `> <big>\n${big}\n\n$$$$\n` + molblock('next', 1, 0) + '$$$$\n';
    const gz = gzipSync(text);
    const chunks: Buffer[] = [];
    for (let i = 0; i < gz.length; i += 65_536) chunks.push(gz.subarray(i, i + 65_536));
    const { gunzipSync } = await import('node:zlib');
    const plain = gunzipSync(gz);
    const parts: Buffer[] = [];
    for (let i = 0; i < plain.length; i += 65_536) parts.push(plain.subarray(i, i + 65_536));
    const records = await all(parts);
    expect(records).toHaveLength(2);
    expect(records[0]?.fields.get('big')).toBe(big);
    expect(records[1]?.title).toBe('next');
  });

  // Cross-check against an independent implementation. Not indigo_serialize_crlf.sdf: its last
  // `$$$$ ` has no newline, so sdf-parser keeps the `$$$$` line inside the last record and appends a
  // stray "\n" to the last value (its bug, not ours).
  it('agrees with sdf-parser (dynamicTyping off) on every field of real files', async () => {
    for (const name of [
      'pubchem_sdf/indigo_arom_elements_007.sdf',
      'nasty_sdf/sdf-parser_test_isis.sdf',
      'nasty_sdf/cdk_weirdprops.sdf',
      'chembl_sdf/pkasolver_00_chembl_subset.sdf',
    ]) {
      const bytes = read(name);
      const ours = await all([bytes]);
      const theirs: Record<string, unknown>[] = [];
      const stream = new Blob([bytes]).stream().pipeThrough(new TextDecoderStream());
      for await (const m of sdfParserIterator(stream, { dynamicTyping: false })) theirs.push(m);
      expect(ours.length, name).toBe(theirs.length);
      ours.forEach((r, i) => {
        const { molfile: _m, ...fields } = theirs[i] as Record<string, unknown>;
        expect(Object.fromEntries(r.fields), `${name} record ${i + 1}`).toEqual(fields);
      });
    }
  });
});
