import { describe, expect, it } from 'vitest';
import { check } from '../../../shared/checks/runtime/PI_AGENT_MISSING.js';
import {
  type ClusterBuilder,
  type ClusterOptions,
  collectionError,
  snapshot,
} from '../../support/snapshot-builder.js';
import { ACCOUNT, evaluate, evaluateWithUnknowns, REGION } from '../trust/harness.js';

function cluster(options: ClusterOptions, build: (c: ClusterBuilder) => unknown) {
  return snapshot().account(ACCOUNT, (a) =>
    a.role('s3-reader').region(REGION, (r) => r.cluster('prod-blue', options, build)),
  );
}

const withAssociation = (c: ClusterBuilder) =>
  c.association({ namespace: 'default', serviceAccount: 's3-reader', roleName: 's3-reader' });

describe('PI_AGENT_MISSING', () => {
  it('fires for a cluster with an association but no eks-pod-identity-agent add-on', () => {
    const drafts = evaluate(
      check,
      cluster({}, (c) => withAssociation(c).addon('vpc-cni')),
    );

    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      accountId: ACCOUNT,
      region: REGION,
      cluster: 'prod-blue',
      resource: { type: 'AwsEksCluster', id: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/prod-blue` },
      evidence: { associationCount: 1, addons: ['vpc-cni'], autoMode: false },
    });
    expect(drafts[0].remediation).toBe(
      `Install the add-on: \`aws eks create-addon --cluster-name prod-blue --addon-name eks-pod-identity-agent --region ${REGION}\`.`,
    );
  });

  it('does not fire when the agent add-on is installed', () => {
    expect(
      evaluate(
        check,
        cluster({}, (c) => withAssociation(c).addon('eks-pod-identity-agent')),
      ),
    ).toEqual([]);
  });

  it('does not fire for an Auto Mode cluster, which has the agent built in', () => {
    expect(evaluate(check, cluster({ autoMode: true }, withAssociation))).toEqual([]);
  });

  it('does not fire for a cluster without associations', () => {
    expect(
      evaluate(
        check,
        cluster({}, (c) => c.addon('vpc-cni')),
      ),
    ).toEqual([]);
  });

  it('does not decide when the add-ons of the cluster could not be collected', () => {
    const { drafts, unknowns } = evaluateWithUnknowns(
      check,
      cluster({}, (c) =>
        withAssociation(c).error(collectionError('eks', 'ListAddons', 'AccessDeniedException')),
      ),
    );

    expect(drafts).toEqual([]);
    expect(unknowns).toEqual([expect.objectContaining({ kind: 'absence', checkId: 'PI_AGENT_MISSING' })]);
  });
});
