import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SERVICES } from '../../sandbox/server.js';

/**
 * botocore's service models (the data behind the Python SDK and the AWS CLI) are an independent
 * statement of each service's error codes and HTTP statuses: the sandbox's throttling and access
 * errors must be ones the service itself declares, with the status it declares.
 */
const DUMP_ERROR_SHAPES = `
import json, os, sys
try:
    import botocore.loaders
except ImportError:
    sys.exit(3)
loader = botocore.loaders.create_loader()
out = {}
for service in sys.argv[1:]:
    model = loader.load_service_model(service, 'service-2')
    shapes = {}
    for name, shape in model['shapes'].items():
        if shape.get('exception'):
            error = shape.get('error', {})
            shapes[error.get('code', name)] = error.get('httpStatusCode')
    out[service] = {'protocol': model['metadata']['protocol'], 'errors': shapes}
print(json.dumps(out))
`;

/** The botocore model name of each sandbox service (its SigV4 signing name). */
const MODEL_NAMES: Record<string, string> = {
  sts: 'sts',
  iam: 'iam',
  eks: 'eks',
  cloudtrail: 'cloudtrail',
  sns: 'sns',
  securityhub: 'securityhub',
  s3: 's3',
  organizations: 'organizations',
};

interface ModelErrors {
  protocol: string;
  errors: Record<string, number | null>;
}

function loadModels(): Record<string, ModelErrors> | undefined {
  const run = spawnSync('python3', ['-c', DUMP_ERROR_SHAPES, ...Object.values(MODEL_NAMES)], {
    encoding: 'utf8',
  });
  if (run.error || run.status !== 0) return undefined;
  return JSON.parse(run.stdout) as Record<string, ModelErrors>;
}

const models = loadModels();

/**
 * Codes no model declares because every service of a protocol shares them: the query protocol's
 * `Throttling` (400) for STS and IAM, and S3's documented `SlowDown` (503) and `AccessDenied` (403).
 */
const COMMON: Record<string, Record<string, number>> = {
  sts: { Throttling: 400, AccessDenied: 403 },
  iam: { Throttling: 400, AccessDenied: 403 },
  s3: { SlowDown: 503 },
};

/** The status botocore assumes for a modeled error that declares none: 400 (a client fault). */
const DEFAULT_STATUS = 400;

describe.skipIf(!models)(
  `sandbox error codes against botocore's models${models ? '' : ' (skipped: python3 with botocore is not installed)'}`,
  () => {
    for (const [service, module] of Object.entries(SERVICES)) {
      for (const kind of ['throttle', 'accessDenied'] as const) {
        it(`${service} answers ${kind} with a code and status the service declares`, () => {
          const { code, status } = module.codes[kind];
          const model = models?.[MODEL_NAMES[service]];
          expect(model, `no botocore model for ${service}`).toBeDefined();
          const modeled = model?.errors[code];
          const expected =
            COMMON[service]?.[code] ?? (modeled === undefined ? undefined : (modeled ?? DEFAULT_STATUS));
          expect(expected, `${service} ${code} is neither modeled nor a common code`).toBeDefined();
          expect(status).toBe(expected);
        });
      }
    }

    it('near miss: SNS declares Throttled 429, not the generic Throttling 400 of STS and IAM', () => {
      expect(models?.sns.errors.Throttled).toBe(429);
      expect(models?.sns.errors.Throttling).toBeUndefined();
      expect(SERVICES.sns.codes.throttle).toMatchObject({ code: 'Throttled', status: 429 });
    });
  },
);
