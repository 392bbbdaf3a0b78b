import { indexesFor } from '../checks/support/indexes.js';
import { issuerLivenessDecidable } from '../checks/support/workload.js';
import type { ResourceType } from '../model/index.js';
import type {
  AssociationInventory,
  CloudTrailEventRecord,
  OidcProviderInventory,
  RoleInventory,
} from '../model/inventory.js';
import type { IrsaGrant } from '../trust/types.js';
import { eksIssuerRegion, irsaGrantsOf } from '../trust/workload.js';
import { issuerOfProvider, parseServiceAccountSubject } from '../usage/index.js';
import { type Cleanup, cleanupOf, type Deletion, deletionOf, withheldRemediation } from './cleanup.js';
import { type CutoverState, note, plan, report, shellArg, undecided, withhold } from './context.js';
import { removeOldIssuer } from './trust-policy.js';
import type { WithheldStatus } from './types.js';
import {
  ANY_SUBJECT,
  addOldClusterWorkloads,
  irsaGrantWorkloads,
  irsaKey,
  podIdentityKey,
} from './workloads.js';

/**
 * Clean-up after the switch (the post phase). Deletions are planned only for what NEW already
 * serves, never before the pre phase would be READY, and never from incomplete data.
 */
export function evaluatePost(state: CutoverState): void {
  const oldHosts = oldIssuers(state);
  // OLD is gone: the grants of its issuer are the trace of its IRSA workloads.
  if (!state.clusters.old && oldHosts.size > 0)
    addOldClusterWorkloads(state.workloads, irsaGrantWorkloads(state.checkContext, new Set(oldHosts.keys())));
  checkFailures(state);
  const cleanup = cleanupOf(state);
  checkReadiness(state, cleanup);
  const removed = checkOldIssuerTrust(state, oldHosts, cleanup);
  checkOldProviders(state, oldHosts, cleanup, removed);
  checkOldAssociations(state, cleanup);
}

/** Run before the pre phase would be READY: say so, with what still blocks. */
function checkReadiness(state: CutoverState, cleanup: Cleanup): void {
  if (!cleanup.gate) return;
  const { clusters, input } = state;
  const blocked = [...cleanup.readiness.status]
    .filter(([, entry]) => entry.status === 'blocked')
    .map(([key]) => key);
  report(state, 'CUTOVER_NEW_NOT_SERVING', {
    message: `${cleanup.gate}; nothing is planned for deletion until the pre phase is READY`,
    accountId: clusters.accountId,
    region: clusters.region,
    cluster: clusters.new.name,
    resource: { type: 'AwsEksCluster', id: clusters.new.arn },
    workloads: blocked,
    evidence: {
      preVerdict: 'NOT_READY',
      blockers: cleanup.readiness.blocking.slice(0, 20),
      ...(cleanup.readiness.blocking.length > 20
        ? { moreBlockers: cleanup.readiness.blocking.length - 20 }
        : {}),
    },
    remediation: withheldRemediation('not-ready', input),
  });
}

/**
 * OLD's issuer. When OLD has been deleted its issuer is no longer in the inventory: the candidates
 * are EKS issuers of the cutover region that belong to no live cluster and that the logical
 * cluster's roles still trust, or that an IAM OIDC provider of the cluster account still names.
 */
function oldIssuers(state: CutoverState): Map<string, string> {
  const hosts = new Map<string, string>();
  const { clusters, checkContext } = state;
  if (clusters.old) {
    if (clusters.old.issuerHostPath)
      hosts.set(clusters.old.issuerHostPath, `the issuer of ${clusters.old.name}`);
    return hosts;
  }
  const { inventory } = checkContext;
  if (!issuerLivenessDecidable(inventory, clusters.accountId, clusters.region)) {
    undecided(
      state,
      'CUTOVER_OLD_ISSUER_STILL_TRUSTED',
      clusters.oldArn,
      `${state.input.from} is not in the snapshot and the EKS listing of ${clusters.accountId}/${clusters.region} was incomplete, so its issuer cannot be told apart`,
    );
    return hosts;
  }
  const indexes = indexesFor(checkContext);
  const dead = (host: string) =>
    host !== clusters.new.issuerHostPath &&
    eksIssuerRegion(host) === clusters.region &&
    (indexes.clustersByIssuerHostPath.get(host) ?? []).length === 0;
  const why = `an issuer of ${clusters.region} that belongs to no live cluster (${state.input.from} no longer exists)`;
  const relevantRoles = new Set(state.workloads.map((workload) => workload.roleArn));
  for (const role of inventory.roles.values()) {
    const grants = irsaGrantsOf(indexes.trustOf(role.arn));
    const trustsNew = grants.some((grant) => grant.issuerHostPath === clusters.new.issuerHostPath);
    if (!trustsNew && !relevantRoles.has(role.arn)) continue;
    for (const grant of grants) if (dead(grant.issuerHostPath)) hosts.set(grant.issuerHostPath, why);
  }
  for (const provider of inventory.oidcProviders) {
    if (provider.accountId !== clusters.accountId || !provider.isEksIssuer || !dead(provider.url)) continue;
    if (!hosts.has(provider.url) && taggedForAnotherCluster(provider.tags, state.input.from, clusters.oldArn))
      continue;
    hosts.set(provider.url, why);
  }
  return hosts;
}

/**
 * A provider whose own cluster-name tag (eksctl's `alpha.eksctl.io/cluster-name`, or any `…cluster-name`
 * key) names a cluster other than OLD belongs to that cluster: reporting it as OLD's would be a false alarm.
 */
function taggedForAnotherCluster(tags: Record<string, string>, oldName: string, oldArn: string): boolean {
  const values = Object.values(tags);
  if (values.includes(oldName) || values.includes(oldArn)) return false;
  return Object.keys(tags).some((key) => /cluster[-_]?name$/i.test(key));
}

/** What a withheld deletion adds to a finding's message. */
function notPlanned(deletion: Exclude<Deletion, { planned: true }>): string {
  const why = deletion.reason.replace(/\.$/, '');
  return deletion.status === 'unknown'
    ? `; whether it can go is unknown, so it is not planned for deletion: ${why}`
    : `; not planned for deletion: ${why}`;
}

/** Records a withheld deletion (and, when the data cannot tell, the undecided question). */
function withheldItem(
  state: CutoverState,
  checkId:
    | 'CUTOVER_OLD_ISSUER_STILL_TRUSTED'
    | 'CUTOVER_OLD_OIDC_PROVIDER_LEFT'
    | 'CUTOVER_OLD_ASSOCIATIONS_LEFT',
  resource: { type: ResourceType; id: string },
  deletion: Exclude<Deletion, { planned: true }>,
  workloads: string[],
): void {
  withhold(state, checkId, resource, deletion.status, deletion.reason, workloads);
  if (deletion.status === 'unknown') undecided(state, checkId, resource.id, deletion.reason, workloads);
  for (const key of workloads)
    note(state, key, `${resource.id} is not planned for deletion: ${deletion.reason}`);
}

/** Statement index → the OLD-issuer subjects it grants (unsatisfiable grants serve no one). */
function oldStatements(grants: IrsaGrant[]): Map<number, string[]> {
  const statements = new Map<number, string[]>();
  for (const grant of grants) {
    const subjects = statements.get(grant.statementIndex) ?? [];
    if (!grant.unsatisfiable) subjects.push(...(grant.subjects ?? [ANY_SUBJECT]));
    statements.set(grant.statementIndex, subjects);
  }
  return statements;
}

/** Whether one statement of OLD's issuer may lose it: NEW serves every subject it grants. */
function statementDeletion(
  state: CutoverState,
  cleanup: Cleanup,
  role: RoleInventory,
  index: number,
  subjects: string[],
): Deletion {
  for (const subject of new Set(subjects)) {
    const serving = cleanup.serving(irsaKey(subject, role.arn));
    if (serving.state === 'served') continue;
    return {
      planned: false,
      status: serving.state,
      reason: `statement ${index} grants ${subject === ANY_SUBJECT ? 'every service account' : subject}, and ${serving.state === 'unknown' ? `whether ${state.input.to} serves it is unknown` : `${state.input.to} does not serve it`}: ${serving.reason.replace(/\.$/, '')}`,
    };
  }
  return { planned: true };
}

/**
 * Roles still trusting OLD's issuer. A statement loses OLD's issuer only when NEW serves every
 * subject it grants; the others stay. Returns role ARN → the statements the plan removes OLD from.
 */
function checkOldIssuerTrust(
  state: CutoverState,
  oldHosts: Map<string, string>,
  cleanup: Cleanup,
): Map<string, Set<number>> {
  const removed = new Map<string, Set<number>>();
  if (oldHosts.size === 0) return removed;
  const { checkContext, clusters, input } = state;
  const indexes = indexesFor(checkContext);
  for (const role of checkContext.inventory.roles.values()) {
    const grants = irsaGrantsOf(indexes.trustOf(role.arn)).filter((grant) =>
      oldHosts.has(grant.issuerHostPath),
    );
    if (grants.length === 0) continue;
    const hosts = [...new Set(grants.map((grant) => grant.issuerHostPath))];
    const workloads = state.workloads
      .filter((workload) => workload.mechanism === 'irsa' && workload.roleArn === role.arn)
      .map((workload) => workload.key);
    const removable = new Set<number>();
    const kept: Array<Exclude<Deletion, { planned: true }>> = [];
    for (const [index, subjects] of oldStatements(grants)) {
      const deletion = deletionOf(cleanup, [cleanup.iamGap(role.accountId)], () =>
        statementDeletion(state, cleanup, role, index, subjects),
      );
      if (deletion.planned) removable.add(index);
      else kept.push(deletion);
    }
    const change =
      removable.size > 0 ? removeOldIssuer(role, hosts, clusters.new.issuerHostPath, removable) : undefined;
    if (change) {
      removed.set(role.arn, new Set(change.statements));
      state.trustPolicies.push(change);
      if (change.command)
        plan(
          state,
          'CUTOVER_OLD_ISSUER_STILL_TRUSTED',
          `Remove ${input.from}'s issuer from role ${role.name}${kept.length > 0 ? ` (statements ${[...removable].join(', ')} only)` : ''}`,
          change.command,
        );
    }
    const resource = { type: 'AwsIamRole' as const, id: role.arn };
    const withheld = kept.length > 0 ? mergeDeletions(kept) : undefined;
    if (withheld) withheldItem(state, 'CUTOVER_OLD_ISSUER_STILL_TRUSTED', resource, withheld, workloads);
    const subjects = grants.flatMap((grant) => grant.subjects ?? [ANY_SUBJECT]);
    for (const host of hosts) {
      const planned = change
        ? change.policy === null
          ? `; it trusts nothing else${workloads.length > 0 ? `, so ${input.to}'s workloads cannot use it either: add ${input.to}'s issuer first (cutover --phase pre)` : ': delete the role once nothing uses it'}`
          : change.message
            ? `; ${change.message}`
            : ''
        : '';
      report(state, 'CUTOVER_OLD_ISSUER_STILL_TRUSTED', {
        message: `Role ${role.name} (${role.arn}) still trusts ${host} (${oldHosts.get(host)}) for ${[...new Set(subjects)].join(', ')}${planned}${withheld ? notPlanned(withheld) : ''}`,
        accountId: role.accountId,
        region: clusters.region,
        resource,
        workloads,
        identity: [host],
        evidence: {
          issuerHostPath: host,
          statements: grants
            .filter((grant) => grant.issuerHostPath === host)
            .map((grant) => grant.statementIndex),
          subjects,
          removedStatements: change ? change.statements : [],
          ...(withheld ? { withheld: { status: withheld.status, reason: withheld.reason } } : {}),
        },
        remediation: change?.command
          ? `${change.command} (the plan gives ${change.file})`
          : change?.message
            ? change.message
            : withheld
              ? withheldRemediation(withheld.status, input)
              : `Remove the statements naming ${host} from the trust policy of ${role.name}.`,
      });
    }
  }
  return removed;
}

/** One reason for several withheld statements: unknown wins (the data cannot tell), then the gate. */
function mergeDeletions(
  deletions: Array<Exclude<Deletion, { planned: true }>>,
): Exclude<Deletion, { planned: true }> {
  const order: WithheldStatus[] = ['unknown', 'not-ready', 'still-needed', 'not-served'];
  const status = order.find((candidate) => deletions.some((deletion) => deletion.status === candidate))!;
  return {
    planned: false,
    status,
    reason: [...new Set(deletions.map((deletion) => deletion.reason.replace(/\.$/, '')))].join('; '),
  };
}

/** Whether the provider may go: no trust still needs it, and CloudTrail shows no use of its issuer. */
function providerDeletion(
  state: CutoverState,
  provider: OidcProviderInventory,
  removed: Map<string, Set<number>>,
): Deletion {
  const { checkContext, input } = state;
  const indexes = indexesFor(checkContext);
  const needers: string[] = [];
  for (const role of checkContext.inventory.roles.values()) {
    const grants = irsaGrantsOf(indexes.trustOf(role.arn)).filter(
      (grant) =>
        grant.providerArn === provider.arn ||
        (role.accountId === provider.accountId && sameIssuer(grant.issuerHostPath, provider.url)),
    );
    const still = grants.filter((grant) => !removed.get(role.arn)?.has(grant.statementIndex));
    if (still.length > 0)
      needers.push(
        `role ${role.name} (${role.arn}) still trusts it in statement ${[...new Set(still.map((grant) => grant.statementIndex))].join(', ')}`,
      );
  }
  const reasons: string[] = [];
  if (needers.length > 0)
    reasons.push(
      `${needers.join('; ')}, and the plan keeps ${needers.length === 1 ? 'that grant' : 'those grants'}`,
    );
  const uses = state.usage
    .workloads()
    .filter(
      (use) =>
        use.via === 'irsa' &&
        use.issuerHostPath !== undefined &&
        sameIssuer(use.issuerHostPath, provider.url) &&
        use.roleArn.split(':')[4] === provider.accountId,
    )
    .sort((a, b) => b.usage.lastSeen.localeCompare(a.usage.lastSeen));
  if (uses.length > 0) {
    const last = uses[0];
    reasons.push(
      `CloudTrail shows ${uses.length} workload(s) using its issuer ${input.since ? `since ${input.since.toISOString()}` : 'in the collected window'}, last ${last.namespace}/${last.serviceAccount} → ${last.roleArn} at ${last.usage.lastSeen}${input.since ? '' : ' (pass --since with the time of the switch to count only later use)'}`,
    );
  }
  return reasons.length > 0
    ? { planned: false, status: 'still-needed', reason: reasons.join('; ') }
    : { planned: true };
}

function sameIssuer(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function checkOldProviders(
  state: CutoverState,
  oldHosts: Map<string, string>,
  cleanup: Cleanup,
  removed: Map<string, Set<number>>,
): void {
  const { clusters, input } = state;
  const { completeness } = state.checkContext.inventory;
  for (const provider of state.checkContext.inventory.oidcProviders) {
    if (!oldHosts.has(provider.url)) continue;
    const trailGap =
      completeness.hasRegion(provider.accountId, clusters.region) &&
      completeness.cloudTrailComplete(provider.accountId, clusters.region)
        ? undefined
        : `CloudTrail of ${provider.accountId}/${clusters.region} was not fully collected, so recent use of the issuer cannot be ruled out`;
    const deletion = deletionOf(cleanup, [cleanup.iamGap(provider.accountId), trailGap], () =>
      providerDeletion(state, provider, removed),
    );
    const command = `aws iam delete-open-id-connect-provider --open-id-connect-provider-arn ${shellArg(provider.arn)}`;
    const resource = { type: 'AwsIamOidcProvider' as const, id: provider.arn };
    if (!deletion.planned) withheldItem(state, 'CUTOVER_OLD_OIDC_PROVIDER_LEFT', resource, deletion, []);
    report(state, 'CUTOVER_OLD_OIDC_PROVIDER_LEFT', {
      message: `IAM OIDC provider ${provider.arn} for ${provider.url} (${oldHosts.get(provider.url)}) still exists in account ${provider.accountId}${deletion.planned ? '' : notPlanned(deletion)}`,
      accountId: provider.accountId,
      region: clusters.region,
      resource,
      evidence: {
        url: provider.url,
        clientIds: provider.clientIds,
        ...(deletion.planned ? {} : { withheld: { status: deletion.status, reason: deletion.reason } }),
      },
      remediation: deletion.planned ? command : withheldRemediation(deletion.status, input),
    });
    if (deletion.planned)
      plan(
        state,
        'CUTOVER_OLD_OIDC_PROVIDER_LEFT',
        `Delete the IAM OIDC provider of ${provider.url}`,
        command,
      );
  }
}

/** Whether one association of OLD may go: NEW serves its workload. */
function associationDeletion(
  state: CutoverState,
  cleanup: Cleanup,
  association: AssociationInventory,
): Deletion {
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
      reason: `${serving.state === 'unknown' ? `whether ${state.input.to} serves` : `${state.input.to} does not serve`} ${association.namespace}/${association.serviceAccount}${serving.state === 'unknown' ? ' is unknown' : ''}: ${serving.reason.replace(/\.$/, '')}`,
    };
  });
}

function checkOldAssociations(state: CutoverState, cleanup: Cleanup): void {
  const old = state.clusters.old;
  if (!old) return;
  const { input } = state;
  const ownedBy = new Map<string, string>();
  for (const addon of old.addons)
    for (const arn of addon.podIdentityAssociationArns) ownedBy.set(arn, addon.name);
  const deletions = new Map(
    old.associations.map((association) => [
      association.associationArn,
      associationDeletion(state, cleanup, association),
    ]),
  );
  // Deleting an add-on deletes every association it owns: all of them must be able to go.
  const addonDeletion = (addon: string): Deletion => {
    const owned = old.associations.filter((association) => ownedBy.get(association.associationArn) === addon);
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
  for (const association of old.associations) {
    const addon = ownedBy.get(association.associationArn);
    const key = podIdentityKey(association.namespace, association.serviceAccount, association.roleArn);
    const deletion = addon ? addonDeletion(addon) : (deletions.get(association.associationArn) as Deletion);
    const command = `aws eks delete-pod-identity-association --cluster-name ${shellArg(old.name)} --association-id ${shellArg(association.associationId)} --region ${old.region}`;
    const addonCommand = addon
      ? `aws eks delete-addon --cluster-name ${shellArg(old.name)} --addon-name ${shellArg(addon)} --region ${old.region}`
      : undefined;
    const resource = { type: 'AwsEksPodIdentityAssociation' as const, id: association.associationArn };
    if (!deletion.planned) withheldItem(state, 'CUTOVER_OLD_ASSOCIATIONS_LEFT', resource, deletion, [key]);
    report(state, 'CUTOVER_OLD_ASSOCIATIONS_LEFT', {
      message: `Cluster ${old.name} still has Pod Identity association ${association.associationId} (${association.namespace}/${association.serviceAccount} → ${association.roleArn})${addon ? `, owned by add-on ${addon}` : ''}${deletion.planned ? '' : notPlanned(deletion)}`,
      accountId: old.accountId,
      region: old.region,
      cluster: old.name,
      resource,
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
    });
    if (deletion.planned)
      plan(
        state,
        'CUTOVER_OLD_ASSOCIATIONS_LEFT',
        `Delete association ${association.associationId} of ${old.name}`,
        addonCommand ?? command,
      );
  }
}

interface FailureGroup {
  kind: 'pod-identity-agent' | 'pod-identity-assume-role' | 'web-identity';
  roleArn?: string;
  subject?: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  errorCodes: Set<string>;
  errorMessages: Set<string>;
  eventIds: string[];
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function obj(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function tagValue(tags: unknown, key: string): string | undefined {
  if (Array.isArray(tags)) {
    for (const item of tags) {
      const entry = obj(item);
      if ((str(entry.key) ?? str(entry.Key)) === key) return str(entry.value) ?? str(entry.Value);
    }
    return undefined;
  }
  return str(obj(tags)[key]);
}

/** Classifies a failed credential request of NEW's workloads; undefined for anything else. */
function failureOf(
  record: CloudTrailEventRecord,
  newName: string,
  newHost: string | undefined,
): Pick<FailureGroup, 'kind' | 'roleArn' | 'subject'> | undefined {
  const detail = record.detail;
  if (!detail) return undefined;
  const errorCode = str(detail.errorCode);
  if (!errorCode) return undefined;
  const source = str(detail.eventSource) ?? record.eventSource;
  const name = str(detail.eventName) ?? record.eventName;
  const request = obj(detail.requestParameters);
  const identity = obj(detail.userIdentity);
  if (source === 'eks-auth.amazonaws.com' && name === 'AssumeRoleForPodIdentity') {
    return str(request.clusterName) === newName && /AccessDenied/.test(errorCode)
      ? { kind: 'pod-identity-agent' }
      : undefined;
  }
  if (source !== 'sts.amazonaws.com') return undefined;
  const roleArn = str(request.roleArn);
  if (name === 'AssumeRole') {
    const byPods =
      str(identity.invokedBy) === 'pods.eks.amazonaws.com' ||
      str(detail.sourceIPAddress) === 'pods.eks.amazonaws.com';
    if (!byPods) return undefined;
    const cluster =
      tagValue(request.tags, 'eks-cluster-name') ??
      tagValue(request.tags, 'eks-cluster-arn')?.split('/').pop();
    return cluster === newName
      ? { kind: 'pod-identity-assume-role', ...(roleArn ? { roleArn } : {}) }
      : undefined;
  }
  if (name === 'AssumeRoleWithWebIdentity' && newHost) {
    const provider = str(identity.identityProvider) ?? str(obj(detail.responseElements).provider);
    if (!provider || issuerOfProvider(provider) !== newHost) return undefined;
    const subject = str(identity.userName) ?? str(obj(detail.responseElements).subjectFromWebIdentityToken);
    return { kind: 'web-identity', ...(roleArn ? { roleArn } : {}), ...(subject ? { subject } : {}) };
  }
  return undefined;
}

function checkFailures(state: CutoverState): void {
  const { checkContext, clusters, input } = state;
  const cluster = clusters.new;
  const since = input.since?.getTime() ?? Number.NEGATIVE_INFINITY;
  const until = Date.parse(checkContext.inventory.capturedAt);
  const groups = new Map<string, FailureGroup>();
  for (const window of checkContext.inventory.cloudTrail) {
    for (const record of window.events) {
      const time = Date.parse(record.eventTime);
      if (Number.isNaN(time) || time < since || time > until) continue;
      const failure = failureOf(record, cluster.name, cluster.issuerHostPath);
      if (!failure) continue;
      const key = [failure.kind, failure.roleArn ?? '', failure.subject ?? ''].join('\u0000');
      let group = groups.get(key);
      if (!group) {
        group = {
          ...failure,
          count: 0,
          firstSeen: record.eventTime,
          lastSeen: record.eventTime,
          errorCodes: new Set(),
          errorMessages: new Set(),
          eventIds: [],
        };
        groups.set(key, group);
      }
      group.count++;
      if (time < Date.parse(group.firstSeen)) group.firstSeen = record.eventTime;
      if (time > Date.parse(group.lastSeen)) group.lastSeen = record.eventTime;
      const code = str(record.detail?.errorCode);
      if (code) group.errorCodes.add(code);
      const message = str(record.detail?.errorMessage);
      if (message) group.errorMessages.add(message);
      group.eventIds.push(record.eventId);
    }
  }
  const window = input.since ? `since ${input.since.toISOString()}` : 'in the CloudTrail window';
  for (const group of [...groups.values()].sort((a, b) =>
    (a.kind + (a.roleArn ?? '') + (a.subject ?? '')).localeCompare(
      b.kind + (b.roleArn ?? '') + (b.subject ?? ''),
    ),
  )) {
    const subject = group.subject ? parseServiceAccountSubject(group.subject) : undefined;
    const affected = state.workloads
      .filter((workload) =>
        group.kind === 'web-identity'
          ? workload.mechanism === 'irsa' &&
            workload.roleArn === group.roleArn &&
            workload.namespace === subject?.namespace &&
            workload.serviceAccount === subject?.serviceAccount
          : workload.mechanism === 'pod-identity' &&
            (group.roleArn === undefined || workload.roleArn === group.roleArn),
      )
      .map((workload) => workload.key);
    const what =
      group.kind === 'pod-identity-agent'
        ? `eks-auth:AssumeRoleForPodIdentity was refused ${group.count} time(s) on ${cluster.name}`
        : group.kind === 'pod-identity-assume-role'
          ? `EKS Pod Identity could not assume ${group.roleArn ?? 'a role'} for ${cluster.name} ${group.count} time(s)`
          : `AssumeRoleWithWebIdentity of ${group.roleArn ?? 'a role'} by ${group.subject ?? 'a token'} from ${cluster.name}'s issuer failed ${group.count} time(s)`;
    report(state, 'CUTOVER_ASSUME_FAILURES', {
      message: `${what} ${window} (${[...group.errorCodes].sort().join(', ')}; last at ${group.lastSeen})`,
      accountId: cluster.accountId,
      region: cluster.region,
      cluster: cluster.name,
      resource: group.roleArn
        ? { type: 'AwsIamRole', id: group.roleArn }
        : { type: 'AwsEksCluster', id: cluster.arn },
      workloads: affected,
      identity: [group.kind, group.subject ?? ''],
      evidence: {
        kind: group.kind,
        count: group.count,
        firstSeen: group.firstSeen,
        lastSeen: group.lastSeen,
        errorCodes: [...group.errorCodes].sort(),
        errorMessages: [...group.errorMessages].sort().slice(0, 5),
        eventIds: group.eventIds.sort().slice(0, 20),
        ...(group.subject ? { subject: group.subject } : {}),
      },
    });
  }
}
