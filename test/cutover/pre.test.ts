import { describe, expect, it } from 'vitest';
import { type CutoverResult, runCutover } from '../../shared/cutover/index.js';
import { InputError } from '../../shared/errors.js';
import {
  crossAccountTargetTrust,
  irsaWebIdentityEvent,
  oidcIdFor,
  podIdentityAssumeRoleEvent,
  podIdentityTrust,
} from '../support/snapshot-builder.js';
import {
  ACCOUNT,
  baseline,
  CAPTURED_AT,
  clusterArnOf,
  collectionErrorOn,
  irsaTrustOn,
  NEW,
  OLD,
  REGION,
  roleArn,
  type ScenarioOptions,
  scenario,
} from './scenario.js';

function pre(options: ScenarioOptions = {}, withBaseline = true): CutoverResult {
  return runCutover({
    inventory: scenario(options),
    ...(withBaseline ? { baseline: baseline() } : {}),
    cluster: 'prod',
    from: OLD,
    to: NEW,
    phase: 'pre',
  });
}

const ids = (result: CutoverResult) => [...new Set(result.findings.map((finding) => finding.checkId))].sort();

describe('pre-phase readiness', () => {
  it('says READY with no findings when NEW mirrors OLD', () => {
    // Prepare
    const result = pre();
    // Assess
    expect(result.verdict).toBe('READY');
    expect(result.findings).toEqual([]);
    expect(result.workloads.map((workload) => [workload.key, workload.status])).toEqual([
      [`irsa/system:serviceaccount:kube-system:external-dns/${roleArn('external-dns')}`, 'ready'],
      [`pod-identity/default/s3-reader/${roleArn('s3-reader')}`, 'ready'],
      [`pod-identity/kube-system/efs-csi-controller-sa/${roleArn('efs-csi')}`, 'ready'],
      [`pod-identity/payments/ledger/${roleArn('ledger-source')}`, 'ready'],
    ]);
    expect(result.plan.commands).toEqual([]);
    expect(result.plan.trustPolicies).toEqual([]);
  });

  it('lists declared, found-on-OLD and CloudTrail sources per workload', () => {
    const result = pre({
      events: [
        podIdentityAssumeRoleEvent({
          accountId: ACCOUNT,
          region: REGION,
          clusterName: OLD,
          namespace: 'default',
          serviceAccount: 's3-reader',
          roleArn: roleArn('s3-reader'),
          eventTime: '2026-11-20T10:00:00Z',
        }),
      ],
    });
    const s3 = result.workloads.find((workload) => workload.serviceAccount === 's3-reader');
    expect(s3?.sources).toEqual(['baseline', 'old-cluster', 'cloudtrail']);
    expect(s3?.declared).toBe(true);
    const efs = result.workloads.find((workload) => workload.serviceAccount === 'efs-csi-controller-sa');
    expect(efs).toMatchObject({ sources: ['old-cluster'], declared: false, addonName: 'aws-efs-csi-driver' });
  });

  it('works without a baseline from the clusters found in the snapshot', () => {
    const result = pre({ notReplicated: ['s3-reader'] }, false);
    expect(result.verdict).toBe('NOT_READY');
    expect(ids(result)).toEqual(['CUTOVER_ASSOCIATION_NOT_REPLICATED']);
    expect(result.plan.baseline.members).toEqual([OLD, NEW]);
  });

  describe('CUTOVER_ASSOCIATION_NOT_REPLICATED', () => {
    it('fires for an association missing on NEW, with the exact create command', () => {
      const result = pre({ notReplicated: ['ledger'] });
      expect(result.verdict).toBe('NOT_READY');
      expect(ids(result)).toEqual(['CUTOVER_ASSOCIATION_NOT_REPLICATED']);
      expect(result.plan.commands.map((command) => command.command)).toEqual([
        `aws eks create-pod-identity-association --cluster-name ${NEW} --namespace payments --service-account ledger --role-arn ${roleArn('ledger-source')} --target-role-arn arn:aws:iam::444455556666:role/ledger-writer --region ${REGION}`,
      ]);
      const ledger = result.workloads.find((workload) => workload.serviceAccount === 'ledger');
      expect(ledger?.status).toBe('blocked');
      expect(ledger?.blockers.map((blocker) => blocker.checkId)).toEqual([
        'CUTOVER_ASSOCIATION_NOT_REPLICATED',
      ]);
    });

    it('fires when the session-tag setting differs on NEW, with an update command', () => {
      const result = pre({ differOnNew: { 's3-reader': { disableSessionTags: true } } });
      expect(ids(result)).toEqual(['CUTOVER_ASSOCIATION_NOT_REPLICATED']);
      expect(result.findings[0].message).toContain('session tags disabled instead of enabled');
      expect(result.plan.commands[0].command).toMatch(
        /^aws eks update-pod-identity-association --cluster-name prod-green --association-id a-\w+ --role-arn arn:aws:iam::111122223333:role\/s3-reader --no-disable-session-tags/,
      );
    });

    it('fires when the role differs on NEW', () => {
      const result = pre({ differOnNew: { 's3-reader': { roleName: 'ledger-source' } } });
      expect(ids(result)).toEqual(['CUTOVER_ASSOCIATION_NOT_REPLICATED']);
      expect(result.findings[0].message).toContain(
        `role ${roleArn('ledger-source')} instead of ${roleArn('s3-reader')}`,
      );
    });

    it('plans add-on-owned associations through the add-on', () => {
      const result = pre({ addonNotReplicated: true });
      expect(ids(result)).toEqual(['CUTOVER_ASSOCIATION_NOT_REPLICATED']);
      const command = `aws eks update-addon --cluster-name ${NEW} --addon-name aws-efs-csi-driver --pod-identity-associations serviceAccount=efs-csi-controller-sa,roleArn=${roleArn('efs-csi')} --region ${REGION}`;
      expect(result.plan.commands.map((entry) => entry.command)).toEqual([command]);
      expect(result.findings[0].remediation).toBe(command);
      expect(
        result.plan.commands.some((entry) => entry.command.includes('create-pod-identity-association')),
      ).toBe(false);
    });

    it('plans create-addon when NEW lacks the owning add-on', () => {
      const result = pre({ addonNotReplicated: true });
      const withoutAddon = runCutover({
        inventory: scenario({ addonNotReplicated: true, newWithoutEfsAddon: true }),
        cluster: 'prod',
        from: OLD,
        to: NEW,
        phase: 'pre',
      });
      expect(result.plan.commands[0].command).toContain('aws eks update-addon');
      expect(withoutAddon.plan.commands[0].command).toContain(
        `aws eks create-addon --cluster-name ${NEW} --addon-name aws-efs-csi-driver --pod-identity-associations`,
      );
    });

    it('does not block for an identity seen only in CloudTrail that OLD no longer has', () => {
      const result = pre({
        events: [
          podIdentityAssumeRoleEvent({
            accountId: ACCOUNT,
            region: REGION,
            clusterName: OLD,
            namespace: 'batch',
            serviceAccount: 'nightly-export',
            roleArn: roleArn('s3-reader'),
            eventTime: '2026-11-02T03:00:00Z',
          }),
        ],
      });
      expect(result.verdict).toBe('READY');
      expect(result.findings).toMatchObject([
        { checkId: 'CUTOVER_ASSOCIATION_NOT_REPLICATED', blocking: false, severity: 'LOW' },
      ]);
      expect(result.plan.commands).toEqual([]);
    });
  });

  describe('CUTOVER_IRSA_TRUST_NOT_EXTENDED', () => {
    it("fires when the role trusts only OLD's issuer, and plans the extended trust", () => {
      const result = pre({ externalDnsTrust: irsaTrustOn([OLD]) });
      expect(ids(result)).toEqual(['CUTOVER_IRSA_TRUST_NOT_EXTENDED']);
      expect(result.plan.trustPolicies).toHaveLength(1);
      expect(result.plan.commands.map((command) => command.command)).toEqual([
        'aws iam update-assume-role-policy --role-name external-dns --policy-document file://external-dns-trust-policy.json',
      ]);
    });

    it('does not fire when the trust names NEW by a subject pattern', () => {
      const trust = {
        Version: '2012-10-17',
        Statement: [
          ...irsaTrustOn([OLD]).Statement,
          ...irsaTrustOn([NEW], 'system:serviceaccount:kube-system:*').Statement.map((statement) => ({
            ...statement,
            Condition: {
              StringEquals: {
                [`oidc.eks.${REGION}.amazonaws.com/id/${oidcIdFor(NEW)}:aud`]: 'sts.amazonaws.com',
              },
              StringLike: {
                [`oidc.eks.${REGION}.amazonaws.com/id/${oidcIdFor(NEW)}:sub`]:
                  'system:serviceaccount:kube-system:*',
              },
            },
          })),
        ],
      };
      expect(pre({ externalDnsTrust: trust }).findings).toEqual([]);
    });

    it('counts an undeclared subject that CloudTrail saw on OLD', () => {
      const result = pre({
        events: [
          irsaWebIdentityEvent({
            accountId: ACCOUNT,
            region: REGION,
            oidcId: oidcIdFor(OLD),
            namespace: 'kube-system',
            serviceAccount: 'cluster-autoscaler',
            roleArn: roleArn('external-dns'),
            eventTime: '2026-11-25T00:00:00Z',
          }),
        ],
        externalDnsTrust: irsaTrustOn([OLD, NEW], ['system:serviceaccount:kube-system:external-dns']),
      });
      // CloudTrail saw it on OLD, but OLD's trust no longer grants it: listed, not blocking.
      expect(result.findings).toMatchObject([
        { checkId: 'CUTOVER_IRSA_TRUST_NOT_EXTENDED', blocking: false },
      ]);
    });

    it('plans no trust for a subject that only CloudTrail saw on OLD', () => {
      const result = pre({
        events: [
          irsaWebIdentityEvent({
            accountId: ACCOUNT,
            region: REGION,
            oidcId: oidcIdFor(OLD),
            namespace: 'kube-system',
            serviceAccount: 'cluster-autoscaler',
            roleArn: roleArn('external-dns'),
            eventTime: '2026-11-25T00:00:00Z',
          }),
        ],
        externalDnsTrust: irsaTrustOn([OLD, NEW], ['system:serviceaccount:kube-system:external-dns']),
      });
      // OLD's trust does not grant it today, so a NEW statement for it would widen the trust.
      expect(result.plan.trustPolicies).toEqual([]);
      expect(result.plan.commands).toEqual([]);
    });

    it('still plans the trust of the subjects OLD grants beside one only CloudTrail saw', () => {
      const result = pre({
        events: [
          irsaWebIdentityEvent({
            accountId: ACCOUNT,
            region: REGION,
            oidcId: oidcIdFor(OLD),
            namespace: 'kube-system',
            serviceAccount: 'cluster-autoscaler',
            roleArn: roleArn('external-dns'),
            eventTime: '2026-11-25T00:00:00Z',
          }),
        ],
        externalDnsTrust: irsaTrustOn([OLD], ['system:serviceaccount:kube-system:external-dns']),
      });
      expect(result.plan.trustPolicies).toHaveLength(1);
      const policy = JSON.stringify(result.plan.trustPolicies[0].policy);
      expect(policy).toContain('system:serviceaccount:kube-system:external-dns');
      expect(policy).not.toContain('cluster-autoscaler');
    });
  });

  describe('CUTOVER_OIDC_PROVIDER_MISSING', () => {
    it("fires when NEW's issuer has no IAM OIDC provider, with the create command", () => {
      const result = pre({ providers: [OLD] });
      expect(ids(result)).toEqual(['CUTOVER_OIDC_PROVIDER_MISSING']);
      expect(result.plan.commands.map((command) => command.command)).toEqual([
        `aws iam create-open-id-connect-provider --url https://oidc.eks.${REGION}.amazonaws.com/id/${oidcIdFor(NEW)} --client-id-list sts.amazonaws.com`,
      ]);
    });

    it("does not fire when only OLD's provider is missing", () => {
      expect(pre({ providers: [NEW] }).findings).toEqual([]);
    });
  });

  describe('CUTOVER_AGENT_MISSING', () => {
    it('fires when NEW has no agent add-on', () => {
      const result = pre({ noAgentOnNew: true });
      expect(ids(result)).toEqual(['CUTOVER_AGENT_MISSING']);
      expect(result.findings[0].workloads).toHaveLength(3);
      expect(result.plan.commands[0].command).toBe(
        `aws eks create-addon --cluster-name ${NEW} --addon-name eks-pod-identity-agent --region ${REGION}`,
      );
    });

    it('does not block when only workloads CloudTrail saw on OLD, and OLD no longer has, use Pod Identity', () => {
      const result = pre(
        {
          noAgentOnNew: true,
          oldEmptied: true,
          events: [
            podIdentityAssumeRoleEvent({
              accountId: ACCOUNT,
              region: REGION,
              clusterName: OLD,
              namespace: 'batch',
              serviceAccount: 'nightly-export',
              roleArn: roleArn('s3-reader'),
              eventTime: '2026-11-02T03:00:00Z',
            }),
          ],
        },
        false,
      );
      expect(result.verdict).toBe('READY');
      expect(result.findings.find((finding) => finding.checkId === 'CUTOVER_AGENT_MISSING')).toMatchObject({
        blocking: false,
        severity: 'LOW',
      });
    });

    it('does not fire for an Auto Mode NEW without the add-on', () => {
      expect(pre({ noAgentOnNew: true, newAutoMode: true }).findings).toEqual([]);
    });
  });

  describe('CUTOVER_NODE_ROLE_MISSING_PERMISSION', () => {
    it("fires when NEW's node role lacks eks-auth:AssumeRoleForPodIdentity", () => {
      const result = pre({ newNodeRoleWithoutPermission: true });
      expect(ids(result)).toEqual(['CUTOVER_NODE_ROLE_MISSING_PERMISSION']);
      expect(result.plan.commands[0].command).toBe(
        'aws iam attach-role-policy --role-name prod-green-node --policy-arn arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
      );
    });

    it('does not fire when NEW has no associations yet but its node role is fine', () => {
      const result = pre({ notReplicated: ['s3-reader', 'ledger'], addonNotReplicated: true });
      expect(ids(result)).toEqual(['CUTOVER_ASSOCIATION_NOT_REPLICATED']);
    });

    it('stays undecided when the managed policy document is missing', () => {
      const result = pre({ newNodeRolePolicyDocumentMissing: true });
      expect(result.findings).toEqual([]);
      expect(result.undecided.map((entry) => entry.checkId)).toContain(
        'CUTOVER_NODE_ROLE_MISSING_PERMISSION',
      );
      expect(result.workloads.find((workload) => workload.serviceAccount === 's3-reader')?.status).toBe(
        'unknown',
      );
    });
  });

  describe('CUTOVER_TRUST_PINNED_TO_OLD_CLUSTER', () => {
    it("fires when the role's trust names OLD's cluster name", () => {
      const result = pre({
        s3ReaderTrust: podIdentityTrust({
          conditions: { StringEquals: { 'aws:RequestTag/eks-cluster-name': OLD } },
        }),
      });
      expect(ids(result)).toEqual(['CUTOVER_TRUST_PINNED_TO_OLD_CLUSTER']);
      expect(result.findings[0].evidence.pins).toEqual([
        `trust policy Statement[0] (Sid AllowEksAuthToAssumeRoleForPodIdentity): StringEquals aws:RequestTag/eks-cluster-name ["${OLD}"]`,
      ]);
    });

    it("fires when aws:SourceArn names OLD's ARN", () => {
      const result = pre({
        s3ReaderTrust: podIdentityTrust({
          conditions: { ArnEquals: { 'aws:SourceArn': clusterArnOf(OLD) } },
        }),
      });
      expect(ids(result)).toEqual(['CUTOVER_TRUST_PINNED_TO_OLD_CLUSTER']);
    });

    it('does not fire when the condition lists both clusters', () => {
      const result = pre({
        s3ReaderTrust: podIdentityTrust({
          conditions: { StringEquals: { 'aws:RequestTag/eks-cluster-name': [OLD, NEW] } },
        }),
      });
      expect(result.findings).toEqual([]);
    });

    it('fires for ABAC permission policies that name OLD in aws:PrincipalTag/eks-cluster-name', () => {
      const result = pre({
        s3ReaderPolicies: {
          'read-own-prefix': {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 's3:GetObject',
                Resource: 'arn:aws:s3:::data/*',
                Condition: { StringEquals: { 'aws:PrincipalTag/eks-cluster-name': OLD } },
              },
            ],
          },
        },
      });
      expect(ids(result)).toEqual(['CUTOVER_TRUST_PINNED_TO_OLD_CLUSTER']);
      expect(result.findings[0].evidence.where).toBe('permission policies');
    });

    it('does not fire for ABAC on a cluster-name pattern that covers NEW', () => {
      const result = pre({
        s3ReaderPolicies: {
          prod: {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 's3:GetObject',
                Resource: '*',
                Condition: { StringLike: { 'aws:PrincipalTag/eks-cluster-name': 'prod-*' } },
              },
            ],
          },
        },
      });
      expect(result.findings).toEqual([]);
    });
  });

  describe('CUTOVER_TARGET_ROLE_PINNED_TO_OLD_CLUSTER', () => {
    it("fires when the target role's external id names OLD", () => {
      const result = pre({
        ledgerWriterTrust: crossAccountTargetTrust({
          sourceAccountId: ACCOUNT,
          associationRoleArn: roleArn('ledger-source'),
          conditions: {
            StringEquals: { 'aws:RequestTag/eks-cluster-name': OLD },
          },
        }),
      });
      expect(ids(result)).toEqual(['CUTOVER_TARGET_ROLE_PINNED_TO_OLD_CLUSTER']);
      expect(result.findings[0].accountId).toBe('444455556666');
    });

    it('fires when the target trust requires the external id of OLD', () => {
      const result = pre({
        ledgerWriterTrust: crossAccountTargetTrust({
          sourceAccountId: ACCOUNT,
          associationRoleArn: roleArn('ledger-source'),
          externalId: `${REGION}/${ACCOUNT}/${OLD}/payments/ledger`,
        }),
      });
      // The builder gives associations with a target role an EKS-generated external id; name OLD's.
      const withExplicit = runCutover({
        inventory: scenario({
          ledgerWriterTrust: crossAccountTargetTrust({
            sourceAccountId: ACCOUNT,
            associationRoleArn: roleArn('ledger-source'),
            externalId: `${REGION}/${ACCOUNT}/${OLD}/payments/ledger`,
          }),
          ledgerExternalIds: {
            [OLD]: `${REGION}/${ACCOUNT}/${OLD}/payments/ledger`,
            [NEW]: `${REGION}/${ACCOUNT}/${NEW}/payments/ledger`,
          },
        }),
        cluster: 'prod',
        from: OLD,
        to: NEW,
        phase: 'pre',
      });
      expect(ids(withExplicit)).toEqual(['CUTOVER_TARGET_ROLE_PINNED_TO_OLD_CLUSTER']);
      expect(withExplicit.findings[0].evidence.pins).toEqual([
        `trust policy Statement[0]: StringEquals sts:ExternalId ["${REGION}/${ACCOUNT}/${OLD}/payments/ledger"]`,
      ]);
      // Without matching external ids on OLD, the trust is already broken there: not a cutover finding.
      expect(ids(result)).toEqual([]);
    });

    it('does not fire when the target trust pins only the association role', () => {
      expect(pre().findings).toEqual([]);
    });
  });

  describe('CUTOVER_FARGATE_INCOMPATIBLE', () => {
    it('fires when NEW runs a Pod Identity namespace on Fargate and OLD did not', () => {
      const result = pre({ fargate: { [NEW]: [{ namespace: 'payments' }] } });
      expect(ids(result)).toEqual(['CUTOVER_FARGATE_INCOMPATIBLE']);
      expect(result.findings[0]).toMatchObject({ severity: 'HIGH', blocking: true });
    });

    it('is MEDIUM when only labelled pods go to Fargate', () => {
      const result = pre({ fargate: { [NEW]: [{ namespace: 'pay*', labels: { compute: 'fargate' } }] } });
      expect(result.findings).toMatchObject([
        { checkId: 'CUTOVER_FARGATE_INCOMPATIBLE', severity: 'MEDIUM' },
      ]);
    });

    it('does not fire when OLD ran the namespace on Fargate as well', () => {
      const result = pre({
        fargate: { [NEW]: [{ namespace: 'payments' }], [OLD]: [{ namespace: 'payments' }] },
      });
      expect(result.findings).toEqual([]);
    });

    it('does not fire for an IRSA-only namespace on Fargate', () => {
      expect(pre({ fargate: { [NEW]: [{ namespace: 'monitoring' }] } }).findings).toEqual([]);
    });
  });

  describe('CUTOVER_COLLECTION_INCOMPLETE', () => {
    it('is NOT_READY when NEW was not fully collected', () => {
      const result = pre({
        extra: { [NEW]: (cluster) => cluster.error(collectionErrorOn('ListPodIdentityAssociations')) },
      });
      expect(result.verdict).toBe('NOT_READY');
      expect(ids(result)).toContain('CUTOVER_COLLECTION_INCOMPLETE');
    });
  });

  describe('unknown clusters', () => {
    it('rejects a logical cluster the baseline does not declare', () => {
      expect(() =>
        runCutover({
          inventory: scenario(),
          baseline: baseline(),
          cluster: 'staging',
          from: OLD,
          to: NEW,
          phase: 'pre',
        }),
      ).toThrow(
        new InputError('unknown logical cluster "staging": the baseline baseline.yaml declares prod'),
      );
    });

    it('rejects an unknown NEW and, in pre, an unknown OLD', () => {
      const inventory = scenario();
      expect(() =>
        runCutover({ inventory, cluster: 'prod', from: OLD, to: 'prod-red', phase: 'pre' }),
      ).toThrow(/unknown cluster "prod-red" \(--to\)/);
      expect(() =>
        runCutover({ inventory, cluster: 'prod', from: 'prod-red', to: NEW, phase: 'pre' }),
      ).toThrow(/unknown cluster "prod-red" \(--from\)/);
    });
  });

  it('is deterministic', () => {
    const options: ScenarioOptions = { notReplicated: ['ledger'], externalDnsTrust: irsaTrustOn([OLD]) };
    expect(JSON.stringify(pre(options))).toBe(JSON.stringify(pre(options)));
    expect(pre(options).capturedAt).toBe(CAPTURED_AT);
  });
});
