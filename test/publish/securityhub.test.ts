import type { BatchImportFindingsCommand, SecurityHubClient } from '@aws-sdk/client-securityhub';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../shared/model/finding.js';
import { toAsff } from '../../shared/publish/asff.js';
import { diffRuns } from '../../shared/publish/diff.js';
import {
  batches,
  importFindings,
  MAX_BATCH_BYTES,
  type PlannedImport,
  planSecurityHub,
} from '../../shared/publish/securityhub.js';
import { AUDIT_ACCOUNT, CHECK_META, completeScopes, finding, MEMBER_ACCOUNT, REGION } from './support.js';

const noWait = async () => {};

function planned(count: number, descriptionLength = 10): PlannedImport[] {
  return Array.from({ length: count }, (_, index) => ({
    accountId: AUDIT_ACCOUNT,
    state: 'active' as const,
    finding: {
      ...toAsff(finding({ name: `role-${index}` }), {
        awsAccountId: AUDIT_ACCOUNT,
        region: REGION,
        runId: 'run-1',
        createdAt: '2026-11-29T02:05:00.000Z',
        updatedAt: '2026-11-29T02:05:00.000Z',
        state: 'active',
      }),
      // Large but allowed per finding: stands in for big resource details.
      ProductFields: { padding: 'p'.repeat(descriptionLength) },
    },
  }));
}

/** A Security Hub stand-in that answers each call with the given responder. */
function fakeClient(
  respond: (
    ids: string[],
    call: number,
  ) => { FailedFindings?: Array<{ Id: string; ErrorCode: string; ErrorMessage: string }> },
) {
  let call = 0;
  const sent: string[][] = [];
  const client = {
    send: async (command: BatchImportFindingsCommand) => {
      call += 1;
      const ids = (command.input.Findings ?? []).map((item) => item.Id ?? '');
      sent.push(ids);
      return respond(ids, call);
    },
  } as unknown as SecurityHubClient;
  return { client, sent };
}

describe('batches', () => {
  it('splits at 100 findings', () => {
    expect(batches(planned(250)).map((batch) => batch.length)).toEqual([100, 100, 50]);
  });

  it('splits at 6 MB before reaching 100 findings', () => {
    const big = planned(60, 200_000);
    const split = batches(big);
    expect(split.length).toBeGreaterThan(1);
    for (const batch of split) {
      expect(
        batch.reduce((sum, item) => sum + Buffer.byteLength(JSON.stringify(item.finding)), 0),
      ).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    }
    expect(split.flat()).toHaveLength(60);
  });
});

describe('importFindings', () => {
  it('re-sends a finding that failed with a transient error until it is taken', async () => {
    // Prepare: the first call refuses one finding with an internal error.
    const plan = planned(3);
    const flaky = plan[1].finding.Id ?? '';
    const { client, sent } = fakeClient((_ids, call) =>
      call === 1
        ? { FailedFindings: [{ Id: flaky, ErrorCode: 'InternalException', ErrorMessage: 'try again' }] }
        : {},
    );
    // Act
    const result = await importFindings(plan, () => client, {
      maxAttempts: 3,
      baseDelayMs: 1,
      sleep: noWait,
    });
    // Assess
    expect(result).toMatchObject({ imported: 3, failed: 0 });
    expect(sent).toEqual([plan.map((item) => item.finding.Id), [flaky]]);
  });

  it('gives up on a transient failure after the last attempt and lists it', async () => {
    const plan = planned(2);
    const stuck = plan[0].finding.Id ?? '';
    const { client, sent } = fakeClient(() => ({
      FailedFindings: [{ Id: stuck, ErrorCode: 'InternalException', ErrorMessage: 'still down' }],
    }));
    const result = await importFindings(plan, () => client, {
      maxAttempts: 3,
      baseDelayMs: 1,
      sleep: noWait,
    });
    expect(result).toMatchObject({ imported: 1, failed: 1 });
    expect(result.failures).toEqual([
      { id: stuck, accountId: AUDIT_ACCOUNT, code: 'InternalException', message: 'still down' },
    ]);
    expect(sent).toHaveLength(3);
  });

  it('does not re-send a finding Security Hub refuses as invalid', async () => {
    const plan = planned(1);
    const { client, sent } = fakeClient((ids) => ({
      FailedFindings: [{ Id: ids[0], ErrorCode: 'InvalidInput', ErrorMessage: 'bad finding' }],
    }));
    const result = await importFindings(plan, () => client, {
      maxAttempts: 3,
      baseDelayMs: 1,
      sleep: noWait,
    });
    expect(result.failed).toBe(1);
    expect(sent).toHaveLength(1);
  });
});

describe('planSecurityHub', () => {
  const open = finding({ name: 'payments-api' });
  const gone = finding({ name: 'orders-worker' });

  it('archives a resolved finding only when it is in Security Hub', () => {
    const diff = diffRuns([open, gone], [open], completeScopes(), { checks: CHECK_META });
    const base = {
      diff,
      scopes: completeScopes(),
      checks: CHECK_META,
      mode: 'audit-account' as const,
      callerAccountId: AUDIT_ACCOUNT,
      region: REGION,
      runId: 'run-2',
      updatedAt: '2026-11-29T02:05:00.000Z',
    };
    const imported = planSecurityHub({
      ...base,
      previous: new Map([
        [open.id, { firstSeenAt: '2026-11-01T00:00:00.000Z', securityHubImported: true }],
        [gone.id, { firstSeenAt: '2026-11-01T00:00:00.000Z', securityHubImported: true }],
      ]),
    });
    expect(imported.imports.map((item) => [item.finding.Id, item.state])).toEqual([
      [open.id, 'active'],
      [gone.id, 'resolved'],
    ]);
    expect(imported.imports[0].finding.CreatedAt).toBe('2026-11-01T00:00:00.000Z');

    const neverImported = planSecurityHub({
      ...base,
      previous: new Map([[gone.id, { firstSeenAt: '2026-11-01T00:00:00.000Z', securityHubImported: false }]]),
    });
    expect(neverImported.imports.map((item) => item.state)).toEqual(['active']);
  });

  it('imports into the member account in member-accounts mode', () => {
    const diff = diffRuns<Finding>(undefined, [open], completeScopes());
    const plan = planSecurityHub({
      diff,
      previous: new Map(),
      scopes: completeScopes(),
      checks: CHECK_META,
      mode: 'member-accounts',
      callerAccountId: AUDIT_ACCOUNT,
      region: REGION,
      runId: 'run-1',
      updatedAt: '2026-11-29T02:05:00.000Z',
    });
    expect(plan.imports[0]).toMatchObject({
      accountId: MEMBER_ACCOUNT,
      finding: { AwsAccountId: MEMBER_ACCOUNT },
    });
  });
});
