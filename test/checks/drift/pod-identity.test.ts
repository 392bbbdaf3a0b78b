import { describe, expect, it } from 'vitest';
import { check as CHANGED } from '../../../shared/checks/drift/PI_ASSOCIATION_CHANGED.js';
import { check as MISSING } from '../../../shared/checks/drift/PI_ASSOCIATION_MISSING.js';
import { check as UNDECLARED } from '../../../shared/checks/drift/PI_ASSOCIATION_UNDECLARED.js';
import { workloadIdentityId } from '../../../shared/model/identity.js';
import {
  baselineOf,
  estate,
  inventoryOf,
  pi,
  podIdentityTrust,
  REGION,
  resources,
  roleArn,
  runCheck,
  WORKLOADS,
} from '../../audit/world.js';
import { collectionError } from '../../support/snapshot-builder.js';

const blueGreen = (options: { greenHasAssociation: boolean; greenError?: boolean }) =>
  inventoryOf(
    estate({
      account: (account) => account.role('s3-reader', { trust: podIdentityTrust() }),
      region: (region) =>
        region
          .cluster('prod-blue', {}, (cluster) =>
            cluster.association({ namespace: 'default', serviceAccount: 's3-reader', roleName: 's3-reader' }),
          )
          .cluster('prod-green', {}, (cluster) => {
            if (options.greenHasAssociation) {
              cluster.association({
                namespace: 'default',
                serviceAccount: 's3-reader',
                roleName: 's3-reader',
              });
            }
            if (options.greenError) {
              cluster.error(collectionError('eks', 'ListPodIdentityAssociations', 'AccessDeniedException'));
            }
          }),
    }),
  );

describe('PI_ASSOCIATION_MISSING', () => {
  const baseline = baselineOf({
    members: ['prod-blue', 'prod-green'],
    podIdentity: [pi('default', 's3-reader', 's3-reader')],
  });

  it('fires on the member cluster that lacks a declared association, with the exact create command', () => {
    // Act
    const { drafts } = runCheck(MISSING, blueGreen({ greenHasAssociation: false }), baseline);
    // Assess
    expect(resources(drafts)).toEqual([
      workloadIdentityId(WORKLOADS, REGION, 'prod-green', 'default', 's3-reader'),
    ]);
    expect(drafts[0].message).toMatch(/^Cluster prod-green .*default\/s3-reader.*\.$/);
    expect(drafts[0].remediation).toContain(
      `aws eks create-pod-identity-association --region ${REGION} --cluster-name prod-green --namespace default --service-account s3-reader --role-arn ${roleArn('s3-reader')}`,
    );
    expect(drafts[0].baselineLocation).toMatchObject({ file: 'baseline.yaml' });
    expect(drafts[0].baselineLocation?.line).toBeGreaterThan(1);
  });

  it('does not fire when every member has the association', () => {
    expect(runCheck(MISSING, blueGreen({ greenHasAssociation: true }), baseline).drafts).toEqual([]);
  });

  it('does not fire on a member whose collection failed, and says it is undecided', () => {
    const run = runCheck(MISSING, blueGreen({ greenHasAssociation: false, greenError: true }), baseline);
    expect(run.drafts).toEqual([]);
    expect(run.unknowns).toEqual([
      expect.objectContaining({
        kind: 'absence',
        checkId: 'PI_ASSOCIATION_MISSING',
        incompleteScopes: [{ level: 'cluster', accountId: WORKLOADS, region: REGION, cluster: 'prod-green' }],
      }),
    ]);
  });

  it('does not fire for a member that does not exist (CLUSTER_MISSING covers it)', () => {
    const onlyBlue = baselineOf({
      members: ['prod-blue', 'prod-purple'],
      podIdentity: [pi('default', 's3-reader', 's3-reader')],
    });
    expect(runCheck(MISSING, blueGreen({ greenHasAssociation: true }), onlyBlue).drafts).toEqual([]);
  });
});

describe('PI_ASSOCIATION_CHANGED', () => {
  const inventory = inventoryOf(
    estate({
      account: (account) => account.role('s3-reader').role('s3-admin'),
      region: (region) =>
        region.cluster('prod-blue', {}, (cluster) =>
          cluster.association({ namespace: 'default', serviceAccount: 's3-reader', roleName: 's3-admin' }),
        ),
    }),
  );

  it('fires when the association uses another role, saying which', () => {
    const { drafts } = runCheck(
      CHANGED,
      inventory,
      baselineOf({ podIdentity: [pi('default', 's3-reader', 's3-reader')] }),
    );
    expect(drafts).toHaveLength(1);
    expect(drafts[0].resource.type).toBe('AwsEksPodIdentityAssociation');
    expect(drafts[0].message).toContain(
      `role is ${roleArn('s3-admin')}, the baseline declares ${roleArn('s3-reader')}`,
    );
    expect(drafts[0].remediation).toContain('aws eks update-pod-identity-association');
    expect(drafts[0].remediation).toContain(`--role-arn ${roleArn('s3-reader')}`);
  });

  it('fires when only the session-tag setting differs', () => {
    const declared = baselineOf({
      podIdentity: [pi('default', 's3-reader', 's3-admin', { disableSessionTags: true })],
    });
    const { drafts } = runCheck(CHANGED, inventory, declared);
    expect(drafts).toHaveLength(1);
    expect(drafts[0].message).toContain('session tags are enabled, the baseline declares them disabled');
    expect(drafts[0].remediation).toContain('--disable-session-tags');
  });

  it('does not fire when role, target role and tag setting all match (an omitted setting means tags enabled)', () => {
    expect(
      runCheck(CHANGED, inventory, baselineOf({ podIdentity: [pi('default', 's3-reader', 's3-admin')] }))
        .drafts,
    ).toEqual([]);
  });
});

describe('PI_ASSOCIATION_UNDECLARED', () => {
  const inventory = inventoryOf(
    estate({
      account: (account) => account.role('s3-reader').role('legacy-agent'),
      region: (region) =>
        region
          .cluster('prod-blue', {}, (cluster) =>
            cluster
              .association({ namespace: 'default', serviceAccount: 's3-reader', roleName: 's3-reader' })
              .association({
                namespace: 'monitoring',
                serviceAccount: 'legacy-agent',
                roleName: 'legacy-agent',
              }),
          )
          .cluster('sandbox', {}, (cluster) =>
            cluster.association({ namespace: 'default', serviceAccount: 'toy', roleName: 's3-reader' }),
          ),
    }),
  );
  const baseline = baselineOf({ podIdentity: [pi('default', 's3-reader', 's3-reader')] });

  it('fires for an association on a member cluster that the baseline does not declare', () => {
    const { drafts } = runCheck(UNDECLARED, inventory, baseline);
    expect(drafts.map((draft) => draft.message)).toEqual([
      expect.stringContaining('monitoring/legacy-agent on cluster prod-blue'),
    ]);
    expect(drafts[0].remediation).toContain('aws eks delete-pod-identity-association');
  });

  it('does not fire for declared service accounts, nor on clusters outside the baseline (CLUSTER_UNDECLARED covers them)', () => {
    const { drafts } = runCheck(UNDECLARED, inventory, baseline);
    expect(drafts.some((draft) => draft.cluster === 'sandbox')).toBe(false);
    expect(drafts.some((draft) => draft.message.includes('default/s3-reader'))).toBe(false);
  });

  it('does not call a declared service account with another role undeclared (PI_ASSOCIATION_CHANGED covers it)', () => {
    const other = baselineOf({
      podIdentity: [pi('default', 's3-reader', 's3-admin'), pi('monitoring', 'legacy-agent', 'legacy-agent')],
    });
    expect(runCheck(UNDECLARED, inventory, other).drafts).toEqual([]);
  });
});
