/**
 * `npm run s3:local`: the S3-compatible server the `local` environments
 * point at, so publishing can be tried end to end without AWS. Data stays in
 * `.s3-local/` (git-ignored) between runs; each request is printed, so a
 * second publish visibly sends nothing but list requests and its deploy record.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, Option } from 'commander';
import { loadAllSites, workspaceAt, type SiteConfig } from '../config/sites.ts';
import { ConfigError, isUserError } from '../errors.ts';
import { colours, printError } from '../terminal.ts';
import { startRequestLog, type LoggedRequest } from './request-log.ts';
import { startLocalS3 } from './server.ts';

const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

interface LocalTarget {
  site: SiteConfig;
  bucket: string;
  url: string;
  port: number;
}

/** The `local` environment of every site, all on one loopback endpoint. */
export function localTargets(sites: readonly SiteConfig[], envName: string): LocalTarget[] {
  const targets: LocalTarget[] = [];
  for (const site of sites) {
    const env = site.environments[envName];
    if (!env) continue;
    if (!env.endpoint) throw new ConfigError(`${site.configFile}: environments.${envName} has no endpoint, so it is not a local server; add endpoint: http://127.0.0.1:4568.`);
    const endpoint = new URL(env.endpoint);
    if (endpoint.hostname !== '127.0.0.1' && endpoint.hostname !== 'localhost') {
      throw new ConfigError(`${site.configFile}: environments.${envName}.endpoint "${env.endpoint}" is not on this machine; the local server listens on 127.0.0.1.`);
    }
    targets.push({ site, bucket: env.bucket, url: env.url, port: Number.parseInt(endpoint.port, 10) || 80 });
  }
  const ports = [...new Set(targets.map((target) => target.port))];
  if (ports.length > 1) {
    throw new ConfigError(`The ${envName} environments use different ports (${ports.join(', ')}); point every site's environments.${envName}.endpoint at the same one.`);
  }
  if (targets.length === 0) throw new ConfigError(`No site declares a "${envName}" environment; add one to a site.yaml (see docs/reference/publishing.md, "Try it without AWS").`);
  return targets;
}

async function run(options: { env: string; dir: string; quiet?: boolean; root: string }): Promise<void> {
  const root = path.resolve(options.root);
  const targets = localTargets(await loadAllSites(workspaceAt(root)), options.env);
  const port = targets[0]!.port;
  const directory = path.resolve(root, options.dir);
  const s3 = await startLocalS3({ directory, buckets: targets.map((target) => target.bucket), website: true });
  // The proxy holds the configured port and prints what each client did.
  const log = await startRequestLog({ targetPort: s3.port, port }).catch(async (error: NodeJS.ErrnoException) => {
    await s3.stop();
    if (error.code === 'EADDRINUSE') throw new ConfigError(`Port ${port} is in use; is npm run s3:local already running? Stop it, or change the local endpoints' port.`);
    throw error;
  });
  if (!options.quiet) log.onRequest((request) => process.stdout.write(describeRequest(request) + '\n'));

  process.stdout.write(`Local S3 server on ${colours.bold(`http://127.0.0.1:${port}`)}, data in ${path.relative(process.cwd(), directory) || '.'}/\n`);
  for (const target of targets) process.stdout.write(`  ${target.site.shortName.padEnd(16)} bucket ${target.bucket}, browse ${target.url}/\n`);
  process.stdout.write(`Publish with: npm run publish -- --env ${options.env}    Stop with Ctrl-C.\n`);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await log.close();
  await s3.stop();
}

function describeRequest(request: LoggedRequest): string {
  const status = request.status >= 400 ? colours.red(String(request.status)) : colours.dim(String(request.status));
  const target = request.key ? `${request.bucket}/${request.key}` : request.bucket;
  return `${status} ${request.operation.padEnd(14)} ${target}${request.method === 'PUT' && request.bytesIn ? colours.dim(` ${request.bytesIn} bytes`) : ''}`;
}

const program = new Command('s3:local')
  .description('Run the local S3-compatible server for the "local" environments')
  .option('--env <name>', 'environment whose endpoint and buckets to serve', 'local')
  .option('--dir <path>', 'where objects are kept', '.s3-local')
  .option('--quiet', 'do not print each request')
  // As for the main CLI: the workspace whose site configs name the port and buckets (tests point it at a fixture).
  .addOption(new Option('--root <dir>', 'the repository (or a copy of it) whose sites/ name the port and buckets').default(repositoryRoot))
  .action(run);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (!isUserError(error)) throw error;
  printError(error.message);
  process.exitCode = error.exitCode;
}
