/**
 * A page that asks visitors to contact the site ("contact us", "call us", or
 * an unfilled contact fact's fallback wording) needs a filled contact fact:
 * the rule as a table, the build's warning, and production publishing
 * refusing it (staging publishes, with the warning) against s3rver.
 */
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { contactProblem, contactRequests, filledContact } from '../../scripts/build/contact.ts';
import type { Facts } from '../../scripts/build/facts.ts';
import { workspaceAt } from '../../scripts/config/sites.ts';
import { ConfigError } from '../../scripts/errors.ts';
import { publishSites, type PublishOptions } from '../../scripts/publish/publish.ts';
import { rejects } from '../helpers/assert.ts';
import { copySharedParts, tempDir, type TempDir } from '../helpers/fixture.ts';
import { commitAll, onTestServers, startPublishServers, type PublishServers } from '../helpers/publish-servers.ts';
import { fixtureSite, page } from '../helpers/sites.ts';

const rule = suite('contact facts, the rule');

const fact = (value: string | null, unknown = 'a number we will publish here') => ({ label: 'x', value, unknown });

rule('phrases that ask visitors to get in touch are found, as their sentence; others are not', () => {
  assert.equal(contactRequests('<p>Welcome. Questions? Contact us any time.</p><p>Or call us.</p>'), ['Questions? Contact us any time.', 'Or call us.']);
  assert.equal(contactRequests('<p>If the form fails, e-mail us or reach us by phone.</p>'), ['If the form fails, e-mail us or reach us by phone.']);
  assert.equal(contactRequests('<p>The captain will get in touch to plan the details. We contact you before you leave home.</p>'), []);
  assert.equal(contactRequests('<script>const s = "contact us";</script><template><p>Call us</p></template><p>Nothing here.</p>'), []);
  assert.equal(contactRequests('<p>Corrections go to\nan address we will publish.</p>', ['an address we will publish']), ['Corrections go to an address we will publish.']);
});

rule('the filled contact facts; a problem only when pages ask and none is filled, naming the file and the keys', () => {
  const unfilled: Facts = { contactEmail: fact(null, 'an e-mail address we will publish'), phone: fact(null) };
  assert.equal(filledContact(unfilled), {});
  assert.equal(filledContact({ ...unfilled, phone: fact('+1 619 555 0100') }), { phone: '+1 619 555 0100' });
  const asks = [{ page: 'book/index.html', text: 'Or call us.' }];
  assert.is(contactProblem('x.test', 'sites/x.test/facts.yaml', unfilled, []), undefined);
  assert.is(contactProblem('x.test', 'sites/x.test/facts.yaml', { ...unfilled, contactEmail: fact('hi@x.test') }, asks), undefined);
  assert.is(
    contactProblem('x.test', 'sites/x.test/facts.yaml', unfilled, asks),
    'x.test: its pages ask visitors to contact it, but no contact fact (an e-mail address or a phone number) is filled; fill the value of contactEmail or phone in sites/x.test/facts.yaml.\n  book/index.html: "Or call us."',
  );
  assert.match(contactProblem('x.test', 'sites/x.test/facts.yaml', {}, asks)!, 'add contactEmail or phone (with a value) to sites/x.test/facts.yaml.');
});

rule.run();

let servers: PublishServers;

interface Ctx {
  tmp: TempDir;
  staging: string;
  production: string;
  warnings: string[];
}
const test = suite<Ctx>('contact facts, publishing against s3rver');

test.before(async () => {
  servers = await startPublishServers({ distributions: [] });
});
test.after(async () => {
  await servers.stop();
});
test.before.each(async (ctx) => {
  ctx.tmp = await tempDir('publish-contact-');
  ctx.warnings = [];
  ({ staging: ctx.staging, production: ctx.production } = await servers.bucketPair('contact'));
  await copySharedParts(ctx.tmp.dir);
  const tree = fixtureSite({
    pages: {
      'content/about.md': page('About us', 'Who we are and why this fixture site exists at all, in brief.', 'page.njk', 'We sail most days.\n\nQuestions? Call us on {% fact "phone" %}.'),
      'facts.yaml': 'phone:\n  label: Phone number for questions\n  value: null\n  unknown: a number we will publish here\n',
    },
  });
  tree['sites/fixture.test/site.yaml'] = onTestServers(tree['sites/fixture.test/site.yaml'] as string, { endpoint: servers.s3.endpoint, staging: ctx.staging, production: ctx.production });
  await ctx.tmp.write(tree);
  await commitAll(ctx.tmp.dir, 'first');
  servers.clear();
});
test.after.each(async (ctx) => {
  await ctx.tmp.cleanup();
});

function publish(ctx: Ctx, envName: string, options: Partial<PublishOptions> = {}) {
  return publishSites({
    workspace: workspaceAt(ctx.tmp.dir),
    envName,
    sites: [],
    logger: { info() {}, warn: (message) => void ctx.warnings.push(message) },
    connect: servers.connect(),
    skipStagingCheck: envName === 'production' ? { reason: 'the contact test is not about the staging gate' } : undefined,
    ...options,
  });
}

const writes = (bucket: string) => servers.s3.log.requests.filter((request) => request.bucket === bucket && request.method !== 'GET' && request.method !== 'HEAD');
const PROBLEM =
  'fixture.test: its pages ask visitors to contact it, but no contact fact (an e-mail address or a phone number) is filled; fill the value of phone in sites/fixture.test/facts.yaml.\n  about/index.html: "Questions? Call us on a number we will publish here."';

test('production refuses a page that asks visitors to call while the phone fact is unfilled, before the lock or any write', async (ctx) => {
  const error = await rejects(() => publish(ctx, 'production'), ConfigError);
  assert.is(error.message, `Nothing was published to production:\n${PROBLEM}`);
  assert.equal(writes(ctx.production), []);
  assert.ok(ctx.warnings.some((warning) => warning.startsWith(PROBLEM)), 'the build warned first');
});

test('staging publishes the same tree, with the warning', async (ctx) => {
  const outcome = await publish(ctx, 'staging');
  assert.ok(outcome.sites[0]!.report, 'published');
  assert.ok(writes(ctx.staging).length > 0);
  assert.equal(ctx.warnings.filter((warning) => warning.includes('ask visitors to contact')), [`${PROBLEM}\n  (a warning here; npm run publish -- --env production refuses it)`]);
});

test('with the phone filled, production publishes and the page shows the number', async (ctx) => {
  await ctx.tmp.write({ 'sites/fixture.test/facts.yaml': 'phone:\n  label: Phone number for questions\n  value: "+1 619 555 0100"\n  unknown: a number we will publish here\n' });
  await commitAll(ctx.tmp.dir, 'phone');
  const outcome = await publish(ctx, 'production');
  assert.ok(outcome.sites[0]!.report, 'published');
  assert.equal(ctx.warnings.filter((warning) => warning.includes('ask visitors to contact')), []);
  const about = await servers.s3.store(ctx.production).get('about/index.html');
  assert.match(String(about), 'Call us on +1 619 555 0100.');
  assert.ok(path.isAbsolute(ctx.tmp.dir));
});

test.run();
