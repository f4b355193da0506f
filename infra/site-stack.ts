/**
 * Everything one site's environment needs on AWS, in one stack: the private
 * bucket, the distribution in front of it with its viewer-request function,
 * cache and response-headers policies, the certificate and DNS, and the role
 * CI assumes to publish. Its outputs are the names the publisher reads
 * (written back into `sites/<domain>/deployed.yaml` after a deploy).
 */
import { Aws, CfnOutput, Duration, RemovalPolicy, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { edgeConfigFor, edgeFunctionCode } from '../scripts/edge/edge-function.ts';
import { PUBLISH_RECORDS_FOLDER, publishingPolicy, type PolicyStatementJson } from '../scripts/publish/aws-calls.ts';
import { cacheTtls } from './cache-ttls.ts';
import type { InfraConfig } from './infra-config.ts';
import { securityHeaders } from './security-headers.ts';
import { bucketNameFor, type InfraTarget } from './targets.ts';

/** The names `deployed.yaml` is written from; the tests and the write-back read the same keys. */
export const OUTPUTS = {
  bucket: 'BucketName',
  distributionId: 'DistributionId',
  distributionDomain: 'DistributionDomainName',
  originPath: 'OriginPath',
  publishRole: 'PublishRoleArn',
  dnsRecords: 'DnsRecordsToCreate',
} as const;

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';

export interface SiteStackProps extends StackProps {
  target: InfraTarget;
  infra: InfraConfig;
}

export class SiteStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly logs: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly publishRole: iam.Role;
  readonly viewerRequest: cloudfront.Function;
  readonly publishPolicy: iam.Policy;
  /** The role's statements as publishingPolicy made them (tokens unresolved), for cdk-nag's acknowledgements and the tests. */
  readonly publishStatements: PolicyStatementJson[];

  constructor(scope: Construct, id: string, props: SiteStackProps) {
    super(scope, id, props);
    const { target } = props;
    const { site, envName } = target;
    const label = `${site.domain} ${envName}`;
    Tags.of(this).add('sites:domain', site.domain);
    Tags.of(this).add('sites:environment', envName);

    // Access logs of the bucket and the distribution. CloudFront's standard
    // logs are delivered with ACLs, hence object-writer ownership here only.
    this.logs = new s3.Bucket(this, 'Logs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(90) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.bucket = new s3.Bucket(this, 'Site', {
      bucketName: target.bucketName ?? bucketNameFor(site.shortName, envName, Aws.ACCOUNT_ID),
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Every overwritten or deleted object stays recoverable for 30 days,
      // whatever a publish (or a person with the console) does to it.
      versioned: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30), abortIncompleteMultipartUploadAfter: Duration.days(7) }],
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 's3-access/',
      // A stack deleted by mistake must not take the site's files with it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Deploy records, the lock and the archive live under the site's prefix;
    // CloudFront must never serve them (an explicit Deny beats the OAC's Allow).
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'NeverServePublishRecords',
        effect: iam.Effect.DENY,
        principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
        actions: ['s3:GetObject'],
        resources: [this.bucket.arnForObjects(`${target.prefix}${PUBLISH_RECORDS_FOLDER}*`)],
      }),
    );

    this.viewerRequest = new cloudfront.Function(this, 'ViewerRequest', {
      code: cloudfront.FunctionCode.fromInline(edgeFunctionCode(edgeConfigFor(site, envName))),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      comment: `${label}: folders to index.html, redirects, www`,
    });

    const ttls = cacheTtls(site.publish.cacheControl);
    const cachePolicy = new cloudfront.CachePolicy(this, 'Cache', {
      comment: `${label}: honour the publisher's Cache-Control (HTML revalidated, fingerprinted assets immutable)`,
      minTtl: Duration.seconds(ttls.min),
      defaultTtl: Duration.seconds(ttls.default),
      maxTtl: Duration.seconds(ttls.max),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
    });

    const headers = securityHeaders(site, envName);
    const responseHeadersPolicy = new cloudfront.ResponseHeadersPolicy(this, 'Headers', {
      comment: `${label}: security headers the built pages satisfy`,
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: headers.contentSecurityPolicy, override: true },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.seconds(headers.strictTransportSecurity.maxAgeSeconds),
          includeSubdomains: headers.strictTransportSecurity.includeSubdomains,
          preload: headers.strictTransportSecurity.preload,
          override: true,
        },
        contentTypeOptions: { override: true },
        referrerPolicy: { referrerPolicy: headers.referrerPolicy as cloudfront.HeadersReferrerPolicy, override: true },
        frameOptions: { frameOption: headers.frameOptions as cloudfront.HeadersFrameOption, override: true },
      },
    });

    const hosts = [target.canonicalHost, ...target.redirectHosts];
    const zone = site.dns ? route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', { hostedZoneId: site.dns.hostedZoneId, zoneName: site.dns.zoneName }) : undefined;
    const certificate = new acm.Certificate(this, 'Certificate', {
      domainName: target.canonicalHost,
      ...(target.redirectHosts.length > 0 ? { subjectAlternativeNames: target.redirectHosts } : {}),
      validation: acm.CertificateValidation.fromDns(zone),
    });

    const originPath = target.prefix === '' ? '' : `/${target.prefix.replace(/\/$/, '')}`;
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: label,
      domainNames: hosts,
      certificate,
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      // North America and Europe: where these sites' visitors are, at the lowest price class.
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket, originPath ? { originPath } : {}),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
        compress: true,
        cachePolicy,
        responseHeadersPolicy,
        functionAssociations: [{ function: this.viewerRequest, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
      },
      // Without s3:ListBucket, the origin answers a missing key with 403;
      // both are the site's own 404 page, with a 404 status.
      errorResponses: [403, 404].map((httpStatus) => ({ httpStatus, responseHttpStatus: 404, responsePagePath: '/404.html', ttl: Duration.minutes(1) })),
      enableLogging: true,
      logBucket: this.logs,
      logFilePrefix: 'cloudfront/',
    });

    if (zone) {
      for (const [index, host] of hosts.entries()) {
        const recordTarget = route53.RecordTarget.fromAlias(new route53Targets.CloudFrontTarget(this.distribution));
        new route53.ARecord(this, `AliasA${index}`, { zone, recordName: host, target: recordTarget });
        new route53.AaaaRecord(this, `AliasAaaa${index}`, { zone, recordName: host, target: recordTarget });
      }
    } else {
      new CfnOutput(this, OUTPUTS.dnsRecords, {
        description: 'DNS records to create at the DNS provider (no Route 53 hosted zone is configured)',
        value: hosts.map((host) => `${host} ${host === site.domain ? 'ALIAS' : 'CNAME'} ${this.distribution.distributionDomainName}`).join('; '),
      });
    }

    const gate = target.stagingGate;
    this.publishRole = new iam.Role(this, 'PublishRole', {
      roleName: target.roleName,
      description: `Publishes ${label} (npm run publish); assumed by GitHub Actions through OIDC`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.WebIdentityPrincipal(`arn:${Aws.PARTITION}:iam::${Aws.ACCOUNT_ID}:oidc-provider/${GITHUB_OIDC_HOST}`, {
        StringEquals: {
          [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com',
          // Only jobs of this repository that run in the GitHub environment of
          // the same name (production's has required reviewers).
          [`${GITHUB_OIDC_HOST}:sub`]: githubSubject(props.infra.github.repository, envName),
        },
      }),
    });
    const statements = (this.publishStatements = publishingPolicy({
      bucket: this.bucket.bucketName,
      prefix: target.prefix,
      distributionArns: [this.distribution.distributionArn],
      ...(gate ? { stagingGate: { bucket: gate.bucketName ?? bucketNameFor(gate.shortName, gate.envName, Aws.ACCOUNT_ID), prefix: gate.prefix } } : {}),
    }));
    this.publishPolicy = new iam.Policy(this, 'PublishPolicy', {
      roles: [this.publishRole],
      document: iam.PolicyDocument.fromJson({ Version: '2012-10-17', Statement: statements }),
    });

    new CfnOutput(this, OUTPUTS.bucket, { value: this.bucket.bucketName });
    new CfnOutput(this, OUTPUTS.distributionId, { value: this.distribution.distributionId });
    new CfnOutput(this, OUTPUTS.distributionDomain, { value: this.distribution.distributionDomainName });
    new CfnOutput(this, OUTPUTS.originPath, { value: originPath === '' ? '(none)' : originPath });
    new CfnOutput(this, OUTPUTS.publishRole, { value: this.publishRole.roleArn });
  }
}

/** The `sub` claim of GitHub's OIDC token for a job that runs in a GitHub environment. */
export function githubSubject(repository: string, envName: string): string {
  return `repo:${repository}:environment:${envName}`;
}
