import { indexesFor } from '../../checks/support/indexes.js';
import { compareText } from '../../model/compare.js';
import type { OidcProviderInventory } from '../../model/inventory.js';
import { shellWord } from '../../text.js';
import { irsaGrantsOf } from '../../trust/workload.js';
import { cleanupOf, type Deletion, deletionOf, notPlanned, withheldRemediation } from '../cleanup.js';
import type { CutoverCheck, CutoverContext, CutoverDraft } from '../context.js';
import { oldIssuerTrust } from './CUTOVER_OLD_ISSUER_STILL_TRUSTED.js';

/** The IAM OIDC provider of OLD's issuer is still there after the switch. */
export const check: CutoverCheck = {
  meta: {
    id: 'CUTOVER_OLD_OIDC_PROVIDER_LEFT',
    phase: 'post',
    category: 'cutover',
    title: "The old cluster's IAM OIDC provider is left behind",
    severity: 'MEDIUM',
    description:
      "An IAM OIDC provider for OLD's issuer still exists (each account holds at most 100 providers). The plan deletes it only when no role of any scanned account still trusts it for a workload NEW does not serve, CloudTrail shows no use of the issuer (since `--since`), and that IAM and CloudTrail data is complete.",
    remediation: '`aws iam delete-open-id-connect-provider --open-id-connect-provider-arn ARN`.',
    docsUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_providers_create_oidc.html',
  },
  evaluate(context) {
    const { run, inventory } = context;
    const { clusters, input, oldIssuers } = run;
    const { completeness } = inventory;
    const cleanup = cleanupOf(context);
    const drafts: CutoverDraft[] = [];
    for (const provider of inventory.oidcProviders) {
      const issuer = oldIssuers.get(provider.url);
      if (!issuer) continue;
      const trailGap =
        completeness.hasRegion(provider.accountId, clusters.region) &&
        completeness.cloudTrailComplete(provider.accountId, clusters.region)
          ? undefined
          : `CloudTrail of ${provider.accountId}/${clusters.region} was not fully collected, so recent use of the issuer cannot be ruled out`;
      const deletion = deletionOf(cleanup, [cleanup.iamGap(provider.accountId), trailGap], () =>
        providerDeletion(context, provider),
      );
      const command = `aws iam delete-open-id-connect-provider --open-id-connect-provider-arn ${shellWord(provider.arn)}`;
      drafts.push({
        message: `IAM OIDC provider ${provider.arn} for ${provider.url} (${issuer.why}) still exists in account ${provider.accountId}${deletion.planned ? '' : notPlanned(deletion)}`,
        accountId: provider.accountId,
        region: clusters.region,
        resource: { type: 'AwsIamOidcProvider', id: provider.arn },
        evidence: {
          url: provider.url,
          clientIds: provider.clientIds,
          ...(deletion.planned ? {} : { withheld: { status: deletion.status, reason: deletion.reason } }),
        },
        remediation: deletion.planned ? command : withheldRemediation(deletion.status, input),
        plan: deletion.planned
          ? { commands: [{ description: `Delete the IAM OIDC provider of ${provider.url}`, command }] }
          : { withheld: { status: deletion.status, reason: deletion.reason, workloads: [] } },
      });
    }
    return drafts;
  },
};

function sameIssuer(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** Whether the provider may go: no trust still needs it, and CloudTrail shows no use of its issuer. */
function providerDeletion(context: CutoverContext, provider: OidcProviderInventory): Deletion {
  const { run, inventory } = context;
  const { input } = run;
  const removed = oldIssuerTrust(context).removed;
  const indexes = indexesFor(context);
  const needers: string[] = [];
  for (const role of inventory.roles.values()) {
    const grants = irsaGrantsOf(indexes.trustOf(role.arn)).filter(
      (grant) =>
        grant.providerArn === provider.arn ||
        (role.accountId === provider.accountId && sameIssuer(grant.issuerHostPath, provider.url)),
    );
    const still = grants.filter((grant) => !removed.get(role.arn)?.has(grant.statementIndex));
    if (still.length > 0)
      needers.push(
        `role ${role.name} (${role.arn}) still trusts it in statement ${[...new Set(still.map((grant) => grant.statementIndex))].join(', ')}`,
      );
  }
  const reasons: string[] = [];
  if (needers.length > 0)
    reasons.push(
      `${needers.join('; ')}, and the plan keeps ${needers.length === 1 ? 'that grant' : 'those grants'}`,
    );
  const uses = run.usage
    .workloads()
    .filter(
      (use) =>
        use.via === 'irsa' &&
        use.issuerHostPath !== undefined &&
        sameIssuer(use.issuerHostPath, provider.url) &&
        use.roleArn.split(':')[4] === provider.accountId,
    )
    .sort((a, b) => compareText(b.usage.lastSeen, a.usage.lastSeen));
  if (uses.length > 0) {
    const last = uses[0];
    reasons.push(
      `CloudTrail shows ${uses.length} workload(s) using its issuer ${input.since ? `since ${input.since.toISOString()}` : 'in the collected window'}, last ${last.namespace}/${last.serviceAccount} → ${last.roleArn} at ${last.usage.lastSeen}${input.since ? '' : ' (pass --since with the time of the switch to count only later use)'}`,
    );
  }
  return reasons.length > 0
    ? { planned: false, status: 'still-needed', reason: reasons.join('; ') }
    : { planned: true };
}
