import { describe, expect, it } from 'vitest';
import {
  ASFF_LIMITS,
  asffTypes,
  defaultProductArn,
  toAsff,
  validateAsff,
} from '../../shared/publish/asff.js';
import { AUDIT_ACCOUNT, CHECK_META, finding, MEMBER_ACCOUNT, REGION } from './support.js';

const check = CHECK_META.find((meta) => meta.id === 'IRSA_SUBJECT_WILDCARD');
const context = {
  awsAccountId: AUDIT_ACCOUNT,
  region: REGION,
  runId: 'run-2',
  createdAt: '2026-11-28T02:05:00.000Z',
  updatedAt: '2026-11-29T02:05:00.000Z',
  state: 'active' as const,
  check,
};

describe('toAsff', () => {
  it('maps a finding to valid ASFF owned by the importing account, naming the member account', () => {
    // Prepare
    const subject = finding();
    // Act
    const asff = toAsff(subject, context);
    // Assess
    expect(validateAsff(asff)).toEqual([]);
    expect(asff).toMatchObject({
      SchemaVersion: '2018-10-08',
      Id: subject.id,
      ProductArn: `arn:aws:securityhub:${REGION}:${AUDIT_ACCOUNT}:product/${AUDIT_ACCOUNT}/default`,
      GeneratorId: 'IRSA_SUBJECT_WILDCARD',
      AwsAccountId: AUDIT_ACCOUNT,
      CreatedAt: context.createdAt,
      UpdatedAt: context.updatedAt,
      Severity: { Label: 'HIGH', Original: 'HIGH' },
      Compliance: { Status: 'FAILED' },
      RecordState: 'ACTIVE',
      FindingProviderFields: { Severity: { Label: 'HIGH' } },
      Remediation: { Recommendation: { Text: subject.remediation, Url: check?.docsUrl } },
    });
    expect(asff.Resources?.[0]).toMatchObject({
      Type: 'AwsIamRole',
      Id: subject.resource.id,
      Partition: 'aws',
      Region: REGION,
      Details: { Other: { memberAccountId: MEMBER_ACCOUNT, cluster: 'prod-blue' } },
    });
    expect(asff.Resources?.[1]).toMatchObject({
      Type: 'AwsEksCluster',
      Id: `arn:aws:eks:${REGION}:${MEMBER_ACCOUNT}:cluster/prod-blue`,
    });
    expect(asff.ProductFields).toMatchObject({
      'eksIdentityAudit/CheckId': 'IRSA_SUBJECT_WILDCARD',
      'eksIdentityAudit/Category': 'trust',
      'eksIdentityAudit/RunId': 'run-2',
      'eksIdentityAudit/MemberAccountId': MEMBER_ACCOUNT,
      'eksIdentityAudit/Cluster': 'prod-blue',
    });
  });

  it('archives a resolved finding as PASSED and a suppressed one with its reason', () => {
    const resolved = toAsff(finding(), { ...context, state: 'resolved' });
    expect(resolved).toMatchObject({ RecordState: 'ARCHIVED', Compliance: { Status: 'PASSED' } });

    const suppressed = toAsff(
      finding({ suppressed: true, suppressionReason: 'crossplane names change per revision' }),
      {
        ...context,
        state: 'suppressed',
      },
    );
    expect(suppressed.RecordState).toBe('ARCHIVED');
    expect(suppressed.Compliance?.Status).toBe('FAILED');
    expect(suppressed.ProductFields?.['eksIdentityAudit/SuppressionReason']).toBe(
      'crossplane names change per revision',
    );
    expect(suppressed).not.toHaveProperty('Note');
    expect(suppressed).not.toHaveProperty('Workflow');
  });

  it('keeps every length limit when AWS text is very long', () => {
    const long = 'x'.repeat(5000);
    const asff = toAsff(
      finding({
        title: long,
        message: long,
        remediation: long,
        resource: { type: 'WorkloadIdentity', id: long },
      }),
      context,
    );
    expect(validateAsff(asff)).toEqual([]);
    expect(asff.Title?.length).toBe(ASFF_LIMITS.title);
    expect(asff.Description?.length).toBe(ASFF_LIMITS.description);
    expect(asff.Remediation?.Recommendation?.Text?.length).toBe(ASFF_LIMITS.recommendationText);
    expect(asff.Resources?.[0].Type).toBe('Other');
    for (const value of Object.values(asff.ProductFields ?? {}))
      expect(value.length).toBeLessThanOrEqual(2048);
  });

  it('uses the Other resource type for associations and workload identities', () => {
    const association = finding({
      checkId: 'PI_TRUST_MISSING',
      resource: {
        type: 'AwsEksPodIdentityAssociation',
        id: `arn:aws:eks:${REGION}:${MEMBER_ACCOUNT}:podidentityassociation/prod-blue/a-abc`,
      },
    });
    const asff = toAsff(association, context);
    expect(asff.Resources?.[0]).toMatchObject({
      Type: 'Other',
      Details: { Other: { resourceType: 'AwsEksPodIdentityAssociation' } },
    });
  });

  it('does not name the cluster twice when the finding is about the cluster', () => {
    const clusterArn = `arn:aws:eks:${REGION}:${MEMBER_ACCOUNT}:cluster/prod-blue`;
    const asff = toAsff(
      finding({ checkId: 'PI_AGENT_MISSING', resource: { type: 'AwsEksCluster', id: clusterArn } }),
      context,
    );
    expect(asff.Resources).toHaveLength(1);
    expect(asff.Resources?.[0]).toMatchObject({ Type: 'AwsEksCluster', Id: clusterArn });
  });
});

describe('asffTypes', () => {
  it('adds the data-exposure effect to over-permissive trust, not to a missing agent', () => {
    expect(asffTypes('IRSA_NO_SUBJECT_CONDITION')).toContain('Effects/Data Exposure');
    expect(asffTypes('PI_AGENT_MISSING')).toEqual([
      'Software and Configuration Checks/AWS Security Best Practices',
    ]);
  });
});

describe('validateAsff', () => {
  it('reports a missing field, a wrong schema version and a bad account id', () => {
    const asff = toAsff(finding(), context);
    const broken = { ...asff, SchemaVersion: '2020-01-01', AwsAccountId: '1234', Title: undefined };
    expect(validateAsff(broken)).toEqual(
      expect.arrayContaining([
        'Title is required',
        'SchemaVersion must be 2018-10-08',
        'AwsAccountId must be 12 digits',
      ]),
    );
  });

  it('names the default product of the importing account', () => {
    expect(defaultProductArn('eu-west-1', MEMBER_ACCOUNT)).toBe(
      `arn:aws:securityhub:eu-west-1:${MEMBER_ACCOUNT}:product/${MEMBER_ACCOUNT}/default`,
    );
  });

  it("fills the remediation's placeholders with what the finding knows", () => {
    const agent = finding({
      checkId: 'PI_AGENT_MISSING',
      resource: { type: 'AwsEksCluster', id: `arn:aws:eks:${REGION}:${MEMBER_ACCOUNT}:cluster/prod-blue` },
      remediation: '',
    });
    const asff = toAsff(agent, {
      ...context,
      check: CHECK_META.find((meta) => meta.id === 'PI_AGENT_MISSING'),
    });
    expect(asff.Remediation?.Recommendation?.Text).toBe(
      `Install the add-on: \`aws eks create-addon --cluster-name prod-blue --addon-name eks-pod-identity-agent --region ${REGION}\`.`,
    );
  });
});
