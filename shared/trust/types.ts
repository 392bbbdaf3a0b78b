/**
 * Public types of the trust-policy analyzer. Checks, the baseline generator, the sandbox's
 * AssumeRole and the cutover planner depend on these shapes.
 */

/** A concrete assume-role request to evaluate against a trust policy. */
export type AssumeRequest = IrsaAssumeRequest | PodIdentityAssumeRequest | AwsPrincipalAssumeRequest;

/** `sts:AssumeRoleWithWebIdentity` with an EKS service-account token. */
export interface IrsaAssumeRequest {
  kind: 'irsa';
  /** `arn:aws:iam::ACCOUNT:oidc-provider/oidc.eks.R.amazonaws.com/id/ID` */
  providerArn: string;
  /** `system:serviceaccount:NS:SA` */
  subject: string;
  /** Token audience; default `sts.amazonaws.com`. */
  audience?: string;
}

/**
 * The EKS Pod Identity service (`pods.eks.amazonaws.com`) assuming the association role:
 * `sts:AssumeRole` plus `sts:TagSession` unless session tags are disabled.
 */
export interface PodIdentityAssumeRequest {
  kind: 'pod-identity';
  /**
   * The session tags EKS adds (`eks-cluster-arn`, `eks-cluster-name`, `kubernetes-namespace`,
   * `kubernetes-service-account`, `kubernetes-pod-name`, `kubernetes-pod-uid`), or undefined when
   * the association sets `disableSessionTags` (then no `sts:TagSession` is needed, and
   * `aws:RequestTag/...` conditions cannot match).
   */
  sessionTags?: Record<string, string>;
  /** `aws:SourceAccount`: the cluster's account. */
  sourceAccount?: string;
  /** `aws:SourceArn`: the cluster's ARN. */
  sourceArn?: string;
}

/** An IAM principal (role session, user, account) calling `sts:AssumeRole`, e.g. role chaining. */
export interface AwsPrincipalAssumeRequest {
  kind: 'aws';
  /** The calling principal's ARN (`aws:PrincipalArn`), e.g. `arn:aws:iam::111122223333:role/app`. */
  principalArn: string;
  /** `aws:PrincipalAccount`; derived from the ARN when omitted. */
  principalAccount?: string;
  /** `aws:PrincipalOrgID`, when known. */
  principalOrgId?: string;
  /** `sts:ExternalId` passed by the caller. */
  externalId?: string;
  /** Session tags passed (`aws:RequestTag/...`); when set, `sts:TagSession` must also be allowed. */
  sessionTags?: Record<string, string>;
  /** Tags of the calling principal (`aws:PrincipalTag/...`), e.g. a Pod Identity session's tags. */
  principalTags?: Record<string, string>;
  /** Tag keys the caller marks transitive; not evaluated, recorded for completeness. */
  transitiveTagKeys?: string[];
}

/** Result of `canAssume`. `'unknown'` when the policy uses a construct the analyzer cannot decide. */
export interface AssumeDecision {
  allowed: boolean | 'unknown';
  /** One sentence that says why, naming the statement (Sid or index) that decided. */
  reason: string;
  /** Indexes of the statements that allowed the request (empty when denied). */
  allowingStatements: number[];
}

/** A statement's grant to an EKS IRSA web identity (or another OIDC provider). */
export interface IrsaGrant {
  kind: 'irsa';
  statementIndex: number;
  sid?: string;
  providerArn: string;
  /** The provider path after `oidc-provider/`, e.g. `oidc.eks.us-east-1.amazonaws.com/id/ABC`. */
  issuerHostPath: string;
  /** True when the provider is an EKS issuer (`oidc.eks.R.amazonaws.com/id/ID`). */
  isEksIssuer: boolean;
  /** Region parsed from an EKS issuer host. */
  region?: string;
  /**
   * Subject patterns allowed by the `:sub` condition (IAM wildcards `*`/`?` when `subjectMatch` is
   * `like`), or null when there is no `:sub` condition (any service account of the cluster).
   */
  subjects: string[] | null;
  subjectMatch: 'equals' | 'like' | null;
  /** True when an `:aud` condition requires `sts.amazonaws.com`. */
  audienceChecked: boolean;
  audiences: string[];
  /** Actions the statement allows for this principal. */
  actions: string[];
  /** Set when the statement can never match, with the reason. */
  unsatisfiable?: string;
}

/** Constraints a Pod Identity trust statement places on the session (AND-ed). */
export interface PodIdentityConstraints {
  /** Allowed values (patterns when `like`) of `aws:RequestTag/eks-cluster-name`. */
  clusterNames?: string[];
  clusterArns?: string[];
  namespaces?: string[];
  serviceAccounts?: string[];
  /** `aws:SourceAccount` values. */
  sourceAccounts?: string[];
  /** `aws:SourceArn` values. */
  sourceArns?: string[];
  /** `aws:PrincipalOrgID` / `aws:SourceOrgID` values. */
  orgIds?: string[];
}

/** A statement's grant to the EKS Pod Identity service principal. */
export interface PodIdentityGrant {
  kind: 'pod-identity';
  statementIndex: number;
  sid?: string;
  /** True when `sts:AssumeRole` is allowed. */
  assumeRoleAllowed: boolean;
  /** True when `sts:TagSession` is allowed (needed unless the association disables session tags). */
  tagSessionAllowed: boolean;
  constraints: PodIdentityConstraints;
  /** True when nothing limits which cluster, namespace, SA or account may use the role. */
  unscoped: boolean;
  unsatisfiable?: string;
}

/** A statement's grant to IAM principals (accounts, roles, users, or `*`). */
export interface AwsPrincipalGrant {
  kind: 'aws';
  statementIndex: number;
  sid?: string;
  /** Principal values as written (`arn:aws:iam::A:root`, role ARNs, account ids, `*`). */
  principals: string[];
  /** Never set: IAM rejects `NotPrincipal` in role trust policies, and so does the parser. */
  excludedPrincipals?: string[];
  actions: string[];
  tagSessionAllowed: boolean;
  /** `aws:PrincipalArn` patterns the conditions require, when any. */
  principalArnPatterns?: string[];
  /** `sts:ExternalId` values required, when any. */
  externalIds?: string[];
  /** `aws:PrincipalOrgID` values required, when any. */
  orgIds?: string[];
  /** Session-tag conditions, tag key → allowed values. */
  requestTags?: Record<string, string[]>;
  /** Principal-tag conditions, tag key → allowed values. */
  principalTags?: Record<string, string[]>;
  unsatisfiable?: string;
}

/** A statement's grant to another AWS service principal. */
export interface ServiceGrant {
  kind: 'service';
  statementIndex: number;
  sid?: string;
  services: string[];
  actions: string[];
}

export type Grant = IrsaGrant | PodIdentityGrant | AwsPrincipalGrant | ServiceGrant;

/**
 * The trust-hygiene facts the analyzer proves from the policy alone. Which check reports a fact, at
 * what severity and in what words, is the check's business (`shared/checks/trust/`).
 *
 * - `any-subject`: an IRSA statement admits every service account of the issuer;
 * - `unnamed-subjects`: it admits service accounts no wildcard-free `:sub` value of the policy names;
 * - `any-audience`: it admits a token whose audience is not `sts.amazonaws.com`;
 * - `unsatisfiable`: no request can ever match the statement;
 * - `any-association`: a Pod Identity statement admits every association of an account.
 */
export type HygieneFact =
  | 'any-subject'
  | 'unnamed-subjects'
  | 'any-audience'
  | 'unsatisfiable'
  | 'any-association';

/** Why a statement can never take part in allowing a request, for one part of the request space. */
export interface UnsatisfiableReason {
  /** The part of the request space it is about, e.g. `with session tags`; absent when there is one. */
  case?: string;
  /** The condition key (as written) whose values no request can have, when one key decides. */
  key?: string;
  /** The operators and values written on that key, e.g. `StringEquals ["system:serviceaccount:App:web"]`. */
  conditions?: string[];
  why: string;
}

/**
 * A trust-hygiene fact the analyzer proved about one statement (for IRSA, of one provider), as a
 * question over the whole policy answered with the evaluator's semantics. Severity and wording
 * belong to the checks.
 */
export interface TrustFinding {
  fact: HygieneFact;
  statementIndex: number;
  sid?: string;
  /** The provider ARN for IRSA facts. */
  providerArn?: string;
  /** The provider's issuer host path for IRSA facts. */
  issuerHostPath?: string;
  /**
   * A request the policy allows, through this statement, that shows the admission (every fact but
   * `unsatisfiable`): `canAssume(policy, witness).allowed` is `true`.
   */
  witness?: AssumeRequest;
  /**
   * `unnamed-subjects`: true when the subjects the statement admits without naming them span
   * more than one namespace; `otherWitness` then is one in another namespace.
   */
  crossesNamespaces?: boolean;
  otherWitness?: AssumeRequest;
  /**
   * `any-subject` and `any-association`: the claim is universal (every service
   * account, every association of an account); `witness` is one instance with arbitrary names.
   */
  universal?: string;
  /** `unsatisfiable`: why no request can match, as one sentence and per key. */
  unsatisfiable?: string;
  reasons?: UnsatisfiableReason[];
}

/** A hygiene question the analyzer could not decide (unknown keys, unevaluated operators), with the reason. */
export interface UndecidedQuestion {
  fact: HygieneFact;
  statementIndex: number;
  providerArn?: string;
  reason: string;
}

/**
 * A trust-hygiene finding as `trust explain` prints it: the fact, with the id, severity and wording
 * of the check that reports it.
 */
export interface TrustHygieneFinding extends Omit<TrustFinding, 'fact'> {
  checkId: string;
  severity: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL';
  message: string;
  /** The `trust can-assume` command that reproduces the witness. */
  canAssume?: string;
}

export interface TrustAnalysis {
  grants: Grant[];
  findings: TrustFinding[];
  /** Questions left open; never findings. */
  undecided: UndecidedQuestion[];
}
