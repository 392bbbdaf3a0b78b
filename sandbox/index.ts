/**
 * The local AWS sandbox: one HTTP server on 127.0.0.1 that speaks the wire protocols of STS, IAM,
 * EKS, CloudTrail, SNS, Security Hub and S3 for an organization described by a scenario file.
 */

export {
  FaultRulesSchema,
  loadScenarioFile,
  parseScenarioText,
  type Scenario,
  ScenarioSchema,
  validateScenario,
} from './scenario.js';
export { resolveScenario, type SandboxOptions, SERVICES, startSandbox } from './server.js';
export { decodeAwsChunked } from './services/s3.js';
export type {
  CallCounts,
  FaultRule,
  OperationCounts,
  PublishedMessage,
  SandboxCredentials,
  SandboxHandle,
} from './types.js';
