/**
 * Just enough of IAM's policy evaluation for the publishing role's test: an
 * Allow statement matches a request when one of its actions and one of its
 * resources match (`*` and `?` as in IAM) and every condition holds. Only
 * the operators the role uses are known; any other fails loudly rather
 * than being read as satisfied. There are no Deny statements in the role.
 */
import type { PolicyStatementJson } from '../../scripts/publish/aws-calls.ts';

export interface IamRequest {
  action: string;
  resource: string;
  /** Condition keys present on the request, e.g. `{ 's3:prefix': 'site/' }` for a listing. */
  context?: Record<string, string>;
}

const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);

function conditionHolds(condition: PolicyStatementJson['Condition'], context: Record<string, string>): boolean {
  for (const [operator, entries] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(entries)) {
      const values = (Array.isArray(expected) ? expected : [expected]) as string[];
      const actual = context[key];
      if (operator === 'StringLikeIfExists') {
        if (actual !== undefined && !values.some((value) => glob(value).test(actual))) return false;
      } else if (operator === 'StringEquals') {
        if (actual === undefined || !values.includes(actual)) return false;
      } else {
        throw new Error(`iam-policy.ts does not evaluate ${operator}; teach it before relying on it`);
      }
    }
  }
  return true;
}

/** The Sid of the first statement allowing the request, or undefined (an implicit deny). */
export function allowedBy(statements: readonly PolicyStatementJson[], request: IamRequest): string | undefined {
  const match = statements.find(
    (statement) =>
      statement.Effect === 'Allow' &&
      statement.Action.some((action) => glob(action).test(request.action)) &&
      statement.Resource.some((resource) => typeof resource === 'string' && glob(resource).test(request.resource)) &&
      conditionHolds(statement.Condition, request.context ?? {}),
  );
  return match?.Sid;
}
