import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FaultRule, type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { judgeNight, type Reference, referenceOf, type Verdict } from '../support/invariants.js';
import { activeHubIds, DEMO, ledgerEvents, type Night, runNight, smallDemo } from '../support/nightly.js';
import { useSandboxCredentials } from '../support/sandbox.js';

/** Every service the nightly run calls. */
const SERVICES = ['sts', 'iam', 'eks', 'cloudtrail', 's3', 'sns', 'securityhub'] as const;
type Service = (typeof SERVICES)[number];

/** Services whose calls publish: a hang there is a slow endpoint that answers the retry. */
const PUBLISHING = new Set<Service>(['sns', 'securityhub']);

/** The faults, as sandbox rules on one whole service. */
const FAULTS: Record<string, (service: Service) => FaultRule[]> = {
  'throttling storm': (service) => [{ service, throttle: { firstCalls: 3 } }],
  '5xx burst': (service) => [{ service, error: { status: 503, code: 'ServiceUnavailable', firstCalls: 3 } }],
  'AccessDenied on every call': (service) => [{ service, accessDenied: true }],
  'hanging endpoint': (service) => [{ service, hang: PUBLISHING.has(service) ? { firstCalls: 1 } : {} }],
};

interface Cell {
  service: Service;
  fault: string;
  faulty: Night;
  verdict: Verdict;
  injected: number;
  recovery: Night;
  recoveryVerdict: Verdict;
  ledgersBefore: unknown;
  ledgersAfter: unknown;
}

const SCOPES = [
  { accountId: DEMO.workloads, region: DEMO.region },
  { accountId: DEMO.data, region: DEMO.region },
];

const sandboxes: SandboxHandle[] = [];
const cells: Cell[] = [];
let restoreEnv: () => void;

/**
 * One column of the matrix: its own sandbox and a fault-free first night, then for each fault a
 * night under it followed by a fault-free night that must recover everything.
 */
async function runColumn(service: Service): Promise<void> {
  const sandbox = await startSandbox({ scenario: smallDemo(), limits: false });
  sandboxes.push(sandbox);
  const seed = await runNight(sandbox, { runId: `${service}-seed` });
  const reference: Reference = referenceOf(seed, sandbox);
  for (const [fault, rules] of Object.entries(FAULTS)) {
    const slug = fault.replace(/\W+/g, '-');
    const ledgersBefore = await ledgerEvents(sandbox, SCOPES);
    const faulty = await runNight(sandbox, { runId: `${service}-${slug}`, faults: rules(service) });
    const injected = faulty.injected;
    const verdict = judgeNight(reference, faulty, activeHubIds(sandbox));
    // A night that recovered by itself is its own proof; the others must be healed by the next one.
    const recovery =
      verdict.outcome === 'recovered' && verdict.violations.length === 0
        ? faulty
        : await runNight(sandbox, { runId: `${service}-${slug}-recovery` });
    const recoveryVerdict =
      recovery === faulty ? verdict : judgeNight(reference, recovery, activeHubIds(sandbox));
    const ledgersAfter = await ledgerEvents(sandbox, SCOPES);
    cells.push({
      service,
      fault,
      faulty,
      verdict,
      injected,
      recovery,
      recoveryVerdict,
      ledgersBefore,
      ledgersAfter,
    });
  }
}

beforeAll(async () => {
  // Prepare: the sandbox's starting identity is the same in every sandbox of the demo organization.
  const first = await startSandbox({ scenario: smallDemo(), limits: false });
  sandboxes.push(first);
  restoreEnv = useSandboxCredentials(first);

  // Act: the columns run side by side, each against its own sandbox.
  await Promise.all(SERVICES.map((service) => runColumn(service)));
}, 180_000);

afterAll(async () => {
  await Promise.all(sandboxes.map((sandbox) => sandbox.close()));
  restoreEnv();
  const injected = cells.reduce((sum, cell) => sum + cell.injected, 0);
  const lost = cells.reduce((sum, cell) => sum + cell.verdict.lost + cell.recoveryVerdict.lost, 0);
  const outcomes = cells.map((cell) => cell.verdict.outcome);
  const count = (outcome: string) => outcomes.filter((entry) => entry === outcome).length;
  console.info(
    `fault matrix: ${cells.length} cases (${SERVICES.length} services x ${Object.keys(FAULTS).length} faults), ` +
      `${injected} faulty responses injected, ${count('recovered')} recovered, ${count('degraded')} degraded, ` +
      `${count('failed loudly')} failed loudly, findings lost: ${lost}`,
  );
  for (const service of SERVICES) {
    const row = Object.keys(FAULTS).map((fault) => {
      const cell = cells.find((entry) => entry.service === service && entry.fault === fault);
      return `${fault}: ${cell?.verdict.outcome ?? 'not run'}`;
    });
    console.info(`  ${service}: ${row.join('; ')}`);
  }
});

function cellOf(service: Service, fault: string): Cell {
  const cell = cells.find((entry) => entry.service === service && entry.fault === fault);
  if (!cell) throw new Error(`no result for ${service} × ${fault}`);
  return cell;
}

describe.each(SERVICES)('%s', (service) => {
  it.each(Object.keys(FAULTS))(
    '%s: finishes or fails loudly, loses nothing, claims nothing false',
    (fault) => {
      // Assess
      const cell = cellOf(service, fault);
      expect(cell.injected, 'the fault was injected').toBeGreaterThan(0);
      expect(cell.verdict.violations).toEqual([]);
    },
  );

  it.each(Object.keys(FAULTS))('%s: the next fault-free night recovers everything', (fault) => {
    const cell = cellOf(service, fault);
    expect(cell.recoveryVerdict.violations).toEqual([]);
    expect(cell.recoveryVerdict.outcome).toBe('recovered');
    expect(cell.recovery.result?.securityHub.failed).toBe(0);
    expect(cell.recovery.result?.sns.published).toBe(true);
    // The ledger lost no event: what it held before the faulty night is all still counted.
    expect(cell.ledgersAfter).toEqual(cell.ledgersBefore);
  });
});

describe('what the matrix must show', () => {
  it('survives throttling storms and 5xx bursts on every service without losing anything', () => {
    for (const service of SERVICES) {
      for (const fault of ['throttling storm', '5xx burst']) {
        const cell = cellOf(service, fault);
        expect(cell.verdict.violations, `${service} × ${fault}`).toEqual([]);
      }
    }
  });

  it('reports a denied collection service as incomplete scopes, not as a failed run', () => {
    for (const service of ['iam', 'eks'] as const) {
      const cell = cellOf(service, 'AccessDenied on every call');
      expect(cell.verdict.outcome, service).toBe('degraded');
      expect(cell.faulty.result?.incompleteScopes, service).toBeGreaterThan(0);
    }
  });

  it('fails the run loudly when SNS or Security Hub refuse, after storing the report', () => {
    for (const service of ['sns', 'securityhub'] as const) {
      const cell = cellOf(service, 'AccessDenied on every call');
      expect(cell.verdict.outcome, service).toBe('failed loudly');
      expect(cell.faulty.analyzeError?.name, service).toBe('PublishError');
      expect(cell.faulty.report, service).toBeDefined();
    }
  });

  it('gives up on a hanging collection endpoint and reports its scope incomplete, not a hung run', () => {
    for (const service of ['iam', 'eks'] as const) {
      const cell = cellOf(service, 'hanging endpoint');
      expect(cell.verdict.outcome, service).toBe('degraded');
      expect(JSON.stringify(cell.faulty.report?.scopes), service).toMatch(/Timeout/i);
    }
  });
});
