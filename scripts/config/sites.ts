/**
 * Finding and loading the sites under `sites/`. Every command goes through here,
 * so a bad config is reported once, before any disk or network work.
 */
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { closestName, suggestName } from './closest-name.ts';
import { isPlaceholder, siteConfigSchema, type EnvironmentConfig, type SiteConfigData } from './schema.ts';
import { DEPLOYED_FILE, mergeDeployed, readDeployed, type Deployed } from './deployed.ts';
import { readYaml } from './yaml-source.ts';
import { validateWith } from './validate.ts';

export interface SiteConfig extends SiteConfigData {
  /** Absolute folder of the site, `sites/<domain>`. */
  dir: string;
  /** The config file as shown to people, relative to the repository. */
  configFile: string;
  /** What `npm run infra -- deploy` recorded in `deployed.yaml` (already merged into `environments`). */
  deployed?: Deployed;
  /** The environments exactly as site.yaml declares them, before deployed.yaml's names are merged in (infra reads these). */
  declaredEnvironments: SiteConfigData['environments'];
}

export interface Workspace {
  /** Repository root: the folder holding `sites/`, `shared-layouts/`, `widgets/`. */
  root: string;
  sitesDir: string;
  sharedLayoutsDir: string;
  widgetsDir: string;
  /** Where build caches live (checked pages, encoded images): `<root>/.cache` unless a caller, such as a test, points elsewhere. */
  cacheDir: string;
}

export function workspaceAt(root: string): Workspace {
  return {
    root,
    sitesDir: path.join(root, 'sites'),
    sharedLayoutsDir: path.join(root, 'shared-layouts'),
    widgetsDir: path.join(root, 'widgets'),
    cacheDir: path.join(root, '.cache'),
  };
}

export const SITE_CONFIG_FILE = 'site.yaml';

/** Folders under `sites/` that hold a site config, sorted. */
export function siteFolders(workspace: Workspace): string[] {
  if (!existsSync(workspace.sitesDir)) return [];
  return readdirSync(workspace.sitesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(path.join(workspace.sitesDir, entry.name, SITE_CONFIG_FILE)))
    .map((entry) => entry.name)
    .sort();
}

export async function loadSite(workspace: Workspace, folder: string): Promise<SiteConfig> {
  const dir = path.join(workspace.sitesDir, folder);
  const configFile = path.relative(workspace.root, path.join(dir, SITE_CONFIG_FILE));
  const source = await readYaml(path.join(dir, SITE_CONFIG_FILE), configFile);
  const data = validateWith(siteConfigSchema, source);
  if (data.domain !== folder) {
    throw new ConfigError(
      `${configFile}:${source.lineOf(['domain'])}: domain: "${data.domain}" does not match the folder name "${folder}". Rename the folder or fix the domain.`,
    );
  }
  const production = data.environments['production'];
  if (production) {
    const host = new URL(production.url).hostname;
    if (host !== data.domain && host !== `www.${data.domain}`) {
      throw new ConfigError(
        `${configFile}:${source.lineOf(['environments', 'production', 'url'])}: environments.production.url: "${production.url}" is not on ${data.domain}; canonical URLs name the production domain, so it must be https://${data.domain} or https://www.${data.domain}.`,
      );
    }
  }
  if (data.dns && data.domain !== data.dns.zoneName && !data.domain.endsWith(`.${data.dns.zoneName}`)) {
    throw new ConfigError(
      `${configFile}:${source.lineOf(['dns', 'zoneName'])}: dns.zoneName: "${data.dns.zoneName}" is not ${data.domain} or a parent of it, so its records cannot name the site. Name the hosted zone of ${data.domain}.`,
    );
  }
  const deployed = await readDeployed(dir, path.relative(workspace.root, dir));
  if (!deployed) return { ...data, dir, configFile, declaredEnvironments: data.environments };
  const deployedFile = path.relative(workspace.root, path.join(dir, DEPLOYED_FILE));
  const environments = { ...data.environments };
  for (const [envName, recorded] of Object.entries(deployed.environments)) {
    const env = environments[envName];
    if (!env) {
      throw new ConfigError(`${deployedFile}: records the environment "${envName}", which ${configFile} does not declare. Declare it again, or remove its entry (and destroy its stack: npm run infra -- destroy --env ${envName}).`);
    }
    environments[envName] = mergeDeployed(env, recorded, { envName, configFile, deployedFile });
  }
  return { ...data, environments, dir, configFile, deployed, declaredEnvironments: data.environments };
}

export async function loadAllSites(workspace: Workspace): Promise<SiteConfig[]> {
  const sites = await Promise.all(siteFolders(workspace).map((folder) => loadSite(workspace, folder)));
  const byShortName = new Map<string, SiteConfig>();
  for (const site of sites) {
    const clash = byShortName.get(site.shortName);
    if (clash) {
      throw new ConfigError(`${site.configFile}: shortName "${site.shortName}" is already used by ${clash.configFile}; short names must be unique.`);
    }
    byShortName.set(site.shortName, site);
  }
  return sites;
}

/** Resolves `--site` values (short name or domain); no names means every site. */
export function selectSites(all: readonly SiteConfig[], names: readonly string[]): SiteConfig[] {
  if (names.length === 0) return [...all];
  return names.map((name) => {
    const site = all.find((candidate) => candidate.shortName === name || candidate.domain === name);
    if (!site) throw new ConfigError(unknownSiteMessage(all, name));
    return site;
  });
}

/** `Unknown site "86frm". Did you mean "86from"? Valid sites: …` (the suggestion only when a name is near enough to be a typo). */
export function unknownSiteMessage(all: readonly SiteConfig[], name: string): string {
  const valid = all.map((candidate) => `${candidate.shortName} (${candidate.domain})`).join(', ');
  const closest = closestName(name, all.flatMap((candidate) => [candidate.shortName, candidate.domain]));
  return `Unknown site "${name}".${closest ? ` Did you mean "${closest}"?` : ''} Valid sites: ${valid}.`;
}

export function environmentOf(site: SiteConfig, envName: string): EnvironmentConfig {
  const env = site.environments[envName];
  if (!env) throw new ConfigError(unknownEnvironmentMessage(site, envName));
  return env;
}

/** `Unknown environment "prod" for 86from.com. Did you mean "production"? Valid environments: …` (the suggestion only for a typo or an abbreviation of one name). */
export function unknownEnvironmentMessage(site: SiteConfig, envName: string): string {
  const names = Object.keys(site.environments).sort();
  const guess = suggestName(envName, names);
  return `Unknown environment "${envName}" for ${site.domain}.${guess ? ` Did you mean "${guess}"?` : ''} Valid environments: ${names.join(', ')} (declared in ${site.configFile}).`;
}

/** Only production is indexed and measured; every other environment is private. */
export function isProduction(envName: string): boolean {
  return envName === 'production';
}

/** Dotted keys of an environment (and the site's analytics/booking) still holding placeholders. */
export function placeholdersIn(site: SiteConfig, envName: string): string[] {
  const env = environmentOf(site, envName);
  const found: string[] = [];
  if (isPlaceholder(env.bucket)) found.push(`environments.${envName}.bucket`);
  env.distributions.forEach((distribution, index) => {
    if (isPlaceholder(distribution.id)) found.push(`environments.${envName}.distributions.${index}.id`);
  });
  if (isProduction(envName) && isPlaceholder(site.analytics.measurementId)) found.push('analytics.measurementId');
  if (isPlaceholder(site.booking.endpoint)) found.push('booking.endpoint');
  return found;
}
