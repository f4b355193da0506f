/**
 * `npm run infra -- cost`: the estimate of infra/cost.ts for each target,
 * sized from its last production build when there is one (the bytes it
 * stores, and what an average page view sends compressed).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { CLOUDFRONT_FREE_TIER, estimateCost, formatBytes, formatUsd, type CostInput } from './cost.ts';
import type { InfraTarget } from './targets.ts';

/** Without a build to measure: a page of about 60 KiB compressed (HTML, CSS, the widget, an image). */
const ASSUMED: CostInput = { storedBytes: 5 * 1024 ** 2, bytesPerRequest: 60 * 1024 };

export async function measuredInput(root: string, target: InfraTarget): Promise<CostInput & { measured: boolean }> {
  const dir = path.join(root, 'dist', 'production', target.site.domain);
  const recordFile = `${dir}.build.json`;
  if (!existsSync(recordFile)) return { ...ASSUMED, measured: false };
  const record = JSON.parse(await readFile(recordFile, 'utf8')) as { files?: Array<{ path: string; size: number }> };
  const files = record.files ?? [];
  const storedBytes = files.reduce((total, file) => total + file.size, 0);
  const pages = files.filter((file) => file.path.endsWith('.html'));
  // A request is a page or one of its assets; the average file, compressed
  // as CloudFront sends text, stands for one request.
  let sent = 0;
  for (const file of files) {
    const bytes = await readFile(path.join(dir, file.path)).catch(() => undefined);
    if (!bytes) continue;
    sent += /\.(?:html|css|js|svg|json|xml|txt)$/.test(file.path) ? gzipSync(bytes).length : bytes.length;
  }
  return { storedBytes, bytesPerRequest: files.length && pages.length ? Math.round(sent / files.length) : ASSUMED.bytesPerRequest, measured: true };
}

export async function costReport(root: string, targets: readonly InfraTarget[]): Promise<string> {
  const lines: string[] = [];
  let idle = 0;
  const perMillion: number[] = [];
  for (const target of targets) {
    const input = await measuredInput(root, target);
    const estimate = estimateCost(input);
    idle += estimate.idleTotal;
    perMillion.push(estimate.perMillionTotal);
    lines.push(`${target.site.domain} → ${target.envName}${input.measured ? '' : ' (no production build to measure: assumed sizes)'}`);
    lines.push(`  idle, a month            ${formatUsd(estimate.idleTotal).padStart(9)}`);
    for (const line of estimate.idle) lines.push(`    ${line.item.padEnd(52)} ${formatUsd(line.usd).padStart(9)}  ${line.basis}`);
    lines.push(`  per million requests     ${formatUsd(estimate.perMillionTotal).padStart(9)}`);
    for (const line of estimate.perMillionRequests) lines.push(`    ${line.item.padEnd(52)} ${formatUsd(line.usd).padStart(9)}  ${line.basis}`);
  }
  lines.push('');
  const low = Math.min(...perMillion);
  const high = Math.max(...perMillion);
  const range = formatUsd(low) === formatUsd(high) ? formatUsd(low) : `${formatUsd(low)} to ${formatUsd(high)}`;
  lines.push(`All ${targets.length} environments: ${formatUsd(idle)} a month idle; a million requests to one of them costs ${range} beyond CloudFront's always-free tier`);
  lines.push(
    `(${(CLOUDFRONT_FREE_TIER.requests / 1e6).toFixed(0)} million requests, ${CLOUDFRONT_FREE_TIER.transferGb / 1024} TB out and ${(CLOUDFRONT_FREE_TIER.functionInvocations / 1e6).toFixed(0)} million function invocations a month per account, which covers sites of this size). A Route 53 hosted zone you already have costs $0.50 a month; the stacks add records, never zones. Prices: infra/cost.ts (us-east-1, on-demand).`,
  );
  return lines.join('\n');
}
