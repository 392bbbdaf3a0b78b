/**
 * Collection benchmark: starts the sandbox in-process with a generated organization (default
 * 5 accounts × 2 regions × 3 clusters × 100 associations; `--large`: 20 × 2 × 3 × 200), collects it
 * through the real SDK clients, and prints duration, API calls and peak RSS. No assertions: it is
 * for comparing runs.
 *
 *   node --import tsx bench/collect.ts [--large] [--accounts 5] [--regions 2] [--clusters 3] [--associations 100] [--no-cloudtrail]
 *
 * Peak RSS covers the whole process, sandbox included.
 */
import { createHash } from 'node:crypto';
import { parseArgs } from 'node:util';
import { stringify } from 'yaml';
import { startSandbox } from '../sandbox/index.js';
import { createClientFactory } from '../shared/aws/clients.js';
import { collectSnapshot } from '../shared/collect/index.js';
import { summarizeSnapshot } from '../shared/collect/summary.js';
import { writeSnapshot } from '../shared/snapshot/index.js';
import {
  AUDIT_ACCOUNT,
  auditAccount,
  BENCH_EXTERNAL_ID,
  MEMBER_ROLE_TRUST,
  POD_IDENTITY_TRUST,
} from './support/organization.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const REGION_NAMES = ['eu-west-1', 'us-east-1', 'ap-northeast-1', 'eu-central-1', 'us-west-2'];

interface Shape {
  accounts: number;
  regions: number;
  clusters: number;
  associations: number;
}

function oidcId(...parts: Array<string | number>): string {
  return createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 32).toUpperCase();
}

/** A generated organization: an audit account plus member accounts full of clusters and associations. */
function organization(shape: Shape): string {
  const members = Array.from({ length: shape.accounts }, (_, accountIndex) => {
    const id = String(200000000000 + accountIndex);
    const roles = Array.from({ length: shape.associations }, (_, index) => ({
      name: `app-${index}`,
      trust: POD_IDENTITY_TRUST,
    }));
    const regions = Object.fromEntries(
      REGION_NAMES.slice(0, shape.regions).map((region) => [
        region,
        {
          clusters: Array.from({ length: shape.clusters }, (_, clusterIndex) => ({
            name: `cluster-${clusterIndex}`,
            oidcId: oidcId(id, region, clusterIndex),
            addons: [{ name: 'eks-pod-identity-agent', version: 'v1.3.4-eksbuild.1' }],
            associations: Array.from({ length: shape.associations }, (_, index) => ({
              namespace: `team-${index % 10}`,
              serviceAccount: `app-${index}`,
              role: `app-${index}`,
            })),
          })),
          usage: [
            {
              cluster: 'cluster-0',
              namespace: 'team-0',
              serviceAccount: 'app-0',
              via: 'pod-identity',
              perDay: 4,
              lastDaysAgo: 0,
              firstDaysAgo: 90,
            },
          ],
        },
      ]),
    );
    return {
      id,
      alias: `member-${accountIndex}`,
      roles: [{ name: 'AuditReadOnly', trust: MEMBER_ROLE_TRUST }, ...roles],
      regions,
    };
  });
  return stringify(
    {
      name: 'bench',
      seed: 1,
      identity: { account: AUDIT_ACCOUNT, role: 'Auditor', region: 'eu-west-1' },
      accounts: [auditAccount(), ...members],
    },
    { aliasDuplicateObjects: false },
  );
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      large: { type: 'boolean', default: false },
      accounts: { type: 'string' },
      regions: { type: 'string' },
      clusters: { type: 'string' },
      associations: { type: 'string' },
      'no-cloudtrail': { type: 'boolean', default: false },
    },
  });
  // The default keeps `npm run bench` short; --large collects 24,000 associations.
  const defaults: Shape = values.large
    ? { accounts: 20, regions: 2, clusters: 3, associations: 200 }
    : { accounts: 5, regions: 2, clusters: 3, associations: 100 };
  const shape: Shape = {
    accounts: Number(values.accounts ?? defaults.accounts),
    regions: Math.min(Number(values.regions ?? defaults.regions), REGION_NAMES.length),
    clusters: Number(values.clusters ?? defaults.clusters),
    associations: Number(values.associations ?? defaults.associations),
  };
  const sandbox = await startSandbox({ port: 0, scenario: organization(shape) });
  try {
    const factory = createClientFactory({
      region: 'eu-west-1',
      endpointUrl: sandbox.url,
      credentials: sandbox.credentials,
      roleName: 'AuditReadOnly',
      externalId: BENCH_EXTERNAL_ID,
    });
    const accounts = Array.from({ length: shape.accounts }, (_, index) => String(200000000000 + index));
    const started = performance.now();
    const snapshot = await collectSnapshot({
      factory,
      accounts,
      regions: REGION_NAMES.slice(0, shape.regions),
      cloudTrail: !values['no-cloudtrail'],
    });
    const seconds = (performance.now() - started) / 1000;
    const summary = summarizeSnapshot(snapshot);
    const lines = [
      `shape: ${shape.accounts} accounts × ${shape.regions} regions × ${shape.clusters} clusters × ${shape.associations} associations`,
      `duration: ${seconds.toFixed(1)} s`,
      `API calls: ${factory.apiCallCount()} (${(factory.apiCallCount() / seconds).toFixed(0)}/s), throttled by the sandbox: ${sandbox.calls().throttled.total}`,
      `collected: ${summary.clusters} clusters, ${summary.associations} associations, ${summary.roles} roles, ${summary.events} events, ${summary.incomplete.length} incomplete scopes`,
      `snapshot size: ${(Buffer.byteLength(writeSnapshot(snapshot)) / 1024 / 1024).toFixed(1)} MiB`,
      `peak RSS: ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB (sandbox included)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await sandbox.close();
  }
}

await main();
