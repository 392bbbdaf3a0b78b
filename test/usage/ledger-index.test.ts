import { describe, expect, it } from 'vitest';
import { runAudit } from '../../shared/audit.js';
import type { Baseline } from '../../shared/baseline/types.js';
import { usageChecks } from '../../shared/checks/usage/index.js';
import { planRead } from '../../shared/collect/usage/incremental.js';
import type { Inventory } from '../../shared/model/inventory.js';
import { DAY_MS, emptyLedger, foldRecords, type Ledger, mergeLedgers } from '../../shared/usage/ledger.js';
import { ledgersFromInventory, ledgerUsageIndex } from '../../shared/usage/ledger-index.js';
import {
  baselineOf,
  estate,
  inventoryOf,
  irsa,
  irsaTrustFor,
  LONG_AGO,
  NOW,
  pi,
  podIdentityTrust,
  RECENTLY,
  REGION,
  roleArn,
  WORKLOADS,
} from '../audit/world.js';
import type { RegionBuilder } from '../support/snapshot-builder.js';
import {
  assumeRoleForPodIdentityEvent,
  collectionError,
  irsaWebIdentityEvent,
  oidcIdFor,
  podIdentityAssumeRoleEvent,
} from '../support/snapshot-builder.js';

const session = (serviceAccount: string, role: string, eventTime = RECENTLY) =>
  podIdentityAssumeRoleEvent({
    accountId: WORKLOADS,
    region: REGION,
    clusterName: 'prod-blue',
    namespace: 'default',
    serviceAccount,
    roleArn: roleArn(role),
    eventTime,
  });
const webIdentity = (serviceAccount: string, role: string) =>
  irsaWebIdentityEvent({
    accountId: WORKLOADS,
    region: REGION,
    oidcId: oidcIdFor('prod-blue'),
    namespace: 'kube-system',
    serviceAccount,
    roleArn: roleArn(role),
    eventTime: RECENTLY,
  });

/**
 * prod-blue with used and idle Pod Identity associations, used and idle IRSA roles, denied
 * credential requests and a service account using a role the baseline does not declare.
 */
function richEstate(region: (region: RegionBuilder) => unknown = () => undefined): Inventory {
  return inventoryOf(
    estate({
      account: (account) => {
        account.role('app', { createDate: LONG_AGO, trust: podIdentityTrust() });
        account.role('idle', {
          createDate: LONG_AGO,
          trust: podIdentityTrust(),
          lastUsed: '2026-03-01T00:00:00Z',
        });
        account.role('dns', {
          createDate: LONG_AGO,
          trust: irsaTrustFor(['prod-blue'], 'system:serviceaccount:kube-system:external-dns'),
        });
        account.role('old-dns', {
          createDate: LONG_AGO,
          trust: irsaTrustFor(['prod-blue'], 'system:serviceaccount:kube-system:old-dns'),
        });
      },
      region: (builder) => {
        builder.cluster('prod-blue', { createdAt: LONG_AGO }, (cluster) =>
          cluster
            .association({
              namespace: 'default',
              serviceAccount: 'app',
              roleName: 'app',
              createdAt: LONG_AGO,
            })
            .association({
              namespace: 'default',
              serviceAccount: 'idle',
              roleName: 'idle',
              createdAt: LONG_AGO,
            })
            .association({
              namespace: 'default',
              serviceAccount: 'rogue',
              roleName: 'app',
              createdAt: LONG_AGO,
            }),
        );
        builder.event(
          session('app', 'app'),
          session('app', 'app', '2026-11-21T10:00:00Z'),
          session('rogue', 'app'),
          webIdentity('external-dns', 'dns'),
          assumeRoleForPodIdentityEvent({
            accountId: WORKLOADS,
            region: REGION,
            clusterName: 'prod-blue',
            nodeRoleArn: roleArn('prod-node'),
            eventTime: '2026-11-27T08:00:00Z',
            denied: true,
          }),
        );
        region(builder);
      },
    }),
  );
}

const baseline = baselineOf({
  podIdentity: [pi('default', 'app', 'app'), pi('default', 'idle', 'idle')],
  irsa: [irsa('kube-system', 'external-dns', 'dns'), irsa('kube-system', 'old-dns', 'old-dns')],
});

function auditWith(inventory: Inventory, ledgers: Ledger[] | undefined, audited: Baseline = baseline) {
  return runAudit({
    inventory,
    baseline: audited,
    checks: usageChecks,
    ...(ledgers ? { usageIndex: (options) => ledgerUsageIndex(ledgers, inventory, options) } : {}),
  });
}

function summary(result: ReturnType<typeof auditWith>) {
  return result.findings.map((finding) => ({
    id: finding.id,
    checkId: finding.checkId,
    message: finding.message,
    evidence: finding.evidence,
  }));
}

describe('the ledger-backed usage index', () => {
  it('gives the same usage findings as the in-memory index of the snapshot', () => {
    const inventory = richEstate();
    const fromSnapshot = auditWith(inventory, undefined);
    const fromLedger = auditWith(inventory, ledgersFromInventory(inventory));
    expect(summary(fromLedger)).toEqual(summary(fromSnapshot));
    expect(fromSnapshot.findings.map((finding) => finding.checkId).sort()).toEqual([
      'IRSA_BINDING_UNUSED',
      'PI_ASSOCIATION_UNUSED',
      'PI_ASSUME_DENIED',
      'ROLE_UNUSED',
      'ROLE_UNUSED',
      'UNDECLARED_USAGE',
    ]);
    expect(fromLedger.usageUnknown).toBe(fromSnapshot.usageUnknown);
  });

  it('carries counts, the latest time and event ids as evidence of denied requests', () => {
    const inventory = richEstate();
    const denied = auditWith(inventory, ledgersFromInventory(inventory)).findings.find(
      (finding) => finding.checkId === 'PI_ASSUME_DENIED',
    );
    expect(denied?.evidence).toMatchObject({
      count: 1,
      lastSeen: '2026-11-27T08:00:00Z',
      source: 'cloudtrail:AssumeRoleForPodIdentity',
      errorCodes: ['AccessDenied'],
    });
    expect((denied?.evidence as { eventIds?: string[] } | undefined)?.eventIds).toHaveLength(1);
  });

  it('claims nothing unused when the CloudTrail read failed', () => {
    const inventory = richEstate((region) =>
      region.cloudTrailError(collectionError('cloudtrail', 'LookupEvents', 'AccessDeniedException')),
    );
    const result = auditWith(inventory, ledgersFromInventory(inventory));
    expect(result.findings.filter((finding) => finding.checkId.endsWith('_UNUSED'))).toEqual([]);
    expect(result.usageUnknown).toBeGreaterThan(0);
  });

  it('claims nothing unused when the ledger was last updated more than 90 days ago', () => {
    const inventory = richEstate();
    const now = new Date(NOW);
    // A ledger that stopped 120 days ago, then a run that could only read CloudTrail's 90 days.
    const stale = foldRecords(emptyLedger(WORKLOADS, REGION), [], {
      read: {
        from: new Date(now.getTime() - 200 * DAY_MS),
        to: new Date(now.getTime() - 120 * DAY_MS),
        complete: true,
      },
    });
    const plan = planRead(stale, undefined, now);
    expect(plan.backfill?.reason).toBe('expired');
    const events = inventory.cloudTrail[0].events;
    const updated = mergeLedgers(
      stale,
      foldRecords(emptyLedger(WORKLOADS, REGION), events, {
        read: { from: plan.from, to: plan.to, complete: true },
        gaps: plan.gaps,
      }),
    );
    expect(updated.gaps).toHaveLength(1);
    const result = auditWith(inventory, [updated]);
    expect(result.findings.filter((finding) => finding.checkId.endsWith('_UNUSED'))).toEqual([]);
    // Positive evidence still counts across a gap: the used association is used, the denials are reported.
    expect(result.findings.map((finding) => finding.checkId).sort()).toEqual([
      'PI_ASSUME_DENIED',
      'UNDECLARED_USAGE',
    ]);
  });

  it('claims unused again once the whole window is covered after the gap', () => {
    const inventory = richEstate();
    const now = new Date(NOW);
    const gapEnd = new Date(now.getTime() - 100 * DAY_MS);
    const ledger = foldRecords(emptyLedger(WORKLOADS, REGION), inventory.cloudTrail[0].events, {
      read: { from: gapEnd, to: now, complete: true },
      gaps: [
        {
          from: new Date(now.getTime() - 130 * DAY_MS).toISOString(),
          to: gapEnd.toISOString(),
          reason: 'stale',
        },
      ],
    });
    const result = auditWith(inventory, [ledger]);
    expect(result.findings.filter((finding) => finding.checkId.endsWith('_UNUSED')).length).toBeGreaterThan(
      0,
    );
  });

  it('reports usage seen before the window as last seen but not as use inside it', () => {
    const inventory = richEstate();
    const ledger = foldRecords(emptyLedger(WORKLOADS, REGION), [...inventory.cloudTrail[0].events], {
      read: { from: new Date('2026-08-31T02:00:00Z'), to: new Date(NOW), complete: true },
    });
    const index = ledgerUsageIndex([ledger], inventory, {
      since: new Date('2026-11-21T00:00:00Z'),
      until: new Date(NOW),
    });
    const usage = index.podIdentityUsage(WORKLOADS, REGION, 'prod-blue', 'default', 'app', roleArn('app'));
    // The session of 2026-11-20 lies before the window; only the one of 2026-11-21 counts.
    expect(usage).toMatchObject({
      count: 1,
      firstSeen: '2026-11-21T10:00:00Z',
      lastSeen: '2026-11-21T10:00:00Z',
    });
    const narrow = ledgerUsageIndex([ledger], inventory, {
      since: new Date('2026-11-25T00:00:00Z'),
      until: new Date(NOW),
    });
    expect(
      narrow.podIdentityUsage(WORKLOADS, REGION, 'prod-blue', 'default', 'app', roleArn('app')),
    ).toBeUndefined();
  });
});
