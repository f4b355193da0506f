/**
 * Before `diff`, `deploy` or `destroy` hands over to the CDK CLI: the same
 * checks publishing makes, in the same order, each with one sentence and the
 * command that fixes it. Credentials through the standard chain (missing or
 * expired ones say how to renew them), who they are (STS), that they are the
 * account the environment was deployed to before, and that the account is
 * bootstrapped for the CDK in us-east-1 — which the CDK CLI would otherwise
 * report as a failed asset upload halfway through.
 */
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { UserError } from '../scripts/errors.ts';
import { awsCredentials } from '../scripts/publish/aws-credentials.ts';
import { expiredCredentials, formatDuration } from '../scripts/publish/preflight.ts';
import { stsIdentity } from '../scripts/publish/sts-identity.ts';
import { INFRA_REGION, type InfraTarget } from './targets.ts';

export class InfraError extends UserError {}

export const BOOTSTRAP_STACK = 'CDKToolkit';

export const DEPLOY_EXPIRY_WARNING_MS = 30 * 60_000;

export interface InfraPreflight {
  account: string;
  arn: string;
  credentials: string;
  expiration?: Date;
  profile?: string;
}

export async function infraPreflight(targets: readonly InfraTarget[], options: { envName: string; log: (line: string) => void }): Promise<InfraPreflight> {
  const profiles = [...new Set(targets.map((target) => target.env.profile))];
  if (profiles.length > 1) {
    throw new InfraError(`The sites of ${options.envName} name different AWS profiles (${profiles.map((p) => p ?? 'none').join(', ')}); deploy them one at a time with --site.`);
  }
  const profile = profiles[0];
  const again = (message: string) => message.replace(/ and publish again\./, ' and run the infra command again.');
  const credentials = awsCredentials(profile ? { profile } : {});
  let status;
  try {
    status = await credentials.port.resolve();
  } catch (error) {
    throw new InfraError(again((error as Error).message), { cause: error });
  }
  if (status.expiration) {
    const left = status.expiration.getTime() - Date.now();
    if (left <= 0) throw new InfraError(expiredCredentials({ ...status, expiration: status.expiration }, ' and run the infra command again'));
    // A first deploy waits for CloudFront and the certificate: often 10 to 20 minutes.
    if (left < DEPLOY_EXPIRY_WARNING_MS) options.log(`warning: the AWS credentials from ${status.source} expire in ${Math.ceil(left / 60_000)} min; a first deploy can take 20, and CloudFormation rolls back what it cannot finish — renew first with \`${status.renew}\`.`);
  }
  options.log(`preflight  credentials: ${status.source}${status.expiration ? `, expire ${status.expiration.toISOString()} (in ${formatDuration(status.expiration.getTime() - Date.now())})` : ''}`);
  let caller;
  try {
    caller = await stsIdentity({ credentials: credentials.provider, region: INFRA_REGION, source: status.source, renew: status.renew }).caller();
  } catch (error) {
    throw new InfraError(again((error as Error).message), { cause: error });
  }
  const account = caller.account ?? '';
  options.log(`preflight  identity: ${caller.arn}`);

  for (const target of targets) {
    const recorded = target.site.deployed?.environments[target.envName]?.account;
    if (recorded && recorded !== account) {
      throw new InfraError(
        `These credentials are of AWS account ${account} (${caller.arn}), but ${target.site.domain} → ${target.envName} was deployed to account ${recorded} (sites/${target.site.domain}/deployed.yaml). Use that account's credentials${profile ? ` (profile ${profile})` : ''}, or remove the environment's entry from deployed.yaml to deploy it anew elsewhere.`,
      );
    }
  }

  await checkBootstrap(account, credentials.provider, profile);
  options.log(`preflight  bootstrap: ${BOOTSTRAP_STACK} in ${INFRA_REGION} of ${account}`);
  return { account, arn: caller.arn, credentials: status.source, ...(status.expiration ? { expiration: status.expiration } : {}), ...(profile ? { profile } : {}) };
}

async function checkBootstrap(account: string, credentials: ReturnType<typeof awsCredentials>['provider'], profile: string | undefined): Promise<void> {
  const client = new CloudFormationClient({ region: INFRA_REGION, credentials, maxAttempts: 3 });
  const bootstrap = `npx cdk bootstrap aws://${account}/${INFRA_REGION}${profile ? ` --profile ${profile}` : ''}`;
  try {
    const result = await client.send(new DescribeStacksCommand({ StackName: BOOTSTRAP_STACK }));
    const status = result.Stacks?.[0]?.StackStatus ?? 'unknown';
    if (!/_COMPLETE$/.test(status) || /ROLLBACK|DELETE/.test(status)) {
      throw new InfraError(`The CDK bootstrap stack ${BOOTSTRAP_STACK} of account ${account} in ${INFRA_REGION} is ${status}; repair it with \`${bootstrap}\` and run the infra command again.`);
    }
  } catch (error) {
    if (error instanceof InfraError) throw error;
    const name = (error as { name?: string }).name ?? '';
    const message = error instanceof Error ? error.message : String(error);
    if (name === 'ValidationError' && /does not exist/i.test(message)) {
      throw new InfraError(`Account ${account} is not bootstrapped for the CDK in ${INFRA_REGION} (no ${BOOTSTRAP_STACK} stack). Run \`${bootstrap}\` once, then run the infra command again.`, { cause: error });
    }
    if (name === 'AccessDenied' || name === 'AccessDeniedException') {
      throw new InfraError(`These credentials may not read CloudFormation stacks in ${INFRA_REGION} (${name}); deploying the infrastructure needs an administrator of account ${account}, not the publishing role.`, { cause: error });
    }
    throw new InfraError(`Could not check the CDK bootstrap stack of account ${account} in ${INFRA_REGION}: ${message.replace(/\.$/, '')}. Check the network, then run the infra command again.`, { cause: error });
  }
}
