/**
 * The build's contact check: pages that ask visitors to contact the business
 * while no contact fact is filled are a warning in every environment (a
 * production publish refuses them; scripts/publish/publish.ts).
 */
import { contactProblem, contactRequestsIn } from './contact.ts';
import type { OutputStep } from './output-steps.ts';

export const contactStep: OutputStep = {
  name: 'contact',
  async run(context, pages) {
    const problem = contactProblem(context.site.domain, context.factsFile, context.facts, await contactRequestsIn(context.outputDir, pages, context.facts));
    if (problem) context.logger.warn(`${problem}\n  (a warning here; npm run publish -- --env production refuses it)`);
  },
};
