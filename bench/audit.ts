/**
 * Audit benchmark: generates a large organization offline (default 50 accounts × 3 clusters × 300
 * Pod Identity associations, 100 roles per account with IRSA and Pod Identity trust, 600 CloudTrail
 * events per account) as a snapshot v1 text and a baseline declaring it with some drift, then times
 * each phase of an audit: snapshot parse and validation, normalization, baseline parse, the shared
 * check indexes, every check, and `runAudit` as a whole. Prints findings, durations and peak RSS.
 * No assertions: it is for comparing runs and for spotting a check that grows faster than its input.
 *
 *   node --expose-gc --import tsx bench/audit.ts [--accounts 50] [--clusters 3] [--associations 300] [--roles 100]
 *     [--events 600] [--no-scaling] [--repeats 3] [--checks ID,ID]
 *
 * Scaling: the checks also run on a quarter-size organization (half the accounts, half of everything
 * per account); a check whose time grows about 4× from it is linear, about 8–16× quadratic.
 */
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { runAudit } from '../shared/audit.js';
import { parseBaseline } from '../shared/baseline/index.js';
import type { Baseline } from '../shared/baseline/types.js';
import { checks } from '../shared/checks/index.js';
import type { CheckContext } from '../shared/checks/types.js';
import type { Inventory } from '../shared/model/inventory.js';
import { normalizeSnapshot, parseSnapshotText } from '../shared/snapshot/index.js';
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
} from '../test/support/snapshot-builder.js';

const CAPTURED_AT = '2026-11-29T02:00:00Z';
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-northeast-1'];
const NAMESPACES = 30;
const DAY_MS = 86_400_000;

interface Shape {
  accounts: number;
  clusters: number;
  associations: number;
  roles: number;
  events: number;
}

/** A small deterministic generator (LCG), so every run benchmarks the same organization. */
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

/** Roles per account: 60 % Pod Identity (some pinned by cluster tags, some unscoped), 40 % IRSA. */
const roleNamesByShape = new WeakMap<Shape, { podIdentity: string[]; irsa: string[] }>();

function roleNames(shape: Shape): { podIdentity: string[]; irsa: string[] } {
  const known = roleNamesByShape.get(shape);
  if (known) return known;
  const podIdentityCount = Math.max(1, Math.round(shape.roles * 0.6));
  const names = {
    podIdentity: Array.from({ length: podIdentityCount }, (_, index) => `pi-app-${index}`),
    irsa: Array.from({ length: shape.roles - podIdentityCount }, (_, index) => `irsa-app-${index}`),
  };
  roleNamesByShape.set(shape, names);
  return names;
}

/** The association `index` of a cluster: namespace, service account and role. */
function associationOf(
  shape: Shape,
  index: number,
): { namespace: string; serviceAccount: string; role: string } {
  const { podIdentity } = roleNames(shape);
  return {
    namespace: `team-${index % NAMESPACES}`,
    serviceAccount: `app-${index}`,
    role: podIdentity[index % podIdentity.length],
  };
}

/** One member account: clusters (the last without the agent), roles, OIDC providers and history. */
function buildAccount(shape: Shape, accountIndex: number): ReturnType<AccountBuilder['toJson']> {
  const accountId = accountIdOf(accountIndex);
  const region = REGIONS[accountIndex % REGIONS.length];
  const clusters = Array.from({ length: shape.clusters }, (_, index) => clusterNameOf(accountIndex, index));
  const account = new AccountBuilder(accountId, CAPTURED_AT);
  const random = randomSource(accountIndex + 1);
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
    // Every tenth IRSA role still trusts the issuer of a cluster deleted in a past cutover.
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
        // The second cluster is mid-cutover: the last 5 % of associations are not there yet.
        const count = clusterIndex === 1 ? Math.floor(shape.associations * 0.95) : shape.associations;
        for (let index = 0; index < count; index += 1) {
          const association = associationOf(shape, index);
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
        const association = associationOf(shape, random(shape.associations));
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

/**
 * The platform team's baseline: every account's first two clusters form one logical cluster (the
 * blue/green pair), the others stand alone; it declares every association and IRSA binding, so
 * the cutover's missing associations and a few undeclared ones show up as drift.
 */
function baselineText(shape: Shape, accounts: number): string {
  const { irsa } = roleNames(shape);
  const clusters: Record<string, unknown> = {};
  const podIdentity: unknown[] = [];
  const irsaBindings: unknown[] = [];
  for (let accountIndex = 0; accountIndex < accounts; accountIndex += 1) {
    const account = accountIdOf(accountIndex);
    const region = REGIONS[accountIndex % REGIONS.length];
    const logical: Array<{ name: string; members: string[] }> = [];
    const names = Array.from({ length: shape.clusters }, (_, index) => clusterNameOf(accountIndex, index));
    logical.push({
      name: `account-${accountIndex}-prod`,
      members: names.slice(0, Math.min(2, names.length)),
    });
    for (const name of names.slice(2))
      logical.push({ name: `account-${accountIndex}-${name}`, members: [name] });
    for (const cluster of logical) {
      clusters[cluster.name] = { account, region, members: cluster.members };
      // The last 1 % of associations were added by hand and never declared.
      for (let index = 0; index < Math.ceil(shape.associations * 0.99); index += 1) {
        const association = associationOf(shape, index);
        podIdentity.push({
          cluster: cluster.name,
          namespace: association.namespace,
          serviceAccount: association.serviceAccount,
          roleArn: roleArnOf(account, association.role),
        });
      }
      irsa.forEach((name, index) => {
        if (index % 12 === 11) return;
        irsaBindings.push({
          cluster: cluster.name,
          namespace: `team-${index % NAMESPACES}`,
          serviceAccount: name,
          roleArn: roleArnOf(account, name),
        });
      });
    }
  }
  return stringify({
    version: 1,
    settings: { unusedAfterDays: 90 },
    clusters,
    podIdentity,
    irsa: irsaBindings,
  });
}

function snapshotText(shape: Shape, accounts: number): string {
  const parts = Array.from({ length: accounts }, (_, index) => buildAccount(shape, index));
  return JSON.stringify({ snapshotVersion: 1, capturedAt: CAPTURED_AT, accounts: parts });
}

async function timed<T>(label: string, timings: Array<[string, number]>, work: () => T): Promise<T> {
  const started = performance.now();
  const result = work();
  timings.push([label, performance.now() - started]);
  return result;
}

/**
 * Times each check on its own, after one warm-up pass over every check that fills the caches they
 * share (trust analyses, indexes, the usage index): the best of `repeats` runs, after a collection
 * when `--expose-gc` is on so one check's garbage is not charged to the next.
 */
function timeChecks(
  inventory: Inventory,
  baseline: Baseline,
  repeats: number,
  only: Set<string> | undefined,
): { warmUpMs: number; perCheck: Map<string, number> } {
  const context: CheckContext = {
    inventory,
    baseline,
    now: new Date(inventory.capturedAt),
    recordUnknown: () => {},
  };
  const collectGarbage = (globalThis as { gc?: () => void }).gc;
  collectGarbage?.();
  const warmUpStarted = performance.now();
  for (const check of checks) check.evaluate(context);
  const warmUpMs = performance.now() - warmUpStarted;
  const perCheck = new Map<string, number>();
  for (const check of checks) {
    if (only && !only.has(check.meta.id)) continue;
    collectGarbage?.();
    let best = Number.POSITIVE_INFINITY;
    for (let run = 0; run < repeats; run += 1) {
      const started = performance.now();
      check.evaluate(context);
      best = Math.min(best, performance.now() - started);
    }
    perCheck.set(check.meta.id, best);
  }
  return { warmUpMs, perCheck };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string', default: '50' },
      clusters: { type: 'string', default: '3' },
      associations: { type: 'string', default: '300' },
      roles: { type: 'string', default: '100' },
      events: { type: 'string', default: '600' },
      'no-scaling': { type: 'boolean', default: false },
      repeats: { type: 'string', default: '3' },
      checks: { type: 'string' },
    },
  });
  const shape: Shape = {
    accounts: Number(values.accounts),
    clusters: Number(values.clusters),
    associations: Number(values.associations),
    roles: Number(values.roles),
    events: Number(values.events),
  };
  for (const [name, value] of Object.entries(shape)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number ≥ 1`);
  }

  const repeats = Math.max(1, Number(values.repeats) || 1);
  const only = values.checks ? new Set(values.checks.split(',').map((id) => id.trim())) : undefined;
  const timings: Array<[string, number]> = [];
  const text = await timed('generate (not part of an audit)', timings, () =>
    snapshotText(shape, shape.accounts),
  );
  const yamlText = baselineText(shape, shape.accounts);
  const snapshot = await timed('parse + validate snapshot', timings, () =>
    parseSnapshotText(text, 'bench.json'),
  );
  const inventory = await timed('normalize', timings, () => normalizeSnapshot(snapshot));
  const baseline = await timed('parse baseline', timings, () => parseBaseline(yamlText, 'baseline.yaml'));
  const result = await timed('runAudit (all checks + report)', timings, () =>
    runAudit({ inventory, baseline }),
  );
  // A quarter-size organization: half the accounts, each with half the clusters' associations,
  // roles and events. Linear checks take about 4× longer on the full one; quadratic ones up to 16×.
  let quarter: ReturnType<typeof timeChecks> | undefined;
  if (!values['no-scaling']) {
    const small: Shape = {
      ...shape,
      accounts: Math.max(1, Math.floor(shape.accounts / 2)),
      associations: Math.max(1, Math.floor(shape.associations / 2)),
      roles: Math.max(2, Math.floor(shape.roles / 2)),
      events: Math.max(1, Math.floor(shape.events / 2)),
    };
    const smallInventory = normalizeSnapshot(
      parseSnapshotText(snapshotText(small, small.accounts), 'quarter.json'),
    );
    quarter = timeChecks(
      smallInventory,
      parseBaseline(baselineText(small, small.accounts), 'quarter.yaml'),
      repeats,
      only,
    );
  }
  const full = timeChecks(inventory, baseline, repeats, only);

  const lines = [
    `shape: ${shape.accounts} accounts × ${shape.clusters} clusters × ${shape.associations} associations, ${shape.roles} roles and ${shape.events} CloudTrail events per account`,
    `inventory: ${inventory.clusters.length} clusters, ${inventory.associations.length} associations, ${inventory.roles.size} roles, ${inventory.cloudTrail.reduce((sum, window) => sum + window.events.length, 0)} events; snapshot ${(Buffer.byteLength(text) / 1024 / 1024).toFixed(1)} MiB, baseline ${(Buffer.byteLength(yamlText) / 1024 / 1024).toFixed(1)} MiB`,
    `findings: ${result.report.summary.total} (${Object.entries(result.report.summary.byCheck)
      .map(([check, count]) => `${check} ${count}`)
      .join(', ')}); usage unknown ${result.usageUnknown}`,
    '',
    'phase                                   duration',
    ...timings.map(([label, ms]) => `${label.padEnd(40)}${seconds(ms)}`),
    '',
    `checks one by one (first pass, filling shared caches: ${seconds(full.warmUpMs)}); growth from a quarter-size organization: ~4× linear, ~16× quadratic`,
    `${'check'.padEnd(40)}${'full'.padEnd(11)}${quarter ? `${'quarter'.padEnd(11)}growth` : ''}`,
    ...[...full.perCheck.entries()]
      .sort(([, a], [, b]) => b - a)
      .map(([check, ms]) => {
        const small = quarter?.perCheck.get(check);
        // Below a few milliseconds the ratio is timer and collector noise.
        const growth = small !== undefined && ms >= 20 && small > 0 ? `${(ms / small).toFixed(1)}×` : '';
        return `${check.padEnd(40)}${`${ms.toFixed(0)} ms`.padEnd(11)}${small === undefined ? '' : `${small.toFixed(0)} ms`.padEnd(11)}${growth}`;
      }),
    '',
    `peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
