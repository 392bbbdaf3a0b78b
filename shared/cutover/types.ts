/**
 * Public types of the blue/green cutover report (`cutover` command and the `cutover-check` Lambda).
 * The JSON form of {@link CutoverResult} is a contract: extend it, never break it.
 */
import type { Baseline } from '../baseline/types.js';
import type { ResourceType, Severity } from '../model/index.js';
import type { Inventory } from '../model/inventory.js';

/** `pre`: is NEW ready to take over? `post`: what is left to clean up after the switch? */
export type CutoverPhase = 'pre' | 'post';

/** What {@link runCutover} judges. */
export interface CutoverInput {
  inventory: Inventory;
  /** Declared bindings and the logical cluster's account, region and members. */
  baseline?: Baseline;
  /** The logical cluster (a baseline `clusters` key, or a free label without a baseline). */
  cluster: string;
  /** The physical cluster being replaced (OLD). */
  from: string;
  /** The physical cluster taking over (NEW). */
  to: string;
  phase: CutoverPhase;
  /** Only CloudTrail evidence at or after this time counts (post: failures since the switch). */
  since?: Date;
}

export type CutoverVerdict = 'READY' | 'NOT_READY';

/** How a workload gets AWS credentials. */
export type WorkloadMechanism = 'pod-identity' | 'irsa';

/** Why a workload is in the report: declared, found on OLD, or seen in CloudTrail on OLD. */
export type WorkloadSource = 'baseline' | 'old-cluster' | 'cloudtrail';

/** ready: nothing blocks it on NEW; blocked: a blocking finding does; unknown: not decidable from the data. */
export type WorkloadStatus = 'ready' | 'blocked' | 'unknown';

/** A blocking or non-blocking item of one workload, pointing at the finding that explains it. */
export interface WorkloadBlocker {
  checkId: string;
  findingId: string;
  blocking: boolean;
  message: string;
}

/** One workload identity (namespace, service account → role) of the logical cluster. */
export interface CutoverWorkload {
  /** `pod-identity/NS/SA/ROLE_ARN` or `irsa/SUBJECT/ROLE_ARN`: stable within one report. */
  key: string;
  mechanism: WorkloadMechanism;
  namespace: string;
  serviceAccount: string;
  /** IRSA: the subject (pattern) the trust grants, `system:serviceaccount:NS:SA`; `*` for any. */
  subject?: string;
  roleArn: string;
  targetRoleArn?: string;
  disableSessionTags?: boolean;
  /** The add-on that owns the association on OLD, when one does. */
  addonName?: string;
  sources: WorkloadSource[];
  declared: boolean;
  status: WorkloadStatus;
  /** Blocking and non-blocking items; empty when ready. */
  blockers: WorkloadBlocker[];
  /** Things worth knowing that neither block nor were undecidable. */
  notes: string[];
}

/** A cutover finding: like an audit finding, plus whether it blocks the cutover. */
export interface CutoverFinding {
  id: string;
  checkId: string;
  severity: Severity;
  /** True when it stops the verdict from being READY (or, post, from being clean). */
  blocking: boolean;
  title: string;
  message: string;
  accountId: string;
  region?: string;
  cluster?: string;
  resource: { type: ResourceType; id: string };
  /** Keys of the workloads it affects. */
  workloads: string[];
  evidence: Record<string, unknown>;
  remediation: string;
}

/** A question the data could not answer (missing policy documents, constructs the analyzer cannot evaluate). */
export interface CutoverUndecided {
  checkId: string;
  resourceId: string;
  reason: string;
  workloads: string[];
}

/** One shell command of the plan, with why it is needed. */
export interface PlanCommand {
  /** What it fixes, e.g. `CUTOVER_ASSOCIATION_NOT_REPLICATED`. */
  checkId: string;
  description: string;
  command: string;
}

/** The full updated trust policy of one role. */
export interface TrustPolicyChange {
  roleArn: string;
  roleName: string;
  accountId: string;
  /** What changes: NEW's statements added (pre) or OLD's removed (post). */
  change: 'extend' | 'remove-old';
  /** The complete updated trust policy; null when nothing would remain (the role only served OLD). */
  policy: Record<string, unknown> | null;
  /** Minified size in characters, and the default quota it is measured against. */
  size: number;
  limit: number;
  fits: boolean;
  /** Set when it will not fit, or when no policy remains. */
  message?: string;
  /** Indexes (in the old policy) of the statements copied or removed. */
  statements: number[];
  /** `canAssume` checks of the updated policy. */
  verification: TrustVerification;
  /** File name the command reads the policy from. */
  file: string;
  command?: string;
}

/** The checks the planner ran on an updated trust policy with `canAssume`. */
export interface TrustVerification {
  /** Pre: every workload subject is admitted from NEW's issuer. Post: still admitted from NEW's. */
  admitsNew: boolean;
  /** Pre: every (issuer, subject) the old policy admitted is still admitted. */
  keepsOld: boolean;
  /** Post: no subject of OLD's issuer is admitted any more. */
  dropsOld?: boolean;
  /** One line per evaluated request that failed its expectation. */
  failures: string[];
  /** How many requests were evaluated. */
  checked: number;
}

/** The baseline `members` change of the logical cluster. */
export interface BaselinePatch {
  cluster: string;
  /** Members as declared today; undefined without a baseline. */
  current?: string[];
  members: string[];
  changed: boolean;
  /** YAML fragment to merge into the baseline. */
  yaml: string;
}

/** One check of the audit that flags a grant the plan copies (IRSA) or reuses on NEW (Pod Identity). */
export interface GrantFlag {
  checkId: string;
  severity: Severity;
  message: string;
}

/**
 * A trust grant the pre-phase plan copies to NEW's issuer (IRSA) or lets NEW's new association use
 * (Pod Identity) although the audit's own trust checks flag it as too broad, with the narrower
 * statement to use instead.
 */
export interface FlaggedGrant {
  roleArn: string;
  roleName: string;
  mechanism: WorkloadMechanism;
  /** The flagged statement in the role's current trust policy; absent for a statement the plan writes anew. */
  statementIndex?: number;
  /** IRSA: where the plan's updated policy (`file`) holds the flagged copy. */
  copyIndex?: number;
  /** IRSA: the trust policy file of the plan that holds the copy. */
  file?: string;
  /** The plan commands that copy or reuse the grant. */
  commands: string[];
  /** The findings of the audit's trust checks on it; the highest severity first. */
  flags: GrantFlag[];
  /** The highest severity among the flags. */
  severity: Severity;
  /**
   * The statement(s) to use instead: for IRSA the exact `system:serviceaccount:NS:SA` subjects under
   * `StringEquals` with `:aud` = `sts.amazonaws.com`; for Pod Identity the statement pinned by
   * `aws:SourceAccount`, `aws:SourceArn` and (with session tags) namespace and service-account tags.
   */
  narrower: Array<Record<string, unknown>>;
  /** The service accounts (`system:serviceaccount:NS:SA`) the narrower statement admits. */
  subjects: string[];
  /** True when no service account using the grant is known: the narrower statement holds placeholders to fill in. */
  placeholders: boolean;
  /**
   * The narrower statement admits every known workload of the grant (on NEW, and on OLD and other
   * clusters for Pod Identity), and none of the flagging checks flags it.
   */
  verified: boolean;
  /** Workload keys that use the grant. */
  workloads: string[];
  message: string;
}

/** Why a post-phase deletion is not in the plan. */
export type WithheldStatus = 'not-ready' | 'not-served' | 'still-needed' | 'unknown';

/**
 * A deletion the post phase does not plan: NEW does not serve every workload of OLD yet
 * (`not-ready`), NEW does not serve this item's workload (`not-served`), a trust or recent use still
 * needs it (`still-needed`), or the data cannot tell (`unknown`: an incomplete scope, or a question
 * the evaluator cannot decide).
 */
export interface WithheldDeletion {
  checkId: string;
  resource: { type: ResourceType; id: string };
  status: WithheldStatus;
  reason: string;
  workloads: string[];
}

/** The remediation plan, generated from the data. */
export interface CutoverPlan {
  /** Pod Identity association, add-on, agent and node-role commands (pre), or deletions (post). */
  commands: PlanCommand[];
  trustPolicies: TrustPolicyChange[];
  baseline: BaselinePatch;
  /** Pre: grants the plan copies or reuses that the audit's trust checks flag, with the narrower statement to use. */
  flaggedGrants: FlaggedGrant[];
  /** Post: deletions left out of the plan, and why. */
  withheld: WithheldDeletion[];
}

/** What the report knows about one physical cluster. */
export interface CutoverClusterInfo {
  name: string;
  exists: boolean;
  arn?: string;
  issuerHostPath?: string;
  oidcProviderArn?: string;
  autoMode?: boolean;
  podIdentityAgent?: boolean;
}

/** The cutover report (JSON contract). */
export interface CutoverResult {
  cutoverVersion: 1;
  verdict: CutoverVerdict;
  phase: CutoverPhase;
  cluster: string;
  from: string;
  to: string;
  accountId: string;
  region: string;
  /** The snapshot's capturedAt. */
  capturedAt: string;
  since?: string;
  old: CutoverClusterInfo;
  new: CutoverClusterInfo;
  workloads: CutoverWorkload[];
  findings: CutoverFinding[];
  undecided: CutoverUndecided[];
  plan: CutoverPlan;
  summary: {
    workloads: number;
    ready: number;
    blocked: number;
    unknown: number;
    blockingFindings: number;
    nonBlockingFindings: number;
  };
}
