import { accountOfArn } from '../../model/identity.js';
import { scopeRef } from '../../model/scope.js';
import { sentence } from '../../text.js';
import { eksIssuerRegion, irsaGrantsOf } from '../../trust/workload.js';
import { providerHostPath } from '../support/hygiene.js';
import { indexesFor, push } from '../support/indexes.js';
import type { Check, FindingDraft } from '../types.js';

/** A role's trust names an OIDC provider that does not exist in the role's account. */
export const check: Check = {
  meta: {
    id: 'IRSA_UNKNOWN_PROVIDER',
    title: 'IRSA trust names an OIDC provider that does not exist',
    severity: 'HIGH',
    category: 'trust',
    description:
      "The trust policy federates with an IAM OIDC provider ARN that is not among the role's own account's providers (deleted, never created, or an ARN from another account, which web identity federation never uses). The grant cannot work. Decided only when the IAM data of the role's account (its OIDC providers) was completely collected; otherwise it is recorded as unknown.",
    restsOn: "the IAM data of the role's account",
    remediation:
      'Create the provider for the cluster issuer (`aws iam create-open-id-connect-provider --url https://ISSUER_HOST_PATH --client-id-list sts.amazonaws.com`, or `eksctl utils associate-iam-oidc-provider --cluster CLUSTER --approve`), or remove the statement: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/enable-iam-roles-for-service-accounts.html',
  },
  evaluate(context) {
    const { inventory } = context;
    const indexes = indexesFor(context);
    const drafts: FindingDraft[] = [];
    for (const role of inventory.roles.values()) {
      const statementsByProvider = new Map<string, number[]>();
      for (const grant of irsaGrantsOf(indexes.trustOf(role.arn))) {
        const provider = indexes.oidcProviderByArn.get(grant.providerArn);
        if (provider && provider.accountId === role.accountId) continue;
        push(statementsByProvider, grant.providerArn, grant.statementIndex);
      }
      for (const [providerArn, statementIndexes] of statementsByProvider) {
        const providerAccount = accountOfArn(providerArn);
        const hostPath = providerHostPath(providerArn);
        const region = hostPath ? eksIssuerRegion(hostPath) : undefined;
        const where =
          providerAccount && providerAccount !== role.accountId
            ? `belongs to account ${providerAccount}, and web identity federation only uses providers in the role's own account ${role.accountId}`
            : `does not exist in account ${role.accountId}`;
        drafts.push({
          severity: check.meta.severity,
          message: sentence(
            `Role ${role.name} (${role.arn}) trusts OIDC provider ${providerArn}, which ${where}; create the provider or remove the statement`,
          ),
          accountId: role.accountId,
          ...(region ? { region } : {}),
          resource: { type: 'AwsIamRole', id: role.arn },
          identity: [providerArn],
          evidence: { providerArn, statementIndexes, ...(providerAccount ? { providerAccount } : {}) },
          restsOn: [scopeRef.iam(role.accountId)],
        });
      }
    }
    return drafts;
  },
};
