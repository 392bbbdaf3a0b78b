import { CaseModel } from './analysis.js';
import { TooComplexError } from './automaton.js';
import { canAssume, requireTrustPolicy } from './evaluate.js';
import { parsePolicy } from './parse.js';
import { findCell, fixVariable, type Region } from './region.js';
import {
  PI_CLUSTER_ARN,
  PI_CLUSTER_NAME,
  PI_NAMESPACE,
  PI_SERVICE_ACCOUNT,
  PI_SOURCE_ACCOUNT,
  PI_TAGS,
  podIdentitySpace,
} from './space.js';
import type { PodIdentityAssumeRequest } from './types.js';

/**
 * Whether some pod of an association may assume the role: the association's Pod Identity request
 * with every session tag as given except the pod name and uid, which vary per pod, decided over
 * every pod at once. `true`: some pod certainly may; `false`: no pod can; `'unknown'`: an undecided
 * condition (or a request outside what EKS sends) leaves it open.
 *
 * @throws InputError naming the field when the policy is malformed.
 */
export function somePodMayAssume(document: unknown, request: PodIdentityAssumeRequest): boolean | 'unknown' {
  const policy = parsePolicy(document);
  requireTrustPolicy(policy);
  const tags = request.sessionTags;
  if (!tags) return canAssume(document, request).allowed;
  const space = podIdentitySpace();
  const fixed: Array<[number, string | undefined]> = [
    [PI_CLUSTER_ARN, request.sourceArn],
    [PI_CLUSTER_NAME, tags['eks-cluster-name']],
    [PI_NAMESPACE, tags['kubernetes-namespace']],
    [PI_SERVICE_ACCOUNT, tags['kubernetes-service-account']],
    [PI_SOURCE_ACCOUNT, request.sourceAccount],
  ];
  // Only the six tags EKS sends, the cluster ARN as both tag and aws:SourceArn, values EKS can send.
  const known = new Set(PI_TAGS.map(([tag]) => tag));
  if (Object.keys(tags).some((key) => !known.has(key)) || tags['eks-cluster-arn'] !== request.sourceArn)
    return 'unknown';
  if (fixed.some(([v, value]) => value === undefined || !space.variables[v].domain.has(value)))
    return 'unknown';
  try {
    const model = new CaseModel(space, space.cases[0], policy);
    const pin = (region: Region) =>
      fixed.reduce((narrowed, [v, value]) => fixVariable(narrowed, v, value as string), region);
    if (findCell(pin(model.allowed('cert')), space.variables)) return true;
    if (model.exact || !findCell(pin(model.allowed('poss')), space.variables)) return false;
    return 'unknown';
  } catch (error) {
    if (error instanceof TooComplexError) return 'unknown';
    throw error;
  }
}
