import type { CollectionError, ScopeStatus } from '../../model/scope.js';
import { scopeFor, sentence } from '../drift/scope.js';
import type { Check, FindingDraft } from '../types.js';

/** The finding resource id of a scope: `account/A`, `account/A/iam`, `account/A/region/R[/cloudtrail|/cluster/C]`. */
export function scopeResourceId(
  scope: Pick<ScopeStatus, 'level' | 'accountId' | 'region' | 'cluster'>,
): string {
  const account = `account/${scope.accountId}`;
  switch (scope.level) {
    case 'account':
      return account;
    case 'iam':
      return `${account}/iam`;
    case 'region':
      return `${account}/region/${scope.region}`;
    case 'cloudtrail':
      return `${account}/region/${scope.region}/cloudtrail`;
    case 'cluster':
      return `${account}/region/${scope.region}/cluster/${scope.cluster}`;
  }
}

const LEVEL_WORDS: Record<ScopeStatus['level'], (scope: ScopeStatus) => string> = {
  account: (scope) => `Account ${scope.accountId}`,
  iam: (scope) => `IAM of account ${scope.accountId}`,
  region: (scope) => `EKS in account ${scope.accountId} region ${scope.region}`,
  cloudtrail: (scope) => `CloudTrail evidence of account ${scope.accountId} region ${scope.region}`,
  cluster: (scope) => `Cluster ${scope.cluster} in account ${scope.accountId} region ${scope.region}`,
};

const CONSEQUENCE: Record<ScopeStatus['level'], string> = {
  account: 'nothing in this account is reported as missing or unused',
  iam: 'no role of this account is reported as missing or unused',
  region: 'no cluster or binding of this region is reported as missing or unused',
  cloudtrail: 'usage in this region is unknown, so nothing there is reported as unused',
  cluster: 'no binding of this cluster is reported as missing or unused',
};

function describeErrors(errors: CollectionError[]): string {
  return errors
    .map(
      (error) =>
        `${error.service}:${error.operation} ${error.code}${error.resource ? ` (${error.resource})` : ''}`,
    )
    .join(', ');
}

/**
 * A whole account the audit could not read is HIGH: the default `--fail-on HIGH` must not pass a run
 * that was blind to an account. Partial gaps (IAM, a region, a cluster, CloudTrail) keep the
 * default MEDIUM.
 */
function severityOf(level: ScopeStatus['level']): FindingDraft['severity'] {
  return level === 'account' ? 'HIGH' : check.meta.severity;
}

/** One finding per scope that could not be collected; drift and usage checks stay silent inside it. */
export const check: Check = {
  meta: {
    id: 'COLLECTION_INCOMPLETE',
    title: 'Scope could not be fully collected',
    severity: 'MEDIUM',
    category: 'meta',
    description:
      "Collecting an account, its IAM data, a region, a cluster or a region's CloudTrail evidence recorded errors (for example AccessDenied on a read call, or the audit role could not be assumed), or a declared account or region is not in the snapshot at all. Nothing inside such a scope is reported as missing or unused, so this finding is the only sign that the audit is blind there. One finding per scope that recorded errors, naming the failed operations and error codes. A whole account that could not be read (the audit role could not be assumed, or a declared account is missing from the snapshot) is HIGH; partial gaps are MEDIUM.",
    remediation:
      'Fix the access of the audit role in that account (deploy or update the member read role and its trust), then collect again. The failed operations are listed in the finding evidence.',
    docsUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_roles.html',
  },
  evaluate(context) {
    const { inventory, baseline } = context;
    const drafts: FindingDraft[] = [];
    for (const scope of inventory.scopes) {
      // Inherited incompleteness is reported once, at the level that recorded the errors.
      if (scope.status !== 'incomplete' || scope.errors.length === 0) continue;
      const operations = [
        ...new Set(scope.errors.map((error) => `${error.service}:${error.operation}`)),
      ].sort();
      drafts.push({
        severity: severityOf(scope.level),
        message: sentence(
          `${LEVEL_WORDS[scope.level](scope)} could not be fully collected (${describeErrors(scope.errors)}); ${CONSEQUENCE[scope.level]}. Fix the audit role's access and collect again`,
        ),
        accountId: scope.accountId,
        ...(scope.region ? { region: scope.region } : {}),
        ...(scope.cluster ? { cluster: scope.cluster } : {}),
        resource: { type: 'Scope', id: scopeResourceId(scope) },
        evidence: {
          level: scope.level,
          operations,
          errorCodes: [...new Set(scope.errors.map((error) => error.code))].sort(),
          errors: scope.errors,
        },
      });
    }

    // A declared account or region the snapshot does not contain is just as blind.
    const { completeness } = inventory;
    const auditScope = scopeFor(context);
    for (const accountId of [...auditScope.accounts].sort()) {
      if (completeness.hasAccount(accountId)) continue;
      drafts.push({
        severity: severityOf('account'),
        message: sentence(
          `Account ${accountId} is in the baseline's scope but not in the snapshot; nothing in it is reported as missing or unused. Collect it`,
        ),
        accountId,
        resource: { type: 'Scope', id: scopeResourceId({ level: 'account', accountId }) },
        evidence: { level: 'account', operations: [], errorCodes: [], reason: 'not collected' },
      });
    }
    const declaredRegions = new Map<string, { accountId: string; region: string }>();
    for (const logical of baseline.clusters) {
      declaredRegions.set(`${logical.account}/${logical.region}`, {
        accountId: logical.account,
        region: logical.region,
      });
    }
    for (const [, { accountId, region }] of [...declaredRegions.entries()].sort(([a], [b]) =>
      a < b ? -1 : 1,
    )) {
      // An absent account, or one whose AssumeRole failed, is already reported at account level.
      if (!completeness.hasAccount(accountId) || completeness.hasRegion(accountId, region)) continue;
      if (inventory.accounts.some((account) => account.accountId === accountId && account.errors.length > 0))
        continue;
      drafts.push({
        severity: check.meta.severity,
        message: sentence(
          `Region ${region} of account ${accountId} holds declared clusters but is not in the snapshot; nothing in it is reported as missing or unused. Collect that region`,
        ),
        accountId,
        region,
        resource: { type: 'Scope', id: scopeResourceId({ level: 'region', accountId, region }) },
        evidence: { level: 'region', operations: [], errorCodes: [], reason: 'not collected' },
      });
    }
    return drafts;
  },
};
