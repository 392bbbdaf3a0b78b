import { describe, expect, it } from 'vitest';
import { check } from '../../../shared/checks/runtime/IRSA_MIGRATION_CANDIDATE.js';
import {
  type ClusterBuilder,
  type ClusterOptions,
  irsaTrust,
  snapshot,
} from '../../support/snapshot-builder.js';
import { ACCOUNT, evaluate, OIDC_ID, REGION } from '../trust/harness.js';

const webTrust = irsaTrust({
  accountId: ACCOUNT,
  region: REGION,
  oidcId: OIDC_ID,
  subject: 'system:serviceaccount:app:web',
});

function cluster(build: (c: ClusterBuilder) => unknown, options: ClusterOptions = {}) {
  return snapshot().account(ACCOUNT, (a) =>
    a
      .role('web', { trust: webTrust })
      .oidcProvider({ region: REGION, oidcId: OIDC_ID })
      .region(REGION, (r) => r.cluster('prod-blue', { oidcId: OIDC_ID, ...options }, build)),
  );
}

describe('IRSA_MIGRATION_CANDIDATE', () => {
  it('suggests the exact association command when the cluster runs the agent', () => {
    const drafts = evaluate(
      check,
      cluster((c) => c.addon('eks-pod-identity-agent')),
    );

    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      severity: 'INFORMATIONAL',
      cluster: 'prod-blue',
      resource: {
        type: 'WorkloadIdentity',
        id: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/prod-blue/serviceaccount/app/web`,
      },
      evidence: { roleArn: `arn:aws:iam::${ACCOUNT}:role/web`, agent: 'eks-pod-identity-agent' },
    });
    expect(drafts[0].remediation).toContain(
      `aws eks create-pod-identity-association --cluster-name prod-blue --namespace app --service-account web --role-arn arn:aws:iam::${ACCOUNT}:role/web --region ${REGION}`,
    );
    expect(drafts[0].remediation).toContain('"aws:RequestTag/kubernetes-service-account":"web"');
  });

  it('counts Auto Mode as having the agent', () => {
    expect(
      evaluate(
        check,
        cluster(() => undefined, { autoMode: true }),
      ),
    ).toHaveLength(1);
  });

  it('does not fire without the agent', () => {
    expect(
      evaluate(
        check,
        cluster((c) => c.addon('vpc-cni')),
      ),
    ).toEqual([]);
  });

  it('does not fire when the namespace runs on Fargate', () => {
    const builder = cluster((c) =>
      c.addon('eks-pod-identity-agent').fargateProfile('fp-app', [{ namespace: 'app' }]),
    );

    expect(evaluate(check, builder)).toEqual([]);
  });

  it("skips an add-on's IRSA role", () => {
    const builder = cluster((c) =>
      c
        .addon('eks-pod-identity-agent')
        .addon('aws-ebs-csi-driver', { serviceAccountRoleArn: `arn:aws:iam::${ACCOUNT}:role/web` }),
    );

    expect(evaluate(check, builder)).toEqual([]);
  });

  it('does not fire when the service account already has an association', () => {
    const builder = cluster((c) =>
      c
        .addon('eks-pod-identity-agent')
        .association({ namespace: 'app', serviceAccount: 'web', roleName: 'web' }),
    );

    expect(evaluate(check, builder)).toEqual([]);
  });
});
