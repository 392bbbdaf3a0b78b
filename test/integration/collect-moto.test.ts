import {
  CreateClusterCommand,
  CreateFargateProfileCommand,
  CreateNodegroupCommand,
} from '@aws-sdk/client-eks';
import {
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectSnapshot } from '../../shared/collect/index.js';
import { decodePolicyDocument } from '../../shared/model/index.js';
import { type Snapshot, SnapshotSchema } from '../../shared/snapshot/index.js';
import { type MotoServer, motoInstalled, motoMember, motoSkipNote, startMoto } from '../support/moto.js';

/**
 * moto is an independent implementation of the IAM, STS and EKS cluster APIs: collecting from it
 * checks the collectors against wire formats this project did not write.
 */
const MEMBER = '210987654321';
const REGION = 'us-east-1';

describe.skipIf(!motoInstalled)(`collectors against moto_server${motoSkipNote}`, () => {
  let moto: MotoServer | undefined;
  let snapshot: Snapshot;

  beforeAll(async () => {
    moto = await startMoto();
    // Seed the member account through the same assumed session the collectors will use.
    const { factory, iam, eks } = await motoMember(moto, MEMBER, REGION);
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'prod-blue-node',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    await iam.send(
      new AttachRolePolicyCommand({
        RoleName: 'prod-blue-node',
        PolicyArn: 'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
      }),
    );
    await iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: 'https://oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF',
        ClientIDList: ['sts.amazonaws.com'],
        ThumbprintList: ['9e99a48a9960b14926bb7f3b02e22da2b0ab7280'],
      }),
    );
    await eks.send(
      new CreateClusterCommand({
        name: 'prod-blue',
        roleArn: `arn:aws:iam::${MEMBER}:role/eks-cluster`,
        resourcesVpcConfig: { subnetIds: ['subnet-0a1b2c3d'] },
      }),
    );
    await eks.send(
      new CreateNodegroupCommand({
        clusterName: 'prod-blue',
        nodegroupName: 'general',
        nodeRole: `arn:aws:iam::${MEMBER}:role/prod-blue-node`,
        subnets: ['subnet-0a1b2c3d'],
      }),
    );
    await eks.send(
      new CreateFargateProfileCommand({
        clusterName: 'prod-blue',
        fargateProfileName: 'batch',
        podExecutionRoleArn: `arn:aws:iam::${MEMBER}:role/prod-blue-node`,
        selectors: [{ namespace: 'batch' }],
      }),
    );
    snapshot = await collectSnapshot({ factory, accounts: [MEMBER], regions: [REGION], cloudTrail: false });
  }, 60_000);

  afterAll(() => {
    moto?.process.kill();
  });

  it('writes a valid snapshot', () => {
    const parsed = SnapshotSchema.safeParse(JSON.parse(JSON.stringify(snapshot)));
    expect(parsed.error?.issues ?? []).toEqual([]);
  });

  it('collects roles, the managed policies they attach and the OIDC providers', () => {
    const iam = snapshot.accounts[0].iam;
    expect(iam?.errors).toEqual([]);
    const node = iam?.roles.find((role) => role.RoleName === 'prod-blue-node');
    expect(decodePolicyDocument(node?.AssumeRolePolicyDocument)).toMatchObject({
      Statement: [{ Principal: { Service: 'ec2.amazonaws.com' } }],
    });
    expect(iam?.policies?.map((policy) => policy.Arn)).toEqual([
      'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
    ]);
    expect(iam?.openIdConnectProviders).toEqual([
      expect.objectContaining({
        Arn: `arn:aws:iam::${MEMBER}:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF`,
        ClientIDList: ['sts.amazonaws.com'],
      }),
    ]);
  });

  it('collects the cluster with its node group and Fargate profile', () => {
    const region = snapshot.accounts[0].regions?.[0];
    expect(region?.errors).toEqual([]);
    const [cluster] = region?.clusters ?? [];
    expect(cluster.cluster.name).toBe('prod-blue');
    expect(cluster.cluster.identity?.oidc?.issuer).toMatch(
      /^https:\/\/oidc\.eks\.us-east-1\.amazonaws\.com\/id\//,
    );
    expect(cluster.nodegroups?.map((group) => group.nodeRole)).toEqual([
      `arn:aws:iam::${MEMBER}:role/prod-blue-node`,
    ]);
    expect(cluster.fargateProfiles?.[0].selectors).toEqual([{ namespace: 'batch' }]);
  });

  it('records what moto does not implement on the cluster, not the region or account', () => {
    const [cluster] = snapshot.accounts[0].regions?.[0].clusters ?? [];
    const unsupported = new Set(['ListPodIdentityAssociations', 'ListAddons']);
    for (const error of cluster.errors ?? []) {
      expect(unsupported.has(error.operation), error.operation).toBe(true);
      expect(error.resource).toBe('prod-blue');
    }
    expect(snapshot.accounts[0].errors).toEqual([]);
  });
});
