import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { jsonSyntaxErrorOffset, lineAndColumn } from '../json.js';
import { accountOfArn, isRecord } from '../model/identity.js';
import { type Snapshot, SnapshotSchema } from './schema.js';

/** The only snapshot format version this code reads and writes. */
export const SNAPSHOT_VERSION = 1;

type PathSegment = PropertyKey;

/** `accounts[1].regions[0].clusters[2].roleArn`: the notation problems are reported in. */
export function formatJsonPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) {
      text += text === '' ? segment : `.${segment}`;
    } else text += `[${JSON.stringify(String(segment))}]`;
  }
  return text;
}

/** `SOURCE PATH: message`, the form every snapshot problem takes. */
export function problem(sourceName: string, path: readonly PathSegment[], message: string): string {
  const where = formatJsonPath(path);
  return where === '' ? `${sourceName}: ${message}` : `${sourceName} ${where}: ${message}`;
}

function valueAt(root: unknown, path: readonly PathSegment[]): unknown {
  let current = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment as string];
  }
  return current;
}

export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string')
    return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  return `${typeof value} ${String(value)}`;
}

const ARTICLE: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
  record: 'an object',
};

/** One human problem line per zod issue; unknown keys give one line per key. */
export function issueProblems(sourceName: string, issue: z.core.$ZodIssue, input: unknown): string[] {
  const path = issue.path;
  switch (issue.code) {
    case 'invalid_type': {
      const actual = valueAt(input, path);
      if (actual === undefined) return [problem(sourceName, path, 'required field is missing')];
      const expected = ARTICLE[issue.expected] ?? issue.expected;
      return [problem(sourceName, path, `expected ${expected}, got ${describeJsonType(actual)}`)];
    }
    case 'unrecognized_keys':
      return issue.keys.map((key) =>
        problem(
          sourceName,
          [...path, key],
          'unknown field (misspelt? the snapshot envelope accepts no extra keys)',
        ),
      );
    case 'invalid_value':
      return [
        problem(sourceName, path, `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`),
      ];
    case 'too_small':
      if (issue.origin === 'string') return [problem(sourceName, path, 'must not be empty')];
      return [problem(sourceName, path, issue.message)];
    default:
      return [problem(sourceName, path, issue.message)];
  }
}

function arrayAt(value: unknown, key: string): unknown[] {
  const inner = isRecord(value) ? value[key] : undefined;
  return Array.isArray(inner) ? inner : [];
}

/**
 * Consistency rules across fields that a per-field schema cannot express. Written defensively over
 * the raw input so they are reported together with the structural problems, not after them.
 */
function consistencyProblems(sourceName: string, input: unknown): string[] {
  const seenAccounts = new Map<string, number>();
  return arrayAt(input, 'accounts').flatMap((account, accountIndex) =>
    accountConsistencyProblems(sourceName, account, accountIndex, seenAccounts),
  );
}

/**
 * {@link consistencyProblems} of one `accounts[]` item; `seenAccounts` carries the account ids of
 * the items before it (for duplicates) from one call to the next.
 */
export function accountConsistencyProblems(
  sourceName: string,
  account: unknown,
  accountIndex: number,
  seenAccounts: Map<string, number>,
): string[] {
  const problems: string[] = [];
  if (!isRecord(account)) return problems;
  const accountPath = ['accounts', accountIndex];
  const accountId = typeof account.accountId === 'string' ? account.accountId : undefined;
  if (accountId !== undefined) {
    const first = seenAccounts.get(accountId);
    if (first !== undefined) {
      problems.push(
        problem(
          sourceName,
          [...accountPath, 'accountId'],
          `duplicate account ${accountId} (also accounts[${first}])`,
        ),
      );
    } else seenAccounts.set(accountId, accountIndex);
  }
  // The path is built only for a problem: the check runs for every role and association.
  const arnInAccount = (arn: unknown, path: () => PathSegment[], what: string) => {
    if (accountId === undefined || typeof arn !== 'string') return;
    const owner = accountOfArn(arn);
    if (owner !== undefined && owner !== accountId) {
      problems.push(
        problem(
          sourceName,
          path(),
          `${what} belongs to account ${owner}, not to the enclosing account ${accountId}`,
        ),
      );
    }
  };
  arrayAt(account.iam, 'roles').forEach((role, roleIndex) => {
    if (isRecord(role))
      arnInAccount(role.Arn, () => [...accountPath, 'iam', 'roles', roleIndex, 'Arn'], 'role');
  });
  arrayAt(account.iam, 'openIdConnectProviders').forEach((provider, providerIndex) => {
    if (isRecord(provider)) {
      arnInAccount(
        provider.Arn,
        () => [...accountPath, 'iam', 'openIdConnectProviders', providerIndex, 'Arn'],
        'OIDC provider',
      );
    }
  });
  const seenRegions = new Map<string, number>();
  arrayAt(account, 'regions').forEach((region, regionIndex) => {
    if (!isRecord(region)) return;
    const regionPath = [...accountPath, 'regions', regionIndex];
    const regionName = typeof region.region === 'string' ? region.region : undefined;
    if (regionName !== undefined) {
      const first = seenRegions.get(regionName);
      if (first !== undefined) {
        problems.push(
          problem(
            sourceName,
            [...regionPath, 'region'],
            `duplicate region ${regionName} (also regions[${first}])`,
          ),
        );
      } else seenRegions.set(regionName, regionIndex);
    }
    const seenClusters = new Map<string, number>();
    arrayAt(region, 'clusters').forEach((entry, clusterIndex) => {
      if (!isRecord(entry) || !isRecord(entry.cluster)) return;
      const clusterPath = [...regionPath, 'clusters', clusterIndex];
      const name = typeof entry.cluster.name === 'string' ? entry.cluster.name : undefined;
      if (name === undefined) return;
      const first = seenClusters.get(name);
      if (first !== undefined) {
        problems.push(
          problem(
            sourceName,
            [...clusterPath, 'cluster', 'name'],
            `duplicate cluster ${name} (also clusters[${first}])`,
          ),
        );
      } else seenClusters.set(name, clusterIndex);
      const arn = entry.cluster.arn;
      if (typeof arn === 'string') {
        arnInAccount(arn, () => [...clusterPath, 'cluster', 'arn'], 'cluster');
        const arnRegion = arn.split(':')[3];
        if (regionName !== undefined && arnRegion && arnRegion !== regionName) {
          problems.push(
            problem(
              sourceName,
              [...clusterPath, 'cluster', 'arn'],
              `cluster ARN is in region ${arnRegion}, not in the enclosing region ${regionName}`,
            ),
          );
        }
      }
      for (const key of ['podIdentityAssociations', 'addons', 'nodegroups', 'fargateProfiles']) {
        arrayAt(entry, key).forEach((item, itemIndex) => {
          if (!isRecord(item) || typeof item.clusterName !== 'string' || item.clusterName === name) return;
          problems.push(
            problem(
              sourceName,
              [...clusterPath, key, itemIndex, 'clusterName'],
              `names cluster ${item.clusterName}, but is listed under cluster ${name}`,
            ),
          );
        });
      }
      arrayAt(entry, 'podIdentityAssociations').forEach((association, associationIndex) => {
        if (isRecord(association)) {
          arnInAccount(
            association.roleArn,
            () => [...clusterPath, 'podIdentityAssociations', associationIndex, 'roleArn'],
            'association role',
          );
        }
      });
    });
  });
  return problems;
}

/**
 * Validates snapshot JSON (already parsed) against format v1.
 *
 * @param json the parsed JSON value.
 * @param sourceName the file name or label problems start with.
 * @throws InputError listing every problem as `SOURCE PATH: message`, e.g.
 *   `snapshot.json accounts[1].regions[0].clusters[2].podIdentityAssociations[4].roleArn: expected an IAM role ARN like …`.
 * @example const snapshot = parseSnapshot(JSON.parse(text), 'snapshot.json');
 */
export function parseSnapshot(json: unknown, sourceName: string): Snapshot {
  if (!isRecord(json)) {
    throw new InputError(`${sourceName} is not a snapshot`, [
      problem(
        sourceName,
        [],
        `expected a JSON object with snapshotVersion, capturedAt and accounts, got ${describeJsonType(json)}`,
      ),
    ]);
  }
  if (json.snapshotVersion !== SNAPSHOT_VERSION) {
    const found =
      json.snapshotVersion === undefined
        ? 'no snapshotVersion'
        : `snapshotVersion ${JSON.stringify(json.snapshotVersion)}`;
    throw new InputError(`${sourceName} has an unsupported snapshot format version`, [
      problem(
        sourceName,
        ['snapshotVersion'],
        `unsupported snapshot format: found ${found}, this version of eks-identity-audit reads snapshotVersion ${SNAPSHOT_VERSION}`,
      ),
    ]);
  }
  const result = SnapshotSchema.safeParse(json);
  const problems = result.success
    ? []
    : result.error.issues.flatMap((issue) => issueProblems(sourceName, issue, json));
  problems.push(...consistencyProblems(sourceName, json));
  if (!result.success || problems.length > 0) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    throw new InputError(`${sourceName} is not a valid snapshot (${count})`, problems);
  }
  return result.data;
}

/**
 * Parses snapshot text: JSON syntax errors name line and column, then {@link parseSnapshot}.
 *
 * @throws InputError for invalid JSON or an invalid snapshot.
 */
export function parseSnapshotText(text: string, sourceName: string): Snapshot {
  let json: unknown;
  try {
    json = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (cause) {
    const located = jsonSyntaxErrorOffset(text);
    const { line, column } = lineAndColumn(text, located?.offset ?? text.length);
    const reason = located?.reason ?? (cause as Error).message;
    throw new InputError(`${sourceName} is not valid JSON`, [`${sourceName}:${line}:${column}: ${reason}`], {
      cause,
    });
  }
  return parseSnapshot(json, sourceName);
}

/**
 * Reads and validates a snapshot file.
 *
 * @throws InputError when the file cannot be read, is not JSON (with line and column) or is not a
 *   valid v1 snapshot.
 * @example const snapshot = await readSnapshotFile('snapshot.json');
 */
export async function readSnapshotFile(path: string): Promise<Snapshot> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (cause as Error).message;
    throw new InputError(`cannot read snapshot ${path}: ${reason}`, [`${path}: ${reason}`], { cause });
  }
  return parseSnapshotText(text, path);
}
