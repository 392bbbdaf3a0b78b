import { z } from 'zod';
import { REPORTS_PREFIX } from '../bucket.js';
import { RUN_DEFAULTS, SUMMARY_MODES } from '../defaults.js';
import { InputError } from '../errors.js';
import { LANGUAGES } from '../i18n/language.js';
import { REGION_PATTERN, SNS_TOPIC_ARN_PATTERN } from '../model/identity.js';
import { SeveritySchema } from '../model/severity.js';

/** When the nightly summary goes out: every run, only when findings appeared or went away, or never. */
export const SummaryModeSchema = z.enum(SUMMARY_MODES);
export type SummaryMode = z.infer<typeof SummaryModeSchema>;

/**
 * Where Security Hub findings are imported: all into the audit account (the caller), naming the member
 * account in `Resources`; or each into its member account through the member role.
 */
export const SecurityHubModeSchema = z.enum(['audit-account', 'member-accounts']);
export type SecurityHubMode = z.infer<typeof SecurityHubModeSchema>;

const BucketNameSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/,
    'expected an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)',
  );
const TopicArnSchema = z.string().regex(SNS_TOPIC_ARN_PATTERN, 'expected an SNS topic ARN');
const RegionSchema = z.string().regex(REGION_PATTERN, 'expected a region name such as us-east-1');

/** Publishing settings, validated once before anything is sent. */
export const PublishSettingsSchema = z
  .object({
    /** Bucket for `reports/` (run history and `reports/latest.json`). */
    bucket: BucketNameSchema,
    /** Key prefix inside the bucket. */
    prefix: z
      .string()
      .regex(/^[\w!.*'()/-]*$/, 'expected an S3 key prefix')
      .default(REPORTS_PREFIX),
    /** SNS topic for the summary, the alert and the chat notification; no notification without it. */
    topicArn: TopicArnSchema.optional(),
    summary: SummaryModeSchema.default(RUN_DEFAULTS.summary),
    /** New findings at or above this severity raise an alert. */
    alertThreshold: SeveritySchema.default(RUN_DEFAULTS.alertThreshold),
    securityHubMode: SecurityHubModeSchema.default(RUN_DEFAULTS.securityHubMode),
    /** Region of the Security Hub findings (and of the report console link). */
    securityHubRegion: RegionSchema,
    /** Region of the S3 console link; defaults to `securityHubRegion`. */
    reportConsoleRegion: RegionSchema.optional(),
    enabled: z
      .object({
        reports: z.boolean().default(true),
        sns: z.boolean().default(true),
        securityHub: z.boolean().default(true),
      })
      .strict()
      .default({ reports: true, sns: true, securityHub: true }),
    /** Language of the stored Markdown and HTML reports and of the e-mail and chat text (default English). */
    language: z.enum(LANGUAGES).optional(),
    /** Attempts per SNS publish and per Security Hub batch, on top of the SDK's own retries. */
    maxAttempts: z.number().int().min(1).max(10).default(4),
    /** First backoff delay; doubles with every attempt (with jitter). */
    baseDelayMs: z.number().int().min(0).max(60_000).default(500),
  })
  .strict();
export type PublishSettings = z.infer<typeof PublishSettingsSchema>;
export type PublishSettingsInput = z.input<typeof PublishSettingsSchema>;

/**
 * Validates publishing settings, applying defaults.
 *
 * @throws InputError naming every invalid field.
 * @example parsePublishSettings({ bucket: 'audit-reports', securityHubRegion: 'us-east-1' })
 */
export function parsePublishSettings(input: unknown): PublishSettings {
  const parsed = PublishSettingsSchema.safeParse(input);
  if (!parsed.success) {
    throw new InputError(
      'invalid publish settings',
      parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  return parsed.data;
}
