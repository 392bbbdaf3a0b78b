import { indexesFor } from '../checks/indexes.js';
import { eksIssuerRegion, irsaGrantsOf, issuerLivenessDecidable } from '../checks/trust/support/workload.js';
import type { CloudTrailEventRecord, RoleInventory } from '../model/inventory.js';
import { issuerOfProvider, parseServiceAccountSubject } from '../usage/index.js';
import { type CutoverState, plan, report, shellArg, undecided } from './context.js';
import { removeOldIssuer } from './trust-policy.js';

/** Clean-up after the switch (the post phase). */
export function evaluatePost(state: CutoverState): void {
  const oldHosts = oldIssuers(state);
  checkOldIssuerTrust(state, oldHosts);
  checkOldProviders(state, oldHosts);
  checkOldAssociations(state);
  checkFailures(state);
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

function applyRemovals(role: RoleInventory, hosts: string[], newHost: string | undefined) {
  let current = role;
  let last: ReturnType<typeof removeOldIssuer>;
  const touched: number[] = [];
  for (const host of hosts) {
    const change = removeOldIssuer(current, host, newHost);
    if (!change) continue;
    last = change;
    touched.push(...change.statements);
    if (change.policy === null) break;
    current = { ...current, trustPolicy: change.policy };
  }
  return last ? { ...last, statements: [...new Set(touched)].sort((a, b) => a - b) } : undefined;
}

function checkOldIssuerTrust(state: CutoverState, oldHosts: Map<string, string>): void {
  if (oldHosts.size === 0) return;
  const { checkContext, clusters } = state;
  const indexes = indexesFor(checkContext);
  for (const role of checkContext.inventory.roles.values()) {
    const grants = irsaGrantsOf(indexes.trustOf(role.arn)).filter((grant) =>
      oldHosts.has(grant.issuerHostPath),
    );
    if (grants.length === 0) continue;
    const hosts = [...new Set(grants.map((grant) => grant.issuerHostPath))];
    const change = applyRemovals(role, hosts, clusters.new.issuerHostPath);
    if (change) {
      state.trustPolicies.push(change);
      if (change.command)
        plan(
          state,
          'CUTOVER_OLD_ISSUER_STILL_TRUSTED',
          `Remove ${state.input.from}'s issuer from role ${role.name}`,
          change.command,
        );
    }
    const subjects = grants.flatMap((grant) => grant.subjects ?? ['*']);
    const workloads = state.workloads
      .filter((workload) => workload.mechanism === 'irsa' && workload.roleArn === role.arn)
      .map((workload) => workload.key);
    for (const host of hosts) {
      report(state, 'CUTOVER_OLD_ISSUER_STILL_TRUSTED', {
        message: `Role ${role.name} (${role.arn}) still trusts ${host} (${oldHosts.get(host)}) for ${[...new Set(subjects)].join(', ')}${change?.policy === null ? `; it trusts nothing else${workloads.length > 0 ? `, so ${state.input.to}'s workloads cannot use it either: add ${state.input.to}'s issuer first (cutover --phase pre)` : ': delete the role once nothing uses it'}` : change?.message ? `; ${change.message}` : ''}`,
        accountId: role.accountId,
        region: clusters.region,
        resource: { type: 'AwsIamRole', id: role.arn },
        workloads,
        identity: [host],
        evidence: {
          issuerHostPath: host,
          statements: grants
            .filter((grant) => grant.issuerHostPath === host)
            .map((grant) => grant.statementIndex),
          subjects,
        },
        remediation: change?.command
          ? `${change.command} (the plan gives ${change.file})`
          : (change?.message ??
            `Remove the statements naming ${host} from the trust policy of ${role.name}.`),
      });
    }
  }
}

function checkOldProviders(state: CutoverState, oldHosts: Map<string, string>): void {
  for (const provider of state.checkContext.inventory.oidcProviders) {
    if (!oldHosts.has(provider.url)) continue;
    const command = `aws iam delete-open-id-connect-provider --open-id-connect-provider-arn ${shellArg(provider.arn)}`;
    report(state, 'CUTOVER_OLD_OIDC_PROVIDER_LEFT', {
      message: `IAM OIDC provider ${provider.arn} for ${provider.url} (${oldHosts.get(provider.url)}) still exists in account ${provider.accountId}`,
      accountId: provider.accountId,
      region: state.clusters.region,
      resource: { type: 'AwsIamOidcProvider', id: provider.arn },
      evidence: { url: provider.url, clientIds: provider.clientIds },
      remediation: command,
    });
    plan(state, 'CUTOVER_OLD_OIDC_PROVIDER_LEFT', `Delete the IAM OIDC provider of ${provider.url}`, command);
  }
}

function checkOldAssociations(state: CutoverState): void {
  const old = state.clusters.old;
  if (!old) return;
  const ownedBy = new Map<string, string>();
  for (const addon of old.addons)
    for (const arn of addon.podIdentityAssociationArns) ownedBy.set(arn, addon.name);
  for (const association of old.associations) {
    const addon = ownedBy.get(association.associationArn);
    const command = `aws eks delete-pod-identity-association --cluster-name ${old.name} --association-id ${shellArg(association.associationId)} --region ${old.region}`;
    report(state, 'CUTOVER_OLD_ASSOCIATIONS_LEFT', {
      message: `Cluster ${old.name} still has Pod Identity association ${association.associationId} (${association.namespace}/${association.serviceAccount} → ${association.roleArn})${addon ? `, owned by add-on ${addon}` : ''}`,
      accountId: old.accountId,
      region: old.region,
      cluster: old.name,
      resource: { type: 'AwsEksPodIdentityAssociation', id: association.associationArn },
      evidence: {
        namespace: association.namespace,
        serviceAccount: association.serviceAccount,
        roleArn: association.roleArn,
        ...(addon ? { addonName: addon } : {}),
      },
      remediation: addon
        ? `Delete add-on ${addon} of ${old.name} (aws eks delete-addon --cluster-name ${old.name} --addon-name ${addon} --region ${old.region}), or delete the cluster.`
        : `${command} (or delete the cluster)`,
    });
    plan(
      state,
      'CUTOVER_OLD_ASSOCIATIONS_LEFT',
      `Delete association ${association.associationId} of ${old.name}`,
      addon
        ? `aws eks delete-addon --cluster-name ${old.name} --addon-name ${addon} --region ${old.region}`
        : command,
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
