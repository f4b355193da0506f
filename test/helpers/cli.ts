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

/** One exchange at a terminal: once the output shows `when` (after the previous exchange), type `send`. */
export interface TerminalStep {
  when: string | RegExp;
  send: string;
}

/** The output of a program, without the colours and cursor movements a terminal interprets. */
export function plainTerminalText(text: string): string {
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b[()][A-Za-z0-9]|\u001b[=>78]|\r/g, '');
}

/**
 * Runs the CLI on a pseudo-terminal (util-linux `script`: stdin, stdout and
 * stderr are all the terminal) and answers its questions as a person would:
 * each step waits for its text to appear, then types its keys ("\r" is Enter,
 * "\u001b[B" the down arrow, "\u0003" Ctrl-C). Resolves with the exit code
 * and everything the terminal showed, as plain text.
 */
export function runCliAtTerminal(args: readonly string[], steps: readonly TerminalStep[], options: { timeoutMs?: number } = {}): Promise<{ code: number | null; output: string; unanswered: number }> {
  // A wide terminal, so a question is never wrapped across the text a step waits for.
  const command = `stty cols 250 rows 50 2>/dev/null; exec ${[process.execPath, ...cliArgs(args)].map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ')}`;
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let raw = '';
    let next = 0;
    let searchFrom = 0;
    const giveUp = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`gave up waiting for ${String(steps[next]?.when ?? 'the program to exit')}; the terminal showed:\n${plainTerminalText(raw)}`));
    }, options.timeoutMs ?? 60_000);
    const answer = () => {
      while (next < steps.length) {
        const step = steps[next]!;
        const shown = plainTerminalText(raw).slice(searchFrom);
        const match = typeof step.when === 'string' ? { index: shown.indexOf(step.when), length: step.when.length } : (() => {
          const found = step.when.exec(shown);
          return { index: found ? found.index : -1, length: found ? found[0].length : 0 };
        })();
        if (match.index === -1) return;
        searchFrom += match.index + match.length;
        child.stdin.write(step.send);
        next++;
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      raw += chunk.toString();
      answer();
    });
    child.stderr.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(giveUp);
      resolve({ code, output: plainTerminalText(raw), unanswered: steps.length - next });
    });
  });
}

/**
 * The environment of a child process that sees no credentials but the
 * test's own HOME and shared AWS files, with the SDK's endpoints pointed at
 * the test servers (AWS_ENDPOINT_URL_<SERVICE>) and its Node-version notice off.
 */
export function isolatedAwsEnv(home: string, endpoints: { sts?: string; cloudfront?: string; s3?: string }, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    HOME: home,
    AWS_CONFIG_FILE: path.join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(home, '.aws', 'credentials'),
    AWS_ACCESS_KEY_ID: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_PROFILE: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...(endpoints.sts ? { AWS_ENDPOINT_URL_STS: endpoints.sts } : {}),
    ...(endpoints.cloudfront ? { AWS_ENDPOINT_URL_CLOUDFRONT: endpoints.cloudfront } : {}),
    ...(endpoints.s3 ? { AWS_ENDPOINT_URL_S3: endpoints.s3 } : {}),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}
