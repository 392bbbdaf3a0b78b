import { sentence } from '../../text.js';
import { fargateSelectorsFor, selectsByLabels } from '../../trust/workload.js';
import { clusterKey, indexesFor } from '../support/indexes.js';
import { associationScope, describeAssociation, formatLabels } from '../support/workload.js';
import type { Check, FindingDraft } from '../types.js';

/** An association whose pods (some or all) run on Fargate, where Pod Identity does not work. */
export const check: Check = {
  meta: {
    id: 'PI_ON_FARGATE',
    title: "Association's namespace runs on Fargate, where Pod Identity is not supported",
    severity: 'HIGH',
    category: 'runtime',
    description:
      "EKS Pod Identity needs the agent DaemonSet, which does not run on Fargate. A Fargate profile selector whose namespace pattern (`*` and `?` allowed) matches the association's namespace sends its pods to Fargate, where they get no Pod Identity credentials. When every matching selector also requires labels, only pods with those labels land on Fargate: the finding is MEDIUM and names the labels.",
    remediation:
      'Use IRSA for the pods that run on Fargate (annotate the service account with `eks.amazonaws.com/role-arn` and trust the cluster OIDC provider), or narrow the Fargate profile so these pods run on EC2 nodes (`aws eks delete-fargate-profile` and `aws eks create-fargate-profile` with new selectors).',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html',
  },
  evaluate(context) {
    const indexes = indexesFor(context);
    const drafts: FindingDraft[] = [];
    for (const association of context.inventory.associations) {
      const cluster = indexes.clusterByKey.get(
        clusterKey(association.accountId, association.region, association.clusterName),
      );
      if (!cluster || cluster.fargateProfiles.length === 0) continue;
      const matches = fargateSelectorsFor(cluster, association.namespace);
      if (matches.length === 0) continue;
      const unconditional = matches.filter((match) => !selectsByLabels(match.selector));
      const profiles = [...new Set(matches.map((match) => match.profile))];
      const which =
        unconditional.length > 0
          ? `all its pods run on Fargate (profile ${unconditional[0].profile} selects namespace pattern ${unconditional[0].selector.namespace})`
          : `pods with labels ${matches.map((match) => formatLabels(match.selector.labels)).join(' or ')} run on Fargate (profile ${profiles.join(', ')})`;
      drafts.push({
        severity: unconditional.length > 0 ? 'HIGH' : 'MEDIUM',
        message: sentence(
          `${describeAssociation(association)}: ${which}, where Pod Identity does not work; use IRSA for those pods or move them to EC2 nodes`,
        ),
        ...associationScope(association),
        evidence: {
          fargateProfiles: profiles,
          selectors: matches.map((match) => ({
            profile: match.profile,
            namespace: match.selector.namespace,
            ...(selectsByLabels(match.selector) ? { labels: match.selector.labels } : {}),
          })),
          allPods: unconditional.length > 0,
        },
      });
    }
    return drafts;
  },
};
