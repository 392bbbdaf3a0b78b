import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../sandbox/index.js';
import { type ClientFactory, createClientFactory } from '../../shared/aws/clients.js';
import { UNPACED } from '../../shared/collect/pacing.js';
import { type AnyStep, collectStep, listPages, type StepScope } from '../../shared/collect/step.js';
import { COLLECTION_STEP_LIST } from '../../shared/collect/steps.js';
import type { CollectionError } from '../../shared/model/index.js';
import { EXTERNAL_ID, NOW, REGION, startDemo, WORKLOAD_ACCOUNT } from './helpers.js';

let sandbox: SandboxHandle;
let factory: ClientFactory;

beforeAll(async () => {
  sandbox = await startDemo();
  factory = createClientFactory({
    region: REGION,
    endpointUrl: sandbox.url,
    credentials: sandbox.credentials,
    roleName: 'EksIdentityAuditReadOnly',
    externalId: EXTERNAL_ID,
    maxAttempts: 1,
  });
});
afterAll(async () => {
  await sandbox.close();
});

/** The demo's workload account, in its region; cluster rows in its `prod-blue` cluster. */
function scopeOf(step: AnyStep): StepScope {
  return {
    accountId: WORKLOAD_ACCOUNT,
    region: REGION,
    partition: 'aws',
    ...(step.level === 'cluster' ? { cluster: 'prod-blue' } : {}),
    window: { from: new Date(NOW.getTime() - 90 * 86_400_000), to: NOW },
  };
}

/** Runs one row in its scope as the collectors do: every query to its last page, every listed key described. */
async function runStep(step: AnyStep, errors: CollectionError[]): Promise<unknown[]> {
  const runtime = { factory, lane: UNPACED };
  const scope = scopeOf(step);
  if (!step.queries) return collectStep(step, runtime, scope, errors);
  const found: unknown[] = [];
  for (const query of step.queries) {
    await listPages(step, runtime, scope, query, (page) => found.push(...(step.list.items(page) ?? [])));
  }
  return found;
}

describe('the sandbox serves every operation of the collection table', () => {
  it.each(COLLECTION_STEP_LIST.map((step) => [`${step.service} ${step.into}`, step] as const))(
    '%s: answers its List and the Describe of every listed key without an error',
    async (_name, step) => {
      sandbox.resetCalls();
      const errors: CollectionError[] = [];

      const found = await runStep(step, errors);

      expect(errors).toEqual([]);
      // Something was listed, so a row's Describe was called and answered too.
      expect(found.length).toBeGreaterThan(0);
      const served = sandbox.calls()[WORKLOAD_ACCOUNT]?.[step.service] ?? {};
      for (const call of [step.list, step.describe]) {
        if (call) expect(served[call.operation], call.operation).toBeGreaterThan(0);
      }
    },
  );
});
