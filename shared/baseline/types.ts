/** Where a baseline value was written: for located errors and SARIF locations. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/** A logical cluster: one name for the physical clusters that serve it (both during a cutover). */
export interface LogicalCluster {
  name: string;
  account: string;
  region: string;
  /** Physical EKS cluster names. */
  members: string[];
  location?: SourceLocation;
}

export interface PodIdentityBinding {
  cluster: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  targetRoleArn?: string;
  disableSessionTags?: boolean;
  location?: SourceLocation;
}

export interface IrsaBinding {
  cluster: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  location?: SourceLocation;
}

export interface BaselineException {
  check: string;
  /** Glob (`*`, `?`) on the finding's resource id. */
  resource: string;
  reason: string;
  /** ISO date `YYYY-MM-DD`; the exception stops applying after this day. */
  expires?: string;
  location?: SourceLocation;
}

export interface BaselineSettings {
  /** Window for unused findings, in days (default 90, at most 90: CloudTrail event history). */
  unusedAfterDays: number;
}

/** Baseline v1, validated and normalized (docs/architecture.md §5). */
export interface Baseline {
  version: 1;
  settings: BaselineSettings;
  clusters: LogicalCluster[];
  podIdentity: PodIdentityBinding[];
  irsa: IrsaBinding[];
  /** Extra accounts whose roles are scanned (with `organization`: besides the discovered ones). */
  accounts: string[];
  /**
   * `accounts: org` or `accounts: { organization: … }`: the accounts are discovered through AWS
   * Organizations at run time, all ACTIVE accounts of the organization or of the listed OUs (child
   * OUs included), less `exclude`.
   */
  organization?: { units?: string[]; exclude: string[] };
  exceptions: BaselineException[];
  /** Where it came from: a file path or s3:// URI, and its SHA-256. */
  source: { name: string; sha256: string; etag?: string; versionId?: string };
}
