/** Runs the real CLI in a child process, the way a person at a terminal would. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './fixture.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** tsx by its own path, so the CLI also runs from a folder without node_modules. */
export function cliArgs(args: readonly string[], script = 'scripts/cli.ts'): string[] {
  return ['--import', import.meta.resolve('tsx'), path.join(repoRoot, script), ...args];
}

export function runCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return runScript('scripts/cli.ts', args, options);
}

/** `npm run infra -- …`, as a child process. */
export function runInfraCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<CliResult> {
  return runScript('infra/cli.ts', args, options);
}

function runScript(script: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string }): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cliArgs(args, script), { cwd: options.cwd ?? repoRoot, env: { ...process.env, NO_COLOR: '1', ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs the CLI with a pseudo-terminal as stdout and stderr (util-linux `script`), as a person at a terminal would. */
export function runCliUnderTerminal(args: readonly string[]): Promise<string> {
  const command = [process.execPath, ...cliArgs(args)].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
  const env = { ...process.env };
  delete env['NO_COLOR'];
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(output) : reject(new Error(`exit ${code}: ${output}`))));
  });
}

/** Starts a long-running CLI command; stop it with `stopCli`. */
export function startCli(args: readonly string[]): ChildProcess {
  return spawn(process.execPath, cliArgs(args), { cwd: repoRoot, env: { ...process.env, NO_COLOR: '1' }, detached: true });
}

export async function stopCli(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return;
  const closed = new Promise((resolve) => child.once('close', resolve));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  await closed;
}

/**
 * Resolves once the CLI has said it is serving: it says so only after
 * Eleventy's file watcher is ready, and an edit made before that is not seen.
 */
export function devServerReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const giveUp = setTimeout(() => reject(new Error(`gave up waiting for the dev server to serve:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Serving .* edits reload the page/.test(output)) {
        child.stderr?.off('data', onData);
        clearTimeout(giveUp);
        resolve();
      }
    };
    child.stderr?.on('data', onData);
    child.once('close', (code) => {
      clearTimeout(giveUp);
      reject(new Error(`the dev server exited (${code}) before serving:\n${output}`));
    });
  });
}

/** No "    at file:line" lines: user errors are a message, not a stack trace. */
export function hasStackTrace(text: string): boolean {
  return /^\s+at .+[:(]\d+:\d+\)?$/m.test(text);
}
