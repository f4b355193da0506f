/**
 * A check worker thread: receives batches of pages, runs their page parts and
 * posts the results back. Checks keep their expensive set-up (html-validate's
 * resolved configuration) in module state, so it happens once per worker.
 */
import { parentPort } from 'node:worker_threads';
import type { CheckSettings } from './check.ts';
import { warmUpHtmlValidate } from './html-validity.ts';
import { runPageJobs, type PageJob } from './page-jobs.ts';

export interface WorkerRequest {
  id: number;
  jobs: PageJob[];
  settings: CheckSettings;
}

export type WorkerResponse = { id: number; results: ReturnType<typeof runPageJobs> } | { id: number; error: string };

parentPort?.on('message', (request: WorkerRequest) => {
  let response: WorkerResponse;
  try {
    response = { id: request.id, results: runPageJobs(request.jobs, request.settings) };
  } catch (error) {
    response = { id: request.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  parentPort?.postMessage(response);
});

// A worker is started ahead of need (while Eleventy renders); it spends that
// time getting html-validate ready. Messages wait in the port until then.
warmUpHtmlValidate();
