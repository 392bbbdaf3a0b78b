import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InputError } from '../shared/errors.js';
import { jsonSyntaxErrorOffset, lineAndColumn } from '../shared/json.js';
import { ACCOUNT_ID_PATTERN } from '../shared/model/identity.js';
import { cleanText } from '../shared/report/escape.js';
import { canAssume } from '../shared/trust/index.js';
import type { AssumeRequest, Grant } from '../shared/trust/types.js';
import { explainTrust, type TrustExplanation } from '../shared/trust-explain.js';
import type { RegisterCommand } from './commands.js';
import { emit } from './output.js';

/**
 * Reads a policy file: JSON (errors give line and column) or the URL-encoded JSON IAM returns.
 *
 * @throws InputError when the file is missing or not JSON.
 */
export async function readPolicyFile(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(
      code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read (${code ?? String(error)})`,
      [],
      { cause: error },
    );
  }
  const trimmed = text.trim();
  if (trimmed === '') throw new InputError(`${file}: empty file, expected a JSON policy document`);
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return trimmed;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${file}: ${jsonErrorWithPosition(text, error)}`, [], { cause: error });
  }
}

/** Locates a JSON syntax error as `line L, column C` (Node's own messages do not always say where). */
function jsonErrorWithPosition(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const offset = jsonErrorOffset(text);
  const { line, column } = lineAndColumn(text, offset);
  const found =
    offset < text.length ? `unexpected ${JSON.stringify(text[offset])}` : 'unexpected end of input';
  return `invalid JSON at line ${line}, column ${column}: ${found} (${message.split('\n')[0]})`;
}

/** The offset of the first JSON syntax error, or the text's length when there is none. */
export function jsonErrorOffset(text: string): number {
  return jsonSyntaxErrorOffset(text)?.offset ?? text.length;
}

/** Options of `trust can-assume`. */
export interface CanAssumeOptions {
  file: string;
  irsa?: boolean;
  podIdentity?: boolean;
  awsPrincipal?: string;
  provider?: string;
  subject?: string;
  audience?: string;
  tag: string[];
  principalTag: string[];
  sourceAccount?: string;
  sourceArn?: string;
  sessionTags: boolean;
  externalId?: string;
}

function parseTags(values: string[], flag: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const value of values) {
    const eq = value.indexOf('=');
    if (eq <= 0) throw new InputError(`${flag} ${JSON.stringify(value)}: expected KEY=VALUE`);
    tags[value.slice(0, eq)] = value.slice(eq + 1);
  }
  return tags;
}

/**
 * Builds the assume request the `can-assume` flags describe.
 *
 * @throws InputError naming the flag when the combination is wrong.
 */
export function assumeRequestFromOptions(options: CanAssumeOptions): AssumeRequest {
  const kinds = [options.irsa, options.podIdentity, options.awsPrincipal !== undefined].filter(
    Boolean,
  ).length;
  if (kinds !== 1)
    throw new InputError(
      'trust can-assume: pass exactly one of --irsa, --pod-identity or --aws-principal ARN',
    );
  if (options.sourceAccount !== undefined && !ACCOUNT_ID_PATTERN.test(options.sourceAccount))
    throw new InputError(
      `--source-account ${JSON.stringify(options.sourceAccount)}: expected a 12-digit account id`,
    );
  if (options.irsa) {
    if (!options.provider)
      throw new InputError('--irsa needs --provider arn:aws:iam::ACCOUNT:oidc-provider/HOST');
    if (!options.subject) throw new InputError('--irsa needs --subject system:serviceaccount:NAMESPACE:NAME');
    const request: AssumeRequest = { kind: 'irsa', providerArn: options.provider, subject: options.subject };
    if (options.audience !== undefined) request.audience = options.audience;
    return request;
  }
  if (options.podIdentity) {
    const tags = parseTags(options.tag, '--tag');
    if (!options.sessionTags && options.tag.length > 0)
      throw new InputError('--no-session-tags and --tag contradict each other');
    const request: AssumeRequest = { kind: 'pod-identity' };
    if (options.sessionTags) request.sessionTags = tags;
    if (options.sourceAccount !== undefined) request.sourceAccount = options.sourceAccount;
    if (options.sourceArn !== undefined) request.sourceArn = options.sourceArn;
    return request;
  }
  const request: AssumeRequest = { kind: 'aws', principalArn: options.awsPrincipal as string };
  if (options.externalId !== undefined) request.externalId = options.externalId;
  if (options.tag.length > 0) request.sessionTags = parseTags(options.tag, '--tag');
  if (options.principalTag.length > 0)
    request.principalTags = parseTags(options.principalTag, '--principal-tag');
  return request;
}

/** The tab-separated cells of one grant line. */
function describeGrant(grant: Grant): string[] {
  const where =
    grant.sid === undefined ? `#${grant.statementIndex}` : `#${grant.statementIndex} ${grant.sid}`;
  const broken = 'unsatisfiable' in grant && grant.unsatisfiable ? ' (never matches)' : '';
  switch (grant.kind) {
    case 'irsa':
      return [
        where,
        'irsa',
        grant.issuerHostPath,
        `${grant.subjects === null ? 'any subject' : `${grant.subjectMatch} ${grant.subjects.join(', ')}`}${broken}`,
      ];
    case 'pod-identity': {
      const limits = Object.entries(grant.constraints).map(([k, v]) => `${k}=${(v as string[]).join('|')}`);
      return [
        where,
        'pod-identity',
        grant.tagSessionAllowed ? 'AssumeRole+TagSession' : 'AssumeRole only',
        `${limits.join(' ') || 'unscoped'}${broken}`,
      ];
    }
    case 'aws':
      return [where, 'aws', grant.principals.join(', '), `${grant.actions.join(', ')}${broken}`];
    default:
      return [where, 'service', grant.services.join(', '), grant.actions.join(', ')];
  }
}

/**
 * Renders `trust explain` output as aligned text for a terminal. Policy text is attacker-influenced:
 * each cell is one line with control and invisible characters shown, cut at the report maximum.
 */
export function explainTable(analysis: TrustExplanation): string {
  const row = (...cells: string[]) => cells.map((cell) => cleanText(cell)).join('\t');
  const lines = ['GRANTS'];
  lines.push(
    ...(analysis.grants.length > 0
      ? analysis.grants.map((grant) => row(...describeGrant(grant)))
      : ['(none)']),
  );
  lines.push('', 'FINDINGS');
  if (analysis.findings.length === 0) lines.push('(none)');
  for (const finding of analysis.findings) {
    lines.push(row(finding.severity, finding.checkId, finding.message));
    if (finding.canAssume) lines.push(row('', 'reproduce', finding.canAssume));
  }
  if (analysis.undecided.length > 0) {
    lines.push('', 'UNDECIDED');
    for (const open of analysis.undecided)
      lines.push(row(`#${open.statementIndex}`, open.checkId, open.reason));
  }
  return `${lines.join('\n')}\n`;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** `trust explain` and `trust can-assume`. */
export const registerTrust: RegisterCommand = (program: Command) => {
  const trust = program
    .command('trust')
    .description('Explain an IAM trust policy, or decide an assume request against it.');

  trust
    .command('explain')
    .description(
      'List what a trust policy grants and its trust-hygiene findings, each admission with the can-assume command that confirms it.',
    )
    .requiredOption('--file <policy.json>', 'trust policy: JSON or URL-encoded JSON')
    .option('--format <format>', 'json or table', 'json')
    .action(async (options: { file: string; format: string }) => {
      if (options.format !== 'json' && options.format !== 'table')
        throw new InputError(`--format ${JSON.stringify(options.format)}: expected json or table`);
      const analysis = explainTrust(await readPolicyFile(options.file), options.file);
      await emit(options.format === 'table' ? explainTable(analysis) : JSON.stringify(analysis, null, 2));
    });

  trust
    .command('can-assume')
    .description('Decide whether a request may assume the role: {"allowed": true|false|"unknown", "reason"}.')
    .requiredOption('--file <policy.json>', 'trust policy: JSON or URL-encoded JSON')
    .option('--irsa', 'an IRSA web-identity request')
    .option('--pod-identity', 'an EKS Pod Identity request')
    .option('--aws-principal <arn>', 'an IAM principal calling sts:AssumeRole (role chaining)')
    .option('--provider <arn>', 'IRSA: the IAM OIDC provider ARN')
    .option('--subject <subject>', 'IRSA: system:serviceaccount:NAMESPACE:NAME')
    .option('--audience <audience>', 'IRSA: token audience (default sts.amazonaws.com)')
    .option('--tag <key=value>', 'session tag (repeatable)', collect, [])
    .option('--principal-tag <key=value>', 'AWS principal: tag of the caller (repeatable)', collect, [])
    .option('--source-account <id>', 'Pod Identity: aws:SourceAccount')
    .option('--source-arn <arn>', 'Pod Identity: aws:SourceArn')
    .option('--no-session-tags', 'Pod Identity: the association disables session tags')
    .option('--external-id <id>', 'AWS principal: sts:ExternalId')
    .action(async (options: CanAssumeOptions) => {
      const request = assumeRequestFromOptions(options);
      const decision = canAssume(await readPolicyFile(options.file), request);
      await emit(JSON.stringify(decision, null, 2));
    });
};
