// Realistic datasets of N molecules, tiled from the real shared samples with fresh unique IDs.
//
// - PubChem-style SDF.gz: every record of the PubChem samples, title line and PUBCHEM_COMPOUND_CID
//   rewritten to the new CID (1..N).
// - ChEMBL-style SDF.gz: every record of the ChEMBL dump samples, title line and chembl_id rewritten
//   to CHEMBL<k> (k = 1..N).
// - chemreps-like TSV.gz (chembl_id, canonical_smiles, standard_inchi, standard_inchi_key), from the
//   chemreps sample and the PubChem samples' SMILES/InChI/InChIKey, IDs rewritten the same way.
//
// Files are written once per (kind, N) into the output directory and reused: a `.ok` sidecar marks
// a complete file.
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gunzipSync } from 'node:zlib';

/** Bump when the generated content changes, so cached files are rebuilt. */
const FORMAT_VERSION = 1;
/** gzip -6 as the public dumps are; -1 above a million records, where -6 would take minutes to write. */
const gzipLevel = (n) => (n > 1_000_000 ? 1 : 6);

function readMaybeGz(path) {
  const buf = readFileSync(path);
  return (buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf).toString('utf8');
}

/** Sample files of one kind, deduplicated by content (the shared data and fixtures overlap). */
function sampleFiles(dirs, pattern) {
  const seen = new Set();
  const files = [];
  for (const dir of dirs) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      if (!pattern.test(name)) continue;
      const path = join(dir, name);
      const hash = createHash('sha1').update(readFileSync(path)).digest('hex');
      if (seen.has(hash)) continue;
      seen.add(hash);
      files.push(path);
    }
  }
  return files;
}

function sdfRecords(text) {
  return text
    .replace(/\r\n/g, '\n')
    .split('$$$$\n')
    .filter((r) => r.trim().length > 0 && r.includes('M  END'));
}

/**
 * A record as `id + a + id + b`: the title line replaced by the ID, and the value line of `field`
 * replaced by the ID. Records without the field are skipped.
 */
function idTemplate(record, field) {
  const titleEnd = record.indexOf('\n');
  const tag = `> <${field}>\n`;
  const tagAt = record.indexOf(tag);
  if (titleEnd < 0 || tagAt < 0) return undefined;
  const valueStart = tagAt + tag.length;
  const valueEnd = record.indexOf('\n', valueStart);
  if (valueEnd < 0) return undefined;
  return { a: record.slice(titleEnd, valueStart), b: `${record.slice(valueEnd)}$$$$\n` };
}

/**
 * `tpl` with its `b` cut around the value of `field` (b1 + value + b2); a record without the field
 * gets it as its last data item.
 */
function splitAt(tpl, field) {
  const tag = `> <${field}>\n`;
  const at = tpl.b.indexOf(tag);
  if (at < 0) {
    const end = tpl.b.lastIndexOf('$$$$\n');
    return { ...tpl, b1: `${tpl.b.slice(0, end).replace(/\n*$/, '\n\n')}${tag}`, b2: '\n\n$$$$\n' };
  }
  const start = at + tag.length;
  return { ...tpl, b1: tpl.b.slice(0, start), b2: tpl.b.slice(tpl.b.indexOf('\n', start)) };
}

/**
 * A made-up standard InChIKey, different for every ID: in the tiled samples only the 245 records of
 * the PubChem head sample have one (the 1,000 RDKit regression records carry a NIST InChI only), so
 * their InChIKey indexes never see the random inserts of real data.
 */
function madeUpInchikey(id) {
  const h = createHash('sha256').update(id).digest();
  let s = '';
  for (let i = 0; i < 24; i++) s += String.fromCharCode(65 + (h[i] % 26));
  return `${s.slice(0, 14)}-${s.slice(14, 22)}S${s[22]}-${s[23]}`;
}

function fieldValue(record, field) {
  const tag = `> <${field}>\n`;
  const at = record.indexOf(tag);
  if (at < 0) return undefined;
  const start = at + tag.length;
  const end = record.indexOf('\n', start);
  return record.slice(start, end < 0 ? undefined : end);
}

export function loadTemplates(repoRoot) {
  const shared = join(repoRoot, '..', 'shared', 'data');
  const fixtures = join(repoRoot, 'fixtures');
  const pubchemFiles = sampleFiles(
    [join(fixtures, 'samples'), join(shared, 'pubchem_sdf'), join(fixtures, 'pubchem_sdf')],
    /pubchem.*\.sdf\.gz$|Compound_.*\.sdf\.gz$|Regress_mols.*\.sdf\.gz$/i,
  );
  const chemblFiles = sampleFiles(
    [join(fixtures, 'samples'), join(shared, 'chembl_sdf'), join(fixtures, 'chembl_sdf')],
    /chembl_dump.*\.sdf\.gz$/i,
  );
  const pubchemRecords = pubchemFiles.flatMap((f) => sdfRecords(readMaybeGz(f)));
  const pubchem = pubchemRecords.map((r) => idTemplate(r, 'PUBCHEM_COMPOUND_CID')).filter(Boolean);
  const chembl = chemblFiles
    .flatMap((f) => sdfRecords(readMaybeGz(f)))
    .map((r) => idTemplate(r, 'chembl_id'))
    .filter(Boolean);

  // chemreps rows: the real chemreps sample, then the PubChem samples' representations.
  const chemreps = [];
  for (const dir of [join(shared, 'chembl_tabular'), join(fixtures, 'chembl_tabular')]) {
    const path = join(dir, 'kffl_chembl_25_chemreps_top100.txt');
    if (!existsSync(path)) continue;
    const lines = readMaybeGz(path).split(/\r?\n/).slice(1);
    for (const line of lines) {
      const cols = line.split('\t');
      if (cols.length >= 4 && cols[1]) chemreps.push(cols.slice(1, 4));
    }
    break;
  }
  for (const r of pubchemRecords) {
    const smiles = fieldValue(r, 'PUBCHEM_OPENEYE_CAN_SMILES');
    const inchi = fieldValue(r, 'PUBCHEM_IUPAC_INCHI');
    const key = fieldValue(r, 'PUBCHEM_IUPAC_INCHIKEY');
    if (smiles && inchi && key) chemreps.push([smiles, inchi, key]);
  }
  if (pubchem.length === 0 || chembl.length === 0 || chemreps.length === 0) {
    throw new Error(
      `no samples found under ${shared} or ${fixtures} (pubchem ${pubchem.length}, chembl ${chembl.length}, chemreps ${chemreps.length})`,
    );
  }
  return {
    pubchem,
    chembl,
    chemreps,
    sources: {
      pubchem: pubchemFiles.map((f) => basename(f)),
      chembl: chemblFiles.map((f) => basename(f)),
      chemreps: ['kffl_chembl_25_chemreps_top100.txt', 'PubChem samples (SMILES/InChI/InChIKey)'],
    },
  };
}

function* chunked(n, line, header = '') {
  const CHUNK = 1 << 20;
  let buf = header;
  for (let k = 0; k < n; k++) {
    buf += line(k);
    if (buf.length >= CHUNK) {
      yield buf;
      buf = '';
    }
  }
  if (buf.length > 0) yield buf;
}

async function writeGzOnce(path, chunks, level = 6) {
  if (existsSync(path) && existsSync(`${path}.ok`)) return { path, cached: true };
  const tmp = `${path}.tmp`;
  await pipeline(Readable.from(chunks), createGzip({ level }), createWriteStream(tmp));
  renameSync(tmp, path);
  writeFileSync(`${path}.ok`, `${new Date().toISOString()}\n`);
  return { path, cached: false };
}

/**
 * Write (or reuse) the dataset of `kind` with `n` molecules; returns its path. IDs run from
 * `firstId` (default 1): a dataset from N+1 holds only IDs a dataset of N does not, and continues
 * its tiling of the samples. `distinctInchikeys` (PubChem only): every record gets a made-up
 * PUBCHEM_IUPAC_INCHIKEY of its own (replacing the one it has).
 */
export async function ensureDataset(
  templates,
  kind,
  n,
  outDir,
  { firstId = 1, distinctInchikeys = false } = {},
) {
  const tag = `${firstId === 1 ? '' : `from${firstId}_`}v${FORMAT_VERSION}`;
  const skip = firstId - 1;
  if (kind === 'pubchem' && distinctInchikeys) {
    const t = templates.pubchem.map((tpl) => splitAt(tpl, 'PUBCHEM_IUPAC_INCHIKEY'));
    return writeGzOnce(
      join(outDir, `pubchem_${n}_keys_${tag}.sdf.gz`),
      chunked(n, (k) => {
        const tpl = t[(k + skip) % t.length];
        const id = String(k + firstId);
        return id + tpl.a + id + tpl.b1 + madeUpInchikey(id) + tpl.b2;
      }),
      gzipLevel(n),
    );
  }
  if (kind === 'pubchem') {
    const t = templates.pubchem;
    return writeGzOnce(
      join(outDir, `pubchem_${n}_${tag}.sdf.gz`),
      chunked(n, (k) => {
        const tpl = t[(k + skip) % t.length];
        const id = String(k + firstId);
        return id + tpl.a + id + tpl.b;
      }),
      gzipLevel(n),
    );
  }
  if (kind === 'chembl') {
    const t = templates.chembl;
    return writeGzOnce(
      join(outDir, `chembl_${n}_${tag}.sdf.gz`),
      chunked(n, (k) => {
        const tpl = t[(k + skip) % t.length];
        const id = `CHEMBL${k + firstId}`;
        return id + tpl.a + id + tpl.b;
      }),
    );
  }
  if (kind === 'chemreps') {
    const rows = templates.chemreps;
    return writeGzOnce(
      join(outDir, `chemreps_${n}_${tag}.txt.gz`),
      chunked(
        n,
        (k) => {
          const r = rows[(k + skip) % rows.length];
          return `CHEMBL${k + firstId}\t${r[0]}\t${r[1]}\t${r[2]}\n`;
        },
        'chembl_id\tcanonical_smiles\tstandard_inchi\tstandard_inchi_key\n',
      ),
    );
  }
  throw new Error(`unknown dataset kind ${kind}`);
}
