import type { AssociationInventory } from '../../model/inventory.js';
import { clause, shellWord } from '../../text.js';
import {
  type Cleanup,
  cleanupOf,
  type Deletion,
  deletionOf,
  mergeDeletions,
  notPlanned,
  withheldRemediation,
} from '../cleanup.js';
import type { CutoverCheck, CutoverDraft, CutoverRun } from '../context.js';
import { podIdentityKey } from '../workloads.js';

/** OLD still exists and still has Pod Identity associations after the switch. */
export const check: CutoverCheck = {
  meta: {
    id: 'CUTOVER_OLD_ASSOCIATIONS_LEFT',
    phase: 'post',
    category: 'cutover',
    title: 'Pod Identity associations left on the old cluster',
    severity: 'LOW',
    description:
      'OLD still exists and still has Pod Identity associations. The plan deletes one only when NEW has the same association and the evaluator admits its session there (role and target role), and the clusters and IAM data it rests on are complete.',
    remediation:
      '`aws eks delete-pod-identity-association --cluster-name OLD --association-id ID` (or delete OLD).',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-id-association.html',
  },
  evaluate(context) {
    const { run } = context;
    const old = run.clusters.old;
    if (!old) return [];
    const cleanup = cleanupOf(context);
    const { input } = run;
    const ownedBy = new Map<string, string>();
    for (const addon of old.addons)
      for (const arn of addon.podIdentityAssociationArns) ownedBy.set(arn, addon.name);
    const deletions = new Map(
      old.associations.map((association) => [
        association.associationArn,
        associationDeletion(run, cleanup, association),
      ]),
    );
    // Deleting an add-on deletes every association it owns: all of them must be able to go.
    const addonDeletion = (addon: string): Deletion => {
      const owned = old.associations.filter(
        (association) => ownedBy.get(association.associationArn) === addon,
      );
      const stays = owned.filter((association) => !deletions.get(association.associationArn)?.planned);
      if (stays.length === 0) return { planned: true };
      const reasons = stays.map(
        (association) => deletions.get(association.associationArn) as Exclude<Deletion, { planned: true }>,
      );
      const merged = mergeDeletions(reasons);
      return {
        ...merged,
        reason: `add-on ${addon} owns ${stays.map((association) => `${association.namespace}/${association.serviceAccount}`).join(', ')}, which must stay: ${merged.reason}`,
      };
    };
    const drafts: CutoverDraft[] = [];
    for (const association of old.associations) {
      const addon = ownedBy.get(association.associationArn);
      const key = podIdentityKey(association.namespace, association.serviceAccount, association.roleArn);
      const deletion = addon ? addonDeletion(addon) : (deletions.get(association.associationArn) as Deletion);
      const command = `aws eks delete-pod-identity-association --cluster-name ${shellWord(old.name)} --association-id ${shellWord(association.associationId)} --region ${old.region}`;
      const addonCommand = addon
        ? `aws eks delete-addon --cluster-name ${shellWord(old.name)} --addon-name ${shellWord(addon)} --region ${old.region}`
        : undefined;
      drafts.push({
        message: `Cluster ${old.name} still has Pod Identity association ${association.associationId} (${association.namespace}/${association.serviceAccount} → ${association.roleArn})${addon ? `, owned by add-on ${addon}` : ''}${deletion.planned ? '' : notPlanned(deletion)}`,
        accountId: old.accountId,
        region: old.region,
        cluster: old.name,
        resource: { type: 'AwsEksPodIdentityAssociation', id: association.associationArn },
        evidence: {
          namespace: association.namespace,
          serviceAccount: association.serviceAccount,
          roleArn: association.roleArn,
          ...(addon ? { addonName: addon } : {}),
          ...(deletion.planned ? {} : { withheld: { status: deletion.status, reason: deletion.reason } }),
        },
        remediation: !deletion.planned
          ? withheldRemediation(deletion.status, input)
          : addonCommand
            ? `Delete add-on ${addon} of ${old.name} (${addonCommand}), or delete the cluster.`
            : `${command} (or delete the cluster)`,
        plan: deletion.planned
          ? {
              commands: [
                {
                  description: `Delete association ${association.associationId} of ${old.name}`,
                  command: addonCommand ?? command,
                },
              ],
            }
          : { withheld: { status: deletion.status, reason: deletion.reason, workloads: [key] } },
      });
    }
    return drafts;
  },
};

/** Whether one association of OLD may go: NEW serves its workload. */
function associationDeletion(run: CutoverRun, cleanup: Cleanup, association: AssociationInventory): Deletion {
  const gaps = [
    cleanup.iamGap(association.roleArn.split(':')[4] ?? ''),
    ...(association.targetRoleArn ? [cleanup.iamGap(association.targetRoleArn.split(':')[4] ?? '')] : []),
  ];
  return deletionOf(cleanup, gaps, () => {
    const serving = cleanup.serving(
      podIdentityKey(association.namespace, association.serviceAccount, association.roleArn),
    );
    if (serving.state === 'served') return { planned: true };
    return {
      planned: false,
      status: serving.state,
      reason: `${serving.state === 'unknown' ? `whether ${run.input.to} serves` : `${run.input.to} does not serve`} ${association.namespace}/${association.serviceAccount}${serving.state === 'unknown' ? ' is unknown' : ''}: ${clause(serving.reason)}`,
    };
  });
}
