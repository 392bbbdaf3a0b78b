/**
 * The generated organizations the offline benchmark audits, in three kinds, each written account by
 * account (so generating a snapshot of 200k associations holds one account in memory at a time):
 *
 * - `standard`: accounts of three clusters with Pod Identity associations, IRSA and Pod Identity
 *   roles, OIDC providers (one retired), CloudTrail history, and a baseline that declares most of
 *   it with some drift (the benchmark's organization since the first release);
 * - `finding-heavy`: the same clusters, but findings and unknowns dominate (about 1.3 findings per
 *   association): the baseline leaves 20 % of the associations undeclared, names another role for
 *   10 % and declares 5 % more that do not exist; a third of the 200 Pod Identity roles trust any
 *   cluster, every tenth IRSA role any service account of a namespace; every third account has 30
 *   days of CloudTrail, so usage there is unknown;
 * - `irsa-heavy`: fewer associations and many IRSA roles, each trusting four service accounts on
 *   every cluster (twelve or more statements per role), all declared; half the CloudTrail events
 *   are IRSA web-identity calls.
 *
 * The baseline can be written as block YAML, flow YAML (`- {cluster: …}`, as scripts write it) or JSON.
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
} from '../../sandbox/model/index.js';

/** The snapshot's `capturedAt`: "now" for every time-based rule. */
export const CAPTURED_AT = '2026-11-29T02:00:00Z';
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-northeast-1'];
const NAMESPACES = 30;
const DAY_MS = 86_400_000;

/** The kinds of organization, in the order the benchmark reports them. */
export const ORGANIZATION_KINDS = ['standard', 'finding-heavy', 'irsa-heavy'] as const;
export type OrganizationKind = (typeof ORGANIZATION_KINDS)[number];

/** The syntaxes a baseline is written in. */
export const BASELINE_SYNTAXES = ['block', 'flow', 'json'] as const;
export type BaselineSyntax = (typeof BASELINE_SYNTAXES)[number];

/** File extension of a baseline syntax. */
export function baselineExtension(syntax: BaselineSyntax): string {
  return syntax === 'json' ? 'json' : 'yaml';
}

/** One account of a kind of organization. */
export interface AccountProfile {
  clusters: number;
  /** Associations on a full cluster (the cutover cluster has 5 % fewer). */
  associations: number;
  podIdentityRoles: number;
  irsaRoles: number;
  /** Service accounts (one namespace each) every IRSA role trusts on every cluster. */
  irsaSubjectsPerCluster: number;
  /** Every Nth Pod Identity role trusts any cluster (no `eks-cluster-name` condition). */
  unscopedEvery: number;
  /** Every Nth IRSA role trusts any service account of a namespace (`ns:*`). */
  wildcardEvery: number;
  events: number;
  /** Share of the CloudTrail events that are IRSA web-identity calls (the rest Pod Identity). */
  irsaEventShare: number;
  /** Days of CloudTrail history of every third account, when shorter than the usage window. */
  shortHistoryDays?: number;
  /** What the baseline declares of each logical cluster's associations, in tenths. */
  undeclaredTenths: number[];
  changedTenths: number[];
  /** Declared associations that do not exist, in hundredths of a full cluster's associations. */
  ghostPercent: number;
  /** Whether the organization's size counts IRSA grants (role × cluster × service account) too. */
  sizeCountsIrsaGrants: boolean;
}

/** The per-account composition of each kind. */
export const ACCOUNT_PROFILES: Record<OrganizationKind, AccountProfile> = {
  standard: {
    clusters: 3,
    associations: 300,
    podIdentityRoles: 60,
    irsaRoles: 40,
    irsaSubjectsPerCluster: 1,
    unscopedEvery: 15,
    wildcardEvery: 12,
    events: 600,
    irsaEventShare: 0.2,
    undeclaredTenths: [],
    changedTenths: [],
    ghostPercent: 0,
    sizeCountsIrsaGrants: false,
  },
  'finding-heavy': {
    clusters: 3,
    associations: 300,
    podIdentityRoles: 200,
    irsaRoles: 100,
    irsaSubjectsPerCluster: 1,
    unscopedEvery: 3,
    wildcardEvery: 10,
    events: 600,
    irsaEventShare: 0.2,
    shortHistoryDays: 30,
    undeclaredTenths: [3, 7],
    changedTenths: [1],
    ghostPercent: 5,
    sizeCountsIrsaGrants: false,
  },
  'irsa-heavy': {
    clusters: 3,
    associations: 100,
    podIdentityRoles: 30,
    irsaRoles: 50,
    irsaSubjectsPerCluster: 4,
    unscopedEvery: 15,
    wildcardEvery: 12,
    events: 600,
    irsaEventShare: 0.5,
    undeclaredTenths: [],
    changedTenths: [],
    ghostPercent: 0,
    sizeCountsIrsaGrants: true,
  },
};

/** How big the organization is and what kind it is. */
export interface OfflineShape extends AccountProfile {
  kind: OrganizationKind;
  accounts: number;
  /** Seeds the CloudTrail history, so two seeds give two different organizations of one shape. */
  seed: number;
}

/** The per-account composition of the standard kind (3 clusters × 300 associations, 100 roles, 600 events). */
export const ACCOUNT_SHAPE = ACCOUNT_PROFILES.standard;

/** Associations one account holds: full clusters plus the cutover cluster's 95 %. */
function associationsPerAccount(profile: AccountProfile): number {
  const cutover = profile.clusters > 1 ? 1 : 0;
  return (
    (profile.clusters - cutover) * profile.associations + cutover * Math.floor(profile.associations * 0.95)
  );
}

/** What one account counts toward the organization's size. */
function sizePerAccount(profile: AccountProfile): number {
  const grants = profile.irsaRoles * profile.clusters * profile.irsaSubjectsPerCluster;
  return associationsPerAccount(profile) + (profile.sizeCountsIrsaGrants ? grants : 0);
}

/**
 * The shape of `kind` with about `total` associations (for `irsa-heavy`, associations plus IRSA
 * grants): the kind's account repeated, so roles, OIDC providers and events grow in proportion.
 */
export function shapeForAssociations(
  total: number,
  seed = 7,
  kind: OrganizationKind = 'standard',
): OfflineShape {
  const profile = ACCOUNT_PROFILES[kind];
  const accounts = Math.max(1, Math.round(total / sizePerAccount(profile)));
  return { ...profile, kind, accounts, seed };
}

/**
 * The shape of `kind` whose baseline declares about `total` bindings (Pod Identity and IRSA), for
 * measuring `baseline validate` at a given size.
 */
export function shapeForBindings(total: number, seed = 7, kind: OrganizationKind = 'standard'): OfflineShape {
  const one = { ...ACCOUNT_PROFILES[kind], kind, accounts: 1, seed };
  const perAccount = podIdentityBindingsOf(one, 0).length + irsaBindingsOf(one, 0).length;
  return { ...one, accounts: Math.max(1, Math.round(total / perAccount)) };
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

/** Role names of every account. */
function roleNames(shape: OfflineShape): { podIdentity: string[]; irsa: string[] } {
  return {
    podIdentity: Array.from({ length: Math.max(1, shape.podIdentityRoles) }, (_, index) => `pi-app-${index}`),
    irsa: Array.from({ length: shape.irsaRoles }, (_, index) => `irsa-app-${index}`),
  };
}

/** The namespace of the `subject`th service account an IRSA role trusts on each cluster. */
function irsaNamespace(roleIndex: number, subject: number): string {
  return `team-${(roleIndex + subject) % NAMESPACES}`;
}

/** Whether an IRSA role trusts a whole namespace (`ns:*`) rather than named service accounts. */
function isWildcardRole(shape: OfflineShape, roleIndex: number): boolean {
  return roleIndex % shape.wildcardEvery === shape.wildcardEvery - 1;
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

  // CloudTrail first, so IAM's RoleLastUsed can be the latest assume it shows (IAM never reports a
  // last use earlier than an assume CloudTrail logged).
  const events: ReturnType<typeof irsaWebIdentityEvent>[] = [];
  const latestUse = new Map<string, string>();
  const noteUse = (roleArn: string, time: string) => {
    if ((latestUse.get(roleArn) ?? '') < time) latestUse.set(roleArn, time);
  };
  const nodeRoleArn = roleArnOf(accountId, 'eks-node-role');
  const shortHistoryDays = accountIndex % 3 === 0 ? shape.shortHistoryDays : undefined;
  // Events fall inside the window CloudTrail was searched (a day short of it, clear of its edge).
  const historyDays = shortHistoryDays === undefined ? 89 : shortHistoryDays - 1;
  for (let index = 0; index < shape.events; index += 1) {
    const eventTime = new Date(Date.parse(CAPTURED_AT) - random(historyDays * DAY_MS)).toISOString();
    const cluster = clusters[random(clusters.length)];
    const kind = random(10);
    // Standard: 5 in 10 Pod Identity sessions, 3 node-role calls, 2 IRSA; other kinds shift the IRSA share.
    const irsaFrom = 10 - Math.round(shape.irsaEventShare * 10);
    const podIdentityUntil = Math.min(5, irsaFrom);
    if (kind < podIdentityUntil) {
      const association = associationOf(podIdentity, random(shape.associations));
      noteUse(roleArnOf(accountId, association.role), eventTime);
      events.push(
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
    } else if (kind < irsaFrom || irsa.length === 0) {
      events.push(
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
      noteUse(roleArnOf(accountId, irsa[roleIndex]), eventTime);
      events.push(
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
  const lastUsedOf = (name: string) => {
    const time = latestUse.get(roleArnOf(accountId, name));
    return time ? { lastUsed: time, lastUsedRegion: region } : {};
  };

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
      index % shape.unscopedEvery === shape.unscopedEvery - 1
        ? podIdentityTrust()
        : podIdentityTrust({ conditions: { StringEquals: { 'aws:RequestTag/eks-cluster-name': clusters } } });
    account.role(name, { trust, ...lastUsedOf(name) });
  });
  irsa.forEach((name, index) => {
    const subject = `system:serviceaccount:team-${index % NAMESPACES}:${name}`;
    const wildcard = isWildcardRole(shape, index);
    const statements: PolicyDocument[] = clusters.flatMap((cluster) =>
      Array.from({ length: shape.irsaSubjectsPerCluster }, (_, subjectIndex) => {
        const namespace = irsaNamespace(index, subjectIndex);
        return irsaTrust({
          accountId,
          region,
          oidcId: oidcIdFor(cluster),
          subject: `system:serviceaccount:${namespace}:${wildcard ? '*' : name}`,
          subjectOperator: wildcard ? 'StringLike' : 'StringEquals',
        });
      }),
    );
    if (index % 10 === 9) {
      statements.push(
        irsaTrust({ accountId, region, oidcId: oidcIdFor(`retired-${accountIndex}`), subject }),
      );
    }
    account.role(name, { trust: mergePolicies(...statements), ...lastUsedOf(name) });
  });
  for (const cluster of clusters) account.oidcProvider({ region, oidcId: oidcIdFor(cluster) });
  account.oidcProvider({ region, oidcId: oidcIdFor(`retired-${accountIndex}`) });

  account.region(region, (regionBuilder) => {
    if (shortHistoryDays !== undefined) {
      regionBuilder.cloudTrailWindow(
        new Date(Date.parse(CAPTURED_AT) - shortHistoryDays * DAY_MS).toISOString(),
      );
    }
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
    for (const event of events) regionBuilder.event(event);
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

interface LogicalCluster {
  name: string;
  account: string;
  region: string;
  members: string[];
}

interface Binding {
  cluster: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
}

/** The baseline's logical clusters of an account: the first two clusters form the blue/green pair. */
function logicalClustersOf(shape: OfflineShape, accountIndex: number): LogicalCluster[] {
  const names = Array.from({ length: shape.clusters }, (_, index) => clusterNameOf(accountIndex, index));
  const account = accountIdOf(accountIndex);
  const region = REGIONS[accountIndex % REGIONS.length];
  return [
    {
      name: `account-${accountIndex}-prod`,
      account,
      region,
      members: names.slice(0, Math.min(2, names.length)),
    },
    ...names
      .slice(2)
      .map((name) => ({ name: `account-${accountIndex}-${name}`, account, region, members: [name] })),
  ];
}

/**
 * The Pod Identity bindings an account's baseline declares: 99 % of each logical cluster's
 * associations (the rest were added by hand), minus the kind's undeclared tenths, with another role
 * for its changed tenths, plus associations that do not exist.
 */
function podIdentityBindingsOf(shape: OfflineShape, accountIndex: number): Binding[] {
  const { podIdentity } = roleNames(shape);
  const account = accountIdOf(accountIndex);
  const declared = Math.ceil(shape.associations * 0.99);
  const ghosts = Math.round((shape.associations * shape.ghostPercent) / 100);
  const bindings: Binding[] = [];
  for (const cluster of logicalClustersOf(shape, accountIndex)) {
    for (let index = 0; index < declared; index += 1) {
      if (shape.undeclaredTenths.includes(index % 10)) continue;
      const association = associationOf(podIdentity, index);
      const role = shape.changedTenths.includes(index % 10)
        ? podIdentity[(index + 1) % podIdentity.length]
        : association.role;
      bindings.push({
        cluster: cluster.name,
        namespace: association.namespace,
        serviceAccount: association.serviceAccount,
        roleArn: roleArnOf(account, role),
      });
    }
    for (let index = 0; index < ghosts; index += 1) {
      const association = associationOf(podIdentity, index);
      bindings.push({
        cluster: cluster.name,
        namespace: association.namespace,
        serviceAccount: `retired-${index}`,
        roleArn: roleArnOf(account, association.role),
      });
    }
  }
  return bindings;
}

/** The IRSA bindings an account's baseline declares: every service account a role names, wildcards aside. */
function irsaBindingsOf(shape: OfflineShape, accountIndex: number): Binding[] {
  const { irsa } = roleNames(shape);
  const account = accountIdOf(accountIndex);
  const bindings: Binding[] = [];
  for (const cluster of logicalClustersOf(shape, accountIndex)) {
    irsa.forEach((name, index) => {
      if (isWildcardRole(shape, index)) return;
      for (let subject = 0; subject < shape.irsaSubjectsPerCluster; subject += 1) {
        bindings.push({
          cluster: cluster.name,
          namespace: irsaNamespace(index, subject),
          serviceAccount: name,
          roleArn: roleArnOf(account, name),
        });
      }
    });
  }
  return bindings;
}

/** How a baseline is written in one syntax, section by section. */
interface BaselineWriter {
  start: string;
  clusters: { open: string; entry(cluster: LogicalCluster, first: boolean): string; close: string };
  bindings: { open(section: string): string; entry(binding: Binding, first: boolean): string; close: string };
  end: string;
}

/** A quoted scalar: JSON's double-quoted strings are valid YAML. */
const quoted = (value: string) => JSON.stringify(value);

const WRITERS: Record<BaselineSyntax, BaselineWriter> = {
  block: {
    start: 'version: 1\nsettings:\n  unusedAfterDays: 90\n',
    clusters: {
      open: 'clusters:\n',
      entry: (cluster) =>
        `  ${cluster.name}:\n    account: ${quoted(cluster.account)}\n    region: ${cluster.region}\n    members:\n${cluster.members.map((member) => `      - ${member}\n`).join('')}`,
      close: '',
    },
    bindings: {
      open: (section) => `${section}:\n`,
      entry: (binding) =>
        `  - cluster: ${binding.cluster}\n    namespace: ${binding.namespace}\n` +
        `    serviceAccount: ${binding.serviceAccount}\n    roleArn: ${binding.roleArn}\n`,
      close: '',
    },
    end: '',
  },
  // What js-yaml's dump (flowLevel 2) and many scripts write: one flow map per line, plain scalars.
  flow: {
    start: 'version: 1\nsettings: {unusedAfterDays: 90}\n',
    clusters: {
      open: 'clusters:\n',
      entry: (cluster) =>
        `  ${cluster.name}: {account: '${cluster.account}', region: ${cluster.region}, members: [${cluster.members.join(', ')}]}\n`,
      close: '',
    },
    bindings: {
      open: (section) => `${section}:\n`,
      entry: (binding) =>
        `- {cluster: ${binding.cluster}, namespace: ${binding.namespace}, serviceAccount: ${binding.serviceAccount}, roleArn: ${binding.roleArn}}\n`,
      close: '',
    },
    end: '',
  },
  // JSON as JSON.stringify(value, null, 2) writes it.
  json: {
    start: '{\n  "version": 1,\n  "settings": {\n    "unusedAfterDays": 90\n  }',
    clusters: {
      open: ',\n  "clusters": {',
      entry: (cluster, first) =>
        `${first ? '' : ','}\n    ${quoted(cluster.name)}: {\n      "account": ${quoted(cluster.account)},\n      "region": ${quoted(cluster.region)},\n      "members": [\n${cluster.members.map((member) => `        ${quoted(member)}`).join(',\n')}\n      ]\n    }`,
      close: '\n  }',
    },
    bindings: {
      open: (section) => `,\n  ${quoted(section)}: [`,
      entry: (binding, first) =>
        `${first ? '' : ','}\n    {\n      "cluster": ${quoted(binding.cluster)},\n      "namespace": ${quoted(binding.namespace)},\n      "serviceAccount": ${quoted(binding.serviceAccount)},\n      "roleArn": ${quoted(binding.roleArn)}\n    }`,
      close: '\n  ]',
    },
    end: '\n}\n',
  },
};

/** What a written baseline holds. */
export interface BaselineFigures {
  bytes: number;
  bindings: number;
}

/**
 * Writes the platform team's baseline of `shape` in `syntax`: every account's first two clusters
 * form one logical cluster (the blue/green pair), the others stand alone, with the Pod Identity and
 * IRSA bindings of {@link podIdentityBindingsOf} and {@link irsaBindingsOf}, so the cutover's missing
 * associations and the kind's drift show up.
 */
export async function writeBaselineFile(
  shape: OfflineShape,
  path: string,
  syntax: BaselineSyntax = 'block',
): Promise<BaselineFigures> {
  const writer = WRITERS[syntax];
  const stream = createWriteStream(path);
  const figures: BaselineFigures = { bytes: 0, bindings: 0 };
  const emit = async (text: string) => {
    figures.bytes += Buffer.byteLength(text);
    await write(stream, text);
  };
  await emit(writer.start);
  await emit(writer.clusters.open);
  let first = true;
  for (let accountIndex = 0; accountIndex < shape.accounts; accountIndex += 1) {
    let text = '';
    for (const cluster of logicalClustersOf(shape, accountIndex)) {
      text += writer.clusters.entry(cluster, first);
      first = false;
    }
    await emit(text);
  }
  await emit(writer.clusters.close);
  for (const [section, bindingsOf] of [
    ['podIdentity', podIdentityBindingsOf],
    ['irsa', irsaBindingsOf],
  ] as const) {
    await emit(writer.bindings.open(section));
    first = true;
    for (let accountIndex = 0; accountIndex < shape.accounts; accountIndex += 1) {
      let text = '';
      for (const binding of bindingsOf(shape, accountIndex)) {
        text += writer.bindings.entry(binding, first);
        first = false;
        figures.bindings += 1;
      }
      await emit(text);
    }
    await emit(writer.bindings.close);
  }
  await emit(writer.end);
  await close(stream);
  return figures;
}
