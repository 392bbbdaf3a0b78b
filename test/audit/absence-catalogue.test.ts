import { describe, expect, it } from 'vitest';
import { runAudit } from '../../shared/audit.js';
import type { Baseline } from '../../shared/baseline/types.js';
import { checks } from '../../shared/checks/index.js';
import type { Finding } from '../../shared/model/finding.js';
import type { ScopeRef } from '../../shared/model/scope.js';
import { normalizeSnapshot, parseSnapshot } from '../../shared/snapshot/index.js';
import { collectionError, type SnapshotJson } from '../support/snapshot-builder.js';
import { multiAccountBaseline, multiAccountSnapshot } from './multi-account-estate.js';

type Json = Record<string, unknown>;

/** One way a scope ends up incomplete, as a collection would leave the snapshot. */
interface Degradation {
  name: string;
  /** The scope's data stays in the snapshot (errors recorded, nothing lost). */
  keepsContent: boolean;
  /**
   * The region is left out of the collection of a readable account. Usage claims rest on the
   * CloudTrail of the regions that were collected and on IAM RoleLastUsed for every other region, and
   * a stale or dangling issuer on the listings of the accounts collected in its region, of the
   * accounts declaring a cluster there, and of its own account: only those must go.
   */
  regionLeftOut?: boolean;
  apply(snapshot: SnapshotJson): void;
}

interface ScopeCase {
  scope: ScopeRef;
  degradations: Degradation[];
}

const META = new Set(checks.filter((check) => check.meta.category === 'meta').map((check) => check.meta.id));
const ABSENCE_CHECKS = checks
  .filter((check) => check.meta.restsOn !== undefined)
  .map((check) => check.meta.id);

const accountOf = (snapshot: SnapshotJson, accountId: string) =>
  snapshot.accounts.find((account) => account.accountId === accountId) as Json;
const regionOf = (snapshot: SnapshotJson, accountId: string, region: string) =>
  (accountOf(snapshot, accountId).regions as Json[]).find((entry) => entry.region === region) as Json;
const clusterOf = (snapshot: SnapshotJson, accountId: string, region: string, name: string) =>
  (regionOf(snapshot, accountId, region).clusters as Json[]).find(
    (entry) => (entry.cluster as Json).name === name,
  ) as Json;

/** Every scope of the snapshot, each with the ways its collection can fail. */
function scopeCases(snapshot: SnapshotJson): ScopeCase[] {
  const cases: ScopeCase[] = [];
  for (const account of snapshot.accounts) {
    const accountId = account.accountId as string;
    cases.push({
      scope: { level: 'account', accountId },
      degradations: [
        {
          name: 'AssumeRole denied',
          keepsContent: false,
          apply: (s) => {
            const index = s.accounts.findIndex((entry) => entry.accountId === accountId);
            s.accounts[index] = { accountId, errors: [collectionError('sts', 'AssumeRole', 'AccessDenied')] };
          },
        },
        {
          name: 'not in the snapshot',
          keepsContent: false,
          apply: (s) => {
            s.accounts = s.accounts.filter((entry) => entry.accountId !== accountId);
          },
        },
      ],
    });
    cases.push({
      scope: { level: 'iam', accountId },
      degradations: [
        {
          name: 'GetAccountAuthorizationDetails failed, nothing read',
          keepsContent: false,
          apply: (s) => {
            accountOf(s, accountId).iam = {
              roles: [],
              policies: [],
              openIdConnectProviders: [],
              errors: [collectionError('iam', 'GetAccountAuthorizationDetails')],
            };
          },
        },
        {
          name: 'ListOpenIDConnectProviders failed, the rest read',
          keepsContent: true,
          apply: (s) => {
            const iam = accountOf(s, accountId).iam as Json;
            iam.errors = [collectionError('iam', 'ListOpenIDConnectProviders')];
          },
        },
        {
          name: 'not collected',
          keepsContent: false,
          apply: (s) => {
            delete accountOf(s, accountId).iam;
          },
        },
      ],
    });
    for (const regionEntry of account.regions as Json[]) {
      const region = regionEntry.region as string;
      cases.push({
        scope: { level: 'region', accountId, region },
        degradations: [
          {
            name: 'ListClusters failed, nothing read',
            keepsContent: false,
            apply: (s) => {
              const entry = regionOf(s, accountId, region);
              entry.errors = [collectionError('eks', 'ListClusters')];
              entry.clusters = [];
              if (entry.cloudTrail) (entry.cloudTrail as Json).events = [];
            },
          },
          {
            name: 'ListClusters throttled on a later page',
            keepsContent: true,
            apply: (s) => {
              regionOf(s, accountId, region).errors = [
                collectionError('eks', 'ListClusters', 'ThrottlingException', 'Rate exceeded'),
              ];
            },
          },
          {
            name: 'not collected',
            keepsContent: false,
            regionLeftOut: true,
            apply: (s) => {
              const entry = accountOf(s, accountId);
              entry.regions = (entry.regions as Json[]).filter((candidate) => candidate.region !== region);
            },
          },
        ],
      });
      cases.push({
        scope: { level: 'cloudtrail', accountId, region },
        degradations: [
          {
            name: 'LookupEvents denied, no events',
            keepsContent: false,
            apply: (s) => {
              const trail = regionOf(s, accountId, region).cloudTrail as Json;
              trail.errors = [collectionError('cloudtrail', 'LookupEvents')];
              trail.events = [];
            },
          },
          {
            name: 'LookupEvents throttled after some pages',
            keepsContent: true,
            apply: (s) => {
              (regionOf(s, accountId, region).cloudTrail as Json).errors = [
                collectionError('cloudtrail', 'LookupEvents', 'ThrottlingException', 'Rate exceeded'),
              ];
            },
          },
          {
            name: 'not collected',
            keepsContent: false,
            apply: (s) => {
              delete regionOf(s, accountId, region).cloudTrail;
            },
          },
        ],
      });
      for (const clusterEntry of regionEntry.clusters as Json[]) {
        const cluster = (clusterEntry.cluster as Json).name as string;
        cases.push({
          scope: { level: 'cluster', accountId, region, cluster },
          degradations: [
            {
              name: 'ListPodIdentityAssociations denied, nothing below the cluster read',
              keepsContent: false,
              apply: (s) => {
                const entry = clusterOf(s, accountId, region, cluster);
                entry.errors = [
                  collectionError('eks', 'ListPodIdentityAssociations', 'AccessDeniedException'),
                ];
                entry.podIdentityAssociations = [];
                entry.addons = [];
                entry.nodegroups = [];
                entry.fargateProfiles = [];
              },
            },
            {
              name: 'ListAddons not implemented',
              keepsContent: false,
              apply: (s) => {
                const entry = clusterOf(s, accountId, region, cluster);
                entry.errors = [collectionError('eks', 'ListAddons', 'NotImplemented', 'not implemented')];
                entry.addons = [];
              },
            },
            {
              name: 'one DescribePodIdentityAssociation throttled',
              keepsContent: true,
              apply: (s) => {
                clusterOf(s, accountId, region, cluster).errors = [
                  collectionError(
                    'eks',
                    'DescribePodIdentityAssociation',
                    'ThrottlingException',
                    'Rate exceeded',
                  ),
                ];
              },
            },
          ],
        });
      }
    }
  }
  return cases;
}

/** Whether a claim that rests on `ref` needs `scope` complete (an error marks its level and below). */
function dependsOn(ref: ScopeRef, scope: ScopeRef): boolean {
  if (ref.accountId !== scope.accountId) return false;
  switch (scope.level) {
    case 'account':
      return true;
    case 'iam':
      return ref.level === 'iam';
    case 'region':
      return ref.level !== 'account' && ref.level !== 'iam' && ref.region === scope.region;
    case 'cluster':
      return ref.level === 'cluster' && ref.region === scope.region && ref.cluster === scope.cluster;
    case 'cloudtrail':
      return ref.level === 'cloudtrail' && ref.region === scope.region;
  }
}

function audit(snapshot: SnapshotJson, baseline: Baseline) {
  return runAudit({ inventory: normalizeSnapshot(parseSnapshot(snapshot, 'snapshot.json')), baseline });
}

const label = (finding: Finding) => `${finding.checkId} ${finding.resource.id}`;
const scopeLabel = (scope: ScopeRef) =>
  [scope.level, scope.accountId, scope.region, scope.cluster].filter(Boolean).join('/');

describe('absence claims across the whole catalogue, one incomplete scope at a time', () => {
  const baseline = multiAccountBaseline();
  const full = audit(multiAccountSnapshot(), baseline);
  const fullIds = new Set(full.findings.map((finding) => finding.id));
  const absenceFindings = full.findings.filter((finding) => ABSENCE_CHECKS.includes(finding.checkId));
  const declaredAt = new Set(baseline.clusters.map((logical) => `${logical.account}/${logical.region}`));

  it('makes a true absence claim of every kind when everything was collected', () => {
    expect(new Set(absenceFindings.map((finding) => finding.checkId))).toEqual(new Set(ABSENCE_CHECKS));
    for (const finding of absenceFindings) expect(finding.restsOn, label(finding)).toBeDefined();
    expect(full.unknowns.filter((unknown) => unknown.kind === 'absence')).toEqual([]);
  });

  const cases = scopeCases(multiAccountSnapshot()).flatMap(({ scope, degradations }) =>
    degradations.map((degradation) => ({ scope, degradation })),
  );

  it('degrades every account, IAM, region, cluster and CloudTrail scope', () => {
    const levels = new Set(cases.map(({ scope }) => scope.level));
    expect(levels).toEqual(new Set(['account', 'iam', 'region', 'cluster', 'cloudtrail']));
    expect(cases.length).toBeGreaterThan(40);
  });

  it.each(
    cases.map(({ scope, degradation }) => [scopeLabel(scope), degradation.name, scope, degradation] as const),
  )('%s (%s): no claim appears and none that rests on it stands', (_, __, scope, degradation) => {
    const snapshot = multiAccountSnapshot();
    degradation.apply(snapshot);
    const degraded = audit(snapshot, baseline);

    // Less evidence never creates a claim: every finding was also made with everything collected.
    const appeared = degraded.findings.filter(
      (finding) => !META.has(finding.checkId) && !fullIds.has(finding.id),
    );
    expect(appeared.map(label)).toEqual([]);

    // Every absence claim that rests on the degraded scope is gone from the findings…
    const stillNeeded = (ref: ScopeRef, finding: Finding) =>
      !degradation.regionLeftOut ||
      ref.level === 'cluster' ||
      (ref.level === 'region' &&
        (ref.accountId === finding.accountId || declaredAt.has(`${ref.accountId}/${ref.region}`)));
    const dependents = absenceFindings.filter((finding) =>
      (finding.restsOn ?? []).some((ref) => dependsOn(ref, scope) && stillNeeded(ref, finding)),
    );
    const degradedIds = new Set(degraded.findings.map((finding) => finding.id));
    expect(dependents.filter((finding) => degradedIds.has(finding.id)).map(label)).toEqual([]);

    // …and, where the scope's data is still there, recorded as unknown naming the scope.
    if (degradation.keepsContent) {
      const withheld = new Map(degraded.unknowns.map((unknown) => [unknown.findingId, unknown]));
      for (const finding of dependents) {
        const unknown = withheld.get(finding.id);
        expect(unknown, label(finding)).toBeDefined();
        expect(
          unknown?.incompleteScopes?.some((ref) => dependsOn(ref, scope)),
          label(finding),
        ).toBe(true);
      }
    }
  });
});
