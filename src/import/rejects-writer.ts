/**
 * Writes every rejected record, as its original text, to a rejects file that can be fixed and fed
 * back to molimport: SDF rejects as SDF records with `molimport_*` data fields added, CSV rejects as
 * CSV rows with `molimport_*` columns added. Opened lazily (no empty files); each record is written
 * synchronously so a crash right after cannot lose it.
 *
 * Durability against the ledger: the import writes a batch's rejects and calls `sync()` before the
 * batch's transaction commits, so every reject of a committed range is on disk. A crash between the
 * fsync and the commit leaves rejects whose batch resume reads again: a resumed run (append) reads
 * the (file, record) pairs already in the file and does not write them twice. A write or fsync that
 * fails throws `OutputError` (the batch is then not committed).
 */
import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { errorMessage, OutputError } from '../errors.js';
import type { Reject } from '../types.js';

/** Fields/columns this writer adds; the import strips them when a rejects file is read back. */
export const REJECT_FIELD_PREFIX = 'molimport_';
const EXTRA = ['molimport_file', 'molimport_record', 'molimport_line', 'molimport_reason'] as const;

export class RejectsWriter {
  private sdfFd: number | undefined;
  private csvFd: number | undefined;
  private csvColumns: readonly string[] | undefined;
  private readonly written: string[] = [];
  /** Rejects already in an appended file, as `file\0record`, not yet met again (a resumed run does not repeat them). */
  private readonly present = new Set<string>();
  private dirty = false;
  private readonly reread = new Set<string>();
  count = 0;

  /**
   * @param basePath the file named by --rejects, or a default; SDF rejects go to it (or to
   *   `<base>.sdf`), CSV rejects to it (or `<base>.csv`) — a run mixing both formats gets two files.
   */
  constructor(
    private readonly basePath: string,
    private readonly explicit: boolean,
    /** Append to an existing file (a resumed run) instead of starting it afresh. */
    private append = false,
  ) {}

  /**
   * Inputs a resumed run reads again from the start (they changed): their rejects already in the
   * file are from the old content and do not stand for the new records. Call before the first write.
   */
  rereads(files: readonly string[]): void {
    for (const f of files) this.reread.add(f);
  }

  /**
   * `--resume` found no run to continue: this is a new run, so an existing file is not the
   * earlier run's to append to. Call before the first write.
   */
  startsNewRun(): void {
    this.append = false;
  }

  /** Paths actually written (for the stats). */
  get files(): readonly string[] {
    return this.written;
  }

  /** Write one reject (once per file and record). Throws `OutputError` when the file cannot be written. */
  write(reject: Reject): void {
    this.count++;
    const key = `${reject.file}\0${reject.record}`;
    const ext = reject.format === 'sdf' ? '.sdf' : '.csv';
    try {
      if (ext === '.sdf') this.sdfFd ??= this.open('.sdf');
      else if (this.csvFd === undefined) this.openCsv(reject);
      // Each reject already in the file is met at most once again: forget it then, so the set
      // only shrinks (the import itself never writes one record's reject twice).
      if (this.present.delete(key)) return;
      if (reject.format === 'sdf') this.writeSdf(reject);
      else this.writeCsv(reject);
      this.dirty = true;
    } catch (err) {
      throw this.failure(this.pathFor(ext), 'write', err);
    }
  }

  /** Flush what was written to disk (fdatasync: the data and the file size); a no-op when nothing was written since. Throws `OutputError`. */
  sync(): void {
    if (!this.dirty) return;
    for (const [fd, ext] of [
      [this.sdfFd, '.sdf'],
      [this.csvFd, '.csv'],
    ] as const) {
      if (fd === undefined) continue;
      try {
        fdatasyncSync(fd);
      } catch (err) {
        throw this.failure(this.pathFor(ext), 'flush', err);
      }
    }
    this.dirty = false;
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
            : errorMessage(err);
    return new OutputError(
      `cannot ${what} the rejects file ${file}: ${why}; the batch was not committed (fix it and run again with --resume)`,
      file,
      { cause: err },
    );
  }

  close(): void {
    if (this.sdfFd !== undefined) closeSync(this.sdfFd);
    if (this.csvFd !== undefined) closeSync(this.csvFd);
    this.sdfFd = this.csvFd = undefined;
  }

  private pathFor(ext: '.sdf' | '.csv'): string {
    const current = path.extname(this.basePath).toLowerCase();
    if (this.explicit && (current === ext || (ext === '.sdf' && current === '.sd'))) return this.basePath;
    if (!this.explicit) return this.basePath + ext;
    // An explicit name whose extension does not match this format: keep formats apart.
    return this.basePath + ext;
  }

  private open(ext: '.sdf' | '.csv'): number {
    const p = this.pathFor(ext);
    const appending = this.append && existsSync(p);
    if (appending)
      for (const key of rejectKeysIn(p, ext))
        if (!this.reread.has(key.slice(0, key.indexOf('\0')))) this.present.add(key);
    const fd = openSync(p, this.append ? 'a' : 'w');
    this.written.push(p);
    return fd;
  }

  private openCsv(r: Reject): void {
    const p = this.pathFor('.csv');
    const hasHeader = this.append && existsSync(p) && readFileSync(p).length > 0;
    this.csvFd = this.open('.csv');
    this.csvColumns = r.columns ?? ['raw'];
    if (!hasHeader) writeSync(this.csvFd, [...this.csvColumns, ...EXTRA].map(csvQuote).join(',') + '\n');
  }

  private writeSdf(r: Reject): void {
    if (this.sdfFd === undefined) throw new Error('the SDF rejects file is not open');
    let text = r.raw.replace(/\r\n?/g, '\n');
    // Keep the record's own fields; drop a previous round's molimport_* fields so they do not pile up.
    text = stripSdfRejectFields(text).replace(/\n*$/, '\n');
    const extra = [r.file, String(r.record), String(r.line), oneLine(r.reason)];
    const fields = EXTRA.map((name, i) => `> <${name}>\n${extra[i]}\n\n`).join('');
    // A record whose molfile has no M  END still gets a parseable data block after it.
    writeSync(this.sdfFd, `${text}${fields}$$$$\n`);
  }

  private writeCsv(r: Reject): void {
    if (this.csvFd === undefined) throw new Error('the CSV rejects file is not open');
    const values = r.columns && this.csvColumns ? alignRow(r, this.csvColumns) : [r.raw];
    const extra = [r.file, String(r.record), String(r.line), oneLine(r.reason)];
    writeSync(this.csvFd, [...values, ...extra].map(csvQuote).join(',') + '\n');
  }
}

function alignRow(r: Reject, columns: readonly string[]): string[] {
  const fields = r.fields;
  if (!fields) return columns.map((_c, i) => (i === 0 ? r.raw : ''));
  return columns.map((c) => fields.get(c) ?? '');
}

function csvQuote(v: string): string {
  return /[",\n\r]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
}

function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, ' ').slice(0, 2_000);
}

function stripSdfRejectFields(text: string): string {
  return text.replace(/^>[^\n]*<molimport_[a-z]+>[^\n]*\n[^\n]*\n\n?/gm, '');
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
  const rows = parseCsv(text, {
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  }) as string[][];
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
