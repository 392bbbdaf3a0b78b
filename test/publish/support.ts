import { checks } from '../../shared/checks/index.js';
import { type Finding, findingId } from '../../shared/model/finding.js';
import type { Severity } from '../../shared/model/severity.js';
import { buildReport } from '../../shared/report/build.js';
import type { Report } from '../../shared/report/types.js';

export const AUDIT_ACCOUNT = '111122223333';
export const MEMBER_ACCOUNT = '222233334444';
export const REGION = 'us-east-1';
export const BUCKET = 'eks-identity-audit-reports-111122223333';
export const TOPIC_ARN = `arn:aws:sns:${REGION}:${AUDIT_ACCOUNT}:eks-identity-audit-findings`;
export const CHECK_META = checks.map((check) => check.meta);

/** A finding shaped like the engine's, on a role of the member account unless told otherwise. */
export function finding(overrides: Partial<Finding> & { name?: string } = {}): Finding {
  const { name = 'payments-api', ...rest } = overrides;
  const checkId = rest.checkId ?? 'IRSA_SUBJECT_WILDCARD';
  const accountId = rest.accountId ?? MEMBER_ACCOUNT;
  const resource = rest.resource ?? {
    type: 'AwsIamRole' as const,
    id: `arn:aws:iam::${accountId}:role/${name}`,
  };
  return {
    id: findingId(checkId, resource.id),
    checkId,
    severity: 'HIGH' as Severity,
    title: `IRSA trust of ${name} uses a wildcard subject`,
    message: `Role ${name} trusts system:serviceaccount:payments:* on cluster prod-blue.`,
    accountId,
    region: REGION,
    cluster: 'prod-blue',
    resource,
    evidence: { condition: 'StringLike' },
    remediation: `aws iam update-assume-role-policy --role-name ${name} --policy-document file://trust.json`,
    ...rest,
  };
}

/** Complete scopes for the member account: account, IAM, region, cluster, CloudTrail. */
export function completeScopes(accountId = MEMBER_ACCOUNT): Report['scopes'] {
  return [
    { level: 'account', accountId, status: 'complete', errors: [] },
    { level: 'iam', accountId, status: 'complete', errors: [] },
    { level: 'region', accountId, region: REGION, status: 'complete', errors: [] },
    { level: 'cloudtrail', accountId, region: REGION, status: 'complete', errors: [] },
    { level: 'cluster', accountId, region: REGION, cluster: 'prod-blue', status: 'complete', errors: [] },
  ];
}

/** Marks one level of the scopes incomplete with an AccessDenied error. */
export function withIncomplete(scopes: Report['scopes'], level: string): Report['scopes'] {
  return scopes.map((scope) =>
    scope.level === level
      ? {
          ...scope,
          status: 'incomplete' as const,
          errors: [
            {
              service: 'eks',
              operation: 'DescribeCluster',
              code: 'AccessDeniedException',
              message: 'denied',
            },
          ],
        }
      : scope,
  );
}

/** Report v1 of a run. */
export function report(
  runId: string,
  findings: Finding[],
  scopes: Report['scopes'] = completeScopes(),
  finishedAt = '2026-11-29T02:05:00Z',
): Report {
  return buildReport({
    runId,
    startedAt: '2026-11-29T02:00:00Z',
    finishedAt,
    baseline: { source: 's3://eks-identity-audit-config/baseline.yaml', sha256: 'a'.repeat(64) },
    scopes,
    findings,
  });
}
