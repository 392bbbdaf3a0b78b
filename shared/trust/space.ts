import { ANY_CHAR, type CharSet, charRanges, charSetOf, type Rx, rxNfa, unionCharSets } from './automaton.js';
import { type KeyState, type RequestPrincipal, requestContext } from './context.js';
import { Language, nfaLeaf } from './language.js';
import { comparisonLanguage } from './pattern.js';
import { POD_IDENTITY_SERVICE, parseProviderArn } from './providers.js';
import type { Variable } from './region.js';
import type { AssumeRequest, IrsaAssumeRequest, PodIdentityAssumeRequest } from './types.js';

/**
 * The requests EKS can make, as spaces of variables with their domains: what a web-identity token
 * of a cluster issuer carries, and what the Pod Identity service sends. Claims about a policy
 * ("admits any namespace", "never matches") are statements over these spaces.
 */

/** One case of a request space: the principal, the actions it needs, and how each condition key reads. */
export interface SpaceCase {
  /** How reasons name a request of the case, e.g. `a Pod Identity request with session tags`. */
  label: string;
  /** How reasons name the case among others, e.g. `with session tags`. */
  name: string;
  principal: RequestPrincipal;
  /** Every action the request needs allowed. */
  actions: readonly string[];
  /** The variable a condition key reads, or its fixed state in every request of this case. */
  key(key: string, action: string): number | KeyState;
  /** The concrete request of a point of the space. */
  request(values: readonly string[]): AssumeRequest;
}

export interface RequestSpace {
  variables: readonly Variable[];
  cases: readonly SpaceCase[];
}

const LOWER_ALNUM = charRanges(['a', 'z'], ['0', '9']);
const LABEL_INNER = unionCharSets(LOWER_ALNUM, charSetOf('-'));
const HEX = charRanges(['0', '9'], ['a', 'f']);

/** A DNS-1123 label, as Kubernetes namespace names are. */
const LABEL: Rx = {
  seq: [{ set: LOWER_ALNUM }, { opt: { seq: [{ star: { set: LABEL_INNER } }, { set: LOWER_ALNUM }] } }],
};
/** A DNS-1123 subdomain, as Kubernetes service-account and pod names are. */
const SUBDOMAIN: Rx = { seq: [LABEL, { star: { seq: [{ lit: '.' }, LABEL] } }] };
const ACCOUNT: Rx = { times: { set: charRanges(['0', '9']) }, count: 12 };
/** EKS cluster names: a letter or digit, then letters, digits, `-` and `_`. */
const CLUSTER_NAME: Rx = {
  seq: [
    { set: charRanges(['0', '9'], ['A', 'Z'], ['a', 'z']) },
    { star: { set: unionCharSets(charRanges(['0', '9'], ['A', 'Z'], ['a', 'z']), charSetOf('-_')) } },
  ],
};
const PARTITION: Rx = {
  alt: ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'].map(
    (lit) => ({
      lit,
    }),
  ),
};
const LOWER = charRanges(['a', 'z']);
const REGION: Rx = {
  seq: [
    { times: { set: LOWER }, count: 2 },
    { seq: [{ lit: '-' }, { set: LOWER }, { star: { set: LOWER } }] },
    { star: { seq: [{ lit: '-' }, { set: LOWER }, { star: { set: LOWER } }] } },
    { lit: '-' },
    { set: charRanges(['1', '9']) },
    { star: { set: charRanges(['0', '9']) } },
  ],
};
const CLUSTER_ARN: Rx = {
  seq: [
    { lit: 'arn:' },
    PARTITION,
    { lit: ':eks:' },
    REGION,
    { lit: ':' },
    ACCOUNT,
    { lit: ':cluster/' },
    CLUSTER_NAME,
  ],
};
const POD_UID: Rx = {
  seq: [8, 4, 4, 4, 12].flatMap((count, i) => [
    ...(i > 0 ? [{ lit: '-' } as Rx] : []),
    { times: { set: HEX }, count } as Rx,
  ]),
};
const NON_EMPTY: Rx = { seq: [{ set: ANY_CHAR }, { star: { set: ANY_CHAR } }] };
const SUBJECT: Rx = { seq: [{ lit: 'system:serviceaccount:' }, LABEL, { lit: ':' }, SUBDOMAIN] };

/** A regular expression's source for a {@link Rx}, so one definition gives both the automaton and a fast test. */
function regexSource(rx: Rx): string {
  if ('lit' in rx) return rx.lit.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  if ('set' in rx) return classSource(rx.set);
  if ('seq' in rx) return rx.seq.map(regexSource).join('');
  if ('alt' in rx) return `(?:${rx.alt.map(regexSource).join('|')})`;
  if ('star' in rx) return `(?:${regexSource(rx.star)})*`;
  if ('opt' in rx) return `(?:${regexSource(rx.opt)})?`;
  return `(?:${regexSource(rx.times)}){${rx.count}}`;
}

function classSource(set: CharSet): string {
  const unit = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
  let body = '';
  for (let i = 0; i < set.length; i += 2)
    body += set[i] === set[i + 1] ? unit(set[i]) : `${unit(set[i])}-${unit(set[i + 1])}`;
  return `[${body}]`;
}

/** The language of a regular expression over code units. */
function rxLanguage(rx: Rx): Language {
  const regex = new RegExp(`^${regexSource(rx)}$`);
  return Language.leaf(
    nfaLeaf(
      () => rxNfa(rx),
      (text) => regex.test(text),
    ),
  );
}

/** Kubernetes service-account subjects: `system:serviceaccount:NAMESPACE:NAME`. */
const SUBJECT_DOMAIN = rxLanguage(SUBJECT);
const NON_EMPTY_DOMAIN = rxLanguage(NON_EMPTY);
/**
 * Audiences a token can carry: any client id registered on the provider. A service-account subject
 * is not one (writing the subject under `:aud` is a known mistake, and never matches).
 */
const AUDIENCE_DOMAIN = NON_EMPTY_DOMAIN.minus(
  comparisonLanguage('like', {
    text: 'system:serviceaccount:*',
    wild: [...'system:serviceaccount:'].map(() => false).concat(true),
  }) as Language,
);
const NAMESPACE_DOMAIN = rxLanguage(LABEL);
const NAME_DOMAIN = rxLanguage(SUBDOMAIN);
const CLUSTER_NAME_DOMAIN = rxLanguage(CLUSTER_NAME);
const CLUSTER_ARN_DOMAIN = rxLanguage(CLUSTER_ARN);
const ACCOUNT_DOMAIN = rxLanguage(ACCOUNT);
const POD_UID_DOMAIN = rxLanguage(POD_UID);

/** The default audience of EKS service-account tokens for IAM. */
export const STS_AUDIENCE = 'sts.amazonaws.com';

/** Variables of the IRSA space. */
export const IRSA_SUBJECT = 0;
export const IRSA_AUDIENCE = 1;

/**
 * The web-identity requests of one OIDC provider: the subject and audience claims vary, every other
 * key is fixed as {@link requestContext} reads it for such a request.
 *
 * @returns undefined when the text is not an OIDC provider ARN (no request can name it).
 */
export function irsaSpace(providerArn: string): RequestSpace | undefined {
  if (irsaSpaces.has(providerArn)) return irsaSpaces.get(providerArn);
  const space = buildIrsaSpace(providerArn);
  if (irsaSpaces.size > 10_000) irsaSpaces.clear();
  irsaSpaces.set(providerArn, space);
  return space;
}

/** Spaces by provider ARN: an audit meets a few hundred providers across thousands of roles. */
const irsaSpaces = new Map<string, RequestSpace | undefined>();

function buildIrsaSpace(providerArn: string): RequestSpace | undefined {
  const provider = parseProviderArn(providerArn);
  if (!provider) return undefined;
  const host = provider.hostPath.toLowerCase();
  const fixed = requestContext({ kind: 'irsa', providerArn, subject: 'system:serviceaccount:n:s' });
  const variables: Variable[] = [
    {
      label: `the ${provider.hostPath}:sub claim`,
      domain: provider.isEksIssuer ? SUBJECT_DOMAIN : NON_EMPTY_DOMAIN,
      domainLabel: provider.isEksIssuer
        ? 'service-account subjects system:serviceaccount:NAMESPACE:NAME, with lowercase DNS names'
        : 'non-empty subjects',
      examples: ['system:serviceaccount:default:default', 'system:serviceaccount:example:example'],
    },
    {
      label: `the ${provider.hostPath}:aud claim`,
      domain: AUDIENCE_DOMAIN,
      domainLabel: 'audiences (client ids), which are never service-account subjects',
      examples: [STS_AUDIENCE, 'example.com'],
    },
  ];
  const irsaCase: SpaceCase = {
    label: `a web identity from ${provider.hostPath}`,
    name: 'web identity',
    principal: { type: 'Federated', arn: providerArn },
    actions: ['sts:AssumeRoleWithWebIdentity'],
    key(rawKey) {
      const key = rawKey.toLowerCase();
      if (key === `${host}:sub`) return IRSA_SUBJECT;
      if (key === `${host}:aud`) return IRSA_AUDIENCE;
      return fixed.lookup(rawKey);
    },
    request(values): IrsaAssumeRequest {
      return { kind: 'irsa', providerArn, subject: values[IRSA_SUBJECT], audience: values[IRSA_AUDIENCE] };
    },
  };
  return { variables, cases: [irsaCase] };
}

/** Variables of the Pod Identity space. */
export const PI_CLUSTER_ARN = 0;
export const PI_CLUSTER_NAME = 1;
export const PI_NAMESPACE = 2;
export const PI_SERVICE_ACCOUNT = 3;
export const PI_POD_NAME = 4;
export const PI_POD_UID = 5;
export const PI_SOURCE_ACCOUNT = 6;

/** The session tags EKS Pod Identity adds, by variable. */
export const PI_TAGS: ReadonlyArray<[string, number]> = [
  ['eks-cluster-arn', PI_CLUSTER_ARN],
  ['eks-cluster-name', PI_CLUSTER_NAME],
  ['kubernetes-namespace', PI_NAMESPACE],
  ['kubernetes-service-account', PI_SERVICE_ACCOUNT],
  ['kubernetes-pod-name', PI_POD_NAME],
  ['kubernetes-pod-uid', PI_POD_UID],
];

const PI_VARIABLES: readonly Variable[] = [
  {
    label: 'the cluster ARN (aws:SourceArn and the eks-cluster-arn tag)',
    domain: CLUSTER_ARN_DOMAIN,
    domainLabel: 'EKS cluster ARNs arn:PARTITION:eks:REGION:ACCOUNT:cluster/NAME',
    examples: ['arn:aws:eks:us-east-1:111122223333:cluster/example'],
  },
  {
    label: 'the eks-cluster-name tag',
    domain: CLUSTER_NAME_DOMAIN,
    domainLabel: 'EKS cluster names (letters, digits, - and _)',
    examples: ['example'],
  },
  {
    label: 'the kubernetes-namespace tag',
    domain: NAMESPACE_DOMAIN,
    domainLabel: 'Kubernetes namespace names (lowercase DNS labels)',
    examples: ['default', 'example'],
  },
  {
    label: 'the kubernetes-service-account tag',
    domain: NAME_DOMAIN,
    domainLabel: 'Kubernetes service-account names (lowercase DNS names)',
    examples: ['default', 'example'],
  },
  {
    label: 'the kubernetes-pod-name tag',
    domain: NAME_DOMAIN,
    domainLabel: 'Kubernetes pod names (lowercase DNS names)',
    examples: ['example-pod'],
  },
  {
    label: 'the kubernetes-pod-uid tag',
    domain: POD_UID_DOMAIN,
    domainLabel: 'Kubernetes pod UIDs (lowercase UUIDs)',
    examples: ['00000000-0000-0000-0000-000000000000'],
  },
  {
    label: 'aws:SourceAccount',
    domain: ACCOUNT_DOMAIN,
    domainLabel: '12-digit account ids',
    examples: ['111122223333'],
  },
];

/**
 * The requests of the Pod Identity service: with the six session tags (`sts:AssumeRole` and
 * `sts:TagSession`), or without them for associations that disable session tags (`sts:AssumeRole`
 * only, no `aws:RequestTag/...` key). `aws:SourceArn` is the cluster ARN, the same value as the
 * `eks-cluster-arn` tag; the other values vary independently.
 */
export function podIdentitySpace(): RequestSpace {
  podIdentity ??= { variables: PI_VARIABLES, cases: [podIdentityCase(true), podIdentityCase(false)] };
  return podIdentity;
}

let podIdentity: RequestSpace | undefined;

function podIdentityCase(tagged: boolean): SpaceCase {
  const placeholder = Object.fromEntries(PI_TAGS.map(([tag]) => [tag, 'x']));
  const fixed = requestContext({
    kind: 'pod-identity',
    sessionTags: tagged ? placeholder : undefined,
    sourceAccount: '000000000000',
    sourceArn: 'arn:aws:eks:us-east-1:000000000000:cluster/x',
  });
  const tagVariable = new Map(PI_TAGS.map(([tag, v]) => [`aws:requesttag/${tag}`, v]));
  return {
    label: tagged
      ? 'a Pod Identity request with session tags'
      : 'a Pod Identity request without session tags (disableSessionTags)',
    name: tagged ? 'with session tags' : 'without session tags',
    principal: { type: 'Service', name: POD_IDENTITY_SERVICE },
    actions: tagged ? ['sts:AssumeRole', 'sts:TagSession'] : ['sts:AssumeRole'],
    key(rawKey) {
      const key = rawKey.toLowerCase();
      if (key === 'aws:sourcearn') return PI_CLUSTER_ARN;
      if (key === 'aws:sourceaccount') return PI_SOURCE_ACCOUNT;
      const variable = tagged ? tagVariable.get(key) : undefined;
      if (variable !== undefined) return variable;
      return fixed.lookup(rawKey);
    },
    request(values): PodIdentityAssumeRequest {
      const request: PodIdentityAssumeRequest = {
        kind: 'pod-identity',
        sourceAccount: values[PI_SOURCE_ACCOUNT],
        sourceArn: values[PI_CLUSTER_ARN],
      };
      if (tagged) request.sessionTags = Object.fromEntries(PI_TAGS.map(([tag, v]) => [tag, values[v]]));
      return request;
    },
  };
}

/** The cluster ARNs of one account (in one partition), the universe of "any cluster of the account". */
export function clusterArnsOfAccount(account: string, partition = 'aws'): Language {
  const key = `${partition}:${account}`;
  let arns = clusterArnsCache.get(key);
  if (!arns) {
    const text = `arn:${partition}:eks:*:${account}:cluster/*`;
    const pattern = { text, wild: [...text].map((c) => c === '*') };
    arns = CLUSTER_ARN_DOMAIN.and(comparisonLanguage('arn', pattern) as Language);
    if (clusterArnsCache.size > 1000) clusterArnsCache.clear();
    clusterArnsCache.set(key, arns);
  }
  return arns;
}

/** The AWS partitions an EKS cluster ARN can name. */
export const PARTITIONS = [
  'aws',
  'aws-cn',
  'aws-us-gov',
  'aws-iso',
  'aws-iso-b',
  'aws-iso-e',
  'aws-iso-f',
  'aws-eusc',
];

const clusterArnsCache = new Map<string, Language>();
