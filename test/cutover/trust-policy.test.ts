import { describe, expect, it } from 'vitest';
import {
  extendTrustPolicy,
  removeOldIssuer,
  runCutover,
  TRUST_POLICY_SIZE_LIMIT,
} from '../../shared/cutover/index.js';
import type { RoleInventory } from '../../shared/model/inventory.js';
import { canAssume } from '../../shared/trust/index.js';
import { irsaTrust, mergePolicies, oidcIdFor, podIdentityTrust } from '../support/snapshot-builder.js';
import {
  ACCOUNT,
  baseline,
  EXTERNAL_DNS_SUBJECT,
  hostOf,
  irsaTrustOn,
  NEW,
  OLD,
  providerOf,
  REGION,
  roleArn,
  scenario,
} from './scenario.js';

function role(trustPolicy: unknown, name = 'external-dns'): RoleInventory {
  return {
    accountId: ACCOUNT,
    arn: roleArn(name),
    name,
    path: '/',
    trustPolicy,
    inlinePolicies: [],
    attachedManagedPolicyArns: [],
    tags: {},
    raw: {},
  };
}

const irsa = (cluster: string, subject: string) => ({
  kind: 'irsa' as const,
  providerArn: providerOf(cluster),
  subject,
});

describe('extended trust policies (pre)', () => {
  it("admits NEW's subjects and everything the old policy admitted", () => {
    // Prepare: two subjects on OLD, a pattern on another cluster, and a Pod Identity statement.
    const other = `oidc.eks.${REGION}.amazonaws.com/id/${oidcIdFor('tools')}`;
    const original = mergePolicies(
      irsaTrustOn([OLD], [EXTERNAL_DNS_SUBJECT, 'system:serviceaccount:kube-system:cert-manager']),
      irsaTrust({
        accountId: ACCOUNT,
        region: REGION,
        oidcId: oidcIdFor('tools'),
        subject: 'system:serviceaccount:ci-*:runner',
        subjectOperator: 'StringLike',
      }),
      podIdentityTrust(),
    );
    // Act
    const change = extendTrustPolicy(role(original), hostOf(OLD), hostOf(NEW), NEW, [
      EXTERNAL_DNS_SUBJECT,
      'system:serviceaccount:kube-system:cert-manager',
    ]);
    // Assess
    expect(change?.verification).toEqual({ admitsNew: true, keepsOld: true, failures: [], checked: 5 });
    const policy = change?.policy;
    for (const subject of [EXTERNAL_DNS_SUBJECT, 'system:serviceaccount:kube-system:cert-manager']) {
      expect(canAssume(policy, irsa(NEW, subject)).allowed).toBe(true);
      expect(canAssume(policy, irsa(OLD, subject)).allowed).toBe(true);
    }
    expect(
      canAssume(policy, {
        kind: 'irsa',
        providerArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${other}`,
        subject: 'system:serviceaccount:ci-7:runner',
      }).allowed,
    ).toBe(true);
    expect(canAssume(policy, irsa(NEW, 'system:serviceaccount:default:other')).allowed).toBe(false);
    const statements = (policy as { Statement: Array<Record<string, unknown>> }).Statement;
    expect(statements).toHaveLength(4);
    expect(statements[3].Sid).toBe('ExternalDnsProdGreen');
    expect(change?.statements).toEqual([0]);
  });

  it('mirrors a wildcard subject pattern', () => {
    const original = irsaTrust({
      accountId: ACCOUNT,
      region: REGION,
      oidcId: oidcIdFor(OLD),
      subject: 'system:serviceaccount:crossplane-system:provider-aws-*',
      subjectOperator: 'StringLike',
    });
    const change = extendTrustPolicy(role(original), hostOf(OLD), hostOf(NEW), NEW, [
      'system:serviceaccount:crossplane-system:provider-aws-*',
    ]);
    expect(
      canAssume(change?.policy, irsa(NEW, 'system:serviceaccount:crossplane-system:provider-aws-s3')).allowed,
    ).toBe(true);
    expect(
      canAssume(change?.policy, irsa(NEW, 'system:serviceaccount:default:provider-aws-s3')).allowed,
    ).toBe(false);
  });

  it('adds a statement of its own for a declared subject OLD does not grant', () => {
    const change = extendTrustPolicy(role(podIdentityTrust()), hostOf(OLD), hostOf(NEW), NEW, [
      EXTERNAL_DNS_SUBJECT,
    ]);
    expect(canAssume(change?.policy, irsa(NEW, EXTERNAL_DNS_SUBJECT)).allowed).toBe(true);
    expect(canAssume(change?.policy, irsa(NEW, 'system:serviceaccount:kube-system:other')).allowed).toBe(
      false,
    );
  });

  it('returns nothing when NEW is already trusted', () => {
    expect(
      extendTrustPolicy(role(irsaTrustOn([OLD, NEW])), hostOf(OLD), hostOf(NEW), NEW, [EXTERNAL_DNS_SUBJECT]),
    ).toBe(undefined);
  });

  it('says so when the updated policy exceeds the 2,048-character quota', () => {
    // Prepare: OLD plus three retired clusters, each with five subjects: near the limit already.
    const subjects = ['a', 'b', 'c', 'd', 'e'].map((sa) => `system:serviceaccount:apps:service-${sa}`);
    const original = irsaTrustOn([OLD, 'prod-red', 'prod-yellow'], subjects);
    expect(JSON.stringify(original).length).toBeLessThan(TRUST_POLICY_SIZE_LIMIT);
    // Act
    const change = extendTrustPolicy(role(original), hostOf(OLD), hostOf(NEW), NEW, subjects);
    // Assess
    expect(change?.fits).toBe(false);
    expect(change?.size).toBe(JSON.stringify(change?.policy).length);
    expect(change?.message).toMatch(/over the default 2048-character trust policy quota/);
    const result = runCutover({
      inventory: scenario({ externalDnsTrust: original }),
      baseline: baseline(),
      cluster: 'prod',
      from: OLD,
      to: NEW,
      phase: 'pre',
    });
    expect(result.plan.trustPolicies[0].fits).toBe(false);
    expect(result.findings.find((f) => f.checkId === 'CUTOVER_IRSA_TRUST_NOT_EXTENDED')?.message).toMatch(
      /over the default 2048-character/,
    );
  });
});

describe('trust policies without OLD (post)', () => {
  it('drops OLD from a statement that also names another provider', () => {
    const original = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: [providerOf(OLD), providerOf(NEW)] },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: {
              [`${hostOf(OLD)}:sub`]: EXTERNAL_DNS_SUBJECT,
              [`${hostOf(NEW)}:sub`]: EXTERNAL_DNS_SUBJECT,
            },
          },
        },
      ],
    };
    const change = removeOldIssuer(role(original), hostOf(OLD), hostOf(NEW));
    expect(change?.policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: providerOf(NEW) },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${hostOf(NEW)}:sub`]: EXTERNAL_DNS_SUBJECT } },
        },
      ],
    });
    expect(change?.verification).toMatchObject({ admitsNew: true, dropsOld: true });
  });

  it('gives no policy when only OLD was trusted', () => {
    const change = removeOldIssuer(role(irsaTrustOn([OLD])), hostOf(OLD), hostOf(NEW));
    expect(change).toMatchObject({ policy: null, fits: true });
    expect(change?.command).toBeUndefined();
    expect(change?.message).toMatch(/delete the role/);
  });

  it('removes OLD only from the statements it may, and verifies that the others still admit OLD', () => {
    const original = mergePolicies(
      irsaTrustOn([OLD, NEW]),
      irsaTrustOn([OLD], 'system:serviceaccount:kube-system:metrics'),
    );
    const change = removeOldIssuer(role(original), hostOf(OLD), hostOf(NEW), new Set([0]));
    expect(change).toMatchObject({ statements: [0] });
    expect(change?.verification).toMatchObject({ admitsNew: true, keepsOld: true, dropsOld: true });
    expect(canAssume(change?.policy, irsa(OLD, EXTERNAL_DNS_SUBJECT)).allowed).toBe(false);
    expect(canAssume(change?.policy, irsa(OLD, 'system:serviceaccount:kube-system:metrics')).allowed).toBe(
      true,
    );
    expect(removeOldIssuer(role(original), hostOf(OLD), hostOf(NEW), new Set())).toBeUndefined();
  });

  it('removes several old issuers at once', () => {
    const original = irsaTrustOn([OLD, 'prod-red', NEW]);
    const change = removeOldIssuer(role(original), [hostOf(OLD), hostOf('prod-red')], hostOf(NEW));
    expect(change).toMatchObject({ statements: [0, 1] });
    expect(change?.verification).toMatchObject({ admitsNew: true, dropsOld: true, failures: [] });
    expect((change?.policy as { Statement: unknown[] } | undefined)?.Statement).toHaveLength(1);
  });
});
