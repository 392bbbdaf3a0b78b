import { serviceAccountSubject } from '../../model/identity.js';
import { sentence } from '../../text.js';
import { matchIamPattern } from '../../trust/index.js';
import type { IrsaGrant } from '../../trust/types.js';
import { indexesFor } from '../support/indexes.js';
import { irsaAllowed } from '../support/irsa-allowed.js';
import { scopeFor, workloadScope } from '../support/scope.js';
import type { Check, FindingDraft } from '../types.js';

const WEB_IDENTITY_ACTION = 'sts:assumerolewithwebidentity';

/** True when one of the statement's actions (IAM wildcards allowed, case-insensitive) is `sts:AssumeRoleWithWebIdentity`. */
function grantsWebIdentity(grant: IrsaGrant): boolean {
  if (grant.actions.length === 0) return true;
  return grant.actions.some(coversWebIdentity);
}

/** Whether each action pattern seen covers `sts:AssumeRoleWithWebIdentity` (a few patterns, many grants). */
const webIdentityCoverage = new Map<string, boolean>();

function coversWebIdentity(action: string): boolean {
  let covers = webIdentityCoverage.get(action);
  if (covers === undefined) {
    const pattern = action.toLowerCase().replace(/[.+^${}()|[\]\\]/g, '\\$&');
    covers = new RegExp(`^${pattern.replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(WEB_IDENTITY_ACTION);
    if (webIdentityCoverage.size >= 1_000) webIdentityCoverage.clear();
    webIdentityCoverage.set(action, covers);
  }
  return covers;
}

/** Namespace and service-account parts of a subject pattern, for the finding's resource id. */
function subjectParts(pattern: string): { namespace: string; serviceAccount: string } {
  const prefix = 'system:serviceaccount:';
  if (!pattern.startsWith(prefix)) return { namespace: '*', serviceAccount: '*' };
  const rest = pattern.slice(prefix.length);
  const colon = rest.indexOf(':');
  return colon < 0
    ? { namespace: rest, serviceAccount: '*' }
    : { namespace: rest.slice(0, colon), serviceAccount: rest.slice(colon + 1) };
}

/** A scanned role's IRSA grant for a member cluster's issuer that matches no declared binding. */
export const check: Check = {
  meta: {
    id: 'IRSA_BINDING_UNDECLARED',
    title: 'IRSA grant is not declared',
    severity: 'MEDIUM',
    category: 'drift',
    description:
      "A role in a scanned account trusts the OIDC issuer of a declared member cluster for a service account (or a subject pattern, or any service account when there is no `:sub` condition) that matches no IRSA binding the baseline declares for that logical cluster and role: AWS access granted outside review. Scanned accounts are the declared clusters' accounts plus the baseline's `accounts`.",
    remediation:
      'Declare the binding under `irsa:` in the baseline after review, or remove the statement from the role trust: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`.',
    docsUrl: 'https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html',
  },
  evaluate(context) {
    const scope = scopeFor(context);
    const indexes = indexesFor(context);
    const drafts: FindingDraft[] = [];
    for (const role of scope.scannedRoles()) {
      const grants = (indexes.trustOf(role.arn)?.grants ?? []).filter(
        (grant): grant is IrsaGrant =>
          grant.kind === 'irsa' && grant.isEksIssuer && !grant.unsatisfiable && grantsWebIdentity(grant),
      );
      if (grants.length === 0) continue;
      const seen = new Set<string>();
      // The role's declared subjects per logical cluster, built once rather than once per grant.
      const declaredByLogical = new Map<string, { list: string[]; set: Set<string> }>();
      const declaredOn = (logical: string) => {
        let declared = declaredByLogical.get(logical);
        if (!declared) {
          const list = scope
            .irsaOfRole(logical, role.arn)
            .map((binding) => serviceAccountSubject(binding.namespace, binding.serviceAccount));
          declared = { list, set: new Set(list) };
          declaredByLogical.set(logical, declared);
        }
        return declared;
      };
      for (const grant of grants) {
        for (const cluster of indexes.clustersByIssuerHostPath.get(grant.issuerHostPath) ?? []) {
          const member = scope.memberAt(cluster.accountId, cluster.region, cluster.name);
          if (!member) continue;
          const declared = declaredOn(member.logical.name);
          const patterns = grant.subjects ?? ['*'];
          const exact = grant.subjectMatch === 'equals';
          for (const pattern of patterns) {
            const matchesDeclared = exact
              ? declared.set.has(pattern)
              : declared.list.some((subject) => matchIamPattern(pattern, subject));
            if (matchesDeclared) continue;
            if (exact) {
              // An explicit Deny elsewhere in the policy may take an exact grant back.
              const request = { kind: 'irsa', providerArn: grant.providerArn, subject: pattern } as const;
              if (irsaAllowed(role.trustPolicy, request) !== true) continue;
            }
            const dedupe = `${cluster.arn}\u0000${pattern}`;
            if (seen.has(dedupe)) continue;
            seen.add(dedupe);
            const { namespace, serviceAccount } =
              grant.subjects === null ? { namespace: '*', serviceAccount: '*' } : subjectParts(pattern);
            const what =
              grant.subjects === null
                ? 'any service account (no :sub condition)'
                : exact
                  ? `service account ${pattern}`
                  : `subject pattern ${pattern}`;
            drafts.push({
              severity: check.meta.severity,
              message: sentence(
                `Role ${role.name} trusts ${what} of cluster ${cluster.name} (issuer ${grant.issuerHostPath}), but logical cluster ${member.logical.name} declares no matching IRSA binding for this role. Declare the binding or remove the trust statement`,
              ),
              ...workloadScope(cluster.accountId, cluster.region, cluster.name, namespace, serviceAccount),
              identity: [role.arn, pattern],
              evidence: {
                logicalCluster: member.logical.name,
                roleArn: role.arn,
                providerArn: grant.providerArn,
                subject: grant.subjects === null ? null : pattern,
                subjectMatch: grant.subjectMatch,
                statementIndex: grant.statementIndex,
                ...(grant.sid ? { sid: grant.sid } : {}),
              },
              remediation: `Declare the binding under \`irsa:\` for logical cluster ${member.logical.name} after review, or remove statement ${grant.sid ?? grant.statementIndex} from the trust of ${role.name}: \`aws iam update-assume-role-policy --role-name ${role.name} --policy-document file://trust-policy.json\`.`,
            });
          }
        }
      }
    }
    return drafts;
  },
};
