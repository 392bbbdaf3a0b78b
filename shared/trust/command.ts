import { shellWord } from '../text.js';
import type { AssumeRequest } from './types.js';

/** The file name commands use for a role's trust policy when no file was given. */
const TRUST_POLICY_FILE = 'trust-policy.json';

/**
 * The `trust can-assume` arguments that describe a request (everything after `--file FILE`).
 *
 * @example canAssumeArguments({ kind: 'irsa', providerArn, subject }) // ['--irsa', '--provider', providerArn, '--subject', subject]
 */
export function canAssumeArguments(request: AssumeRequest): string[] {
  if (request.kind === 'irsa') {
    const args = ['--irsa', '--provider', request.providerArn, '--subject', request.subject];
    if (request.audience !== undefined) args.push('--audience', request.audience);
    return args;
  }
  if (request.kind === 'pod-identity') {
    const args = ['--pod-identity'];
    if (request.sessionTags === undefined) args.push('--no-session-tags');
    else
      for (const [key, value] of Object.entries(request.sessionTags)) args.push('--tag', `${key}=${value}`);
    if (request.sourceAccount !== undefined) args.push('--source-account', request.sourceAccount);
    if (request.sourceArn !== undefined) args.push('--source-arn', request.sourceArn);
    return args;
  }
  const args = ['--aws-principal', request.principalArn];
  if (request.externalId !== undefined) args.push('--external-id', request.externalId);
  for (const [key, value] of Object.entries(request.sessionTags ?? {})) args.push('--tag', `${key}=${value}`);
  for (const [key, value] of Object.entries(request.principalTags ?? {}))
    args.push('--principal-tag', `${key}=${value}`);
  return args;
}

/**
 * The shell command that replays a request against a trust policy file, quoted for a POSIX shell:
 * `eks-identity-audit trust can-assume --file trust-policy.json --irsa ...`.
 */
export function canAssumeCommand(request: AssumeRequest, file: string = TRUST_POLICY_FILE): string {
  return ['eks-identity-audit', 'trust', 'can-assume', '--file', file, ...canAssumeArguments(request)]
    .map(shellWord)
    .join(' ');
}
