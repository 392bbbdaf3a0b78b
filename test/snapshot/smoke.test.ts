import { describe, expect, it } from 'vitest';
import { normalizeSnapshot, parseSnapshot } from '../../shared/snapshot/index.js';
import {
  assumeRoleForPodIdentityEvent,
  irsaTrust,
  podIdentityAssumeRoleEvent,
  podIdentityTrust,
  snapshot,
} from '../support/snapshot-builder.js';

describe('snapshot builder', () => {
  it('produces a snapshot that parses and normalizes', () => {
    const oidcId = 'EXAMPLED539D4633E53DE1B71EXAMPLE';
    const json = snapshot({ capturedAt: '2026-11-29T02:00:00Z' })
      .account('111122223333', (a) =>
        a
          .role('s3-reader', { trust: podIdentityTrust(), lastUsed: '2026-11-20T00:00:00Z' })
          .role('ebs-csi', {
            trust: irsaTrust({
              accountId: '111122223333',
              region: 'ap-northeast-1',
              oidcId,
              subject: 'system:serviceaccount:kube-system:ebs-csi-controller-sa',
            }),
          })
          .oidcProvider({ region: 'ap-northeast-1', oidcId })
          .region('ap-northeast-1', (r) =>
            r
              .cluster('prod-blue', { oidcId }, (c) =>
                c
                  .association({ namespace: 'default', serviceAccount: 's3-reader', roleName: 's3-reader' })
                  .addon('eks-pod-identity-agent')
                  .nodegroup('ng-1', { nodeRoleName: 'node' })
                  .fargateProfile('fp', [{ namespace: 'batch' }]),
              )
              .event(
                podIdentityAssumeRoleEvent({
                  accountId: '111122223333',
                  region: 'ap-northeast-1',
                  clusterName: 'prod-blue',
                  namespace: 'default',
                  serviceAccount: 's3-reader',
                  roleArn: 'arn:aws:iam::111122223333:role/s3-reader',
                  eventTime: '2026-11-28T10:00:00Z',
                }),
                assumeRoleForPodIdentityEvent({
                  accountId: '111122223333',
                  region: 'ap-northeast-1',
                  clusterName: 'prod-blue',
                  nodeRoleArn: 'arn:aws:iam::111122223333:role/node',
                  eventTime: '2026-11-28T10:00:00Z',
                  denied: true,
                }),
              ),
          ),
      )
      .build();
    const inventory = normalizeSnapshot(parseSnapshot(json, 'test'));
    expect(inventory.clusters[0].oidcProviderArn).toBe(
      `arn:aws:iam::111122223333:oidc-provider/oidc.eks.ap-northeast-1.amazonaws.com/id/${oidcId}`,
    );
    expect(inventory.associations).toHaveLength(1);
    expect(inventory.cloudTrail[0].events[1].detail?.errorCode).toBe('AccessDenied');
    expect(inventory.completeness.clusterComplete('111122223333', 'ap-northeast-1', 'prod-blue')).toBe(true);
  });
});
