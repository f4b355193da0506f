/**
 * The catalogue of bad input (issue 14, point 7): each case is a workspace
 * with exactly one defect and the command a person would run on it. The
 * test runs the real CLI in a child process and holds every case to the
 * same four promises: a non-zero exit code, a message that names the
 * problem (`problem`) and says what to do (`advice`), no stack trace, and
 * nothing written — not to the workspace, not to dist/ (unless the refusal
 * comes after a successful build, `built`), not to the bucket (the lock's
 * own put and delete aside), no CloudFront invalidation.
 */
import { createHash } from 'node:crypto';
import { existsSync, symlinkSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadWidgets } from '../../scripts/widgets/widget-source.ts';
import { injectedBlock } from '../../scripts/widgets/widget-block.ts';
import { repoRoot } from '../helpers/fixture.ts';
import { onTestServers } from '../helpers/publish-servers.ts';
import { fixtureSite, page, siteConfigYaml } from '../helpers/sites.ts';
import { DISTRIBUTION, SITE, type CaseWorkspace } from './workspace.ts';

export interface BadInput {
  /** What is wrong, in words. */
  name: string;
  /** The point of issue 14 (or of the brief) the case covers. */
  covers: string;
  /** Writes the workspace with its one defect; returns the CLI arguments (after `--root <dir>`). */
  setup(ws: CaseWorkspace): Promise<string[]>;
  /** Extra environment for the child (credentials). */
  env?(ws: CaseWorkspace): NodeJS.ProcessEnv;
  /** Default 1: every user error (UserError and commander's own). */
  code?: number;
  /** The message names the problem: the file, key, line or resource. */
  problem: RegExp | ((ws: CaseWorkspace) => RegExp);
  /** And says what to do about it. */
  advice: RegExp | ((ws: CaseWorkspace) => RegExp);
  /** The refusal comes after a successful build, so dist/ may have changed. */
  built?: boolean;
}

const description = 'A page made by the catalogue of bad input, with a description long enough.';
const about = page('About us', 'Who we are and why this fixture site exists at all, in brief.', 'page.njk', 'About.');

/** Replaces `from` in the fixture's site.yaml (it must be there). */
function editConfig(ws: CaseWorkspace, from: string | RegExp, to: string): Promise<void> {
  const tree = ws.site();
  const yaml = tree[`${SITE}/site.yaml`] as string;
  const edited = yaml.replace(from, to);
  if (edited === yaml) throw new Error(`the fixture's site.yaml has no ${String(from)}`);
  return ws.write({ ...tree, [`${SITE}/site.yaml`]: edited });
}

const build = (...args: string[]) => ['build', ...args];
const publishEdge = (...args: string[]) => ['publish', '--env', 'edge', ...args];

/** A fake AWS access key id and secret, split so no scanner flags this file. */
const FAKE_KEY_ID = 'AKIA' + 'IOSFODNN7EXAMPL9';
const FAKE_SECRET = 'wJalrXUtnFEMI/K7MDENG/' + 'bPxRfiCYEXAMPLEKEY';

async function withProfile(ws: CaseWorkspace, files: { config?: string; credentials?: string }): Promise<string[]> {
  await ws.write({ ...ws.site({ edge: { profile: 'edge' } }), 'home/.aws/config': files.config ?? '', 'home/.aws/credentials': files.credentials ?? '' });
  return publishEdge();
}

/** The fixture with staging and production on the test servers (production with the stand-in's distribution). */
async function stagingAndProduction(ws: CaseWorkspace): Promise<void> {
  const yaml = onTestServers(siteConfigYaml('fixture.test', 'fixture'), { endpoint: ws.servers.s3.endpoint, staging: ws.stagingBucket, production: ws.bucket, distribution: DISTRIBUTION });
  await ws.write({ ...fixtureSite(), [`${SITE}/site.yaml`]: yaml });
}

/**
 * Point 2, names and encodings: the rule (scripts/build/safe-names.ts, on
 * main since 9899d9c) refuses at the source any name outside RFC 3986's
 * unreserved characters, with a suggested name. This branch was cut before
 * it, so these cases join the catalogue wherever the rule is present — after
 * the merge, always.
 */
export const fileNameRule = existsSync(path.join(repoRoot, 'scripts', 'build', 'safe-names.ts'));
const named = (label: string, file: string, shown: RegExp, suggested: string): BadInput => ({
  name: `a source file named with ${label} (${JSON.stringify(file)})`,
  covers: `2 names and encodings: ${label}`,
  async setup(ws) {
    await ws.write(ws.site({ pages: { [file]: file.endsWith('.md') ? page('Named', description, 'page.njk', 'Named.') : 'Opening hours: nine to five.\n' } }));
    return build();
  },
  problem: new RegExp(`${escapeRegExp(`${SITE}/${file}`)}: .*${shown.source}`),
  advice: new RegExp(`Rename it to ${escapeRegExp(`${SITE}/${suggested}`)}`),
});
export const fileNameCases: BadInput[] = [
  named('a space and a non-ASCII letter', 'content/café menu.md', /the non-ASCII letter "é"/, 'content/cafe-menu.md'),
  named('"#"', 'assets/menu#1.txt', /"#"/, 'assets/menu-1.txt'),
  named('"?"', 'assets/what?.txt', /"\?"/, 'assets/what.txt'),
  named('"%"', 'assets/100%.txt', /"%"/, 'assets/100.txt'),
  named('"+"', 'assets/fish+chips.txt', /"\+"/, 'assets/fish-chips.txt'),
  named('a control character', 'assets/tab\u0001.txt', /a control character \(U\+0001\)/, 'assets/tab.txt'),
  {
    name: 'a permalink with a "+"',
    covers: '2 names and encodings: a permalink',
    async setup(ws) {
      await ws.write(ws.site({ pages: { 'content/menu.md': page('Menu', description, 'page.njk', 'Menu.', 'permalink: /fish+chips/\n') } }));
      return build();
    },
    problem: /fish\+chips\/index\.html/,
    advice: /Give it the URL \/fish-chips\/ instead \(the permalink in sites\/fixture\.test\/content\/menu\.md\)/,
  },
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export const cases: BadInput[] = [
  // ── Point 1: what may ship ────────────────────────────────────────────
  {
    name: 'a symbolic link to /etc/passwd among the assets',
    covers: '1 what may ship: a symlink resolving outside the site folder',
    async setup(ws) {
      await ws.write(ws.site());
      symlinkSync('/etc/passwd', path.join(ws.dir, SITE, 'assets', 'passwd.txt'));
      return build();
    },
    problem: /sites\/fixture\.test\/assets\/passwd\.txt.*\/etc\/passwd/,
    advice: /Replace the link with the file itself/,
  },
  {
    name: 'a .env file among the assets',
    covers: '1 what may ship: a .env dotfile',
    async setup(ws) {
      await ws.write(ws.site({ pages: { 'assets/.env': 'BOOKING_TOKEN=not-for-the-public\n' } }));
      return build();
    },
    problem: /assets\/\.env.*dotfile/,
    advice: /build\.allowFiles/,
  },
  {
    name: 'an AWS access key id in a text file',
    covers: '1 what may ship: a file with an AWS access key id',
    async setup(ws) {
      await ws.write(ws.site({ pages: { 'assets/credentials.txt': `[default]\naws_access_key_id = ${FAKE_KEY_ID}\n` } }));
      return build();
    },
    problem: /assets\/credentials\.txt.*an AWS access key id \(AKIA…MPL9\)/,
    advice: /remove it from the sources, or, if it must be published, list it in sites\/fixture\.test\/site\.yaml under build\.allowFiles.*If the secret is real, revoke it/,
  },
  {
    name: 'an AWS secret access key in a config file',
    covers: '1 what may ship: a file with an AWS secret key',
    async setup(ws) {
      await ws.write(ws.site({ pages: { 'assets/deploy.txt': `aws_secret_access_key: ${FAKE_SECRET}\n` } }));
      return build();
    },
    problem: /assets\/deploy\.txt.*an AWS secret access key \(wJal…EKEY\)/,
    advice: /remove it from the sources, or, if it must be published, list it in sites\/fixture\.test\/site\.yaml under build\.allowFiles/,
  },
  {
    name: 'a private key in a .pem file',
    covers: '1 what may ship: a file with a private key',
    async setup(ws) {
      await ws.write(ws.site({ pages: { 'assets/server.pem': '-----BEGIN RSA PRIVATE KEY-----\nMIIBOgIBAAJBAK\n-----END RSA PRIVATE KEY-----\n' } }));
      return build();
    },
    problem: /assets\/server\.pem.*a private key/,
    advice: /remove it from the sources, or, if it must be published, list it in sites\/fixture\.test\/site\.yaml under build\.allowFiles/,
  },
  {
    name: 'a GitHub token in a text file',
    covers: '1 what may ship: a file with another token',
    async setup(ws) {
      await ws.write(ws.site({ pages: { 'assets/notes.txt': `token = "${'ghp_' + 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'}";\n` } }));
      return build();
    },
    problem: /assets\/notes\.txt.*a GitHub token/,
    advice: /remove it from the sources, or, if it must be published, list it in sites\/fixture\.test\/site\.yaml under build\.allowFiles/,
  },
  {
    name: 'a file over the size limit',
    covers: '1 what may ship: a file over the size limit',
    async setup(ws) {
      await ws.write(ws.site({ extraConfig: 'build:\n  fileSize:\n    warningMiB: 0.01\n    limitMiB: 0.05\n', pages: { 'assets/video.bin': Buffer.alloc(100_000, 1) } }));
      return build();
    },
    problem: /assets\/video\.bin.*97\.7 KiB.*limit of 0\.05 MiB/,
    advice: /build\.fileSize\.limitMiB/,
  },
  {
    name: 'a site over the site size limit',
    covers: '1 what may ship: a site over the site size limit',
    async setup(ws) {
      await ws.write(ws.site({ extraConfig: 'build:\n  siteSize:\n    warningMiB: 0.01\n    limitMiB: 0.05\n', pages: { 'assets/a.bin': Buffer.alloc(30_000, 1), 'assets/b.bin': Buffer.alloc(30_000, 1) } }));
      return build();
    },
    problem: /the site's files come to 64\.3 KiB, over the limit of 0\.05 MiB per site/,
    advice: /build\.siteSize\.limitMiB/,
  },

  // ── Point 3: errors point at the cause ────────────────────────────────
  {
    name: 'an {% if %} never closed in a partial',
    covers: '3 a template error in a partial (names the partial and line, the page as context)',
    async setup(ws) {
      await ws.write(ws.site({ pages: { 'layouts/partials/footer.njk': '<footer>\n<p>x</p>\n{% if site.title %}\n<p>open</p>\n</footer>\n' } }));
      return build();
    },
    problem: /sites\/fixture\.test\/layouts\/partials\/footer\.njk:3:1: .*while rendering sites\/fixture\.test\/content\/index\.md|while rendering sites\/fixture\.test\/content\/index\.md: sites\/fixture\.test\/layouts\/partials\/footer\.njk:3:1/,
    advice: /never closed with \{% endif %\}/,
  },
  {
    name: 'a misspelt variable in a layout override',
    covers: '3 a template error in a layout',
    async setup(ws) {
      await ws.write(ws.site({ pages: { 'layouts/page.njk': '{% extends "base.njk" %}\n{% block main %}\n<h1>{{ titel }}</h1>\n{% endblock %}\n' } }));
      return build();
    },
    problem: /while rendering sites\/fixture\.test\/content\/index\.md: sites\/fixture\.test\/layouts\/page\.njk:3:5: "titel" is undefined/,
    advice: /Set it in the front matter or site data, or write `titel \| default\("…"\)` if it is optional/,
  },
  {
    name: 'a layout that does not exist',
    covers: '3 errors point at the cause: a page names a missing layout',
    async setup(ws) {
      await ws.write(ws.site({ pages: { 'content/about.md': page('About us', description, 'pgae.njk', 'About.') } }));
      return build();
    },
    problem: /sites\/fixture\.test\/content\/about\.md.*pgae\.njk/,
    advice: /Did you mean "page\.njk"\?/,
  },
  {
    name: '--site 86fro, a misspelt site',
    covers: '3 unknown site (--site 86fro)',
    async setup(ws) {
      await ws.write(ws.site({ domain: '86from.com', shortName: '86from' }));
      return build('--site', '86fro');
    },
    problem: /Unknown site "86fro"/,
    advice: /Did you mean "86from"\?/,
  },
  {
    name: '--env prod for publish',
    covers: '3 unknown environment (--env prod → Did you mean production?)',
    async setup(ws) {
      await ws.write(ws.site());
      return ['publish', '--env', 'prod'];
    },
    problem: /Unknown environment "prod" for fixture\.test/,
    advice: /Did you mean "production"\? Valid environments: development, edge, production, staging/,
  },
  {
    name: '--env stagin for build',
    covers: '3 unknown environment, for the build',
    async setup(ws) {
      await ws.write(ws.site());
      return build('--env', 'stagin');
    },
    problem: /Unknown environment "stagin" for fixture\.test/,
    advice: /Did you mean "staging"\?/,
  },
  {
    name: 'an unknown key in site.yaml (titel)',
    covers: '3 unknown config key in site.yaml (suggests the closest)',
    async setup(ws) {
      await editConfig(ws, /^title:/m, 'titel:');
      return build();
    },
    problem: /sites\/fixture\.test\/site\.yaml:3: titel: unknown key/,
    advice: /Did you mean `title`\?/,
  },
  {
    name: 'an unknown key in an environment (distribution)',
    covers: 'config: unknown key, nested',
    async setup(ws) {
      await ws.write(ws.site({ edge: { distributions: [], extra: `    distribution:\n      - id: ${DISTRIBUTION}\n` } }));
      return publishEdge();
    },
    problem: /sites\/fixture\.test\/site\.yaml:\d+: environments\.edge\.distribution: unknown key/,
    advice: /Did you mean `distributions`\?/,
  },

  // ── Invalid site config values and types ──────────────────────────────
  {
    name: 'publish.maxInvalidationPaths: "thirty" (a string)',
    covers: 'config: wrong type',
    async setup(ws) {
      await ws.write(ws.site({ extraConfig: 'publish:\n  maxInvalidationPaths: thirty\n' }));
      return build();
    },
    problem: /sites\/fixture\.test\/site\.yaml:\d+: publish\.maxInvalidationPaths:/,
    advice: /expected a number \(no quotes\), found "thirty"/,
  },
  {
    name: 'publish.keepDeploys: 1 (too few to roll back)',
    covers: 'config: out of range',
    async setup(ws) {
      await ws.write(ws.site({ extraConfig: 'publish:\n  keepDeploys: 1\n' }));
      return build();
    },
    problem: /sites\/fixture\.test\/site\.yaml.*publish\.keepDeploys/,
    advice: /at least 2/,
  },
  {
    name: 'publish.deleteLimit.fraction: 5',
    covers: 'config: out of range, nested',
    async setup(ws) {
      await ws.write(ws.site({ extraConfig: 'publish:\n  deleteLimit:\n    fraction: 5\n' }));
      return build();
    },
    problem: /sites\/fixture\.test\/site\.yaml.*publish\.deleteLimit\.fraction/,
    advice: /between 0 and 1/,
  },
  {
    name: 'a staging url without its scheme',
    covers: 'config: bad URL',
    async setup(ws) {
      await editConfig(ws, 'url: https://staging.fixture.test', 'url: staging.fixture.test');
      return build();
    },
    problem: /sites\/fixture\.test\/site\.yaml.*environments\.staging\.url/,
    advice: /absolute http:\/\/ or https:\/\/ URL/,
  },
  {
    name: 'a bucket name with capitals and an underscore',
    covers: 'config: bad bucket name',
    async setup(ws) {
      await editConfig(ws, 'bucket: fixture-staging', 'bucket: Fixture_Staging');
      return build();
    },
    problem: /sites\/fixture\.test\/site\.yaml.*environments\.staging\.bucket/,
    advice: /S3 bucket name such as/,
  },
  {
    name: 'a region that is not one',
    covers: 'config: bad value',
    async setup(ws) {
      await ws.write(ws.site({ edge: { extra: '    region: us-east\n' } }));
      return publishEdge();
    },
    problem: /sites\/fixture\.test\/site\.yaml.*environments\.edge\.region/,
    advice: /AWS region such as us-east-1/,
  },
  {
    name: 'an analytics measurement id that is not one',
    covers: 'config: bad value',
    async setup(ws) {
      await editConfig(ws, 'measurementId: G-TEST123456', 'measurementId: UA-1234-5');
      return build();
    },
    problem: /sites\/fixture\.test\/site\.yaml.*analytics\.measurementId/,
    advice: /GA4 measurement ID such as/,
  },
  {
    name: 'nav as a string instead of a list',
    covers: 'config: wrong type',
    async setup(ws) {
      await editConfig(ws, /nav:\n  - title: Home\n    url: \/\n/, 'nav: Home\n');
      return build();
    },
    problem: /sites\/fixture\.test\/site\.yaml:\d+: nav:/,
    advice: /expected a list \(one "- item" line each\), found "Home"/,
  },

  // ── Broken YAML ───────────────────────────────────────────────────────
  {
    name: 'site.yaml with an unclosed quote',
    covers: 'broken YAML: a syntax error names the line',
    async setup(ws) {
      await editConfig(ws, /^title: .*$/m, 'title: "Fixture fixture');
      return build();
    },
    problem: /sites\/fixture\.test\/site\.yaml:3: not valid YAML: the value on this line opens a quote that is never closed/,
    advice: /Close the quote/,
  },
  {
    name: 'site.yaml with a key indented wrongly',
    covers: 'broken YAML: bad indentation names the line',
    async setup(ws) {
      await editConfig(ws, 'language: en-US\n', 'language: en-US\n  region: west\n');
      return build();
    },
    problem: /sites\/fixture\.test\/site\.yaml:6: not valid YAML: this line is indented under "language", which already has a value on line 5/,
    advice: /Indent it like its neighbours/,
  },
  {
    name: 'site.yaml with a key given twice',
    covers: 'broken YAML: a duplicate key',
    async setup(ws) {
      await editConfig(ws, 'language: en-US\n', 'language: en-US\ntitle: Again\n');
      return build();
    },
    problem: /sites\/fixture\.test\/site\.yaml:6: not valid YAML: the key "title" is given twice/,
    advice: /Keep one of them/,
  },

  // ── Broken front matter ───────────────────────────────────────────────
  {
    name: 'front matter with an unclosed quote',
    covers: 'broken front matter: a YAML syntax error',
    async setup(ws) {
      await ws.write(ws.site({ pages: { 'content/about.md': '---\ntitle: "About us\ndescription: x\nlayout: page.njk\n---\nAbout.\n' } }));
      return build();
    },
    problem: /sites\/fixture\.test\/content\/about\.md:2: broken front matter: .*the value on this line opens a quote that is never closed/,
    advice: /Fix the YAML between the "---" lines/,
  },
  {
    name: 'a front-matter key misspelt (descripton)',
    covers: 'broken front matter: an unknown key suggests the closest',
    async setup(ws) {
      await ws.write(ws.site({ pages: { 'content/about.md': `---\ntitle: About us\ndescripton: ${description}\nlayout: page.njk\n---\nAbout.\n` } }));
      return build();
    },
    problem: /sites\/fixture\.test\/content\/about\.md:3: front matter key "descripton" is used by no layout or page/,
    advice: /did you mean "description"\?/,
  },
  {
    name: 'front matter that is not closed',
    covers: 'broken front matter: no closing ---',
    async setup(ws) {
      await ws.write(ws.site({ pages: { 'content/about.md': `---\ntitle: About us\ndescription: ${description}\nlayout: page.njk\nAbout.\n` } }));
      return build();
    },
    problem: /sites\/fixture\.test\/content\/about\.md:1: broken front matter: the "---" on this line opens front matter that is never closed/,
    advice: /Put a line with just "---" after the last key/,
  },

  // ── The booking widget ────────────────────────────────────────────────
  {
    name: 'widgets/booking/widget.js does not parse',
    covers: 'a broken widget script (acorn: file, line, column)',
    async setup(ws) {
      await ws.write({ ...ws.site({ pages: { 'content/book.md': page('Book', description, 'page.njk', '{% bookingWidget %}') } }), 'widgets/booking/widget.js': '(() => {\n  const ok = 1;\n  const broken = {;\n})();\n' });
      return build();
    },
    problem: /widgets\/booking\/widget\.js:3:19: the widget's script does not parse/,
    advice: /3 \|   const broken = \{;\n\s+\| +\^/,
  },
  {
    name: 'a pasted widget block whose bytes no longer hash to its stamp',
    covers: 'a widget whose version-stamp hash does not match',
    async setup(ws) {
      const booking = loadWidgets(path.join(ws.dir, 'widgets'), (absolute) => absolute).get('booking')!;
      const block = injectedBlock(booking, {}, 'someotherbuild').replace('data-state="loading"', 'data-state="ready"');
      await ws.write(ws.site({ pages: { 'content/copied.njk': page('Copied', description, 'page.njk', `{% raw %}\n${block}\n{% endraw %}`) } }));
      return build();
    },
    problem: /copied\/index\.html:\d+:\d+ widget-hash: the booking widget block does not hash to its stamp.*\(from sites\/fixture\.test\/content\/copied\.njk\)/,
    advice: /include it with \{% bookingWidget %\} \(never a copy of a built block\)/,
  },
  {
    name: 'a widget manifest with a bad version',
    covers: 'a broken widget: its manifest',
    async setup(ws) {
      await ws.write({ ...ws.site(), 'widgets/booking/widget.json': JSON.stringify({ name: 'booking', version: 'two', description: 'The booking widget.' }) });
      return build();
    },
    problem: /widgets\/booking\/widget\.json: version:/,
    advice: /such as 1\.2\.0/,
  },

  // ── Checks on the built pages ─────────────────────────────────────────
  {
    name: 'template syntax left in a page ({{ name }} kept raw)',
    covers: 'leaked template syntax ({{ left in the output)',
    async setup(ws) {
      await ws.write(ws.site({ pages: { 'content/leak.md': page('Leak', description, 'page.njk', 'Dear {% raw %}{{ name }}{% endraw %},') } }));
      return build();
    },
    problem: /leak\/index\.html:\d+:\d+.*\{\{.*sites\/fixture\.test\/content\/leak\.md/,
    advice: /a template was not rendered\. To show template code on purpose, write it escaped/,
  },
  {
    name: 'a link to a page that does not exist',
    covers: 'a broken link in a page',
    async setup(ws) {
      await ws.write(ws.site({ pages: { 'content/about.md': page('About us', description, 'page.njk', 'See [the menu](/menu/).') } }));
      return build();
    },
    problem: /about\/index\.html:\d+:\d+ links\/broken: <a href="\/menu\/"> points to \/menu\/.*\(from sites\/fixture\.test\/content\/about\.md\)/,
    advice: /Fix the link, add the page, or declare a redirect/,
  },
  {
    name: 'two pages with the same title',
    covers: 'an SEO rule failure (duplicate title)',
    async setup(ws) {
      await ws.write(
        ws.site({
          pages: {
            'content/about.md': page('Our story', description, 'page.njk', 'About.'),
            'content/story.md': page('Our story', 'Another page with the same title but a description of its own.', 'page.njk', 'Story.'),
          },
        }),
      );
      return build();
    },
    problem: /about\/index\.html:\d+:\d+ seo\/title-unique: title "Our story \| Fixture fixture" is also used by story\/index\.html/,
    advice: /each page needs its own/,
  },
  {
    name: 'a description too short for search results',
    covers: 'an SEO rule failure (description)',
    async setup(ws) {
      await ws.write(ws.site({ pages: { 'content/about.md': page('About us', 'Too short.', 'page.njk', 'About.') } }));
      return build();
    },
    problem: /about\/index\.html:\d+:\d+ seo\/description-length: meta description is 10 characters.*\(from sites\/fixture\.test\/content\/about\.md\)/,
    advice: /it must be 50-160 \(set `description` in the front matter\)/,
  },
  {
    name: 'a page without a description',
    covers: 'an SEO rule failure (missing description)',
    async setup(ws) {
      await ws.write(ws.site({ pages: { 'content/about.md': '---\ntitle: About us\nlayout: page.njk\n---\nAbout.\n' } }));
      return build();
    },
    problem: /sites\/fixture\.test\/content\/about\.md: front matter has a problem:\n\s+description: is required/,
    advice: /is required: 50-160 characters for the meta description/,
  },
  {
    name: 'two pages with the same permalink',
    covers: 'a page whose permalink collides with another',
    async setup(ws) {
      await ws.write(
        ws.site({
          pages: {
            'content/about.md': page('About us', description, 'page.njk', 'About.'),
            'content/about-us.md': page('About the crew', 'Another page that claims the same address as the about page does.', 'page.njk', 'Crew.', 'permalink: /about/\n'),
          },
        }),
      );
      return build();
    },
    problem: /content\/about\.md[\s\S]*content\/about-us\.md|content\/about-us\.md[\s\S]*content\/about\.md/,
    advice: /distinct `permalink`/,
  },
  {
    name: 'an inline script that does not parse',
    covers: 'checks: inline script syntax',
    async setup(ws) {
      await ws.write(ws.site({ pages: { 'content/about.njk': page('About us', description, 'page.njk', '<script>\nvar a = ;\n</script>') } }));
      return build();
    },
    problem: /about\/index\.html:90:9 inline-script-syntax: inline <script> does not parse as ES2020: Unexpected token \(from sites\/fixture\.test\/content\/about\.njk\)/,
    advice: /90 \| var a = ;\n\s+\| +\^[\s\S]*Fix the source page named after each problem/,
  },

  // ── Publishing: the guards ────────────────────────────────────────────
  {
    name: 'a publish that would delete most of the bucket',
    covers: 'a deletion over the delete guard',
    built: true,
    async setup(ws) {
      await ws.write(ws.site());
      const store = ws.store();
      for (let index = 0; index < 20; index++) {
        await store.put({ key: `old/${index}.html`, body: Buffer.from('old'), contentType: 'text/html', cacheControl: 'no-cache', md5: createHash('md5').update('old').digest('hex'), metadata: {} });
      }
      return publishEdge();
    },
    problem: /fixture\.test \(edge\) would delete 20 of its \d+ objects/,
    advice: /--allow-deletes/,
  },
  {
    name: 'a placeholder bucket and distribution',
    covers: 'publishing: resources nobody has named yet',
    async setup(ws) {
      await ws.write(ws.site({ edge: { bucket: 'placeholder-edge', distributions: ['PLACEHOLDER-EDGE'] } }));
      return publishEdge();
    },
    problem: /environments\.edge\.bucket, environments\.edge\.distributions\.0\.id are placeholders/,
    advice: /put the real resource names there first/,
  },
  {
    name: 'production without --yes and no terminal',
    covers: 'publishing: production asks, and CI must say --yes',
    built: true,
    async setup(ws) {
      await stagingAndProduction(ws);
      return ['publish', '--env', 'production', '--skip-staging-check', '--reason', 'the catalogue tests the confirmation'];
    },
    problem: /Publishing to production asks for confirmation, and there is no terminal/,
    advice: /--dry-run, then add --yes/,
  },

  // ── Publishing: credentials ───────────────────────────────────────────
  {
    name: 'no credentials for the profile',
    covers: 'missing credentials',
    setup: (ws) => withProfile(ws, { config: '[profile other]\nregion = us-east-1\n' }),
    problem: /No AWS credentials were found for profile edge/,
    advice: /aws sso login --profile edge|aws configure/,
  },
  {
    name: 'credentials from a credential_process that expired an hour ago',
    covers: 'expired credentials',
    async setup(ws) {
      const script = path.join(ws.home, 'credentials.mjs');
      await writeFile(script, `console.log(JSON.stringify({ Version: 1, AccessKeyId: 'S3RVER', SecretAccessKey: 'S3RVER', SessionToken: 'fake', Expiration: new Date(Date.now() - 3600000).toISOString() }));\n`);
      return withProfile(ws, { config: `[profile edge]\ncredential_process = "${process.execPath}" "${script}"\n` });
    },
    problem: /The AWS credentials of profile edge have expired/,
    advice: /renew them with `.*credential_process.*` and publish again/,
  },
  {
    name: 'keys whose session STS says has ended',
    covers: 'expired credentials (only AWS knows)',
    setup: (ws) => withProfile(ws, { credentials: '[edge]\naws_access_key_id = EXPIREDSESSION\naws_secret_access_key = S3RVER\naws_session_token = ended\n' }),
    problem: /credentials from profile edge .*have expired \(STS answered ExpiredToken\)/,
    advice: /renew them with `put fresh keys under \[edge\]/,
  },
  {
    name: 'keys of another account, which the bucket does not know',
    covers: 'wrong credentials (S3 answers InvalidAccessKeyId)',
    // STS knows the keys (they are someone's), the bucket's account does not. (A case where STS itself refuses
    // revoked keys is left out: moto, which answers STS on main, accepts any key pair.)
    setup: (ws) => withProfile(ws, { credentials: '[edge]\naws_access_key_id = OTHERACCOUNTKEY\naws_secret_access_key = S3RVER\n' }),
    problem: (ws) => new RegExp(`Could not reach s3://${ws.bucket} at .*: access was denied \\(HTTP 403\\): the bucket belongs to another account than these credentials`),
    advice: /Check that the environment's profile is of the account that owns the bucket/,
  },
  {
    name: 'credentials of another account than deployed.yaml records',
    covers: 'wrong credentials (wrong account)',
    async setup(ws) {
      const deployed = [
        'environments:',
        '  edge:',
        '    stack: Fixture-edge',
        '    account: "999999999999"',
        '    region: us-east-1',
        `    bucket: ${ws.bucket}`,
        '    distributions:',
        `      - id: ${DISTRIBUTION}`,
        '        domainName: d111111abcdef8.cloudfront.net',
        '    publishRoleArn: arn:aws:iam::999999999999:role/fixture-edge-publisher',
        '    deployedAt: 2026-12-01T10:00:00.000Z',
        '',
      ].join('\n');
      await ws.write({ [`${SITE}/deployed.yaml`]: deployed });
      return withProfile(ws, { credentials: '[edge]\naws_access_key_id = S3RVER\naws_secret_access_key = S3RVER\n' });
    },
    problem: /credentials from profile edge \(access keys\) are of account 123456789012 .* but sites\/fixture\.test\/deployed\.yaml records fixture\.test → edge in account 999999999999/,
    advice: /Publish with credentials of account 999999999999/,
  },

  // ── Publishing: resources that do not exist ───────────────────────────
  {
    name: 'a bucket that does not exist',
    covers: 'a bucket that does not exist',
    async setup(ws) {
      await ws.write(ws.site({ edge: { bucket: 'no-such-bucket-here' } }));
      return publishEdge();
    },
    problem: /s3:\/\/no-such-bucket-here.*does not exist/,
    advice: /Create it, or fix the bucket name in the site config/,
  },
  {
    name: 'a distribution that does not exist',
    covers: 'a distribution that does not exist',
    async setup(ws) {
      await ws.write(ws.site({ edge: { distributions: ['E9UNKNOWNDIST'] } }));
      return publishEdge();
    },
    problem: /CloudFront distribution E9UNKNOWNDIST does not exist/,
    advice: /Fix the distribution id in the site config/,
  },

  // ── Publishing: staging gate and rollback ─────────────────────────────
  {
    name: 'production while staging has no deploy',
    covers: 'a production publish with no matching staging deploy',
    built: true,
    async setup(ws) {
      await stagingAndProduction(ws);
      return ['publish', '--env', 'production', '--yes'];
    },
    problem: (ws) => new RegExp(`fixture\\.test cannot be published to production: staging \\(s3://${ws.stagingBucket}/\\) has no deploy record`),
    advice: /Publish this commit to staging first \(npm run publish -- --env staging --site fixture\)/,
  },
  {
    name: 'a rollback where nothing was ever published',
    covers: 'a rollback with nothing to roll back to',
    async setup(ws) {
      await ws.write(ws.site());
      return publishEdge('--rollback');
    },
    problem: (ws) => new RegExp(`cannot be rolled back: s3://${ws.bucket}/ has no deploy record`),
    advice: /check --env, and the environment's bucket and prefix in sites\/fixture\.test\/site\.yaml/,
  },
  {
    name: 'a rollback after a single deploy',
    covers: 'a rollback with nothing to roll back to (one deploy)',
    async setup(ws) {
      // No distribution: the publishes that set the stage must not invalidate while another case is judged.
      await ws.write(ws.site({ edge: { distributions: [] } }));
      await ws.publishNow();
      return publishEdge('--rollback');
    },
    problem: /has one deploy record \(build [0-9a-f]+, the one it serves\)/,
    advice: /no earlier deploy to restore; to change what it serves, publish a fixed build instead \(npm run publish -- --env edge --site fixture\)/,
  },
  {
    name: 'a rollback --to a build that was never deployed',
    covers: '--to an unknown deploy',
    async setup(ws) {
      // No distribution: the publishes that set the stage must not invalidate while another case is judged.
      await ws.write(ws.site({ edge: { distributions: [] } }));
      await ws.publishNow();
      await ws.write({ [`${SITE}/content/about.md`]: about });
      await ws.publishNow();
      return publishEdge('--rollback', '--to', 'deadbeef');
    },
    problem: /no earlier deploy of build deadbeef is recorded in s3:\/\/catalogue-\d+\/ \(earlier builds kept: [0-9a-f]{16}\)/,
    advice: /pass one of those to --to, or leave --to out to restore the previous build/,
  },

  // ── The command line itself ───────────────────────────────────────────
  {
    name: 'an unknown option (--sitee)',
    covers: 'bad CLI flags: unknown option',
    async setup(ws) {
      await ws.write(ws.site());
      return build('--sitee', 'fixture');
    },
    problem: /unknown option '--sitee'/,
    advice: /Did you mean --site\?\)\n\(add --help to see the options\)/,
  },
  {
    name: '--env with no value',
    covers: 'bad CLI flags: missing value',
    async setup(ws) {
      await ws.write(ws.site());
      return ['publish', '--env'];
    },
    problem: /option '--env <name>' argument missing/,
    advice: /\(add --help to see the options\)/,
  },
  {
    name: 'publish without --env',
    covers: 'bad CLI flags: a required option missing',
    async setup(ws) {
      await ws.write(ws.site());
      return ['publish'];
    },
    problem: /required option '--env <name>' not specified/,
    advice: /\(add --help to see the options\)/,
  },
  {
    name: '--to without --rollback',
    covers: 'bad CLI flags: conflicting options',
    async setup(ws) {
      await ws.write(ws.site());
      return publishEdge('--to', 'abc123');
    },
    problem: /--to goes with --rollback/,
    advice: /--rollback/,
  },
  {
    name: '--rollback with --skip-staging-check',
    covers: 'bad CLI flags: conflicting options',
    async setup(ws) {
      await ws.write(ws.site());
      return ['publish', '--env', 'production', '--rollback', '--skip-staging-check', '--reason', 'x'];
    },
    problem: /--rollback restores what the environment already served/,
    advice: /drop --skip-staging-check/,
  },
  {
    name: 'an unknown command (publsh)',
    covers: 'bad CLI flags: unknown command',
    async setup(ws) {
      await ws.write(ws.site());
      return ['publsh', '--env', 'edge'];
    },
    problem: /unknown command 'publsh'/,
    advice: /Did you mean publish\?/,
  },
  {
    name: 'new:page with a slug that is not one',
    covers: 'new:page: a bad slug, with a suggestion',
    async setup(ws) {
      await ws.write(ws.site());
      return ['new:page', '--site', 'fixture', '--slug', 'Our Menu', '--title', 'Our menu', '--description', description];
    },
    problem: /--slug: "Our Menu" is not a slug/,
    advice: /Try --slug our-menu/,
  },
  {
    name: 'new:page over an existing page',
    covers: 'new:page: refuses to overwrite',
    async setup(ws) {
      await ws.write(ws.site({ pages: { 'content/about.md': about } }));
      return ['new:page', '--site', 'fixture', '--slug', 'about', '--title', 'About again', '--description', description];
    },
    problem: /--slug: sites\/fixture\.test\/content\/about\.md already exists/,
    advice: /Edit that file, or choose another slug/,
  },
  {
    name: 'status --env prod',
    covers: 'status: unknown environment',
    async setup(ws) {
      await ws.write(ws.site());
      return ['status', '--env', 'prod'];
    },
    problem: /Unknown environment "prod" for fixture\.test/,
    advice: /Did you mean "production"\?/,
  },
  ...(fileNameRule ? fileNameCases : []),
];
