import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, stateMachineDefinition, templates } from './support.js';

/** asl-validator ships CommonJS without type declarations. */
const aslValidator = createRequire(import.meta.url)('asl-validator') as (definition: unknown) => {
  isValid: boolean;
  errorsText: (separator?: string) => string;
};

interface Statement {
  Sid?: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

const ORG_TRAIL = {
  usageSource: 'org-trail',
  orgTrailBucket: 'org-trail-logs',
  orgTrailPrefix: '/central/',
  orgId: 'o-a1b2c3d4e5',
  regions: ['eu-west-1'],
};

/** Every statement of the inline policies attached to the role whose logical id starts with `prefix`. */
function roleStatements(template: Template, prefix: string): Statement[] {
  const roleId = Object.keys(template.findResources('AWS::IAM::Role')).find((key) => key.startsWith(prefix));
  if (!roleId) throw new Error(`no role ${prefix}*`);
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((policy) => asList(policy.Properties.Roles).some((ref: { Ref: string }) => ref.Ref === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

/** A resource as text, every token by the name it stands for (`<Logical.Attr>`, `<AWS::Partition>`). */
function resourceText(resource: unknown): string {
  if (typeof resource === 'string') return resource;
  const token = resource as { Ref?: string; 'Fn::GetAtt'?: string[]; 'Fn::Join'?: [string, unknown[]] };
  if (token.Ref) return `<${token.Ref}>`;
  if (token['Fn::GetAtt']) return `<${token['Fn::GetAtt'].join('.')}>`;
  if (token['Fn::Join']) return token['Fn::Join'][1].map(resourceText).join(token['Fn::Join'][0]);
  return JSON.stringify(resource);
}

/** `action resource [condition]` per action and resource, sorted: the role's grants at a glance. */
function grants(statements: Statement[]): string[] {
  return statements
    .flatMap((statement) =>
      asList(statement.Action).flatMap((action) =>
        asList(statement.Resource).map(
          (resource) =>
            `${action} ${resourceText(resource).replace(/<AuditBucket\w+\.Arn>/, '<audit bucket>')}${
              statement.Condition ? ` if ${JSON.stringify(statement.Condition)}` : ''
            }`,
        ),
      ),
    )
    .sort();
}

describe('AuditStack with usageSource org-trail', () => {
  let audit: Template;

  beforeAll(() => {
    audit = templates(ORG_TRAIL).audit;
  });

  it('deploys the collect-trail-usage function with the trail location in its environment', () => {
    audit.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'collect-trail-usage',
          USAGE_SOURCE: 'org-trail',
          ORG_TRAIL_BUCKET: 'org-trail-logs',
          ORG_TRAIL_PREFIX: '/central/',
          ORGANIZATION_ID: 'o-a1b2c3d4e5',
        }),
      },
    });
    expect(Object.keys(audit.findResources('AWS::Lambda::Function'))).toContainEqual(
      expect.stringMatching(/^CollectTrailUsage/),
    );
  });

  it("lets the function read only this organization's trail files, the ledgers and the run's plan, and write only ledgers and the run's folder list", () => {
    const listTrail = {
      StringLike: { 's3:prefix': ['central/AWSLogs/o-a1b2c3d4e5/*'] },
    };
    expect(grants(roleStatements(audit, 'CollectTrailUsageRole'))).toEqual(
      [
        'logs:CreateLogStream <CollectTrailUsageLogs62ACB199.Arn>',
        'logs:PutLogEvents <CollectTrailUsageLogs62ACB199.Arn>',
        `s3:GetObject arn:<AWS::Partition>:s3:::org-trail-logs/central/AWSLogs/o-a1b2c3d4e5/*`,
        's3:GetObject <audit bucket>/runs/*/plan.json',
        's3:GetObject <audit bucket>/state/usage/*',
        `s3:ListBucket <audit bucket> if ${JSON.stringify({ StringLike: { 's3:prefix': ['state/usage/*'] } })}`,
        `s3:ListBucket arn:<AWS::Partition>:s3:::org-trail-logs if ${JSON.stringify(listTrail)}`,
        's3:PutObject <audit bucket>/runs/*/trail-listings.json',
        's3:PutObject <audit bucket>/state/usage/*',
        'xray:PutTelemetryRecords *',
        'xray:PutTraceSegments *',
      ].sort(),
    );
  });

  it('runs the organization-trail states after the account Map and before analyze-publish', () => {
    const definition = stateMachineDefinition(audit) as {
      States: Record<string, Record<string, unknown>>;
    };
    const { States: states } = definition;
    expect(states.CollectAccounts.Next).toBe('PlanTrailDays');
    expect(states.PlanTrailDays).toMatchObject({
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: {
        FunctionName: expect.stringMatching(/function:CollectTrailUsage/),
        Payload: { plan: { 'startedAt.$': '$.startedAt', 'runId.$': '$.runId' } },
      },
      ResultPath: '$.trail',
      Next: 'ReadTrailDays',
    });
    // The folders come from the object the plan step wrote, never from the state payload.
    expect(states.ReadTrailDays).toMatchObject({ Type: 'Map', Next: 'JoinFacts' });
    expect(states.ReadTrailDays.ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { 'Bucket.$': '$.trail.bucket', 'Key.$': '$.trail.key' },
    });
    expect(states.ReadTrailDays).not.toHaveProperty('ItemsPath');
    const day = (states.ReadTrailDays.ItemProcessor as { States: Record<string, Record<string, unknown>> })
      .States.ReadTrailDay;
    expect(day.ItemReader).toEqual({
      Resource: 'arn:aws:states:::s3:listObjectsV2',
      Parameters: { Bucket: 'org-trail-logs', 'Prefix.$': '$.prefix' },
    });
    // An invalid baseline still skips collection and the trail alike.
    expect(states['BaselineValid?']).toMatchObject({
      Choices: [{ Next: 'AnalyzePublish' }],
      Default: 'CollectAccounts',
    });
    const result = aslValidator(definition);
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('lets the state machine invoke the function, read the folder list and list the trail for the ItemReaders and run the Map children', () => {
    const statements = roleStatements(audit, 'NightlyAuditRole');
    const machineGrants = grants(statements);
    expect(machineGrants).toContain('lambda:InvokeFunction <CollectTrailUsage9A9F2904.Arn>');
    expect(machineGrants.filter((grant) => grant.includes('trail-listings'))).toEqual([
      's3:GetObject <audit bucket>/runs/*/trail-listings.json',
    ]);
    expect(machineGrants).toContain(
      `s3:ListBucket arn:<AWS::Partition>:s3:::org-trail-logs if ${JSON.stringify({
        StringLike: { 's3:prefix': ['central/AWSLogs/o-a1b2c3d4e5/*'] },
      })}`,
    );
    // Distributed Map children: started as executions of the machine itself, managed under its name.
    expect(machineGrants).toContain('states:StartExecution <NightlyAudit1DF39598>');
    expect(machineGrants).toContain(
      'states:DescribeExecution arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:<NightlyAudit1DF39598.Name>/*',
    );
    // The trail bucket is only listed by the machine, never read or written by it.
    expect(machineGrants.filter((grant) => grant.includes('org-trail-logs/'))).toEqual([]);
  });

  it('reports no unacknowledged cdk-nag finding', () => {
    const report = new AwsSolutionsChecks().validateScope(buildTestApp(ORG_TRAIL).app);
    expect(report.violations.map((violation) => violation.ruleName)).toEqual([]);
    expect(report.success).toBe(true);
  });
});

const cfnLintAvailable = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' }).status === 0;
if (!cfnLintAvailable)
  console.warn('cfn-lint is not installed: skipping the lint of the organization-trail state machine');

/** cfn-lint's errors (E codes) on a template; its schema checks the fields of every state, nested ones too. */
function cfnLintErrors(template: Record<string, unknown>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'eks-identity-audit-trail-lint-'));
  try {
    const file = join(dir, 'audit.template.json');
    writeFileSync(file, JSON.stringify(template));
    const run = spawnSync('cfn-lint', ['--format', 'parseable', file], { encoding: 'utf8' });
    return run.stdout.split('\n').filter((line) => /:E\d{4}:/.test(line));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A template holding only a state machine whose definition is given as an object, as cfn-lint validates it. */
function machineTemplate(definition: unknown): Record<string, unknown> {
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Resources: {
      NightlyAudit: {
        Type: 'AWS::StepFunctions::StateMachine',
        Properties: { RoleArn: 'arn:aws:iam::111122223333:role/nightly', Definition: definition },
      },
    },
  };
}

/**
 * The fields the Step Functions Developer Guide documents for a Distributed Map's parts ("ItemReader",
 * "ItemBatcher", "ResultWriter (Map)", "ProcessorConfig"), JSONPath states; cfn-lint's schema stops at
 * the state's own fields.
 */
const DOCUMENTED_FIELDS: Record<string, { fields: string[]; values?: Record<string, string[]> }> = {
  ItemReader: { fields: ['Resource', 'ReaderConfig', 'Parameters'] },
  ReaderConfig: {
    fields: [
      'InputType',
      'CSVHeaderLocation',
      'CSVHeaders',
      'CSVDelimiter',
      'MaxItems',
      'MaxItemsPath',
      'ManifestType',
    ],
    values: { InputType: ['CSV', 'JSON', 'JSONL', 'MANIFEST', 'PARQUET'] },
  },
  ItemBatcher: {
    fields: [
      'MaxItemsPerBatch',
      'MaxItemsPerBatchPath',
      'MaxInputBytesPerBatch',
      'MaxInputBytesPerBatchPath',
      'BatchInput',
    ],
  },
  ResultWriter: { fields: ['Resource', 'Parameters', 'WriterConfig'] },
  WriterConfig: {
    fields: ['Transformation', 'OutputType'],
    values: { Transformation: ['NONE', 'COMPACT', 'FLATTEN'], OutputType: ['JSON', 'JSONL'] },
  },
  ProcessorConfig: {
    fields: ['Mode', 'ExecutionType'],
    values: { Mode: ['INLINE', 'DISTRIBUTED'], ExecutionType: ['STANDARD', 'EXPRESS'] },
  },
};

/** The parameters each S3 resource of an ItemReader or ResultWriter takes (a `.$` suffix reads a path). */
const S3_PARAMETERS: Record<string, string[]> = {
  'arn:aws:states:::s3:getObject': ['Bucket', 'Key'],
  'arn:aws:states:::s3:listObjectsV2': ['Bucket', 'Prefix'],
  'arn:aws:states:::s3:putObject': ['Bucket', 'Prefix'],
};

/** Every Map state of a definition, nested ones included, by name. */
function mapStates(
  states: Record<string, Record<string, unknown>>,
): Array<[string, Record<string, unknown>]> {
  return Object.entries(states).flatMap(([name, state]) => {
    if (state.Type !== 'Map') return [];
    const nested = (state.ItemProcessor as { States?: Record<string, Record<string, unknown>> } | undefined)
      ?.States;
    return [[name, state] as [string, Record<string, unknown>], ...(nested ? mapStates(nested) : [])];
  });
}

/** What in a Map state's parts is not a documented field or value. */
function undocumented(name: string, state: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const check = (part: string, value: unknown) => {
    if (value === undefined) return;
    const spec = DOCUMENTED_FIELDS[part];
    for (const [field, fieldValue] of Object.entries(value as Record<string, unknown>)) {
      if (!spec.fields.includes(field)) problems.push(`${name}.${part}.${field}`);
      const allowed = spec.values?.[field];
      if (allowed && !allowed.includes(String(fieldValue)))
        problems.push(`${name}.${part}.${field}=${fieldValue}`);
    }
  };
  const reader = state.ItemReader as Record<string, unknown> | undefined;
  const writer = (state.ResultWriter ?? undefined) as Record<string, unknown> | undefined;
  check('ItemReader', reader);
  check('ReaderConfig', reader?.ReaderConfig);
  check('ItemBatcher', state.ItemBatcher);
  check('ResultWriter', writer);
  check('WriterConfig', writer?.WriterConfig);
  check('ProcessorConfig', (state.ItemProcessor as Record<string, unknown> | undefined)?.ProcessorConfig);
  for (const [part, resource] of [
    ['ItemReader', reader],
    ['ResultWriter', writer],
  ] as const) {
    if (!resource?.Resource) continue;
    const allowed = S3_PARAMETERS[String(resource.Resource)];
    if (!allowed) problems.push(`${name}.${part}.Resource=${resource.Resource}`);
    for (const field of Object.keys((resource.Parameters ?? {}) as Record<string, unknown>))
      if (!allowed?.includes(field.replace(/\.\$$/, '')))
        problems.push(`${name}.${part}.Parameters.${field}`);
  }
  return problems;
}

describe('the Distributed Maps of the synthesized state machine', () => {
  it('use only the fields and values the Step Functions guide documents for their readers, batchers and writers', () => {
    const definition = stateMachineDefinition(templates(ORG_TRAIL).audit) as {
      States: Record<string, Record<string, unknown>>;
    };
    const maps = mapStates(definition.States);
    expect(maps.map(([name]) => name).sort()).toEqual([
      'AnalyzeShards',
      'CollectAccounts',
      'ReadTrailDay',
      'ReadTrailDays',
    ]);
    expect(maps.flatMap(([name, state]) => undocumented(name, state))).toEqual([]);
    // The near miss: a field of the JSONata form, or a misspelled one, is named.
    const [, collect] = maps.find(([name]) => name === 'CollectAccounts') as [
      string,
      Record<string, unknown>,
    ];
    const writer = collect.ResultWriter as Record<string, unknown>;
    expect(
      undocumented('CollectAccounts', {
        ...collect,
        ResultWriter: { ...writer, Arguments: writer.Parameters, WriterConfig: { OutputType: 'CSV' } },
      }),
    ).toEqual(['CollectAccounts.ResultWriter.Arguments', 'CollectAccounts.WriterConfig.OutputType=CSV']);
  });
});

describe.skipIf(!cfnLintAvailable)('the organization-trail state machine under cfn-lint', () => {
  let audit: Template;

  beforeAll(() => {
    audit = templates(ORG_TRAIL).audit;
  });

  // cfn-lint takes 10–20 s a template on a quiet machine, several times that under load.
  it('passes as synthesized, and its definition (the nested Distributed Maps) passes the ASL schema', {
    timeout: 180_000,
  }, () => {
    expect(cfnLintErrors(audit.toJSON())).toEqual([]);
    expect(cfnLintErrors(machineTemplate(stateMachineDefinition(audit)))).toEqual([]);
  });

  it('would be rejected for a misspelled field inside the nested folder Map (near miss)', {
    timeout: 180_000,
  }, () => {
    const definition = stateMachineDefinition(audit) as {
      States: Record<string, { ItemProcessor: { States: Record<string, Record<string, unknown>> } }>;
    };
    const day = definition.States.ReadTrailDays.ItemProcessor.States.ReadTrailDay;
    day.ItemBatchers = day.ItemBatcher;
    delete day.ItemBatcher;
    expect(cfnLintErrors(machineTemplate(definition))).toEqual([
      expect.stringMatching(/E3601:.*'ItemBatchers' was unexpected/),
    ]);
  });
});

describe('AuditStack with usageSource lookup (near miss)', () => {
  let audit: Template;

  beforeAll(() => {
    audit = templates({ ...ORG_TRAIL, usageSource: 'lookup' }).audit;
  });

  it('has no trail function, no trail states and no trail grant', () => {
    expect(Object.keys(audit.findResources('AWS::Lambda::Function'))).not.toContainEqual(
      expect.stringMatching(/^CollectTrailUsage/),
    );
    const states = (stateMachineDefinition(audit) as { States: Record<string, Record<string, unknown>> })
      .States;
    expect(Object.keys(states)).not.toContain('PlanTrailDays');
    expect(Object.keys(states)).not.toContain('ReadTrailDays');
    expect(states.CollectAccounts.Next).toBe('JoinFacts');
    expect(JSON.stringify(audit.toJSON())).not.toContain('org-trail-logs');
  });

  it('synthesizes the same template as when the trail settings are absent', () => {
    const without = templates({ regions: ['eu-west-1'], orgId: 'o-a1b2c3d4e5' }).audit;
    expect(audit.toJSON()).toEqual(without.toJSON());
  });
});
