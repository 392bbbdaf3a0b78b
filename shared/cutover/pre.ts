import { nodeRolePodIdentityPermission } from '../checks/runtime/PI_NODE_ROLE_MISSING_PERMISSION.js';
import { oidcProviderArn } from '../model/identity.js';
import type { AssociationInventory, ClusterInventory, Inventory, RoleInventory } from '../model/inventory.js';
import type { AssumeDecision } from '../trust/types.js';
import {
  fargateSelectorsFor,
  hasPodIdentityAgent,
  POD_IDENTITY_AGENT_ADDON,
  podIdentityAssumeRequest,
  selectsByLabels,
  targetRoleAssumeRequest,
  withoutPerPodConditions,
} from '../trust/workload.js';
import {
  associationOn,
  type CutoverState,
  decision,
  note,
  plan,
  report,
  shellArg,
  undecided,
} from './context.js';
import { markFlaggedGrants } from './flagged.js';
import { clusterNamePins } from './pins.js';
import { extendTrustPolicy, sampleSubject } from './trust-policy.js';
import { retiredCandidate, type WorkloadDraft } from './workloads.js';

const WORKER_NODE_POLICY = 'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy';

/**
 * NEW is denied where OLD is admitted: the difference is the cluster, so the policy is pinned to OLD.
 * When OLD's outcome is undecided, conditions that name OLD must show the pin.
 */
function pinnedToOld(onOld: AssumeDecision, pins: string[]): boolean {
  return onOld.allowed === true || (onOld.allowed === 'unknown' && pins.length > 0);
}

function roleNameOf(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** Readiness of NEW for every workload of OLD (the pre phase). */
export function evaluatePre(state: CutoverState): void {
  const podIdentity = state.workloads.filter((workload) => workload.mechanism === 'pod-identity');
  const irsa = state.workloads.filter((workload) => workload.mechanism === 'irsa');
  if (podIdentity.length > 0) {
    checkAgent(state, podIdentity);
    checkNodeRoles(state, podIdentity);
    for (const workload of podIdentity) {
      checkReplication(state, workload);
      checkRoleTrustPins(state, workload);
      checkTargetRolePins(state, workload);
      checkFargate(state, workload);
    }
    planAddonAssociations(state, podIdentity);
  }
  if (irsa.length > 0) checkIrsa(state, irsa);
  demoteRetiredOnly(state);
  // Only the report of the pre phase carries a plan to mark (the post phase runs these rules too).
  if (state.input.phase === 'pre') markFlaggedGrants(state);
}

/**
 * A finding that only workloads possibly retired need (seen in CloudTrail on OLD, gone from OLD)
 * does not block: the agent, node roles, a provider or a pinned trust matter only if they come back.
 */
function demoteRetiredOnly(state: CutoverState): void {
  const retired = new Set(state.workloads.filter(retiredCandidate).map((workload) => workload.key));
  if (retired.size === 0) return;
  for (const finding of state.findings) {
    if (!finding.blocking || finding.checkId === 'CUTOVER_COLLECTION_INCOMPLETE') continue;
    if (finding.workloads.length === 0 || !finding.workloads.every((key) => retired.has(key))) continue;
    finding.blocking = false;
    finding.severity = 'LOW';
    finding.message = `${finding.message.replace(/\.$/, '')}; only workloads seen in CloudTrail on ${state.input.from} that it no longer has need this, so it does not block.`;
  }
}

function checkAgent(state: CutoverState, workloads: WorkloadDraft[]): void {
  const cluster = state.clusters.new;
  if (hasPodIdentityAgent(cluster)) return;
  report(state, 'CUTOVER_AGENT_MISSING', {
    message: `Cluster ${cluster.name} (${cluster.arn}) has no ${POD_IDENTITY_AGENT_ADDON} add-on and is not in Auto Mode; its ${workloads.length} Pod Identity workload(s) would get no credentials`,
    accountId: cluster.accountId,
    region: cluster.region,
    cluster: cluster.name,
    resource: { type: 'AwsEksCluster', id: cluster.arn },
    workloads: workloads.map((workload) => workload.key),
    evidence: { addons: cluster.addons.map((addon) => addon.name), autoMode: cluster.autoMode },
    remediation: `aws eks create-addon --cluster-name ${cluster.name} --addon-name ${POD_IDENTITY_AGENT_ADDON} --region ${cluster.region}`,
  });
  plan(
    state,
    'CUTOVER_AGENT_MISSING',
    `Install the Pod Identity agent on ${cluster.name}`,
    `aws eks create-addon --cluster-name ${cluster.name} --addon-name ${POD_IDENTITY_AGENT_ADDON} --region ${cluster.region}`,
  );
}

function checkNodeRoles(state: CutoverState, workloads: WorkloadDraft[]): void {
  const cluster = state.clusters.new;
  // NEW judged as it will be once the plan is applied: with the associations it is to serve.
  const planned: ClusterInventory = {
    ...cluster,
    associations:
      cluster.associations.length > 0
        ? cluster.associations
        : workloads.map((workload) => associationOn(state.clusters, cluster.name, cluster.arn, workload)),
  };
  const keys = workloads.map((workload) => workload.key);
  for (const nodegroup of cluster.nodegroups) {
    const verdict = nodeRolePodIdentityPermission(state.checkContext, planned, nodegroup);
    const resourceId =
      typeof nodegroup.raw.nodegroupArn === 'string'
        ? nodegroup.raw.nodegroupArn
        : `${cluster.arn.replace(':cluster/', ':nodegroup/')}/${nodegroup.name}`;
    if (verdict.result === 'unknown') {
      undecided(state, 'CUTOVER_NODE_ROLE_MISSING_PERMISSION', resourceId, verdict.reason, keys);
      continue;
    }
    if (verdict.result !== 'denied' || !verdict.role) continue;
    const role = verdict.role;
    report(state, 'CUTOVER_NODE_ROLE_MISSING_PERMISSION', {
      message: `Node group ${nodegroup.name} of cluster ${cluster.name} uses node role ${role.name} (${role.arn}), whose policies do not allow eks-auth:AssumeRoleForPodIdentity; Pod Identity workloads on its nodes would get no credentials`,
      accountId: cluster.accountId,
      region: cluster.region,
      cluster: cluster.name,
      resource: { type: 'AwsEksNodegroup', id: resourceId },
      workloads: keys,
      evidence: {
        nodeRoleArn: role.arn,
        reason: verdict.reason,
        inlinePolicies: role.inlinePolicies.map((policy) => policy.name),
        attachedManagedPolicies: role.attachedManagedPolicyArns,
      },
      remediation: `aws iam attach-role-policy --role-name ${role.name} --policy-arn ${WORKER_NODE_POLICY}`,
    });
    plan(
      state,
      'CUTOVER_NODE_ROLE_MISSING_PERMISSION',
      `Let node role ${role.name} fetch Pod Identity credentials`,
      `aws iam attach-role-policy --role-name ${role.name} --policy-arn ${WORKER_NODE_POLICY}`,
    );
  }
}

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

/** Where a finding about a workload on one cluster points: that cluster and the workload identity on it. */
function workloadOn(cluster: ClusterInventory, workload: WorkloadDraft) {
  return {
    accountId: cluster.accountId,
    region: cluster.region,
    cluster: cluster.name,
    resource: {
      type: 'WorkloadIdentity' as const,
      id: `${cluster.arn}/serviceaccount/${workload.namespace}/${workload.serviceAccount}`,
    },
    workloads: [workload.key],
  };
}

/** The Pod Identity association NEW already has for the workload's service account, if any. */
function newAssociationOf(state: CutoverState, workload: WorkloadDraft): AssociationInventory | undefined {
  return state.clusters.new.associations.find(
    (association) =>
      association.namespace === workload.namespace && association.serviceAccount === workload.serviceAccount,
  );
}

function checkReplication(state: CutoverState, workload: WorkloadDraft): void {
  const cluster = state.clusters.new;
  const onNew = newAssociationOf(state, workload);
  const fields = onNew ? differences(workload, onNew) : [];
  if (onNew && fields.length === 0) return;
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
  report(state, 'CUTOVER_ASSOCIATION_NOT_REPLICATED', {
    severity: retired ? 'LOW' : undefined,
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
  });
  if (command && !retired) {
    plan(
      state,
      'CUTOVER_ASSOCIATION_NOT_REPLICATED',
      `${onNew ? 'Update' : 'Create'} the association of ${who} on ${cluster.name}`,
      command,
    );
  }
}

function createAssociationCommand(cluster: ClusterInventory, workload: WorkloadDraft): string {
  return [
    `aws eks create-pod-identity-association --cluster-name ${cluster.name}`,
    `--namespace ${shellArg(workload.namespace)} --service-account ${shellArg(workload.serviceAccount)}`,
    `--role-arn ${shellArg(workload.roleArn)}`,
    ...(workload.targetRoleArn ? [`--target-role-arn ${shellArg(workload.targetRoleArn)}`] : []),
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
    `--association-id ${shellArg(association.associationId)}`,
    `--role-arn ${shellArg(workload.roleArn)}`,
    workload.targetRoleArn ? `--target-role-arn ${shellArg(workload.targetRoleArn)}` : '',
    workload.disableSessionTags ? '--disable-session-tags' : '--no-disable-session-tags',
    `--region ${cluster.region}`,
  ]
    .filter((part) => part !== '')
    .join(' ');
}

/**
 * Add-on-owned associations are re-created through the add-on: `--pod-identity-associations`
 * replaces the add-on's whole set, so the command lists every association the add-on owns on OLD.
 */
function planAddonAssociations(state: CutoverState, workloads: WorkloadDraft[]): void {
  const cluster = state.clusters.new;
  const pending = new Set(
    state.findings
      .filter((finding) => finding.checkId === 'CUTOVER_ASSOCIATION_NOT_REPLICATED' && finding.blocking)
      .flatMap((finding) => finding.workloads),
  );
  const byAddon = new Map<string, WorkloadDraft[]>();
  for (const workload of workloads) {
    if (!workload.addonName) continue;
    byAddon.set(workload.addonName, [...(byAddon.get(workload.addonName) ?? []), workload]);
  }
  for (const [addonName, owned] of byAddon) {
    if (!owned.some((workload) => pending.has(workload.key))) continue;
    const installed = cluster.addons.some((addon) => addon.name === addonName);
    const items = owned
      .map((workload) => `serviceAccount=${workload.serviceAccount},roleArn=${workload.roleArn}`)
      .map(shellArg)
      .join(' ');
    const verb = installed ? 'update-addon' : 'create-addon';
    const command = `aws eks ${verb} --cluster-name ${cluster.name} --addon-name ${addonName} --pod-identity-associations ${items} --region ${cluster.region}`;
    plan(
      state,
      'CUTOVER_ASSOCIATION_NOT_REPLICATED',
      `${installed ? 'Give' : 'Install'} add-on ${addonName} on ${cluster.name} ${installed ? '' : 'with '}its Pod Identity associations`.replace(
        /\s+/g,
        ' ',
      ),
      command,
    );
    for (const finding of state.findings) {
      if (finding.checkId !== 'CUTOVER_ASSOCIATION_NOT_REPLICATED') continue;
      if (finding.workloads.some((key) => owned.some((workload) => workload.key === key)))
        finding.remediation = command;
    }
  }
}

function checkRoleTrustPins(state: CutoverState, workload: WorkloadDraft): void {
  const { clusters, checkContext } = state;
  const role = checkContext.inventory.roles.get(workload.roleArn);
  if (!role) {
    undecided(
      state,
      'CUTOVER_TRUST_PINNED_TO_OLD_CLUSTER',
      workload.roleArn,
      `role ${workload.roleArn} is not in the snapshot`,
      [workload.key],
    );
    return;
  }
  const newCluster = clusters.new;
  const oldName = state.input.from;
  const oldAssociation = associationOn(clusters, oldName, clusters.oldArn, workload, workload.oldAssociation);
  const newAssociation = associationOn(clusters, newCluster.name, newCluster.arn, workload);
  // Per-pod tags (pod name, uid) differ for every pod: judge the most permissive reading for both.
  const trust = withoutPerPodConditions(role.trustPolicy);
  const onOld = decision(trust, podIdentityAssumeRequest(oldAssociation));
  const onNew = decision(trust, podIdentityAssumeRequest(newAssociation));
  const clusterRef = { oldName, oldArn: clusters.oldArn, newName: newCluster.name, newArn: newCluster.arn };
  if (onNew.allowed === 'unknown') {
    undecided(state, 'CUTOVER_TRUST_PINNED_TO_OLD_CLUSTER', role.arn, onNew.reason, [workload.key]);
  }
  const pins = clusterNamePins([{ name: 'trust policy', document: role.trustPolicy }], clusterRef, 'trust');
  if (onNew.allowed === 'unknown') {
    // Reported above as undecided.
  } else if (onNew.allowed === false && pinnedToOld(onOld, pins)) {
    report(state, 'CUTOVER_TRUST_PINNED_TO_OLD_CLUSTER', {
      message: `Role ${role.name} (${role.arn}) trusts the Pod Identity session of ${workload.namespace}/${workload.serviceAccount} on ${oldName} but not on ${newCluster.name}${pins.length > 0 ? ` (${pins.join('; ')})` : ''}: ${onNew.reason.replace(/\.$/, '')}`,
      accountId: role.accountId,
      resource: { type: 'AwsIamRole', id: role.arn },
      workloads: [workload.key],
      identity: ['trust'],
      evidence: { where: 'trust policy', reason: onNew.reason, pins },
      remediation: `Add ${newCluster.name} / ${newCluster.arn} beside ${oldName} in the conditions, then aws iam update-assume-role-policy --role-name ${role.name} --policy-document file://${role.name}-trust-policy.json`,
    });
  } else if (onNew.allowed === false && onOld.allowed === false) {
    note(
      state,
      workload.key,
      `role ${role.name}'s trust rejects this workload's session on ${oldName} as well (${onOld.reason.replace(/\.$/, '')}); the audit reports it`,
    );
  }
  if (!workload.disableSessionTags)
    abacPins(state, workload, role, clusterRef, 'CUTOVER_TRUST_PINNED_TO_OLD_CLUSTER');
}

/** Permission policies that condition on the session's cluster tags (ABAC) with OLD's values only. */
function abacPins(
  state: CutoverState,
  workload: WorkloadDraft,
  role: RoleInventory,
  clusterRef: { oldName: string; oldArn: string; newName: string; newArn: string },
  checkId: 'CUTOVER_TRUST_PINNED_TO_OLD_CLUSTER' | 'CUTOVER_TARGET_ROLE_PINNED_TO_OLD_CLUSTER',
): void {
  const pins = clusterNamePins(permissionDocuments(state.checkContext.inventory, role), clusterRef, 'abac');
  if (pins.length === 0) return;
  report(state, checkId, {
    message: `Role ${role.name} (${role.arn}) grants its permissions only to sessions tagged with ${clusterRef.oldName} (${pins.join('; ')}); on ${clusterRef.newName} ${workload.namespace}/${workload.serviceAccount} would be denied`,
    accountId: role.accountId,
    resource: { type: 'AwsIamRole', id: role.arn },
    workloads: [workload.key],
    identity: ['abac'],
    evidence: { where: 'permission policies', pins },
    remediation: `Add ${clusterRef.newName} / ${clusterRef.newArn} to the aws:PrincipalTag conditions of ${role.name}'s permission policies (aws iam put-role-policy or aws iam create-policy-version).`,
  });
}

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

function checkTargetRolePins(state: CutoverState, workload: WorkloadDraft): void {
  if (!workload.targetRoleArn) return;
  const { clusters, checkContext } = state;
  const target = checkContext.inventory.roles.get(workload.targetRoleArn);
  if (!target) {
    undecided(
      state,
      'CUTOVER_TARGET_ROLE_PINNED_TO_OLD_CLUSTER',
      workload.targetRoleArn,
      `target role ${workload.targetRoleArn} is not in the snapshot (add its account to the baseline's accounts)`,
      [workload.key],
    );
    return;
  }
  const newCluster = clusters.new;
  const onNewExisting = newAssociationOf(state, workload);
  const oldRequest = targetRoleAssumeRequest(
    associationOn(clusters, state.input.from, clusters.oldArn, workload, workload.oldAssociation),
  );
  const newRequest = targetRoleAssumeRequest(
    associationOn(clusters, newCluster.name, newCluster.arn, workload, onNewExisting),
  );
  const onOld = decision(target.trustPolicy, oldRequest);
  const onNew = decision(target.trustPolicy, newRequest);
  const clusterRef = {
    oldName: state.input.from,
    oldArn: clusters.oldArn,
    newName: newCluster.name,
    newArn: newCluster.arn,
  };
  if (onNew.allowed === 'unknown') {
    undecided(state, 'CUTOVER_TARGET_ROLE_PINNED_TO_OLD_CLUSTER', target.arn, onNew.reason, [workload.key]);
  }
  const pins = clusterNamePins(
    [{ name: 'trust policy', document: target.trustPolicy }],
    { ...clusterRef, oldExternalId: oldRequest.externalId },
    'target',
  );
  if (onNew.allowed === 'unknown') {
    // Reported above as undecided.
  } else if (onNew.allowed === false && pinnedToOld(onOld, pins)) {
    report(state, 'CUTOVER_TARGET_ROLE_PINNED_TO_OLD_CLUSTER', {
      message: `Target role ${target.name} (${target.arn}) admits role ${workload.roleArn} chaining from ${clusterRef.oldName} but not from ${newCluster.name}${pins.length > 0 ? ` (${pins.join('; ')})` : ''}: ${onNew.reason.replace(/\.$/, '')}`,
      accountId: target.accountId,
      resource: { type: 'AwsIamRole', id: target.arn },
      workloads: [workload.key],
      identity: ['trust'],
      evidence: {
        where: 'trust policy',
        reason: onNew.reason,
        pins,
        oldExternalId: oldRequest.externalId ?? null,
        newExternalId: newRequest.externalId ?? null,
      },
      remediation: `In account ${target.accountId}, add ${newCluster.name}'s external id (${newRequest.externalId}) or cluster name/ARN beside ${clusterRef.oldName}'s in the trust conditions: aws iam update-assume-role-policy --role-name ${target.name} --policy-document file://${target.name}-trust-policy.json`,
    });
  } else if (onNew.allowed === false && onOld.allowed === false) {
    note(
      state,
      workload.key,
      `target role ${target.name} rejects the chained session on ${clusterRef.oldName} as well; the audit reports it`,
    );
  }
  if (!workload.disableSessionTags)
    abacPins(state, workload, target, clusterRef, 'CUTOVER_TARGET_ROLE_PINNED_TO_OLD_CLUSTER');
}

function checkFargate(state: CutoverState, workload: WorkloadDraft): void {
  const cluster = state.clusters.new;
  const onNew = fargateSelectorsFor(cluster, workload.namespace);
  if (onNew.length === 0) return;
  const onOld = state.clusters.old ? fargateSelectorsFor(state.clusters.old, workload.namespace) : [];
  const newAll = onNew.some((match) => !selectsByLabels(match.selector));
  const oldAll = onOld.some((match) => !selectsByLabels(match.selector));
  // OLD already sent these pods to Fargate: nothing changes with the cutover.
  if (oldAll || (!newAll && onOld.length > 0)) return;
  const profiles = [...new Set(onNew.map((match) => match.profile))];
  report(state, 'CUTOVER_FARGATE_INCOMPATIBLE', {
    severity: newAll ? 'HIGH' : 'MEDIUM',
    message: `Namespace ${workload.namespace} runs on Fargate on ${cluster.name} (profile ${profiles.join(', ')}${newAll ? '' : ', pods with matching labels'}) but not on ${state.input.from}; Pod Identity does not work on Fargate, so ${workload.namespace}/${workload.serviceAccount} would get no credentials`,
    ...workloadOn(cluster, workload),
    evidence: {
      fargateProfiles: profiles,
      selectors: onNew.map((match) => ({
        profile: match.profile,
        namespace: match.selector.namespace,
        ...(selectsByLabels(match.selector) ? { labels: match.selector.labels } : {}),
      })),
      allPods: newAll,
    },
  });
}

function checkIrsa(state: CutoverState, workloads: WorkloadDraft[]): void {
  const { checkContext, clusters } = state;
  const { inventory } = checkContext;
  const cluster = clusters.new;
  const newHost = cluster.issuerHostPath;
  const oldHost = clusters.old?.issuerHostPath;
  if (!newHost) {
    for (const workload of workloads)
      undecided(
        state,
        'CUTOVER_IRSA_TRUST_NOT_EXTENDED',
        cluster.arn,
        `cluster ${cluster.name} has no OIDC issuer`,
        [workload.key],
      );
    return;
  }
  const byRole = new Map<string, WorkloadDraft[]>();
  for (const workload of workloads)
    byRole.set(workload.roleArn, [...(byRole.get(workload.roleArn) ?? []), workload]);

  // One provider per account that holds an IRSA role of the workloads.
  const accounts = new Map<string, string[]>();
  for (const [roleArn, users] of byRole) {
    const account = roleArn.split(':')[4];
    if (!account) continue;
    accounts.set(account, [...(accounts.get(account) ?? []), ...users.map((workload) => workload.key)]);
  }
  for (const [account, keys] of accounts) {
    const providerArn = oidcProviderArn(account, newHost, cluster.arn.split(':')[1]);
    if (inventory.oidcProviders.some((provider) => provider.arn === providerArn)) continue;
    if (!inventory.completeness.hasAccount(account) || !inventory.completeness.iamComplete(account)) {
      undecided(
        state,
        'CUTOVER_OIDC_PROVIDER_MISSING',
        providerArn,
        `the IAM data of account ${account} was not fully collected`,
        keys,
      );
      continue;
    }
    const command = `aws iam create-open-id-connect-provider --url https://${newHost} --client-id-list sts.amazonaws.com`;
    report(state, 'CUTOVER_OIDC_PROVIDER_MISSING', {
      message: `Account ${account} has no IAM OIDC provider for ${cluster.name}'s issuer ${newHost}; STS rejects every IRSA token from ${cluster.name} until it exists`,
      accountId: account,
      region: cluster.region,
      cluster: cluster.name,
      resource: { type: 'AwsIamOidcProvider', id: providerArn },
      workloads: keys,
      evidence: { issuerUrl: `https://${newHost}`, providerArn },
      remediation: `${command} (in account ${account})`,
    });
    plan(
      state,
      'CUTOVER_OIDC_PROVIDER_MISSING',
      `Create the IAM OIDC provider for ${cluster.name} in account ${account}`,
      command,
    );
  }

  for (const [roleArn, users] of byRole) {
    const role = inventory.roles.get(roleArn);
    if (!role) {
      for (const workload of users)
        undecided(
          state,
          'CUTOVER_IRSA_TRUST_NOT_EXTENDED',
          roleArn,
          `role ${roleArn} is not in the snapshot`,
          [workload.key],
        );
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
        undecided(state, 'CUTOVER_IRSA_TRUST_NOT_EXTENDED', role.arn, verdict.reason, [workload.key]);
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
    if (change) {
      state.trustPolicies.push(change);
      if (change.command)
        plan(
          state,
          'CUTOVER_IRSA_TRUST_NOT_EXTENDED',
          `Trust ${cluster.name}'s issuer in role ${role.name}`,
          change.command,
        );
    }
    for (const workload of missing) {
      const retired = retiredCandidate(workload);
      report(state, 'CUTOVER_IRSA_TRUST_NOT_EXTENDED', {
        severity: retired ? 'LOW' : undefined,
        blocking: !retired,
        message: `Role ${role.name} (${role.arn}) does not trust ${workload.subject ?? 'any service account'} from ${cluster.name}'s issuer ${newHost}${change && !change.fits ? `; ${change.message}` : ''}${retired ? `; the subject was seen in CloudTrail on ${state.input.from} but its trust there is gone, so this does not block` : ''}`,
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
      });
    }
  }
}
