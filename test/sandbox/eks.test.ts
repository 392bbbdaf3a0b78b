import {
  CreatePodIdentityAssociationCommand,
  DeletePodIdentityAssociationCommand,
  DescribeAddonCommand,
  DescribeClusterCommand,
  DescribeFargateProfileCommand,
  DescribeNodegroupCommand,
  DescribePodIdentityAssociationCommand,
  EKSClient,
  InvalidParameterException,
  ListAddonsCommand,
  ListClustersCommand,
  ListFargateProfilesCommand,
  ListNodegroupsCommand,
  ListPodIdentityAssociationsCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  UpdatePodIdentityAssociationCommand,
} from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SandboxHandle } from '../../sandbox/index.js';
import {
  clientConfig,
  DATA_ACCOUNT,
  memberCredentials,
  rejectionOf,
  startDemo,
  WORKLOAD_ACCOUNT,
} from './helpers.js';

let sandbox: SandboxHandle;
let eks: EKSClient;

beforeAll(async () => {
  sandbox = await startDemo();
  eks = new EKSClient(clientConfig(sandbox, await memberCredentials(sandbox, WORKLOAD_ACCOUNT)));
});
afterAll(async () => {
  await sandbox.close();
});

describe('EKS clusters', () => {
  it('pages ListClusters with maxResults and nextToken', async () => {
    const first = await eks.send(new ListClustersCommand({ maxResults: 2 }));
    const second = await eks.send(new ListClustersCommand({ maxResults: 2, nextToken: first.nextToken }));
    expect(first.clusters).toEqual(['prod-blue', 'prod-green']);
    expect(second.clusters).toEqual(['staging']);
    expect(second.nextToken).toBeUndefined();
  });

  it('rejects maxResults outside 1–100 with InvalidParameterException', async () => {
    const tooMany = await rejectionOf(eks.send(new ListClustersCommand({ maxResults: 101 })));
    const zero = await rejectionOf(eks.send(new ListClustersCommand({ maxResults: 0 })));
    expect(tooMany).toBeInstanceOf(InvalidParameterException);
    expect(zero).toBeInstanceOf(InvalidParameterException);
  });

  it('lists no clusters in a region where the account has none', async () => {
    const otherRegion = new EKSClient({
      ...clientConfig(sandbox, await memberCredentials(sandbox, WORKLOAD_ACCOUNT)),
      region: 'us-east-1',
    });
    expect((await otherRegion.send(new ListClustersCommand({}))).clusters).toEqual([]);
  });

  it('describes a cluster with its OIDC issuer, epoch dates and Auto Mode compute config', async () => {
    const { cluster } = await eks.send(new DescribeClusterCommand({ name: 'staging' }));
    expect(cluster?.identity?.oidc?.issuer).toBe(
      'https://oidc.eks.eu-west-1.amazonaws.com/id/0F1E2D3C4B5A69788796A5B4C3D2E1F0',
    );
    expect(cluster?.arn).toBe(`arn:aws:eks:eu-west-1:${WORKLOAD_ACCOUNT}:cluster/staging`);
    expect(cluster?.createdAt?.toISOString()).toBe('2026-03-24T02:00:00.000Z');
    expect(cluster?.computeConfig?.enabled).toBe(true);
    const blue = await eks.send(new DescribeClusterCommand({ name: 'prod-blue' }));
    expect(blue.cluster?.computeConfig?.enabled).toBe(false);
  });

  it('answers ResourceNotFoundException (404) for an unknown cluster', async () => {
    const error = await rejectionOf(eks.send(new DescribeClusterCommand({ name: 'prod-purple' })));
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error.message).toBe('No cluster found for name: prod-purple.');
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(404);
  });

  it('shows a member account only its own clusters', async () => {
    const data = new EKSClient(clientConfig(sandbox, await memberCredentials(sandbox, DATA_ACCOUNT)));
    const error = await rejectionOf(data.send(new DescribeClusterCommand({ name: 'prod-blue' })));
    expect(error).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('EKS Pod Identity associations', () => {
  it('pages association summaries, which carry no roleArn', async () => {
    const first = await eks.send(
      new ListPodIdentityAssociationsCommand({ clusterName: 'prod-blue', maxResults: 4 }),
    );
    const second = await eks.send(
      new ListPodIdentityAssociationsCommand({
        clusterName: 'prod-blue',
        maxResults: 4,
        nextToken: first.nextToken,
      }),
    );
    expect(first.associations).toHaveLength(4);
    expect(second.associations).toHaveLength(2);
    expect(second.nextToken).toBeUndefined();
    for (const summary of first.associations ?? []) {
      expect(summary).not.toHaveProperty('roleArn');
      expect(summary.associationId).toMatch(/^a-[a-z0-9]{17}$/);
    }
  });

  it('filters associations by namespace and service account', async () => {
    const byNamespace = await eks.send(
      new ListPodIdentityAssociationsCommand({ clusterName: 'prod-blue', namespace: 'payments' }),
    );
    const bySa = await eks.send(
      new ListPodIdentityAssociationsCommand({
        clusterName: 'prod-blue',
        namespace: 'payments',
        serviceAccount: 'other',
      }),
    );
    expect(byNamespace.associations?.map((summary) => summary.serviceAccount)).toEqual(['payments-api']);
    expect(bySa.associations).toEqual([]);
  });

  it('describes an association with role, target role, external id and epoch dates', async () => {
    const list = await eks.send(
      new ListPodIdentityAssociationsCommand({ clusterName: 'prod-blue', namespace: 'reporting' }),
    );
    const id = list.associations?.[0]?.associationId ?? '';
    const { association } = await eks.send(
      new DescribePodIdentityAssociationCommand({ clusterName: 'prod-blue', associationId: id }),
    );
    expect(association).toMatchObject({
      roleArn: `arn:aws:iam::${WORKLOAD_ACCOUNT}:role/report-exporter`,
      targetRoleArn: `arn:aws:iam::${DATA_ACCOUNT}:role/analytics-reader`,
      externalId: `eu-west-1/${WORKLOAD_ACCOUNT}/prod-blue/reporting/report-exporter`,
      disableSessionTags: false,
    });
    expect(association?.associationArn).toBe(
      `arn:aws:eks:eu-west-1:${WORKLOAD_ACCOUNT}:podidentityassociation/prod-blue/${id}`,
    );
    expect(association?.createdAt?.toISOString()).toBe('2026-05-13T02:00:00.000Z');
  });

  it('creates, updates and deletes an association, rejecting duplicates and foreign roles', async () => {
    const created = await eks.send(
      new CreatePodIdentityAssociationCommand({
        clusterName: 'prod-green',
        namespace: 'orders',
        serviceAccount: 'orders-worker',
        roleArn: `arn:aws:iam::${WORKLOAD_ACCOUNT}:role/orders-worker`,
      }),
    );
    const id = created.association?.associationId ?? '';
    expect(created.association?.roleArn).toBe(`arn:aws:iam::${WORKLOAD_ACCOUNT}:role/orders-worker`);

    const duplicate = await rejectionOf(
      eks.send(
        new CreatePodIdentityAssociationCommand({
          clusterName: 'prod-green',
          namespace: 'orders',
          serviceAccount: 'orders-worker',
          roleArn: `arn:aws:iam::${WORKLOAD_ACCOUNT}:role/orders-worker-v2`,
        }),
      ),
    );
    expect(duplicate).toBeInstanceOf(ResourceInUseException);
    expect((duplicate.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(409);

    const foreign = await rejectionOf(
      eks.send(
        new CreatePodIdentityAssociationCommand({
          clusterName: 'prod-green',
          namespace: 'reporting',
          serviceAccount: 'report-exporter',
          roleArn: `arn:aws:iam::${DATA_ACCOUNT}:role/analytics-reader`,
        }),
      ),
    );
    expect(foreign).toBeInstanceOf(InvalidParameterException);

    const updated = await eks.send(
      new UpdatePodIdentityAssociationCommand({
        clusterName: 'prod-green',
        associationId: id,
        roleArn: `arn:aws:iam::${WORKLOAD_ACCOUNT}:role/orders-worker-v2`,
      }),
    );
    expect(updated.association?.roleArn).toBe(`arn:aws:iam::${WORKLOAD_ACCOUNT}:role/orders-worker-v2`);

    await eks.send(new DeletePodIdentityAssociationCommand({ clusterName: 'prod-green', associationId: id }));
    const gone = await rejectionOf(
      eks.send(new DescribePodIdentityAssociationCommand({ clusterName: 'prod-green', associationId: id })),
    );
    expect(gone).toBeInstanceOf(ResourceNotFoundException);
  });
});

describe('EKS add-ons, node groups and Fargate profiles', () => {
  it('lists add-ons; green lacks the Pod Identity agent that blue runs', async () => {
    const blue = await eks.send(new ListAddonsCommand({ clusterName: 'prod-blue' }));
    const green = await eks.send(new ListAddonsCommand({ clusterName: 'prod-green' }));
    expect(blue.addons).toContain('eks-pod-identity-agent');
    expect(green.addons).not.toContain('eks-pod-identity-agent');
    expect(green.addons).toContain('vpc-cni');
  });

  it("describes an add-on with its IRSA role, and 404 for one the cluster doesn't have", async () => {
    const { addon } = await eks.send(
      new DescribeAddonCommand({ clusterName: 'prod-blue', addonName: 'aws-ebs-csi-driver' }),
    );
    expect(addon?.serviceAccountRoleArn).toBe(`arn:aws:iam::${WORKLOAD_ACCOUNT}:role/ebs-csi`);
    expect(addon?.podIdentityAssociations).toEqual([]);
    const missing = await rejectionOf(
      eks.send(new DescribeAddonCommand({ clusterName: 'prod-green', addonName: 'eks-pod-identity-agent' })),
    );
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
  });

  it('describes node groups with their node role', async () => {
    const list = await eks.send(new ListNodegroupsCommand({ clusterName: 'prod-green' }));
    expect(list.nodegroups).toEqual(['green-general']);
    const { nodegroup } = await eks.send(
      new DescribeNodegroupCommand({ clusterName: 'prod-green', nodegroupName: 'green-general' }),
    );
    expect(nodegroup?.nodeRole).toBe(`arn:aws:iam::${WORKLOAD_ACCOUNT}:role/prod-green-node`);
    expect(nodegroup?.scalingConfig?.desiredSize).toBe(3);
  });

  it('describes Fargate profiles with their namespace selectors', async () => {
    const list = await eks.send(new ListFargateProfilesCommand({ clusterName: 'prod-blue' }));
    expect(list.fargateProfileNames).toEqual(['jobs']);
    const { fargateProfile } = await eks.send(
      new DescribeFargateProfileCommand({ clusterName: 'prod-blue', fargateProfileName: 'jobs' }),
    );
    expect(fargateProfile?.selectors).toEqual([{ namespace: 'jobs', labels: {} }]);
    const missing = await rejectionOf(
      eks.send(new DescribeFargateProfileCommand({ clusterName: 'prod-blue', fargateProfileName: 'web' })),
    );
    expect(missing).toBeInstanceOf(ResourceNotFoundException);
  });
});
