/**
 * Usage-ledger benchmark: two "nights" of `updateLedgers` against one unchanged sandbox. Night 1
 * has no ledger and backfills 90 days; night 2 runs a day later (sandbox clock moved, history
 * unchanged) and reads only the overlap behind the high-water mark. Prints the `LookupEvents`
 * calls the sandbox counted each night. No assertions: it is for comparing runs.
 *
 *   node --import tsx bench/usage.ts [--accounts 3] [--workloads 20] [--per-day 4]
 *
 * Each workload is a Pod Identity association used `--per-day` times a day for 90 days; every
 * session writes two CloudTrail records (the `eks-auth` call and the `sts` AssumeRole).
 */
import { parseArgs } from 'node:util';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { stringify } from 'yaml';
import { startSandbox } from '../sandbox/index.js';
import { createClientFactory } from '../shared/aws/clients.js';
import { updateLedgers } from '../shared/usage/incremental.js';
import { DAY_MS } from '../shared/usage/ledger.js';
import { S3LedgerStore } from '../shared/usage/store.js';
import {
  AUDIT_ACCOUNT,
  auditAccount,
  BENCH_EXTERNAL_ID,
  MEMBER_ROLE_TRUST,
  POD_IDENTITY_TRUST,
} from './support/organization.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const REGION = 'eu-west-1';

/** An audit account plus member accounts with one cluster each, busy with Pod Identity sessions. */
function organization(accounts: number, workloads: number, perDay: number): string {
  const members = Array.from({ length: accounts }, (_, accountIndex) => ({
    id: String(200000000000 + accountIndex),
    alias: `member-${accountIndex}`,
    roles: [
      { name: 'AuditReadOnly', trust: MEMBER_ROLE_TRUST },
      ...Array.from({ length: workloads }, (_, index) => ({
        name: `app-${index}`,
        trust: POD_IDENTITY_TRUST,
      })),
    ],
    regions: {
      [REGION]: {
        clusters: [
          {
            name: 'prod',
            oidcId: (accountIndex + 1).toString(16).toUpperCase().padStart(32, 'A'),
            addons: [{ name: 'eks-pod-identity-agent', version: 'v1.3.4-eksbuild.1' }],
            associations: Array.from({ length: workloads }, (_, index) => ({
              namespace: `team-${index % 5}`,
              serviceAccount: `app-${index}`,
              role: `app-${index}`,
            })),
          },
        ],
        usage: Array.from({ length: workloads }, (_, index) => ({
          cluster: 'prod',
          namespace: `team-${index % 5}`,
          serviceAccount: `app-${index}`,
          via: 'pod-identity',
          perDay,
          lastDaysAgo: 0,
          firstDaysAgo: 89,
        })),
      },
    },
  }));
  return stringify({
    name: 'usage-bench',
    seed: 1,
    identity: { account: AUDIT_ACCOUNT, role: 'Auditor', region: REGION },
    accounts: [auditAccount(), ...members],
    buckets: [{ name: 'audit-state', account: AUDIT_ACCOUNT, region: REGION }],
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      accounts: { type: 'string', default: '3' },
      workloads: { type: 'string', default: '20' },
      'per-day': { type: 'string', default: '4' },
    },
  });
  const accounts = Number(values.accounts);
  const workloads = Number(values.workloads);
  const perDay = Number(values['per-day']);
  let clock = new Date();
  const sandbox = await startSandbox({
    port: 0,
    scenario: organization(accounts, workloads, perDay),
    now: () => new Date(clock),
  });
  try {
    const memberAccounts = Array.from({ length: accounts }, (_, index) => String(200000000000 + index));
    // Each night is a new process: new clients, new member sessions.
    const factory = () =>
      createClientFactory({
        region: REGION,
        endpointUrl: sandbox.url,
        credentials: sandbox.credentials,
        roleName: 'AuditReadOnly',
        externalId: BENCH_EXTERNAL_ID,
      });
    const setup = factory().s3();
    await setup
      .send(
        new CreateBucketCommand({
          Bucket: 'audit-state',
          CreateBucketConfiguration: { LocationConstraint: REGION },
        }),
      )
      .catch(() => undefined);
    const lines = [
      `shape: ${accounts} accounts × 1 region × ${workloads} workloads × ${perDay} sessions/day over 90 days`,
    ];
    for (const name of ['night 1 (backfill)', 'night 2 (overlap only)']) {
      sandbox.resetCalls();
      const clients = factory();
      const store = new S3LedgerStore(clients.s3(), { bucket: 'audit-state', prefix: 'bench' });
      const started = performance.now();
      const updates = await updateLedgers({
        factory: clients,
        accounts: memberAccounts,
        regions: [REGION],
        store,
        now: new Date(clock),
      });
      const seconds = (performance.now() - started) / 1000;
      const calls = sandbox.calls();
      const lookups = memberAccounts.map((account) => calls[account]?.cloudtrail?.LookupEvents ?? 0);
      const events = updates.reduce((sum, update) => sum + update.eventsRead, 0);
      const size = memberAccounts
        .map(
          (account) =>
            sandbox.s3Object('audit-state', `bench/usage/${account}/${REGION}/ledger.json`)?.length ?? 0,
        )
        .reduce((sum, bytes) => sum + bytes, 0);
      lines.push(
        `${name}: LookupEvents ${lookups.reduce((sum, count) => sum + count, 0)} (per account-region ${lookups.join(', ')}), ` +
          `events read ${events}, ${seconds.toFixed(1)} s, ledgers ${(size / 1024).toFixed(0)} KiB`,
      );
      clock = new Date(clock.getTime() + DAY_MS);
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await sandbox.close();
  }
}

await main();
