/**
 * What a publish prints: the plan before anything is written, a one-line
 * report per site after, or both as JSON for machines. Formatting only;
 * the values come from plan.ts and apply.ts.
 */
import { formatBytes } from '../build/summary.ts';
import { colours } from '../terminal.ts';
import type { PublishReport } from './apply.ts';
import { costNote, type Plan } from './plan.ts';
import type { PublishOutcome, SitePublish } from './publish.ts';

const LISTED = 20;
const count = (n: number, noun: string) => `${n.toLocaleString('en-US')} ${noun}${n === 1 ? '' : 's'}`;

/** One line per plan, the same words the report uses. */
export function planLine(plan: Plan): string {
  const t = plan.totals;
  return `${plan.site} → ${plan.environment}: upload ${count(t.uploadFiles, 'file')} (${formatBytes(t.uploadBytes)}), ${t.unchanged.toLocaleString('en-US')} unchanged, delete ${count(t.deletes, 'file')}, ${invalidationWords(plan)}`;
}

/** One line per finished publish; tests assert it exactly. */
export function reportLine(report: PublishReport): string {
  const paths = report.invalidations.reduce((sum, invalidation) => sum + invalidation.paths.length, 0);
  const invalidated =
    report.invalidations.length === 0
      ? 'no invalidation'
      : `invalidated ${count(paths, 'path')} on ${report.invalidations.map((invalidation) => `${invalidation.distributionId} (${invalidation.id})`).join(', ')}`;
  return `${report.site} → ${report.environment}: uploaded ${count(report.uploaded, 'file')} (${formatBytes(report.uploadedBytes)}), ${report.unchanged.toLocaleString('en-US')} unchanged, deleted ${count(report.deleted, 'file')}, ${invalidated}`;
}

function invalidationWords(plan: Plan): string {
  if (plan.distributions === 0) return `no invalidation (no CloudFront distribution for ${plan.environment})`;
  if (plan.totals.invalidationPaths === 0) return 'no invalidation (nothing cached has changed)';
  return `invalidate ${count(plan.totals.invalidationPaths, 'path')}`;
}

/** The plan as a person reads it before saying yes. */
export function formatPlan(entry: SitePublish): string {
  const { plan, read } = entry;
  const lines: string[] = [];
  const target = `s3://${plan.bucket}/${plan.prefix}`;
  lines.push(`${colours.bold(plan.site)} → ${plan.environment}  ${target}  build ${plan.buildId}`);
  const assets = plan.uploads.filter((upload) => upload.group === 'assets').length;
  lines.push(
    `  upload      ${count(plan.totals.uploadFiles, 'file')}, ${formatBytes(plan.totals.uploadBytes)}${plan.uploads.length ? ` (${count(assets, 'asset')} first, then ${count(plan.uploads.length - assets, 'page')})` : ''}`,
  );
  lines.push(...listed(plan.uploads.map((upload) => `${colours.green('+')} ${upload.key}  ${colours.dim(upload.reason)}`)));
  lines.push(`  unchanged   ${count(plan.totals.unchanged, 'file')}`);
  lines.push(`  delete      ${count(plan.totals.deletes, 'file')}`);
  lines.push(...listed(plan.deletes.map((deletion) => `${colours.red('-')} ${deletion.key}  ${colours.dim(deletion.reason)}`)));
  if (plan.kept.length) {
    lines.push(`  kept        ${count(plan.kept.length, 'object')} nothing builds`);
    lines.push(...listed(plan.kept.map((entry) => `= ${entry.key}  ${colours.dim(entry.reason)}`)));
  }
  if (plan.skipped.length) {
    lines.push(`  not sent    ${count(plan.skipped.length, 'built file')}`);
    lines.push(...listed(plan.skipped.map((entry) => `· ${entry.path}  ${colours.dim(entry.reason)}`)));
  }
  if (plan.distributions === 0) {
    lines.push(`  invalidate  nothing: no CloudFront distribution is configured for ${plan.environment}`);
  } else if (plan.invalidations.length === 0) {
    lines.push('  invalidate  nothing: no cached file has changed');
  } else {
    for (const invalidation of plan.invalidations) {
      const collapsed =
        invalidation.paths.length < invalidation.exactPaths
          ? ` (${invalidation.exactPaths} exact paths collapsed to ${invalidation.wildcards} wildcard${invalidation.wildcards === 1 ? '' : 's'}${invalidation.collateral ? `, also evicting ${count(invalidation.collateral, 'unchanged object')}` : ''})`
          : '';
      lines.push(`  invalidate  ${invalidation.distributionId}: ${count(invalidation.paths.length, 'path')}${collapsed}`);
      lines.push(...listed(invalidation.paths.map((entry) => entry)));
    }
  }
  lines.push(`  cost        ${costNote(plan.totals.invalidationPaths)}`);
  lines.push(colours.dim(`  read        ${count(read.listPages, 'list page')}, ${count(read.gets, 'deploy record')}, ${count(read.heads, 'HEAD request')}${read.previousRecordKey ? ` (last deploy ${read.previousRecordKey})` : ''}`));
  for (const note of read.notes) lines.push(colours.dim(`  note        ${note}`));
  for (const refusal of plan.refusals) lines.push(colours.red(`  refused     ${refusal}`));
  return lines.join('\n');
}

function listed(items: readonly string[]): string[] {
  const shown = items.slice(0, LISTED).map((item) => `              ${item}`);
  if (items.length > LISTED) shown.push(`              … and ${(items.length - LISTED).toLocaleString('en-US')} more (--json lists them all)`);
  return shown;
}

/** For --json: the plans (unchanged files as a count) and the reports. */
export function outcomeJson(outcome: PublishOutcome): unknown {
  return {
    environment: outcome.environment,
    dryRun: outcome.dryRun,
    sites: outcome.sites.map(({ plan, read, report }) => ({
      plan: { ...plan, unchanged: plan.unchanged.length, summary: planLine(plan) },
      read,
      report: report ? { ...report, summary: reportLine(report) } : null,
    })),
  };
}

/** After the plans (printed as soon as they are known): the reports, or JSON of everything. */
export function printOutcome(outcome: PublishOutcome, options: { json: boolean }): void {
  if (options.json) {
    process.stdout.write(JSON.stringify(outcomeJson(outcome), null, 2) + '\n');
    return;
  }
  if (outcome.dryRun) {
    process.stdout.write(colours.dim('Dry run: nothing was uploaded, deleted or invalidated.') + '\n');
    return;
  }
  for (const site of outcome.sites) {
    if (!site.report) continue;
    process.stdout.write(`${colours.green('published')} ${reportLine(site.report)} in ${site.report.milliseconds} ms\n`);
    process.stdout.write(colours.dim(`  deploy record s3://${site.report.bucket}/${site.report.deployRecordKey}`) + '\n');
  }
}
