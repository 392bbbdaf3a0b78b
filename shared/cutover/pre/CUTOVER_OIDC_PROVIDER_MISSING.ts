import { oidcProviderArn } from '../../model/identity.js';
import type { CutoverCheck, CutoverDraft } from '../context.js';
import { irsaWorkloadsByRole } from '../workloads.js';

/** An account holding an IRSA role of OLD's workloads has no IAM OIDC provider for NEW's issuer. */
export const check: CutoverCheck = {
  meta: {
    id: 'CUTOVER_OIDC_PROVIDER_MISSING',
    phase: 'pre',
    category: 'cutover',
    title: "No IAM OIDC provider for the new cluster's issuer",
    severity: 'HIGH',
    description:
      "IRSA workloads need an IAM OIDC provider for NEW's issuer in the account of their role; without it STS rejects every token from NEW.",
    remediation:
      '`aws iam create-open-id-connect-provider --url https://oidc.eks.REGION.amazonaws.com/id/ID --client-id-list sts.amazonaws.com`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/enable-iam-roles-for-service-accounts.html',
  },
  evaluate(context) {
    const { run, inventory } = context;
    const cluster = run.clusters.new;
    const newHost = cluster.issuerHostPath;
    if (!newHost) return [];
    // One provider per account that holds an IRSA role of the workloads.
    const accounts = new Map<string, string[]>();
    for (const [roleArn, users] of irsaWorkloadsByRole(run.workloads)) {
      const account = roleArn.split(':')[4];
      if (!account) continue;
      accounts.set(account, [...(accounts.get(account) ?? []), ...users.map((workload) => workload.key)]);
    }
    const drafts: CutoverDraft[] = [];
    for (const [account, keys] of accounts) {
      const providerArn = oidcProviderArn(account, newHost, cluster.arn.split(':')[1]);
      if (inventory.oidcProviders.some((provider) => provider.arn === providerArn)) continue;
      if (!inventory.completeness.hasAccount(account) || !inventory.completeness.iamComplete(account)) {
        context.recordUnknown({
          kind: 'absence',
          checkId: check.meta.id,
          resourceId: providerArn,
          reason: `the IAM data of account ${account} was not fully collected`,
          workloads: keys,
        });
        continue;
      }
      const command = `aws iam create-open-id-connect-provider --url https://${newHost} --client-id-list sts.amazonaws.com`;
      drafts.push({
        message: `Account ${account} has no IAM OIDC provider for ${cluster.name}'s issuer ${newHost}; STS rejects every IRSA token from ${cluster.name} until it exists`,
        accountId: account,
        region: cluster.region,
        cluster: cluster.name,
        resource: { type: 'AwsIamOidcProvider', id: providerArn },
        workloads: keys,
        evidence: { issuerUrl: `https://${newHost}`, providerArn },
        remediation: `${command} (in account ${account})`,
        plan: {
          commands: [
            {
              description: `Create the IAM OIDC provider for ${cluster.name} in account ${account}`,
              command,
            },
          ],
        },
      });
    }
    return drafts;
  },
};
