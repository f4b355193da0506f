/**
 * Work that runs on the built tree after Eleventy and before the tree is
 * swapped into place. A step that throws fails the build and the previous
 * output stays untouched.
 */
import type { BuildContext } from './context.ts';
import { widgetOutputSteps } from '../widgets/output-checks.ts';
import { checkStep } from '../checks/check-step.ts';
import { redirectStep } from './redirects.ts';
import { contactStep } from './contact-step.ts';

export interface BuiltPage {
  /** Path inside the output tree, e.g. `what-does-86d-mean/index.html`. */
  path: string;
  url: string;
  /** The source file it was rendered from, relative to the repository. */
  source: string;
}

export interface OutputStep {
  name: string;
  run(context: BuildContext, pages: readonly BuiltPage[]): Promise<void>;
}

/** In order. */
export const outputSteps: OutputStep[] = [...widgetOutputSteps, redirectStep, contactStep, checkStep];
