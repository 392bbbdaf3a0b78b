import { InputError } from '../errors.js';
import { POD_IDENTITY_SERVICE, parseProviderArn } from './providers.js';
import type { AssumeRequest } from './types.js';

/** What a request says about one condition key. */
export type KeyState =
  | { state: 'present'; values: string[]; multivalued: boolean }
  | { state: 'absent' }
  | { state: 'unknown'; why: string };

/** The principal making a request, as trust-policy `Principal` elements see it. */
export type RequestPrincipal =
  | { type: 'AWS'; arn: string; accountId: string; roleName?: string; sessionArn?: string }
  | { type: 'Service'; name: string }
  | { type: 'Federated'; arn: string };

/** A request reduced to what the evaluator needs: principal, actions and condition keys. */
export interface RequestContext {
  principal: RequestPrincipal;
  /** Every action that must be allowed (e.g. `sts:AssumeRole` and `sts:TagSession`). */
  actions: string[];
  /** Looks up a condition key (case-insensitive) as set when authorizing `action`. */
  lookup(key: string, action?: string): KeyState;
  /** Short description for messages, e.g. `the IRSA request`. */
  description: string;
}

const ABSENT: KeyState = { state: 'absent' };

/** Keys that describe a signing IAM principal: absent for web-identity and service requests. */
const IAM_PRINCIPAL_KEYS = new Set([
  'aws:principalarn',
  'aws:principalaccount',
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:userid',
  'aws:username',
]);
/** Keys that only a service acting for a resource sets. */
const SOURCE_KEYS = new Set([
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:sourceorgid',
  'aws:sourceorgpaths',
  'aws:sourceowner',
]);

/**
 * A key of some identity provider's claims (`<host>[/path]:<claim>`): identity-provider prefixes
 * contain a dot or a slash, service prefixes (`aws`, `sts`, `eks`) never do.
 */
function identityProviderPrefix(key: string): string | undefined {
  const colon = key.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const prefix = key.slice(0, colon);
  return prefix.includes('.') || prefix.includes('/') ? prefix : undefined;
}

function single(value: string): KeyState {
  return { state: 'present', values: [value], multivalued: false };
}

function tagLookup(tags: Record<string, string>, tagKey: string): KeyState {
  // Tag keys in condition key names compare case-insensitively, like the rest of the key name.
  for (const [k, v] of Object.entries(tags)) if (k.toLowerCase() === tagKey) return single(v);
  return ABSENT;
}

function unmodeled(key: string, kind: string): KeyState {
  return {
    state: 'unknown',
    why: `condition key ${key} would be set at request time but is not modeled for ${kind} requests`,
  };
}

/**
 * Builds the request context for an assume request: which principal, which actions must be allowed,
 * and which condition keys are present, absent (IAM's missing-key rules apply), or unknown.
 *
 * @throws InputError when the request itself is malformed (e.g. not a provider ARN).
 */
export function requestContext(request: AssumeRequest): RequestContext {
  if (request.kind === 'irsa') return irsaContext(request);
  if (request.kind === 'pod-identity') return podIdentityContext(request);
  return awsContext(request);
}

function irsaContext(request: Extract<AssumeRequest, { kind: 'irsa' }>): RequestContext {
  const provider = parseProviderArn(request.providerArn);
  if (!provider)
    throw new InputError(
      `provider: expected an OIDC provider ARN like arn:aws:iam::111122223333:oidc-provider/oidc.eks.REGION.amazonaws.com/id/ID, got ${JSON.stringify(request.providerArn)}`,
    );
  const host = provider.hostPath.toLowerCase();
  const subjectKey = `${host}:sub`;
  const audienceKey = `${host}:aud`;
  const audience = request.audience ?? 'sts.amazonaws.com';
  return {
    principal: { type: 'Federated', arn: request.providerArn },
    actions: ['sts:AssumeRoleWithWebIdentity'],
    description: `the web-identity request of ${request.subject} through ${provider.hostPath}`,
    lookup(rawKey) {
      const key = rawKey.toLowerCase();
      if (key === subjectKey) return single(request.subject);
      if (key === audienceKey) return single(audience);
      const idp = identityProviderPrefix(key);
      if (idp === host) return unmodeled(rawKey, 'IRSA');
      // Another provider's claims are simply not in this request.
      if (idp !== undefined) return ABSENT;
      if (IAM_PRINCIPAL_KEYS.has(key) || SOURCE_KEYS.has(key)) return ABSENT;
      if (key.startsWith('aws:principaltag/') || key.startsWith('aws:requesttag/')) return ABSENT;
      if (key === 'aws:tagkeys' || key === 'sts:externalid' || key === 'sts:transitivetagkeys') return ABSENT;
      if (key === 'aws:principalservicename') return ABSENT;
      return unmodeled(rawKey, 'IRSA');
    },
  };
}

function podIdentityContext(request: Extract<AssumeRequest, { kind: 'pod-identity' }>): RequestContext {
  const tags = request.sessionTags;
  return {
    principal: { type: 'Service', name: POD_IDENTITY_SERVICE },
    actions: tags === undefined ? ['sts:AssumeRole'] : ['sts:AssumeRole', 'sts:TagSession'],
    description: 'the Pod Identity request',
    lookup(rawKey) {
      const key = rawKey.toLowerCase();
      if (key.startsWith('aws:requesttag/'))
        return tags ? tagLookup(tags, key.slice('aws:requesttag/'.length)) : ABSENT;
      if (key === 'aws:tagkeys')
        return tags ? { state: 'present', values: Object.keys(tags), multivalued: true } : ABSENT;
      if (key === 'aws:sourceaccount')
        return request.sourceAccount !== undefined
          ? single(request.sourceAccount)
          : unmodeled(rawKey, 'these Pod Identity');
      if (key === 'aws:sourcearn')
        return request.sourceArn !== undefined
          ? single(request.sourceArn)
          : unmodeled(rawKey, 'these Pod Identity');
      if (key === 'aws:principalservicename') return single(POD_IDENTITY_SERVICE);
      if (key === 'aws:principalisawsservice') return single('true');
      if (IAM_PRINCIPAL_KEYS.has(key) || key.startsWith('aws:principaltag/')) return ABSENT;
      if (key === 'sts:externalid') return ABSENT;
      if (identityProviderPrefix(key) !== undefined) return ABSENT;
      return unmodeled(rawKey, 'Pod Identity');
    },
  };
}

const IAM_ARN = /^arn:([^:]+):iam::(\d{12}):(.+)$/;
const SESSION_ARN = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/(.+)$/;

function awsContext(request: Extract<AssumeRequest, { kind: 'aws' }>): RequestContext {
  const principal = awsPrincipal(request.principalArn);
  const accountId = request.principalAccount ?? principal.accountId;
  const tags =
    request.sessionTags && Object.keys(request.sessionTags).length > 0 ? request.sessionTags : undefined;
  return {
    principal: { ...principal, accountId },
    actions: tags ? ['sts:AssumeRole', 'sts:TagSession'] : ['sts:AssumeRole'],
    description: `the AssumeRole request of ${request.principalArn}`,
    lookup(rawKey, action) {
      const key = rawKey.toLowerCase();
      if (key === 'aws:principalarn') return single(principal.arn);
      if (
        key === 'sts:externalid' &&
        request.externalId !== undefined &&
        action?.toLowerCase() === 'sts:tagsession'
      )
        return {
          state: 'unknown',
          why: 'sts:ExternalId is documented for sts:AssumeRole only; whether IAM sets it when authorizing sts:TagSession is not decided here',
        };
      if (key === 'aws:principalaccount') return single(accountId);
      if (key === 'aws:principalorgid')
        return request.principalOrgId !== undefined
          ? single(request.principalOrgId)
          : unmodeled(rawKey, 'these AWS principal');
      if (key === 'sts:externalid')
        return request.externalId !== undefined ? single(request.externalId) : ABSENT;
      if (key.startsWith('aws:requesttag/'))
        return tags ? tagLookup(tags, key.slice('aws:requesttag/'.length)) : ABSENT;
      if (key === 'aws:tagkeys')
        return tags ? { state: 'present', values: Object.keys(tags), multivalued: true } : ABSENT;
      if (key.startsWith('aws:principaltag/'))
        return request.principalTags
          ? tagLookup(request.principalTags, key.slice('aws:principaltag/'.length))
          : unmodeled(rawKey, 'these AWS principal');
      if (key === 'aws:principalisawsservice') return single('false');
      if (key === 'aws:principalservicename') return ABSENT;
      if (SOURCE_KEYS.has(key)) return ABSENT;
      if (identityProviderPrefix(key) !== undefined) return ABSENT;
      return unmodeled(rawKey, 'AWS principal');
    },
  };
}

/** The principal as IAM sees it: a role session is represented by its role. */
function awsPrincipal(principalArn: string): Extract<RequestPrincipal, { type: 'AWS' }> {
  const session = SESSION_ARN.exec(principalArn);
  if (session) {
    const [, partition, accountId, roleName] = session;
    // The session ARN carries no role path, so aws:PrincipalArn is the path-less role ARN.
    return {
      type: 'AWS',
      arn: `arn:${partition}:iam::${accountId}:role/${roleName}`,
      accountId,
      roleName,
      sessionArn: principalArn,
    };
  }
  const iam = IAM_ARN.exec(principalArn);
  if (!iam)
    throw new InputError(
      `aws-principal: expected an IAM ARN like arn:aws:iam::111122223333:role/NAME, got ${JSON.stringify(principalArn)}`,
    );
  const resource = iam[3];
  const roleName = resource.startsWith('role/') ? resource.slice(resource.lastIndexOf('/') + 1) : undefined;
  return roleName
    ? { type: 'AWS', arn: principalArn, accountId: iam[2], roleName }
    : { type: 'AWS', arn: principalArn, accountId: iam[2] };
}
