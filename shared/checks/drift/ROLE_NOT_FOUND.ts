import type { SourceLocation } from '../../baseline/types.js';
import { compareText } from '../../model/compare.js';
import { accountOfArn } from '../../model/identity.js';
import { scopeRef } from '../../model/scope.js';
import { sentence } from '../../text.js';
import { push } from '../support/indexes.js';
import { roleNameOf, scopeFor } from '../support/scope.js';
import type { Check, FindingDraft } from '../types.js';

interface Reference {
  /** How the role is referred to, in words. */
  what: string;
  location?: SourceLocation;
  region?: string;
  cluster?: string;
}

/** A role that the baseline or an association names does not exist in its (completely collected) account. */
export const check: Check = {
  meta: {
    id: 'ROLE_NOT_FOUND',
    title: 'Role does not exist',
    severity: 'HIGH',
    category: 'drift',
    description:
      "A role declared in the baseline (binding role or cross-account target role), or the role of a Pod Identity association, is not among the roles of its account although that account's IAM was collected completely: the workload gets no credentials. Decided only when the IAM data of the role's account (a target role's account for cross-account Pod Identity) was completely collected; roles in accounts that were not scanned, or whose IAM collection failed, are recorded as unknown.",
    restsOn: "the IAM data of the role's account",
    remediation:
      'Create the role (or restore it from infrastructure code) with the trust the binding needs, or correct the role ARN in the baseline or the association: `aws iam get-role --role-name ROLE_NAME` confirms it is gone.',
    docsUrl: 'https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create.html',
  },
  evaluate(context) {
    const scope = scopeFor(context);
    const references = new Map<string, Reference[]>();
    const refer = (roleArn: string, reference: Reference) => {
      if (scope.roleState(roleArn).state === 'present' || !accountOfArn(roleArn)) return;
      push(references, roleArn, reference);
    };
    for (const binding of context.baseline.podIdentity) {
      const where = `${binding.namespace}/${binding.serviceAccount} on ${binding.cluster}`;
      refer(binding.roleArn, {
        what: `the baseline's Pod Identity binding for ${where}`,
        location: binding.location,
      });
      if (binding.targetRoleArn) {
        refer(binding.targetRoleArn, {
          what: `the baseline's Pod Identity binding for ${where} (target role)`,
          location: binding.location,
        });
      }
    }
    for (const binding of context.baseline.irsa) {
      refer(binding.roleArn, {
        what: `the baseline's IRSA binding for ${binding.namespace}/${binding.serviceAccount} on ${binding.cluster}`,
        location: binding.location,
      });
    }
    for (const association of context.inventory.associations) {
      if (!scope.accounts.has(association.accountId)) continue;
      const what = `Pod Identity association ${association.associationId} (${association.namespace}/${association.serviceAccount} on ${association.clusterName})`;
      const where = { region: association.region, cluster: association.clusterName };
      refer(association.roleArn, { what, ...where });
      if (association.targetRoleArn)
        refer(association.targetRoleArn, { what: `${what} (target role)`, ...where });
    }

    const drafts: FindingDraft[] = [];
    for (const [roleArn, referrers] of [...references.entries()].sort(([a], [b]) => compareText(a, b))) {
      const accountId = accountOfArn(roleArn) ?? '';
      const name = roleNameOf(roleArn);
      const first = referrers[0];
      const byAssociation = referrers.find((reference) => reference.cluster !== undefined);
      drafts.push({
        severity: check.meta.severity,
        message: sentence(
          `Role ${name} (${roleArn}) does not exist in account ${accountId}, but ${referrers.map((reference) => reference.what).join('; ')} ${referrers.length === 1 ? 'uses' : 'use'} it. Create the role or correct the reference`,
        ),
        accountId,
        ...(byAssociation ? { region: byAssociation.region, cluster: byAssociation.cluster } : {}),
        resource: { type: 'AwsIamRole', id: roleArn },
        evidence: { referencedBy: referrers.map((reference) => reference.what) },
        remediation: `Create role ${name} in account ${accountId} (or restore it from infrastructure code), or correct the role ARN in ${referrers.length === 1 ? 'its reference' : 'its references'}; \`aws iam get-role --role-name ${name}\` confirms it is gone.`,
        baselineLocation: referrers.find((reference) => reference.location)?.location ?? first.location,
        restsOn: [scopeRef.iam(accountId)],
      });
    }
    return drafts;
  },
};
