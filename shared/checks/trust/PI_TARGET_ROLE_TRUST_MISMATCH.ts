import { accountOfArn } from '../../model/identity.js';
import type { AssociationInventory, Inventory } from '../../model/inventory.js';
import { clause, sentence } from '../../text.js';
import { canAssume, identityPolicyAllows } from '../../trust/index.js';
import type { AssumeDecision } from '../../trust/types.js';
import { targetRoleAssumeRequest } from '../../trust/workload.js';
import { associationScope, describeAssociation, identityDocumentsOf } from '../support/workload.js';
import type { Check, FindingDraft } from '../types.js';

/** What blocks the association role from chaining into the target role, and what could not be decided. */
interface TargetRoleProblems {
  trustReason?: string;
  deniedActions: string[];
  undecided: string[];
}

function problemsOf(inventory: Inventory, association: AssociationInventory, targetRoleArn: string) {
  const target = inventory.roles.get(targetRoleArn);
  if (!target) return undefined;
  const request = targetRoleAssumeRequest(association);
  const problems: TargetRoleProblems = { deniedActions: [], undecided: [] };
  try {
    const decision = canAssume(target.trustPolicy, request);
    if (decision.allowed === false) problems.trustReason = decision.reason;
    if (decision.allowed === 'unknown') problems.undecided.push(decision.reason);
  } catch {
    // An unparsable trust policy is reported by the snapshot validator, not here.
  }
  // Across accounts the caller's own permission policies must allow the calls too.
  const source = inventory.roles.get(association.roleArn);
  if (source && accountOfArn(targetRoleArn) !== association.accountId) {
    const { documents, missingPolicyArns } = identityDocumentsOf(inventory, source);
    const actions = request.sessionTags ? ['sts:AssumeRole', 'sts:TagSession'] : ['sts:AssumeRole'];
    for (const action of actions) {
      let decision: AssumeDecision;
      try {
        decision = identityPolicyAllows(documents, action, targetRoleArn);
      } catch (error) {
        problems.undecided.push(`a permission policy could not be evaluated: ${(error as Error).message}`);
        continue;
      }
      if (decision.allowed === true) continue;
      // A managed policy missing from the snapshot might allow it: only a complete set can deny.
      if (decision.allowed === false && missingPolicyArns.length === 0) problems.deniedActions.push(action);
      else if (decision.allowed === false) {
        problems.undecided.push(
          `${action} may be allowed by ${missingPolicyArns.join(', ')}, not in the snapshot`,
        );
      } else problems.undecided.push(decision.reason);
    }
  }
  return { target, request, problems };
}

/** A cross-account (or same-account) target role that the association role cannot chain into. */
export const check: Check = {
  meta: {
    id: 'PI_TARGET_ROLE_TRUST_MISMATCH',
    title: 'Target role does not accept the association role as Pod Identity chains into it',
    severity: 'HIGH',
    category: 'trust',
    description:
      "For an association with a target role, EKS assumes the association role and then, with that role's session, assumes the target role, passing the association's external id and (unless disabled) the session tags as transitive tags. The target role's trust must allow that request, including `sts:TagSession` when tags are on; across accounts the association role's permission policies must also allow `sts:AssumeRole` (and `sts:TagSession`) on the target. Reported when either is denied; a target role outside the scanned accounts, or permissions that depend on a managed policy missing from the snapshot, are not judged.",
    remediation:
      'In the target account, let the association role assume the target role (`"Principal": {"AWS": "ASSOCIATION_ROLE_ARN"}`, `"Action": ["sts:AssumeRole", "sts:TagSession"]`, optionally `StringEquals sts:ExternalId` = the association\'s external id): `aws iam update-assume-role-policy --role-name TARGET_ROLE_NAME --policy-document file://trust-policy.json`; and grant the association role `sts:AssumeRole` and `sts:TagSession` on the target role ARN: `aws iam put-role-policy --role-name ROLE_NAME --policy-name assume-target-role --policy-document file://policy.json`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-assign-target-role.html',
  },
  evaluate(context) {
    const { inventory } = context;
    const drafts: FindingDraft[] = [];
    for (const association of inventory.associations) {
      if (!association.targetRoleArn) continue;
      const result = problemsOf(inventory, association, association.targetRoleArn);
      if (!result) continue;
      const { target, request, problems } = result;
      if (problems.undecided.length > 0) {
        context.recordUnknown?.({
          kind: 'trust',
          checkId: check.meta.id,
          resourceId: association.associationArn,
          reason: problems.undecided.join('; '),
        });
      }
      if (!problems.trustReason && problems.deniedActions.length === 0) continue;
      const reasons: string[] = [];
      if (problems.trustReason) {
        reasons.push(
          `the target role's trust rejects the association role (${clause(problems.trustReason)})`,
        );
      }
      if (problems.deniedActions.length > 0) {
        reasons.push(
          `the association role's permission policies do not allow ${problems.deniedActions.join(' and ')} on it`,
        );
      }
      drafts.push({
        severity: check.meta.severity,
        message: sentence(
          `${describeAssociation(association)} chains from role ${association.roleArn} into target role ${target.arn}, but ${reasons.join(', and ')}; pods get no credentials for the target role`,
        ),
        ...associationScope(association),
        identity: [target.arn],
        evidence: {
          roleArn: association.roleArn,
          targetRoleArn: target.arn,
          externalId: request.externalId,
          sessionTags: request.sessionTags ?? null,
          ...(problems.trustReason ? { trustReason: problems.trustReason } : {}),
          ...(problems.deniedActions.length > 0 ? { deniedActions: problems.deniedActions } : {}),
        },
      });
    }
    return drafts;
  },
};
