/**
 * Policy documents of described organizations: the trust policies EKS documents for IRSA, Pod
 * Identity and cross-account target roles, permission policies, and the AWS managed policies the
 * sandbox serves.
 */
import { oidcProviderArn } from '../../shared/model/identity.js';
import { AWS_MANAGED_POLICIES } from '../managed-policies.js';
import type { PolicyDocument, PolicyEncoding } from './organization.js';

type Json = Record<string, unknown>;

/** Encodes a policy document as a snapshot stores it. */
export function encodePolicy(document: unknown, encoding: PolicyEncoding = 'url'): unknown {
  if (encoding === 'object') return structuredClone(document);
  const text = JSON.stringify(document);
  return encoding === 'json' ? text : encodeURIComponent(text);
}

export interface IrsaTrustOptions {
  accountId: string;
  region: string;
  oidcId: string;
  /** Allowed subject(s) `system:serviceaccount:NS:SA`; null for no `:sub` condition at all. */
  subject: string | string[] | null;
  /** Operator of the subject condition; default StringEquals. */
  subjectOperator?: 'StringEquals' | 'StringLike';
  /** Required audience; default `sts.amazonaws.com`; null for no `:aud` condition. */
  audience?: string | null;
  sid?: string;
}

/** The IRSA trust policy EKS documents: `Federated` OIDC provider, `:aud` and `:sub` conditions. */
export function irsaTrust(options: IrsaTrustOptions): PolicyDocument {
  const hostPath = `oidc.eks.${options.region}.amazonaws.com/id/${options.oidcId}`;
  const audience = options.audience === undefined ? 'sts.amazonaws.com' : options.audience;
  const operator = options.subjectOperator ?? 'StringEquals';
  const condition: Record<string, Record<string, unknown>> = {};
  if (audience !== null) condition.StringEquals = { [`${hostPath}:aud`]: audience };
  if (options.subject !== null) {
    condition[operator] = { ...(condition[operator] ?? {}), [`${hostPath}:sub`]: options.subject };
  }
  const statement: Json = {
    ...(options.sid === undefined ? {} : { Sid: options.sid }),
    Effect: 'Allow',
    Principal: { Federated: oidcProviderArn(options.accountId, hostPath) },
    Action: 'sts:AssumeRoleWithWebIdentity',
  };
  if (Object.keys(condition).length > 0) statement.Condition = condition;
  return { Version: '2012-10-17', Statement: [statement] };
}

export interface PodIdentityTrustOptions {
  /** IAM condition block, e.g. `{ StringEquals: { 'aws:RequestTag/kubernetes-namespace': 'default' } }`. */
  conditions?: Record<string, Record<string, unknown>>;
  /** Allow `sts:TagSession` (Pod Identity needs it unless the association disables session tags); default true. */
  tagSession?: boolean;
  sid?: string;
}

/** The Pod Identity trust policy EKS documents: `pods.eks.amazonaws.com`, AssumeRole + TagSession. */
export function podIdentityTrust(options: PodIdentityTrustOptions = {}): PolicyDocument {
  const statement: Json = {
    Sid: options.sid ?? 'AllowEksAuthToAssumeRoleForPodIdentity',
    Effect: 'Allow',
    Principal: { Service: 'pods.eks.amazonaws.com' },
    Action: options.tagSession === false ? ['sts:AssumeRole'] : ['sts:AssumeRole', 'sts:TagSession'],
  };
  if (options.conditions !== undefined) statement.Condition = structuredClone(options.conditions);
  return { Version: '2012-10-17', Statement: [statement] };
}

export interface CrossAccountTargetTrustOptions {
  /** The cluster's account, trusted as `:root`. */
  sourceAccountId: string;
  /** Pins the caller with `ArnEquals aws:PrincipalARN`, when given. */
  associationRoleArn?: string;
  /** Requires `sts:ExternalId`, when given. */
  externalId?: string;
  /** Allow `sts:TagSession`; default true (role chaining with session tags fails without it). */
  tagSession?: boolean;
  /** Extra condition operators merged in. */
  conditions?: Record<string, Record<string, unknown>>;
}

/** A cross-account target role's trust: the cluster account's root, narrowed by conditions. */
export function crossAccountTargetTrust(options: CrossAccountTargetTrustOptions): PolicyDocument {
  const condition: Record<string, Record<string, unknown>> = structuredClone(options.conditions ?? {});
  if (options.associationRoleArn !== undefined) {
    condition.ArnEquals = { ...(condition.ArnEquals ?? {}), 'aws:PrincipalARN': options.associationRoleArn };
  }
  if (options.externalId !== undefined) {
    condition.StringEquals = { ...(condition.StringEquals ?? {}), 'sts:ExternalId': options.externalId };
  }
  const statement: Json = {
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${options.sourceAccountId}:root` },
    Action: options.tagSession === false ? 'sts:AssumeRole' : ['sts:AssumeRole', 'sts:TagSession'],
  };
  if (Object.keys(condition).length > 0) statement.Condition = condition;
  return { Version: '2012-10-17', Statement: [statement] };
}

/** A policy whose statements are those of all `policies` in order (e.g. a dual IRSA + Pod Identity trust). */
export function mergePolicies(...policies: PolicyDocument[]): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: policies.flatMap((policy) => structuredClone(policy.Statement)),
  };
}

/** Trust of a role an AWS service assumes (`ec2.amazonaws.com` for node roles, `eks.amazonaws.com` for clusters). */
export function serviceTrust(service: string, actions: string | string[] = 'sts:AssumeRole'): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: actions }],
  };
}

/** The options that describe an AWS managed policy's default version. */
export interface AwsManagedPolicyOptions {
  name: string;
  aws: true;
  versionId: string;
  document: PolicyDocument;
}

/**
 * An AWS managed policy as the sandbox serves it (its published default version), so tests,
 * fixtures and the sandbox share one copy of each document.
 */
export function awsManagedPolicy(name: string): AwsManagedPolicyOptions {
  const policy = AWS_MANAGED_POLICIES.get(name);
  if (!policy)
    throw new Error(`${name} is not among the AWS managed policies of sandbox/managed-policies.ts`);
  return {
    name,
    aws: true,
    versionId: policy.versionId,
    document: structuredClone(policy.document) as PolicyDocument,
  };
}

/** The AmazonEKSWorkerNodePolicy document (its current version grants `eks-auth:AssumeRoleForPodIdentity`). */
export function workerNodePolicy(): PolicyDocument {
  return awsManagedPolicy('AmazonEKSWorkerNodePolicy').document;
}

/** A plain permissions policy allowing `actions` on `resource`. */
export function allowPolicy(actions: string[], resource: string | string[] = '*'): PolicyDocument {
  return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: actions, Resource: resource }] };
}
