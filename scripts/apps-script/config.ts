/**
 * Which site has an Apps Script backend, and where it goes: the site's
 * `booking.appsScript` (scripts/config/schema.ts) — the script project,
 * the script file, and the web-app deployment, read from the /exec URL in
 * `booking.endpoint` unless `deploymentId` names it. Placeholders are
 * refused here, with the file and line, before anything is checked or run.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, PublishError } from '../errors.ts';
import { closestName } from '../config/closest-name.ts';
import { isPlaceholder, WEB_APP_URL } from '../config/schema.ts';
import { loadAllSites, SITE_CONFIG_FILE, type SiteConfig, type Workspace } from '../config/sites.ts';
import { readYaml } from '../config/yaml-source.ts';

export interface AppsScriptTarget {
  site: SiteConfig;
  scriptId: string;
  deploymentId: string;
  /** What visitors' browsers call: the site's booking.endpoint. */
  webAppUrl: string;
  /** The script file, absolute. */
  source: string;
  /** The script file as shown to people, relative to the repository. */
  sourceDisplay: string;
  /** Other sites whose booking.endpoint calls the same deployment (one backend can serve every site). */
  sharedWith: string[];
}

/** The deployment the site's backend is published to: `deploymentId`, else the one in the endpoint's URL. */
export function deploymentIdOf(site: SiteConfig): string | undefined {
  return site.booking.appsScript?.deploymentId ?? WEB_APP_URL.exec(site.booking.endpoint)?.[1];
}

/** Sites whose site.yaml declares booking.appsScript. */
export function appsScriptSites(sites: readonly SiteConfig[]): SiteConfig[] {
  return sites.filter((site) => site.booking.appsScript);
}

/** Resolves `--site` (short name or domain) to a site with an Apps Script backend, refusing placeholders. */
export async function resolveAppsScriptTarget(workspace: Workspace, name: string): Promise<AppsScriptTarget> {
  const all = await loadAllSites(workspace);
  const withBackend = appsScriptSites(all);
  const listing = withBackend.length ? withBackend.map((site) => `${site.shortName} (${site.domain})`).join(', ') : 'none yet';
  const site = all.find((candidate) => candidate.shortName === name || candidate.domain === name);
  if (!site) {
    const guess = closestName(name, all.flatMap((candidate) => [candidate.shortName, candidate.domain]));
    throw new ConfigError(`Unknown site "${name}".${guess ? ` Did you mean ${guess}?` : ''} Sites with an Apps Script backend: ${listing}.`);
  }
  const appsScript = site.booking.appsScript;
  if (!appsScript) {
    throw new ConfigError(
      `${site.domain} has no Apps Script backend: ${site.configFile} sets no booking.appsScript (the script project to push to). Sites with one: ${listing}.`,
    );
  }
  const source = await readYaml(path.join(site.dir, SITE_CONFIG_FILE), site.configFile);
  const at = (keys: string[]) => `${site.configFile}:${source.lineOf(keys)}: ${keys.join('.')}`;
  const refusals: string[] = [];
  const lineOfRefusal = (text: string) => Number(/^[^:]+:(\d+):/.exec(text)?.[1] ?? 0);
  if (isPlaceholder(appsScript.scriptId)) {
    refusals.push(`${at(['booking', 'appsScript', 'scriptId'])}: "${appsScript.scriptId}" is a placeholder. Put the script's ID there (Apps Script editor → Project Settings → IDs → Script ID).`);
  }
  const deploymentId = deploymentIdOf(site);
  if (appsScript.deploymentId !== undefined && isPlaceholder(appsScript.deploymentId)) {
    refusals.push(`${at(['booking', 'appsScript', 'deploymentId'])}: "${appsScript.deploymentId}" is a placeholder. Put the web-app deployment's ID there (Deploy → Manage deployments).`);
  } else if (appsScript.deploymentId === undefined && (deploymentId === undefined || isPlaceholder(site.booking.endpoint))) {
    refusals.push(
      `${at(['booking', 'endpoint'])}: "${site.booking.endpoint}" names no real deployment yet. Deploy the script once as a web app in the Apps Script editor (Deploy → New deployment → Web app, execute as Me, access Anyone) and put its /exec URL here; publishing then updates that deployment.`,
    );
  }
  if (refusals.length) {
    refusals.sort((a, b) => lineOfRefusal(a) - lineOfRefusal(b));
    throw new PublishError(`${site.domain}: the Apps Script backend is not set up yet, so nothing was checked or pushed:\n${refusals.map((line) => `  ${line}`).join('\n')}`);
  }
  const file = path.join(site.dir, appsScript.source);
  if (!existsSync(file)) {
    throw new ConfigError(`${at(['booking', 'appsScript', 'source'])}: ${path.relative(workspace.root, file).split(path.sep).join('/')} does not exist. Name the site's Apps Script file (relative to ${path.relative(workspace.root, site.dir).split(path.sep).join('/')}/).`);
  }
  return {
    site,
    scriptId: appsScript.scriptId,
    deploymentId: deploymentId!,
    webAppUrl: WEB_APP_URL.test(site.booking.endpoint) ? site.booking.endpoint : `https://script.google.com/macros/s/${deploymentId}/exec`,
    source: file,
    sourceDisplay: path.relative(workspace.root, file).split(path.sep).join('/'),
    sharedWith: all.filter((other) => other !== site && deploymentIdOf(other) === deploymentId).map((other) => other.domain),
  };
}
