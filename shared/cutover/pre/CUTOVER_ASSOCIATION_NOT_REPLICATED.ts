import type { AssociationInventory, ClusterInventory } from '../../model/inventory.js';
import { shellWord } from '../../text.js';
import { type CutoverCheck, type CutoverDraft, newAssociationOf, workloadOn } from '../context.js';
import { retiredCandidate, type WorkloadDraft } from '../workloads.js';

/** A Pod Identity workload of OLD has no association on NEW with the same settings. */
export const check: CutoverCheck = {
  meta: {
    id: 'CUTOVER_ASSOCIATION_NOT_REPLICATED',
    phase: 'pre',
    category: 'cutover',
    title: 'Pod Identity association not replicated on the new cluster',
    severity: 'HIGH',
    description:
      'A workload that uses Pod Identity on OLD has no association on NEW with the same namespace, service account, role, target role and session-tag setting. Add-on-owned associations are re-created through the add-on.',
    remediation:
      '`aws eks create-pod-identity-association --cluster-name NEW --namespace NS --service-account SA --role-arn ROLE_ARN`, or `aws eks update-addon --cluster-name NEW --addon-name ADDON --pod-identity-associations serviceAccount=SA,roleArn=ROLE_ARN` for add-on-owned ones.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html',
  },
  evaluate({ run }) {
    const workloads = run.workloads.filter((workload) => workload.mechanism === 'pod-identity');
    const cluster = run.clusters.new;
    const own: CutoverDraft[] = [];
    const byAddon = new Map<string, Array<{ workload: WorkloadDraft; draft?: CutoverDraft }>>();
    for (const workload of workloads) {
      const onNew = newAssociationOf(run, workload);
      const draft =
        onNew && differences(workload, onNew).length === 0
          ? undefined
          : replication(cluster, workload, onNew);
      if (workload.addonName) {
        const owned = byAddon.get(workload.addonName) ?? [];
        owned.push({ workload, draft });
        byAddon.set(workload.addonName, owned);
      } else if (draft) own.push(draft);
    }
    // Add-on-owned associations are re-created through the add-on: `--pod-identity-associations`
    // replaces the add-on's whole set, so the command lists every association the add-on owns on OLD.
    // Their commands follow the others in the plan.
    const viaAddons: CutoverDraft[] = [];
    for (const [addonName, owned] of byAddon) {
      const drafts = owned.flatMap(({ draft }) => (draft ? [draft] : []));
      if (!drafts.some((draft) => draft.blocking !== false)) {
        viaAddons.push(...drafts);
        continue;
      }
      const installed = cluster.addons.some((addon) => addon.name === addonName);
      const items = owned
        .map(({ workload }) => `serviceAccount=${workload.serviceAccount},roleArn=${workload.roleArn}`)
        .map(shellWord)
        .join(' ');
      const verb = installed ? 'update-addon' : 'create-addon';
      const command = `aws eks ${verb} --cluster-name ${cluster.name} --addon-name ${addonName} --pod-identity-associations ${items} --region ${cluster.region}`;
      const description =
        `${installed ? 'Give' : 'Install'} add-on ${addonName} on ${cluster.name} ${installed ? '' : 'with '}its Pod Identity associations`.replace(
          /\s+/g,
          ' ',
        );
      for (const draft of drafts) {
        draft.remediation = command;
        draft.plan = { commands: [{ description, command }] };
        viaAddons.push(draft);
      }
    }
    return [...own, ...viaAddons];
  },
};

function differences(workload: WorkloadDraft, association: AssociationInventory): string[] {
  const fields: string[] = [];
  if (association.roleArn !== workload.roleArn)
    fields.push(`role ${association.roleArn} instead of ${workload.roleArn}`);
  // A workload known only from CloudTrail has no recorded target role or tag setting to compare.
  const known = workload.oldAssociation !== undefined || workload.sources.has('baseline');
  if (known && (association.targetRoleArn ?? '') !== (workload.targetRoleArn ?? '')) {
    fields.push(
      `target role ${association.targetRoleArn ?? '(none)'} instead of ${workload.targetRoleArn ?? '(none)'}`,
    );
  }
  if (known && association.disableSessionTags !== (workload.disableSessionTags ?? false)) {
    fields.push(
      `session tags ${association.disableSessionTags ? 'disabled' : 'enabled'} instead of ${workload.disableSessionTags ? 'disabled' : 'enabled'}`,
    );
  }
  return fields;
}

/** The finding for a workload whose association NEW lacks (or has with other settings). */
function replication(
  cluster: ClusterInventory,
  workload: WorkloadDraft,
  onNew: AssociationInventory | undefined,
): CutoverDraft {
  const fields = onNew ? differences(workload, onNew) : [];
  const retired = retiredCandidate(workload);
  const who = `${workload.namespace}/${workload.serviceAccount}`;
  const what = onNew
    ? `cluster ${cluster.name} has association ${onNew.associationId} for ${who} with ${fields.join(', ')}`
    : `cluster ${cluster.name} has no Pod Identity association for ${who} (role ${workload.roleArn})`;
  const via = workload.addonName ? `; the association belongs to add-on ${workload.addonName}` : '';
  const seenOnly = retired
    ? '; the workload was seen in CloudTrail on the old cluster but has no association there any more, so this does not block'
    : '';
  const command = workload.addonName
    ? undefined
    : onNew
      ? updateAssociationCommand(cluster, onNew, workload)
      : createAssociationCommand(cluster, workload);
  return {
    ...(retired ? { severity: 'LOW' as const } : {}),
    blocking: !retired,
    message: `${what}${via}${seenOnly}`,
    ...workloadOn(cluster, workload),
    identity: [workload.roleArn],
    evidence: {
      expected: {
        namespace: workload.namespace,
        serviceAccount: workload.serviceAccount,
        roleArn: workload.roleArn,
        targetRoleArn: workload.targetRoleArn ?? null,
        disableSessionTags: workload.disableSessionTags ?? false,
      },
      ...(onNew
        ? {
            actual: {
              associationId: onNew.associationId,
              roleArn: onNew.roleArn,
              targetRoleArn: onNew.targetRoleArn ?? null,
              disableSessionTags: onNew.disableSessionTags,
            },
          }
        : {}),
      ...(workload.oldAssociation ? { oldAssociationArn: workload.oldAssociation.associationArn } : {}),
      ...(workload.addonName ? { addonName: workload.addonName } : {}),
    },
    ...(command ? { remediation: command } : {}),
    ...(command && !retired
      ? {
          plan: {
            commands: [
              {
                description: `${onNew ? 'Update' : 'Create'} the association of ${who} on ${cluster.name}`,
                command,
              },
            ],
          },
        }
      : {}),
  };
}

function createAssociationCommand(cluster: ClusterInventory, workload: WorkloadDraft): string {
  return [
    `aws eks create-pod-identity-association --cluster-name ${cluster.name}`,
    `--namespace ${shellWord(workload.namespace)} --service-account ${shellWord(workload.serviceAccount)}`,
    `--role-arn ${shellWord(workload.roleArn)}`,
    ...(workload.targetRoleArn ? [`--target-role-arn ${shellWord(workload.targetRoleArn)}`] : []),
    ...(workload.disableSessionTags ? ['--disable-session-tags'] : []),
    `--region ${cluster.region}`,
  ].join(' ');
}

function updateAssociationCommand(
  cluster: ClusterInventory,
  association: AssociationInventory,
  workload: WorkloadDraft,
): string {
  return [
    `aws eks update-pod-identity-association --cluster-name ${cluster.name}`,
    `--association-id ${shellWord(association.associationId)}`,
    `--role-arn ${shellWord(workload.roleArn)}`,
    workload.targetRoleArn ? `--target-role-arn ${shellWord(workload.targetRoleArn)}` : '',
    workload.disableSessionTags ? '--disable-session-tags' : '--no-disable-session-tags',
    `--region ${cluster.region}`,
  ]
    .filter((part) => part !== '')
    .join(' ');
}
