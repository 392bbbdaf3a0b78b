import { compareText } from './plain.js';
import { COLLECTION_STEP_LIST } from './steps.js';

/** The IAM action name of an API operation (`eks`, `ListClusters` → `eks:ListClusters`). */
export function iamActionName(service: string, operation: string): string {
  return `${service}:${operation}`;
}

/**
 * Exactly the IAM actions the collectors call in audited (member) accounts: the List and Describe
 * of every row of the collection table ({@link COLLECTION_STEP_LIST}), sorted. The member-account
 * read role grants these and nothing else; a test checks that a full collection calls exactly this
 * set.
 */
export const MEMBER_ROLE_ACTIONS: readonly string[] = Object.freeze(
  [
    ...new Set(
      COLLECTION_STEP_LIST.flatMap((step) =>
        [step.list, step.describe].flatMap((call) =>
          call ? [iamActionName(step.service, call.operation)] : [],
        ),
      ),
    ),
  ].sort(compareText),
);
