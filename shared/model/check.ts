import type { CheckCategory } from './finding.js';
import type { Severity } from './severity.js';

/**
 * Metadata of a check, kept beside its logic (one file per check). Reports and publishers read it
 * to title, rate and explain findings; the check engine (`shared/checks/`) runs the logic.
 */
export interface CheckMeta {
  /** Stable id in SCREAMING_SNAKE (docs/architecture.md, Contracts: check ids); never renamed. */
  id: string;
  title: string;
  /** Default severity; a finding may raise or lower it with a reason in its evidence. */
  severity: Severity;
  category: CheckCategory;
  /** What the check looks for and why it matters. */
  description: string;
  /** What to do, with the exact `aws` command where one exists. */
  remediation: string;
  /** AWS documentation page. */
  docsUrl: string;
  /**
   * Set by checks that claim absence (something is missing, not found, dangling or unused): the
   * scopes their claims rest on, in words. Every draft of such a check names those scopes in
   * `restsOn`, and the engine turns a claim into an unknown outcome when any of them was not
   * completely collected (see `evaluateCheck` in `shared/checks/evaluate.ts`).
   */
  restsOn?: string;
}
