/**
 * Hands a synthesized cloud assembly to the CDK CLI (the pinned `aws-cdk`
 * dev dependency, never a global one): diff, deploy and destroy are its
 * work, with its own progress output; this only chooses the stacks and the
 * flags, and reads back the outputs file a deploy writes.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { InfraError } from './preflight.ts';

export interface CdkRun {
  command: 'diff' | 'deploy' | 'destroy';
  assemblyDir: string;
  stacks: readonly string[];
  profile?: string;
  /** deploy: where the CLI writes every stack's outputs as JSON. */
  outputsFile?: string;
  /** deploy without a terminal to approve security changes, and destroy: no questions. */
  yes?: boolean;
  /** For tests: another executable standing in for the CLI. */
  cli?: string;
}

export function cdkArguments(run: CdkRun): string[] {
  const args = [run.command, '--app', run.assemblyDir, ...(run.profile ? ['--profile', run.profile] : [])];
  if (run.command === 'deploy') {
    args.push('--exclusively', ...(run.outputsFile ? ['--outputs-file', run.outputsFile] : []));
    if (run.yes) args.push('--require-approval', 'never');
  }
  if (run.command === 'destroy') args.push('--exclusively', '--force');
  if (run.command === 'diff') args.push('--exclusively');
  return [...args, ...run.stacks];
}

export function cdkExecutable(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('aws-cdk/package.json')), 'bin', 'cdk');
}

export async function runCdk(run: CdkRun): Promise<void> {
  const executable = run.cli ?? cdkExecutable();
  const code = await new Promise<number>((resolve, reject) => {
    // Without these the CLI would ask npm for a newer version and send usage telemetry to AWS.
    const env = { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', CDK_DISABLE_CLI_TELEMETRY: 'true' };
    const child = spawn(process.execPath, [executable, ...cdkArguments(run)], { stdio: 'inherit', env });
    child.once('error', reject);
    child.once('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 130 : 1)));
  });
  if (code !== 0) {
    throw new InfraError(`cdk ${run.command} failed (exit ${code}); its messages are above. Nothing was written back into deployed.yaml.`, { exitCode: code });
  }
}
