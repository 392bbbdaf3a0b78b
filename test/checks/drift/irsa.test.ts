import { describe, expect, it } from 'vitest';
import { check as MISSING } from '../../../shared/checks/drift/IRSA_BINDING_MISSING.js';
import { check as UNDECLARED } from '../../../shared/checks/drift/IRSA_BINDING_UNDECLARED.js';
import { workloadIdentityId } from '../../../shared/model/identity.js';
import {
  baselineOf,
  estate,
  inventoryOf,
  irsa,
  irsaTrustFor,
  NOW,
  OTHER,
  REGION,
  resources,
  roleArn,
  runCheck,
  WORKLOADS,
} from '../../audit/world.js';
import { irsaTrust, oidcIdFor, snapshot } from '../../support/snapshot-builder.js';

const SUBJECT = 'system:serviceaccount:kube-system:cluster-autoscaler';

function blueGreen(trust: unknown, options: { greenIssuer?: boolean } = {}) {
  return inventoryOf(
    estate({
      account: (account) => account.role('cluster-autoscaler', { trust: trust as never }),
      region: (region) =>
        region
          .cluster('prod-blue')
          .cluster('prod-green', options.greenIssuer === false ? { oidcId: null } : {}),
    }),
  );
}

describe('IRSA_BINDING_MISSING', () => {
  const baseline = baselineOf({
    members: ['prod-blue', 'prod-green'],
    irsa: [irsa('kube-system', 'cluster-autoscaler', 'cluster-autoscaler')],
  });

  it("fires for the member whose issuer the role's trust does not name, with the statement to add", () => {
    const { drafts } = runCheck(MISSING, blueGreen(irsaTrustFor(['prod-blue'], SUBJECT)), baseline);
    expect(resources(drafts)).toEqual([
      workloadIdentityId(WORKLOADS, REGION, 'prod-green', 'kube-system', 'cluster-autoscaler'),
    ]);
    expect(drafts[0].message).toContain(
      'Role cluster-autoscaler does not let kube-system/cluster-autoscaler on cluster prod-green',
    );
    expect(drafts[0].remediation).toContain(
      'aws iam update-assume-role-policy --role-name cluster-autoscaler',
    );
    expect(drafts[0].remediation).toContain(
      `oidc.eks.${REGION}.amazonaws.com/id/${oidcIdFor('prod-green')}:sub`,
    );
  });

  it('does not fire when the trust names every member issuer', () => {
    expect(
      runCheck(MISSING, blueGreen(irsaTrustFor(['prod-blue', 'prod-green'], SUBJECT)), baseline).drafts,
    ).toEqual([]);
  });

  it('does not fire when a StringLike pattern covers the subject (evaluated, not string-compared)', () => {
    const trust = irsaTrustFor(
      ['prod-blue', 'prod-green'],
      'system:serviceaccount:kube-system:*',
      'StringLike',
    );
    expect(runCheck(MISSING, blueGreen(trust), baseline).drafts).toEqual([]);
  });

  it('fires when the subject differs by one character', () => {
    const trust = irsaTrustFor(
      ['prod-blue', 'prod-green'],
      'system:serviceaccount:kube-system:cluster-autoscaler-v2',
    );
    expect(runCheck(MISSING, blueGreen(trust), baseline).drafts).toHaveLength(2);
  });

  it('says so when a member cluster has no OIDC issuer', () => {
    const { drafts } = runCheck(
      MISSING,
      blueGreen(irsaTrustFor(['prod-blue'], SUBJECT), { greenIssuer: false }),
      baseline,
    );
    expect(drafts).toHaveLength(1);
    expect(drafts[0].message).toContain('Cluster prod-green reports no OIDC issuer');
  });

  it('reports nothing and counts an unknown when the trust uses a condition the analyzer cannot evaluate', () => {
    const trust = irsaTrustFor(['prod-blue', 'prod-green'], SUBJECT);
    for (const statement of trust.Statement) {
      (statement.Condition as Record<string, unknown>).DateGreaterThan = {
        'aws:CurrentTime': '2020-01-01T00:00:00Z',
      };
    }
    const run = runCheck(MISSING, blueGreen(trust), baseline);
    expect(run.drafts).toEqual([]);
    expect(run.unknowns.map((unknown) => unknown.kind)).toEqual(['trust', 'trust']);
  });

  it('checks a cross-account role against the provider in the role account', () => {
    const hostPath = `oidc.eks.${REGION}.amazonaws.com/id/${oidcIdFor('prod-blue')}`;
    const crossAccountTrust = irsaTrust({
      accountId: OTHER,
      region: REGION,
      oidcId: oidcIdFor('prod-blue'),
      subject: SUBJECT,
    });
    const inventory = inventoryOf(
      snapshot({ capturedAt: NOW })
        .account(WORKLOADS, (account) => account.region(REGION, (region) => region.cluster('prod-blue')))
        .account(OTHER, (account) =>
          account.role('autoscaler', { trust: crossAccountTrust }).oidcProvider({ url: hostPath }),
        ),
    );
    const crossBaseline = baselineOf({
      accounts: [OTHER],
      irsa: [irsa('kube-system', 'cluster-autoscaler', roleArn('autoscaler', OTHER))],
    });
    expect(runCheck(MISSING, inventory, crossBaseline).drafts).toEqual([]);
  });

  it('leaves an absent role to ROLE_NOT_FOUND', () => {
    const inventory = inventoryOf(estate({ region: (region) => region.cluster('prod-blue') }));
    expect(
      runCheck(MISSING, inventory, baselineOf({ irsa: [irsa('kube-system', 'cluster-autoscaler', 'gone')] }))
        .drafts,
    ).toEqual([]);
  });
});

describe('IRSA_BINDING_UNDECLARED', () => {
  const declared = baselineOf({ irsa: [irsa('kube-system', 'cluster-autoscaler', 'cluster-autoscaler')] });
  const withTrust = (trust: unknown) =>
    inventoryOf(
      estate({
        account: (account) => account.role('cluster-autoscaler', { trust: trust as never }),
        region: (region) => region.cluster('prod-blue').cluster('sandbox'),
      }),
    );

  it('fires for a granted service account of a member cluster that is not declared', () => {
    const trust = irsaTrustFor(['prod-blue'], [SUBJECT, 'system:serviceaccount:default:debug']);
    const { drafts } = runCheck(UNDECLARED, withTrust(trust), declared);
    expect(resources(drafts)).toEqual([
      workloadIdentityId(WORKLOADS, REGION, 'prod-blue', 'default', 'debug'),
    ]);
    expect(drafts[0].message).toContain(
      'Role cluster-autoscaler trusts service account system:serviceaccount:default:debug',
    );
  });

  it('fires for a trust without a :sub condition (any service account) when no binding of the role is declared', () => {
    const { drafts } = runCheck(UNDECLARED, withTrust(irsaTrustFor(['prod-blue'], null)), baselineOf());
    expect(resources(drafts)).toEqual([workloadIdentityId(WORKLOADS, REGION, 'prod-blue', '*', '*')]);
    expect(drafts[0].message).toContain('any service account');
  });

  it('does not fire for a trust without a :sub condition that covers a declared binding (IRSA_NO_SUBJECT_CONDITION covers it)', () => {
    expect(runCheck(UNDECLARED, withTrust(irsaTrustFor(['prod-blue'], null)), declared).drafts).toEqual([]);
  });

  it('does not fire for the declared subject, nor for a pattern that covers a declared binding', () => {
    expect(runCheck(UNDECLARED, withTrust(irsaTrustFor(['prod-blue'], SUBJECT)), declared).drafts).toEqual(
      [],
    );
    const pattern = irsaTrustFor(['prod-blue'], 'system:serviceaccount:kube-system:cluster-*', 'StringLike');
    expect(runCheck(UNDECLARED, withTrust(pattern), declared).drafts).toEqual([]);
  });

  it('does not fire for grants to clusters outside the baseline', () => {
    expect(
      runCheck(
        UNDECLARED,
        withTrust(irsaTrustFor(['sandbox'], 'system:serviceaccount:default:debug')),
        declared,
      ).drafts,
    ).toEqual([]);
  });

  it('does not fire when the declared binding names another role', () => {
    const otherRole = baselineOf({ irsa: [irsa('kube-system', 'cluster-autoscaler', 'someone-else')] });
    expect(
      runCheck(UNDECLARED, withTrust(irsaTrustFor(['prod-blue'], SUBJECT)), otherRole).drafts,
    ).toHaveLength(1);
  });
});
