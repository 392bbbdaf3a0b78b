import type { IrsaAssumeRequest } from '../../trust/types.js';
import { hygieneCheck, quoted, statementName } from '../support/hygiene.js';

/**
 * Does the trust admit an audience other than `sts.amazonaws.com`? Asked of the whole policy: the
 * statement, minus the Denies, admits a token whose `:aud` is another value (no `:aud` condition,
 * `StringLike "*"`, or a list that names another audience beside it).
 */
export const check = hygieneCheck(
  'any-audience',
  {
    id: 'IRSA_NO_AUDIENCE_CONDITION',
    title: 'IRSA trust without an audience condition',
    severity: 'LOW',
    category: 'trust',
    description:
      "Asks: does the trust admit a token whose audience is not `sts.amazonaws.com`? It does when the statement, after the policy's Deny statements, admits another `:aud` value: no `<issuer host path>:aud` condition, one that matches anything (`StringLike` `*`), or a list that names another audience beside `sts.amazonaws.com`. Tokens the cluster issues for other audiences are then accepted too. LOW: defence in depth, IAM still checks the provider's client ids. The evidence carries a witness request and the `trust can-assume` command that confirms it. Reported once per role, statement and provider. A question only an undecided condition could settle (an operator or key the analyzer does not evaluate, a variable of another request key) is counted as unknown, never reported.",
    remediation:
      'Add `"<issuer host path>:aud": "sts.amazonaws.com"` to the statement\'s `StringEquals` block (and nothing else under that key), then apply it: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html',
  },
  (finding, grant) => {
    const audience = (finding.witness as IrsaAssumeRequest | undefined)?.audience ?? '';
    const written = grant?.kind === 'irsa' ? grant.audiences : [];
    return {
      severity: 'LOW',
      message:
        written.length === 0
          ? `${statementName(finding)} trusts ${finding.issuerHostPath} without a ${finding.issuerHostPath}:aud = sts.amazonaws.com condition (audience ${JSON.stringify(audience)} is admitted)`
          : `${statementName(finding)} trusts ${finding.issuerHostPath} with ${finding.issuerHostPath}:aud ${quoted(written)}, which admits audience ${JSON.stringify(audience)} besides sts.amazonaws.com`,
    };
  },
);
