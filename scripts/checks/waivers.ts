/**
 * Page-level waivers: a page's front matter may waive a rule, with a reason
 * (`waive: { seo/title-length: "The brand name is the title" }`). The build
 * collects them while Eleventy reads the pages; the check runner applies them
 * to that page's problems only, and the report lists every waiver used — and
 * every waiver that matched nothing, which the build warns about: the problem
 * it excused is gone (or never existed), and a stale waiver would silently
 * excuse the next one.
 */
import type { Problem } from './problem.ts';

/** Rule name → reason, as written in one page's front matter. */
export type Waivers = Readonly<Record<string, string>>;

export interface WaivedProblem extends Problem {
  reason: string;
}

export function applyWaivers(problems: readonly Problem[], waiversBySource: ReadonlyMap<string, Waivers>): { kept: Problem[]; waived: WaivedProblem[] } {
  const kept: Problem[] = [];
  const waived: WaivedProblem[] = [];
  for (const problem of problems) {
    const reason = problem.source === undefined ? undefined : waiversBySource.get(problem.source)?.[problem.rule];
    if (reason === undefined) kept.push(problem);
    else waived.push({ ...problem, reason });
  }
  return { kept, waived };
}

export interface UnusedWaiver {
  /** The source page whose front matter holds it. */
  source: string;
  rule: string;
}

/** Waivers that excused no problem of their page, sorted by page and rule. */
export function unusedWaivers(waiversBySource: ReadonlyMap<string, Waivers>, waived: readonly Problem[]): UnusedWaiver[] {
  const used = new Set(waived.map((problem) => `${problem.source}\0${problem.rule}`));
  const unused: UnusedWaiver[] = [];
  for (const [source, waivers] of [...waiversBySource].sort(([a], [b]) => a.localeCompare(b))) {
    for (const rule of Object.keys(waivers).sort()) if (!used.has(`${source}\0${rule}`)) unused.push({ source, rule });
  }
  return unused;
}
