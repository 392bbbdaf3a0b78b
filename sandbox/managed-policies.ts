/** An AWS managed policy as IAM serves it (default version only). */
export interface AwsManagedPolicy {
  name: string;
  /** Path inside `arn:aws:iam::aws:policy`, e.g. `/` or `/service-role/`. */
  path: string;
  versionId: string;
  /** ISO-8601 */
  createDate: string;
  updateDate: string;
  document: Record<string, unknown>;
}

/**
 * The AWS managed policies scenarios may attach, with their published default versions (EKS
 * node-role checks read `eks-auth:AssumeRoleForPodIdentity` from them).
 */
export const AWS_MANAGED_POLICIES: ReadonlyMap<string, AwsManagedPolicy> = new Map(
  (
    [
      {
        name: 'AmazonEKSWorkerNodePolicy',
        path: '/',
        versionId: 'v3',
        createDate: '2018-05-27T21:09:01Z',
        updateDate: '2023-11-27T00:06:00Z',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'WorkerNodePermissions',
              Effect: 'Allow',
              Action: [
                'ec2:DescribeInstances',
                'ec2:DescribeInstanceTypes',
                'ec2:DescribeRouteTables',
                'ec2:DescribeSecurityGroups',
                'ec2:DescribeSubnets',
                'ec2:DescribeVolumes',
                'ec2:DescribeVolumesModifications',
                'ec2:DescribeVpcs',
                'eks:DescribeCluster',
                'eks-auth:AssumeRoleForPodIdentity',
              ],
              Resource: '*',
            },
          ],
        },
      },
      {
        name: 'AmazonEKSWorkerNodeMinimalPolicy',
        path: '/',
        versionId: 'v1',
        createDate: '2024-10-02T20:03:00Z',
        updateDate: '2024-10-02T20:03:00Z',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'WorkerNodePermissions',
              Effect: 'Allow',
              Action: ['eks-auth:AssumeRoleForPodIdentity'],
              Resource: '*',
            },
          ],
        },
      },
      {
        name: 'AmazonEKS_CNI_Policy',
        path: '/',
        versionId: 'v4',
        createDate: '2018-05-27T21:07:42Z',
        updateDate: '2021-06-30T00:00:00Z',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'AmazonEKSCNIPolicy',
              Effect: 'Allow',
              Action: [
                'ec2:AssignPrivateIpAddresses',
                'ec2:AttachNetworkInterface',
                'ec2:CreateNetworkInterface',
                'ec2:DeleteNetworkInterface',
                'ec2:DescribeInstances',
                'ec2:DescribeTags',
                'ec2:DescribeNetworkInterfaces',
                'ec2:DescribeInstanceTypes',
                'ec2:DescribeSubnets',
                'ec2:DetachNetworkInterface',
                'ec2:ModifyNetworkInterfaceAttribute',
                'ec2:UnassignPrivateIpAddresses',
              ],
              Resource: '*',
            },
            {
              Sid: 'AmazonEKSCNIPolicyENITag',
              Effect: 'Allow',
              Action: ['ec2:CreateTags'],
              Resource: ['arn:aws:ec2:*:*:network-interface/*'],
            },
          ],
        },
      },
      {
        name: 'AmazonEC2ContainerRegistryReadOnly',
        path: '/',
        versionId: 'v3',
        createDate: '2015-10-02T00:00:00Z',
        updateDate: '2019-12-10T00:00:00Z',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: [
                'ecr:GetAuthorizationToken',
                'ecr:BatchCheckLayerAvailability',
                'ecr:GetDownloadUrlForLayer',
                'ecr:GetRepositoryPolicy',
                'ecr:DescribeRepositories',
                'ecr:ListImages',
                'ecr:DescribeImages',
                'ecr:BatchGetImage',
                'ecr:GetLifecyclePolicy',
                'ecr:GetLifecyclePolicyPreview',
                'ecr:ListTagsForResource',
                'ecr:DescribeImageScanFindings',
              ],
              Resource: '*',
            },
          ],
        },
      },
      {
        name: 'AmazonS3ReadOnlyAccess',
        path: '/',
        versionId: 'v3',
        createDate: '2015-02-06T18:40:59Z',
        updateDate: '2023-08-10T00:00:00Z',
        document: {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: [
                's3:Get*',
                's3:List*',
                's3:Describe*',
                's3-object-lambda:Get*',
                's3-object-lambda:List*',
              ],
              Resource: '*',
            },
          ],
        },
      },
    ] satisfies AwsManagedPolicy[]
  ).map((policy) => [policy.name, policy]),
);

/** `arn:aws:iam::aws:policy<path><name>` */
export function awsManagedPolicyArn(policy: AwsManagedPolicy): string {
  return `arn:aws:iam::aws:policy${policy.path}${policy.name}`;
}
