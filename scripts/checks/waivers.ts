/**
 * Page-level waivers: a page's front matter may waive a rule, with a reason
 * (`waive: { seo/title-length: "The brand name is the title" }`). The build
 * collects them while Eleventy reads the pages; the check runner applies them
 * to that page's problems only, and the report lists every waiver used.
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
