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
  if (entry.rollback) {
    const { replaced, restored } = entry.rollback;
    lines.push(`  rollback    to build ${restored.buildId} (published ${restored.publishedAt}${restored.commit ? `, commit ${restored.commit.slice(0, 12)}` : ''}), replacing build ${replaced.buildId} (published ${replaced.publishedAt})`);
  }
  if (entry.stagingCheck) lines.push(`  staging     ${stagingWords(entry.stagingCheck)}`);
  if (plan.archive.length) lines.push(`  archive     ${count(plan.archive.length, 'object')} about to be replaced or deleted, kept for rollback`);
  const assets = plan.uploads.filter((upload) => upload.group === 'assets').length;
  lines.push(
    `  upload      ${count(plan.totals.uploadFiles, 'file')}, ${formatBytes(plan.totals.uploadBytes)}${plan.uploads.length ? ` (${count(assets, 'asset')} first, then ${count(plan.uploads.length - assets, 'page')})` : ''}`,
  );
  lines.push(...listed(plan.uploads.map((upload) => `${colours.green('+')} ${upload.key}  ${colours.dim(upload.reason)}`)));
  lines.push(`  unchanged   ${count(plan.totals.unchanged, 'file')}`);
  lines.push(`  delete      ${count(plan.totals.deletes, 'file')}`);
  lines.push(...listed(plan.deletes.map((deletion) => `${colours.red('-')} ${deletion.key}  ${colours.dim(deletion.reason)}`)));
  if (plan.kept.length) {
    const objects = plan.kept.reduce((sum, entry) => sum + (entry.objects ?? 1), 0);
    lines.push(`  kept        ${count(objects, 'object')} this build does not make, left alone`);
    lines.push(...listed(plan.kept.map((entry) => `= ${entry.key}  ${colours.dim(entry.objects === undefined ? entry.reason : `${entry.reason} (${count(entry.objects, 'object')})`)}`)));
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
        invalidation.paths.length < invalidation.exactPaths && !invalidation.refused
          ? ` (${invalidation.exactPaths} exact paths collapsed to ${invalidation.wildcards} wildcard${invalidation.wildcards === 1 ? '' : 's'}${invalidation.collateral ? `, also evicting ${count(invalidation.collateral, 'unchanged object')}` : ''})`
          : '';
      const inProgress = invalidation.inProgress
        ? ` (already in progress: ${count(invalidation.inProgress.paths, 'path')}, ${count(invalidation.inProgress.wildcards, 'wildcard')} in ${count(invalidation.inProgress.invalidations, 'invalidation')})`
        : '';
      const sent = invalidation.refused ? `none of ${count(invalidation.exactPaths, 'path')} fit` : count(invalidation.paths.length, 'path');
      lines.push(`  invalidate  ${invalidation.distributionId}: ${sent}${collapsed}${inProgress}`);
      lines.push(...listed(invalidation.paths.map((entry) => entry)));
    }
  }
  lines.push(`  cost        ${costNote(plan.totals.invalidationPaths)}`);
  lines.push(colours.dim(`  read        ${count(read.listPages, 'list page')}, ${count(read.gets, 'deploy record')}, ${count(read.heads, 'HEAD request')}${read.previousRecordKey ? ` (last deploy ${read.previousRecordKey})` : ''}`));
  for (const note of read.notes) lines.push(colours.dim(`  note        ${note}`));
  for (const refusal of plan.refusals) lines.push(colours.red(`  refused     ${refusal}`));
  return lines.join('\n');
}

function stagingWords(check: NonNullable<SitePublish['stagingCheck']>): string {
  if (check.result === 'passed') return `staging serves this source (build ${check.stagingBuildId}, ${check.stagingRecord})`;
  if (check.result === 'skipped') return colours.yellow(`check skipped: "${check.reason}" (recorded)`);
  return colours.red(`refused: ${check.reason}`);
}

function listed(items: readonly string[]): string[] {
  const shown = items.slice(0, LISTED).map((item) => `              ${item}`);
  if (items.length > LISTED) shown.push(`              … and ${(items.length - LISTED).toLocaleString('en-US')} more (--json lists them all)`);
  return shown;
}

/** For --json: the plans (unchanged files as a count) and the reports. */
export function outcomeJson(outcome: PublishOutcome): unknown {
  return {
    command: outcome.command,
    environment: outcome.environment,
    dryRun: outcome.dryRun,
    preflight: outcome.preflight,
    sites: outcome.sites.map(({ plan, read, report, stagingCheck, rollback, verification }) => {
      // The record's object list is the bucket's whole listing: in the bucket, not here.
      const { record, ...rest } = report ?? ({} as PublishReport);
      return {
        plan: { ...plan, unchanged: plan.unchanged.length, summary: planLine(plan) },
        read,
        stagingCheck: stagingCheck ?? null,
        rollback: rollback ?? null,
        report: report ? { ...rest, by: record?.by ?? null, summary: reportLine(report) } : null,
        verification: verification ?? null,
      };
    }),
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
  const verb = outcome.command === 'rollback' ? 'rolled back' : 'published';
  for (const site of outcome.sites) {
    if (!site.report) continue;
    process.stdout.write(`${colours.green(verb)} ${reportLine(site.report)} in ${site.report.milliseconds} ms\n`);
    if (site.rollback) process.stdout.write(`  now serving build ${site.rollback.restored.buildId} again (restored from ${site.rollback.restored.key})\n`);
    process.stdout.write(colours.dim(`  deploy record s3://${site.report.bucket}/${site.report.deployRecordKey}`) + '\n');
    if (site.verification) process.stdout.write(`  ${verificationLine(site.verification)}\n`);
  }
}

/** One line per --wait check; tests assert it. */
export function verificationLine(verification: NonNullable<SitePublish['verification']>): string {
  const waited = verification.invalidations.length
    ? `invalidation${verification.invalidations.length === 1 ? '' : 's'} ${verification.invalidations.map((entry) => entry.id).join(', ')} completed; `
    : '';
  switch (verification.result) {
    case 'match':
      return `${waited}${colours.green('verified')}: ${verification.url} serves build-id ${verification.live} (${verification.page})`;
    case 'mismatch':
      return `${waited}${colours.red('not verified')}: ${verification.note}`;
    case 'skipped':
      return `${waited}check skipped: ${verification.note}`;
  }
}
