import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildReport, renderSarif, SARIF_SCHEMA } from '../../shared/report/index.js';
import { CATALOGUE } from './catalogue.js';
import { loadFixtureReport } from './fixture.js';

// The subset of SARIF 2.1.0 this tool emits, with the constraints of the OASIS schema that apply.
const Message = z.object({ text: z.string().min(1) });
const Level = z.enum(['none', 'note', 'warning', 'error']);
const Rule = z.object({
  id: z.string().min(1),
  name: z.string().regex(/^[A-Z][A-Za-z0-9]*$/),
  shortDescription: Message,
  fullDescription: Message,
  helpUri: z.url().optional(),
  help: Message,
  defaultConfiguration: z.object({ level: Level }),
  properties: z.object({
    'security-severity': z.enum(['9.0', '7.0', '5.0', '3.0', '0.0']),
    tags: z.array(z.string()),
  }),
});
const PhysicalLocation = z.object({
  artifactLocation: z.object({ uri: z.string().min(1) }),
  region: z.object({ startLine: z.number().int().min(1), startColumn: z.number().int().min(1) }),
});
const LogicalLocation = z.object({
  name: z.string(),
  fullyQualifiedName: z.string().min(1),
  kind: z.string(),
});
const Location = z.union([
  z.object({ physicalLocation: PhysicalLocation }).strict(),
  z.object({ logicalLocations: z.array(LogicalLocation).min(1) }).strict(),
]);
const Result = z.object({
  ruleId: z.string(),
  ruleIndex: z.number().int().min(0),
  level: Level,
  message: Message,
  locations: z.array(Location).min(1),
  partialFingerprints: z.record(z.string(), z.string()),
  suppressions: z
    .array(
      z.object({
        kind: z.enum(['inSource', 'external']),
        status: z.literal('accepted'),
        justification: z.string(),
      }),
    )
    .optional(),
  properties: z.record(z.string(), z.unknown()),
});
const SarifLog = z.object({
  $schema: z.literal('https://json.schemastore.org/sarif-2.1.0.json'),
  version: z.literal('2.1.0'),
  runs: z
    .array(
      z.object({
        tool: z.object({
          driver: z.object({
            name: z.literal('eks-identity-audit'),
            informationUri: z.url(),
            rules: z.array(Rule),
          }),
        }),
        invocations: z.array(
          z.object({
            executionSuccessful: z.boolean(),
            toolExecutionNotifications: z.array(z.object({ level: Level, message: Message })),
          }),
        ),
        results: z.array(Result),
      }),
    )
    .length(1),
});
type SarifLogType = z.infer<typeof SarifLog>;

const report = loadFixtureReport();

function render(baselineFile?: string, checks = CATALOGUE): SarifLogType {
  return SarifLog.parse(JSON.parse(renderSarif(buildReport(report), { checks, baselineFile })));
}

function resultFor(log: SarifLogType, checkId: string) {
  const result = log.runs[0].results.find((candidate) => candidate.ruleId === checkId);
  if (!result) throw new Error(`no result for ${checkId}`);
  return result;
}

describe('SARIF report', () => {
  const log = render('config/eks-identity/baseline.yaml');
  const run = log.runs[0];

  it('is a SARIF 2.1.0 log with one run of this tool (validated against the emitted subset)', () => {
    expect(SARIF_SCHEMA).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(run.results).toHaveLength(report.findings.length);
  });

  it('has one rule per catalogue check, with severity mapped to level and security-severity', () => {
    expect(run.tool.driver.rules.map((rule) => rule.id)).toEqual(CATALOGUE.map((check) => check.id));
    const byId = new Map(run.tool.driver.rules.map((rule) => [rule.id, rule]));
    expect(byId.get('PI_TRUST_UNSCOPED')?.defaultConfiguration.level).toBe('error');
    expect(byId.get('PI_TRUST_UNSCOPED')?.properties['security-severity']).toBe('9.0');
    expect(byId.get('ROLE_NOT_FOUND')?.properties['security-severity']).toBe('7.0');
    expect(byId.get('PI_ASSOCIATION_UNDECLARED')?.defaultConfiguration.level).toBe('warning');
    expect(byId.get('ROLE_UNUSED')?.defaultConfiguration.level).toBe('note');
    expect(byId.get('IRSA_MIGRATION_CANDIDATE')?.properties['security-severity']).toBe('0.0');
    expect(byId.get('PI_AGENT_MISSING')?.help.text).toContain('eks-pod-identity-agent');
    expect(byId.get('PI_AGENT_MISSING')?.name).toBe('PiAgentMissing');
  });

  it('points every result at its rule by id and index', () => {
    for (const result of run.results) expect(run.tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
  });

  it('locates a finding about a declared binding at its baseline file, line and column', () => {
    const missing = resultFor(log, 'PI_ASSOCIATION_MISSING');
    expect(missing.locations).toEqual([
      {
        physicalLocation: {
          artifactLocation: { uri: 'config/eks-identity/baseline.yaml' },
          region: { startLine: 14, startColumn: 5 },
        },
      },
    ]);
  });

  it('locates a finding without a declaration at its resource ARN', () => {
    const unscoped = resultFor(log, 'PI_TRUST_UNSCOPED');
    expect(unscoped.locations[0]).toEqual({
      logicalLocations: [
        {
          name: 'ci-deployer',
          fullyQualifiedName: 'arn:aws:iam::111122223333:role/<script>alert(1)</script>/ci-deployer',
          kind: 'resource',
        },
      ],
    });
  });

  it("falls back to the finding's own baseline file, as a URI, when no baseline file is given", () => {
    const withSpaces = buildReport({
      ...report,
      findings: report.findings.map((finding) =>
        finding.baselineLocation
          ? {
              ...finding,
              baselineLocation: { ...finding.baselineLocation, file: 'my baselines\\prod #1.yaml' },
            }
          : finding,
      ),
    });
    const parsed = SarifLog.parse(JSON.parse(renderSarif(withSpaces, { checks: CATALOGUE })));
    const missing = resultFor(parsed, 'PI_ASSOCIATION_MISSING');
    expect(missing.locations[0]).toMatchObject({
      physicalLocation: { artifactLocation: { uri: 'my%20baselines/prod%20%231.yaml' } },
    });
  });

  it('carries the stable finding id as a partial fingerprint', () => {
    const ids = run.results.map((result) => result.partialFingerprints['findingId/v1']);
    expect(ids).toEqual(report.findings.map((finding) => finding.id));
  });

  it('marks suppressed findings with an external suppression and its justification, and only those', () => {
    const suppressed = run.results.filter((result) => result.suppressions);
    expect(suppressed.map((result) => result.ruleId)).toEqual(['IRSA_SUBJECT_WILDCARD']);
    expect(suppressed[0].suppressions).toEqual([
      {
        kind: 'external',
        status: 'accepted',
        justification: 'provider service account names change per revision',
      },
    ]);
  });

  it('uses the finding severity for the result level', () => {
    expect(resultFor(log, 'COLLECTION_INCOMPLETE').level).toBe('error');
    expect(resultFor(log, 'IRSA_STALE_PROVIDER').level).toBe('warning');
    expect(resultFor(log, 'IRSA_MIGRATION_CANDIDATE').level).toBe('note');
  });

  it('reports incomplete scopes as tool execution notifications, after the collection headline', () => {
    const notifications = run.invocations[0].toolExecutionNotifications;
    expect(notifications).toHaveLength(3);
    expect(notifications[0].message.text).toMatch(
      /^COLLECTION INCOMPLETE: 1 account could not be read at all/,
    );
    expect(notifications[0].level).toBe('error');
    expect(notifications[2].message.text).toContain('account 777788889999');
    expect(notifications[2].message.text).toContain('AccessDenied');
  });

  it('marks a run that could not read an account as not successful, and carries the collection summary', () => {
    expect(run.invocations[0].executionSuccessful).toBe(false);
    const raw = JSON.parse(renderSarif(buildReport(report), { checks: CATALOGUE }));
    expect(raw.runs[0].properties.collection).toMatchObject({
      status: 'incomplete',
      unread: [{ accountId: '777788889999' }],
    });
  });

  it('adds a rule for a finding whose check is missing from the catalogue', () => {
    const partial = render(
      undefined,
      CATALOGUE.filter((check) => check.id !== 'ROLE_UNUSED'),
    );
    const rules = partial.runs[0].tool.driver.rules;
    expect(rules.at(-1)).toMatchObject({
      id: 'ROLE_UNUSED',
      shortDescription: { text: 'Workload role is unused' },
    });
    expect(resultFor(partial, 'ROLE_UNUSED').ruleIndex).toBe(rules.length - 1);
  });
});
