import { compareText } from '../../shared/model/compare.js';
import type { RawRequest, RequestContext, ServiceModule } from '../context.js';
import { jsonBody } from '../context.js';
import { AwsError, decodeToken, encodeToken, jsonResponse } from '../wire.js';

type Finding = Record<string, unknown>;

/** Largest finding BatchImportFindings accepts (240 KB). */
const MAX_FINDING_BYTES = 240 * 1024;

const REQUIRED_FIELDS = [
  'SchemaVersion',
  'Id',
  'ProductArn',
  'GeneratorId',
  'AwsAccountId',
  'CreatedAt',
  'UpdatedAt',
  'Title',
  'Description',
  'Resources',
] as const;

/** Fields BatchImportFindings keeps from the stored finding: providers cannot change them after creation. */
const CUSTOMER_OWNED_FIELDS = ['Workflow', 'Note', 'UserDefinedFields', 'VerificationState'] as const;

const FILTER_FIELDS: Record<string, (finding: Finding) => unknown[]> = {
  Id: (finding) => [finding.Id],
  GeneratorId: (finding) => [finding.GeneratorId],
  AwsAccountId: (finding) => [finding.AwsAccountId],
  ProductArn: (finding) => [finding.ProductArn],
  RecordState: (finding) => [finding.RecordState],
  ComplianceStatus: (finding) => [(finding.Compliance as { Status?: string } | undefined)?.Status],
  WorkflowStatus: (finding) => [(finding.Workflow as { Status?: string } | undefined)?.Status],
  SeverityLabel: (finding) => [(finding.Severity as { Label?: string } | undefined)?.Label],
  Title: (finding) => [finding.Title],
  Type: (finding) => (finding.Types as unknown[] | undefined) ?? [],
  ResourceId: (finding) =>
    ((finding.Resources as Array<{ Id?: string }> | undefined) ?? []).map((resource) => resource.Id),
  ResourceType: (finding) =>
    ((finding.Resources as Array<{ Type?: string }> | undefined) ?? []).map((resource) => resource.Type),
  Region: (finding) => [finding.Region],
};

/** Security Hub (REST-JSON): BatchImportFindings and GetFindings with ASFF validation and limits. */
export const securityhub: ServiceModule = {
  protocol: 'rest-json',
  codes: {
    accessDenied: { status: 403, code: 'AccessDeniedException' },
    // BatchImportFindings and GetFindings declare LimitExceededException (429) for their rate limits.
    throttle: { status: 429, code: 'LimitExceededException', message: 'Rate exceeded' },
    internal: { status: 500, code: 'InternalException' },
    invalidClientToken: { status: 403, code: 'UnrecognizedClientException' },
    unknownOperation: { status: 404, code: 'UnknownOperationException' },
  },
  resolve(request: RawRequest) {
    if (request.method !== 'POST') return undefined;
    if (request.path === '/findings/import') return { operation: 'BatchImportFindings' };
    if (request.path === '/findings') return { operation: 'GetFindings' };
    return undefined;
  },
  handle(context) {
    return context.operation === 'BatchImportFindings' ? batchImport(context) : getFindings(context);
  },
};

function store(context: RequestContext): Map<string, Finding> {
  const key = `${context.session.accountId}/${context.region}`;
  const findings = context.world.securityHub.get(key) ?? new Map<string, Finding>();
  context.world.securityHub.set(key, findings);
  return findings;
}

/** Why an ASFF finding is rejected, or undefined when it is acceptable. */
function validationError(
  finding: Finding,
  context: RequestContext,
): { code: string; message: string } | undefined {
  const missing = REQUIRED_FIELDS.filter((field) => finding[field] === undefined || finding[field] === null);
  const hasTypes =
    Array.isArray(finding.Types) ||
    Array.isArray((finding.FindingProviderFields as Finding | undefined)?.Types);
  const hasSeverity =
    finding.Severity !== undefined ||
    (finding.FindingProviderFields as Finding | undefined)?.Severity !== undefined;
  if (!hasTypes) missing.push('Types' as never);
  if (!hasSeverity) missing.push('Severity' as never);
  if (missing.length > 0) {
    return {
      code: 'InvalidInput',
      message: `Finding does not adhere to Amazon Finding Format. data should have required property '${missing[0]}'.`,
    };
  }
  if (finding.SchemaVersion !== '2018-10-08') {
    return {
      code: 'InvalidInput',
      message: 'Finding does not adhere to Amazon Finding Format. SchemaVersion must be 2018-10-08.',
    };
  }
  const resources = finding.Resources;
  if (!Array.isArray(resources) || resources.length === 0 || resources.length > 32) {
    return {
      code: 'InvalidInput',
      message: 'Finding does not adhere to Amazon Finding Format. Resources must hold 1 to 32 items.',
    };
  }
  for (const field of ['CreatedAt', 'UpdatedAt'] as const) {
    if (Number.isNaN(Date.parse(String(finding[field])))) {
      return {
        code: 'InvalidInput',
        message: `Finding does not adhere to Amazon Finding Format. ${field} must be an ISO 8601 date-time.`,
      };
    }
  }
  if (String(finding.Title).length > 256 || String(finding.Description).length > 1024) {
    return {
      code: 'InvalidInput',
      message:
        'Finding does not adhere to Amazon Finding Format. Title ≤ 256 and Description ≤ 1024 characters.',
    };
  }
  if (Buffer.byteLength(JSON.stringify(finding)) > MAX_FINDING_BYTES) {
    return { code: 'InvalidInput', message: 'Finding exceeds the maximum size of 240 KB.' };
  }
  const account = context.session.accountId;
  if (finding.AwsAccountId !== account) {
    return {
      code: 'AccessDeniedException',
      message: `Finding AwsAccountId ${String(finding.AwsAccountId)} does not match the calling account ${account}.`,
    };
  }
  const productArn = `arn:aws:securityhub:${context.region}:${account}:product/${account}/default`;
  if (finding.ProductArn !== productArn) {
    return {
      code: 'AccessDeniedException',
      message: `User: ${context.session.arn} is not authorized to perform: securityhub:BatchImportFindings on resource: ${String(finding.ProductArn)}`,
    };
  }
  return undefined;
}

function batchImport(context: RequestContext) {
  const body = jsonBody(context);
  const findings = body.Findings;
  if (!Array.isArray(findings) || findings.length === 0) {
    throw new AwsError(400, 'InvalidInputException', 'Findings must contain at least 1 item.');
  }
  if (findings.length > 100) {
    throw new AwsError(
      400,
      'InvalidInputException',
      `Findings must contain at most 100 items (got ${findings.length}).`,
    );
  }
  const stored = store(context);
  const failed: Array<{ Id: string; ErrorCode: string; ErrorMessage: string }> = [];
  for (const [index, raw] of (findings as Finding[]).entries()) {
    const injected = context.failFindings;
    if (injected && (index + 1) % injected.every === 0) {
      failed.push({
        Id: String(raw?.Id ?? ''),
        ErrorCode: injected.code,
        ErrorMessage: `the sandbox refused this finding (${injected.code})`,
      });
      continue;
    }
    const error = validationError(raw, context);
    if (error) {
      failed.push({ Id: String(raw?.Id ?? ''), ErrorCode: error.code, ErrorMessage: error.message });
      continue;
    }
    const id = String(raw.Id);
    const existing = stored.get(id);
    // Security Hub ignores an import whose UpdatedAt is not newer than the stored one.
    if (existing && Date.parse(String(raw.UpdatedAt)) <= Date.parse(String(existing.UpdatedAt))) continue;
    const next: Finding = {
      ...raw,
      Region: context.region,
      RecordState: raw.RecordState ?? 'ACTIVE',
      Workflow: raw.Workflow ?? { Status: 'NEW' },
      WorkflowState: 'NEW',
      ProductName: 'Default',
      CompanyName: 'Personal',
      ProcessedAt: context.now.toISOString(),
    };
    if (existing) {
      next.CreatedAt = existing.CreatedAt;
      for (const field of CUSTOMER_OWNED_FIELDS) {
        if (existing[field] !== undefined) next[field] = existing[field];
        else delete next[field];
      }
      next.Workflow = existing.Workflow ?? { Status: 'NEW' };
    }
    stored.set(id, next);
  }
  return jsonResponse(
    { FailedCount: failed.length, SuccessCount: findings.length - failed.length, FailedFindings: failed },
    context.requestId,
  );
}

interface StringFilter {
  Value?: string;
  Comparison?: string;
}

function compare(actual: unknown, filter: StringFilter): boolean {
  const value = filter.Value ?? '';
  const text = typeof actual === 'string' ? actual : undefined;
  switch (filter.Comparison) {
    case 'EQUALS':
      return text === value;
    case 'NOT_EQUALS':
      return text !== value;
    case 'PREFIX':
      return text?.startsWith(value) ?? false;
    case 'PREFIX_NOT_EQUALS':
      return !(text?.startsWith(value) ?? false);
    case 'CONTAINS':
      return text?.includes(value) ?? false;
    case 'NOT_CONTAINS':
      return !(text?.includes(value) ?? false);
    default:
      throw new AwsError(
        400,
        'InvalidInputException',
        `Comparison ${String(filter.Comparison)} is not supported.`,
      );
  }
}

const NEGATIVE = new Set(['NOT_EQUALS', 'PREFIX_NOT_EQUALS', 'NOT_CONTAINS']);

/** Security Hub semantics: positive filters on one field are OR-ed, negative ones AND-ed; fields AND-ed. */
function matchesFilters(finding: Finding, filters: Record<string, StringFilter[]>): boolean {
  return Object.entries(filters).every(([field, list]) => {
    const values = FILTER_FIELDS[field](finding);
    const positive = list.filter((filter) => !NEGATIVE.has(filter.Comparison ?? ''));
    const negative = list.filter((filter) => NEGATIVE.has(filter.Comparison ?? ''));
    const positiveOk =
      positive.length === 0 || positive.some((filter) => values.some((value) => compare(value, filter)));
    const negativeOk = negative.every((filter) => values.every((value) => compare(value, filter)));
    return positiveOk && negativeOk;
  });
}

function getFindings(context: RequestContext) {
  const body = jsonBody(context);
  const filters = (body.Filters ?? {}) as Record<string, StringFilter[]>;
  for (const [field, list] of Object.entries(filters)) {
    if (!FILTER_FIELDS[field])
      throw new AwsError(400, 'InvalidInputException', `Filter ${field} is not supported by the sandbox.`);
    if (!Array.isArray(list))
      throw new AwsError(400, 'InvalidInputException', `Filter ${field} must be a list.`);
  }
  const maxResults = body.MaxResults === undefined ? 100 : Number(body.MaxResults);
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 100) {
    throw new AwsError(400, 'InvalidInputException', 'MaxResults must be between 1 and 100.');
  }
  const findings = [...store(context).values()]
    .filter((finding) => matchesFilters(finding, filters))
    .sort(
      (a, b) =>
        Date.parse(String(b.UpdatedAt)) - Date.parse(String(a.UpdatedAt)) ||
        compareText(String(a.Id), String(b.Id)),
    );
  const scope = JSON.stringify([context.session.accountId, context.region, filters]);
  const token = typeof body.NextToken === 'string' && body.NextToken !== '' ? body.NextToken : undefined;
  const offset = token === undefined ? 0 : decodeToken(scope, token);
  if (offset === undefined) throw new AwsError(400, 'InvalidInputException', 'The NextToken is not valid.');
  const more = offset + maxResults < findings.length;
  return jsonResponse(
    {
      Findings: findings.slice(offset, offset + maxResults),
      ...(more ? { NextToken: encodeToken(scope, offset + maxResults) } : {}),
    },
    context.requestId,
  );
}
