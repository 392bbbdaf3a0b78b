import { emptyBaseline } from '../../../shared/baseline/index.js';
import type { Baseline } from '../../../shared/baseline/types.js';
import { evaluateCheck } from '../../../shared/checks/evaluate.js';
import type { Check, CheckContext, FindingDraft, UnknownOutcome } from '../../../shared/checks/types.js';
import { normalizeSnapshot, parseSnapshot } from '../../../shared/snapshot/index.js';
import type { SnapshotBuilder } from '../../support/snapshot-builder.js';

export const ACCOUNT = '111122223333';
export const OTHER_ACCOUNT = '444455556666';
export const REGION = 'ap-northeast-1';
export const OIDC_ID = 'EXAMPLED539D4633E53DE1B71EXAMPLE';
export const OLD_OIDC_ID = 'OLD0D539D4633E53DE1B71EXAMPLE00';
export const HOST_PATH = `oidc.eks.${REGION}.amazonaws.com/id/${OIDC_ID}`;
export const OLD_HOST_PATH = `oidc.eks.${REGION}.amazonaws.com/id/${OLD_OIDC_ID}`;

/** The context a check receives for the snapshot the builder produces (contract JSON, parsed and normalized). */
export function contextOf(builder: SnapshotBuilder): CheckContext {
  const inventory = normalizeSnapshot(parseSnapshot(builder.build(), 'test-snapshot.json'));
  return { inventory, baseline: emptyBaseline(), now: new Date(inventory.capturedAt) };
}

/** Evaluates one check on the snapshot the builder produces, as the engine does (absence claims from complete evidence only). */
export function evaluate(check: Check, builder: SnapshotBuilder): FindingDraft[] {
  return evaluateCheck(check, contextOf(builder));
}

/** Evaluates one check and also collects the questions it declined to decide. */
export function evaluateWithUnknowns(
  check: Check,
  builder: SnapshotBuilder,
): { drafts: FindingDraft[]; unknowns: UnknownOutcome[] } {
  const unknowns: UnknownOutcome[] = [];
  const drafts = evaluateCheck(check, {
    ...contextOf(builder),
    recordUnknown: (outcome) => unknowns.push(outcome),
  });
  return { drafts, unknowns };
}

/** Evaluates one check against a baseline (its declared clusters and accounts scope the audit). */
export function evaluateWithBaseline(
  check: Check,
  builder: SnapshotBuilder,
  baseline: Baseline,
): { drafts: FindingDraft[]; unknowns: UnknownOutcome[] } {
  const unknowns: UnknownOutcome[] = [];
  const drafts = evaluateCheck(check, {
    ...contextOf(builder),
    baseline,
    recordUnknown: (outcome) => unknowns.push(outcome),
  });
  return { drafts, unknowns };
}
