/**
 * The folder clasp pushes from, in a temporary directory so the repository
 * never holds a `.clasp.json` (or anything clasp writes): the project file,
 * the manifest, and the script copied byte for byte. clasp pushes every
 * `*.gs` and `appsscript.json` in its root folder and replaces the remote
 * project's files with them, so the remote project ends up with exactly
 * these two.
 */
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

export const MANIFEST_FILE = 'appsscript.json';
export const PROJECT_FILE = '.clasp.json';

/**
 * The project manifest, written on every push (clasp's `push --force`
 * overwrites the remote one): the V8 runtime, and the web app as the
 * booking widget needs it — running as the owner who deploys it (so it can
 * write the owner's sheet and send mail), callable by anyone without a
 * Google sign-in. OAuth scopes are left to Apps Script to detect.
 */
export function webAppManifest(timeZone: string): Record<string, unknown> {
  return {
    timeZone,
    dependencies: {},
    exceptionLogging: 'STACKDRIVER',
    runtimeVersion: 'V8',
    webapp: { executeAs: 'USER_DEPLOYING', access: 'ANYONE_ANONYMOUS' },
  };
}

export interface StagedProject {
  /** The folder clasp runs in, real path (clasp refuses a content folder reached through a symlink). */
  dir: string;
  projectFile: string;
  /** The staged copy of the script. */
  script: string;
  /** File name → bytes, everything clasp will push. */
  files: Record<string, Buffer>;
  cleanup(): Promise<void>;
}

export async function stageProject(options: { scriptId: string; scriptName: string; script: Buffer; timeZone: string }): Promise<StagedProject> {
  const dir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'sites-apps-script-')));
  const files: Record<string, Buffer> = {
    [MANIFEST_FILE]: Buffer.from(JSON.stringify(webAppManifest(options.timeZone), null, 2) + '\n'),
    [options.scriptName]: options.script,
  };
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    await writeFile(path.join(dir, PROJECT_FILE), JSON.stringify({ scriptId: options.scriptId, rootDir: '.' }, null, 2) + '\n');
    for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(dir, name), bytes);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { dir, projectFile: path.join(dir, PROJECT_FILE), script: path.join(dir, options.scriptName), files, cleanup };
}
