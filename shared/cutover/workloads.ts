import { indexesFor } from '../checks/support/indexes.js';
import type { CheckContext } from '../checks/types.js';
import { compareText } from '../model/compare.js';
import { serviceAccountSubject } from '../model/identity.js';
import type { AssociationInventory } from '../model/inventory.js';
import { matchIamPattern } from '../trust/index.js';
import { irsaGrantsOf } from '../trust/workload.js';
import type { UsageIndex } from '../usage/index.js';
import type { CutoverClusters } from './locate.js';
import type { CutoverWorkload, WorkloadSource } from './types.js';

/** A workload while it is being assembled: the report fields plus what it was found with. */
export interface WorkloadDraft
  extends Omit<CutoverWorkload, 'status' | 'blockers' | 'notes' | 'sources' | 'declared'> {
  sources: Set<WorkloadSource>;
  /** OLD's association for this workload, when OLD has one. */
  oldAssociation?: AssociationInventory;
}

/** A workload seen only in CloudTrail, no longer on OLD: it may be retired, so its items do not block. */
export function retiredCandidate(workload: WorkloadDraft): boolean {
  return (
    workload.sources.size === 1 && workload.sources.has('cloudtrail') && workload.oldAssociation === undefined
  );
}

/** `pod-identity/NS/SA/ROLE_ARN` */
export function podIdentityKey(namespace: string, serviceAccount: string, roleArn: string): string {
  return `pod-identity/${namespace}/${serviceAccount}/${roleArn}`;
}

/** `irsa/SUBJECT/ROLE_ARN` */
export function irsaKey(subject: string, roleArn: string): string {
  return `irsa/${subject}/${roleArn}`;
}

/** The IRSA workloads by role ARN, each list and the roles in workload order. */
export function irsaWorkloadsByRole(workloads: readonly WorkloadDraft[]): Map<string, WorkloadDraft[]> {
  const byRole = new Map<string, WorkloadDraft[]>();
  for (const workload of workloads) {
    if (workload.mechanism !== 'irsa') continue;
    const users = byRole.get(workload.roleArn);
    if (users) users.push(workload);
    else byRole.set(workload.roleArn, [workload]);
  }
  return byRole;
}

/** `*`: an IRSA grant without a `:sub` condition, which admits every service account. */
export const ANY_SUBJECT = '*';

/** Splits a subject or subject pattern into namespace and service account (`*` when not given). */
function subjectParts(subject: string): { namespace: string; serviceAccount: string } {
  const match = /^system:serviceaccount:([^:]*):(.*)$/.exec(subject);
  return match ? { namespace: match[1], serviceAccount: match[2] } : { namespace: '*', serviceAccount: '*' };
}

/**
 * One workload per subject (or pattern, `*` without a `:sub` condition) that a scanned role's trust
 * grants to one of these issuers; unsatisfiable grants serve no one and are left out.
 */
export function irsaGrantWorkloads(
  context: CheckContext,
  issuers: ReadonlySet<string>,
): Array<Omit<WorkloadDraft, 'sources'>> {
  const drafts: Array<Omit<WorkloadDraft, 'sources'>> = [];
  const indexes = indexesFor(context);
  for (const role of context.inventory.roles.values()) {
    for (const grant of irsaGrantsOf(indexes.trustOf(role.arn))) {
      if (!issuers.has(grant.issuerHostPath) || grant.unsatisfiable) continue;
      for (const subject of grant.subjects ?? [ANY_SUBJECT]) {
        drafts.push({
          key: irsaKey(subject, role.arn),
          mechanism: 'irsa',
          ...subjectParts(subject),
          subject,
          roleArn: role.arn,
        });
      }
    }
  }
  return drafts;
}

/**
 * Adds workloads found on OLD after the drafts were collected (post phase, OLD deleted: the grants of
 * its issuer); the list stays sorted by key.
 */
export function addOldClusterWorkloads(
  workloads: WorkloadDraft[],
  found: Array<Omit<WorkloadDraft, 'sources'>>,
): void {
  for (const draft of found) {
    const existing = workloads.find((workload) => workload.key === draft.key);
    if (existing) existing.sources.add('old-cluster');
    else workloads.push({ ...draft, sources: new Set(['old-cluster']) });
  }
  workloads.sort((a, b) => compareText(a.key, b.key));
}

/**
 * The workload identities of the logical cluster as they are on OLD: declared in the baseline,
 * found on OLD (its associations, IRSA grants naming OLD's issuer), and seen in CloudTrail on OLD.
 * Sorted by key.
 */
export function collectWorkloads(
  context: CheckContext,
  clusters: CutoverClusters,
  usage: UsageIndex,
  logicalName: string,
): WorkloadDraft[] {
  const drafts = new Map<string, WorkloadDraft>();
  const upsert = (draft: Omit<WorkloadDraft, 'sources'>, source: WorkloadSource): WorkloadDraft => {
    const existing = drafts.get(draft.key);
    if (existing) {
      existing.sources.add(source);
      if (draft.oldAssociation && !existing.oldAssociation) existing.oldAssociation = draft.oldAssociation;
      return existing;
    }
    const created: WorkloadDraft = { ...draft, sources: new Set([source]) };
    drafts.set(draft.key, created);
    return created;
  };
  const old = clusters.old;
  const addonByAssociation = new Map<string, string>();
  for (const addon of old?.addons ?? []) {
    for (const arn of addon.podIdentityAssociationArns) addonByAssociation.set(arn, addon.name);
  }

  const fromAssociation = (association: AssociationInventory): Omit<WorkloadDraft, 'sources'> => {
    const addonName = addonByAssociation.get(association.associationArn);
    return {
      key: podIdentityKey(association.namespace, association.serviceAccount, association.roleArn),
      mechanism: 'pod-identity',
      namespace: association.namespace,
      serviceAccount: association.serviceAccount,
      roleArn: association.roleArn,
      ...(association.targetRoleArn ? { targetRoleArn: association.targetRoleArn } : {}),
      disableSessionTags: association.disableSessionTags,
      ...(addonName ? { addonName } : {}),
      oldAssociation: association,
    };
  };

  const baseline = context.baseline;
  for (const binding of baseline.podIdentity) {
    if (binding.cluster !== logicalName) continue;
    const oldAssociation = old?.associations.find(
      (association) =>
        association.namespace === binding.namespace &&
        association.serviceAccount === binding.serviceAccount &&
        association.roleArn === binding.roleArn,
    );
    if (oldAssociation) {
      upsert(fromAssociation(oldAssociation), 'baseline');
      continue;
    }
    upsert(
      {
        key: podIdentityKey(binding.namespace, binding.serviceAccount, binding.roleArn),
        mechanism: 'pod-identity',
        namespace: binding.namespace,
        serviceAccount: binding.serviceAccount,
        roleArn: binding.roleArn,
        ...(binding.targetRoleArn ? { targetRoleArn: binding.targetRoleArn } : {}),
        disableSessionTags: binding.disableSessionTags ?? false,
      },
      'baseline',
    );
  }
  for (const binding of baseline.irsa) {
    if (binding.cluster !== logicalName) continue;
    const subject = serviceAccountSubject(binding.namespace, binding.serviceAccount);
    upsert(
      {
        key: irsaKey(subject, binding.roleArn),
        mechanism: 'irsa',
        namespace: binding.namespace,
        serviceAccount: binding.serviceAccount,
        subject,
        roleArn: binding.roleArn,
      },
      'baseline',
    );
  }

  for (const association of old?.associations ?? []) upsert(fromAssociation(association), 'old-cluster');

  const oldIssuer = old?.issuerHostPath;
  if (oldIssuer) {
    for (const draft of irsaGrantWorkloads(context, new Set([oldIssuer]))) upsert(draft, 'old-cluster');
  }

  if (old) {
    for (const seen of usage.workloads()) {
      if (seen.clusterName !== old.name || seen.accountId !== old.accountId || seen.region !== old.region)
        continue;
      if (seen.via === 'pod-identity') {
        const association = old.associations.find(
          (candidate) =>
            candidate.namespace === seen.namespace &&
            candidate.serviceAccount === seen.serviceAccount &&
            candidate.roleArn === seen.roleArn,
        );
        upsert(
          association
            ? fromAssociation(association)
            : {
                key: podIdentityKey(seen.namespace, seen.serviceAccount, seen.roleArn),
                mechanism: 'pod-identity',
                namespace: seen.namespace,
                serviceAccount: seen.serviceAccount,
                roleArn: seen.roleArn,
              },
          'cloudtrail',
        );
      } else {
        const subject = serviceAccountSubject(seen.namespace, seen.serviceAccount);
        // A pattern grant on OLD already lists this identity under its pattern.
        const exact = irsaKey(subject, seen.roleArn);
        const underPattern = [...drafts.values()].find(
          (draft) =>
            draft.key !== exact &&
            draft.mechanism === 'irsa' &&
            draft.roleArn === seen.roleArn &&
            draft.subject !== undefined &&
            (draft.subject === ANY_SUBJECT || /[*?]/.test(draft.subject)) &&
            (draft.subject === ANY_SUBJECT || matchIamPattern(draft.subject, subject)),
        );
        if (underPattern) {
          underPattern.sources.add('cloudtrail');
          continue;
        }
        upsert(
          {
            key: exact,
            mechanism: 'irsa',
            namespace: seen.namespace,
            serviceAccount: seen.serviceAccount,
            subject,
            roleArn: seen.roleArn,
          },
          'cloudtrail',
        );
      }
    }
  }
  return [...drafts.values()].sort((a, b) => compareText(a.key, b.key));
}
