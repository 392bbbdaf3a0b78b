import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../shared/model/index.js';
import { normalizeSnapshot, parseSnapshot } from '../../shared/snapshot/index.js';
import {
  assumeRoleForPodIdentityEvent,
  awsManagedPolicyArn,
  irsaTrust,
  irsaWebIdentityEvent,
  podIdentityAssumeRoleEvent,
  podIdentityTrust,
  snapshot,
  targetRoleAssumeRoleEvent,
  workerNodePolicy,
} from '../support/snapshot-builder.js';

/** Snapshot JSON edited in place at arbitrary paths to inject defects. */
// biome-ignore lint/suspicious/noExplicitAny: tests reach into arbitrary JSON paths
type EditableJson = any;

const ACCOUNT = '111122223333';
const DATA = '444455556666';
const REGION = 'ap-northeast-1';
const OIDC_ID = 'EXAMPLED539D4633E53DE1B71EXAMPLE';
const HOST_PATH = `oidc.eks.${REGION}.amazonaws.com/id/${OIDC_ID}`;
const roleArn = (name: string, account = ACCOUNT) => `arn:aws:iam::${account}:role/${name}`;

function inventoryOf(json: unknown): Inventory {
  return normalizeSnapshot(parseSnapshot(json, 'test'));
}

function richSnapshot() {
  return snapshot({ capturedAt: '2026-11-29T02:00:00Z' })
    .account(ACCOUNT, (a) =>
      a
        .role('s3-reader', {
          trust: podIdentityTrust(),
          lastUsed: '2026-11-20T00:00:00Z',
          lastUsedRegion: REGION,
          createDate: '2025-01-01T00:00:00Z',
          tags: { team: 'platform' },
          inlinePolicies: {
            read: {
              Version: '2012-10-17',
              Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
            },
          },
          managedPolicyArns: [awsManagedPolicyArn('AmazonS3ReadOnlyAccess')],
          path: '/workloads/',
        })
        .role('ebs-csi', {
          trust: irsaTrust({
            accountId: ACCOUNT,
            region: REGION,
            oidcId: OIDC_ID,
            subject: 'system:serviceaccount:kube-system:ebs-csi-controller-sa',
          }),
        })
        .role('node', { managedPolicyArns: [awsManagedPolicyArn('AmazonEKSWorkerNodePolicy')] })
        .managedPolicy({
          name: 'AmazonEKSWorkerNodePolicy',
          aws: true,
          document: workerNodePolicy(),
          versionId: 'v3',
        })
        .oidcProvider({
          region: REGION,
          oidcId: OIDC_ID,
          tags: { 'alpha.eksctl.io/cluster-name': 'prod-blue' },
        })
        .oidcProvider({ url: 'token.actions.githubusercontent.com' })
        .region(REGION, (r) =>
          r
            .cluster('prod-blue', { oidcId: OIDC_ID, tags: { env: 'prod' } }, (c) =>
              c
                .association({
                  namespace: 'default',
                  serviceAccount: 's3-reader',
                  roleArn: roleArn('s3-reader', ACCOUNT).replace('role/', 'role/workloads/'),
                })
                .association({
                  namespace: 'analytics',
                  serviceAccount: 'exporter',
                  roleName: 'exporter',
                  targetRoleArn: roleArn('reader', DATA),
                  disableSessionTags: true,
                  tags: { owner: 'data' },
                })
                .addon('eks-pod-identity-agent')
                .addon('aws-ebs-csi-driver', {
                  serviceAccountRoleArn: roleArn('ebs-csi'),
                  associations: [
                    {
                      namespace: 'kube-system',
                      serviceAccount: 'ebs-csi-controller-sa',
                      roleName: 'ebs-csi',
                    },
                  ],
                })
                .nodegroup('ng-1', { nodeRoleName: 'node' })
                .fargateProfile('fp', [
                  { namespace: 'batch' },
                  { namespace: 'jobs', labels: { tier: 'low' } },
                ]),
            )
            .cluster('staging', { autoMode: true, oidcId: null })
            .event(
              podIdentityAssumeRoleEvent({
                accountId: ACCOUNT,
                region: REGION,
                clusterName: 'prod-blue',
                namespace: 'default',
                serviceAccount: 's3-reader',
                roleArn: roleArn('s3-reader'),
                eventTime: '2026-11-28T10:00:00Z',
              }),
              irsaWebIdentityEvent({
                accountId: ACCOUNT,
                region: REGION,
                oidcId: OIDC_ID,
                namespace: 'kube-system',
                serviceAccount: 'ebs-csi-controller-sa',
                roleArn: roleArn('ebs-csi'),
                eventTime: '2026-11-28T11:00:00Z',
              }),
              assumeRoleForPodIdentityEvent({
                accountId: ACCOUNT,
                region: REGION,
                clusterName: 'prod-blue',
                nodeRoleArn: roleArn('node'),
                eventTime: '2026-11-28T12:00:00Z',
                denied: true,
              }),
            ),
        ),
    )
    .account(DATA, (a) =>
      a.region(REGION, (r) =>
        r.event(
          targetRoleAssumeRoleEvent({
            targetAccountId: DATA,
            region: REGION,
            targetRoleArn: roleArn('reader', DATA),
            associationRoleArn: roleArn('exporter'),
            clusterName: 'prod-blue',
            namespace: 'analytics',
            serviceAccount: 'exporter',
            eventTime: '2026-11-28T13:00:00Z',
          }),
        ),
      ),
    )
    .build();
}

describe('normalizeSnapshot', () => {
  it('links each cluster issuer to its IAM OIDC provider ARN and condition-key prefix', () => {
    // Act
    const inventory = inventoryOf(richSnapshot());
    // Assess
    const [blue, staging] = inventory.clusters;
    expect(blue).toMatchObject({
      accountId: ACCOUNT,
      region: REGION,
      name: 'prod-blue',
      arn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/prod-blue`,
      status: 'ACTIVE',
      version: '1.33',
      createdAt: '2025-06-01T00:00:00Z',
      issuerUrl: `https://${HOST_PATH}`,
      issuerHostPath: HOST_PATH,
      oidcProviderArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST_PATH}`,
      autoMode: false,
      tags: { env: 'prod' },
    });
    expect(blue.raw.platformVersion).toBe('eks.9');
    expect(staging.autoMode).toBe(true);
    expect(staging.issuerUrl).toBeUndefined();
    expect(staging.oidcProviderArn).toBeUndefined();
  });

  it('attaches associations to their cluster and lists them all on the inventory', () => {
    const inventory = inventoryOf(richSnapshot());
    const blue = inventory.clusters[0];
    expect(blue.associations.map((a) => `${a.namespace}/${a.serviceAccount}`)).toEqual([
      'default/s3-reader',
      'analytics/exporter',
      'kube-system/ebs-csi-controller-sa',
    ]);
    expect(inventory.associations).toEqual(blue.associations);
    const exporter = blue.associations[1];
    expect(exporter).toMatchObject({
      accountId: ACCOUNT,
      region: REGION,
      clusterName: 'prod-blue',
      clusterArn: blue.arn,
      roleArn: roleArn('exporter'),
      targetRoleArn: roleArn('reader', DATA),
      disableSessionTags: true,
      tags: { owner: 'data' },
      createdAt: '2025-06-01T00:00:00Z',
    });
    expect(exporter.externalId).toMatch(/^[0-9a-f-]{36}$/);
    expect(exporter.associationArn).toBe(
      `arn:aws:eks:${REGION}:${ACCOUNT}:podidentityassociation/prod-blue/${exporter.associationId}`,
    );
    expect(blue.associations[0].disableSessionTags).toBe(false);
    expect(blue.associations[0].ownerArn).toBeUndefined();
  });

  it('normalizes add-ons, node groups and Fargate selectors', () => {
    const blue = inventoryOf(richSnapshot()).clusters[0];
    const ebs = blue.addons.find((addon) => addon.name === 'aws-ebs-csi-driver');
    expect(ebs).toMatchObject({
      clusterName: 'prod-blue',
      status: 'ACTIVE',
      version: 'v1.48.0-eksbuild.1',
      serviceAccountRoleArn: roleArn('ebs-csi'),
      podIdentityAssociationArns: [blue.associations[2].associationArn],
    });
    expect(blue.associations[2].ownerArn).toBe(ebs?.raw.addonArn);
    expect(blue.addons[0].podIdentityAssociationArns).toEqual([]);
    expect(blue.nodegroups).toEqual([
      expect.objectContaining({
        name: 'ng-1',
        nodeRoleArn: roleArn('node'),
        amiType: 'AL2023_x86_64_STANDARD',
        status: 'ACTIVE',
      }),
    ]);
    expect(blue.fargateProfiles[0]).toMatchObject({
      name: 'fp',
      podExecutionRoleArn: roleArn('AmazonEKSFargatePodExecutionRole'),
      selectors: [
        { namespace: 'batch', labels: {} },
        { namespace: 'jobs', labels: { tier: 'low' } },
      ],
    });
  });

  it('keys roles by ARN with decoded policies, last use and tags as a record', () => {
    const inventory = inventoryOf(richSnapshot());
    const reader = inventory.roles.get('arn:aws:iam::111122223333:role/workloads/s3-reader');
    expect(reader).toMatchObject({
      accountId: ACCOUNT,
      name: 's3-reader',
      path: '/workloads/',
      createDate: '2025-01-01T00:00:00Z',
      trustPolicy: podIdentityTrust(),
      lastUsedDate: '2026-11-20T00:00:00Z',
      lastUsedRegion: REGION,
      tags: { team: 'platform' },
      attachedManagedPolicyArns: [awsManagedPolicyArn('AmazonS3ReadOnlyAccess')],
    });
    expect(reader?.inlinePolicies[0].name).toBe('read');
    expect(reader?.inlinePolicies[0].document).toMatchObject({ Statement: [{ Action: 's3:GetObject' }] });
    const ebs = inventory.roles.get(roleArn('ebs-csi'));
    expect(ebs?.lastUsedDate).toBeUndefined();
    expect(ebs?.tags).toEqual({});
    expect(typeof ebs?.raw.AssumeRolePolicyDocument).toBe('string');
  });

  it('reads the default version of managed policies', () => {
    const json = richSnapshot() as EditableJson;
    const policy = json.accounts[0].iam.policies[0];
    policy.PolicyVersionList.unshift({
      Document: { Version: '2012-10-17', Statement: [] },
      VersionId: 'v2',
      IsDefaultVersion: false,
    });
    const managed = inventoryOf(json).managedPolicies.get(awsManagedPolicyArn('AmazonEKSWorkerNodePolicy'));
    expect(managed?.name).toBe('AmazonEKSWorkerNodePolicy');
    expect(managed?.defaultDocument).toEqual(workerNodePolicy());
  });

  it('falls back to DefaultVersionId when no version is flagged, and leaves the document undefined without versions', () => {
    const json = richSnapshot() as EditableJson;
    const policy = json.accounts[0].iam.policies[0];
    delete policy.PolicyVersionList[0].IsDefaultVersion;
    expect(inventoryOf(json).managedPolicies.get(policy.Arn)?.defaultDocument).toEqual(workerNodePolicy());
    policy.PolicyVersionList = [];
    expect(inventoryOf(json).managedPolicies.get(policy.Arn)?.defaultDocument).toBeUndefined();
  });

  it('marks EKS issuers among OIDC providers', () => {
    const providers = inventoryOf(richSnapshot()).oidcProviders;
    expect(providers).toEqual([
      expect.objectContaining({
        accountId: ACCOUNT,
        arn: `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST_PATH}`,
        url: HOST_PATH,
        clientIds: ['sts.amazonaws.com'],
        isEksIssuer: true,
        tags: { 'alpha.eksctl.io/cluster-name': 'prod-blue' },
      }),
      expect.objectContaining({ url: 'token.actions.githubusercontent.com', isEksIssuer: false }),
    ]);
  });

  it('strips a scheme from a provider Url written with https://', () => {
    const json = richSnapshot() as EditableJson;
    json.accounts[0].iam.openIdConnectProviders[0].Url = `https://${HOST_PATH}`;
    expect(inventoryOf(json).oidcProviders[0]).toMatchObject({ url: HOST_PATH, isEksIssuer: true });
  });

  it('parses each CloudTrail record into detail with the four evidence kinds intact', () => {
    const inventory = inventoryOf(richSnapshot());
    const [workloads, data] = inventory.cloudTrail;
    expect(workloads).toMatchObject({
      accountId: ACCOUNT,
      region: REGION,
      from: '2026-08-31T02:00:00Z',
      to: '2026-11-29T02:00:00Z',
      complete: true,
    });
    const [pod, irsa, eksAuth] = workloads.events;
    expect(pod).toMatchObject({
      eventName: 'AssumeRole',
      eventSource: 'sts.amazonaws.com',
      eventTime: '2026-11-28T10:00:00Z',
    });
    expect(pod.resources).toEqual([{ ResourceType: 'AWS::IAM::Role', ResourceName: roleArn('s3-reader') }]);
    const request = pod.detail?.requestParameters as {
      tags: Array<{ key: string; value: string }>;
      durationSeconds: number;
    };
    expect(request.tags.map((tag) => tag.key)).toEqual([
      'eks-cluster-arn',
      'eks-cluster-name',
      'kubernetes-namespace',
      'kubernetes-service-account',
      'kubernetes-pod-name',
      'kubernetes-pod-uid',
    ]);
    expect(request.durationSeconds).toBe(21600);
    expect(pod.detail?.userIdentity).toEqual({ type: 'AWSService', invokedBy: 'pods.eks.amazonaws.com' });
    expect(irsa.username).toBe('system:serviceaccount:kube-system:ebs-csi-controller-sa');
    expect(irsa.detail?.userIdentity).toMatchObject({
      type: 'WebIdentityUser',
      identityProvider: `arn:aws:iam::${ACCOUNT}:oidc-provider/${HOST_PATH}`,
    });
    expect(eksAuth).toMatchObject({
      eventSource: 'eks-auth.amazonaws.com',
      eventName: 'AssumeRoleForPodIdentity',
    });
    expect(eksAuth.detail).toMatchObject({ errorCode: 'AccessDenied', responseElements: null });
    expect(data.events[0].detail?.userIdentity).toMatchObject({
      type: 'AssumedRole',
      sessionContext: { sessionIssuer: { arn: roleArn('exporter') } },
    });
    expect(data.events[0].detail?.recipientAccountId).toBe(DATA);
  });

  it('leaves detail undefined for a CloudTrailEvent that is not a JSON object, without failing', () => {
    const json = richSnapshot() as EditableJson;
    const events = json.accounts[0].regions[0].cloudTrail.events;
    events[0].CloudTrailEvent = '{"eventVersion": "1.08", truncated';
    events[1].CloudTrailEvent = '"just a string"';
    delete events[2].CloudTrailEvent;
    const [first, second, third] = inventoryOf(json).cloudTrail[0].events;
    expect(first.detail).toBeUndefined();
    expect(second.detail).toBeUndefined();
    expect(third.detail).toBeUndefined();
    expect(first.eventName).toBe('AssumeRole');
  });

  it('lists accounts with their regions and the snapshot time', () => {
    const inventory = inventoryOf(
      snapshot({ capturedAt: '2026-01-02T03:04:05Z' })
        .account(ACCOUNT, (a) => a.region('us-east-1').region(REGION))
        .failedAccount(DATA)
        .build(),
    );
    expect(inventory.capturedAt).toBe('2026-01-02T03:04:05Z');
    expect(inventory.accounts).toEqual([
      { accountId: ACCOUNT, errors: [], regions: ['us-east-1', REGION] },
      {
        accountId: DATA,
        errors: [expect.objectContaining({ service: 'sts', operation: 'AssumeRole', code: 'AccessDenied' })],
        regions: [],
      },
    ]);
  });

  it('keeps the first copy of an AWS managed policy that several accounts list', () => {
    const json = snapshot()
      .account(ACCOUNT, (a) =>
        a.managedPolicy({ name: 'AmazonEKSWorkerNodePolicy', aws: true, document: workerNodePolicy() }),
      )
      .account(DATA, (a) =>
        a.managedPolicy({
          name: 'AmazonEKSWorkerNodePolicy',
          aws: true,
          document: { Version: '2012-10-17', Statement: [] },
        }),
      )
      .build();
    const managed = inventoryOf(json).managedPolicies;
    expect(managed.size).toBe(1);
    expect(managed.get(awsManagedPolicyArn('AmazonEKSWorkerNodePolicy'))?.defaultDocument).toEqual(
      workerNodePolicy(),
    );
  });

  it('is deterministic: the same snapshot gives the same inventory', () => {
    const json = richSnapshot();
    expect(inventoryOf(json).clusters).toEqual(inventoryOf(structuredClone(json)).clusters);
    expect(richSnapshot()).toEqual(json);
  });
});
