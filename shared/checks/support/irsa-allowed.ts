import { isRecord } from '../../model/identity.js';
import { mapLevel } from '../../parts-map.js';
import {
  canAssumeParsed,
  type IrsaAssumeRequest,
  type ParsedPolicy,
  type ParsedStatement,
  parseTrustPolicy,
} from '../../trust/index.js';
import { parseProviderArn } from '../../trust/providers.js';
import { STS_AUDIENCE } from '../../trust/space.js';

/**
 * Below this many statements a trust policy is evaluated whole: narrowing it would cost more than
 * it saves.
 */
const NARROWING_THRESHOLD = 8;

/** A trust policy's statements indexed by the subjects their `StringEquals` `:sub` conditions pin. */
interface SubjectIndex {
  version: string;
  /** Statements that may apply to any subject: denies, and allows without an exact subject pin. */
  always: ParsedStatement[];
  /** Allow statements by lower-cased `:sub` key and subject. */
  pinned: Map<string, ParsedStatement[]>;
}

const indexes = new WeakMap<object, SubjectIndex | null>();

/** The `:sub` keys and subjects an Allow statement's `StringEquals` requires, or undefined when it pins none. */
function subjectPins(statement: ParsedStatement): Array<[string, string]> | undefined {
  if (statement.effect !== 'Allow') return undefined;
  const pins: Array<[string, string]> = [];
  for (const condition of statement.conditions) {
    if (condition.operator !== 'StringEquals' || !condition.keyLower.endsWith(':sub')) continue;
    for (const subject of condition.values) pins.push([condition.keyLower, subject]);
  }
  return pins.length > 0 ? pins : undefined;
}

function indexOf(document: object): SubjectIndex | null {
  let index = indexes.get(document);
  if (index !== undefined) return index;
  index = null;
  const raw = (document as Record<string, unknown>).Statement;
  if (Array.isArray(raw) && raw.length > NARROWING_THRESHOLD) {
    let policy: ParsedPolicy | undefined;
    try {
      policy = trustPolicyOf(document);
    } catch {
      policy = undefined;
    }
    if (policy) {
      const built: SubjectIndex = { version: policy.version, always: [], pinned: new Map() };
      for (const statement of policy.statements) {
        const pins = subjectPins(statement);
        if (!pins) {
          built.always.push(statement);
          continue;
        }
        for (const [key, subject] of pins) {
          const slot = `${key}\u0000${subject}`;
          const list = built.pinned.get(slot);
          if (list) {
            if (list[list.length - 1] !== statement) list.push(statement);
          } else built.pinned.set(slot, [statement]);
        }
      }
      index = built;
    }
  }
  indexes.set(document, index);
  return index;
}

/**
 * True when the trust policy certainly lets this IRSA request assume the role, decided on the
 * statements that can apply to its subject: every Deny and every Allow that does not pin `:sub`
 * with `StringEquals` stays, while an Allow whose `StringEquals` `:sub` names other subjects (or
 * another issuer's key) cannot match the request and is left out. Dropping statements that cannot
 * allow never turns a refusal into a grant, so `true` here is `true` for the whole policy; `false`
 * means "evaluate the whole policy", which callers then do with `canAssume`.
 *
 * A role trusted by thousands of service accounts is judged per binding in time independent of the
 * policy's size, instead of evaluating every statement for every binding.
 *
 * @example if (!irsaCertainlyAllowed(role.trustPolicy, request)) decision = canAssume(role.trustPolicy, request);
 */
export function irsaCertainlyAllowed(document: unknown, request: IrsaAssumeRequest): boolean {
  if (!isRecord(document)) return false;
  const index = indexOf(document);
  if (!index) return false;
  const hostPath = parseProviderArn(request.providerArn)?.hostPath;
  if (hostPath === undefined) return false;
  const key = `${hostPath}:sub`.toLowerCase();
  const candidates = index.pinned.get(`${key}\u0000${request.subject}`) ?? [];
  if (candidates.length === 0) return false;
  try {
    return (
      canAssumeParsed({ version: index.version, statements: [...index.always, ...candidates] }, request)
        .allowed === true
    );
  } catch {
    return false;
  }
}

/**
 * Whether the trust policy lets this IRSA request assume the role: {@link irsaCertainlyAllowed}
 * first, the whole policy with `canAssumeParsed` when that cannot tell. Answered once per parsed
 * policy, provider and subject (for the default audience, `sts.amazonaws.com`): several checks ask the
 * same role about the same service account (declared, undeclared, dual bound, unused). Only the
 * answer is kept, not the decision's text.
 *
 * @throws InputError naming the field when the policy or the request is malformed.
 */
export function irsaAllowed(document: unknown, request: IrsaAssumeRequest): boolean | 'unknown' {
  // The evaluator reads an absent audience as `sts.amazonaws.com`: both share one answer.
  if (request.audience !== undefined && request.audience !== STS_AUDIENCE) return decide(document, request);
  const bySubject = mapLevel(mapLevel(answers, trustPolicyOf(document)), request.providerArn);
  let answer = bySubject.get(request.subject);
  if (answer === undefined) {
    answer = decide(document, request);
    bySubject.set(request.subject, answer);
  }
  return answer;
}

/** Answers of {@link irsaAllowed} by parsed policy, provider ARN and subject. */
const answers = new WeakMap<ParsedPolicy, Map<string, Map<string, boolean | 'unknown'>>>();

function decide(document: unknown, request: IrsaAssumeRequest): boolean | 'unknown' {
  return irsaCertainlyAllowed(document, request) || canAssumeParsed(trustPolicyOf(document), request).allowed;
}

/**
 * A role's trust policy parsed and checked once per document: an audit asks it about many service
 * accounts, and inventory documents do not change during an audit.
 *
 * @throws InputError naming the field when the policy is malformed.
 */
export function trustPolicyOf(document: unknown): ParsedPolicy {
  return parseTrustPolicy(document);
}
