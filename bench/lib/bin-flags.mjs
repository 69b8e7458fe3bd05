// The node flags a molimport bin gives itself on its `#!/usr/bin/env -S node …` line. Benchmarks
// start the CLI as `node [--import hook] BIN …` (to preload hooks, or under /usr/bin/time), which
// skips that line, so they pass its flags themselves: the process measured is the one users run.
// A bin with a plain `#!/usr/bin/env node` line (a checkout from before the flags moved there)
// gives none.
import { readFileSync } from 'node:fs';

export function binNodeFlags(bin) {
  const first = readFileSync(bin, 'utf8').split('\n', 1)[0];
  const m = /^#!\/usr\/bin\/env -S node((?: --\S+)*)\s*$/.exec(first);
  return m ? m[1].trim().split(/\s+/).filter(Boolean) : [];
}
