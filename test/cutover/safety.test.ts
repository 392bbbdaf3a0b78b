import { describe, expect, it } from 'vitest';
import { checkById } from '../../shared/checks/index.js';
import { GRANT_BREADTH_CHECKS } from '../../shared/cutover/flagged.js';
import { type CutoverResult, runCutover } from '../../shared/cutover/index.js';

import { normalizeSnapshot, parseSnapshot } from '../../shared/snapshot/index.js';
import { canAssume } from '../../shared/trust/index.js';
import {
  collectionError,
  irsaTrust,
  irsaWebIdentityEvent,
  mergePolicies,
  oidcIdFor,
  podIdentityTrust,
  type SnapshotJson,
} from '../support/snapshot-builder.js';
import {
  ACCOUNT,
  baseline,
  clusterArnOf,
  collectionErrorOn,
  EXTERNAL_DNS_SUBJECT,
  hostOf,
  irsaTrustOn,
  NEW,
  OLD,
  providerOf,
  REGION,
  roleArn,
  type ScenarioOptions,
  scenarioJson,
} from './scenario.js';

const DESTRUCTIVE = /\bdelete-|update-assume-role-policy/;

function run(json: SnapshotJson, phase: 'pre' | 'post', since?: Date): CutoverResult {
  return runCutover({
    inventory: normalizeSnapshot(parseSnapshot(json, 'scenario')),
    baseline: baseline(),
    cluster: 'prod',
    from: OLD,
    to: NEW,
    phase,
    ...(since ? { since } : {}),
  });
}

const post = (options: ScenarioOptions = {}, since?: Date) => run(scenarioJson(options), 'post', since);
const pre = (options: ScenarioOptions = {}) => run(scenarioJson(options), 'pre');

const commands = (result: CutoverResult) => result.plan.commands.map((entry) => entry.command);
const destructive = (result: CutoverResult) =>
  commands(result).filter((command) => DESTRUCTIVE.test(command));
const withheld = (result: CutoverResult) =>
  result.plan.withheld.map((item) => [item.checkId, item.resource.id, item.status]);

/** An IAM error in the cluster's account: its roles and providers may be missing. */
function withIamError(json: SnapshotJson): SnapshotJson {
  const account = (json.accounts as Array<{ accountId: string; iam: { errors: unknown[] } }>).find(
    (candidate) => candidate.accountId === ACCOUNT,
  );
  account?.iam.errors.push(collectionError('iam', 'ListRoles', 'Throttling', 'Rate exceeded'));
  return json;
}

/** A successful AssumeRoleWithWebIdentity of external-dns with a token from the cluster's issuer. */
function webIdentityOf(cluster: string, eventTime: string) {
  return irsaWebIdentityEvent({
    accountId: ACCOUNT,
    region: REGION,
    oidcId: oidcIdFor(cluster),
    namespace: 'kube-system',
    serviceAccount: 'external-dns',
    roleArn: roleArn('external-dns'),
    eventTime,
  });
}

/** A source-IP condition: no snapshot can tell which address a request will come from. */
const SOURCE_IP = { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } };

describe('post phase: nothing a workload still needs is deleted', () => {
  it('plans every clean-up once NEW serves every workload', () => {
    const result = post();
    expect(result.plan.withheld).toEqual([]);
    expect(commands(result)).toEqual([
      `aws iam update-assume-role-policy --role-name external-dns --policy-document file://external-dns-trust-policy.json`,
      `aws iam delete-open-id-connect-provider --open-id-connect-provider-arn ${providerOf(OLD)}`,
      expect.stringContaining('delete-pod-identity-association'),
      expect.stringContaining('delete-pod-identity-association'),
      `aws eks delete-addon --cluster-name ${OLD} --addon-name aws-efs-csi-driver --region ${REGION}`,
    ]);
  });

  it('before the pre phase is READY says why and plans nothing destructive', () => {
    const result = post({ notReplicated: ['s3-reader'], externalDnsTrust: irsaTrustOn([OLD]) });
    const gate = result.findings.find((finding) => finding.checkId === 'CUTOVER_NEW_NOT_SERVING');
    expect(gate).toMatchObject({ blocking: true, severity: 'HIGH' });
    expect(gate?.message).toContain('default/s3-reader (CUTOVER_ASSOCIATION_NOT_REPLICATED)');
    expect(gate?.message).toContain('kube-system/external-dns (CUTOVER_IRSA_TRUST_NOT_EXTENDED)');
    expect(gate?.evidence.preVerdict).toBe('NOT_READY');
    expect(destructive(result)).toEqual([]);
    expect(result.plan.trustPolicies).toEqual([]);
    expect(new Set(result.plan.withheld.map((item) => item.status))).toEqual(new Set(['not-ready']));
    // Every association OLD still has is reported, none of them with a deletion as its remediation.
    const left = result.findings.filter((finding) => finding.checkId === 'CUTOVER_OLD_ASSOCIATIONS_LEFT');
    expect(left).toHaveLength(3);
    for (const finding of left) expect(finding.remediation).not.toMatch(DESTRUCTIVE);
  });

  it('keeps an association whose workload NEW refuses, and deletes the others', () => {
    // The role's trust names a third cluster: the evaluator refuses its session on NEW (and OLD).
    const result = post({
      s3ReaderTrust: podIdentityTrust({
        conditions: { StringEquals: { 'aws:RequestTag/eks-cluster-name': 'prod-red' } },
      }),
      externalDnsTrust: irsaTrustOn([OLD, NEW]),
    });
    expect(result.findings.map((finding) => finding.checkId)).not.toContain('CUTOVER_NEW_NOT_SERVING');
    const kept = result.plan.withheld.filter((item) => item.checkId === 'CUTOVER_OLD_ASSOCIATIONS_LEFT');
    expect(kept).toHaveLength(1);
    expect(kept[0]).toMatchObject({ status: 'not-served' });
    expect(kept[0].reason).toContain('default/s3-reader');
    const id = kept[0].resource.id.split('/').pop();
    expect(commands(result).some((command) => command.includes(`--association-id ${id}`))).toBe(false);
    expect(
      commands(result).filter((command) => command.includes('delete-pod-identity-association')),
    ).toHaveLength(1);
    expect(commands(result)).toContain(
      `aws eks delete-addon --cluster-name ${OLD} --addon-name aws-efs-csi-driver --region ${REGION}`,
    );
  });

  it("keeps an add-on whose association's workload NEW may not serve", () => {
    // efs-csi's trust cannot be decided on either cluster (source IP).
    const json = setTrust(scenarioJson(), 'efs-csi', podIdentityTrust({ conditions: SOURCE_IP }));
    const result = run(json, 'post');
    const addon = result.plan.withheld.find((item) => item.reason.includes('add-on aws-efs-csi-driver'));
    expect(addon).toMatchObject({ checkId: 'CUTOVER_OLD_ASSOCIATIONS_LEFT', status: 'unknown' });
    expect(commands(result).some((command) => command.includes('delete-addon'))).toBe(false);
    expect(result.undecided.map((entry) => entry.checkId)).toContain('CUTOVER_OLD_ASSOCIATIONS_LEFT');
    const efs = result.workloads.find((workload) => workload.serviceAccount === 'efs-csi-controller-sa');
    expect(efs?.status).toBe('unknown');
  });

  it('removes only the statements of the old issuer whose subjects NEW serves', () => {
    const undecidable = irsaTrustOn([NEW], 'system:serviceaccount:kube-system:metrics');
    (undecidable.Statement[0] as { Condition: Record<string, unknown> }).Condition = {
      ...(undecidable.Statement[0] as { Condition: Record<string, unknown> }).Condition,
      ...SOURCE_IP,
    };
    const trust = mergePolicies(
      irsaTrustOn([OLD, NEW]),
      irsaTrustOn([OLD], 'system:serviceaccount:kube-system:metrics'),
      undecidable,
    );
    const result = post({ externalDnsTrust: trust });
    const [change] = result.plan.trustPolicies;
    expect(change).toMatchObject({ change: 'remove-old', statements: [0] });
    expect(change.verification).toMatchObject({ admitsNew: true, keepsOld: true, dropsOld: true });
    const onOld = (subject: string) => ({ kind: 'irsa' as const, providerArn: providerOf(OLD), subject });
    expect(canAssume(change.policy, onOld(EXTERNAL_DNS_SUBJECT)).allowed).toBe(false);
    expect(canAssume(change.policy, onOld('system:serviceaccount:kube-system:metrics')).allowed).toBe(true);
    expect(withheld(result)).toEqual(
      expect.arrayContaining([
        ['CUTOVER_OLD_ISSUER_STILL_TRUSTED', roleArn('external-dns'), 'unknown'],
        ['CUTOVER_OLD_OIDC_PROVIDER_LEFT', providerOf(OLD), 'still-needed'],
      ]),
    );
    expect(commands(result).some((command) => command.includes('delete-open-id-connect-provider'))).toBe(
      false,
    );
  });

  it('keeps a trust grant whose workload fails to get credentials on NEW since the switch', () => {
    const failed = webIdentityOf(NEW, '2026-11-28T12:00:00Z');
    const detail = JSON.parse(failed.CloudTrailEvent as string);
    detail.errorCode = 'AccessDenied';
    delete detail.responseElements;
    const result = post(
      {
        externalDnsTrust: irsaTrustOn([OLD, NEW]),
        events: [{ ...failed, CloudTrailEvent: JSON.stringify(detail) }],
      },
      new Date('2026-11-28T00:00:00Z'),
    );
    expect(result.plan.trustPolicies).toEqual([]);
    expect(withheld(result)).toContainEqual([
      'CUTOVER_OLD_ISSUER_STILL_TRUSTED',
      roleArn('external-dns'),
      'not-served',
    ]);
  });

  describe("the old issuer's provider", () => {
    it('stays while CloudTrail shows its issuer in use since --since', () => {
      const result = post(
        { events: [webIdentityOf(OLD, '2026-11-28T20:00:00Z')] },
        new Date('2026-11-28T00:00:00Z'),
      );
      const provider = result.plan.withheld.find((item) => item.checkId === 'CUTOVER_OLD_OIDC_PROVIDER_LEFT');
      expect(provider).toMatchObject({ status: 'still-needed' });
      expect(provider?.reason).toContain('kube-system/external-dns');
      expect(provider?.reason).toContain('2026-11-28T20:00:00Z');
      // The trust statement itself may go: NEW serves external-dns.
      expect(result.plan.trustPolicies.map((change) => change.roleArn)).toEqual([roleArn('external-dns')]);
    });

    it('may go when the last use was before --since', () => {
      const result = post(
        { events: [webIdentityOf(OLD, '2026-11-27T20:00:00Z')] },
        new Date('2026-11-28T00:00:00Z'),
      );
      expect(commands(result)).toContain(
        `aws iam delete-open-id-connect-provider --open-id-connect-provider-arn ${providerOf(OLD)}`,
      );
    });

    it('stays without --since when the window shows any use, and says how to count only later use', () => {
      const result = post({ events: [webIdentityOf(OLD, '2026-11-27T20:00:00Z')] });
      const provider = result.plan.withheld.find((item) => item.checkId === 'CUTOVER_OLD_OIDC_PROVIDER_LEFT');
      expect(provider?.reason).toContain('--since');
    });

    it('stays when OLD is gone but another role still trusts it for a workload NEW does not serve', () => {
      const result = run(
        addRole(
          scenarioJson({ oldDeleted: true }),
          'legacy-reporter',
          irsaTrustOn([OLD], 'system:serviceaccount:reports:legacy'),
        ),
        'post',
      );
      expect(result.workloads.map((workload) => workload.key)).toContain(
        `irsa/system:serviceaccount:reports:legacy/${roleArn('legacy-reporter')}`,
      );
      expect(result.findings.map((finding) => finding.checkId)).toContain('CUTOVER_NEW_NOT_SERVING');
      expect(destructive(result)).toEqual([]);
    });
  });

  describe('incomplete scopes', () => {
    it('plans nothing destructive when NEW was not fully collected', () => {
      const result = post({
        extra: { [NEW]: (cluster) => cluster.error(collectionErrorOn('ListPodIdentityAssociations')) },
      });
      expect(result.findings.map((finding) => finding.checkId)).toContain('CUTOVER_COLLECTION_INCOMPLETE');
      expect(destructive(result)).toEqual([]);
      expect(result.plan.withheld.length).toBeGreaterThan(0);
      for (const item of result.plan.withheld) {
        expect(item.status).toBe('unknown');
        expect(item.reason).toContain(`cluster ${NEW} was not fully collected`);
      }
    });

    it('plans nothing destructive when OLD was not fully collected', () => {
      const result = post({
        extra: { [OLD]: (cluster) => cluster.error(collectionErrorOn('DescribeAddon')) },
      });
      expect(destructive(result)).toEqual([]);
      expect(result.plan.withheld.every((item) => item.status === 'unknown')).toBe(true);
    });

    it("plans nothing destructive when the cluster account's IAM was not fully collected", () => {
      const result = run(withIamError(scenarioJson()), 'post');
      expect(destructive(result)).toEqual([]);
      expect(result.plan.withheld.every((item) => item.status === 'unknown')).toBe(true);
      expect(result.undecided.length).toBe(result.plan.withheld.length);
    });

    it('keeps the old provider when CloudTrail of its account and region was not fully collected', () => {
      const result = post({
        region: (region) =>
          region.cloudTrailError(
            collectionError('cloudtrail', 'LookupEvents', 'Throttling', 'Rate exceeded'),
          ),
      });
      const provider = result.plan.withheld.find((item) => item.checkId === 'CUTOVER_OLD_OIDC_PROVIDER_LEFT');
      expect(provider).toMatchObject({ status: 'unknown' });
      expect(provider?.reason).toContain('CloudTrail');
      // Associations and trust grants do not rest on CloudTrail.
      expect(commands(result).some((command) => command.includes('delete-pod-identity-association'))).toBe(
        true,
      );
    });
  });
});

describe('pre phase: a flagged grant is never carried over without a mark', () => {
  it('runs the trust checks the audit registers, not copies of them', () => {
    expect(GRANT_BREADTH_CHECKS.map((check) => check.meta.id)).toEqual([
      'IRSA_NO_SUBJECT_CONDITION',
      'IRSA_SUBJECT_WILDCARD',
      'IRSA_NO_AUDIENCE_CONDITION',
      'PI_TRUST_UNSCOPED',
    ]);
    for (const check of GRANT_BREADTH_CHECKS) expect(checkById(check.meta.id), check.meta.id).toBe(check);
  });

  it('marks a copied IRSA grant without a :sub condition, with the exact subjects to use instead', () => {
    const trust = irsaTrust({
      accountId: ACCOUNT,
      region: REGION,
      oidcId: oidcIdFor(OLD),
      subject: null,
      sid: 'Old',
    });
    const result = pre({ externalDnsTrust: trust });
    const [grant] = result.plan.flaggedGrants;
    expect(result.plan.flaggedGrants).toHaveLength(1);
    expect(grant).toMatchObject({
      roleArn: roleArn('external-dns'),
      mechanism: 'irsa',
      statementIndex: 0,
      copyIndex: 1,
      file: 'external-dns-trust-policy.json',
      severity: 'HIGH',
      subjects: [EXTERNAL_DNS_SUBJECT],
      placeholders: false,
      verified: true,
    });
    expect(grant.flags.map((flag) => flag.checkId)).toContain('IRSA_NO_SUBJECT_CONDITION');
    expect(grant.narrower).toEqual([
      {
        Sid: 'OldProdGreen',
        Effect: 'Allow',
        Principal: { Federated: providerOf(NEW) },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${hostOf(NEW)}:aud`]: 'sts.amazonaws.com',
            [`${hostOf(NEW)}:sub`]: EXTERNAL_DNS_SUBJECT,
          },
        },
      },
    ]);
    const statement = { Version: '2012-10-17', Statement: grant.narrower };
    const onNew = (subject: string) => ({ kind: 'irsa' as const, providerArn: providerOf(NEW), subject });
    expect(canAssume(statement, onNew(EXTERNAL_DNS_SUBJECT)).allowed).toBe(true);
    expect(canAssume(statement, onNew('system:serviceaccount:default:default')).allowed).toBe(false);
    expect(result.plan.commands[0].description).toContain('IRSA_NO_SUBJECT_CONDITION');
    const finding = result.findings.find(
      (candidate) => candidate.checkId === 'CUTOVER_IRSA_TRUST_NOT_EXTENDED',
    );
    expect(finding?.message).toContain('plan.flaggedGrants');
  });

  it('adds only the audience when the copy lacks just the :aud condition', () => {
    const trust = irsaTrust({
      accountId: ACCOUNT,
      region: REGION,
      oidcId: oidcIdFor(OLD),
      subject: EXTERNAL_DNS_SUBJECT,
      audience: null,
    });
    const [grant] = pre({ externalDnsTrust: trust }).plan.flaggedGrants;
    expect(grant.flags.map((flag) => flag.checkId)).toEqual(['IRSA_NO_AUDIENCE_CONDITION']);
    expect(grant.severity).toBe('LOW');
    expect((grant.narrower[0].Condition as Record<string, unknown>).StringEquals).toEqual({
      [`${hostOf(NEW)}:sub`]: EXTERNAL_DNS_SUBJECT,
      [`${hostOf(NEW)}:aud`]: 'sts.amazonaws.com',
    });
    expect(grant.verified).toBe(true);
  });

  it('holds placeholders, unverified, when no service account of a wildcard grant is known', () => {
    const trust = irsaTrust({
      accountId: ACCOUNT,
      region: REGION,
      oidcId: oidcIdFor(OLD),
      subject: 'system:serviceaccount:batch:*',
      subjectOperator: 'StringLike',
    });
    const json = addRole(scenarioJson({ externalDnsTrust: irsaTrustOn([OLD, NEW]) }), 'batch-jobs', trust);
    const [grant] = run(json, 'pre').plan.flaggedGrants;
    expect(grant).toMatchObject({
      roleArn: roleArn('batch-jobs'),
      placeholders: true,
      verified: false,
      subjects: ['system:serviceaccount:batch:SERVICE_ACCOUNT'],
    });
    expect(grant.flags.map((flag) => flag.checkId)).toEqual(['IRSA_SUBJECT_WILDCARD']);
  });

  it('does not mark a clean grant, nor a flagged one the plan does not copy', () => {
    expect(pre({ externalDnsTrust: irsaTrustOn([OLD]) }).plan.flaggedGrants).toEqual([]);
    const both = mergePolicies(
      irsaTrust({ accountId: ACCOUNT, region: REGION, oidcId: oidcIdFor(OLD), subject: null }),
      irsaTrust({ accountId: ACCOUNT, region: REGION, oidcId: oidcIdFor(NEW), subject: null }),
    );
    expect(pre({ externalDnsTrust: both }).plan.flaggedGrants).toEqual([]);
  });

  it('marks an unscoped Pod Identity trust the new association would use, pinned to every association of the role', () => {
    const result = pre({ notReplicated: ['ledger'] });
    const grant = result.plan.flaggedGrants.find(
      (candidate) => candidate.roleArn === roleArn('ledger-source'),
    );
    expect(grant).toMatchObject({ mechanism: 'pod-identity', statementIndex: 0, verified: true });
    expect(grant?.flags.map((flag) => flag.checkId)).toEqual(['PI_TRUST_UNSCOPED']);
    expect(grant?.narrower).toHaveLength(1);
    expect(grant?.narrower[0].Condition).toEqual({
      StringEquals: {
        'aws:SourceAccount': ACCOUNT,
        'aws:RequestTag/eks-cluster-arn': [clusterArnOf(OLD), clusterArnOf(NEW)],
        'aws:RequestTag/kubernetes-namespace': 'payments',
        'aws:RequestTag/kubernetes-service-account': 'ledger',
      },
    });
    expect(grant?.commands).toEqual([expect.stringContaining('create-pod-identity-association')]);
    // The role's other trust statements are not touched; s3-reader's scoped trust is not flagged.
    expect(result.plan.flaggedGrants.map((candidate) => candidate.roleArn)).not.toContain(
      roleArn('s3-reader'),
    );
  });

  it('pins by source account and cluster ARN when the association disables session tags', () => {
    const json = scenarioJson({
      notReplicated: ['s3-reader'],
      s3ReaderTrust: podIdentityTrust({ tagSession: false }),
    });
    for (const association of associationsOf(json, 's3-reader')) association.disableSessionTags = true;
    const result = run(json, 'pre');
    const grant = result.plan.flaggedGrants.find((candidate) => candidate.roleArn === roleArn('s3-reader'));
    expect(grant?.narrower[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': ACCOUNT },
      ArnEquals: { 'aws:SourceArn': [clusterArnOf(OLD), clusterArnOf(NEW)] },
    });
    expect(grant?.verified).toBe(true);
  });

  it('leaves the post-phase plan without marks', () => {
    expect(post({ notReplicated: ['ledger'] }).plan.flaggedGrants).toEqual([]);
  });
});

/** Adds a role to the cluster account of a scenario snapshot. */
function addRole(json: SnapshotJson, name: string, trust: unknown): SnapshotJson {
  const account = (json.accounts as Array<{ accountId: string; iam: { roles: unknown[] } }>).find(
    (candidate) => candidate.accountId === ACCOUNT,
  );
  account?.iam.roles.push({
    Path: '/',
    RoleName: name,
    RoleId: `AROA${name
      .toUpperCase()
      .replace(/[^A-Z]/g, '')
      .padEnd(17, 'X')
      .slice(0, 17)}`,
    Arn: roleArn(name),
    CreateDate: '2025-06-01T00:00:00Z',
    AssumeRolePolicyDocument: encodeURIComponent(JSON.stringify(trust)),
    RolePolicyList: [],
    AttachedManagedPolicies: [],
    InstanceProfileList: [],
    Tags: [],
    RoleLastUsed: {},
  });
  return json;
}

function iamRoles(json: SnapshotJson): Array<{ RoleName: string; AssumeRolePolicyDocument: unknown }> {
  const account = (
    json.accounts as Array<{
      accountId: string;
      iam: { roles: Array<{ RoleName: string; AssumeRolePolicyDocument: unknown }> };
    }>
  ).find((candidate) => candidate.accountId === ACCOUNT);
  return account?.iam.roles ?? [];
}

/** Replaces a role's trust policy in a scenario snapshot. */
function setTrust(json: SnapshotJson, name: string, trust: unknown): SnapshotJson {
  const role = iamRoles(json).find((candidate) => candidate.RoleName === name);
  if (!role) throw new Error(`no role ${name} in the scenario`);
  role.AssumeRolePolicyDocument = encodeURIComponent(JSON.stringify(trust));
  return json;
}

/** The associations of a service account on every cluster of a scenario snapshot. */
function associationsOf(json: SnapshotJson, serviceAccount: string): Array<{ disableSessionTags: boolean }> {
  const accounts = json.accounts as Array<{
    regions?: Array<{
      clusters: Array<{
        podIdentityAssociations: Array<{ serviceAccount: string; disableSessionTags: boolean }>;
      }>;
    }>;
  }>;
  return accounts.flatMap((account) =>
    (account.regions ?? []).flatMap((region) =>
      region.clusters.flatMap((cluster) =>
        cluster.podIdentityAssociations.filter(
          (association) => association.serviceAccount === serviceAccount,
        ),
      ),
    ),
  );
}
