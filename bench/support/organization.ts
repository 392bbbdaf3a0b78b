/** Pieces of the generated sandbox organizations the benchmarks collect. */

/** The audit account: its `Auditor` role is the starting identity. */
export const AUDIT_ACCOUNT = '100000000000';

/** The external id the member roles require. */
export const BENCH_EXTERNAL_ID = 'bench';

/** Trust of a member account's read-only role: the auditor, with the external id. */
export const MEMBER_ROLE_TRUST = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { AWS: `arn:aws:iam::${AUDIT_ACCOUNT}:role/Auditor` },
      Action: 'sts:AssumeRole',
      Condition: { StringEquals: { 'sts:ExternalId': BENCH_EXTERNAL_ID } },
    },
  ],
};

/** Trust of a workload role used through EKS Pod Identity. */
export const POD_IDENTITY_TRUST = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: 'pods.eks.amazonaws.com' },
      Action: ['sts:AssumeRole', 'sts:TagSession'],
    },
  ],
};

/** The scenario entry of the audit account, holding the `Auditor` role its own root may assume. */
export function auditAccount() {
  return {
    id: AUDIT_ACCOUNT,
    alias: 'audit',
    roles: [
      {
        name: 'Auditor',
        trust: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${AUDIT_ACCOUNT}:root` },
              Action: 'sts:AssumeRole',
            },
          ],
        },
      },
    ],
  };
}
