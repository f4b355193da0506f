/**
 * The CI workflow, read for tests: its raw text (for the comments YAML drops)
 * and its parsed value, with aliases resolved the way GitHub resolves them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';

export const WORKFLOW_PATH = '.github/workflows/site.yml';

export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  with?: Record<string, string | number | boolean>;
  env?: Record<string, string>;
  run?: string;
}

export interface Job {
  'runs-on'?: string | string[];
  container?: string | { image: string; options?: string };
  needs?: string | string[];
  if?: string;
  environment?: string | { name: string; url?: string };
  permissions?: Record<string, string>;
  concurrency?: string | { group: string; 'cancel-in-progress'?: boolean | string };
  strategy?: { matrix?: unknown; 'fail-fast'?: boolean };
  outputs?: Record<string, string>;
  steps?: Step[];
}

export interface Workflow {
  name?: string;
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

/** One row of the matrix `npm run infra -- targets --env <env> --json` prints. */
export interface PublishTarget {
  site: string;
  domain: string;
  roleArn: string;
  region: string;
}
export const PUBLISH_TARGET_KEYS = ['site', 'domain', 'roleArn', 'region'] as const satisfies ReadonlyArray<keyof PublishTarget>;

export interface LoadedWorkflow {
  file: string;
  text: string;
  workflow: Workflow;
}

/** Reads and parses the workflow under `root`; a YAML error names the file, line and column. */
export async function loadWorkflow(root: string): Promise<LoadedWorkflow> {
  const file = path.join(root, WORKFLOW_PATH);
  const text = await readFile(file, 'utf8');
  const document = YAML.parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    throw new Error(`${file} is not valid YAML:\n${document.errors.map((error) => error.message).join('\n')}`);
  }
  const workflow = document.toJS({ maxAliasCount: 100 }) as Workflow | null;
  if (workflow === null || typeof workflow !== 'object' || typeof workflow.jobs !== 'object' || workflow.jobs === null) {
    throw new Error(`${file} has no jobs.`);
  }
  return { file, text, workflow };
}

/** A job's `needs` as a list. */
export function needsOf(job: Job): string[] {
  return job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
}

/** The name of a job's environment, if it has one. */
export function environmentOf(job: Job): string | undefined {
  return typeof job.environment === 'string' ? job.environment : job.environment?.name;
}
