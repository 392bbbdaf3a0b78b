import { oidcProviderArn, roleNameOf } from '../../model/identity.js';
import type { CutoverCheck, CutoverDraft, PlanEffects } from '../context.js';
import { decision } from '../context.js';
import { extendTrustPolicy, sampleSubject } from '../trust-policy.js';
import { irsaWorkloadsByRole, retiredCandidate, type WorkloadDraft } from '../workloads.js';

/** An IRSA role's trust does not admit its workload's service account from NEW's issuer. */
export const check: CutoverCheck = {
  meta: {
    id: 'CUTOVER_IRSA_TRUST_NOT_EXTENDED',
    phase: 'pre',
    category: 'cutover',
    title: "IRSA role trust does not grant the new cluster's issuer",
    severity: 'HIGH',
    description:
      "An IRSA role's trust policy does not let the workload's service account assume it with a token from NEW's OIDC issuer.",
    remediation:
      "Add a statement for NEW's issuer mirroring OLD's (the plan gives the full policy): `aws iam update-assume-role-policy --role-name ROLE --policy-document file://ROLE-trust-policy.json`.",
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html',
  },
  evaluate(context) {
    const { run, inventory } = context;
    const cluster = run.clusters.new;
    const newHost = cluster.issuerHostPath;
    const oldHost = run.clusters.old?.issuerHostPath;
    const byRole = irsaWorkloadsByRole(run.workloads);
    const undecided = (resourceId: string, reason: string, workload: WorkloadDraft) =>
      context.recordUnknown({
        kind: 'trust',
        checkId: check.meta.id,
        resourceId,
        reason,
        workloads: [workload.key],
      });
    if (!newHost) {
      for (const workload of run.workloads)
        if (workload.mechanism === 'irsa')
          undecided(cluster.arn, `cluster ${cluster.name} has no OIDC issuer`, workload);
      return [];
    }
    const drafts: CutoverDraft[] = [];
    for (const [roleArn, users] of byRole) {
      const role = inventory.roles.get(roleArn);
      if (!role) {
        for (const workload of users) undecided(roleArn, `role ${roleArn} is not in the snapshot`, workload);
        continue;
      }
      const providerArn = oidcProviderArn(role.accountId, newHost, role.arn.split(':')[1]);
      const missing: WorkloadDraft[] = [];
      for (const workload of users) {
        const subject = workload.subject ?? '*';
        const verdict = decision(role.trustPolicy, {
          kind: 'irsa',
          providerArn,
          subject: sampleSubject(subject),
        });
        if (verdict.allowed === true) continue;
        if (verdict.allowed === 'unknown') {
          undecided(role.arn, verdict.reason, workload);
          continue;
        }
        missing.push(workload);
      }
      if (missing.length === 0) continue;
      // A subject seen only in CloudTrail that OLD's trust no longer grants may be retired: granting it
      // to NEW would widen the trust beyond what OLD has today, so the plan leaves it out.
      const needed = users.filter((workload) => !retiredCandidate(workload));
      const change = missing.some((workload) => !retiredCandidate(workload))
        ? extendTrustPolicy(
            role,
            oldHost,
            newHost,
            cluster.name,
            needed.map((workload) => workload.subject ?? '*'),
          )
        : undefined;
      // The updated policy serves every missing workload of the role: it is planned with the first.
      let plan: PlanEffects | undefined = change
        ? {
            trustPolicy: change,
            ...(change.command
              ? {
                  commands: [
                    {
                      description: `Trust ${cluster.name}'s issuer in role ${role.name}`,
                      command: change.command,
                    },
                  ],
                }
              : {}),
          }
        : undefined;
      for (const workload of missing) {
        const retired = retiredCandidate(workload);
        drafts.push({
          ...(retired ? { severity: 'LOW' as const } : {}),
          blocking: !retired,
          message: `Role ${role.name} (${role.arn}) does not trust ${workload.subject ?? 'any service account'} from ${cluster.name}'s issuer ${newHost}${change && !change.fits ? `; ${change.message}` : ''}${retired ? `; the subject was seen in CloudTrail on ${run.input.from} but its trust there is gone, so this does not block` : ''}`,
          accountId: role.accountId,
          region: cluster.region,
          cluster: cluster.name,
          resource: { type: 'AwsIamRole', id: role.arn },
          workloads: [workload.key],
          identity: [workload.subject ?? '*'],
          evidence: {
            providerArn,
            subject: workload.subject ?? '*',
            ...(change ? { trustPolicySize: change.size, fits: change.fits } : {}),
          },
          remediation: change?.command
            ? `${change.command} (the plan gives ${change.file})`
            : `aws iam update-assume-role-policy --role-name ${roleNameOf(role.arn)} --policy-document file://trust-policy.json`,
          ...(plan ? { plan } : {}),
        });
        plan = undefined;
      }
    }
    return drafts;
  },
};
