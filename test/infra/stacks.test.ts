/**
 * The synthesized CloudFormation, checked with aws-cdk-lib/assertions for
 * the three real sites and for a generated fourth site (a Route 53 zone, a
 * prefixed staging bucket, a www. canonical host, a redirect), with no AWS
 * account and no network: what the issue asks of each environment's
 * resources, read off the templates CloudFormation would get.
 */
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { loadAllSites, workspaceAt, type SiteConfig } from '../../scripts/config/sites.ts';
import { edgeConfigFor, edgeFunctionCode } from '../../scripts/edge/edge-function.ts';
import { PUBLISHER_CALLS } from '../../scripts/publish/aws-calls.ts';
import { buildInfraApp, loadInfraInputs, type InfraInputs } from '../../infra/app.ts';
import { cacheTtls } from '../../infra/cache-ttls.ts';
import { acceptedFindings } from '../../infra/nag.ts';
import { securityHeaders } from '../../infra/security-headers.ts';
import { OUTPUTS, type SiteStack } from '../../infra/site-stack.ts';
import { synthesize, type Synthesis } from '../../infra/synthesize.ts';
import { repoRoot, tempDir, type TempDir } from '../helpers/fixture.ts';
import { fixtureSite, siteConfigYaml } from '../helpers/sites.ts';

const test = suite('infra stacks, synthesized offline');

const REAL_SITES = ['86from.com', 'sailjada.com', 'queenofsandiego.com'];
const FOURTH = 'fourth.example';
const ZONE_ID = 'Z0FOURTHZONE123';

let tmp: TempDir;
let real: InfraInputs;
let withFourth: InfraInputs;
let realSynth: Synthesis;
let fourthSynth: Synthesis;

/** The fourth site: its own hosted zone, www. as the canonical host, staging under a prefix in a named bucket, and a redirect. */
function fourthSiteYaml(): string {
  return siteConfigYaml(FOURTH, 'fourth', `dns:\n  hostedZoneId: ${ZONE_ID}\n  zoneName: ${FOURTH}\nredirects:\n  - from: /old-page/\n    to: /\n`)
    .replace('  staging:\n    url: https://staging.fourth.example\n    bucket: fixture-staging\n', '  staging:\n    url: https://staging.fourth.example\n    bucket: fourth-shared-staging\n    prefix: site/\n')
    .replace('  production:\n    url: https://fourth.example\n', '  production:\n    url: https://www.fourth.example\n');
}

test.before(async () => {
  tmp = await tempDir('infra-stacks-');
  real = await loadInfraInputs(workspaceAt(repoRoot));
  // The real sites' site.yaml files plus a fourth folder: nothing in infra/ changes.
  const root = path.join(tmp.dir, 'workspace');
  for (const domain of REAL_SITES) {
    await mkdir(path.join(root, 'sites', domain), { recursive: true });
    await cp(path.join(repoRoot, 'sites', domain, 'site.yaml'), path.join(root, 'sites', domain, 'site.yaml'));
  }
  const tree = fixtureSite({ domain: FOURTH, shortName: 'fourth' });
  tree[`sites/${FOURTH}/site.yaml`] = fourthSiteYaml();
  await tmp.write(Object.fromEntries(Object.entries(tree).map(([file, contents]) => [`workspace/${file}`, contents])));
  withFourth = { ...real, sites: await loadAllSites(workspaceAt(root)) };
  realSynth = synthesize({ ...real, outdir: path.join(tmp.dir, 'real.out') });
  fourthSynth = synthesize({ ...withFourth, outdir: path.join(tmp.dir, 'fourth.out') });
});
test.after(async () => {
  await tmp.cleanup();
});

function templateOf(synthesis: Synthesis, stackName: string): Template {
  const stack = synthesis.stacks.find((candidate) => candidate.name === stackName);
  if (!stack) throw new Error(`no stack ${stackName} among ${synthesis.stacks.map((s) => s.name).join(', ')}`);
  return Template.fromJSON(stack.template as Record<string, unknown>);
}

function siteNamed(inputs: InfraInputs, domain: string): SiteConfig {
  const site = inputs.sites.find((candidate) => candidate.domain === domain);
  if (!site) throw new Error(`no site ${domain}`);
  return site;
}

/** The one resource of a type, as [logicalId, resource]. */
function only(template: Template, type: string): [string, { Properties: Record<string, any>; DeletionPolicy?: string }] {
  const found = Object.entries(template.findResources(type));
  assert.is(found.length, 1, `one ${type}`);
  return found[0] as [string, { Properties: Record<string, any> }];
}

const environments = ['staging', 'production'];
const cases = REAL_SITES.flatMap((domain) => environments.map((envName) => ({ domain, envName })));

test('one stack per site and non-local environment, plus the OIDC provider; adding a site folder adds its two stacks', () => {
  const names = (synthesis: Synthesis) => synthesis.stacks.map((stack) => stack.name).sort();
  const expected = ['Sites-GitHubOidc', ...['86from', 'sailjada', 'queenofsandiego'].flatMap((short) => [`Sites-${short}-production`, `Sites-${short}-staging`])].sort();
  assert.equal(names(realSynth), expected);
  assert.equal(names(fourthSynth), [...expected, 'Sites-fourth-production', 'Sites-fourth-staging'].sort());
});

test('synthesis needs no account, no region lookup and no context: the assembly asks for nothing', async () => {
  const { readFile } = await import('node:fs/promises');
  const manifest = JSON.parse(await readFile(path.join(realSynth.assemblyDir, 'manifest.json'), 'utf8')) as { missing?: unknown[] };
  assert.equal(manifest.missing ?? [], []);
  for (const stack of realSynth.stacks) assert.not.match(JSON.stringify(stack.template), /\b\d{12}\b/, `${stack.name} names no account`);
});

test('each environment is the same twelve resources (no Route 53 zone configured)', () => {
  for (const { domain, envName } of cases) {
    const stack = realSynth.stacks.find((candidate) => candidate.name === `Sites-${siteNamed(real, domain).shortName}-${envName}`)!;
    assert.equal(
      stack.resourceTypes,
      {
        'AWS::S3::Bucket': 2,
        'AWS::S3::BucketPolicy': 2,
        'AWS::CloudFront::Function': 1,
        'AWS::CloudFront::CachePolicy': 1,
        'AWS::CloudFront::ResponseHeadersPolicy': 1,
        'AWS::CloudFront::OriginAccessControl': 1,
        'AWS::CloudFront::Distribution': 1,
        'AWS::CertificateManager::Certificate': 1,
        'AWS::IAM::Role': 1,
        'AWS::IAM::Policy': 1,
      },
      `${domain} ${envName}`,
    );
  }
});

test('the site bucket is private, encrypted, owner-enforced, versioned, kept on delete, and only reachable over TLS', () => {
  for (const { domain, envName } of cases) {
    const template = templateOf(realSynth, `Sites-${siteNamed(real, domain).shortName}-${envName}`);
    const buckets = template.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: { Status: 'Enabled' } } });
    const [siteId, bucket] = Object.entries(buckets)[0] as [string, { Properties: Record<string, any>; DeletionPolicy: string }];
    assert.ok(siteId, `${domain} ${envName}: a versioned site bucket`);
    assert.equal(bucket.Properties['PublicAccessBlockConfiguration'], { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    assert.equal(bucket.Properties['BucketEncryption'], { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] });
    assert.equal(bucket.Properties['OwnershipControls'], { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    assert.is(bucket.Properties['WebsiteConfiguration'], undefined, 'no public website endpoint');
    assert.is(bucket.DeletionPolicy, 'Retain');
    assert.ok(bucket.Properties['LoggingConfiguration'], 'access logs');
    // Every bucket of the stack, the logs one too, is kept and refuses plain HTTP.
    for (const [, resource] of Object.entries(template.findResources('AWS::S3::Bucket'))) assert.is(resource['DeletionPolicy'], 'Retain');
    const policies = template.findResources('AWS::S3::BucketPolicy', { Properties: { Bucket: { Ref: siteId } } });
    const statements = (Object.values(policies)[0] as { Properties: { PolicyDocument: { Statement: any[] } } }).Properties.PolicyDocument.Statement;
    assert.ok(
      statements.some((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false' && s.Principal?.AWS === '*'),
      `${domain} ${envName}: TLS-only`,
    );
    const publishRecords = statements.find((s) => s.Sid === 'NeverServePublishRecords');
    assert.equal(publishRecords.Effect, 'Deny');
    assert.equal(publishRecords.Principal, { Service: 'cloudfront.amazonaws.com' });
    assert.equal(publishRecords.Action, 's3:GetObject');
    assert.equal(publishRecords.Resource, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [siteId, 'Arn'] }, '/.publish/*']] });
    // The distribution's only way in: OAC, scoped to this distribution.
    const oac = statements.find((s) => s.Effect === 'Allow' && s.Principal?.Service === 'cloudfront.amazonaws.com');
    assert.equal(oac.Action, 's3:GetObject');
    assert.ok(JSON.stringify(oac.Condition).includes('AWS:SourceArn'), 'OAC grant names the distribution');
  }
});

test('the distribution: OAC origin, HTTP/2 and 3, TLS 1.2+, compression, the 404 page, www. aliases, the viewer-request function', () => {
  for (const { domain, envName } of cases) {
    const site = siteNamed(real, domain);
    const template = templateOf(realSynth, `Sites-${site.shortName}-${envName}`);
    const [, distribution] = only(template, 'AWS::CloudFront::Distribution');
    const config = distribution.Properties['DistributionConfig'];
    const host = new URL(site.declaredEnvironments[envName]!.url).hostname;
    assert.equal(config.Aliases, envName === 'production' ? [domain, `www.${domain}`] : [host]);
    assert.is(config.HttpVersion, 'http2and3');
    assert.is(config.IPV6Enabled, true);
    assert.is(config.ViewerCertificate.MinimumProtocolVersion, 'TLSv1.2_2021');
    assert.is(config.ViewerCertificate.SslSupportMethod, 'sni-only');
    const [originOac] = only(template, 'AWS::CloudFront::OriginAccessControl');
    assert.is(config.Origins.length, 1);
    assert.equal(config.Origins[0].OriginAccessControlId, { 'Fn::GetAtt': [originOac, 'Id'] });
    assert.equal(config.Origins[0].S3OriginConfig, { OriginAccessIdentity: '' });
    assert.match(JSON.stringify(config.Origins[0].DomainName), /RegionalDomainName/, 'the REST endpoint, not a website endpoint');
    const behavior = config.DefaultCacheBehavior;
    assert.is(behavior.Compress, true);
    assert.is(behavior.ViewerProtocolPolicy, 'redirect-to-https');
    assert.equal(behavior.AllowedMethods, ['GET', 'HEAD']);
    const [functionId, fn] = only(template, 'AWS::CloudFront::Function');
    assert.equal(behavior.FunctionAssociations, [{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [functionId, 'FunctionARN'] } }]);
    assert.is(fn.Properties['FunctionConfig'].Runtime, 'cloudfront-js-2.0');
    assert.is(fn.Properties['AutoPublish'], true);
    assert.is(fn.Properties['FunctionCode'], edgeFunctionCode(edgeConfigFor(site, envName)), 'the tested function, byte for byte');
    assert.equal(
      config.CustomErrorResponses,
      [403, 404].map((ErrorCode) => ({ ErrorCode, ErrorCachingMinTTL: 60, ResponseCode: 404, ResponsePagePath: '/404.html' })),
    );
    assert.ok(config.Logging, 'standard logs');
  }
});

test("cache policy TTLs follow the publisher's Cache-Control split: HTML revalidated, fingerprinted assets kept a year", () => {
  for (const { domain, envName } of cases) {
    const site = siteNamed(real, domain);
    const template = templateOf(realSynth, `Sites-${site.shortName}-${envName}`);
    const [, policy] = only(template, 'AWS::CloudFront::CachePolicy');
    const config = policy.Properties['CachePolicyConfig'];
    const ttls = cacheTtls(site.publish.cacheControl);
    assert.equal([config.MinTTL, config.DefaultTTL, config.MaxTTL], [ttls.min, ttls.default, ttls.max]);
    assert.equal([ttls.min, ttls.max], [0, 31_536_000], 'the defaults: max-age=0 for HTML, a year for fingerprinted files');
    const origin = config.ParametersInCacheKeyAndForwardedToOrigin;
    assert.equal([origin.EnableAcceptEncodingGzip, origin.EnableAcceptEncodingBrotli], [true, true]);
    assert.equal([origin.QueryStringsConfig.QueryStringBehavior, origin.CookiesConfig.CookieBehavior, origin.HeadersConfig.HeaderBehavior], ['none', 'none', 'none']);
  }
});

test('a site that changes its Cache-Control gets matching TTLs without an infra change', () => {
  const site = siteNamed(real, '86from.com');
  const changed = { ...site, publish: { ...site.publish, cacheControl: { html: 'public, max-age=60', fingerprinted: 'public, max-age=604800, immutable', other: 'public, max-age=600' } } };
  const built = buildInfraApp({ ...real, sites: [changed], envName: 'staging', outdir: path.join(tmp.dir, 'changed.out') });
  const config = Template.fromStack(built.stacks[0]!).findResources('AWS::CloudFront::CachePolicy');
  const ttl = (Object.values(config)[0] as any).Properties.CachePolicyConfig;
  assert.equal([ttl.MinTTL, ttl.DefaultTTL, ttl.MaxTTL], [60, 600, 604800]);
});

test('the response headers: HSTS, nosniff, Referrer-Policy, frame denial and the Content-Security-Policy the pages are tested against', () => {
  for (const { domain, envName } of cases) {
    const site = siteNamed(real, domain);
    const template = templateOf(realSynth, `Sites-${site.shortName}-${envName}`);
    const [, policy] = only(template, 'AWS::CloudFront::ResponseHeadersPolicy');
    const security = policy.Properties['ResponseHeadersPolicyConfig'].SecurityHeadersConfig;
    const expected = securityHeaders(site, envName);
    assert.is(security.ContentSecurityPolicy.ContentSecurityPolicy, expected.contentSecurityPolicy);
    assert.equal(security.StrictTransportSecurity, { AccessControlMaxAgeSec: 63_072_000, IncludeSubdomains: true, Override: true, Preload: false });
    assert.equal(security.ContentTypeOptions, { Override: true });
    assert.equal(security.ReferrerPolicy, { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true });
    assert.equal(security.FrameOptions, { FrameOption: 'DENY', Override: true });
    const analytics = expected.contentSecurityPolicy.includes('googletagmanager');
    assert.is(analytics, envName === 'production', `${domain} ${envName}: only production pages carry the analytics tag`);
    const [, distribution] = only(template, 'AWS::CloudFront::Distribution');
    assert.ok(distribution.Properties['DistributionConfig'].DefaultCacheBehavior.ResponseHeadersPolicyId, 'attached');
  }
});

test('without a hosted zone: a DNS-validated certificate in us-east-1, and the records to create as an output', () => {
  for (const { domain, envName } of cases) {
    const site = siteNamed(real, domain);
    const template = templateOf(realSynth, `Sites-${site.shortName}-${envName}`);
    const host = new URL(site.declaredEnvironments[envName]!.url).hostname;
    template.hasResourceProperties('AWS::CertificateManager::Certificate', {
      DomainName: host,
      ValidationMethod: 'DNS',
      SubjectAlternativeNames: envName === 'production' ? [`www.${domain}`] : Match.absent(),
      DomainValidationOptions: Match.absent(),
    });
    template.resourceCountIs('AWS::Route53::RecordSet', 0);
    const records = template.findOutputs(OUTPUTS.dnsRecords);
    const value = JSON.stringify(Object.values(records)[0]);
    assert.ok(value.includes(`${host} ${envName === 'production' ? 'ALIAS' : 'CNAME'}`), `${domain} ${envName}: ${value}`);
    if (envName === 'production') assert.ok(value.includes(`www.${domain} CNAME`));
  }
  const stack = realSynth.stacks.find((candidate) => candidate.name === 'Sites-86from-production')!;
  assert.ok(stack, 'stacks live in us-east-1 (CloudFront takes certificates only from there)');
});

test('the publishing role: trusted only by GitHub OIDC tokens of this repository in the same-named environment, allowed exactly aws-calls.ts', () => {
  for (const { domain, envName } of cases) {
    const site = siteNamed(real, domain);
    const template = templateOf(realSynth, `Sites-${site.shortName}-${envName}`);
    const [roleId, role] = only(template, 'AWS::IAM::Role');
    assert.is(role.Properties['RoleName'], `sites-publish-${site.shortName}-${envName}`);
    assert.is(role.Properties['MaxSessionDuration'], 3600);
    assert.equal(role.Properties['AssumeRolePolicyDocument'].Statement, [
      {
        Action: 'sts:AssumeRoleWithWebIdentity',
        Effect: 'Allow',
        Principal: { Federated: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':oidc-provider/token.actions.githubusercontent.com']] } },
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': `repo:${real.infra.github.repository}:environment:${envName}`,
          },
        },
      },
    ]);
    assert.is(role.Properties['ManagedPolicyArns'], undefined, 'no managed policies');
    const [, policy] = only(template, 'AWS::IAM::Policy');
    assert.equal(policy.Properties['Roles'], [{ Ref: roleId }]);
    const statements = policy.Properties['PolicyDocument'].Statement as Array<{ Sid: string; Action: string | string[]; Resource: unknown }>;
    const allActions = new Set<string>(Object.values(PUBLISHER_CALLS).flatMap((call) => call.actions));
    for (const statement of statements) for (const action of [statement.Action].flat()) assert.ok(allActions.has(action), `${action} is a call the publisher makes`);
    const text = JSON.stringify(statements);
    assert.not.ok(/"\*"|"s3:\*"|"cloudfront:\*"/.test(text), 'no wildcard action or resource');
    const [bucketId] = Object.keys(template.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: { Status: 'Enabled' } } }));
    const [distributionId] = only(template, 'AWS::CloudFront::Distribution');
    assert.ok(text.includes(`{"Ref":"${bucketId}"}`) || text.includes(`"Fn::GetAtt":["${bucketId}","Arn"]`), 'the stack’s own bucket');
    assert.ok(text.includes(`distribution/","${JSON.stringify({ Ref: distributionId }).slice(1, -1)}`) || text.includes(distributionId), 'the stack’s own distribution');
    const sids = statements.map((statement) => statement.Sid);
    assert.equal(sids.includes('ReachStagingForTheGate'), envName === 'production', 'only production reads staging, for the gate');
  }
});

test("outputs carry what the publisher reads: bucket, distribution, origin path and role ARN", () => {
  for (const { domain, envName } of cases) {
    const template = templateOf(realSynth, `Sites-${siteNamed(real, domain).shortName}-${envName}`);
    for (const key of [OUTPUTS.bucket, OUTPUTS.distributionId, OUTPUTS.distributionDomain, OUTPUTS.originPath, OUTPUTS.publishRole]) {
      assert.is(Object.keys(template.findOutputs(key)).length, 1, `${domain} ${envName}: ${key}`);
    }
    template.hasOutput(OUTPUTS.originPath, { Value: '(none)' });
    const [roleId] = only(template, 'AWS::IAM::Role');
    template.hasOutput(OUTPUTS.publishRole, { Value: { 'Fn::GetAtt': [roleId, 'Arn'] } });
  }
});

test('the GitHub OIDC provider is its own stack, a plain CloudFormation resource that every site stack depends on', () => {
  const template = templateOf(realSynth, 'Sites-GitHubOidc');
  template.resourceCountIs('AWS::IAM::OIDCProvider', 1);
  template.hasResourceProperties('AWS::IAM::OIDCProvider', { Url: 'https://token.actions.githubusercontent.com', ClientIdList: ['sts.amazonaws.com'] });
  template.resourceCountIs('AWS::Lambda::Function', 0);
  const built = buildInfraApp({ ...real, outdir: path.join(tmp.dir, 'oidc.out') });
  for (const stack of built.stacks) assert.ok(stack.dependencies.some((dependency) => dependency.stackName === 'Sites-GitHubOidc'), stack.stackName);
  const existing = buildInfraApp({ ...real, infra: { ...real.infra, github: { ...real.infra.github, oidcProvider: 'existing' } }, outdir: path.join(tmp.dir, 'existing.out') });
  assert.is(existing.oidc, undefined, '"existing" makes none');
});

test('the fourth site: a hosted zone gets validation and alias records; www. canonical; staging under its prefix in its named bucket; its redirect in the function', () => {
  const site = siteNamed(withFourth, FOURTH);
  const production = templateOf(fourthSynth, 'Sites-fourth-production');
  production.hasResourceProperties('AWS::CertificateManager::Certificate', {
    DomainName: `www.${FOURTH}`,
    SubjectAlternativeNames: [FOURTH],
    ValidationMethod: 'DNS',
    DomainValidationOptions: [
      { DomainName: `www.${FOURTH}`, HostedZoneId: ZONE_ID },
      { DomainName: FOURTH, HostedZoneId: ZONE_ID },
    ],
  });
  const [distributionId] = only(production, 'AWS::CloudFront::Distribution');
  const records = Object.values(production.findResources('AWS::Route53::RecordSet')) as Array<{ Properties: Record<string, any> }>;
  assert.equal(records.map((record) => `${record.Properties['Name']} ${record.Properties['Type']}`).sort(), [`${FOURTH}. A`, `${FOURTH}. AAAA`, `www.${FOURTH}. A`, `www.${FOURTH}. AAAA`]);
  for (const record of records) {
    assert.is(record.Properties['HostedZoneId'], ZONE_ID);
    assert.equal(record.Properties['AliasTarget'].DNSName, { 'Fn::GetAtt': [distributionId, 'DomainName'] });
  }
  assert.equal(Object.keys(production.findOutputs(OUTPUTS.dnsRecords)), [], 'nothing left for the owner to create');
  const [, fn] = only(production, 'AWS::CloudFront::Function');
  assert.ok(String(fn.Properties['FunctionCode']).includes('/old-page/'), 'the redirect is in the function');
  assert.is(fn.Properties['FunctionCode'], edgeFunctionCode(edgeConfigFor(site, 'production')));

  const staging = templateOf(fourthSynth, 'Sites-fourth-staging');
  const [siteBucket, bucket] = Object.entries(staging.findResources('AWS::S3::Bucket', { Properties: { VersioningConfiguration: { Status: 'Enabled' } } }))[0] as [string, { Properties: Record<string, any> }];
  assert.is(bucket.Properties['BucketName'], 'fourth-shared-staging', 'the bucket site.yaml names');
  const [, distribution] = only(staging, 'AWS::CloudFront::Distribution');
  assert.is(distribution.Properties['DistributionConfig'].Origins[0].OriginPath, '/site');
  staging.hasOutput(OUTPUTS.originPath, { Value: '/site' });
  const policy = Object.values(staging.findResources('AWS::S3::BucketPolicy'))
    .map((resource: any) => resource.Properties)
    .find((properties) => properties.Bucket.Ref === siteBucket);
  const deny = policy.PolicyDocument.Statement.find((statement: { Sid?: string }) => statement.Sid === 'NeverServePublishRecords');
  assert.equal(deny.Resource, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [siteBucket, 'Arn'] }, '/site/.publish/*']] });
  // Production's gate reads staging's records under the same prefix, in that bucket.
  const [, productionPolicy] = only(production, 'AWS::IAM::Policy');
  assert.ok(JSON.stringify(productionPolicy.Properties['PolicyDocument']).includes('arn:aws:s3:::fourth-shared-staging/site/.publish/*'));
  const stack = fourthSynth.stacks.find((candidate) => candidate.name === 'Sites-fourth-production')!;
  assert.is(stack.resources, 16, 'twelve, plus two A and two AAAA records');
});

test('cdk-nag AwsSolutions: every stack passes, and each acknowledgement answers a finding that really occurs', () => {
  assert.ok(realSynth.nag.rulesChecked > 100, `the whole pack ran (${realSynth.nag.rulesChecked} rules)`);
  assert.ok(realSynth.nag.rulesApplicable >= 10, 'rules for S3, CloudFront and IAM applied');
  // Build again without the acknowledgements: the findings must be exactly the acknowledged ones.
  for (const inputs of [real, withFourth]) {
    const built = buildInfraApp({ ...inputs, acknowledge: false, outdir: path.join(tmp.dir, 'unacknowledged.out') });
    const report = built.nag.validateScope(built.app);
    const found = report.violations
      .flatMap((violation) => violation.violatingResources.map((resource) => `${(resource as { constructPath?: string }).constructPath}: ${violation.ruleName}`))
      .sort();
    const acknowledged = built.stacks
      .flatMap((stack: SiteStack) => acceptedFindings(stack).map((finding) => `${(finding.on.node.defaultChild ?? finding.on).node.path}: ${finding.id}`))
      .sort();
    assert.equal(found, acknowledged);
    for (const stack of built.stacks) for (const finding of acceptedFindings(stack)) assert.ok(finding.reason.length > 40, `${finding.id} says why`);
  }
});

test.run();
