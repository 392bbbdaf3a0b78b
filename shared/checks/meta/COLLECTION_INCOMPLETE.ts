import {
  causeHint,
  causeOfError,
  causesOf,
  FAILURE_CAUSE_LABELS,
  remediationOf,
} from '../../collect/causes.js';
import { compareText } from '../../model/compare.js';
import type { CollectionError, ScopeStatus } from '../../model/scope.js';
import { sentence } from '../../text.js';
import { scopeFor } from '../support/scope.js';
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
        `${error.service}:${error.operation} ${error.code}${error.resource ? ` (${error.resource})` : ''}, ${FAILURE_CAUSE_LABELS[causeOfError(error)]}`,
    )
    .join('; ');
}

/** What to do, from the causes of the scope's errors: one hint per distinct hint, as sentences. */
function hints(errors: CollectionError[]): string {
  const distinct = [...new Set(errors.map((error) => causeHint(error)))];
  return distinct.map((hint) => sentence(hint.charAt(0).toUpperCase() + hint.slice(1))).join(' ');
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
      "Collecting an account, its IAM data, a region, a cluster or a region's CloudTrail evidence recorded errors (AccessDenied, an AssumeRole that failed, an unreachable endpoint, a 404 without an AWS error code, ...), or a declared account or region is not in the snapshot at all. Nothing inside such a scope is reported as missing or unused, so this finding is the only sign that the audit is blind there. One finding per scope, naming the failed operations, error codes and their cause class (credentials, access denied, network, timeout, throttling, unsupported API, server error, unexpected answer). A whole account that could not be read is HIGH; partial gaps are MEDIUM.",
    remediation:
      'Follow the advice for the cause class the finding names (its remediation gives it), then collect again. The failed operations are listed in the finding evidence.',
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
      const causes = causesOf(scope.errors);
      drafts.push({
        severity: severityOf(scope.level),
        message: `${sentence(
          `${LEVEL_WORDS[scope.level](scope)} could not be fully collected (${describeErrors(scope.errors)}); ${CONSEQUENCE[scope.level]}`,
        )} ${hints(scope.errors)}`,
        accountId: scope.accountId,
        ...(scope.region ? { region: scope.region } : {}),
        ...(scope.cluster ? { cluster: scope.cluster } : {}),
        resource: { type: 'Scope', id: scopeResourceId(scope) },
        remediation: remediationOf(scope.errors),
        evidence: {
          level: scope.level,
          operations,
          errorCodes: [...new Set(scope.errors.map((error) => error.code))].sort(),
          causes,
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
        remediation: `Collect the account too (for example eks-identity-audit collect --accounts ${accountId} with the other accounts, --role-name and --external-id) and audit the new snapshot.`,
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
      compareText(a, b),
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
        remediation: `Collect the region too (for example eks-identity-audit collect --regions ${region} with the other regions) and audit the new snapshot.`,
        evidence: { level: 'region', operations: [], errorCodes: [], reason: 'not collected' },
      });
    }
    return drafts;
  },
};
