import { z } from 'zod';
import { ACCOUNT_ID_PATTERN, REGION_PATTERN, ROLE_ARN_PATTERN } from '../model/identity.js';

/** Window for unused findings when the baseline does not set one: CloudTrail event history covers 90 days. */
export const DEFAULT_UNUSED_AFTER_DAYS = 90;

/** Longest window CloudTrail `LookupEvents` can cover. */
export const MAX_UNUSED_AFTER_DAYS = 90;

export { ACCOUNT_ID_PATTERN, REGION_PATTERN, ROLE_ARN_PATTERN };

/** EKS cluster names: 1–100 characters, letters, digits, `-` and `_`, starting with a letter or digit. */
export const EKS_CLUSTER_NAME_PATTERN = /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/;

/** Logical cluster names follow the EKS cluster name rules so a physical name can serve as one. */
export const LOGICAL_CLUSTER_NAME_PATTERN = EKS_CLUSTER_NAME_PATTERN;

/** Kubernetes namespace names are DNS-1123 labels (at most 63 characters). */
export const NAMESPACE_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Kubernetes service account names are DNS-1123 subdomains (at most 253 characters). */
export const SERVICE_ACCOUNT_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SERVICE_ACCOUNT_MAX_LENGTH = 253;

/** Check ids are SCREAMING_SNAKE (`IRSA_SUBJECT_WILDCARD`). */
export const CHECK_ID_PATTERN = /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)*$/;

const ISO_DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Marks a number where an account id belongs, so the located message can quote the source text
 * (YAML already dropped any leading zeros from the value).
 */
export const NUMERIC_ACCOUNT_MESSAGE = 'numeric account id';

/** A short description of a value as the user wrote it, for "expected X, got Y" messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return `the date ${value.toISOString().slice(0, 10)}`;
  switch (typeof value) {
    case 'string':
      return `the text ${JSON.stringify(value)}`;
    case 'number':
      return `the number ${value}`;
    case 'boolean':
      return `${value}`;
    case 'object':
      return 'a map';
    default:
      return typeof value;
  }
}

/** A required string field; `expected` completes "expected ...". */
function text(expected: string) {
  return z.string({ error: (issue) => `expected ${expected}, got ${describeValue(issue.input)}` });
}

/** An organizational unit (`ou-…`) or the root (`r-…`) of AWS Organizations. */
const organizationParent = z
  .string()
  .regex(
    /^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/,
    'expected an OU id (ou-xxxx-xxxxxxxx) or a root id (r-xxxx)',
  );

const accountId = z
  .string({
    error: (issue) =>
      typeof issue.input === 'number'
        ? NUMERIC_ACCOUNT_MESSAGE
        : `expected a 12-digit AWS account id in quotes, like "111122223333", got ${describeValue(issue.input)}`,
  })
  .regex(ACCOUNT_ID_PATTERN, { error: 'expected exactly 12 digits, like "111122223333"' });

const organizationAccounts = z.strictObject({
  organization: z.union([
    z.literal(true),
    z.array(organizationParent).min(1, 'list at least one OU id, or say true for the whole organization'),
  ]),
  exclude: z.array(accountId).optional(),
  include: z.array(accountId).optional(),
});

/**
 * `accounts`: a list of account ids (v1), `org` (every ACTIVE account of the organization), or
 * `{ organization: true | [ou-…], exclude, include }`. The form is chosen by the value's shape so
 * a wrong entry is reported at its own path.
 */
const AccountsSchema = z
  .unknown()
  .superRefine((value, context) => {
    const schema = Array.isArray(value)
      ? z.array(accountId)
      : value !== null && typeof value === 'object'
        ? organizationAccounts
        : z.literal('org', {
            error: (issue) =>
              `expected a list of account ids, \`org\`, or { organization: true | [ou-…], exclude, include }, got ${describeValue(issue.input)}`,
          });
    const parsed = schema.safeParse(value);
    if (!parsed.success) for (const issue of parsed.error.issues) context.addIssue({ ...issue } as never);
  })
  .transform((value) => value as string[] | 'org' | z.infer<typeof organizationAccounts>);

const roleArn = text('an IAM role ARN like arn:aws:iam::123456789012:role/NAME').regex(ROLE_ARN_PATTERN, {
  error: 'expected an IAM role ARN like arn:aws:iam::123456789012:role/NAME',
});

const namespace = text('a Kubernetes namespace name').regex(NAMESPACE_PATTERN, {
  error:
    'expected a Kubernetes namespace name: lowercase letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
});

const serviceAccount = text('a Kubernetes service account name')
  .max(SERVICE_ACCOUNT_MAX_LENGTH, { error: 'a service account name has at most 253 characters' })
  .regex(SERVICE_ACCOUNT_PATTERN, {
    error:
      'expected a Kubernetes service account name: lowercase letters, digits, "-" and ".", starting and ending with a letter or digit',
  });

const logicalClusterRef = text('the name of a logical cluster declared under `clusters`').min(1, {
  error: 'expected the name of a logical cluster declared under `clusters`',
});

/** True when `text` is `YYYY-MM-DD` and names a real calendar day. */
export function isCalendarDate(text: string): boolean {
  const match = ISO_DATE_PATTERN.exec(text);
  if (!match) return false;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/**
 * `expires`: a `YYYY-MM-DD` string, or the Date a YAML 1.1 parser makes of an unquoted date.
 * Normalized to `YYYY-MM-DD`.
 */
const expiryDate = z
  .union([z.string(), z.date()], {
    error: (issue) => `expected a date YYYY-MM-DD, like 2027-03-31, got ${describeValue(issue.input)}`,
  })
  .transform((value, context) => {
    if (value instanceof Date) {
      const iso = Number.isNaN(value.getTime()) ? '' : value.toISOString();
      if (iso.endsWith('T00:00:00.000Z')) return iso.slice(0, 10);
      context.addIssue({ code: 'custom', message: 'expected a date YYYY-MM-DD without a time of day' });
      return z.NEVER;
    }
    if (!isCalendarDate(value)) {
      context.addIssue({
        code: 'custom',
        message: ISO_DATE_PATTERN.test(value)
          ? `${value} is not a calendar date`
          : `expected a date YYYY-MM-DD, like 2027-03-31, got ${describeValue(value)}`,
      });
      return z.NEVER;
    }
    return value;
  });

export const SettingsSchema = z.strictObject(
  {
    unusedAfterDays: z
      .number({ error: (issue) => `expected a whole number of days, got ${describeValue(issue.input)}` })
      .int({ error: 'expected a whole number of days' })
      .min(1, { error: 'expected at least 1 day' })
      .max(MAX_UNUSED_AFTER_DAYS, {
        error: `expected at most ${MAX_UNUSED_AFTER_DAYS} days: CloudTrail event history covers 90 days`,
      })
      .optional(),
  },
  { error: (issue) => `expected a map of settings, got ${describeValue(issue.input)}` },
);

export const LogicalClusterSchema = z.strictObject(
  {
    account: accountId,
    region: text('an AWS region like us-east-1').regex(REGION_PATTERN, {
      error: 'expected an AWS region like us-east-1 or ap-northeast-1',
    }),
    members: z
      .array(
        text('an EKS cluster name').regex(EKS_CLUSTER_NAME_PATTERN, {
          error:
            'expected an EKS cluster name: 1-100 letters, digits, "-" or "_", starting with a letter or digit',
        }),
        { error: (issue) => `expected a list of EKS cluster names, got ${describeValue(issue.input)}` },
      )
      .min(1, { error: 'expected at least one member cluster' }),
  },
  {
    error: (issue) => `expected a map with account, region and members, got ${describeValue(issue.input)}`,
  },
);

export const PodIdentityBindingSchema = z.strictObject(
  {
    cluster: logicalClusterRef,
    namespace,
    serviceAccount,
    roleArn,
    targetRoleArn: roleArn.optional(),
    disableSessionTags: z
      .boolean({ error: (issue) => `expected true or false (unquoted), got ${describeValue(issue.input)}` })
      .optional(),
  },
  { error: (issue) => `expected a Pod Identity binding (a map), got ${describeValue(issue.input)}` },
);

export const IrsaBindingSchema = z.strictObject(
  { cluster: logicalClusterRef, namespace, serviceAccount, roleArn },
  { error: (issue) => `expected an IRSA binding (a map), got ${describeValue(issue.input)}` },
);

export const ExceptionSchema = z.strictObject(
  {
    check: text('a check id like IRSA_SUBJECT_WILDCARD').regex(CHECK_ID_PATTERN, {
      error: 'expected a check id in SCREAMING_SNAKE case, like IRSA_SUBJECT_WILDCARD',
    }),
    resource: text("a glob on the finding's resource id").min(1, {
      error: "expected a glob on the finding's resource id",
    }),
    reason: text('a reason').trim().min(1, { error: 'expected a reason: say why the finding is accepted' }),
    expires: expiryDate.optional(),
  },
  { error: (issue) => `expected an exception (a map), got ${describeValue(issue.input)}` },
);

/** The document as written (before semantic checks and normalization). */
export const BaselineDocumentSchema = z.strictObject(
  {
    version: z.unknown().superRefine((value, context) => {
      if (value === 1) return;
      if (value === undefined) {
        context.addIssue({ code: 'custom', message: 'required: a baseline starts with "version: 1"' });
      } else if (typeof value === 'number') {
        context.addIssue({
          code: 'custom',
          message: `unsupported baseline version ${value}: this release reads version 1`,
        });
      } else {
        context.addIssue({ code: 'custom', message: `expected the number 1, got ${describeValue(value)}` });
      }
    }),
    settings: SettingsSchema.optional(),
    clusters: z
      .record(z.string(), LogicalClusterSchema, {
        error: (issue) =>
          `expected a map of logical cluster name to { account, region, members }, got ${describeValue(issue.input)}`,
      })
      .optional(),
    podIdentity: z
      .array(PodIdentityBindingSchema, {
        error: (issue) => `expected a list of Pod Identity bindings, got ${describeValue(issue.input)}`,
      })
      .optional(),
    irsa: z
      .array(IrsaBindingSchema, {
        error: (issue) => `expected a list of IRSA bindings, got ${describeValue(issue.input)}`,
      })
      .optional(),
    accounts: AccountsSchema.optional(),
    exceptions: z
      .array(ExceptionSchema, {
        error: (issue) => `expected a list of exceptions, got ${describeValue(issue.input)}`,
      })
      .optional(),
  },
  {
    error: (issue) =>
      `expected a map with version, settings, clusters, podIdentity, irsa, accounts and exceptions, got ${describeValue(issue.input)}`,
  },
);
export type BaselineDocument = z.infer<typeof BaselineDocumentSchema>;

/**
 * Field names each kind of map accepts, by its path shape: for "unknown field" hints.
 * `*` stands for any list index or logical cluster name.
 */
export const KNOWN_FIELDS: Record<string, readonly string[]> = {
  '': Object.keys(BaselineDocumentSchema.shape),
  settings: Object.keys(SettingsSchema.shape),
  'clusters.*': Object.keys(LogicalClusterSchema.shape),
  'podIdentity.*': Object.keys(PodIdentityBindingSchema.shape),
  'irsa.*': Object.keys(IrsaBindingSchema.shape),
  'exceptions.*': Object.keys(ExceptionSchema.shape),
};
