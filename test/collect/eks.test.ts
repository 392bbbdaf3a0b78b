import { EKSClient, EKSServiceException, ResourceNotFoundException } from '@aws-sdk/client-eks';
import pLimit from 'p-limit';
import { describe, expect, it, vi } from 'vitest';
import { type ClientFactory, createClientFactory } from '../../shared/aws/clients.js';
import { collectEksRegion } from '../../shared/collect/eks.js';

const ACCOUNT = '222233334444';
const REGION = 'eu-west-1';

type Handler = (input: Record<string, unknown>) => unknown;

/** An EKS client whose `send` answers from a table by operation name, never touching the network. */
function fakeEks(handlers: Record<string, Handler>): { client: EKSClient; describePeak: () => number } {
  const client = new EKSClient({
    region: REGION,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
  });
  let inFlight = 0;
  let peak = 0;
  vi.spyOn(client, 'send').mockImplementation((async (command: {
    constructor: { name: string };
    input: unknown;
  }) => {
    const operation = command.constructor.name.replace(/Command$/, '');
    const handler = handlers[operation];
    if (!handler) throw new Error(`unexpected ${operation}`);
    const isDescribe = operation.startsWith('Describe');
    if (isDescribe) inFlight += 1;
    peak = Math.max(peak, inFlight);
    try {
      // Yield so that concurrent calls overlap the way network calls do.
      await new Promise((resolve) => setImmediate(resolve));
      return handler(command.input as Record<string, unknown>);
    } finally {
      if (isDescribe) inFlight -= 1;
    }
  }) as never);
  return { client, describePeak: () => peak };
}

function factoryWith(client: EKSClient): ClientFactory {
  const real = createClientFactory({
    region: REGION,
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'x' },
  });
  return { ...real, eks: () => client };
}

function notFound(message: string) {
  return new ResourceNotFoundException({ $metadata: { httpStatusCode: 404 }, message });
}

function accessDenied(message: string) {
  return new EKSServiceException({
    name: 'AccessDeniedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 403 },
    message,
  });
}

function cluster(name: string) {
  return {
    name,
    arn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/${name}`,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    identity: { oidc: { issuer: `https://oidc.eks.${REGION}.amazonaws.com/id/ABCDEF` } },
  };
}

function association(clusterName: string, id: string, namespace: string) {
  return {
    clusterName,
    namespace,
    serviceAccount: `sa-${id}`,
    roleArn: `arn:aws:iam::${ACCOUNT}:role/${id}`,
    associationArn: `arn:aws:eks:${REGION}:${ACCOUNT}:podidentityassociation/${clusterName}/a-${id}`,
    associationId: `a-${id}`,
  };
}

describe('collectEksRegion', () => {
  it('skips what was deleted between List and Describe and records other failures on the cluster', async () => {
    // Prepare
    const { client } = fakeEks({
      ListClusters: () => ({ clusters: ['prod-green', 'prod-blue'] }),
      DescribeCluster: ({ name }) => {
        if (name === 'prod-blue') throw notFound('No cluster found for name: prod-blue.');
        return { cluster: cluster(String(name)) };
      },
      ListPodIdentityAssociations: () => ({
        associations: [{ associationId: 'a-gone' }, { associationId: 'a-kept' }],
      }),
      DescribePodIdentityAssociation: ({ clusterName, associationId }) => {
        if (associationId === 'a-gone') throw notFound('association not found');
        return { association: association(String(clusterName), 'kept', 'payments') };
      },
      ListAddons: () => ({ addons: [] }),
      ListNodegroups: () => ({ nodegroups: ['general'] }),
      DescribeNodegroup: () => {
        throw accessDenied('not authorized to perform eks:DescribeNodegroup');
      },
      ListFargateProfiles: () => ({ fargateProfileNames: [] }),
    });

    // Act
    const result = await collectEksRegion(factoryWith(client), ACCOUNT, REGION, pLimit(4));

    // Assess
    expect(result.errors).toEqual([]);
    expect(result.clusters.map((entry) => entry.cluster.name)).toEqual(['prod-green']);
    const [green] = result.clusters;
    expect(green.cluster.createdAt).toBe('2026-01-01T00:00:00.000Z');
    expect(green.podIdentityAssociations?.map((entry) => entry.associationId)).toEqual(['a-kept']);
    expect(green.errors).toEqual([
      {
        service: 'eks',
        operation: 'DescribeNodegroup',
        code: 'AccessDeniedException',
        message: 'not authorized to perform eks:DescribeNodegroup',
        resource: 'prod-green/general',
        cause: 'access-denied',
      },
    ]);
  });

  it('near miss: a Describe answered 404 without an EKS error code is a gap on the cluster, not a deletion', async () => {
    // Prepare: the endpoint answers one association's Describe with a bare 404 (a proxy, an emulator).
    const { client } = fakeEks({
      ListClusters: () => ({ clusters: ['prod-green'] }),
      DescribeCluster: ({ name }) => ({ cluster: cluster(String(name)) }),
      ListPodIdentityAssociations: () => ({
        associations: [{ associationId: 'a-bare' }, { associationId: 'a-kept' }],
      }),
      DescribePodIdentityAssociation: ({ clusterName, associationId }) => {
        if (associationId === 'a-bare')
          throw new EKSServiceException({
            name: 'Unknown',
            $fault: 'client',
            $metadata: { httpStatusCode: 404 },
            message: 'UnknownError',
          });
        return { association: association(String(clusterName), 'kept', 'payments') };
      },
      ListAddons: () => ({ addons: [] }),
      ListNodegroups: () => ({ nodegroups: [] }),
      ListFargateProfiles: () => ({ fargateProfileNames: [] }),
    });

    // Act
    const result = await collectEksRegion(factoryWith(client), ACCOUNT, REGION, pLimit(4));

    // Assess: the association is not silently dropped; the cluster records why it is incomplete.
    const [green] = result.clusters;
    expect(green.errors).toEqual([
      {
        service: 'eks',
        operation: 'DescribePodIdentityAssociation',
        code: 'HTTP404',
        message: 'HTTP 404 answer without an AWS error code',
        resource: 'prod-green/a-bare',
        cause: 'unexpected-answer',
      },
    ]);
  });

  it('keeps a listed cluster it cannot describe, as a stub carrying the error', async () => {
    const { client } = fakeEks({
      ListClusters: () => ({ clusters: ['prod-blue'] }),
      DescribeCluster: () => {
        throw accessDenied('not authorized to perform eks:DescribeCluster');
      },
      ListPodIdentityAssociations: () => ({ associations: [] }),
      ListAddons: () => ({ addons: [] }),
      ListNodegroups: () => ({ nodegroups: [] }),
      ListFargateProfiles: () => ({ fargateProfileNames: [] }),
    });

    const result = await collectEksRegion(factoryWith(client), ACCOUNT, REGION, pLimit(4));

    expect(result.clusters).toHaveLength(1);
    expect(result.clusters[0].cluster).toEqual({
      name: 'prod-blue',
      arn: `arn:aws:eks:${REGION}:${ACCOUNT}:cluster/prod-blue`,
    });
    expect(result.clusters[0].errors?.map((error) => error.operation)).toEqual(['DescribeCluster']);
  });

  it('records a failed ListClusters at the region level', async () => {
    const { client } = fakeEks({
      ListClusters: () => {
        throw accessDenied('not authorized to perform eks:ListClusters');
      },
    });

    const result = await collectEksRegion(factoryWith(client), ACCOUNT, REGION, pLimit(4));

    expect(result.clusters).toEqual([]);
    expect(result.errors).toEqual([
      expect.objectContaining({ operation: 'ListClusters', code: 'AccessDeniedException' }),
    ]);
  });

  it('keeps Describe calls within the concurrency limit and sorts associations by namespace and SA', async () => {
    const ids = Array.from({ length: 30 }, (_, index) => `r${String(29 - index).padStart(2, '0')}`);
    const { client, describePeak } = fakeEks({
      ListClusters: () => ({ clusters: ['prod-blue'] }),
      DescribeCluster: () => ({ cluster: cluster('prod-blue') }),
      ListPodIdentityAssociations: () => ({ associations: ids.map((id) => ({ associationId: `a-${id}` })) }),
      DescribePodIdentityAssociation: ({ associationId }) => {
        const id = String(associationId).slice(2);
        return { association: association('prod-blue', id, Number(id.slice(1)) % 2 ? 'odd' : 'even') };
      },
      ListAddons: () => ({ addons: [] }),
      ListNodegroups: () => ({ nodegroups: [] }),
      ListFargateProfiles: () => ({ fargateProfileNames: [] }),
    });

    const result = await collectEksRegion(factoryWith(client), ACCOUNT, REGION, pLimit(3));

    const associations = result.clusters[0].podIdentityAssociations ?? [];
    expect(associations).toHaveLength(30);
    const keys = associations.map((entry) => `${entry.namespace}/${entry.serviceAccount}`);
    expect(keys).toEqual([...keys].sort());
    expect(keys[0]).toBe('even/sa-r00');
    expect(describePeak()).toBe(3);
  });
});
