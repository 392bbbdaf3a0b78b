import type { AwsSecurityFinding } from '@aws-sdk/client-securityhub';
import type { CheckMeta } from '../model/check.js';
import type { Finding } from '../model/finding.js';
import { ACCOUNT_ID_PATTERN, eksClusterArn } from '../model/identity.js';
import { cleanText, MAX_IDENTIFIER_LENGTH, truncate } from '../report/escape.js';
import { fillPlaceholders } from '../report/remediation.js';

/** ASFF limits this module keeps to (Security Hub rejects or truncates beyond them). */
export const ASFF_LIMITS = {
  title: 256,
  description: 1024,
  recommendationText: 512,
  resources: 32,
  productFields: 50,
  productFieldKey: 128,
  productFieldValue: 2048,
  /** `Details.Other`: keys fewer than 128 characters, values fewer than 1,024. */
  detailsOtherKey: 127,
  detailsOtherValue: 1023,
  /** A resource id is cut here (every ARN AWS issues is shorter). */
  resourceId: MAX_IDENTIFIER_LENGTH,
  /** BatchImportFindings rejects a finding larger than 240 KB. */
  findingBytes: 240 * 1024,
} as const;

/** The finding fields the mapping reads: a report finding, or one kept in the run record. */
export type AsffSource = Omit<Finding, 'evidence'>;

/** Where a finding stands in this run, which decides its record state and compliance status. */
export type AsffState = 'active' | 'resolved' | 'suppressed';

export interface AsffContext {
  /** The account that imports the finding (the caller of BatchImportFindings). */
  awsAccountId: string;
  /** The Security Hub region the finding is imported into. */
  region: string;
  partition?: string;
  runId: string;
  /** First seen (kept across runs). */
  createdAt: string;
  /** This import's time: strictly newer than the previous import of the same finding. */
  updatedAt: string;
  state: AsffState;
  /** Metadata of the finding's check: category, remediation link. */
  check?: Pick<CheckMeta, 'id' | 'category' | 'docsUrl' | 'remediation'>;
  /** Link to the stored report (console URL), shown as the finding's source. */
  reportUrl?: string;
}

const FIELD_PREFIX = 'eksIdentityAudit';

const BEST_PRACTICES = 'Software and Configuration Checks/AWS Security Best Practices';

/** Checks whose findings describe trust that lets more workloads in than intended. */
const OVERLY_PERMISSIVE = new Set([
  'IRSA_NO_SUBJECT_CONDITION',
  'IRSA_SUBJECT_WILDCARD',
  'IRSA_NO_AUDIENCE_CONDITION',
  'PI_TRUST_UNSCOPED',
  'IRSA_BINDING_UNDECLARED',
  'PI_ASSOCIATION_UNDECLARED',
]);

/** Checks whose findings come from observed activity rather than configuration. */
const OBSERVED_BEHAVIOUR = new Set(['UNDECLARED_USAGE', 'PI_ASSUME_DENIED']);

/** ASFF `Types` of a check: best practices, plus the effect or behaviour where one fits. */
export function asffTypes(checkId: string): string[] {
  const types = [BEST_PRACTICES];
  if (OVERLY_PERMISSIVE.has(checkId)) types.push('Effects/Data Exposure');
  if (OBSERVED_BEHAVIOUR.has(checkId)) types.push('Unusual Behaviors/Application');
  return types;
}

/** `arn:aws:securityhub:R:A:product/A/default`: the account's own custom-integration product. */
export function defaultProductArn(region: string, accountId: string, partition = 'aws'): string {
  return `arn:${partition}:securityhub:${region}:${accountId}:product/${accountId}/default`;
}

/**
 * Maps a finding to the AWS Security Finding Format. Pure. Every length limit is kept by
 * truncation; {@link validateAsff} checks the result.
 *
 * @example toAsff(finding, { awsAccountId: '999988887777', region: 'us-east-1', runId, createdAt, updatedAt, state: 'active' })
 */
export function toAsff(finding: AsffSource, context: AsffContext): AwsSecurityFinding {
  const partition = context.partition ?? 'aws';
  const severity = { Label: finding.severity, Original: finding.severity };
  const types = asffTypes(finding.checkId);
  const asff: AwsSecurityFinding = {
    SchemaVersion: '2018-10-08',
    Id: finding.id,
    ProductArn: defaultProductArn(context.region, context.awsAccountId, partition),
    GeneratorId: finding.checkId,
    AwsAccountId: context.awsAccountId,
    Types: types,
    CreatedAt: context.createdAt,
    UpdatedAt: context.updatedAt,
    Severity: severity,
    Title: cleanText(finding.title, ASFF_LIMITS.title),
    Description: cleanText(finding.message || finding.title, ASFF_LIMITS.description),
    Remediation: {
      Recommendation: {
        // Placeholders of the catalogue's command are filled with what the finding knows.
        Text: cleanText(
          fillPlaceholders(finding.remediation || context.check?.remediation || '', finding) || finding.title,
          ASFF_LIMITS.recommendationText,
        ),
        ...(context.check?.docsUrl && isHttpsUrl(context.check.docsUrl)
          ? { Url: context.check.docsUrl }
          : {}),
      },
    },
    ProductFields: productFields(finding, context),
    Resources: resources(finding, context.region, partition),
    Compliance: { Status: context.state === 'resolved' ? 'PASSED' : 'FAILED' },
    RecordState: context.state === 'active' ? 'ACTIVE' : 'ARCHIVED',
    FindingProviderFields: { Severity: severity, Types: types },
    ...(context.reportUrl && isHttpsUrl(context.reportUrl) ? { SourceUrl: context.reportUrl } : {}),
  };
  // `Region` is left to Security Hub (the import region); the member region is in Resources.
  return asff;
}

function isHttpsUrl(text: string): boolean {
  return /^https:\/\/[^\s]+$/.test(text);
}

function productFields(finding: AsffSource, context: AsffContext): Record<string, string> {
  const fields: Array<[string, string | undefined]> = [
    ['CheckId', finding.checkId],
    ['Category', context.check?.category],
    ['RunId', context.runId],
    ['MemberAccountId', finding.accountId],
    ['Region', finding.region],
    ['Cluster', finding.cluster],
    ['ResourceType', finding.resource.type],
    ['ResourceId', finding.resource.id],
    ['State', context.state],
    ['Suppressed', finding.suppressed ? 'true' : undefined],
    // Providers cannot change Note or Workflow after creation, so the reason travels here.
    [
      'SuppressionReason',
      context.state === 'suppressed' ? (finding.suppressionReason ?? 'baseline exception') : undefined,
    ],
    [
      'BaselineLocation',
      finding.baselineLocation
        ? `${finding.baselineLocation.file}:${finding.baselineLocation.line}:${finding.baselineLocation.column}`
        : undefined,
    ],
  ];
  const result: Record<string, string> = {};
  for (const [name, value] of fields) {
    if (value === undefined || value === '') continue;
    result[`${FIELD_PREFIX}/${name}`] = cleanText(value, ASFF_LIMITS.productFieldValue);
  }
  return result;
}

type AsffResource = NonNullable<AwsSecurityFinding['Resources']>[number];

function resources(finding: AsffSource, importRegion: string, partition: string): AsffResource[] {
  const region = finding.region ?? importRegion;
  const details = (extra: Record<string, string | undefined>): Record<string, string> => {
    const other: Record<string, string> = {};
    for (const [key, value] of Object.entries({ memberAccountId: finding.accountId, ...extra })) {
      if (value !== undefined && value !== '') other[key] = cleanText(value, ASFF_LIMITS.detailsOtherValue);
    }
    return other;
  };
  const primaryType =
    finding.resource.type === 'AwsIamRole' || finding.resource.type === 'AwsEksCluster'
      ? finding.resource.type
      : 'Other';
  const list: AsffResource[] = [
    {
      Type: primaryType,
      Id: truncate(finding.resource.id || finding.id, ASFF_LIMITS.resourceId),
      Partition: partition as AsffResource['Partition'],
      Region: region,
      Details: {
        Other: details({
          resourceType: finding.resource.type,
          cluster: finding.cluster,
          region: finding.region,
        }),
      },
    },
  ];
  // The cluster is named as a resource of its own, so Security Hub filters by cluster find the finding.
  if (
    finding.cluster !== undefined &&
    finding.region !== undefined &&
    finding.resource.type !== 'AwsEksCluster'
  ) {
    const clusterArn = truncate(
      eksClusterArn(finding.accountId, finding.region, finding.cluster, partition),
      ASFF_LIMITS.resourceId,
    );
    if (clusterArn !== list[0].Id) {
      list.push({
        Type: 'AwsEksCluster',
        Id: clusterArn,
        Partition: partition as AsffResource['Partition'],
        Region: finding.region,
        Details: { Other: details({ clusterName: finding.cluster }) },
      });
    }
  }
  return list.slice(0, ASFF_LIMITS.resources);
}

/**
 * Problems that would make Security Hub reject or truncate the finding: missing required fields and
 * exceeded limits. Empty when the finding is valid.
 */
export function validateAsff(finding: AwsSecurityFinding): string[] {
  const problems: string[] = [];
  const required = [
    'SchemaVersion',
    'Id',
    'ProductArn',
    'GeneratorId',
    'AwsAccountId',
    'Types',
    'CreatedAt',
    'UpdatedAt',
    'Severity',
    'Title',
    'Description',
    'Resources',
  ] as const;
  for (const field of required) {
    if (finding[field] === undefined || finding[field] === '') problems.push(`${field} is required`);
  }
  if (finding.SchemaVersion !== undefined && finding.SchemaVersion !== '2018-10-08') {
    problems.push('SchemaVersion must be 2018-10-08');
  }
  if (finding.AwsAccountId !== undefined && !ACCOUNT_ID_PATTERN.test(finding.AwsAccountId)) {
    problems.push('AwsAccountId must be 12 digits');
  }
  for (const field of ['CreatedAt', 'UpdatedAt'] as const) {
    const value = finding[field];
    if (value !== undefined && Number.isNaN(Date.parse(value)))
      problems.push(`${field} must be an ISO 8601 date-time`);
  }
  if ((finding.Title?.length ?? 0) > ASFF_LIMITS.title)
    problems.push(`Title exceeds ${ASFF_LIMITS.title} characters`);
  if ((finding.Description?.length ?? 0) > ASFF_LIMITS.description) {
    problems.push(`Description exceeds ${ASFF_LIMITS.description} characters`);
  }
  const text = finding.Remediation?.Recommendation?.Text;
  if ((text?.length ?? 0) > ASFF_LIMITS.recommendationText) {
    problems.push(`Remediation.Recommendation.Text exceeds ${ASFF_LIMITS.recommendationText} characters`);
  }
  const resourceCount = finding.Resources?.length ?? 0;
  if (resourceCount === 0 || resourceCount > ASFF_LIMITS.resources) {
    problems.push(`Resources must hold 1 to ${ASFF_LIMITS.resources} items`);
  }
  for (const [index, resource] of (finding.Resources ?? []).entries()) {
    if ((resource.Id?.length ?? 0) > ASFF_LIMITS.resourceId)
      problems.push(`Resources[${index}].Id exceeds ${ASFF_LIMITS.resourceId} characters`);
    for (const [key, value] of Object.entries(resource.Details?.Other ?? {})) {
      if (key.length > ASFF_LIMITS.detailsOtherKey)
        problems.push(`Resources[${index}].Details.Other key ${key} is too long`);
      if (value.length > ASFF_LIMITS.detailsOtherValue)
        problems.push(
          `Resources[${index}].Details.Other.${key} exceeds ${ASFF_LIMITS.detailsOtherValue} characters`,
        );
    }
  }
  const fields = Object.entries(finding.ProductFields ?? {});
  if (fields.length > ASFF_LIMITS.productFields)
    problems.push(`ProductFields exceeds ${ASFF_LIMITS.productFields} fields`);
  for (const [key, value] of fields) {
    if (key.length > ASFF_LIMITS.productFieldKey) problems.push(`ProductFields key ${key} is too long`);
    if (value.length > ASFF_LIMITS.productFieldValue)
      problems.push(`ProductFields.${key} exceeds ${ASFF_LIMITS.productFieldValue} characters`);
  }
  if (Buffer.byteLength(JSON.stringify(finding)) > ASFF_LIMITS.findingBytes)
    problems.push('finding exceeds 240 KB');
  return problems;
}
