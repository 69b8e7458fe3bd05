/**
 * A real terminal for tests: a private tmux server (its own socket) with one window of a chosen
 * size, commands typed with send-keys, the screen read with capture-pane. `-J` joins lines the
 * terminal wrapped, so a line wider than the window shows up as one long line.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export function tmuxAvailable(): boolean {
  return spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
}

export interface TmuxTerminal {
  /** Types a command line and Enter. */
  type(command: string): void;
  /** Sends a key, e.g. `C-c`. */
  key(name: string): void;
  /** The screen and its scrollback, wrapped lines joined, trailing blank lines dropped. */
  screen(): string;
  /** The same with the terminal's colour and attribute escapes kept (`capture-pane -e`). */
  screenWithEscapes(): string;
  /** Polls the screen until it matches (or the time runs out: then throws, with the screen). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  close(): void;
}

export function openTmux(opts: {
  columns: number;
  rows?: number;
  cwd: string;
  env?: Record<string, string>;
}): TmuxTerminal {
  // A socket in a directory of our own, removed on close (tmux leaves its socket file behind).
  const socketDir = mkdtempSync(path.join(tmpdir(), 'molimport-tmux-'));
  const socket = path.join(socketDir, 'socket');
  const tmux = (...args: string[]): string =>
    execFileSync('tmux', ['-S', socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  const env = Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  tmux(
    'new-session',
    '-d',
    '-x',
    String(opts.columns),
    '-y',
    String(opts.rows ?? 40),
    '-c',
    opts.cwd,
    ...env,
    'env PS1="$ " bash --norc --noprofile',
  );
  // A window made before any client attaches keeps -x/-y only with this option set.
  tmux('set-option', '-g', 'window-size', 'manual');
  tmux('resize-window', '-x', String(opts.columns), '-y', String(opts.rows ?? 40));
  const screen = (): string => tmux('capture-pane', '-p', '-J', '-S', '-').replace(/\n+$/, '');
  return {
    screenWithEscapes: () => tmux('capture-pane', '-p', '-e', '-J', '-S', '-'),
    type: (command) => {
      tmux('send-keys', '-l', command);
      tmux('send-keys', 'Enter');
    },
    key: (name) => void tmux('send-keys', name),
    screen,
    async waitFor(pattern, timeoutMs = 60_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const s = screen();
        if (pattern.test(s)) return s;
        if (Date.now() > until) throw new Error(`screen never matched ${pattern}:\n${s}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    close: () => {
      try {
        tmux('kill-server');
      } catch {
        // already gone
      }
      rmSync(socketDir, { recursive: true, force: true });
    },
  };
}
