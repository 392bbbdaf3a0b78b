import { z } from 'zod';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN } from '../../shared/baseline/index.js';
import { MAX_CLOUDTRAIL_DAYS } from '../../shared/collect/index.js';
import { InputError } from '../../shared/errors.js';

/**
 * Where the nightly run gets CloudTrail usage evidence: `ledger` keeps incremental ledgers under
 * `state/usage/` and reads only what is new; `scan` reads the whole window every night.
 */
export const USAGE_SOURCES = ['ledger', 'scan'] as const;
export type UsageSource = (typeof USAGE_SOURCES)[number];

/**
 * Key prefix of run-to-run state in the audit bucket; the usage ledgers live under
 * `state/usage/ACCOUNT/REGION/ledger.json`. Nothing under it expires: a lost ledger costs a 90-day
 * backfill and a night of unknown usage.
 */
export const LEDGER_PREFIX = 'state';

/** Environment variable names the CDK app sets and the functions read. */
export const ENV = {
  bucket: 'AUDIT_BUCKET',
  baselineKey: 'BASELINE_KEY',
  topicArn: 'TOPIC_ARN',
  memberRoleName: 'MEMBER_ROLE_NAME',
  externalId: 'EXTERNAL_ID',
  windowDays: 'WINDOW_DAYS',
  regions: 'AUDIT_REGIONS',
  accounts: 'AUDIT_ACCOUNTS',
  securityHubMode: 'SECURITY_HUB_MODE',
  summary: 'SUMMARY',
  alertThreshold: 'ALERT_THRESHOLD',
  usageSource: 'USAGE_SOURCE',
  organization: 'AUDIT_ORGANIZATION',
  endpointUrl: 'AWS_ENDPOINT_URL',
  region: 'AWS_REGION',
} as const;

/** Which settings a function needs; each is checked at cold start so a missing one fails loudly and early. */
export type ConfigKey = keyof typeof ENV;

const list = (item: z.ZodString) =>
  z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((part) => part.trim())
        .filter((part) => part !== ''),
    )
    .pipe(z.array(item));

const FIELD_SCHEMAS = {
  bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name'),
  baselineKey: z.string().min(1, 'must not be empty').max(1024),
  topicArn: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w.-]{1,256}$/, 'must be an SNS topic ARN'),
  memberRoleName: z.string().regex(/^[\w+=,.@-]{1,64}$/, 'must be an IAM role name'),
  externalId: z.string().min(2, 'must be 2 to 1224 characters').max(1224, 'must be 2 to 1224 characters'),
  windowDays: z.coerce
    .number()
    .int('must be a whole number of days')
    .min(1, `must be from 1 to ${MAX_CLOUDTRAIL_DAYS}`)
    .max(MAX_CLOUDTRAIL_DAYS, `must be from 1 to ${MAX_CLOUDTRAIL_DAYS}`),
  regions: list(z.string().regex(REGION_PATTERN, 'must list region names such as eu-west-1')),
  accounts: list(z.string().regex(ACCOUNT_ID_PATTERN, 'must list 12-digit account ids')),
  securityHubMode: z.enum(['audit-account', 'member-accounts', 'off']),
  summary: z.enum(['always', 'on-change', 'never']),
  alertThreshold: z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL']),
  usageSource: z.enum(USAGE_SOURCES),
  organization: list(
    z
      .string()
      .regex(
        /^(all|r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/,
        'must be all, or OU ids (ou-xxxx-xxxxxxxx) separated by commas',
      ),
  ),
  endpointUrl: z.url('must be a URL'),
  region: z.string().regex(REGION_PATTERN, 'must be a region name'),
} satisfies Record<ConfigKey, z.ZodType>;

/** Defaults for settings that may be left unset. */
const DEFAULTS: Partial<Record<ConfigKey, string>> = {
  windowDays: String(MAX_CLOUDTRAIL_DAYS),
  accounts: '',
  securityHubMode: 'audit-account',
  summary: 'always',
  alertThreshold: 'HIGH',
  usageSource: 'ledger',
  organization: '',
};

/** Every setting, typed. */
export interface FunctionConfig {
  bucket: string;
  baselineKey: string;
  topicArn: string;
  memberRoleName: string;
  externalId: string;
  windowDays: number;
  regions: string[];
  accounts: string[];
  securityHubMode: 'audit-account' | 'member-accounts' | 'off';
  summary: 'always' | 'on-change' | 'never';
  alertThreshold: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL';
  /** Where usage evidence comes from: the incremental ledgers in the bucket, or a full window scan. */
  usageSource: UsageSource;
  /**
   * Account discovery through AWS Organizations: empty for none, `['all']` for the whole
   * organization, or OU ids (their child OUs included).
   */
  organization?: string[];
  /** Set only when every AWS call goes to one endpoint (the local sandbox). */
  endpointUrl?: string;
  region: string;
}

/**
 * Reads and validates the settings a function needs from its environment. Optional settings
 * (`endpointUrl`, and the ones with defaults) may be absent; every other requested key is required.
 *
 * @throws InputError listing every missing or invalid variable, e.g. `AUDIT_BUCKET is required`.
 * @example const config = loadConfig(process.env, ['bucket', 'baselineKey', 'region']);
 */
export function loadConfig<K extends ConfigKey>(
  env: Readonly<Record<string, string | undefined>>,
  keys: readonly K[],
): Pick<FunctionConfig, K> {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const key of keys) {
    const name = ENV[key];
    const raw = env[name] === undefined || env[name] === '' ? DEFAULTS[key] : env[name];
    if (raw === undefined) {
      if (key !== 'endpointUrl') problems.push(`${name} is required`);
      continue;
    }
    const parsed = FIELD_SCHEMAS[key].safeParse(raw);
    if (parsed.success) values[key] = parsed.data;
    else problems.push(`${name} ${parsed.error.issues[0]?.message ?? 'is invalid'} (got "${raw}")`);
  }
  if (problems.length > 0) {
    throw new InputError(`invalid function configuration: ${problems.join('; ')}`, problems);
  }
  return values as Pick<FunctionConfig, K>;
}
