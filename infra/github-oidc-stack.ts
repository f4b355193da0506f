/**
 * The account's OpenID Connect provider for GitHub Actions, which every
 * publishing role trusts. IAM allows one provider per URL and account, so it
 * is a stack of its own that the site stacks depend on, and `existing` in
 * infra/infra.yaml leaves out an account that already has one.
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { GITHUB_OIDC_HOST } from './site-stack.ts';

export const GITHUB_OIDC_STACK = 'Sites-GitHubOidc';

export class GitHubOidcStack extends Stack {
  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, { description: 'The GitHub Actions OIDC provider the sites publishing roles trust', ...props });
    // The plain CloudFormation resource: the CDK's OpenIdConnectProvider
    // construct would add a Lambda-backed custom resource for the same thing.
    new iam.CfnOIDCProvider(this, 'GitHub', {
      url: `https://${GITHUB_OIDC_HOST}`,
      clientIdList: ['sts.amazonaws.com'],
      // IAM verifies GitHub's certificate through its own trusted CAs; the
      // list is still required by older accounts' APIs, so GitHub's two
      // published intermediate thumbprints are given.
      thumbprintList: ['6938fd4d98bab03faadb97b34396831e3780aea1', '1c58a3a8518e8759bf075b76b750d4f2df264fcd'],
    });
  }
}
