/**
 * Writes every rejected record, as its original text, to a rejects file that can be fixed and fed
 * back to molimport: SDF rejects as SDF records with `molimport_*` data fields added, CSV rejects as
 * CSV rows with `molimport_*` columns added. Opened lazily (no empty files); each record is written
 * synchronously so a crash right after cannot lose it.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Reject } from '../types.js';

/** Fields/columns this writer adds; the import strips them when a rejects file is read back. */
export const REJECT_FIELD_PREFIX = 'molimport_';
const EXTRA = ['molimport_file', 'molimport_record', 'molimport_line', 'molimport_reason'] as const;

export class RejectsWriter {
  private sdfFd: number | undefined;
  private csvFd: number | undefined;
  private csvColumns: readonly string[] | undefined;
  private readonly written: string[] = [];
  count = 0;

  /**
   * @param basePath the file named by --rejects, or a default; SDF rejects go to it (or to
   *   `<base>.sdf`), CSV rejects to it (or `<base>.csv`) — a run mixing both formats gets two files.
   */
  constructor(
    private readonly basePath: string,
    private readonly explicit: boolean,
    /** Append to an existing file (a resumed run) instead of starting it afresh. */
    private readonly append = false,
  ) {}

  /** Paths actually written (for the stats). */
  get files(): readonly string[] {
    return this.written;
  }

  write(reject: Reject): void {
    this.count++;
    if (reject.format === 'sdf') this.writeSdf(reject);
    else this.writeCsv(reject);
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
    const fd = openSync(p, this.append ? 'a' : 'w');
    this.written.push(p);
    return fd;
  }

  private writeSdf(r: Reject): void {
    this.sdfFd ??= this.open('.sdf');
    let text = r.raw.replace(/\r\n?/g, '\n');
    // Keep the record's own fields; drop a previous round's molimport_* fields so they do not pile up.
    text = stripSdfRejectFields(text).replace(/\n*$/, '\n');
    const extra = [r.file, String(r.record), String(r.line), oneLine(r.reason)];
    const fields = EXTRA.map((name, i) => `> <${name}>\n${extra[i]}\n\n`).join('');
    // A record whose molfile has no M  END still gets a parseable data block after it.
    writeSync(this.sdfFd, `${text}${fields}$$$$\n`);
  }

  private writeCsv(r: Reject): void {
    if (this.csvFd === undefined) {
      this.csvFd = this.open('.csv');
      this.csvColumns = r.columns ?? ['raw'];
      writeSync(this.csvFd, [...this.csvColumns, ...EXTRA].map(csvQuote).join(',') + '\n');
    }
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
