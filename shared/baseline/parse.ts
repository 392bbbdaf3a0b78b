import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Document } from 'yaml';
import type { z } from 'zod';
import { InputError } from '../errors.js';
import { isRecord as isJsonRecord } from '../model/identity.js';
import { mapLevel } from '../parts-map.js';
import {
  type BaselineLocator,
  DocumentLocator,
  type FieldPath,
  formatFieldPath,
  type LocatedProblem,
} from './locate.js';
import { type ReadDocument, readDocument } from './read.js';
import {
  ACCOUNT_ID_PATTERN,
  type BaselineDocument,
  BaselineDocumentSchema,
  DEFAULT_UNUSED_AFTER_DAYS,
  KNOWN_FIELDS,
  LOGICAL_CLUSTER_NAME_PATTERN,
  NUMERIC_ACCOUNT_MESSAGE,
  REGION_PATTERN,
  ROLE_ARN_PATTERN,
} from './schema.js';
import { closestMatch } from './suggest.js';
import type { Baseline, PodIdentityBinding } from './types.js';
import { yamlLibrary } from './yaml-library.js';

/** SHA-256 of the baseline text, hex: recorded in reports so a run names the exact file it used. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * Parses, validates and normalizes a baseline v1 document (YAML or JSON).
 *
 * A valid baseline is read on the fast path (JSON through `JSON.parse`, YAML through js-yaml, see
 * `read.ts`); a baseline with a problem, or one the fast path leaves alone, is read again by the
 * position-aware parser, which locates every problem.
 *
 * @param text the file's content.
 * @param sourceName the file path or `s3://` URI, used as the file name in every error.
 * @throws InputError listing every problem in file order, each as `file:line:col field: message`.
 * @example parseBaseline('version: 1\n', 'baseline.yaml').settings.unusedAfterDays // 90
 */
export function parseBaseline(text: string, sourceName: string): Baseline {
  if (isBlank(text)) throw emptyBaselineError(sourceName);
  const read = readDocument(text, sourceName);
  // Without aliases a value is no larger than its text; with them, it may be a billion laughs.
  const withinLimit =
    !read?.aliased || expandedSize(read.value, expansionLimit(text)) <= expansionLimit(text);
  if (read && isRecord(read.value) && withinLimit) {
    const validation = BaselineDocumentSchema.safeParse(read.value);
    if (validation.success && semanticProblems(read.value, read.locator).length === 0) {
      return normalize(validation.data, read.locator, { name: sourceName, sha256: sha256Hex(text) });
    }
  }
  return parseLocated(text, sourceName, read);
}

/**
 * {@link parseBaseline} with the position-aware parser alone: every problem located. The reference
 * the fast path is held to.
 */
export function parseBaselineFully(text: string, sourceName: string): Baseline {
  if (isBlank(text)) throw emptyBaselineError(sourceName);
  return parseLocated(text, sourceName, undefined);
}

/**
 * Values an aliased document may expand to: in proportion to its text, so that validating it stays
 * linear in the file's size while a billion-laughs document is refused.
 */
function expansionLimit(text: string): number {
  return 10_000 + 4 * text.length;
}

/**
 * How many values `value` holds with every alias written out (a map's keys count too), counting
 * shared nodes once per use; stops once past `limit`. A node that contains itself is endless.
 */
function expandedSize(value: unknown, limit: number): number {
  if (typeof value !== 'object' || value === null) return 1;
  const sizes = new Map<object, number>();
  const open = new Set<object>();
  const childrenOf = (node: object): unknown[] =>
    Array.isArray(node) ? node : ArrayBuffer.isView(node) ? [] : Object.values(node);
  const stack = [{ node: value as object, children: childrenOf(value), next: 0, size: 1 }];
  open.add(value);
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.size > limit) return frame.size;
    if (frame.next < frame.children.length) {
      const child = frame.children[frame.next++];
      // A map's key is a value too.
      frame.size += Array.isArray(frame.node) ? 0 : 1;
      if (typeof child !== 'object' || child === null) frame.size += 1;
      else if (sizes.has(child)) frame.size += sizes.get(child)!;
      else if (open.has(child)) return Number.POSITIVE_INFINITY;
      else {
        open.add(child);
        stack.push({ node: child, children: childrenOf(child), next: 0, size: 1 });
      }
      continue;
    }
    stack.pop();
    open.delete(frame.node);
    sizes.set(frame.node, frame.size);
    if (stack.length > 0) stack[stack.length - 1].size += frame.size;
    else return frame.size;
  }
  return 1;
}

/** The problem of a document whose aliases expand it past {@link expansionLimit}. */
function expansionProblem(size: number, limit: number): LocatedProblem {
  return {
    offset: 0,
    field: '(yaml)',
    message: Number.isFinite(size)
      ? `the document cannot be built: its aliases expand it to more than ${limit} values (4 per character of the file, plus 10000); write the repeated parts out`
      : 'the document cannot be built: an alias refers to the node that contains it',
  };
}

/**
 * The position-aware reading: `yaml`'s document for syntax problems and positions. Its value is the
 * fast path's when that read the text and the document has no syntax error (the two agree, and
 * `yaml` resolves each alias in time proportional to the aliases before it).
 */
function parseLocated(text: string, sourceName: string, read: ReadDocument | undefined): Baseline {
  const { LineCounter, parseDocument } = yamlLibrary();
  const lineCounter = new LineCounter();
  // logLevel 'error': the parser's recovery warnings (collection keys) go into the problems, not the console.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: 'error', merge: true });
  const locator = new DocumentLocator(document, lineCounter, sourceName);

  const syntaxProblems: LocatedProblem[] = [];
  // Past a structural syntax error the parsed tree no longer reflects what was meant, so
  // validation problems after it would be noise; duplicate keys leave the tree intact.
  let trustedUntil = Number.POSITIVE_INFINITY;
  // A tab used as indentation makes the parser report follow-on errors around it; the tab is the cause.
  const tabErrors = document.errors.filter((error) => error.code === 'TAB_AS_INDENT');
  for (const error of tabErrors.length > 0 ? tabErrors : document.errors) {
    const duplicate =
      error.code === 'DUPLICATE_KEY' ? /^["']?([^"':\n]+)/.exec(text.slice(error.pos[0])) : null;
    syntaxProblems.push({
      offset: error.pos[0],
      field: '(yaml)',
      message: duplicate ? `duplicate key \`${duplicate[1].trim()}\`` : `syntax error: ${error.message}`,
    });
    if (error.code !== 'DUPLICATE_KEY') trustedUntil = Math.min(trustedUntil, error.pos[0]);
  }
  // The parser accepts an alias whose anchor is never defined; it only fails when building values.
  const aliases = aliasesOf(document);
  for (const { offset, name } of aliases.filter((alias) => !alias.resolved)) {
    syntaxProblems.push({
      offset,
      field: '(yaml)',
      message: `alias \`*${name}\` names no anchor \`&${name}\` defined before it`,
    });
    trustedUntil = Math.min(trustedUntil, offset);
  }

  let raw: unknown;
  if (read && syntaxProblems.length === 0) {
    raw = read.value;
  } else {
    try {
      // Aliases are bounded below by the expanded size, the same rule the fast path is held to.
      raw = document.toJS({ maxAliasCount: -1 });
    } catch (error) {
      if (syntaxProblems.length === 0) {
        syntaxProblems.push({
          offset: 0,
          field: '(yaml)',
          message: `the document cannot be built: ${error instanceof Error ? error.message : String(error)}`,
        });
        trustedUntil = 0;
      }
      raw = undefined;
    }
  }
  const limit = expansionLimit(text);
  const size = aliases.length > 0 ? expandedSize(raw, limit) : 0;
  if (size > limit) {
    if (syntaxProblems.length === 0) {
      syntaxProblems.push(expansionProblem(size, limit));
      trustedUntil = 0;
    }
    raw = undefined;
  }
  if (syntaxProblems.length === 0 && (raw === null || raw === undefined))
    throw emptyBaselineError(sourceName);

  const validation = BaselineDocumentSchema.safeParse(raw, { reportInput: true });
  const validationProblems = validation.success
    ? []
    : validation.error.issues.flatMap((issue) => problemsOfIssue(issue, locator));
  if (isRecord(raw)) validationProblems.push(...semanticProblems(raw, locator));

  const brokenSyntax = Number.isFinite(trustedUntil);
  const problems = [
    ...syntaxProblems,
    ...validationProblems.filter(
      (problem) => problem.offset < trustedUntil && !(brokenSyntax && mayBeLostToSyntaxError(problem)),
    ),
  ].sort((a, b) => a.offset - b.offset);
  if (problems.length > 0 || !validation.success) {
    const rendered = problems.map((problem) => locator.render(problem));
    throw new InputError(
      `${sourceName}: invalid baseline (${rendered.length} ${rendered.length === 1 ? 'problem' : 'problems'})`,
      rendered,
    );
  }
  return normalize(validation.data, locator, { name: sourceName, sha256: sha256Hex(text) });
}

/**
 * The document's aliases (`*name`) with their offsets, each resolved or not (no anchor `&name`
 * before it): one walk in document order, collecting anchors as they appear.
 */
function aliasesOf(document: Document): Array<{ offset: number; name: string; resolved: boolean }> {
  const found: Array<{ offset: number; name: string; resolved: boolean }> = [];
  const anchors = new Set<string>();
  const { isAlias, visit } = yamlLibrary();
  visit(document, {
    Node(_, node) {
      if (isAlias(node)) {
        const offset = node.range?.[0] ?? 0;
        found.push({ offset, name: node.source, resolved: anchors.has(node.source) });
      } else if (node.anchor) {
        anchors.add(node.anchor);
      }
    },
  });
  return found;
}

/**
 * True for problems about something absent (an empty value, a missing field, an undeclared logical
 * cluster): before a syntax error they are usually the lines the parser could not read, such as a
 * `clusters:` whose tab-indented entries were dropped, so reporting them would blame the wrong line.
 */
function mayBeLostToSyntaxError(problem: LocatedProblem): boolean {
  return (
    problem.message.includes('got an empty value') ||
    problem.message === 'required field is missing' ||
    problem.message.startsWith('unknown logical cluster') ||
    // Recovery can turn a broken line into a key that is a list or map, such as `[ prod-blue ]`.
    /^unknown field `[[{]/.test(problem.message)
  );
}

/**
 * Reads and parses a baseline file.
 *
 * @throws InputError when the file cannot be read (naming the path) or is invalid.
 */
export async function loadBaselineFile(path: string): Promise<Baseline> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'is a directory, not a file'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message;
    throw new InputError(`baseline ${path}: ${reason}`, [], { cause: error });
  }
  return parseBaseline(text, path);
}

/** True for an empty text or one of whitespace only. */
function isBlank(text: string): boolean {
  return !/\S/.test(text);
}

function emptyBaselineError(sourceName: string): InputError {
  return new InputError(`${sourceName}: invalid baseline (1 problem)`, [
    `${sourceName}:1:1 (document): the file is empty; a baseline starts with "version: 1"`,
  ]);
}

/** An object of the document (a YAML 1.1 parser makes a Date of an unquoted date: not a mapping). */
function isRecord(value: unknown): value is Record<string, unknown> {
  return isJsonRecord(value) && !(value instanceof Date);
}

/** The known fields of the map at `path` (list indexes and logical cluster names become `*`). */
function knownFieldsAt(path: FieldPath): readonly string[] {
  const shape = path.map((segment, index) =>
    typeof segment === 'number' || (index === 1 && path[0] === 'clusters') ? '*' : segment,
  );
  return KNOWN_FIELDS[shape.join('.')] ?? [];
}

function problemsOfIssue(issue: z.core.$ZodIssue, locator: BaselineLocator): LocatedProblem[] {
  const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const known = knownFieldsAt(path);
    return issue.keys.map((key) => {
      const keyPath = [...path, key];
      const hint = closestMatch(key, known);
      const message = hint
        ? `unknown field \`${key}\`; did you mean \`${hint}\`?`
        : `unknown field \`${key}\`; expected one of ${known.map((name) => `\`${name}\``).join(', ')}`;
      return { offset: locator.keyOffset(keyPath), field: formatFieldPath(keyPath), message };
    });
  }
  const field = formatFieldPath(path);
  if (issue.code === 'invalid_type' && issue.input === undefined) {
    return [{ offset: locator.valueOffset(path), field, message: 'required field is missing' }];
  }
  if (issue.message === NUMERIC_ACCOUNT_MESSAGE) {
    const written = locator.sourceText(path) ?? String(issue.input);
    const digits = written.replace(/\D/g, '');
    const length = digits.length === 12 ? '' : `; it also has ${digits.length} digits, an account id has 12`;
    return [
      {
        offset: locator.valueOffset(path),
        field,
        message: `account ids must be quoted strings, like "${written}": unquoted, YAML reads a number and drops leading zeros${length}`,
      },
    ];
  }
  return [{ offset: locator.valueOffset(path), field, message: issue.message }];
}

interface DeclaredCluster {
  account?: string;
  region?: string;
}

function semanticProblems(raw: Record<string, unknown>, locator: BaselineLocator): LocatedProblem[] {
  const problems: LocatedProblem[] = [];
  const declared = new Map<string, DeclaredCluster>();
  const memberOwner = new Map<string, { logical: string; path: FieldPath }>();

  if (isRecord(raw.clusters)) {
    for (const [name, value] of Object.entries(raw.clusters)) {
      const path = ['clusters', name];
      if (!LOGICAL_CLUSTER_NAME_PATTERN.test(name)) {
        problems.push({
          offset: locator.keyOffset(path),
          field: formatFieldPath(path),
          message:
            'a logical cluster name follows the EKS cluster name rules: 1-100 letters, digits, "-" or "_", starting with a letter or digit',
        });
      }
      const cluster = isRecord(value) ? value : {};
      const account =
        typeof cluster.account === 'string' && ACCOUNT_ID_PATTERN.test(cluster.account)
          ? cluster.account
          : undefined;
      const region =
        typeof cluster.region === 'string' && REGION_PATTERN.test(cluster.region)
          ? cluster.region
          : undefined;
      declared.set(name, { account, region });
      if (!Array.isArray(cluster.members)) continue;
      cluster.members.forEach((member, index) => {
        if (typeof member !== 'string') return;
        const memberPath = [...path, 'members', index];
        const key = `${account ?? '?'}/${region ?? '?'}/${member}`;
        const owner = memberOwner.get(key);
        if (!owner) {
          memberOwner.set(key, { logical: name, path: memberPath });
          return;
        }
        const message =
          owner.logical === name
            ? `member \`${member}\` is listed twice`
            : `physical cluster \`${member}\` (${account ?? 'same account'}, ${region ?? 'same region'}) is already a member of logical cluster \`${owner.logical}\` at line ${locator.location(locator.valueOffset(owner.path)).line}; a physical cluster belongs to one logical cluster`;
        problems.push({
          offset: locator.valueOffset(memberPath),
          field: formatFieldPath(memberPath),
          message,
        });
      });
    }
  }

  for (const section of ['podIdentity', 'irsa'] as const) {
    const items = raw[section];
    if (!Array.isArray(items)) continue;
    // Binding identity → index of its first declaration.
    const seen = new IdentityIndex();
    for (let index = 0; index < items.length; index += 1) {
      const item = items[index];
      if (!isRecord(item)) continue;
      const { cluster, namespace, serviceAccount, roleArn } = item;
      if (typeof cluster === 'string' && cluster !== '' && !declared.has(cluster)) {
        problems.push({
          offset: locator.valueOffset([section, index, 'cluster']),
          field: formatFieldPath([section, index, 'cluster']),
          message: unknownClusterMessage(cluster, [...declared.keys()]),
        });
      }
      if (
        typeof cluster === 'string' &&
        typeof namespace === 'string' &&
        typeof serviceAccount === 'string' &&
        typeof roleArn === 'string'
      ) {
        // An SA has one Pod Identity association per cluster; with IRSA a pod may use its token for
        // several roles, so there the role is part of the binding's identity.
        const first = seen.firstOrAdd(
          cluster,
          namespace,
          serviceAccount,
          section === 'irsa' ? roleArn : '',
          index,
        );
        if (first !== undefined) {
          const firstPath = [section, first];
          const firstLine = locator.location(locator.valueOffset(firstPath)).line;
          const what = section === 'irsa' ? ` to ${roleArn}` : '';
          problems.push({
            offset: locator.valueOffset([section, index]),
            field: formatFieldPath([section, index]),
            message: `duplicate binding: ${cluster} ${namespace}/${serviceAccount}${what} is already declared at ${formatFieldPath(firstPath)} (line ${firstLine})`,
          });
        }
      }
      if (section !== 'podIdentity' || typeof cluster !== 'string' || typeof roleArn !== 'string') continue;
      const clusterAccount = declared.get(cluster)?.account;
      // The account follows the first ":iam::" of a role ARN: a role in the cluster's account needs no regex.
      const accountAt = roleArn.indexOf(':iam::') + 6;
      if (!clusterAccount || roleArn.slice(accountAt, accountAt + 12) === clusterAccount) continue;
      const roleAccount = ROLE_ARN_PATTERN.exec(roleArn)?.[1];
      if (roleAccount && roleAccount !== clusterAccount) {
        problems.push({
          offset: locator.valueOffset([section, index, 'roleArn']),
          field: formatFieldPath([section, index, 'roleArn']),
          message: `the association role must be in the cluster's account ${clusterAccount}, not ${roleAccount}; a role in another account goes in targetRoleArn`,
        });
      }
    }
  }

  const include = (raw.accounts as { include?: unknown } | null | undefined)?.include;
  const listed: { ids: unknown[]; path: string[] } | undefined = Array.isArray(raw.accounts)
    ? { ids: raw.accounts, path: ['accounts'] }
    : Array.isArray(include)
      ? { ids: include, path: ['accounts', 'include'] }
      : undefined;
  if (listed) {
    const seen = new Set<string>();
    listed.ids.forEach((account, index) => {
      if (typeof account !== 'string') return;
      if (seen.has(account)) {
        problems.push({
          offset: locator.valueOffset([...listed.path, index]),
          field: formatFieldPath([...listed.path, index]),
          message: `account ${account} is listed twice`,
        });
      }
      seen.add(account);
    });
  }
  return problems;
}

/**
 * The first index declared under each binding identity (cluster, namespace, service account and, for
 * IRSA, role), in maps by cluster and namespace: no key string is built for most bindings.
 */
class IdentityIndex {
  private readonly byCluster = new Map<string, Map<string, Map<string, number>>>();

  /** The index first declared under the identity, or `undefined` after recording `index` as that. */
  firstOrAdd(cluster: string, namespace: string, serviceAccount: string, role: string, index: number) {
    const namespaces = mapLevel(this.byCluster, cluster);
    const names = mapLevel(namespaces, namespace);
    const key = role === '' ? serviceAccount : `${serviceAccount}\u0000${role}`;
    const first = names.get(key);
    if (first === undefined) names.set(key, index);
    return first;
  }
}

function unknownClusterMessage(name: string, declared: string[]): string {
  if (declared.length === 0)
    return `unknown logical cluster \`${name}\`: no logical clusters are declared under \`clusters\``;
  const hint = closestMatch(name, declared);
  return hint
    ? `unknown logical cluster \`${name}\`; did you mean \`${hint}\`?`
    : `unknown logical cluster \`${name}\`; declared: ${declared.map((known) => `\`${known}\``).join(', ')}`;
}

/** The baseline's `accounts` as listed ids and, when it says so, the organization scope. */
function accountsOf(accounts: BaselineDocument['accounts']): Pick<Baseline, 'accounts' | 'organization'> {
  if (accounts === undefined) return { accounts: [] };
  if (Array.isArray(accounts)) return { accounts: [...accounts] };
  if (accounts === 'org') return { accounts: [], organization: { exclude: [] } };
  return {
    accounts: [...(accounts.include ?? [])],
    organization: {
      ...(accounts.organization === true ? {} : { units: [...accounts.organization] }),
      exclude: [...(accounts.exclude ?? [])],
    },
  };
}

function normalize(
  data: BaselineDocument,
  locator: BaselineLocator,
  source: { name: string; sha256: string },
): Baseline {
  const at = (offset: number) => locator.location(offset);
  const clusters = Object.entries(data.clusters ?? {})
    .map(([name, cluster]) => ({ name, offset: locator.keyOffset(['clusters', name]), cluster }))
    .sort((a, b) => a.offset - b.offset)
    .map(({ name, offset, cluster }) => ({
      name,
      account: cluster.account,
      region: cluster.region,
      members: [...cluster.members],
      location: at(offset),
    }));
  return {
    version: 1,
    settings: { unusedAfterDays: data.settings?.unusedAfterDays ?? DEFAULT_UNUSED_AFTER_DAYS },
    clusters,
    podIdentity: (data.podIdentity ?? []).map((binding, index) => {
      const normalized: PodIdentityBinding = {
        cluster: binding.cluster,
        namespace: binding.namespace,
        serviceAccount: binding.serviceAccount,
        roleArn: binding.roleArn,
      };
      if (binding.targetRoleArn !== undefined) normalized.targetRoleArn = binding.targetRoleArn;
      if (binding.disableSessionTags !== undefined)
        normalized.disableSessionTags = binding.disableSessionTags;
      normalized.location = at(locator.valueOffset(['podIdentity', index]));
      return normalized;
    }),
    irsa: (data.irsa ?? []).map((binding, index) => ({
      cluster: binding.cluster,
      namespace: binding.namespace,
      serviceAccount: binding.serviceAccount,
      roleArn: binding.roleArn,
      location: at(locator.valueOffset(['irsa', index])),
    })),
    ...accountsOf(data.accounts),
    exceptions: (data.exceptions ?? []).map((exception, index) => ({
      check: exception.check,
      resource: exception.resource,
      reason: exception.reason,
      ...(exception.expires !== undefined ? { expires: exception.expires } : {}),
      location: at(locator.valueOffset(['exceptions', index])),
    })),
    source,
  };
}
