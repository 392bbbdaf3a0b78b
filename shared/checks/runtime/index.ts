import type { Check } from '../types.js';
import { check as IDENTITY_DUAL_BINDING } from './IDENTITY_DUAL_BINDING.js';
import { check as IRSA_MIGRATION_CANDIDATE } from './IRSA_MIGRATION_CANDIDATE.js';
import { check as PI_AGENT_MISSING } from './PI_AGENT_MISSING.js';
import { check as PI_NODE_ROLE_MISSING_PERMISSION } from './PI_NODE_ROLE_MISSING_PERMISSION.js';
import { check as PI_ON_FARGATE } from './PI_ON_FARGATE.js';

export {
  type NodeRolePermission,
  type NodeRolePermissionResult,
  nodeRolePodIdentityPermission,
  nodeRolePodIdentityPermissions,
} from './PI_NODE_ROLE_MISSING_PERMISSION.js';

/** Runtime-readiness checks (agent, Fargate, node role, dual binding, migration), one file each in this folder. */
export const runtimeChecks: Check[] = [
  PI_AGENT_MISSING,
  PI_ON_FARGATE,
  PI_NODE_ROLE_MISSING_PERMISSION,
  IDENTITY_DUAL_BINDING,
  IRSA_MIGRATION_CANDIDATE,
];
