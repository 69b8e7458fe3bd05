/** When the CLI draws live progress and when it writes log lines instead. */
import { describe, expect, it } from 'vitest';
import { wantsProgress } from '../../src/cli/io.js';

const terminal = (columns: number | undefined) => ({ write: () => true, isTTY: true, columns }) as never;

describe('wantsProgress', () => {
  it('draws progress at a terminal that knows its width', () => {
    expect(wantsProgress(terminal(120), false, {})).toBe(true);
  });

  it('writes log lines at a terminal reporting 0 columns (a pty without a window size)', () => {
    // ora divides by the width: at 0 columns its redraw never ends and the import hangs.
    expect(wantsProgress(terminal(0), false, {})).toBe(false);
  });

  it('writes log lines off a terminal, with --quiet, or under CI', () => {
    expect(wantsProgress({ write: () => true } as never, false, {})).toBe(false);
    expect(wantsProgress(terminal(120), true, {})).toBe(false);
    expect(wantsProgress(terminal(120), false, { CI: 'true' })).toBe(false);
  });
});
