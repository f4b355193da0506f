/** The upload progress bar: on a terminal only, on stderr, so --json stays clean. */
import cliProgress from 'cli-progress';
import { formatBytes } from '../build/summary.ts';
import type { ProgressSink } from './apply.ts';
import type { Plan } from './plan.ts';

export function terminalProgress(plan: Plan): ProgressSink | undefined {
  if (!process.stderr.isTTY || plan.totals.uploadFiles === 0) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `  ${plan.site} {bar} {value}/{total} files  {sent}/{size}  {eta_formatted}`,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  let sent = 0;
  let size = '';
  return {
    start(files, bytes) {
      size = formatBytes(bytes);
      bar.start(files, 0, { sent: formatBytes(0), size });
    },
    advance(upload) {
      sent += upload.size;
      bar.increment(1, { sent: formatBytes(sent), size });
    },
    stop() {
      bar.stop();
    },
  };
}
