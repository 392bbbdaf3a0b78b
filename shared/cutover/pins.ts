import type { Inventory, RoleInventory } from '../model/inventory.js';
import { matchIamPattern, parsePolicy } from '../trust/index.js';
import type { AssumeDecision } from '../trust/types.js';
import type { CutoverDraft } from './context.js';
import type { WorkloadDraft } from './workloads.js';

/** The two clusters whose names and ARNs conditions may pin. */
export interface ClusterRef {
  oldName: string;
  oldArn: string;
  newName: string;
  newArn: string;
  /** The external id OLD's association passes to its target role. */
  oldExternalId?: string;
}

/** Which condition keys can pin a session to a cluster, by where the policy is used. */
const KEYS: Record<'trust' | 'abac' | 'target', string[]> = {
  trust: ['aws:requesttag/eks-cluster-name', 'aws:requesttag/eks-cluster-arn', 'aws:sourcearn'],
  abac: ['aws:principaltag/eks-cluster-name', 'aws:principaltag/eks-cluster-arn'],
  target: [
    'sts:externalid',
    'aws:requesttag/eks-cluster-name',
    'aws:requesttag/eks-cluster-arn',
    'aws:principaltag/eks-cluster-name',
    'aws:principaltag/eks-cluster-arn',
  ],
};

const POSITIVE = new Set(['StringEquals', 'StringEqualsIgnoreCase', 'StringLike', 'ArnEquals', 'ArnLike']);

function admits(base: string, value: string, candidate: string): boolean {
  if (base === 'StringLike' || base === 'ArnLike' || base === 'ArnEquals')
    return matchIamPattern(value, candidate);
  if (base === 'StringEqualsIgnoreCase') return value.toLowerCase() === candidate.toLowerCase();
  return value === candidate;
}

/** Whether an external id names the cluster: OLD's own id, or a `REGION/ACCOUNT/CLUSTER/NS/SA` segment. */
function externalIdNames(value: string, name: string, exact?: string): boolean {
  return value === exact || value.split('/').includes(name);
}

/**
 * Allow-statement conditions of the documents that accept OLD's cluster name, ARN or external id
 * and none of NEW's: each as `NAME Statement[i]: OPERATOR KEY [values]`. Documents that do not parse
 * are skipped (the audit reports them).
 */
export function clusterNamePins(
  documents: Array<{ name: string; document: unknown }>,
  ref: ClusterRef,
  use: 'trust' | 'abac' | 'target',
): string[] {
  const pins: string[] = [];
  for (const { name, document } of documents) {
    let statements: ReturnType<typeof parsePolicy>['statements'];
    try {
      statements = parsePolicy(document).statements;
    } catch {
      continue;
    }
    for (const statement of statements) {
      if (statement.effect !== 'Allow') continue;
      for (const condition of statement.conditions) {
        const key = condition.key.toLowerCase();
        if (!KEYS[use].includes(key) || !POSITIVE.has(condition.base)) continue;
        const byArn = key.endsWith('arn');
        const oldValue = byArn ? ref.oldArn : ref.oldName;
        const newValue = byArn ? ref.newArn : ref.newName;
        let namesOld: boolean;
        let admitsNew: boolean;
        if (key === 'sts:externalid') {
          namesOld = condition.values.some((value) => externalIdNames(value, ref.oldName, ref.oldExternalId));
          admitsNew = condition.values.some((value) => externalIdNames(value, ref.newName));
        } else {
          namesOld = condition.values.some((value) => admits(condition.base, value, oldValue));
          admitsNew = condition.values.some((value) => admits(condition.base, value, newValue));
        }
        if (namesOld && !admitsNew) {
          const label =
            statement.sid === undefined
              ? `Statement[${statement.index}]`
              : `Statement[${statement.index}] (Sid ${statement.sid})`;
          pins.push(
            `${name} ${label}: ${condition.operator} ${condition.key} ${JSON.stringify(condition.values)}`,
          );
        }
      }
    }
  }
  return pins;
}

/**
 * NEW is denied where OLD is admitted: the difference is the cluster, so the policy is pinned to OLD.
 * When OLD's outcome is undecided, conditions that name OLD must show the pin.
 */
export function pinnedToOld(onOld: AssumeDecision, pins: string[]): boolean {
  return onOld.allowed === true || (onOld.allowed === 'unknown' && pins.length > 0);
}

/** A role's permission policy documents as the snapshot holds them, each with how messages name it. */
function permissionDocuments(inventory: Inventory, role: RoleInventory) {
  const documents = role.inlinePolicies.map((policy) => ({
    name: `inline policy ${policy.name}`,
    document: policy.document,
  }));
  for (const arn of role.attachedManagedPolicyArns) {
    const policy = inventory.managedPolicies.get(arn);
    if (policy?.defaultDocument !== undefined)
      documents.push({ name: `managed policy ${policy.name}`, document: policy.defaultDocument });
  }
  return documents;
}

/**
 * The finding for a role whose permission policies condition on the session's cluster tags (ABAC)
 * with OLD's values only, or undefined when none does.
 */
export function abacPins(
  inventory: Inventory,
  workload: WorkloadDraft,
  role: RoleInventory,
  clusterRef: ClusterRef,
): CutoverDraft | undefined {
  const pins = clusterNamePins(permissionDocuments(inventory, role), clusterRef, 'abac');
  if (pins.length === 0) return undefined;
  return {
    message: `Role ${role.name} (${role.arn}) grants its permissions only to sessions tagged with ${clusterRef.oldName} (${pins.join('; ')}); on ${clusterRef.newName} ${workload.namespace}/${workload.serviceAccount} would be denied`,
    accountId: role.accountId,
    resource: { type: 'AwsIamRole', id: role.arn },
    workloads: [workload.key],
    identity: ['abac'],
    evidence: { where: 'permission policies', pins },
    remediation: `Add ${clusterRef.newName} / ${clusterRef.newArn} to the aws:PrincipalTag conditions of ${role.name}'s permission policies (aws iam put-role-policy or aws iam create-policy-version).`,
  };
}
