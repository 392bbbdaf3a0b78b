import type { Scenario, ScenarioUsage } from './scenario.js';
import { seededRandom, stableHash, stableId, stableUuid } from './wire.js';
import type { AccountState, AssociationState, ClusterState } from './world.js';

/** One CloudTrail event as `LookupEvents` returns it (EventTime kept as a Date until rendered). */
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

/** CloudTrail's timestamp form: second precision, `Z`. */
function trailTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * Expands every account-region's `usage` and `deniedAttempts` into CloudTrail records relative to
 * `now`, with ids and times drawn from the scenario seed (the same scenario and `now` give the same
 * history). Returns events per `account/region`, newest first.
 */
export function generateHistory(
  scenario: Scenario,
  accounts: Map<string, AccountState>,
  now: Date,
): Map<string, TrailEvent[]> {
  const history = new Map<string, TrailEvent[]>();
  const emit = (accountId: string, region: string, event: TrailEvent) => {
    const key = `${accountId}/${region}`;
    const list = history.get(key) ?? [];
    list.push(event);
    history.set(key, list);
  };
  for (const spec of scenario.accounts) {
    const account = accounts.get(spec.id);
    if (!account) continue;
    for (const [region, regionSpec] of Object.entries(spec.regions)) {
      const clusters = account.clusters.get(region) ?? new Map<string, ClusterState>();
      for (const usage of regionSpec.usage) {
        const cluster = clusters.get(usage.cluster);
        if (!cluster) continue;
        const random = seededRandom(
          `${scenario.seed}/usage/${spec.id}/${region}/${usage.cluster}/${usage.namespace}/${usage.serviceAccount}`,
        );
        for (const time of occurrences(usage, now, random)) {
          if (usage.via === 'irsa') emitIrsa(usage, cluster, time, random, emit, account);
          else emitPodIdentity(usage, cluster, time, random, emit);
        }
      }
      for (const denied of regionSpec.deniedAttempts) {
        const cluster = clusters.get(denied.cluster);
        if (!cluster) continue;
        const random = seededRandom(
          `${scenario.seed}/denied/${spec.id}/${region}/${denied.cluster}/${denied.node ?? ''}`,
        );
        for (const time of occurrences(denied, now, random)) {
          emit(spec.id, region, eksAuthEvent(cluster, nodeRoleOf(cluster, denied.node), time, random, true));
        }
      }
    }
  }
  for (const events of history.values()) events.sort((a, b) => b.EventTime.getTime() - a.EventTime.getTime());
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

type Emit = (accountId: string, region: string, event: TrailEvent) => void;

function findAssociation(cluster: ClusterState, usage: ScenarioUsage): AssociationState | undefined {
  return [...cluster.associations.values()].find(
    (association) =>
      association.namespace === usage.namespace && association.serviceAccount === usage.serviceAccount,
  );
}

function nodeRoleOf(cluster: ClusterState, nodegroupName?: string): { roleArn: string; nodegroup: string } {
  const nodegroup = nodegroupName
    ? cluster.nodegroups.get(nodegroupName)
    : [...cluster.nodegroups.values()][0];
  if (nodegroup) return { roleArn: nodegroup.nodeRoleArn, nodegroup: nodegroup.name };
  return { roleArn: cluster.nodeRoleArn ?? cluster.serviceRoleArn, nodegroup: 'auto-mode' };
}

function roleName(arn: string): string {
  return arn.split('/').pop() ?? arn;
}

function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

function baseRecord(time: Date, region: string, eventId: string, requestId: string) {
  return {
    eventVersion: '1.08',
    eventTime: trailTime(time),
    awsRegion: region,
    requestID: requestId,
    eventID: eventId,
    eventType: 'AwsApiCall',
    managementEvent: true,
    eventCategory: 'Management',
  };
}

function emitPodIdentity(
  usage: ScenarioUsage,
  cluster: ClusterState,
  time: Date,
  random: () => number,
  emit: Emit,
): void {
  const association = findAssociation(cluster, usage);
  if (!association) return;
  const seed = `${cluster.arn}/${usage.namespace}/${usage.serviceAccount}/${time.getTime()}`;
  const podName = `${usage.serviceAccount}-${stableId(10, 'lower', 'rs', seed).slice(0, 10)}-${stableId(5, 'lower', 'pod', seed)}`;
  const podUid = stableUuid('pod-uid', seed);
  const node = nodeRoleOf(cluster);
  // The agent on the node calls EKS Auth first; its record names only the cluster.
  emit(
    cluster.accountId,
    cluster.region,
    eksAuthEvent(cluster, node, new Date(time.getTime() - 200), random, false),
  );
  const sessionName = `eks-${cluster.name}-${podName}-${stableUuid('session', seed)}`.slice(0, 64);
  const sessionTags = association.disableSessionTags
    ? undefined
    : {
        'eks-cluster-arn': cluster.arn,
        'eks-cluster-name': cluster.name,
        'kubernetes-namespace': usage.namespace,
        'kubernetes-service-account': usage.serviceAccount,
        'kubernetes-pod-name': podName,
        'kubernetes-pod-uid': podUid,
      };
  const tagList = sessionTags
    ? Object.entries(sessionTags).map(([key, value]) => ({ key, value }))
    : undefined;
  const eventId = stableUuid('event', 'pi', seed);
  const accessKeyId = `ASIA${stableId(16, 'upper', 'pi-key', seed)}`;
  const assumedRoleId = `AROA${stableId(17, 'upper', association.roleArn)}`;
  const record = {
    ...baseRecord(time, cluster.region, eventId, stableUuid('request', 'pi', seed)),
    userIdentity: { type: 'AWSService', invokedBy: 'pods.eks.amazonaws.com' },
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    sourceIPAddress: 'pods.eks.amazonaws.com',
    userAgent: 'pods.eks.amazonaws.com',
    requestParameters: {
      roleArn: association.roleArn,
      roleSessionName: sessionName,
      durationSeconds: 21600,
      ...(tagList ? { tags: tagList, transitiveTagKeys: tagList.map((tag) => tag.key) } : {}),
    },
    responseElements: {
      credentials: {
        accessKeyId,
        sessionToken: '***',
        expiration: new Date(time.getTime() + 21_600_000).toUTCString(),
      },
      assumedRoleUser: {
        assumedRoleId: `${assumedRoleId}:${sessionName}`,
        arn: `arn:aws:sts::${accountOf(association.roleArn)}:assumed-role/${roleName(association.roleArn)}/${sessionName}`,
      },
      ...(tagList ? { packedPolicySize: 21 } : {}),
    },
    readOnly: true,
    resources: [
      { accountId: accountOf(association.roleArn), type: 'AWS::IAM::Role', ARN: association.roleArn },
    ],
    recipientAccountId: cluster.accountId,
    sharedEventID: stableUuid('shared', seed),
  };
  emit(cluster.accountId, cluster.region, {
    EventId: eventId,
    EventName: 'AssumeRole',
    ReadOnly: 'true',
    AccessKeyId: accessKeyId,
    EventTime: time,
    EventSource: 'sts.amazonaws.com',
    Resources: [{ ResourceType: 'AWS::IAM::Role', ResourceName: association.roleArn }],
    CloudTrailEvent: JSON.stringify(record),
  });
  if (association.targetRoleArn) {
    emitTargetRoleAssume(
      association,
      cluster,
      sessionName,
      sessionTags,
      new Date(time.getTime() + 300),
      seed,
      emit,
    );
  }
}

/** The association role's session chaining into the cross-account target role. */
function emitTargetRoleAssume(
  association: AssociationState,
  cluster: ClusterState,
  callerSession: string,
  sessionTags: Record<string, string> | undefined,
  time: Date,
  seed: string,
  emit: Emit,
): void {
  const target = association.targetRoleArn ?? '';
  const targetAccount = accountOf(target);
  const eventId = stableUuid('event', 'target', seed);
  const callerKey = `ASIA${stableId(16, 'upper', 'pi-key', seed)}`;
  const sessionName = callerSession;
  const tagList = sessionTags
    ? Object.entries(sessionTags).map(([key, value]) => ({ key, value }))
    : undefined;
  const record = {
    ...baseRecord(time, cluster.region, eventId, stableUuid('request', 'target', seed)),
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROA${stableId(17, 'upper', association.roleArn)}:${callerSession}`,
      arn: `arn:aws:sts::${cluster.accountId}:assumed-role/${roleName(association.roleArn)}/${callerSession}`,
      accountId: cluster.accountId,
      accessKeyId: callerKey,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: `AROA${stableId(17, 'upper', association.roleArn)}`,
          arn: association.roleArn,
          accountId: cluster.accountId,
          userName: roleName(association.roleArn),
        },
        attributes: { creationDate: trailTime(new Date(time.getTime() - 300)), mfaAuthenticated: 'false' },
      },
    },
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    sourceIPAddress: '10.0.34.17',
    userAgent: 'aws-sdk-go-v2/1.36.3 os/linux lang/go#1.23.6 md/GOOS#linux md/GOARCH#amd64 api/sts#1.33.17',
    requestParameters: {
      roleArn: target,
      roleSessionName: sessionName,
      durationSeconds: 3600,
      ...(association.externalId && !tagList ? { externalId: association.externalId } : {}),
      ...(tagList ? { tags: tagList, transitiveTagKeys: tagList.map((tag) => tag.key) } : {}),
    },
    responseElements: {
      credentials: {
        accessKeyId: `ASIA${stableId(16, 'upper', 'target-key', seed)}`,
        sessionToken: '***',
        expiration: new Date(time.getTime() + 3_600_000).toUTCString(),
      },
      assumedRoleUser: {
        assumedRoleId: `AROA${stableId(17, 'upper', target)}:${sessionName}`,
        arn: `arn:aws:sts::${targetAccount}:assumed-role/${roleName(target)}/${sessionName}`,
      },
    },
    readOnly: true,
    resources: [{ accountId: targetAccount, type: 'AWS::IAM::Role', ARN: target }],
    recipientAccountId: targetAccount,
    sharedEventID: stableUuid('shared-target', seed),
  };
  emit(targetAccount, cluster.region, {
    EventId: eventId,
    EventName: 'AssumeRole',
    ReadOnly: 'true',
    AccessKeyId: callerKey,
    EventTime: time,
    EventSource: 'sts.amazonaws.com',
    Username: callerSession,
    Resources: [{ ResourceType: 'AWS::IAM::Role', ResourceName: target }],
    CloudTrailEvent: JSON.stringify(record),
  });
}

function emitIrsa(
  usage: ScenarioUsage,
  cluster: ClusterState,
  time: Date,
  _random: () => number,
  emit: Emit,
  account: AccountState,
): void {
  const roleRef = usage.role ?? '';
  const roleArn = roleRef.startsWith('arn:')
    ? roleRef
    : (account.roles.get(roleRef)?.arn ?? `arn:aws:iam::${account.id}:role/${roleRef}`);
  const roleAccount = accountOf(roleArn);
  const issuer = `oidc.eks.${cluster.region}.amazonaws.com/id/${cluster.oidcId}`;
  const providerArn = `arn:aws:iam::${roleAccount}:oidc-provider/${issuer}`;
  const subject = `system:serviceaccount:${usage.namespace}:${usage.serviceAccount}`;
  const seed = `${cluster.arn}/irsa/${usage.namespace}/${usage.serviceAccount}/${time.getTime()}`;
  const sessionName = `botocore-session-${Math.floor(time.getTime() / 1000)}`;
  const eventId = stableUuid('event', 'irsa', seed);
  const record = {
    ...baseRecord(time, cluster.region, eventId, stableUuid('request', 'irsa', seed)),
    userIdentity: {
      type: 'WebIdentityUser',
      principalId: `${providerArn}:sts.amazonaws.com:${subject}`,
      userName: subject,
      identityProvider: providerArn,
    },
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRoleWithWebIdentity',
    sourceIPAddress: '10.0.51.200',
    userAgent: 'Boto3/1.35.99 md/Botocore#1.35.99 ua/2.0 os/linux#6.1 md/arch#x86_64 lang/python#3.12.8',
    requestParameters: { roleArn, roleSessionName: sessionName },
    responseElements: {
      credentials: {
        accessKeyId: `ASIA${stableId(16, 'upper', 'irsa-key', seed)}`,
        sessionToken: '***',
        expiration: new Date(time.getTime() + 3_600_000).toUTCString(),
      },
      subjectFromWebIdentityToken: subject,
      assumedRoleUser: {
        assumedRoleId: `AROA${stableId(17, 'upper', roleArn)}:${sessionName}`,
        arn: `arn:aws:sts::${roleAccount}:assumed-role/${roleName(roleArn)}/${sessionName}`,
      },
      provider: providerArn,
      audience: 'sts.amazonaws.com',
    },
    readOnly: true,
    resources: [{ accountId: roleAccount, type: 'AWS::IAM::Role', ARN: roleArn }],
    recipientAccountId: roleAccount,
  };
  emit(roleAccount, cluster.region, {
    EventId: eventId,
    EventName: 'AssumeRoleWithWebIdentity',
    ReadOnly: 'true',
    EventTime: time,
    EventSource: 'sts.amazonaws.com',
    Username: subject,
    Resources: [{ ResourceType: 'AWS::IAM::Role', ResourceName: roleArn }],
    CloudTrailEvent: JSON.stringify(record),
  });
}

/** `eks-auth:AssumeRoleForPodIdentity` by a node role session; it names only the cluster. */
function eksAuthEvent(
  cluster: ClusterState,
  node: { roleArn: string; nodegroup: string },
  time: Date,
  random: () => number,
  denied: boolean,
): TrailEvent {
  // A node group has a few instances; each call comes from one of them.
  const instanceId = `i-0${stableHash('instance', cluster.arn, node.nodegroup, Math.floor(random() * 3)).slice(0, 16)}`;
  const seed = `${cluster.arn}/eks-auth/${node.nodegroup}/${time.getTime()}`;
  const eventId = stableUuid('event', 'eks-auth', seed);
  const accessKeyId = `ASIA${stableId(16, 'upper', 'node-key', cluster.arn, instanceId)}`;
  const nodeRoleName = roleName(node.roleArn);
  const record: Record<string, unknown> = {
    ...baseRecord(time, cluster.region, eventId, stableUuid('request', 'eks-auth', seed)),
    userIdentity: {
      type: 'AssumedRole',
      principalId: `AROA${stableId(17, 'upper', node.roleArn)}:${instanceId}`,
      arn: `arn:aws:sts::${cluster.accountId}:assumed-role/${nodeRoleName}/${instanceId}`,
      accountId: cluster.accountId,
      accessKeyId,
      sessionContext: {
        sessionIssuer: {
          type: 'Role',
          principalId: `AROA${stableId(17, 'upper', node.roleArn)}`,
          arn: node.roleArn,
          accountId: cluster.accountId,
          userName: nodeRoleName,
        },
        attributes: {
          creationDate: trailTime(new Date(time.getTime() - 3_600_000)),
          mfaAuthenticated: 'false',
        },
        ec2RoleDelivery: '2.0',
      },
    },
    eventSource: 'eks-auth.amazonaws.com',
    eventName: 'AssumeRoleForPodIdentity',
    sourceIPAddress: '10.0.12.34',
    userAgent: 'aws-sdk-go-v2/1.30.3 os/linux lang/go#1.22.5 md/GOOS#linux md/GOARCH#amd64 api/eksauth#1.5.3',
    requestParameters: { clusterName: cluster.name },
    responseElements: null,
    readOnly: false,
    recipientAccountId: cluster.accountId,
  };
  if (denied) {
    record.errorCode = 'AccessDenied';
    record.errorMessage = `User: arn:aws:sts::${cluster.accountId}:assumed-role/${nodeRoleName}/${instanceId} is not authorized to perform: eks-auth:AssumeRoleForPodIdentity on resource: ${cluster.arn} because no identity-based policy allows the eks-auth:AssumeRoleForPodIdentity action`;
  }
  return {
    EventId: eventId,
    EventName: 'AssumeRoleForPodIdentity',
    ReadOnly: 'false',
    AccessKeyId: accessKeyId,
    EventTime: time,
    EventSource: 'eks-auth.amazonaws.com',
    Username: instanceId,
    Resources: [],
    CloudTrailEvent: JSON.stringify(record),
  };
}
