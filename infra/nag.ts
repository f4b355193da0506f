/**
 * cdk-nag's AwsSolutions pack on every stack (cdk-nag 3 runs as a CDK
 * validation plugin: a finding fails synthesis), with each finding we accept
 * acknowledged here, next to its reason. Anything else it finds fails
 * `npm run infra -- synth`, every deploy, and the tests.
 */
import { Stack, Validations, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, NagRuleCompliance, type IApplyRule } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import type { SiteStack } from './site-stack.ts';

/**
 * The AwsSolutions pack, counting what it does: cdk-nag reports only
 * findings, and "0 findings" means little without how many rules ran and
 * how many had a resource to judge.
 */
export class CountedAwsSolutionsChecks extends AwsSolutionsChecks {
  /** Every rule id the pack evaluated, on any resource. */
  readonly rulesChecked = new Set<string>();
  /** The rules that found a resource they apply to (compliant or not). */
  readonly rulesApplicable = new Set<string>();

  protected override applyRule(params: IApplyRule): void {
    const id = `${this.readPackName}-${params.ruleSuffixOverride ?? params.rule.name}`;
    this.rulesChecked.add(id);
    const rule = params.rule;
    const applicable = this.rulesApplicable;
    super.applyRule({
      ...params,
      rule(node) {
        const result = rule(node);
        if (result !== NagRuleCompliance.NOT_APPLICABLE) applicable.add(id);
        return result;
      },
    });
  }
}

export function checkWithNag(app: App): CountedAwsSolutionsChecks {
  const pack = new CountedAwsSolutionsChecks(app, { verbose: true });
  Validations.of(app).addPlugins(pack);
  return pack;
}

/** Every acknowledged finding of a site stack: the construct, the finding's id, and why. */
export function acceptedFindings(stack: SiteStack): Array<{ on: IConstruct; id: string; reason: string }> {
  const wildcards = [...new Set(stack.publishStatements.flatMap((statement) => statement.Resource).map((resource) => nagName(stack, resource)).filter((name) => name.endsWith('*')))];
  return [
    ...wildcards.map((resource) => ({
      on: stack.publishPolicy,
      id: `AwsSolutions-IAM5[Resource::${resource}]`,
      reason: resource.includes('.publish/')
        ? "Production's staging gate reads staging's deploy records: every key under staging's .publish/ folder, read-only (scripts/publish/aws-calls.ts, STAGING_GATE_CALLS)."
        : "The publisher writes, reads and deletes keys under the environment's own prefix only: the site's files, its deploy records and its lock, whose names change with every build (scripts/publish/aws-calls.ts).",
    })),
    {
      on: stack.distribution,
      id: 'AwsSolutions-CFR1',
      reason: 'Marketing sites for visitors anywhere: there is no country to keep out.',
    },
    {
      on: stack.distribution,
      id: 'AwsSolutions-CFR2',
      reason:
        'Static files only, with no forms or logins at this origin (bookings go to Google Apps Script); a web ACL costs at least $5 a month plus $1 a rule, more than the rest of the stack, for no attack surface it would reduce.',
    },
  ];
}

export function acknowledgeAcceptedFindings(stack: SiteStack): void {
  for (const finding of acceptedFindings(stack)) Validations.of(finding.on).acknowledge({ id: finding.id, reason: finding.reason });
}

/**
 * A resource ARN as cdk-nag names it in a finding: references to resources
 * of the stack as `<LogicalId>` (or `<LogicalId.Attribute>`), pseudo
 * parameters as `<AWS::AccountId>`, everything else as written.
 */
export function nagName(stack: Stack, value: unknown): string {
  const render = (part: unknown): string => {
    if (typeof part === 'string') return part;
    const object = part as Record<string, unknown>;
    if ('Ref' in object) return `<${String(object['Ref'])}>`;
    if ('Fn::GetAtt' in object) return `<${(object['Fn::GetAtt'] as string[]).join('.')}>`;
    if ('Fn::Join' in object) {
      const [separator, parts] = object['Fn::Join'] as [string, unknown[]];
      return parts.map(render).join(separator);
    }
    return JSON.stringify(part);
  };
  return render(Stack.of(stack).resolve(value));
}
