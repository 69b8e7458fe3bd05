/** When the CLI draws live progress and when it writes log lines instead. */
import { describe, expect, it } from 'vitest';
import { invokedAs, wantsProgress } from '../../src/cli/io.js';

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

describe('invokedAs', () => {
  it('names the installed command when started through a molimport link (npm -g, npx, node_modules/.bin)', () => {
    expect(invokedAs('/usr/local/bin/molimport', '/home/u')).toBe('molimport');
    expect(invokedAs('/p/node_modules/.bin/molimport', '/p')).toBe('molimport');
  });

  it('names node and the script from a clone, relative to the working directory', () => {
    expect(invokedAs('/work/molimport/bin/molimport.js', '/work/molimport')).toBe('node bin/molimport.js');
  });

  it('names the script alone when it ran as a program (its #! line read)', () => {
    expect(invokedAs('/work/molimport/bin/molimport.js', '/work/molimport', true)).toBe('bin/molimport.js');
    expect(invokedAs('/work/molimport/bin/molimport.js', '/work/molimport/bin', true)).toBe('./molimport.js');
    expect(invokedAs('/work/molimport/bin/molimport.js', '/tmp', true)).toBe(
      '/work/molimport/bin/molimport.js',
    );
  });

  it('keeps the absolute path when the script is outside the working directory', () => {
    expect(invokedAs('/work/molimport/bin/molimport.js', '/tmp')).toBe(
      'node /work/molimport/bin/molimport.js',
    );
  });
});
