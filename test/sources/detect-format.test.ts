/** Text that is neither SDF nor a table is named by its first line; every real file still opens. */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { notDelimitedFirstLine } from '../../src/sources/detect-format.js';
import { openInput } from '../../src/sources/open-input.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

describe('notDelimitedFirstLine', () => {
  it.each([
    ['prose', 'Hello world\nthis is a note with words\n', 'Hello world'],
    ['one line of words', 'not a molecule\n', 'not a molecule'],
    ['one word', 'hello', 'hello'],
    ['a log', '  2026-12-01 started\nconnection refused by peer\n', '2026-12-01 started'],
  ])('refuses %s, quoting the first line', (_what, text, first) => {
    expect(notDelimitedFirstLine(text, true)).toBe(first);
  });

  it.each([
    ['tab-separated', 'chembl_id\tcanonical_smiles\nCHEMBL25\tCC(=O)Oc1ccccc1C(=O)O\n'],
    ['comma-separated with unknown columns', 'a,b\n1,2\n'],
    ['a one-column SMILES list', 'c1ccccc1\nCC(=O)O\nCCN(CC)CC\n'],
    ['a one-column CID list', '2244\n3672\n'],
    ['a header-only file with a known column', 'smiles\n'],
    ['a space-separated CID SMILES list', '2244 CC(=O)Oc1ccccc1C(=O)O\n3672 CC(C)Cc1ccc(cc1)C(C)C(=O)O\n'],
    ['words that split every line alike', 'alpha beta\ngamma delta\n'],
    ['blank text (left to the empty-input check)', '\n  \n'],
  ])('passes %s', (_what, text) => {
    expect(notDelimitedFirstLine(text, true)).toBeUndefined();
  });

  it('leaves out the partial last line of an incomplete sample', () => {
    expect(notDelimitedFirstLine('alpha beta\ngamma delta\nepsilon', false)).toBeUndefined();
    expect(notDelimitedFirstLine('alpha beta\ngamma delta\nepsilon', true)).toBe('alpha beta');
  });

  it('every fixture still opens, as the format it is', async () => {
    const files = readdirSync(FIXTURES, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile() && !d.name.endsWith('.md'))
      .map((d) => join(d.parentPath, d.name));
    expect(files.length).toBeGreaterThan(30);
    for (const file of files) {
      const input = await openInput(file);
      for await (const chunk of input.stream) if (chunk.length > 0) break;
      expect(input.format, file).toBe(/\.sdf?(\.gz)?$/i.test(file) ? 'sdf' : 'csv');
    }
  });
});
