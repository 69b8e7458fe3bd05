/**
 * A PubChem SDF with known rejects: the sample tiled with fresh CIDs (see tile.ts), every
 * `every`-th record's `M  END` line removed, which the import rejects.
 */
import { writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

const SAMPLE = path.resolve(import.meta.dirname, '../../fixtures/samples/pubchem_compound_head_245.sdf.gz');

export interface BrokenFile {
  file: string;
  /** CIDs of the records without `M  END`, in file order. */
  brokenCids: string[];
  /** CIDs of every record, in file order. */
  cids: string[];
}

export function pubchemWithBrokenRecords(n: number, every: number, outFile: string): BrokenFile {
  const text = gunzipSync(readFileSync(SAMPLE)).toString('utf8');
  const records = text.split('$$$$\n').filter((r) => r.trim() !== '');
  const parts: string[] = [];
  const brokenCids: string[] = [];
  const cids: string[] = [];
  for (let i = 0; i < n; i++) {
    const cid = String(1 + i);
    let rec = records[i % records.length]!.replace(/(> <PUBCHEM_COMPOUND_CID>\n)\d+/, `$1${cid}`);
    if ((i + 1) % every === 0) {
      rec = rec.replace(/^M {2}END\n/m, '');
      brokenCids.push(cid);
    }
    cids.push(cid);
    parts.push(rec, '$$$$\n');
  }
  writeFileSync(outFile, outFile.endsWith('.gz') ? gzipSync(parts.join('')) : parts.join(''));
  return { file: outFile, brokenCids, cids };
}

/** The CIDs in an SDF rejects file, in file order (duplicates kept). */
export function rejectedCids(rejectsText: string): string[] {
  return [...rejectsText.matchAll(/^> <PUBCHEM_COMPOUND_CID>\r?\n(\d+)/gm)].map((m) => m[1]!);
}
