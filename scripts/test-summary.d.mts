export interface SuiteOutcome {
  name: string;
  exitCode: number | null;
  /** vitest's JSON report, or undefined when the suite wrote none. */
  report: unknown;
}
export function summarize(
  suites: SuiteOutcome[],
  options: { strict: boolean; root: string },
): { lines: string[]; ok: boolean };
