import { describe, expect, it } from 'vitest';
import {
  check,
  nodeRolePodIdentityPermissions,
} from '../../../shared/checks/runtime/PI_NODE_ROLE_MISSING_PERMISSION.js';
import {
  allowPolicy,
  awsManagedPolicyArn,
  type ClusterOptions,
  type RoleOptions,
  snapshot,
  workerNodePolicy,
} from '../../support/snapshot-builder.js';
import { ACCOUNT, contextOf, evaluate, evaluateWithUnknowns, REGION } from '../trust/harness.js';

const workerNodePolicyArn = awsManagedPolicyArn('AmazonEKSWorkerNodePolicy');

function nodes(
  nodeRole: RoleOptions,
  options: { withManagedDocument?: boolean; cluster?: ClusterOptions; associations?: boolean } = {},
) {
  return snapshot().account(ACCOUNT, (a) => {
    a.role('app').role('eks-node', {
      trust: {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      },
      ...nodeRole,
    });
    if (options.withManagedDocument !== false) {
      a.managedPolicy({ name: 'AmazonEKSWorkerNodePolicy', document: workerNodePolicy(), aws: true });
    }
    a.region(REGION, (r) =>
      r.cluster('prod-blue', options.cluster ?? {}, (c) => {
        if (options.associations !== false)
          c.association({ namespace: 'default', serviceAccount: 'app', roleName: 'app' });
        c.addon('eks-pod-identity-agent').nodegroup('ng-general', { nodeRoleName: 'eks-node' });
      }),
    );
  });
}

describe('PI_NODE_ROLE_MISSING_PERMISSION', () => {
  it('does not fire when AmazonEKSWorkerNodePolicy is attached and its document is in the snapshot', () => {
    expect(evaluate(check, nodes({ managedPolicyArns: [workerNodePolicyArn] }))).toEqual([]);
  });

  it('fires when the node role only has a custom policy without eks-auth:AssumeRoleForPodIdentity', () => {
    const drafts = evaluate(
      check,
      nodes({
        inlinePolicies: { 'node-basics': allowPolicy(['ec2:DescribeInstances', 'eks:DescribeCluster']) },
      }),
    );

    expect(drafts).toHaveLength(1);
    expect(drafts[0]).toMatchObject({
      accountId: ACCOUNT,
      region: REGION,
      cluster: 'prod-blue',
      resource: { type: 'AwsEksNodegroup' },
      evidence: { nodeRoleArn: `arn:aws:iam::${ACCOUNT}:role/eks-node`, result: 'denied' },
    });
    expect(drafts[0].resource.id).toMatch(
      /^arn:aws:eks:ap-northeast-1:111122223333:nodegroup\/prod-blue\/ng-general\//,
    );
    expect(drafts[0].remediation).toContain('aws iam attach-role-policy --role-name eks-node');
  });

  it('reports unknown, not a finding, when the attached managed policy document is absent', () => {
    const builder = nodes(
      {
        managedPolicyArns: [workerNodePolicyArn],
        inlinePolicies: { 'node-basics': allowPolicy(['ec2:DescribeInstances']) },
      },
      { withManagedDocument: false },
    );

    const { drafts, unknowns } = evaluateWithUnknowns(check, builder);
    expect(drafts).toEqual([]);
    expect(unknowns).toEqual([
      expect.objectContaining({ kind: 'trust', checkId: 'PI_NODE_ROLE_MISSING_PERMISSION' }),
    ]);
    const [verdict] = nodeRolePodIdentityPermissions(contextOf(builder));
    expect(verdict).toMatchObject({ result: 'unknown', missingPolicyArns: [workerNodePolicyArn] });
  });

  it('does not judge Auto Mode clusters or clusters without associations', () => {
    const custom = { inlinePolicies: { 'node-basics': allowPolicy(['ec2:DescribeInstances']) } };

    expect(evaluate(check, nodes(custom, { cluster: { autoMode: true } }))).toEqual([]);
    expect(evaluate(check, nodes(custom, { associations: false }))).toEqual([]);
  });
});
