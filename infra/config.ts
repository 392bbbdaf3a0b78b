import { z } from 'zod';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN } from '../shared/baseline/index.js';
import { MAX_CLOUDTRAIL_DAYS } from '../shared/collect/index.js';
import { RUN_DEFAULTS, SECURITY_HUB_MODES, SUMMARY_MODES, USAGE_SOURCES } from '../shared/defaults.js';
import { AuditError } from '../shared/errors.js';
import { LANGUAGES } from '../shared/i18n/language.js';

/** Name prefix of the audit account's fixed-name resources (roles the member accounts trust). */
export const RESOURCE_PREFIX = 'eks-identity-audit';

/** Role names of the functions that read member accounts; fixed so member accounts can trust them by ARN. */
export const TRUSTED_FUNCTION_ROLE_NAMES = {
  collect: `${RESOURCE_PREFIX}-collect-account`,
  cutover: `${RESOURCE_PREFIX}-cutover-check`,
} as const;

/**
 * Role names of the functions that publish; member accounts trust them only in the `member-accounts`
 * Security Hub mode, where each finding is imported into its own account.
 */
export const PUBLISHING_FUNCTION_ROLE_NAMES = {
  analyze: `${RESOURCE_PREFIX}-analyze-publish`,
  importFindings: `${RESOURCE_PREFIX}-import-findings`,
} as const;

/** Role name of plan-scopes, which only reads the baseline: no member account trusts it. */
export const PLAN_FUNCTION_ROLE_NAME = `${RESOURCE_PREFIX}-plan-scopes`;

/** A list from `cdk.json` (JSON array) or from `-c key=a,b` on the command line (comma-separated text). */
const listOf = (item: z.ZodString) =>
  z.preprocess(
    (value) =>
      typeof value === 'string'
        ? value
            .split(',')
            .map((part) => part.trim())
            .filter((part) => part !== '')
        : value,
    z.array(item),
  );

/** A number from `cdk.json` or from `-c key=8` (text). */
const wholeNumber = (min: number, max: number) =>
  z.preprocess(
    (value) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value),
    z.number().int().min(min).max(max),
  );

/** Empty strings in `cdk.json` mean "not set", so a template can keep the key visible. */
const optionalText = (schema: z.ZodString) =>
  z.preprocess((value) => (value === '' || value === null ? undefined : value), schema.optional());

/** analyze-publish's memory when the context names none: enough for about 1,000 accounts × 100 associations. */
export const DEFAULT_ANALYZE_MEMORY_MIB = 3008;

/**
 * The deployment settings read from CDK context (`cdk.json` or `-c key=value`); every key is
 * documented in docs/deployment.md.
 */
export const DeploymentConfigSchema = z
  .object({
    accounts: listOf(z.string().regex(ACCOUNT_ID_PATTERN, 'expected 12-digit account ids')).default([]),
    regions: listOf(z.string().regex(REGION_PATTERN, 'expected region names such as eu-west-1')).default([]),
    schedule: z
      .string()
      .regex(/^(cron|rate)\(.+\)$/, 'expected an EventBridge Scheduler expression such as cron(0 2 * * ? *)')
      .default('cron(0 2 * * ? *)'),
    timeZone: z
      .string()
      .regex(/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/, 'expected an IANA time zone such as Asia/Tokyo')
      .default('Asia/Tokyo'),
    maxConcurrency: wholeNumber(1, 10_000).default(10),
    /**
     * Memory of analyze-publish in MiB (Lambda takes 128–10,240): the one invocation that holds the
     * whole organization's inventory and findings; see docs/deployment.md for the measured need.
     */
    analyzeMemoryMiB: wholeNumber(128, 10_240).default(DEFAULT_ANALYZE_MEMORY_MIB),
    windowDays: wholeNumber(1, MAX_CLOUDTRAIL_DAYS).default(MAX_CLOUDTRAIL_DAYS),
    slackWorkspaceId: optionalText(z.string().regex(/^[0-9A-Z]{1,256}$/, 'expected a Slack workspace id')),
    slackChannelId: optionalText(z.string().regex(/^[A-Za-z0-9]{1,256}$/, 'expected a Slack channel id')),
    externalId: z.string().min(2).max(1224).default(RUN_DEFAULTS.externalId),
    memberRoleName: z
      .string()
      .regex(/^[\w+=,.@-]{1,64}$/, 'expected an IAM role name')
      .default(RUN_DEFAULTS.memberRoleName),
    auditAccountId: optionalText(z.string().regex(ACCOUNT_ID_PATTERN, 'expected a 12-digit account id')),
    orgId: optionalText(
      z.string().regex(/^o-[a-z0-9]{10,32}$/, 'expected an organization id such as o-a1b2c3d4e5'),
    ),
    baselineKey: z.string().min(1).max(1024).default(RUN_DEFAULTS.baselineKey),
    securityHubMode: z.enum(SECURITY_HUB_MODES).default(RUN_DEFAULTS.securityHubMode),
    summary: z.enum(SUMMARY_MODES).default(RUN_DEFAULTS.summary),
    alertThreshold: z
      .enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'])
      .default(RUN_DEFAULTS.alertThreshold),
    usageSource: z.enum(USAGE_SOURCES).default(RUN_DEFAULTS.usageSource),
    /** Language of the stored reports, the e-mail and the chat notifications (`en` or `ja`). */
    language: z.enum(LANGUAGES).default(RUN_DEFAULTS.language),
    /** `usageSource: org-trail`: the bucket the organization trail delivers to, and its key prefix. */
    orgTrailBucket: optionalText(
      z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name'),
    ),
    orgTrailPrefix: z.string().max(1024).default(''),
    /**
     * Account discovery through AWS Organizations: `true` for every ACTIVE account of the
     * organization, or a list of OU ids (their child OUs included); `false` (default) for none.
     */
    organization: z
      .preprocess(
        (value) =>
          value === '' || value === null || value === 'false'
            ? false
            : value === 'true'
              ? true
              : typeof value === 'string'
                ? value
                    .split(',')
                    .map((part) => part.trim())
                    .filter((part) => part !== '')
                : value,
        z.union([
          z.boolean(),
          z
            .array(
              z
                .string()
                .regex(
                  /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/,
                  'expected true, or OU ids such as ou-ab12-cdef3456',
                ),
            )
            .min(1, 'expected true, or at least one OU id'),
        ]),
      )
      .default(false),
  })
  .superRefine((config, issues) => {
    if (config.usageSource === 'org-trail') {
      for (const key of ['orgTrailBucket', 'orgId'] as const) {
        if (config[key] === undefined)
          issues.addIssue({ code: 'custom', path: [key], message: 'required with usageSource org-trail' });
      }
    }
    if ((config.slackWorkspaceId === undefined) !== (config.slackChannelId === undefined)) {
      issues.addIssue({
        code: 'custom',
        path: ['slackChannelId'],
        message: 'slackWorkspaceId and slackChannelId are set together or not at all',
      });
    }
  });

/** Validated deployment settings with defaults applied. */
export type DeploymentConfig = z.infer<typeof DeploymentConfigSchema>;

/** Every context key the app reads. */
export const CONTEXT_KEYS = Object.keys(DeploymentConfigSchema.shape) as ReadonlyArray<
  keyof DeploymentConfig
>;

/** Context could not be turned into a deployment configuration; the message names every bad key. */
export class DeploymentConfigError extends AuditError {
  override name = 'DeploymentConfigError';
}

/**
 * Reads the deployment settings from a context lookup (`(key) => app.node.tryGetContext(key)`).
 *
 * @throws DeploymentConfigError naming every invalid context key.
 * @example const config = readDeploymentConfig((key) => app.node.tryGetContext(key));
 */
export function readDeploymentConfig(lookup: (key: string) => unknown): DeploymentConfig {
  const raw: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value = lookup(key);
    if (value !== undefined) raw[key] = value;
  }
  const parsed = DeploymentConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `context "${issue.path.join('.') || '(root)'}": ${issue.message}`,
    );
    throw new DeploymentConfigError(`invalid CDK context:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data;
}
