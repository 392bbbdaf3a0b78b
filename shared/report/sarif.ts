import type { CheckMeta } from '../model/check.js';
import type { Finding } from '../model/finding.js';
import type { Severity } from '../model/severity.js';
import { collectionBanner, collectionOf, errorLine, type RenderOptions, scopeLabel } from './common.js';
import { cleanText, MAX_IDENTIFIER_LENGTH } from './escape.js';
import type { Report } from './types.js';

/** The SARIF schema the output follows. */
export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
/** `tool.driver.name` in SARIF output. */
export const TOOL_NAME = 'eks-identity-audit';
/** `tool.driver.informationUri`: where the tool is documented. */
export const TOOL_INFORMATION_URI = 'https://github.com/eks-identity-audit/eks-identity-audit';
/** The `partialFingerprints` key carrying the stable finding id (versioned as SARIF advises). */
export const FINGERPRINT_KEY = 'findingId/v1';

export type SarifLevel = 'error' | 'warning' | 'note';

/** SARIF `level` for a severity: CRITICAL/HIGH → error, MEDIUM → warning, LOW/INFORMATIONAL → note. */
export const SARIF_LEVEL: Record<Severity, SarifLevel> = {
  CRITICAL: 'error',
  HIGH: 'error',
  MEDIUM: 'warning',
  LOW: 'note',
  INFORMATIONAL: 'note',
};

/** `properties.security-severity` for a severity (GitHub code scanning reads it as a CVSS-like score). */
export const SECURITY_SEVERITY: Record<Severity, string> = {
  CRITICAL: '9.0',
  HIGH: '7.0',
  MEDIUM: '5.0',
  LOW: '3.0',
  INFORMATIONAL: '0.0',
};

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  helpUri?: string;
  help: { text: string };
  defaultConfiguration: { level: SarifLevel };
  properties: { 'security-severity': string; tags: string[] };
}

/**
 * SARIF 2.1.0 log with one run. Rules come from the check catalogue (plus a minimal rule for any
 * finding whose check is not in it); each result carries the stable finding id as a partial
 * fingerprint, an external suppression when a baseline exception matched, and a location: the
 * baseline file and line of the declaration the finding concerns, else the resource ARN as a
 * logical location. Incomplete scopes become tool execution notifications.
 */
export function renderSarif(report: Report, options: RenderOptions): string {
  const rules: SarifRule[] = options.checks.map(ruleFromMeta);
  const ruleIndex = new Map(rules.map((rule, index) => [rule.id, index]));
  for (const finding of report.findings) {
    if (ruleIndex.has(finding.checkId)) continue;
    ruleIndex.set(finding.checkId, rules.length);
    rules.push(ruleFromFinding(finding));
  }

  const results = report.findings.map((finding) => {
    const result: Record<string, unknown> = {
      ruleId: finding.checkId,
      ruleIndex: ruleIndex.get(finding.checkId),
      level: SARIF_LEVEL[finding.severity],
      message: { text: messageText(finding.message) },
      locations: [location(finding, options.baselineFile)],
      partialFingerprints: { [FINGERPRINT_KEY]: finding.id },
      properties: {
        severity: finding.severity,
        'security-severity': SECURITY_SEVERITY[finding.severity],
        accountId: finding.accountId,
        ...(finding.region ? { region: finding.region } : {}),
        ...(finding.cluster ? { cluster: finding.cluster } : {}),
        resourceType: finding.resource.type,
        resourceId: finding.resource.id,
        remediation: finding.remediation,
      },
    };
    if (finding.suppressed)
      result.suppressions = [
        {
          kind: 'external',
          status: 'accepted',
          justification: messageText(finding.suppressionReason ?? 'baseline exception'),
        },
      ];
    return result;
  });

  // The collection headline first: a run that could not read an account is not a successful execution.
  const collection = collectionOf(report);
  const banner = collectionBanner(report);
  const headline = banner.headline
    ? [
        {
          level: collection.unread.length > 0 ? 'error' : 'warning',
          message: { text: messageText([banner.headline, ...banner.unread].join('; ')) },
        },
      ]
    : [];
  const notifications = report.scopes
    .filter((scope) => scope.status === 'incomplete')
    .map((scope) => ({
      level: 'warning',
      message: {
        text: messageText(
          `Incomplete scope ${scopeLabel(scope)}: ${scope.errors.map(errorLine).join('; ') || 'not collected'}`,
        ),
      },
    }));

  const log = {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: TOOL_NAME, informationUri: TOOL_INFORMATION_URI, rules } },
        automationDetails: { id: `${TOOL_NAME}/${report.runId}` },
        invocations: [
          {
            executionSuccessful: collection.unread.length === 0,
            startTimeUtc: report.startedAt,
            endTimeUtc: report.finishedAt,
            toolExecutionNotifications: [...headline, ...notifications],
          },
        ],
        results,
        properties: { baseline: report.baseline, collection, summary: report.summary },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

function location(finding: Finding, baselineFile: string | undefined): Record<string, unknown> {
  const declared = finding.baselineLocation;
  if (declared) {
    return {
      physicalLocation: {
        artifactLocation: { uri: toUri(baselineFile ?? declared.file) },
        region: { startLine: Math.max(1, declared.line), startColumn: Math.max(1, declared.column) },
      },
    };
  }
  return {
    logicalLocations: [
      {
        name: cleanText(lastSegment(finding.resource.id), MAX_IDENTIFIER_LENGTH),
        fullyQualifiedName: cleanText(finding.resource.id, MAX_IDENTIFIER_LENGTH),
        kind: 'resource',
      },
    ],
  };
}

/**
 * Plain-text SARIF message from report text: one line, invisible characters shown, bounded, and
 * square brackets backslash-escaped so that AWS text cannot form an embedded link (SARIF 3.11.6).
 */
function messageText(value: string): string {
  return cleanText(value).replace(/[[\]]/g, (bracket) => `\\${bracket}`);
}

/** A file path as a URI reference: forward slashes, reserved characters percent-encoded; URIs stay as given. */
function toUri(path: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path)) return path;
  return path
    .replaceAll('\\', '/')
    .split('/')
    .map((segment) => encodeURIComponent(segment))
    .join('/');
}

function lastSegment(resourceId: string): string {
  const slash = resourceId.lastIndexOf('/');
  return slash === -1 ? resourceId : resourceId.slice(slash + 1) || resourceId;
}

function ruleFromMeta(meta: CheckMeta): SarifRule {
  return {
    id: meta.id,
    name: pascalCase(meta.id),
    shortDescription: { text: meta.title },
    fullDescription: { text: meta.description },
    ...(meta.docsUrl ? { helpUri: meta.docsUrl } : {}),
    help: { text: meta.remediation },
    defaultConfiguration: { level: SARIF_LEVEL[meta.severity] },
    properties: {
      'security-severity': SECURITY_SEVERITY[meta.severity],
      tags: ['security', 'eks', meta.category],
    },
  };
}

/** A rule for a check missing from the catalogue, built from what its finding says. */
function ruleFromFinding(finding: Finding): SarifRule {
  return {
    id: finding.checkId,
    name: pascalCase(finding.checkId),
    shortDescription: { text: finding.title },
    fullDescription: { text: finding.title },
    help: { text: finding.remediation },
    defaultConfiguration: { level: SARIF_LEVEL[finding.severity] },
    properties: { 'security-severity': SECURITY_SEVERITY[finding.severity], tags: ['security', 'eks'] },
  };
}

/** `IRSA_SUBJECT_WILDCARD` → `IrsaSubjectWildcard`. */
function pascalCase(id: string): string {
  return id
    .toLowerCase()
    .split('_')
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join('');
}
