import { compareText } from '../model/compare.js';
import type { CollectionError } from '../model/index.js';
import {
  causeOfError,
  causesOf,
  describeFailure,
  FAILURE_CAUSE_LABELS,
  type FailureCause,
} from './causes.js';

/** A scope as the inventory and report v1 list it (the fields the verdict reads). */
export interface JudgedScope {
  level?: string;
  accountId: string;
  region?: string;
  cluster?: string;
  status: 'complete' | 'incomplete';
  errors: ReadonlyArray<CollectionError & { cause?: string }>;
}

/** A requested account (or one region of it) that could not be read at all. */
export interface UnreadScope {
  accountId: string;
  /** Absent: the whole account. */
  region?: string;
  /** The cause class of its first error, or `not-collected` when it is not in the inventory at all. */
  cause: FailureCause | 'not-collected';
  /** `AccessDenied on sts:AssumeRole — check --external-id and the member role's trust (…)`. */
  message: string;
}

/**
 * How complete a run's collection was: `complete`, or `incomplete` with the number of scopes that
 * recorded errors, their cause classes, and the requested accounts and regions that could not be
 * read at all (an AssumeRole that failed, a region whose EKS listing failed, a declared account or
 * region the snapshot does not hold). Report v1's `collection`.
 */
export interface CollectionSummary {
  status: 'complete' | 'incomplete';
  /** Scopes that recorded errors themselves (not those incomplete only through their parent). */
  incompleteScopes: number;
  /** The distinct cause classes of every recorded error. */
  causes: FailureCause[];
  unread: UnreadScope[];
}

/** Scopes the inventory should hold but does not (a declared account or region absent from a snapshot). */
export interface NotCollected {
  accountId: string;
  region?: string;
}

/**
 * Judges a collection from its scopes: which requested accounts and regions were not read at all,
 * and how many scopes are partly incomplete. `notCollected` adds requested scopes that are missing
 * from the inventory. Pure.
 *
 * @example summarizeCollection(inventory.scopes).unread // [{ accountId: '222233334444', cause: 'access-denied', message: 'AccessDenied on sts:AssumeRole — …' }]
 */
export function summarizeCollection(
  scopes: ReadonlyArray<JudgedScope>,
  notCollected: ReadonlyArray<NotCollected> = [],
): CollectionSummary {
  const recorded = scopes.filter((scope) => scope.status === 'incomplete' && scope.errors.length > 0);
  const unread: UnreadScope[] = [];
  for (const scope of recorded) {
    if (scope.level !== 'account' && scope.level !== 'region') continue;
    const [first, ...more] = scope.errors;
    unread.push({
      accountId: scope.accountId,
      ...(scope.level === 'region' && scope.region ? { region: scope.region } : {}),
      cause: causeOfError(first),
      message: describeFailure(first) + (more.length > 0 ? ` (and ${more.length} more error(s))` : ''),
    });
  }
  const unreadAccounts = new Set(
    unread.filter((entry) => entry.region === undefined).map((e) => e.accountId),
  );
  for (const missing of notCollected) {
    // A region of an account that could not be read at all is already said with its account.
    if (missing.region !== undefined && unreadAccounts.has(missing.accountId)) continue;
    unread.push({
      ...missing,
      cause: 'not-collected',
      message:
        missing.region === undefined
          ? 'not in the snapshot — collect this account'
          : 'not in the snapshot — collect this region',
    });
  }
  unread.sort((a, b) => compareText(a.accountId, b.accountId) || compareText(a.region ?? '', b.region ?? ''));
  const incompleteScopes = recorded.length + notCollected.length;
  return {
    status: incompleteScopes > 0 ? 'incomplete' : 'complete',
    incompleteScopes,
    causes: causesOf(recorded.flatMap((scope) => scope.errors)),
    unread,
  };
}

/** `222233334444: AccessDenied on sts:AssumeRole — …`, `222233334444 eu-west-1: …`: one line per unread scope. */
export function unreadLine(entry: UnreadScope): string {
  return `${entry.accountId}${entry.region ? ` ${entry.region}` : ''}: ${entry.message}`;
}

/**
 * The one-line headline of an incomplete collection (for stderr and the top of every report), or
 * undefined when it was complete.
 *
 * @example collectionHeadline(summary) // 'COLLECTION INCOMPLETE: 1 account could not be read at all; 2 scopes incomplete (access denied)'
 */
export function collectionHeadline(summary: CollectionSummary): string | undefined {
  if (summary.status === 'complete') return undefined;
  const accounts = summary.unread.filter((entry) => entry.region === undefined).length;
  const regions = summary.unread.length - accounts;
  const unread = [
    accounts > 0 ? `${accounts} ${accounts === 1 ? 'account' : 'accounts'}` : '',
    regions > 0 ? `${regions} ${regions === 1 ? 'region' : 'regions'}` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  const causes =
    summary.causes.length > 0
      ? ` (${summary.causes.map((cause) => FAILURE_CAUSE_LABELS[cause]).join(', ')})`
      : '';
  const scopes = `${summary.incompleteScopes} ${summary.incompleteScopes === 1 ? 'scope' : 'scopes'} incomplete${causes}`;
  return `COLLECTION INCOMPLETE: ${unread ? `${unread} could not be read at all; ` : ''}${scopes}; nothing inside an incomplete scope is reported as missing or unused`;
}
