/**
 * Usage-ledger benchmark: two "nights" of `updateLedgers` against one unchanged organization, the
 * ledgers stored in the sandbox's S3. Night 1 has no ledger and backfills 90 days; night 2 runs a day
 * later (sandbox clock moved, history unchanged) and reads only what is new behind the high-water
 * mark. Prints the LookupEvents calls the sandbox counted each night and their ratio.
 *
 *   npm run bench -- usage [--accounts 100] [--latency-ms 30]
 *
 * The organization is the collection benchmark's (bench/support/generate.ts): 2 regions, 2 clusters
 * per region, 88 days of Pod Identity and IRSA history; every account-region's ledger is updated at
 * once, each at CloudTrail's 2 LookupEvents per second. The sandbox runs in its own process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { validateScenario } from '../sandbox/scenario.js';
import type { CallCounts } from '../sandbox/types.js';
import { createClientFactory } from '../shared/aws/clients.js';
import { updateLedgers } from '../shared/collect/usage/incremental.js';
import { S3LedgerStore } from '../shared/collect/usage/store.js';
import { DAY_MS } from '../shared/usage/ledger.js';
import { minimumCalls } from './support/bounds.js';
import { BENCH_REGIONS, DEFAULT_SHAPE, generateOrganization, memberAccounts } from './support/generate.js';
import { BENCH_EXTERNAL_ID } from './support/organization.js';
import { recordBenchmarkResult, target } from './support/results.js';
import { startSandboxProcess } from './support/sandbox-process.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const BUCKET = 'audit-state';
const PREFIX = 'bench';

interface Night {
  name: string;
  lookups: number;
  throttled: number;
  events: number;
  seconds: number;
  ledgerKiB: number;
  incomplete: number;
}

function lookupEvents(counts: CallCounts, accounts: readonly string[]): number {
  return accounts.reduce((total, account) => total + (counts[account]?.cloudtrail?.LookupEvents ?? 0), 0);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const { values } = parseArgs({
    args,
    options: {
      accounts: { type: 'string', default: '100' },
      'latency-ms': { type: 'string', default: '30' },
    },
  });
  const accounts = Number(values.accounts);
  const shape = { ...DEFAULT_SHAPE, accounts };
  const input = { ...generateOrganization(shape), faults: [{ latencyMs: Number(values['latency-ms']) }] };
  const members = memberAccounts(accounts);
  const regions = BENCH_REGIONS.slice(0, shape.regions);
  const backfillPages = minimumCalls(validateScenario(input), members, regions).byOperation[
    'cloudtrail:LookupEvents'
  ];
  const workDir = mkdtempSync(join(tmpdir(), 'bench-usage-'));
  const file = join(workDir, 'organization.json');
  writeFileSync(file, JSON.stringify(input));
  const sandbox = await startSandboxProcess(file);
  const nights: Night[] = [];
  try {
    let offsetMs = 0;
    for (const name of ['night 1 (90-day backfill)', 'night 2 (one day later)']) {
      await fetch(`${sandbox.url}/_sandbox/reset-calls`, { method: 'POST' });
      // Each night is a new process: new clients, new member sessions.
      const factory = createClientFactory({
        region: regions[0],
        endpointUrl: sandbox.url,
        credentials: sandbox.credentials,
        roleName: 'AuditReadOnly',
        externalId: BENCH_EXTERNAL_ID,
      });
      const store = new S3LedgerStore(factory.s3(), { bucket: BUCKET, prefix: PREFIX });
      const started = performance.now();
      const updates = await updateLedgers({
        factory,
        accounts: members,
        regions,
        store,
        now: new Date(Date.now() + offsetMs),
        // Every account-region at once: each is held to 2 LookupEvents per second on its own.
        concurrency: members.length * regions.length,
      });
      const seconds = (performance.now() - started) / 1000;
      const counts = (await (await fetch(`${sandbox.url}/_sandbox/calls`)).json()) as CallCounts;
      let bytes = 0;
      for (const account of members) {
        for (const region of regions) {
          bytes += await sandbox.objectSize(BUCKET, `${PREFIX}/usage/${account}/${region}/ledger.json`);
        }
      }
      nights.push({
        name,
        lookups: lookupEvents(counts, members),
        throttled: counts.throttled.total,
        events: updates.reduce((total, update) => total + update.eventsRead, 0),
        seconds,
        ledgerKiB: bytes / 1024,
        incomplete: updates.filter((update) => !update.read.complete).length,
      });
      offsetMs += DAY_MS;
      await sandbox.advance(DAY_MS);
    }
  } finally {
    await sandbox.close();
    rmSync(workDir, { recursive: true, force: true });
  }
  const [first, second] = nights;
  const cheaper = first.lookups / Math.max(1, second.lookups);
  const lines = [
    `shape: ${accounts} accounts × ${regions.length} regions × ${shape.clustersPerRegion} clusters, ${shape.historyDays} days of Pod Identity and IRSA history; backfill needs at least ${backfillPages} LookupEvents pages`,
    ...nights.map(
      (night) =>
        `${night.name}: LookupEvents ${night.lookups} (${night.throttled} throttled), events read ${night.events}, ${night.seconds.toFixed(1)} s, ledgers ${night.ledgerKiB.toFixed(0)} KiB, ${night.incomplete} incomplete reads`,
    ),
    `night 2 is ${cheaper.toFixed(1)}× cheaper in LookupEvents calls than night 1`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  recordBenchmarkResult({
    benchmark: 'usage',
    arguments: args,
    tables: [
      {
        title: `Usage ledger: two nights at ${accounts} accounts × ${regions.length} regions`,
        columns: [
          'night',
          'LookupEvents calls',
          'throttled',
          'events read',
          'wall (s)',
          'ledgers (KiB)',
          'incomplete reads',
        ],
        rows: nights.map((night) => [
          night.name,
          String(night.lookups),
          String(night.throttled),
          String(night.events),
          night.seconds.toFixed(1),
          night.ledgerKiB.toFixed(0),
          String(night.incomplete),
        ]),
        notes: [
          `Night 2 runs one day after night 1 against the same history and reads only behind the ledgers' high-water marks. The backfill needs at least ${backfillPages} pages (50 records a page).`,
        ],
      },
    ],
    targets: [
      target(
        `usage ledger, ${accounts} accounts: night 1 ÷ night 2 LookupEvents calls`,
        Number(cheaper.toFixed(2)),
        10,
        {
          atLeast: true,
        },
      ),
    ],
  });
}

await main();
