import { describe, expect, it } from 'vitest';
import { check } from '../../../shared/checks/trust/PI_TARGET_ROLE_TRUST_MISMATCH.js';
import {
  allowPolicy,
  type CrossAccountTargetTrustOptions,
  crossAccountTargetTrust,
  podIdentityTrust,
  type RoleOptions,
  snapshot,
} from '../../support/snapshot-builder.js';
import { ACCOUNT, evaluate, OTHER_ACCOUNT, REGION } from './harness.js';

const appRoleArn = `arn:aws:iam::${ACCOUNT}:role/app`;
const targetRoleArn = `arn:aws:iam::${OTHER_ACCOUNT}:role/data-reader`;
const externalId = 'b7c1e1d2-5f7a-4c1e-9a55-2f3b7d0c9e11';
const assumeTarget = { 'assume-target': allowPolicy(['sts:AssumeRole', 'sts:TagSession'], targetRoleArn) };

interface Setup {
  target?: Partial<CrossAccountTargetTrustOptions>;
  appRole?: RoleOptions;
  disableSessionTags?: boolean;
  scanTargetAccount?: boolean;
}

function chain(setup: Setup = {}) {
  const builder = snapshot().account(ACCOUNT, (a) =>
    a
      .role('app', { trust: podIdentityTrust(), inlinePolicies: assumeTarget, ...setup.appRole })
      .region(REGION, (r) =>
        r.cluster('prod-blue', {}, (c) =>
          c
            .association({
              namespace: 'analytics',
              serviceAccount: 'reader',
              roleName: 'app',
              targetRoleArn,
              externalId,
              disableSessionTags: setup.disableSessionTags,
            })
            .addon('eks-pod-identity-agent'),
        ),
      ),
  );
  if (setup.scanTargetAccount !== false) {
    builder.account(OTHER_ACCOUNT, (a) =>
      a.role('data-reader', {
        trust: crossAccountTargetTrust({
          sourceAccountId: ACCOUNT,
          associationRoleArn: appRoleArn,
          externalId,
          ...setup.target,
        }),
      }),
    );
  }
  return builder;
}

describe('PI_TARGET_ROLE_TRUST_MISMATCH', () => {
  it('does not fire when the target trusts the association role with its external id and sts:TagSession', () => {
    expect(evaluate(check, chain())).toEqual([]);
  });

  it('fires when the target trust lacks sts:TagSession while session tags are on', () => {
    const drafts = evaluate(check, chain({ target: { tagSession: false } }));

    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      accountId: ACCOUNT,
      region: REGION,
      cluster: 'prod-blue',
      resource: { type: 'AwsEksPodIdentityAssociation' },
      evidence: { roleArn: appRoleArn, targetRoleArn, externalId },
    });
    expect(drafts[0].evidence.trustReason).toEqual(expect.stringContaining('sts:TagSession'));
    expect(drafts[0].message).toMatch(/pods get no credentials for the target role\.$/);
  });

  it('does not need sts:TagSession when the association disables session tags', () => {
    const drafts = evaluate(
      check,
      chain({
        target: { tagSession: false },
        disableSessionTags: true,
        appRole: { inlinePolicies: { 'assume-target': allowPolicy(['sts:AssumeRole'], targetRoleArn) } },
      }),
    );

    expect(drafts).toEqual([]);
  });

  it('fires when the target trust requires another external id', () => {
    const drafts = evaluate(check, chain({ target: { externalId: 'someone-else' } }));

    expect(drafts).toHaveLength(1);
    expect(drafts[0].evidence.trustReason).toEqual(expect.stringContaining('sts:ExternalId'));
  });

  it("fires when the association role's own policies do not allow assuming the cross-account target", () => {
    const drafts = evaluate(check, chain({ appRole: { inlinePolicies: {} } }));

    expect(drafts).toHaveLength(1);
    expect(drafts[0].evidence).toMatchObject({ deniedActions: ['sts:AssumeRole', 'sts:TagSession'] });
    expect(drafts[0].evidence.trustReason).toBeUndefined();
  });

  it('does not guess when the permission may come from a managed policy missing from the snapshot', () => {
    const drafts = evaluate(
      check,
      chain({
        appRole: { inlinePolicies: {}, managedPolicyArns: [`arn:aws:iam::${ACCOUNT}:policy/assume-data`] },
      }),
    );

    expect(drafts).toEqual([]);
  });

  it('skips a target role in an account that was not scanned', () => {
    expect(evaluate(check, chain({ scanTargetAccount: false, target: { tagSession: false } }))).toEqual([]);
  });
});
