import { describe, expect, it } from 'vitest';
import { readCsvRecords } from '../../src/parse/csv-records.js';
import { hasHeaderRow, sniffDelimiter, syntheticColumns } from '../../src/parse/csv-sniff.js';
import type { CsvRecord } from '../../src/types.js';

async function rows(text: string | Buffer, chunk = Number.MAX_SAFE_INTEGER): Promise<CsvRecord[]> {
  const buf = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const chunks: Buffer[] = [];
  for (let i = 0; i < buf.length; i += chunk) chunks.push(buf.subarray(i, i + chunk));
  const out: CsvRecord[] = [];
  for await (const r of readCsvRecords(chunks, 't.csv')) out.push(r);
  return out;
}

describe('CSV sniffing', () => {
  it('sniffs the delimiter', () => {
    expect(sniffDelimiter(['a\tb\tc', '1\t2\t3'])).toBe('\t');
    expect(sniffDelimiter(['a;b', '"x;y";2'])).toBe(';');
    expect(sniffDelimiter(['a,b', '1,2'])).toBe(',');
    expect(sniffDelimiter(['123 CCO', '456 c1ccccc1'])).toBe(' ');
  });

  it('detects header rows and names headerless ID/SMILES columns', () => {
    expect(hasHeaderRow(['chembl_id', 'canonical_smiles', 'standard_inchi', 'standard_inchi_key'])).toBe(
      true,
    );
    expect(hasHeaderRow(['23684363', '[Na+].CCOC(c1[nH]c(C)c(CCC([O-])=O)c1C)=O'])).toBe(false);
    expect(hasHeaderRow(['CC(C)C(=O)/C=C/CCCC#C', 'CID_11788481'])).toBe(false);
    expect(hasHeaderRow(['cx_logd', 'cx_logp', 'psa'])).toBe(true);
    expect(syntheticColumns(['23684363', 'CCO(C)'])).toEqual(['id', 'smiles']);
    expect(syntheticColumns(['C(=O)O', 'CID_1'])).toEqual(['smiles', 'id']);
    expect(syntheticColumns(['1', '2', '3'])).toEqual(['column1', 'column2', 'column3']);
  });
});

describe('readCsvRecords', () => {
  const text = '\uFEFF"id";"name";"v"\r\n"A1";"x; y";"007"\r\n\r\n"A2";"multi\r\nline";""\r\nA3;short\r\n';
  it.each([1, 7, 64, Number.MAX_SAFE_INTEGER])(
    'BOM, quotes, CRLF, blank lines, wrong column count (chunk %i)',
    async (n) => {
      const out = await rows(text, n);
      expect(out.map((r) => [r.record, r.line, Object.fromEntries(r.fields), r.problem])).toEqual([
        [1, 2, { id: 'A1', name: 'x; y', v: '007' }, undefined],
        [2, 4, { id: 'A2', name: 'multi\r\nline', v: '' }, undefined],
        [3, 6, { id: 'A3', name: 'short' }, 'wrong number of columns: expected 3, found 2'],
      ]);
      expect(out[0]?.columns).toEqual(['id', 'name', 'v']);
      expect(out[0]?.raw).toBe('"A1";"x; y";"007"');
    },
  );

  it('reads headerless space-separated CID SMILES lists', async () => {
    const out = await rows('23684363 [Na+].CCOC(c1[nH]c(C)c(CCC([O-])=O)c1C)=O\n5140468 CCOC(=O)C\n');
    expect(out.map((r) => Object.fromEntries(r.fields))).toEqual([
      { id: '23684363', smiles: '[Na+].CCOC(c1[nH]c(C)c(CCC([O-])=O)c1C)=O' },
      { id: '5140468', smiles: 'CCOC(=O)C' },
    ]);
    expect(out.map((r) => r.line)).toEqual([1, 2]);
  });

  it('flags rows with invalid UTF-8', async () => {
    const out = await rows(
      Buffer.concat([Buffer.from('id,name\n1,ok\n2,b'), Buffer.from([0xc3, 0x28]), Buffer.from('\n')]),
    );
    expect(out[0]?.problem).toBeUndefined();
    expect(out[1]?.problem).toMatch(/^invalid UTF-8 at byte 3 of the record \(line 3\)/);
  });
});
