/**
 * Larger inputs for fault tests, made from a real sample: the PubChem records tiled with fresh,
 * unique CIDs (so every record is a distinct molecule).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

const SAMPLE = path.resolve(import.meta.dirname, '../../fixtures/samples/pubchem_compound_head_245.sdf.gz');

export function tilePubchem(n: number, outFile: string, firstCid = 1): string {
  const text = gunzipSync(readFileSync(SAMPLE)).toString('utf8');
  const records = text.split('$$$$\n').filter((r) => r.trim() !== '');
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const rec = records[i % records.length]!;
    parts.push(rec.replace(/(> <PUBCHEM_COMPOUND_CID>\n)\d+/, `$1${firstCid + i}`), '$$$$\n');
  }
  writeFileSync(outFile, outFile.endsWith('.gz') ? gzipSync(parts.join('')) : parts.join(''));
  return outFile;
}
