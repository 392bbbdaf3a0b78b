import { describe, expect, it } from 'vitest';
import { InputError } from '../../shared/errors.js';
import { identityPolicyAllows } from '../../shared/trust/index.js';
import { workerNodePolicy } from '../support/snapshot-builder.js';

const ACTION = 'eks-auth:AssumeRoleForPodIdentity';
const CLUSTER = 'arn:aws:eks:us-east-1:111122223333:cluster/prod-blue';

describe('identityPolicyAllows', () => {
  it('allows the action granted by AmazonEKSWorkerNodePolicy', () => {
    expect(identityPolicyAllows([workerNodePolicy()], ACTION, CLUSTER)).toMatchObject({ allowed: true });
  });

  it('denies when no policy covers the action', () => {
    const ecr = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'ecr:GetAuthorizationToken', Resource: '*' }],
    };
    expect(identityPolicyAllows([ecr], ACTION, CLUSTER).allowed).toBe(false);
    expect(identityPolicyAllows([], ACTION, CLUSTER).allowed).toBe(false);
  });

  it('matches service wildcards case-insensitively and honours NotAction', () => {
    const wildcard = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 'EKS-AUTH:*', Resource: '*' }],
    };
    expect(identityPolicyAllows([wildcard], ACTION).allowed).toBe(true);
    const notAction = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', NotAction: 'eks-auth:*', Resource: '*' }],
    };
    expect(identityPolicyAllows([notAction], ACTION).allowed).toBe(false);
  });

  it('lets an explicit Deny in another policy win', () => {
    const deny = {
      Version: '2012-10-17',
      Statement: [{ Sid: 'NoPodIdentity', Effect: 'Deny', Action: ACTION, Resource: '*' }],
    };
    const decision = identityPolicyAllows([workerNodePolicy(), deny], ACTION, CLUSTER);
    expect(decision.allowed).toBe(false);
    expect(decision.reason).toContain('policy 1 Statement[0] (Sid "NoPodIdentity")');
  });

  it('checks Resource and NotResource against the given cluster', () => {
    const scoped = (resource: object) => ({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ACTION, ...resource }],
    });
    expect(
      identityPolicyAllows(
        [scoped({ Resource: 'arn:aws:eks:us-east-1:111122223333:cluster/prod-*' })],
        ACTION,
        CLUSTER,
      ).allowed,
    ).toBe(true);
    expect(
      identityPolicyAllows(
        [scoped({ Resource: 'arn:aws:eks:us-east-1:111122223333:cluster/dev-*' })],
        ACTION,
        CLUSTER,
      ).allowed,
    ).toBe(false);
    expect(identityPolicyAllows([scoped({ NotResource: CLUSTER })], ACTION, CLUSTER).allowed).toBe(false);
    expect(identityPolicyAllows([scoped({ Resource: 'arn:aws:eks:*:*:cluster/*' })], ACTION).allowed).toBe(
      'unknown',
    );
  });

  it('answers unknown when the deciding statement has a condition', () => {
    const conditional = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ACTION,
          Resource: '*',
          Condition: { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } },
        },
      ],
    };
    const decision = identityPolicyAllows([conditional], ACTION, CLUSTER);
    expect(decision.allowed).toBe('unknown');
    expect(decision.reason).toContain('aws:RequestedRegion');
  });

  it('names the policy and field of a malformed document', () => {
    expect(() =>
      identityPolicyAllows([workerNodePolicy(), { Statement: [{ Effect: 'Allow' }] }], ACTION),
    ).toThrow(InputError);
    expect(() =>
      identityPolicyAllows([workerNodePolicy(), { Statement: [{ Effect: 'Allow' }] }], ACTION),
    ).toThrow(/^policy 1: /);
  });
});
