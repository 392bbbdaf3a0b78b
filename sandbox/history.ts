/**
 * CloudTrail history generated from a scenario's `usage` and `deniedAttempts`: the records the
 * organization model's event factories write (`sandbox/model/cloudtrail.ts`), at times drawn from
 * the scenario seed, so the same scenario and clock always give the same history.
 */
import {
  assumeRoleForPodIdentityEvent,
  irsaWebIdentityEvent,
  podIdentityAssumeRoleEvent,
  targetRoleAssumeRoleEvent,
} from './model/cloudtrail.js';
import { accountOfArn, trailTime } from './model/ids.js';
import type {
  LookupEventItem,
  OrganizationAccount,
  OrganizationCluster,
  PodIdentityAssociation,
} from './model/organization.js';
import type { Scenario, ScenarioDeniedAttempts, ScenarioUsage } from './scenario.js';
import { seededRandom, stableHash } from './wire.js';

/** One CloudTrail event as the sandbox keeps it for `LookupEvents` (EventTime a Date until rendered). */
export interface TrailEvent {
  EventId: string;
  EventName: string;
  ReadOnly: string;
  AccessKeyId?: string;
  EventTime: Date;
  EventSource: string;
  Username?: string;
  Resources: Array<{ ResourceType: string; ResourceName: string }>;
  CloudTrailEvent: string;
}

const DAY_MS = 86_400_000;

/** Where an event is logged: `ACCOUNT/REGION`. */
export type HistoryKey = `${string}/${string}`;

/**
 * Expands every account-region's `usage` and `deniedAttempts` into CloudTrail records relative to
 * `now`, with times drawn from the scenario seed. `accounts` are the organization's accounts as
 * described so far (clusters, associations, node groups, roles). Returns the records per
 * `ACCOUNT/REGION` in the order they were made (a cross-account target role's records go to the
 * target account).
 */
export function generateHistory(
  scenario: Scenario,
  accounts: readonly OrganizationAccount[],
  now: Date,
): Map<HistoryKey, LookupEventItem[]> {
  const history = new Map<HistoryKey, LookupEventItem[]>();
  const emit: Emit = (accountId, region, event) => {
    const key: HistoryKey = `${accountId}/${region}`;
    const list = history.get(key) ?? [];
    list.push(event);
    history.set(key, list);
  };
  const byId = new Map(accounts.map((account) => [account.accountId, account]));
  for (const spec of scenario.accounts) {
    const account = byId.get(spec.id);
    if (!account) continue;
    for (const [region, regionSpec] of Object.entries(spec.regions)) {
      const clusters = new Map(
        (account.regions.find((candidate) => candidate.region === region)?.clusters ?? []).map((cluster) => [
          cluster.name,
          cluster,
        ]),
      );
      for (const usage of regionSpec.usage) {
        const cluster = clusters.get(usage.cluster);
        if (!cluster) continue;
        const random = seededRandom(
          `${scenario.seed}/usage/${spec.id}/${region}/${usage.cluster}/${usage.namespace}/${usage.serviceAccount}`,
        );
        const place = { accountId: spec.id, region, cluster };
        for (const time of occurrences(usage, now, random)) {
          if (usage.via === 'irsa') emitIrsa(usage, place, time, emit, account);
          else emitPodIdentity(usage, place, time, random, emit);
        }
      }
      for (const denied of regionSpec.deniedAttempts) {
        const cluster = clusters.get(denied.cluster);
        if (!cluster) continue;
        const random = seededRandom(
          `${scenario.seed}/denied/${spec.id}/${region}/${denied.cluster}/${denied.node ?? ''}`,
        );
        const place = { accountId: spec.id, region, cluster };
        for (const time of occurrences(denied, now, random)) emitDenied(denied, place, time, random, emit);
      }
    }
  }
  return history;
}

/** Event times from `firstDaysAgo` to `lastDaysAgo`, always including one on `lastDaysAgo`. */
function occurrences(
  spec: Pick<ScenarioUsage, 'perDay' | 'lastDaysAgo' | 'firstDaysAgo'>,
  now: Date,
  random: () => number,
): Date[] {
  const times: Date[] = [];
  const everyDays = spec.perDay >= 1 ? 1 : Math.round(1 / spec.perDay);
  const perActiveDay = spec.perDay >= 1 ? Math.round(spec.perDay) : 1;
  for (let daysAgo = spec.lastDaysAgo; daysAgo <= spec.firstDaysAgo; daysAgo += everyDays) {
    for (let index = 0; index < perActiveDay; index += 1) {
      // Inside the day that ends `daysAgo` days before now, never later than now.
      const offset = daysAgo * DAY_MS + Math.floor(random() * (DAY_MS - 60_000)) + 1_000;
      times.push(new Date(now.getTime() - offset));
    }
  }
  return times;
}

type Emit = (accountId: string, region: string, event: LookupEventItem) => void;

/** A cluster and where it runs. */
interface Place {
  accountId: string;
  region: string;
  cluster: OrganizationCluster;
}

function findAssociation(
  cluster: OrganizationCluster,
  usage: ScenarioUsage,
): PodIdentityAssociation | undefined {
  return cluster.associations.find(
    (association) =>
      association.namespace === usage.namespace && association.serviceAccount === usage.serviceAccount,
  );
}

/** The role a node's Pod Identity agent calls EKS Auth with: a node group's, or Auto Mode's. */
function nodeRoleOf(
  cluster: OrganizationCluster,
  nodegroupName?: string,
): { roleArn: string; nodegroup: string } {
  const nodegroup = nodegroupName
    ? cluster.nodegroups.find((candidate) => candidate.name === nodegroupName)
    : cluster.nodegroups[0];
  if (nodegroup?.nodeRoleArn) return { roleArn: nodegroup.nodeRoleArn, nodegroup: nodegroup.name };
  return { roleArn: cluster.autoModeNodeRoleArn ?? cluster.serviceRoleArn, nodegroup: 'auto-mode' };
}

/** A node group has a few instances; each call comes from one of them. */
function instanceOf(place: Place, nodegroup: string, random: () => number): string {
  return `i-0${stableHash('instance', place.cluster.arn, nodegroup, Math.floor(random() * 3)).slice(0, 16)}`;
}

/**
 * A Pod Identity session: the agent on the node calls EKS Auth (its record names only the
 * cluster), EKS Pod Identity assumes the association's role with the session tags, and a target
 * role, when set, is assumed from that session in its own account.
 */
function emitPodIdentity(
  usage: ScenarioUsage,
  place: Place,
  time: Date,
  random: () => number,
  emit: Emit,
): void {
  const association = findAssociation(place.cluster, usage);
  if (!association) return;
  const { accountId, region, cluster } = place;
  const node = nodeRoleOf(cluster);
  emit(
    accountId,
    region,
    assumeRoleForPodIdentityEvent({
      accountId,
      region,
      clusterName: cluster.name,
      nodeRoleArn: node.roleArn,
      instanceId: instanceOf(place, node.nodegroup, random),
      eventTime: trailTime(new Date(time.getTime() - 200)),
    }),
  );
  emit(
    accountId,
    region,
    podIdentityAssumeRoleEvent({
      accountId,
      region,
      clusterName: cluster.name,
      namespace: usage.namespace,
      serviceAccount: usage.serviceAccount,
      roleArn: association.roleArn,
      eventTime: trailTime(time),
      ...(association.disableSessionTags ? { disableSessionTags: true } : {}),
    }),
  );
  if (association.targetRoleArn) {
    const tagsDisabled = association.disableSessionTags;
    emit(
      accountOfArn(association.targetRoleArn),
      region,
      targetRoleAssumeRoleEvent({
        targetAccountId: accountOfArn(association.targetRoleArn),
        region,
        targetRoleArn: association.targetRoleArn,
        associationRoleArn: association.roleArn,
        clusterName: cluster.name,
        clusterAccountId: accountId,
        namespace: usage.namespace,
        serviceAccount: usage.serviceAccount,
        eventTime: trailTime(new Date(time.getTime() + 300)),
        // EKS passes the association's external id when it cannot pass the session tags.
        ...(tagsDisabled && association.externalId ? { externalId: association.externalId } : {}),
        ...(tagsDisabled ? { sessionTags: false } : {}),
      }),
    );
  }
}

/** An IRSA session: `AssumeRoleWithWebIdentity` with the service account's token, in the role's account. */
function emitIrsa(
  usage: ScenarioUsage,
  place: Place,
  time: Date,
  emit: Emit,
  account: OrganizationAccount,
): void {
  const roleRef = usage.role ?? '';
  const roleArn = roleRef.startsWith('arn:')
    ? roleRef
    : (account.roles.find((role) => role.name === roleRef)?.arn ??
      `arn:aws:iam::${account.accountId}:role/${roleRef}`);
  const { region, cluster } = place;
  if (cluster.oidcId === null) return;
  const roleAccount = accountOfArn(roleArn);
  emit(
    roleAccount,
    region,
    irsaWebIdentityEvent({
      accountId: roleAccount,
      region,
      oidcId: cluster.oidcId,
      namespace: usage.namespace,
      serviceAccount: usage.serviceAccount,
      roleArn,
      eventTime: trailTime(time),
    }),
  );
}

/** A node role without `eks-auth:AssumeRoleForPodIdentity`: EKS Auth refuses the agent. */
function emitDenied(
  denied: ScenarioDeniedAttempts,
  place: Place,
  time: Date,
  random: () => number,
  emit: Emit,
): void {
  const { accountId, region, cluster } = place;
  const node = nodeRoleOf(cluster, denied.node);
  const instanceId = instanceOf(place, node.nodegroup, random);
  emit(
    accountId,
    region,
    assumeRoleForPodIdentityEvent({
      accountId,
      region,
      clusterName: cluster.name,
      nodeRoleArn: node.roleArn,
      instanceId,
      eventTime: trailTime(time),
      denied: true,
      errorMessage: `User: arn:aws:sts::${accountId}:assumed-role/${node.roleArn.split('/').pop()}/${instanceId} is not authorized to perform: eks-auth:AssumeRoleForPodIdentity on resource: ${cluster.arn} because no identity-based policy allows the eks-auth:AssumeRoleForPodIdentity action`,
    }),
  );
}

/** The sandbox's copy of a model event: its time as a Date. */
export function trailEventOf(event: LookupEventItem): TrailEvent {
  return {
    EventId: event.EventId,
    EventName: event.EventName,
    ReadOnly: event.ReadOnly ?? 'true',
    ...(event.AccessKeyId === undefined ? {} : { AccessKeyId: event.AccessKeyId }),
    EventTime: new Date(event.EventTime),
    EventSource: event.EventSource,
    ...(event.Username === undefined ? {} : { Username: event.Username }),
    Resources: structuredClone(event.Resources ?? []),
    CloudTrailEvent: event.CloudTrailEvent,
  };
}
