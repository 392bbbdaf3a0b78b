import type { CutoverCheck, CutoverCheckMeta } from './context.js';
import { check as CUTOVER_COLLECTION_INCOMPLETE } from './meta/CUTOVER_COLLECTION_INCOMPLETE.js';
import { postChecks } from './post/index.js';
import { preChecks } from './pre/index.js';
import type { CutoverPhase } from './types.js';

/**
 * The checks each phase runs, in order: the collection check first (a verdict from partial data is
 * not a verdict), then the phase's own pack. A new cutover check is one file in `pre/` or `post/`
 * and one row in that folder's `index.ts`.
 */
export const cutoverPacks: Readonly<
  Record<CutoverPhase, { collection: CutoverCheck; checks: readonly CutoverCheck[] }>
> = {
  pre: { collection: CUTOVER_COLLECTION_INCOMPLETE, checks: preChecks },
  post: { collection: CUTOVER_COLLECTION_INCOMPLETE, checks: postChecks },
};

/** Every cutover check, once each: the collection check, then the pre phase's, then the post phase's. */
export const cutoverChecks: readonly CutoverCheck[] = [
  CUTOVER_COLLECTION_INCOMPLETE,
  ...preChecks,
  ...postChecks,
];

/** The metadata of every cutover check (the `CUTOVER_` ids), pre phase first. */
export const CUTOVER_CHECKS: readonly CutoverCheckMeta[] = cutoverChecks.map((check) => check.meta);

/** A cutover check id. */
export type CutoverCheckId = string;

/** Metadata of a cutover check by id, if there is one. */
export function cutoverCheck(id: CutoverCheckId): CutoverCheckMeta | undefined {
  return CUTOVER_CHECKS.find((meta) => meta.id === id);
}
