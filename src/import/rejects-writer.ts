/**
/**
 * Writes every rejected record to a rejects file that any reader takes as it took the input, and
 * that can be fixed and fed back to molimport:
 * - SDF: the record's original text byte for byte (its line endings included), then `molimport_*`
 *   data items, then `$$$$`. A record whose last data item lacks its closing blank line gets one, or
 *   that item would swallow the first added one.
 * - CSV: the file's own columns, then `molimport_*` columns (RFC 4180 quoting); a row whose cells
 *   do not match the header also keeps its original line in `molimport_raw`. Each header gets its
 *   own file, so a run over files with different columns loses no column.
 * Files are created only when needed and exclusively (`wx`): a run never overwrites another run's
 * rejects. Only a resumed run appends, to the files of the run it continues.
 *
 * Durability against the ledger: the import writes a batch's rejects and calls `sync()` before the
 * batch's transaction commits, so every reject of a committed range is on disk. A crash between the
 * fsync and the commit leaves rejects whose batch resume reads again: a resumed run (append) reads
 * the (file, record) pairs already in the file and does not write them twice. A write or fsync that
 * fails throws `OutputError` (the batch is then not committed).
 */
import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { ConfigurationError, errorMessage, OutputError } from '../errors.js';
import type { Reject } from '../types.js';

/** Fields/columns this writer adds; the import strips them when a rejects file is read back. */
export const REJECT_FIELD_PREFIX = 'molimport_';
const EXTRA = ['molimport_file', 'molimport_record', 'molimport_line', 'molimport_reason'] as const;
const RAW_COLUMN = 'molimport_raw';

/** Where a run's rejects go. */
export interface RejectsTarget {
  /** The path named by the user, or the default base (`<dir>/molimport-rejects-run<id>-<time>`). */
  base: string;
  /** Named by the user (`--rejects`): used as is when its extension fits the format. */
  explicit: boolean;
  /** Append to files that exist (a resumed run continuing its own rejects files). */
  append: boolean;
}

/** The default base name of a run's rejects: unique per run and per millisecond. */
export function defaultRejectsBase(dir: string, runId: number | null, now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, '');
  return path.join(dir, `molimport-rejects-${runId === null ? 'dry-run' : `run${runId}`}-${stamp}`);
}

/** The files a target may write: the SDF one and the first CSV one (later headers add `-2`, …). */
export function rejectsPaths(target: Pick<RejectsTarget, 'base' | 'explicit'>): { sdf: string; csv: string } {
  const ext = path.extname(target.base).toLowerCase();
  const keep = target.explicit;
  return {
    sdf: keep && (ext === '.sdf' || ext === '.sd') ? target.base : `${target.base}.sdf`,
    csv: keep && (ext === '.csv' || ext === '.tsv' || ext === '.txt') ? target.base : `${target.base}.csv`,
  };
}

/**
 * Refuse (exit 2) a `--rejects` path that already holds rejects, unless `append` (a resumed run
 * continuing the run that wrote it): an existing file is another run's record of what it lost.
 */
export function checkRejectsTarget(target: RejectsTarget): void {
  if (!target.explicit || target.append) return;
  const { sdf, csv } = rejectsPaths(target);
  for (const p of new Set([target.base, sdf, csv])) {
    if (existsSync(p)) {
      throw new ConfigurationError(
        `rejects file ${p} already exists: it holds another run's rejects; choose a new --rejects path, move it away, or --resume the run that wrote it`,
      );
    }
  }
}

interface CsvFile {
  fd: number;
  columns: readonly string[];
  path: string;
}

export class RejectsWriter {
  private sdfFd: number | undefined;
  /** One CSV file per distinct header, keyed by the header's columns. */
  private readonly csvFiles = new Map<string, CsvFile>();
  private readonly written: string[] = [];
  /** Rejects already in an appended file, as `file\0record`, not yet met again (a resumed run does not repeat them). */
  private readonly present = new Set<string>();
  private dirty = false;
  private readonly reread = new Set<string>();
  count = 0;

  constructor(private target: RejectsTarget) {}

  /** Set where rejects go, before the first is written (the default name needs the run's id). */
  retarget(target: RejectsTarget): void {
    if (this.count > 0) throw new Error('rejects target changed after rejects were written');
    this.target = target;
  }

  /**
   * Inputs a resumed run reads again from the start (they changed): their rejects already in the
   * file are from the old content and do not stand for the new records. Call before the first write.
   */
  rereads(files: readonly string[]): void {
    for (const f of files) this.reread.add(f);
  }

  /** Paths actually written (for the stats and `molimport runs`). */
  get files(): readonly string[] {
    return this.written;
  }

  /** Write one reject (once per file and record). Throws `OutputError` when the file cannot be written. */
  write(reject: Reject): void {
    this.count++;
    const key = `${reject.file}\0${reject.record}`;
    let file = rejectsPaths(this.target)[reject.format];
    try {
      const csv = reject.format === 'csv' ? this.csvFileFor(reject) : undefined;
      if (csv !== undefined) file = csv.path;
      else this.sdfFd ??= this.open(file);
      // Each reject already in the file is met at most once again: forget it then, so the set
      // only shrinks (the import itself never writes one record's reject twice).
      if (this.present.delete(key)) return;
      if (csv === undefined) writeSync(this.sdfFd as number, sdfRejectText(reject));
      else writeCsvRow(csv, reject);
      this.dirty = true;
    } catch (err) {
      if (err instanceof OutputError) throw err;
      throw this.failure(file, 'write', err);
    }
  }

  /** Flush what was written to disk (fdatasync: the data and the file size); a no-op when nothing was written since. Throws `OutputError`. */
  sync(): void {
    if (!this.dirty) return;
    const open: [number | undefined, string][] = [
      [this.sdfFd, rejectsPaths(this.target).sdf],
      ...[...this.csvFiles.values()].map((f): [number, string] => [f.fd, f.path]),
    ];
    for (const [fd, file] of open) {
      if (fd === undefined) continue;
      try {
        fdatasyncSync(fd);
      } catch (err) {
        throw this.failure(file, 'flush', err);
      }
    }
    this.dirty = false;
  }

  close(): void {
    if (this.sdfFd !== undefined) closeSync(this.sdfFd);
    for (const f of this.csvFiles.values()) closeSync(f.fd);
    this.sdfFd = undefined;
    this.csvFiles.clear();
  }

  private failure(file: string, what: string, err: unknown): OutputError {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOSPC'
        ? 'no space left on the device'
        : code === 'EACCES' || code === 'EPERM' || code === 'EROFS'
          ? 'permission denied'
          : code === 'ENOENT'
            ? 'its directory does not exist'
            : code === 'EEXIST'
              ? 'it appeared while this run was starting and is not overwritten; choose another --rejects path'
              : errorMessage(err);
    return new OutputError(
      `cannot ${what} the rejects file ${file}: ${why}; the batch was not committed (fix it and run again with --resume)`,
      file,
      { cause: err },
    );
  }

  /** Open for appending (a resumed run: what the file holds is not written again) or create exclusively. */
  private open(p: string): number {
    // Only a regular file holds earlier rejects (a device such as /dev/null holds none to read).
    if (this.target.append && existsSync(p) && statSync(p).isFile()) {
      for (const key of rejectKeysIn(p, p.endsWith('.csv') ? '.csv' : '.sdf'))
        if (!this.reread.has(key.slice(0, key.indexOf('\0')))) this.present.add(key);
    }
    try {
      const fd = openSync(p, this.target.append ? 'a' : 'wx');
      this.written.push(p);
      return fd;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST' && !this.target.explicit) return this.open(nextName(p));
      throw this.failure(p, 'create', err);
    }
  }

  /** The CSV file for this reject's header (opened, with its header line, on first use). */
  private csvFileFor(r: Reject): CsvFile {
    const columns = (r.columns ?? ['raw']).filter((c) => !c.startsWith(REJECT_FIELD_PREFIX));
    const key = columns.join('\u0000');
    let file = this.csvFiles.get(key);
    if (file === undefined) {
      const first = rejectsPaths(this.target).csv;
      const p = this.csvFiles.size === 0 ? first : numbered(first, this.csvFiles.size + 1);
      const hasHeader = this.target.append && existsSync(p) && statSync(p).size > 0;
      file = { fd: this.open(p), columns, path: p };
      this.csvFiles.set(key, file);
      if (!hasHeader) writeSync(file.fd, csvLine([...columns, ...EXTRA, RAW_COLUMN]));
    }
    return file;
  }
}

/** One CSV reject in its header's file: the file's own columns, ours, the raw line when misaligned. */
function writeCsvRow(file: CsvFile, r: Reject): void {
  const { values, aligned } = alignRow(r, file.columns);
  writeSync(file.fd, csvLine([...values, ...extraValues(r), aligned ? '' : r.raw]));
}

/** One SDF reject: the original record, the added data items, `$$$$`. */
export function sdfRejectText(r: Reject): string {
  // A rejects file fed back and rejected again: its earlier molimport_* items are ours, not the record's.
  let text = stripSdfRejectFields(r.raw);
  if (text.length > 0 && !text.endsWith('\n')) text += '\n';
  if (hasDataItems(text) && !text.endsWith('\n\n')) text += '\n';
  const extra = extraValues(r);
  const items = EXTRA.map((name, i) => `> <${name}>\n${extra[i]}\n\n`).join('');
  const out = `${text}${items}$$$$\n`;
  return r.crlf === true ? out.replace(/\n/g, '\r\n') : out;
}

function extraValues(r: Reject): string[] {
  return [r.file, String(r.record), String(r.line), oneLine(r.reason)];
}

/** Whether the record has a data item after its molfile (a `>` header line after `M  END`). */
function hasDataItems(text: string): boolean {
  const end = text.indexOf('M  END');
  return /(^|\n)>/.test(end < 0 ? text : text.slice(end));
}

function alignRow(r: Reject, columns: readonly string[]): { values: string[]; aligned: boolean } {
  const fields = r.fields;
  if (!fields) return { values: columns.map((_c, i) => (i === 0 ? r.raw : '')), aligned: true };
  let matched = 0;
  const values = columns.map((c) => {
    const v = fields.get(c);
    if (v !== undefined) matched++;
    return v ?? '';
  });
  let own = 0;
  for (const k of fields.keys()) if (!k.startsWith(REJECT_FIELD_PREFIX)) own++;
  return { values, aligned: matched === columns.length && own === columns.length };
}

function csvLine(values: readonly string[]): string {
  return values.map(csvQuote).join(',') + '\n';
}

function csvQuote(v: string): string {
  return /[",\n\r]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').slice(0, 2_000);
}

function stripSdfRejectFields(text: string): string {
  return text.replace(/^>[^\n]*<molimport_[a-z_]+>[^\n]*\n[^\n]*\n\n?/gm, '');
}

/** `a.sdf` → `a-2.sdf`. */
function numbered(p: string, n: number): string {
  const ext = path.extname(p);
  return `${p.slice(0, p.length - ext.length)}-${n}${ext}`;
}

/** A default name that exists already (same run id and millisecond, another database): `-2`, `-3`, … */
function nextName(p: string): string {
  const ext = path.extname(p);
  const stem = p.slice(0, p.length - ext.length);
  const m = /-(\d+)$/.exec(stem);
  return m ? `${stem.slice(0, m.index)}-${Number(m[1]) + 1}${ext}` : `${stem}-2${ext}`;
}

/** The `file\0record` of every reject in an existing rejects file (its molimport_file/_record fields). */
function rejectKeysIn(file: string, ext: '.sdf' | '.csv'): string[] {
  const text = readFileSync(file, 'utf8');
  const keys: string[] = [];
  if (ext === '.sdf') {
    for (const record of text.split(/^\$\$\$\$\r?$/m)) {
      const f = lastField(record, 'molimport_file');
      const r = lastField(record, 'molimport_record');
      if (f !== undefined && r !== undefined) keys.push(`${f}\0${r}`);
    }
    return keys;
  }
  const rows: string[][] = parseCsv(text, {
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  });
  const header = rows[0] ?? [];
  const fi = header.lastIndexOf('molimport_file');
  const ri = header.lastIndexOf('molimport_record');
  if (fi === -1 || ri === -1) return keys;
  for (const row of rows.slice(1)) {
    const f = row[fi];
    const r = row[ri];
    if (f !== undefined && r !== undefined) keys.push(`${f}\0${r}`);
  }
  return keys;
}

function lastField(record: string, name: string): string | undefined {
  let value: string | undefined;
  for (const m of record.matchAll(new RegExp(`^>[^\\n]*<${name}>[^\\n]*\\r?\\n([^\\r\\n]*)`, 'gm')))
    value = m[1];
  return value;
}
