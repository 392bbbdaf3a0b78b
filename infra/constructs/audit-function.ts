import { AssetHashType, type Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { BUNDLE_HANDLER, BUNDLE_PROJECT_ROOT, bundleFunctionSync } from '../bundling.js';

/** The repository root: bundling entries are resolved from it. */
export const PROJECT_ROOT = BUNDLE_PROJECT_ROOT;

/** The Lambda runtime of every audit function (the newest Node.js LTS Lambda offers). */
export const AUDIT_FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;

/** CloudWatch Logs namespace and service name the Powertools instances report under. */
export const POWERTOOLS_NAMESPACE = 'EksIdentityAudit';

/** What differs between the audit functions; everything else is a house default. */
export interface AuditFunctionProps {
  /** Folder under `functions/` holding `handler.ts`. */
  name: string;
  description: string;
  timeout: Duration;
  memorySize?: number;
  environment?: Record<string, string>;
  /** A fixed role name, for roles that member accounts trust by ARN. */
  roleName?: string;
  logRetention?: logs.RetentionDays;
}

/**
 * A Lambda function with the house defaults: arm64, the current Node.js runtime, active X-Ray
 * tracing, its own log group with retention, a minified ESM bundle with source maps built by the
 * local esbuild with the options `npm run bench -- lambda` measures (infra/bundling.ts; never
 * Docker), the AWS SDK bundled at the versions the tests ran, and a role of its own that starts
 * with nothing but write access to that log group.
 *
 * @example new AuditFunction(this, 'PlanScopes', { name: 'plan-scopes', description: '...', timeout: Duration.minutes(1) });
 */
export class AuditFunction extends lambda.Function {
  /** The function's log group (retention set, destroyed with the stack). */
  readonly logGroupResource: logs.LogGroup;

  constructor(scope: Construct, id: string, props: AuditFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.name} audit function`,
      ...(props.roleName ? { roleName: props.roleName } : {}),
    });
    super(scope, id, {
      code: lambda.Code.fromAsset(PROJECT_ROOT, {
        // Hashing the bundle, not the source tree, keeps synthesis fast and skips unchanged uploads.
        assetHashType: AssetHashType.OUTPUT,
        bundling: {
          image: AUDIT_FUNCTION_RUNTIME.bundlingImage,
          // The Docker route runs the same script; naming the function also keys CDK's bundle cache per function.
          command: ['bash', '-c', `node --import tsx infra/bundle-function.ts ${props.name} /asset-output`],
          local: {
            tryBundle: (outputDir) => {
              bundleFunctionSync(props.name, outputDir);
              return true;
            },
          },
        },
      }),
      handler: BUNDLE_HANDLER,
      description: props.description,
      runtime: AUDIT_FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout: props.timeout,
      tracing: lambda.Tracing.ACTIVE,
      logGroup,
      role,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.name,
        POWERTOOLS_METRICS_NAMESPACE: POWERTOOLS_NAMESPACE,
        ...props.environment,
      },
    });
    logGroup.grantWrite(role);
    this.logGroupResource = logGroup;
  }
}
