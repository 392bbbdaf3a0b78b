import {
  GetAccountAuthorizationDetailsCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  ListRolesCommand,
  NoSuchEntityException,
  type RoleDetail,
} from '@aws-sdk/client-iam';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SandboxHandle, startSandbox } from '../../sandbox/index.js';
import { decodePolicyDocument } from '../../shared/model/index.js';
import {
  AUDIT_ACCOUNT,
  clientConfig,
  DATA_ACCOUNT,
  EXTERNAL_ID,
  memberCredentials,
  NOW,
  rejectionOf,
  startDemo,
  WORKLOAD_ACCOUNT,
} from './helpers.js';

let sandbox: SandboxHandle;

beforeAll(async () => {
  sandbox = await startDemo();
});
afterAll(async () => {
  await sandbox.close();
});

describe('STS', () => {
  it('identifies the starting identity as the auditor role session in the audit account', async () => {
    const sts = new STSClient(clientConfig(sandbox, sandbox.credentials));
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({
      Account: AUDIT_ACCOUNT,
      Arn: `arn:aws:sts::${AUDIT_ACCOUNT}:assumed-role/EksIdentityAuditor/operator`,
    });
    expect(identity.UserId).toMatch(/^AROA[A-Z0-9]{17}:operator$/);
  });

  it('issues member-account credentials that act as the assumed role session', async () => {
    const credentials = await memberCredentials(sandbox, WORKLOAD_ACCOUNT);
    expect(credentials.accessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    const identity = await new STSClient(clientConfig(sandbox, credentials)).send(
      new GetCallerIdentityCommand({}),
    );
    expect(identity.Arn).toBe(
      `arn:aws:sts::${WORKLOAD_ACCOUNT}:assumed-role/EksIdentityAuditReadOnly/eks-identity-audit`,
    );
    expect(identity.Account).toBe(WORKLOAD_ACCOUNT);
  });

  it('returns an expiration one hour ahead by default and honours DurationSeconds', async () => {
    const sts = new STSClient(clientConfig(sandbox, sandbox.credentials));
    const request = {
      RoleArn: `arn:aws:iam::${DATA_ACCOUNT}:role/EksIdentityAuditReadOnly`,
      RoleSessionName: 'audit',
      ExternalId: EXTERNAL_ID,
    };
    const defaultSession = await sts.send(new AssumeRoleCommand(request));
    const shortSession = await sts.send(new AssumeRoleCommand({ ...request, DurationSeconds: 900 }));
    expect(defaultSession.Credentials?.Expiration?.toISOString()).toBe('2026-11-29T03:00:00.000Z');
    expect(shortSession.Credentials?.Expiration?.toISOString()).toBe('2026-11-29T02:15:00.000Z');
  });

  it('denies AssumeRole without the external id the member trust requires', async () => {
    const sts = new STSClient(clientConfig(sandbox, sandbox.credentials));
    const error = await rejectionOf(
      sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${WORKLOAD_ACCOUNT}:role/EksIdentityAuditReadOnly`,
          RoleSessionName: 'audit',
        }),
      ),
    );
    expect(error.name).toBe('AccessDenied');
    expect(error.message).toBe(
      `User: arn:aws:sts::${AUDIT_ACCOUNT}:assumed-role/EksIdentityAuditor/operator is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::${WORKLOAD_ACCOUNT}:role/EksIdentityAuditReadOnly`,
    );
  });

  it('denies AssumeRole with a wrong external id and for a role the account does not have', async () => {
    const sts = new STSClient(clientConfig(sandbox, sandbox.credentials));
    const wrongId = await rejectionOf(
      sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${WORKLOAD_ACCOUNT}:role/EksIdentityAuditReadOnly`,
          RoleSessionName: 'audit',
          ExternalId: 'guessed',
        }),
      ),
    );
    const missingRole = await rejectionOf(
      sts.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${WORKLOAD_ACCOUNT}:role/AuditRoleWithTypo`,
          RoleSessionName: 'audit',
          ExternalId: EXTERNAL_ID,
        }),
      ),
    );
    expect(wrongId.name).toBe('AccessDenied');
    expect(missingRole.name).toBe('AccessDenied');
  });

  it('denies a member role session chaining into another member (its trust names only the auditor)', async () => {
    const workload = await memberCredentials(sandbox, WORKLOAD_ACCOUNT);
    const error = await rejectionOf(
      new STSClient(clientConfig(sandbox, workload)).send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${DATA_ACCOUNT}:role/EksIdentityAuditReadOnly`,
          RoleSessionName: 'hop',
          ExternalId: EXTERNAL_ID,
        }),
      ),
    );
    expect(error.name).toBe('AccessDenied');
  });

  it('refuses member credentials once the sandbox clock passes their expiration', async () => {
    let clock = NOW;
    const timed = await startSandbox({ scenario: 'demo', now: () => clock, limits: false });
    try {
      const credentials = await memberCredentials(timed, WORKLOAD_ACCOUNT);
      const sts = new STSClient(clientConfig(timed, credentials));
      await sts.send(new GetCallerIdentityCommand({}));
      clock = new Date(NOW.getTime() + 3_600_000);
      const error = await rejectionOf(sts.send(new GetCallerIdentityCommand({})));
      expect(error.name).toBe('ExpiredToken');
    } finally {
      await timed.close();
    }
  });

  it('rejects an access key it never issued with InvalidClientTokenId', async () => {
    const sts = new STSClient(
      clientConfig(sandbox, {
        accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG',
      }),
    );
    const error = await rejectionOf(sts.send(new GetCallerIdentityCommand({})));
    expect(error.name).toBe('InvalidClientTokenId');
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(403);
  });
});

describe('IAM', () => {
  let iam: IAMClient;
  let dataIam: IAMClient;
  beforeAll(async () => {
    iam = new IAMClient(
      clientConfig(sandbox, await memberCredentials(sandbox, WORKLOAD_ACCOUNT), 'us-east-1'),
    );
    dataIam = new IAMClient(
      clientConfig(sandbox, await memberCredentials(sandbox, DATA_ACCOUNT), 'us-east-1'),
    );
  });

  async function allDetails(
    client: IAMClient,
    filter: Array<'Role' | 'LocalManagedPolicy' | 'AWSManagedPolicy'>,
    maxItems: number,
  ) {
    const roles: RoleDetail[] = [];
    const policies: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await client.send(
        new GetAccountAuthorizationDetailsCommand({ Filter: filter, MaxItems: maxItems, Marker: marker }),
      );
      pages += 1;
      roles.push(...(page.RoleDetailList ?? []));
      policies.push(...(page.Policies ?? []).map((policy) => policy.Arn ?? ''));
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    return { roles, policies, pages };
  }

  it('pages GetAccountAuthorizationDetails with Marker/IsTruncated until every role is returned', async () => {
    const paged = await allDetails(iam, ['Role'], 4);
    const single = await allDetails(iam, ['Role'], 1000);
    expect(single.pages).toBe(1);
    expect(paged.pages).toBe(Math.ceil(single.roles.length / 4));
    expect(paged.roles.map((role) => role.RoleName)).toEqual(single.roles.map((role) => role.RoleName));
    expect(new Set(paged.roles.map((role) => role.RoleName)).size).toBe(single.roles.length);
  });

  it('returns trust and inline policies URL-encoded as IAM does, with tags and RoleLastUsed', async () => {
    const { roles } = await allDetails(iam, ['Role'], 100);
    const payments = roles.find((role) => role.RoleName === 'payments-api');
    expect(payments?.AssumeRolePolicyDocument).toMatch(/^%7B%22Version%22%3A%222012-10-17%22/);
    const trust = decodePolicyDocument(payments?.AssumeRolePolicyDocument) as {
      Statement: Array<{ Principal: unknown }>;
    };
    expect(trust.Statement[0].Principal).toEqual({ Service: 'pods.eks.amazonaws.com' });
    expect(payments?.RolePolicyList?.[0]?.PolicyName).toBe('payments-queue');
    expect(decodePolicyDocument(payments?.RolePolicyList?.[0]?.PolicyDocument)).toMatchObject({
      Version: '2012-10-17',
    });
    expect(payments?.Tags).toEqual([{ Key: 'team', Value: 'payments' }]);
    expect(payments?.RoleLastUsed?.LastUsedDate?.toISOString()).toBe('2026-11-29T02:00:00.000Z');
    const legacyBatch = roles.find((role) => role.RoleName === 'legacy-batch');
    expect(legacyBatch?.RoleLastUsed?.LastUsedDate).toBeUndefined();
  });

  it('lists node roles with their instance profile and attached managed policies', async () => {
    const { roles } = await allDetails(iam, ['Role'], 100);
    const node = roles.find((role) => role.RoleName === 'prod-node');
    expect(node?.InstanceProfileList?.[0]?.InstanceProfileName).toBe('prod-node');
    expect(node?.AttachedManagedPolicies?.map((policy) => policy.PolicyArn)).toContain(
      'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
    );
  });

  it('includes AWS managed policies only when attached in the account, with their default version document', async () => {
    const workload = await allDetails(iam, ['AWSManagedPolicy'], 100);
    const data = await allDetails(dataIam, ['AWSManagedPolicy'], 100);
    expect(workload.roles).toEqual([]);
    expect(workload.policies).toContain('arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy');
    expect(data.policies).toEqual(['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess']);
    const page = await iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['AWSManagedPolicy'] }));
    const worker = page.Policies?.find((policy) => policy.PolicyName === 'AmazonEKSWorkerNodePolicy');
    const version = worker?.PolicyVersionList?.find((candidate) => candidate.IsDefaultVersion);
    expect(version?.VersionId).toBe('v3');
    expect(JSON.stringify(decodePolicyDocument(version?.Document))).toContain(
      'eks-auth:AssumeRoleForPodIdentity',
    );
  });

  it('returns customer managed policies for the LocalManagedPolicy filter', async () => {
    const local = await allDetails(iam, ['LocalManagedPolicy'], 100);
    expect(local.policies).toEqual([`arn:aws:iam::${WORKLOAD_ACCOUNT}:policy/prod-green-node-base`]);
  });

  it('rejects an unknown entity filter', async () => {
    const error = await rejectionOf(
      iam.send(new GetAccountAuthorizationDetailsCommand({ Filter: ['Robot' as never] })),
    );
    expect(error.name).toBe('ValidationError');
  });

  it('pages ListRoles with Marker and MaxItems', async () => {
    const first = await iam.send(new ListRolesCommand({ MaxItems: 3 }));
    const second = await iam.send(new ListRolesCommand({ MaxItems: 3, Marker: first.Marker }));
    expect(first.IsTruncated).toBe(true);
    expect(first.Roles).toHaveLength(3);
    expect(second.Roles?.[0]?.RoleName).not.toBe(first.Roles?.[0]?.RoleName);
  });

  it('answers GetRole for an existing role and NoSuchEntity (404) for a missing one', async () => {
    const role = await iam.send(new GetRoleCommand({ RoleName: 'ebs-csi' }));
    expect(role.Role?.Arn).toBe(`arn:aws:iam::${WORKLOAD_ACCOUNT}:role/ebs-csi`);
    const error = await rejectionOf(iam.send(new GetRoleCommand({ RoleName: 'ebs-csi-old' })));
    expect(error).toBeInstanceOf(NoSuchEntityException);
    expect((error.$metadata as { httpStatusCode: number }).httpStatusCode).toBe(404);
  });

  it('lists OIDC provider ARNs and describes one with its Url without https://', async () => {
    const list = await iam.send(new ListOpenIDConnectProvidersCommand({}));
    const arns = list.OpenIDConnectProviderList?.map((provider) => provider.Arn) ?? [];
    expect(arns).toHaveLength(4);
    const blue = `arn:aws:iam::${WORKLOAD_ACCOUNT}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/5E1D0C8B7A6F4E3D2C1B0A9F8E7D6C5B`;
    expect(arns).toContain(blue);
    const provider = await iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: blue }));
    expect(provider.Url).toBe('oidc.eks.eu-west-1.amazonaws.com/id/5E1D0C8B7A6F4E3D2C1B0A9F8E7D6C5B');
    expect(provider.ClientIDList).toEqual(['sts.amazonaws.com']);
    expect(provider.ThumbprintList).toHaveLength(1);
    const missing = await rejectionOf(
      iam.send(new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: `${blue}0` })),
    );
    expect(missing).toBeInstanceOf(NoSuchEntityException);
  });
});
