/**
 * The generated organization the offline benchmark audits: accounts of three clusters with Pod
 * Identity associations, IRSA and Pod Identity roles, OIDC providers (one retired), CloudTrail
 * history, and a baseline that declares most of it with some drift. Files are written account by
 * account, so generating a snapshot of 200k associations holds one account in memory at a time.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import {
  AccountBuilder,
  assumeRoleForPodIdentityEvent,
  awsManagedPolicyArn,
  irsaTrust,
  irsaWebIdentityEvent,
  mergePolicies,
  oidcIdFor,
  type PolicyDocument,
  podIdentityAssumeRoleEvent,
  podIdentityTrust,
  roleArnOf,
  workerNodePolicy,
} from '../../test/support/snapshot-builder.js';

/** The snapshot's `capturedAt`: "now" for every time-based rule. */
export const CAPTURED_AT = '2026-11-29T02:00:00Z';
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-northeast-1'];
const NAMESPACES = 30;
const DAY_MS = 86_400_000;

/** How big the organization is; everything but `accounts` is per account. */
export interface OfflineShape {
  accounts: number;
  clusters: number;
  /** Associations on a full cluster (the cutover cluster has 5 % fewer). */
  associations: number;
  roles: number;
  events: number;
  /** Seeds the CloudTrail history, so two seeds give two different organizations of one shape. */
  seed: number;
}

/** The per-account composition every size shares: 3 clusters × 300 associations, 100 roles, 600 events. */
export const ACCOUNT_SHAPE = { clusters: 3, associations: 300, roles: 100, events: 600 } as const;

/** Associations one account of `shape` holds: full clusters plus the cutover cluster's 95 %. */
function associationsPerAccount(shape: Omit<OfflineShape, 'accounts' | 'seed'>): number {
  const cutover = shape.clusters > 1 ? 1 : 0;
  return (shape.clusters - cutover) * shape.associations + cutover * Math.floor(shape.associations * 0.95);
}

/**
 * The shape with about `total` associations: the standard account repeated, so roles, OIDC
 * providers and CloudTrail events grow in proportion.
 */
export function shapeForAssociations(total: number, seed = 7): OfflineShape {
  const accounts = Math.max(1, Math.round(total / associationsPerAccount(ACCOUNT_SHAPE)));
  return { accounts, ...ACCOUNT_SHAPE, seed };
}

/** A small deterministic generator (LCG), so a seed always gives the same organization. */
function randomSource(seed: number): (below: number) => number {
  let state = seed >>> 0;
  return (below) => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state % below;
  };
}

function accountIdOf(index: number): string {
  return String(200_000_000_000 + index);
}

function clusterNameOf(accountIndex: number, clusterIndex: number): string {
  return `eks-${accountIndex}-${clusterIndex}`;
}

/** Role names of every account: 60 % Pod Identity, 40 % IRSA. */
function roleNames(shape: OfflineShape): { podIdentity: string[]; irsa: string[] } {
  const podIdentityCount = Math.max(1, Math.round(shape.roles * 0.6));
  return {
    podIdentity: Array.from({ length: podIdentityCount }, (_, index) => `pi-app-${index}`),
    irsa: Array.from({ length: shape.roles - podIdentityCount }, (_, index) => `irsa-app-${index}`),
  };
}

/** The association `index` of a cluster: namespace, service account and role. */
function associationOf(
  podIdentityRoles: readonly string[],
  index: number,
): { namespace: string; serviceAccount: string; role: string } {
  return {
    namespace: `team-${index % NAMESPACES}`,
    serviceAccount: `app-${index}`,
    role: podIdentityRoles[index % podIdentityRoles.length],
  };
}

/**
 * One member account: clusters (the last without the Pod Identity agent, the second mid-cutover),
 * Pod Identity roles (every 15th unscoped), IRSA roles (every 12th with a wildcard subject, every
 * 10th still trusting a retired cluster's issuer), OIDC providers and 90 days of CloudTrail.
 */
export function buildAccount(shape: OfflineShape, accountIndex: number): Record<string, unknown> {
  const accountId = accountIdOf(accountIndex);
  const region = REGIONS[accountIndex % REGIONS.length];
  const clusters = Array.from({ length: shape.clusters }, (_, index) => clusterNameOf(accountIndex, index));
  const account = new AccountBuilder(accountId, CAPTURED_AT);
  const random = randomSource(Math.imul(shape.seed, 7919) + accountIndex + 1);
  const { podIdentity, irsa } = roleNames(shape);

  account.managedPolicy({ name: 'AmazonEKSWorkerNodePolicy', aws: true, document: workerNodePolicy() });
  account.role('eks-node-role', {
    trust: {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    },
    managedPolicyArns: [awsManagedPolicyArn('AmazonEKSWorkerNodePolicy')],
  });
  podIdentity.forEach((name, index) => {
    const trust =
      index % 15 === 14
        ? podIdentityTrust()
        : podIdentityTrust({ conditions: { StringEquals: { 'aws:RequestTag/eks-cluster-name': clusters } } });
    account.role(name, { trust, ...(index % 7 === 0 ? {} : { lastUsed: '2026-11-20T10:00:00Z' }) });
  });
  irsa.forEach((name, index) => {
    const subject = `system:serviceaccount:team-${index % NAMESPACES}:${name}`;
    const statements: PolicyDocument[] = clusters.map((cluster) =>
      irsaTrust({
        accountId,
        region,
        oidcId: oidcIdFor(cluster),
        subject: index % 12 === 11 ? `system:serviceaccount:team-${index % NAMESPACES}:*` : subject,
        subjectOperator: index % 12 === 11 ? 'StringLike' : 'StringEquals',
      }),
    );
    if (index % 10 === 9) {
      statements.push(
        irsaTrust({ accountId, region, oidcId: oidcIdFor(`retired-${accountIndex}`), subject }),
      );
    }
    account.role(name, { trust: mergePolicies(...statements), lastUsed: '2026-11-28T08:00:00Z' });
  });
  for (const cluster of clusters) account.oidcProvider({ region, oidcId: oidcIdFor(cluster) });
  account.oidcProvider({ region, oidcId: oidcIdFor(`retired-${accountIndex}`) });

  account.region(region, (regionBuilder) => {
    clusters.forEach((cluster, clusterIndex) => {
      regionBuilder.cluster(cluster, {}, (builder) => {
        const count = clusterIndex === 1 ? Math.floor(shape.associations * 0.95) : shape.associations;
        for (let index = 0; index < count; index += 1) {
          const association = associationOf(podIdentity, index);
          builder.association({
            namespace: association.namespace,
            serviceAccount: association.serviceAccount,
            roleName: association.role,
          });
        }
        if (clusterIndex < shape.clusters - 1 || shape.clusters === 1) {
          builder.addon('eks-pod-identity-agent');
        }
        builder.addon('aws-ebs-csi-driver', {
          serviceAccountRoleArn: roleArnOf(accountId, irsa[0] ?? podIdentity[0]),
        });
        builder.nodegroup('general', { nodeRoleName: 'eks-node-role' });
        if (clusterIndex === 0) builder.fargateProfile('batch', [{ namespace: `team-${NAMESPACES - 1}` }]);
      });
    });
    const nodeRoleArn = roleArnOf(accountId, 'eks-node-role');
    for (let index = 0; index < shape.events; index += 1) {
      const eventTime = new Date(Date.parse(CAPTURED_AT) - random(89 * DAY_MS)).toISOString();
      const cluster = clusters[random(clusters.length)];
      const kind = random(10);
      if (kind < 5) {
        const association = associationOf(podIdentity, random(shape.associations));
        regionBuilder.event(
          podIdentityAssumeRoleEvent({
            accountId,
            region,
            clusterName: cluster,
            namespace: association.namespace,
            serviceAccount: association.serviceAccount,
            roleArn: roleArnOf(accountId, association.role),
            eventTime,
          }),
        );
      } else if (kind < 8 || irsa.length === 0) {
        regionBuilder.event(
          assumeRoleForPodIdentityEvent({
            accountId,
            region,
            clusterName: cluster,
            nodeRoleArn,
            eventTime,
            denied: kind === 7 && random(20) === 0,
          }),
        );
      } else {
        const roleIndex = random(irsa.length);
        regionBuilder.event(
          irsaWebIdentityEvent({
            accountId,
            region,
            oidcId: oidcIdFor(cluster),
            namespace: `team-${roleIndex % NAMESPACES}`,
            serviceAccount: irsa[roleIndex],
            roleArn: roleArnOf(accountId, irsa[roleIndex]),
            eventTime,
          }),
        );
      }
    }
  });
  return account.toJson();
}

/** Writes a chunk, waiting for the stream to drain so a large file never piles up in memory. */
async function write(stream: WriteStream, text: string): Promise<void> {
  if (!stream.write(text)) await once(stream, 'drain');
}

async function close(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'finish');
}

/** What a written snapshot holds. */
export interface SnapshotFigures {
  bytes: number;
  associations: number;
  roles: number;
  oidcProviders: number;
  events: number;
}

/** Writes the snapshot of `shape` to `path`, one account at a time. */
export async function writeSnapshotFile(shape: OfflineShape, path: string): Promise<SnapshotFigures> {
  const stream = createWriteStream(path);
  const figures: SnapshotFigures = { bytes: 0, associations: 0, roles: 0, oidcProviders: 0, events: 0 };
  const emit = async (text: string) => {
    figures.bytes += Buffer.byteLength(text);
    await write(stream, text);
  };
  await emit(`{"snapshotVersion":1,"capturedAt":${JSON.stringify(CAPTURED_AT)},"accounts":[`);
  for (let index = 0; index < shape.accounts; index += 1) {
    const account = buildAccount(shape, index) as {
      iam: { roles: unknown[]; openIdConnectProviders: unknown[] };
      regions: Array<{
        clusters: Array<{ podIdentityAssociations: unknown[] }>;
        cloudTrail: { events: unknown[] };
      }>;
    };
    figures.roles += account.iam.roles.length;
    figures.oidcProviders += account.iam.openIdConnectProviders.length;
    for (const region of account.regions) {
      figures.events += region.cloudTrail.events.length;
      for (const cluster of region.clusters) figures.associations += cluster.podIdentityAssociations.length;
    }
    await emit(`${index === 0 ? '' : ','}${JSON.stringify(account)}`);
  }
  await emit(']}\n');
  await close(stream);
  return figures;
}

/** A YAML scalar: JSON's double-quoted strings are valid YAML. */
const scalar = (value: string) => JSON.stringify(value);

/**
 * Writes the platform team's baseline: every account's first two clusters form one logical cluster
 * (the blue/green pair), the others stand alone. It declares 99 % of the associations (the rest
 * were added by hand) and every IRSA binding but the wildcard ones, so the cutover's missing
 * associations and a few undeclared ones show up as drift. Returns the file's size in bytes.
 */
export async function writeBaselineFile(shape: OfflineShape, path: string): Promise<number> {
  const stream = createWriteStream(path);
  let bytes = 0;
  const emit = async (text: string) => {
    bytes += Buffer.byteLength(text);
    await write(stream, text);
  };
  const { podIdentity, irsa } = roleNames(shape);
  const logicalClusters = (accountIndex: number) => {
    const names = Array.from({ length: shape.clusters }, (_, index) => clusterNameOf(accountIndex, index));
    return [
      { name: `account-${accountIndex}-prod`, members: names.slice(0, Math.min(2, names.length)) },
      ...names.slice(2).map((name) => ({ name: `account-${accountIndex}-${name}`, members: [name] })),
    ];
  };
  await emit('version: 1\nsettings:\n  unusedAfterDays: 90\nclusters:\n');
  for (let accountIndex = 0; accountIndex < shape.accounts; accountIndex += 1) {
    const account = accountIdOf(accountIndex);
    const region = REGIONS[accountIndex % REGIONS.length];
    let text = '';
    for (const cluster of logicalClusters(accountIndex)) {
      text += `  ${cluster.name}:\n    account: ${scalar(account)}\n    region: ${region}\n    members:\n`;
      for (const member of cluster.members) text += `      - ${member}\n`;
    }
    await emit(text);
  }
  const declared = Math.ceil(shape.associations * 0.99);
  await emit('podIdentity:\n');
  for (let accountIndex = 0; accountIndex < shape.accounts; accountIndex += 1) {
    const account = accountIdOf(accountIndex);
    let text = '';
    for (const cluster of logicalClusters(accountIndex)) {
      for (let index = 0; index < declared; index += 1) {
        const association = associationOf(podIdentity, index);
        text +=
          `  - cluster: ${cluster.name}\n    namespace: ${association.namespace}\n` +
          `    serviceAccount: ${association.serviceAccount}\n    roleArn: ${roleArnOf(account, association.role)}\n`;
      }
    }
    await emit(text);
  }
  await emit('irsa:\n');
  for (let accountIndex = 0; accountIndex < shape.accounts; accountIndex += 1) {
    const account = accountIdOf(accountIndex);
    let text = '';
    for (const cluster of logicalClusters(accountIndex)) {
      irsa.forEach((name, index) => {
        if (index % 12 === 11) return;
        text +=
          `  - cluster: ${cluster.name}\n    namespace: team-${index % NAMESPACES}\n` +
          `    serviceAccount: ${name}\n    roleArn: ${roleArnOf(account, name)}\n`;
      });
    }
    await emit(text);
  }
  await close(stream);
  return bytes;
}
