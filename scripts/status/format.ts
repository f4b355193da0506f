/**
 * What `npm run status` prints: a table of environments, a table of
 * credentials, then what needs action (with the command for each) and the
 * notes — in colour on a terminal, plain when piped. `--json` prints the
 * report itself (status.ts) for machines. Formatting only.
 */
import { colours } from '../terminal.ts';
import { formatDuration } from '../publish/preflight.ts';
import type { CredentialReport } from './credentials.ts';
import { words, type EnvironmentStatus, type Finding, type StatusReport } from './status.ts';

interface Cell {
  text: string;
  paint?: (text: string) => string;
}

/** A row, or a row whose cells from the third on are one sentence (an environment with nothing live): not counted in the widths. */
type Row = Cell[] | { lead: Cell[]; span: Cell };

function table(header: readonly string[], rows: readonly Row[]): string[] {
  const all: Cell[][] = [header.map((text) => ({ text, paint: colours.bold })), ...rows.map((row) => (Array.isArray(row) ? row : row.lead))];
  const widths = header.map((_, column) => Math.max(...all.map((row) => row[column]?.text.length ?? 0)));
  const render = (cells: readonly Cell[]) => cells.map((cell, column) => (cell.paint ? cell.paint(cell.text) : cell.text) + ' '.repeat(Math.max(0, widths[column]! - cell.text.length)));
  return [render(all[0]!).join('  ').trimEnd(), ...rows.map((row) => (Array.isArray(row) ? render(row).join('  ') : [...render(row.lead), row.span.paint ? row.span.paint(row.span.text) : row.span.text].join('  ')).trimEnd())];
}

const dash: Cell = { text: '-', paint: colours.dim };

export function formatStatus(report: StatusReport): string {
  const now = new Date(report.generatedAt);
  const lines: string[] = [];
  const checkout = report.checkout.commit ? `checkout ${report.checkout.commit.slice(0, 12)}${report.checkout.clean ? '' : ' with uncommitted changes'}` : 'not a git checkout';
  lines.push(colours.dim(`Status at ${clock(report.generatedAt)}, ${checkout}`), '');

  const rows = report.environments.map((environment): Row => environmentRow(environment, now));
  lines.push(...table(['site', 'env', 'build', 'commit', 'published', 'by', 'invalidation', 'working tree', 'staging', 'live page'], rows));
  if (report.environments.some((environment) => environment.live && !environment.live.clean)) lines.push(colours.dim('* built from a tree with uncommitted changes'));

  if (report.credentials.length > 0) {
    lines.push('');
    lines.push(...table(['credential', 'used by', 'expires', 'renew'], report.credentials.map((credential) => credentialRow(credential, now))));
  }

  if (report.actions.length > 0) {
    lines.push('', colours.bold(colours.red(`Needs action (${report.actions.length}):`)));
    for (const action of report.actions) lines.push(...findingLines(action, colours.red('✗')));
  }
  if (report.notes.length > 0) {
    lines.push('', colours.bold('Notes:'));
    for (const note of report.notes) lines.push(...findingLines(note, colours.dim('·')));
  }
  if (!report.needsAction) lines.push('', colours.green('Nothing needs action.'));
  return lines.join('\n') + '\n';
}

function environmentRow(environment: EnvironmentStatus, now: Date): Row {
  const lead: Cell[] = [{ text: environment.site, paint: colours.bold }, { text: environment.environment }];
  const { live } = environment;
  if (!live) {
    const text =
      environment.state === 'not-deployed'
        ? `not deployed (placeholders: ${environment.placeholders.join(', ')})`
        : environment.localServerDown
          ? `local server not running at ${environment.endpoint} (npm run s3:local)`
          : words(environment.state);
    const paint = (environment.state === 'unreachable' && !environment.localServerDown) || environment.state === 'unreadable' || environment.state === 'not-checked' ? colours.red : colours.dim;
    const staging = environment.staging?.state === 'behind' ? ` · ${colours.red('staging has a deploy')}` : '';
    return { lead, span: { text, paint: (value) => paint(value) + staging } };
  }
  const invalidations = live.invalidations.length === 0 ? { text: 'none', paint: colours.dim } : { text: live.invalidations.map((entry) => entry.status).join(', '), paint: live.invalidations.every((entry) => entry.status === 'Completed') ? colours.green : colours.yellow };
  return [
    ...lead,
    { text: live.command === 'rollback' ? `${live.buildId} (rollback)` : live.buildId },
    { text: live.commit ? `${live.commit.slice(0, 12)}${live.clean ? '' : '*'}` : 'none' },
    { text: `${clock(live.publishedAt)}, ${age(Date.parse(live.publishedAt), now)}` },
    live.by ? { text: who(live.by.arn) } : dash,
    invalidations,
    environment.workingTree?.unpublishedChanges ? { text: 'unpublished changes', paint: colours.red } : { text: 'current', paint: colours.green },
    stagingCell(environment),
    livePageCell(environment),
  ];
}

function stagingCell(environment: EnvironmentStatus): Cell {
  switch (environment.staging?.state) {
    case undefined:
      return dash;
    case 'current':
      return { text: 'current', paint: colours.green };
    case 'behind':
      return { text: 'lags staging', paint: colours.red };
    case 'ahead':
      return { text: 'ahead of staging', paint: colours.yellow };
    case 'unknown':
      return { text: 'unknown', paint: colours.dim };
  }
}

function livePageCell(environment: EnvironmentStatus): Cell {
  const page = environment.livePage;
  if (!page) return dash;
  const exposed = 'recordsExposed' in page && page.recordsExposed ? ', records public' : '';
  switch (page.result) {
    case 'match':
      return { text: `matches${exposed}`, paint: exposed ? colours.red : colours.green };
    case 'mismatch':
      return { text: `STALE${'live' in page && page.live ? ` (${page.live})` : ''}${exposed}`, paint: colours.red };
    case 'skipped':
      return { text: `not checked${exposed}`, paint: exposed ? colours.red : colours.dim };
  }
}

function credentialRow(credential: CredentialReport, now: Date): Cell[] {
  return [
    { text: credential.source, paint: colours.bold },
    { text: credential.usedBy.join(', ') },
    expiryCell(credential, now),
    credential.renew ? { text: credential.renew } : dash,
  ];
}

function expiryCell(credential: CredentialReport, now: Date): Cell {
  const at = credential.expiresAt;
  switch (credential.state) {
    case 'expired':
      return { text: at ? `EXPIRED ${clock(at)}, ${age(Date.parse(at), now)}` : 'EXPIRED', paint: colours.red };
    case 'missing':
      return { text: 'MISSING', paint: colours.red };
    case 'rejected':
      return { text: 'REJECTED by AWS', paint: colours.red };
    case 'error':
      return { text: 'NOT USABLE', paint: colours.red };
    case 'expiring':
    case 'valid': {
      if (!at) return { text: credential.local ? 'local, never' : 'does not expire', paint: colours.dim };
      const text = `${clock(at)}, in ${formatDuration(Date.parse(at) - now.getTime())}`;
      return { text, paint: credential.state === 'expiring' ? colours.yellow : undefined };
    }
  }
}

function findingLines(finding: Finding, marker: string): string[] {
  const lines = [`  ${marker} ${colours.bold(finding.where)}: ${finding.message}`];
  if (finding.command) lines.push(`      ${colours.dim('$')} ${finding.command}`);
  return lines;
}

/** "2026-11-28 09:19Z". */
export function clock(iso: string): string {
  return iso.replace('T', ' ').replace(/:\d\d(?:\.\d+)?Z$/, 'Z');
}

/** "just now", "12 min ago", "5 h ago", "3 d ago". */
export function age(time: number, now: Date): string {
  const minutes = Math.round((now.getTime() - time) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 120) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.round(hours / 24)} d ago`;
}

/** The readable end of a caller ARN: "Deployer/jane" for an assumed role's session, the user name for an IAM user, "user@host" locally. */
export function who(arn: string): string {
  if (arn.startsWith('local:')) return arn.slice('local:'.length);
  const resource = arn.split(':').slice(5).join(':');
  const match = /^(?:assumed-role|user|role|federated-user)\/(.+)$/.exec(resource);
  return match ? match[1]! : arn;
}

export function printStatus(report: StatusReport, options: { json: boolean }): void {
  process.stdout.write(options.json ? JSON.stringify(report, null, 2) + '\n' : formatStatus(report));
}
