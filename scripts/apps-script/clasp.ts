/**
 * Runs Google's clasp (the pinned `@google/clasp` dependency, never a
 * global one) as a child process, and reads what it says.
 *
 * clasp 3.4.1 with `--json` prints, on success: for `push`, the pushed
 * files' paths as a JSON array (`[]` when the remote project already
 * matched); for `update-deployment`, `{ deploymentId, versionNumber,
 * description }`. On failure it prints the error's message on stderr —
 * "No credentials found.", "invalid_grant", "User has not enabled the Apps
 * Script API…" — and usually exits 1; but errors it raises through
 * commander (a missing argument, an unknown option, and any API answer of
 * 400 to `update-deployment`, invalid_grant included) exit 0. So success is
 * the JSON on stdout, never the exit code alone.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { CLASP_LOGIN } from './auth.ts';

export interface ClaspCall {
  args: readonly string[];
  /** The staged project folder: clasp names files relative to its working folder. */
  cwd: string;
  /** Another executable (a JS file run with this Node) standing in for clasp: SITES_CLASP_CLI. */
  cli?: string;
  timeoutMs?: number;
}

export interface ClaspOutput {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export const CLASP_TIMEOUT_MS = 5 * 60_000;

/** clasp's JS entry (what node_modules/.bin/clasp links to). */
export function claspExecutable(): string {
  return createRequire(import.meta.url).resolve('@google/clasp');
}

export function runClasp(call: ClaspCall): Promise<ClaspOutput> {
  // The project, credentials and ignore rules are the ones given on the command line, never ones the environment points clasp at.
  const env = { ...process.env };
  for (const key of ['clasp_config_auth', 'clasp_config_project', 'clasp_config_ignore']) delete env[key];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [call.cli ?? claspExecutable(), ...call.args], {
      cwd: call.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: call.timeoutMs ?? CLASP_TIMEOUT_MS,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, stdout: plain(stdout), stderr: plain(stderr) }));
  });
}

function plain(text: string): string {
  return text.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
}

/** The JSON clasp printed on stdout, if it printed only JSON. */
export function claspJson(output: ClaspOutput): unknown {
  const text = output.stdout.trim();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

export type ClaspStep = 'push' | 'update-deployment';

export interface FailureContext {
  step: ClaspStep;
  /** The credentials file, as shown to people. */
  authFile: string;
  scriptId: string;
  deploymentId: string;
  /** The command to run again once fixed. */
  rerun: string;
  timeoutMs?: number;
}

/** One sentence on what went wrong and the command that fixes it, from what clasp printed. */
export function claspFailureMessage(output: ClaspOutput, context: FailureContext): string {
  const said = claspSaid(output);
  const then = `then run ${context.rerun} again`;
  const quoted = said ? ` (clasp said: ${said})` : '';
  const text = `${output.stderr}\n${output.stdout}`;
  let message: string;
  if (output.signal && output.code === null) {
    message = `clasp ${context.step} did not finish within ${Math.round((context.timeoutMs ?? CLASP_TIMEOUT_MS) / 60_000)} minutes and was stopped${quoted}. Check the network connection, ${then}.`;
  } else if (/No credentials found/i.test(text)) {
    message = `clasp is not logged in${quoted}. Run ${CLASP_LOGIN}, ${then}.`;
  } else if (/refresh_token field|No refresh token is set/i.test(text)) {
    message = `clasp's credentials in ${context.authFile} have no refresh token, so clasp cannot use them${quoted}. Run ${CLASP_LOGIN}, ${then}.`;
  } else if (/invalid_grant|invalid_rapt|expired or revoked/i.test(text)) {
    message = `clasp's Google login in ${context.authFile} has expired or been revoked: Google refused to renew it${quoted}. Run ${CLASP_LOGIN}, ${then}.`;
  } else if (/\b401\b|invalid authentication credentials|UNAUTHENTICATED|NOT_AUTHENTICATED|Login Required/i.test(text)) {
    message = `Google refused clasp's credentials in ${context.authFile} as not authenticated${quoted}. Run ${CLASP_LOGIN}, ${then}.`;
  } else if (/not enabled the Apps Script API|script\.google\.com\/home\/usersettings/i.test(text)) {
    message = `The Apps Script API is turned off for the Google account clasp is logged in as${quoted}. Turn it on at https://script.google.com/home/usersettings (it can take a few minutes to apply), ${then}.`;
  } else if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|socket hang up/.test(text)) {
    message = `clasp could not reach Google${quoted}. Check the network connection, ${then}.`;
  } else if (/Requested entity was not found|NOT_FOUND|\b404\b/.test(text)) {
    message =
      context.step === 'push'
        ? `Google has no Apps Script project ${context.scriptId} that the account clasp is logged in as can open${quoted}. Check booking.appsScript.scriptId (Apps Script editor → Project Settings → IDs) and that \`npx clasp show-authorized-user\` is an editor of the script, ${then}.`
        : `Google has no deployment ${context.deploymentId} in the script ${context.scriptId}${quoted}. Check the deployment ID in booking.endpoint (Deploy → Manage deployments), ${then}.`;
  } else if (/PERMISSION_DENIED|does not have permission|\b403\b/i.test(text)) {
    message = `The Google account clasp is logged in as may not change the script ${context.scriptId}${quoted}. Log in as an editor of the script (${CLASP_LOGIN}), ${then}.`;
  } else {
    message = `clasp ${context.step} failed (${output.code === null ? `signal ${output.signal}` : `exit ${output.code}`})${said ? `: ${said}` : ', and printed nothing'}. Run ${context.rerun} again once that is fixed.`;
  }
  if (context.step === 'update-deployment') {
    message += ` The new code is pushed (the project's HEAD), but the web-app deployment was not updated: visitors still get the previous version.`;
  } else {
    message += ' Nothing was deployed.';
  }
  return message;
}

/** clasp's own last words: its stderr's last lines (its stdout when stderr is empty), on one line. */
function claspSaid(output: ClaspOutput): string {
  const lines = (output.stderr.trim() || output.stdout.trim()).split('\n').map((line) => line.trim()).filter(Boolean);
  const said = lines.slice(-3).join(' ');
  return said.length > 400 ? `${said.slice(0, 400)}…` : said;
}
