/**
 * Packed rows (src/sink/packed-rows.ts): every column reads back as written, the COPY bytes are
 * the unpacked row's to the byte, and an arena is reused only once every row in it is released.
 */
import { describe, expect, it } from 'vitest';
import { POOLED_BYTES } from '../../src/sink/buffer-pool.js';
import { CopyBinaryEncoder } from '../../src/sink/copy-binary.js';
import { PackedMoleculeRow, RowArena, writeDataFields } from '../../src/sink/packed-rows.js';
import { jsonbText } from '../../src/sink/jsonb-text.js';
import { MOLECULE_DATA_BINARY_TYPES } from '../../src/sink/schema.js';
import type { MoleculeRow } from '../../src/types.js';

const DATA_COLUMNS = [
  'name',
  'smiles',
  'inchi',
  'inchikey',
  'formula',
  'molWeight',
  'molfile',
  'properties',
  'stdSmiles',
  'stdInchikey',
  'parentSmiles',
  'parentInchikey',
] as const;

function row(over: Partial<MoleculeRow> = {}): MoleculeRow {
  return {
    source: 'pubchem',
    externalId: '2244',
    name: 'aspirin',
    smiles: 'CC(=O)Oc1ccccc1C(=O)O',
    inchi: 'InChI=1S/C9H8O4/c1-6(10)13-8-5-3-2-4-7(8)9(11)12/h2-5H,1H3,(H,11,12)',
    inchikey: 'BSYNRYMUTXBXSQ-UHFFFAOYSA-N',
    formula: 'C9H8O4',
    molWeight: 180.159,
    molfile: '2244\n  -OEChem-\n\n  0  0  0  0  0  0  0  0  0  0999 V2000\nM  END\n',
    properties: { PUBCHEM_XLOGP3: '1.2', 'é ünïcode "quoted"\\': 'α\nβ\ttab\u0001', __proto__x: '' },
    origin: { file: 'in.sdf', record: 7, line: 61 },
    weight: 21,
    ...over,
  };
}

/** The row's data columns as writeDataFields encodes them. */
function encoded(r: MoleculeRow, properties?: string): Buffer {
  const enc = new CopyBinaryEncoder(MOLECULE_DATA_BINARY_TYPES);
  enc.beginRow(MOLECULE_DATA_BINARY_TYPES.length);
  writeDataFields(enc, r, properties);
  return Buffer.concat(enc.finish());
}

/** The unpacked row's fields with its properties printed as PostgreSQL prints jsonb: a packed row's. */
function printed(r: MoleculeRow): Buffer {
  return encoded(r, jsonbText(r.properties));
}

describe('PackedMoleculeRow', () => {
  const cases: [string, MoleculeRow][] = [
    ['a full row', row()],
    [
      'nulls and empty strings',
      row({ name: null, smiles: '', inchi: null, molWeight: null, molfile: null, properties: {} }),
    ],
    [
      'standardised columns and a key in the own-property trap',
      row({
        stdSmiles: 'CC(=O)O',
        stdInchikey: 'QTBSBXVTEAMEQO-UHFFFAOYSA-N',
        parentSmiles: '',
        parentInchikey: null,
        properties: JSON.parse(
          '{"__proto__": "data, not a prototype", "n": "1"}',
        ) as MoleculeRow['properties'],
      }),
    ],
    [
      'astral characters and NaN weight',
      row({ name: '💊 𝛂', molWeight: Number.NaN, externalId: 'X'.repeat(40) }),
    ],
  ];

  it.each(cases)('%s: every column reads back as written, the record text too', (_name, original) => {
    const text = `${original.molfile ?? ''}> <ID>\n${original.externalId}\n\n`;
    const packed = new RowArena().pack(original, text);
    expect(packed).toBeInstanceOf(PackedMoleculeRow);
    for (const column of DATA_COLUMNS) {
      const expected = original[column] ?? null;
      if (column === 'properties')
        expect(packed.properties).toStrictEqual(JSON.parse(JSON.stringify(expected)));
      else expect(packed[column], column).toStrictEqual(expected);
    }
    expect(packed.properties).not.toBe(original.properties);
    expect([packed.source, packed.externalId, packed.origin, packed.weight]).toEqual([
      original.source,
      original.externalId,
      original.origin,
      original.weight,
    ]);
    expect(packed.recordText()).toBe(text);
  });

  it.each(cases)(
    '%s: its COPY fields are the unpacked row’s, byte for byte, properties as jsonb prints them',
    (_name, original) => {
      const packed = new RowArena().pack(original, 'record text');
      expect(encoded(packed).equals(printed(original))).toBe(true);
      // The same properties as the unpacked row's JSON, only in PostgreSQL's order and spacing.
      expect(packed.properties).toEqual(original.properties);
    },
  );

  it('is written and digested as its packed bytes, without decoding a data column', () => {
    const packed = new RowArena().pack(row(), 'text');
    // Writing a packed row, and its re-import digest, use its bytes as they are; decoding its properties' JSON there cost ~4 % of an
    // import's CPU for a value that was thrown away.
    const reads: string[] = [];
    for (const column of DATA_COLUMNS) {
      Object.defineProperty(packed, column, {
        get(): unknown {
          reads.push(column);
          // The class's own getter, on this row.
          return Reflect.get(PackedMoleculeRow.prototype, column, packed);
        },
      });
    }
    expect(encoded(packed)).toEqual(printed(row()));
    expect(packed.digest()).toMatch(/^[0-9a-f]{64}$/);
    expect(reads).toEqual([]);
  });

  it('packs properties as JSON.stringify gives them, and no digest, when not asked to print them', () => {
    for (const [, original] of cases) {
      const packed = new RowArena({ printed: false }).pack(original, 'text');
      expect(encoded(packed).equals(encoded(original))).toBe(true);
      expect(packed.digest()).toBeUndefined();
    }
  });

  it('throws when read after release, and when a data column is assigned', () => {
    const packed = new RowArena().pack(row(), 'text');
    expect(() => {
      (packed as { molfile: string | null }).molfile = 'changed';
    }).toThrow(TypeError);
    packed.release();
    packed.release(); // idempotent: a second release must not free the arena twice
    expect(() => packed.molfile).toThrow(/after its batch was written/);
    expect(() => packed.recordText()).toThrow(/after its batch was written/);
    expect(packed.externalId).toBe('2244');
  });

  it('packs a row bigger than an arena into a buffer of its own', () => {
    const big = row({ molfile: 'C'.repeat(POOLED_BYTES) });
    const arena = new RowArena();
    const small = arena.pack(row(), 'a');
    const packed = arena.pack(big, 'b');
    expect(packed.molfile).toBe(big.molfile);
    expect(small.molfile).toBe(row().molfile);
    expect(encoded(packed).equals(printed(big))).toBe(true);
  });
});

describe('RowArena: reuse', () => {
  /**
   * Rows of ~200 KB, each reserving three bytes per character (~600 KB) before it is written:
   * three fit in an arena of 1 MiB, the fourth starts the next.
   */
  const bulky = (id: number): MoleculeRow =>
    row({ externalId: String(id), molfile: `${id}`.padEnd(200_000, 'M') });

  it('reuses an arena only when it is full and every row in it is released', () => {
    const arena = new RowArena();
    const first = [1, 2, 3].map((id) => arena.pack(bulky(id), ''));
    // Released, but the arena is still being filled: not reusable yet.
    first.slice(0, 2).forEach((r) => r.release());
    const fourth = arena.pack(bulky(4), '');
    // Full now, but row 3 still holds it.
    expect(arena.reusable).toBe(0);
    expect(first[2]!.molfile).toBe(bulky(3).molfile);
    first[2]!.release();
    expect(arena.reusable).toBe(1);
    expect(fourth.molfile).toBe(bulky(4).molfile);
  });

  it('keeps the arena being filled, even when every row in it so far is released', () => {
    const arena = new RowArena();
    arena.pack(bulky(1), '').release();
    const held = arena.pack(bulky(2), 'held');
    // The next arenas must not be the one `held` is in.
    const later = [3, 4, 5, 6].map((id) => arena.pack(bulky(id), ''));
    expect(held.molfile).toBe(bulky(2).molfile);
    expect(held.recordText()).toBe('held');
    later.forEach((r, k) => expect(r.molfile).toBe(bulky(3 + k).molfile));
  });

  it('counts a row released twice once', () => {
    const arena = new RowArena();
    const [a, b] = [1, 2].map((id) => arena.pack(bulky(id), ''));
    a!.release();
    a!.release();
    const c = arena.pack(bulky(3), '');
    arena.pack(bulky(4), ''); // the arena is full now
    c.release();
    // b still holds it.
    expect(arena.reusable).toBe(0);
    expect(b!.molfile).toBe(bulky(2).molfile);
  });

  it('never lets a reused arena overwrite a row that is still held', () => {
    const arena = new RowArena();
    const held: PackedMoleculeRow[] = [];
    // Release every row but each arena's first: no arena may be reused, so every held row keeps
    // its bytes while dozens of others are packed and released around it.
    for (let id = 0; id < 60; id++) {
      const packed = arena.pack(bulky(id), `text ${id}`);
      if (id % 3 === 0) held.push(packed);
      else packed.release();
    }
    expect(arena.reusable).toBe(0);
    for (const packed of held) {
      const id = Number(packed.externalId);
      expect(packed.molfile).toBe(bulky(id).molfile);
      expect(packed.recordText()).toBe(`text ${id}`);
    }
    // Released, the held rows free their arenas (all but the one still being filled)...
    for (const packed of held) packed.release();
    expect(arena.reusable).toBe(19);
    // ...which take new rows, and those read back as themselves.
    const next = Array.from({ length: 9 }, (_, k) => arena.pack(bulky(1000 + k), ''));
    // The full twentieth arena was freed too; three arenas took the nine rows.
    expect(arena.reusable).toBe(19 + 1 - 3);
    next.forEach((packed, k) => expect(packed.molfile).toBe(bulky(1000 + k).molfile));
  });
});
