/** What `runImport` tells its listeners; `report/` renders these, library users may log them. */
import type { ImportStats } from './stats.js';

export type ImportPhase = 'connecting' | 'schema' | 'locking' | 'importing' | 'finishing';

export type ImportEvent =
  | { type: 'phase'; phase: ImportPhase; detail?: string }
  | { type: 'phase-done'; phase: ImportPhase; detail?: string }
  | { type: 'database'; target: string; kind: 'postgres' | 'embedded'; dataDir?: string }
  | { type: 'file-start'; index: number; path: string; totalBytes: number | null; compressed: boolean }
  | {
      type: 'progress';
      fileIndex: number;
      bytesRead: number;
      totalBytes: number | null;
      read: number;
      written: number;
      rejected: number;
      batchSize: number;
      moleculesPerSecond: number;
    }
  | { type: 'file-end'; index: number; path: string }
  | { type: 'warning'; message: string }
  | { type: 'done'; stats: ImportStats };

export type ImportEventListener = (event: ImportEvent) => void;
