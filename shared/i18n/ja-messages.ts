import { causeOfError, type FailureCause } from '../aws/errors.js';
import { quotedMessage } from '../collect/causes.js';
import type { CollectionError } from '../model/scope.js';
import type { BackfillFacts, BackfillSummary } from '../usage/backfill.js';
import type { Messages } from './types.js';

/** Labels of the collection failure classes. */
export const CAUSE_LABELS_JA: Readonly<Record<FailureCause | 'not-collected', string>> = {
  credentials: '認証情報',
  'access-denied': 'アクセス拒否',
  network: 'ネットワーク',
  timeout: 'タイムアウト',
  throttling: 'スロットリング',
  'unsupported-api': '未対応の API',
  'server-error': 'サーバーエラー',
  'unexpected-answer': '想定外の応答',
  'not-collected': '未収集',
};

/** What to do about each failure class, as a sentence. */
const CAUSE_HINTS_JA: Readonly<Record<FailureCause, string>> = {
  credentials:
    '開始時の ID に有効な認証情報がありません。--profile / AWS_PROFILE を確認し、セッション (aws sso login) またはアクセスキーを更新してください。',
  'access-denied':
    '監査ロールにこの呼び出しが許可されていません。メンバーロールに読み取りアクションを付与してください (SecurityAudit には Pod Identity のアクションが含まれていません)。',
  network:
    'エンドポイントに到達できませんでした。--endpoint-url、プロキシ、AWS までのネットワーク経路を確認してください。',
  timeout:
    'エンドポイントが時間内に応答しませんでした。再試行するか、--request-timeout を引き上げてください。',
  throttling:
    'すべての再試行を使い切るまで AWS にスロットリングされました。--eks-rate、--iam-rate、--max-in-flight を下げてください。',
  'unsupported-api':
    'エンドポイントがこの API を実装していません (エミュレーター、またはこの API のないリージョンやパーティション)。API を実装したエンドポイントから収集してください。',
  'server-error': 'すべての再試行の後も AWS がサーバーエラーを返しました。時間をおいて再度収集してください。',
  'unexpected-answer':
    '応答にサービスが文書化しているエラーコードがありません (プロキシやエミュレーターの可能性があります)。そのため、何かが削除された証拠とは見なしません。--endpoint-url を確認してください。',
};

/** The advice for one recorded error, as the collection module chooses it in English. */
export function causeHintJa(error: CollectionError & { cause?: string }): string {
  if (error.code === 'AccountMismatch')
    return '認証情報は別のアカウントのものです。--role-name を指定し、メンバーロール経由でこのアカウントを読み取ってください。';
  const cause = causeOfError(error);
  if (cause === 'access-denied' && error.service === 'sts' && error.operation === 'AssumeRole')
    return '--external-id とメンバーロールの信頼ポリシーを確認してください (ロールはデプロイされていて、呼び出し元を信頼していますか?)。';
  return CAUSE_HINTS_JA[cause];
}

/** `AccessDenied (sts:AssumeRole) — advice`, quoting the SDK's message where it names the cause. */
function failureJa(error: CollectionError & { cause?: string }): string {
  const line = `${error.code} (${error.service}:${error.operation}) — ${causeHintJa(error)}`;
  const quoted = quotedMessage(error, error.message.trim());
  return quoted === undefined ? line : `${line} [${quoted}]`;
}

/** Where usage evidence comes from, as the usage evidence line names it. */
const USAGE_SOURCES_JA: Readonly<Record<BackfillSummary['source'], string>> = {
  lookup: 'CloudTrail LookupEvents',
  'org-trail': '組織の証跡',
  ledger: '利用状況の台帳',
};

/** The backfill sentence in Japanese, from the same facts as the English one. */
function backfillTextJa(facts: BackfillFacts): string {
  const head = `利用状況が判明しているアカウント・リージョン: ${facts.total} 件中 ${facts.known} 件、バックフィル ${facts.percentDone}% 完了`;
  if (facts.known >= facts.total) return `${head}、残りはありません`;
  if (facts.nightsLeft === null) {
    const named = `${facts.cannotCatchUp.slice(0, 3).join('、')}${facts.cannotCatchUp.length > 3 ? '、…' : ''}`;
    return (
      `${head}。${facts.cannotCatchUp.length} 件のアカウント・リージョン (${named}) は現在の読み取り速度では追いつけません` +
      ' (1 回の夜間実行で読み取れる履歴が、1 日に増える分より少ないためです)'
    );
  }
  if (facts.nightsLeft === undefined) return `${head}、読み取り速度はまだ測定されていません`;
  return `${head}、あと約 ${facts.nightsLeft} 回の夜間実行で完了する見込みです`;
}

/** Japanese as a Japanese platform team writes it: です/ます, the terms of the AWS documentation in Japanese. */
export const jaMessages: Messages = {
  defaultTitle: 'EKS ワークロードアイデンティティ監査',
  groupCluster: (cluster, region) => `クラスター ${cluster}${region ? ` (${region})` : ''}`,
  groupRegion: (region) => `リージョン ${region}`,
  groupAccountWide: 'アカウント全体',
  accountHeading: (accountId) => `アカウント ${accountId}`,
  baselineHeading: 'ベースライン',
  scopeAccount: (accountId) => `アカウント ${accountId}`,
  scopeRegion: (region) => `リージョン ${region}`,
  scopeCluster: (cluster) => `クラスター ${cluster}`,
  run: '実行',
  baseline: 'ベースライン',
  scopeCounts: (complete, incomplete) => `スコープ: 完全 ${complete} 件、不完全 ${incomplete} 件`,
  incompleteScope: '不完全:',
  noFindings: '検出結果はありません。',
  listedFindings: (listed, total, completeReport) =>
    `ここには ${total} 件の検出結果のうち重大度の高い ${listed} 件を載せています。すべての検出結果は JSON レポートにあります${completeReport ? `: ${completeReport}` : ''}。`,
  suppressedHeading: '抑制済み',
  suppressedReason: (reason) => `抑制の理由: ${reason}`,
  suppressedDefaultReason: 'ベースラインの例外',
  findingsFooter: (total, counts, suppressed) =>
    `検出結果: ${total} 件 (${counts})、抑制済み: ${suppressed} 件`,
  usageUnknown: (count) => `利用状況が不明 (CloudTrail の記録が期間全体をカバーしていません): ${count} 件`,
  absenceUndecided: (count) =>
    `存在しないことを判定できなかったもの (根拠となるスコープを完全には収集できませんでした): ${count} 件`,
  usageEvidenceLabel: (source) => `利用状況のエビデンス (${USAGE_SOURCES_JA[source]}):`,
  usageEvidence: backfillTextJa,
  collectionComplete: (scopes) =>
    `収集: COMPLETE (${scopes} スコープすべてを収集し、要求されたアカウントとリージョンをすべて読み取りました)`,
  collectionIncomplete: (incomplete, scopes, unread) =>
    `収集: INCOMPLETE (${scopes} スコープ中 ${incomplete} スコープが不完全です` +
    `${unread > 0 ? `。${unread} 件のアカウントまたはリージョンをまったく読み取れませんでした` : ''})。不完全なスコープ内のものは、存在しない・未使用とは報告しません`,
  collectionHeadline: (summary) => {
    if (summary.status === 'complete') return undefined;
    const accounts = summary.unread.filter((entry) => entry.region === undefined).length;
    const regions = summary.unread.length - accounts;
    const unread = [accounts > 0 ? `${accounts} アカウント` : '', regions > 0 ? `${regions} リージョン` : '']
      .filter(Boolean)
      .join('と ');
    const causes =
      summary.causes.length > 0
        ? ` (${summary.causes.map((cause) => CAUSE_LABELS_JA[cause]).join('、')})`
        : '';
    return (
      '収集が不完全です (COLLECTION INCOMPLETE): ' +
      `${unread ? `${unread}をまったく読み取れませんでした。` : ''}` +
      `${summary.incompleteScopes} スコープが不完全です${causes}。` +
      '不完全なスコープ内のものは、存在しない・未使用とは報告しません。'
    );
  },
  unreadLine: (entry, error) => {
    const where = `${entry.accountId}${entry.region ? ` ${entry.region}` : ''}`;
    if (entry.cause === 'not-collected')
      return `${where}: スナップショットにありません。この${entry.region ? 'リージョン' : 'アカウント'}を収集してください。`;
    if (error) return `${where}: ${failureJa(error)}`;
    return `${where}: ${CAUSE_LABELS_JA[entry.cause]}`;
  },
  causeLabel: (cause) => CAUSE_LABELS_JA[cause],
  fix: '対処:',
  remediation: '対処:',
  declaredAt: '宣言の場所',
  evidence: 'エビデンス',
  docs: 'ドキュメント',
  carriedDocument: '追加するステートメント',
  carriedCommand: 'コマンド',
  genericMessage: (title, resource) => `${title}。対象: ${resource}`,

  html: {
    fixFirst: 'まず対処するもの',
    fixFirstIntro:
      '未対処の検出結果を、重要度の高い順、次に影響するワークロードの多い順に並べています。それぞれ実行するコマンドを添えています。',
    fixFirstNone: '対処が必要なものはありません。未対処の検出結果はありません。',
    fixFirstMore: (count) =>
      `ほかに未対処の検出結果が ${count} 件あります。すべて下の「検出結果」に一覧があります。`,
    affects: (workloads) => `影響するワークロード: ${workloads} 件`,
    where: '場所',
    trend: '推移',
    trendIntro: (runs, total) =>
      `保存されている ${total} 回の実行のうち直近 ${runs} 回について、未対処・新規・解決済みの検出結果を重要度別に示します (古い順)。`,
    trendOpen: '未対処の検出結果',
    trendChanges: '新規 (線より上) と解決済み (線より下)',
    trendNew: '新規',
    trendResolved: '解決済み',
    trendIncomplete: '収集が不完全',
    trendTable: '数値',
    trendRun: '実行',
    trendNoBreakdown: 'この実行には重要度別の内訳が保存されていません',
    summary: '概要',
    summaryNote: '重要度別の件数には抑制済みの検出結果を含みません。チェック別の件数には含みます。',
    total: '合計',
    suppressed: '抑制済み',
    usageUnknown: '利用状況が不明',
    absenceUndecided: '存在の判定保留',
    checks: 'チェック',
    check: 'チェック',
    severity: '重要度',
    title: 'タイトル',
    findings: '検出結果',
    scopes: 'スコープ',
    scopesComplete: (count) => `${count} スコープすべてを完全に収集しました。`,
    scopesIncomplete: (incomplete, complete) =>
      `不完全なスコープが ${incomplete} 件あります (完全なスコープは ${complete} 件)。`,
    scopesNote: '不完全なスコープ内のものは、存在しない・未使用とは報告しません。',
    account: 'アカウント',
    region: 'リージョン',
    cluster: 'クラスター',
    level: 'レベル',
    status: '状態',
    errors: 'エラー',
    resource: 'リソース',
    findingAndRemediation: '検出結果と対処',
    show: '表示:',
    suppressedBox: '抑制済み',
    commands: 'コマンド',
  },

  markdown: {
    severity: '重要度',
    findings: '検出結果',
    total: '合計',
    suppressed: '抑制済み',
    incompleteScopes: '**不完全なスコープ**: この中のものは、存在しない・未使用とは報告しません。',
    resource: 'リソース',
    remediation: '対処',
    suppressedLine: '抑制の理由',
  },

  notification: {
    alertHeading: (count, threshold) =>
      `EKS ワークロードアイデンティティ監査 - アラート: ${threshold} 以上の新しい検出結果が ${count} 件あります`,
    summaryHeading: 'EKS ワークロードアイデンティティ監査 - 夜間サマリー',
    runLine: (runId, finishedAt, previousRunId) =>
      `実行 ${runId} (${finishedAt} 完了)。${previousRunId ? `前回の実行 ${previousRunId} と比較しました。` : '比較できる前回の実行はありません。'}`,
    openLine: (total, counts, suppressed) =>
      `未対処の検出結果: ${total} 件 (${counts})。抑制済み: ${suppressed} 件。`,
    changesLine: (added, resolved, stillOpen, unknown) =>
      `前回の実行からの変化: 新規 ${added} 件、解決済み ${resolved} 件、継続 ${stillOpen} 件` +
      (unknown > 0 ? `、不明 ${unknown} 件 (今回の実行でスコープを完全には収集できませんでした)。` : '。'),
    newAtThreshold: 'しきい値以上の新しい検出結果',
    newFindings: '新しい検出結果',
    resolvedFindings: '解決済みの検出結果',
    where: (accountId, region, cluster) =>
      [`アカウント ${accountId}`, region, cluster ? `クラスター ${cluster}` : undefined]
        .filter((part) => part !== undefined)
        .join('、'),
    resource: 'リソース',
    fix: '対処',
    omitted: (count) => `...ほか ${count} 件 (重要度の高い順に掲載): 詳細はレポートをご覧ください。`,
    whatToDo: '対応:',
    applyRemediation:
      'レポートを開き、新しい検出結果ごとの対処を実施してください (実行するコマンドはレポートに記載しています)。',
    acceptRisk:
      'リスクを受け入れる場合は、ベースラインに例外 (チェック、リソース、理由、有効期限) を追加してください。検出結果は抑制済みになります。',
    fixAccess:
      'COLLECTION_INCOMPLETE の検出結果の原因となっているアクセスを修正してください。これらのスコープの検出結果は再確認できていません。',
    report: 'レポート',
    console: 'コンソール',
    chatAlertTitle: (count, threshold) =>
      `EKS アイデンティティ監査: ${threshold} 以上の新しい検出結果が ${count} 件`,
    chatSummaryTitle: (added, resolved, open) =>
      `EKS アイデンティティ監査: 新規 ${added} 件、解決済み ${resolved} 件、未対処 ${open} 件`,
    chatOpen: (total, counts, suppressed) =>
      `**未対処の検出結果:** ${total} 件 (${counts}) · 抑制済み ${suppressed} 件`,
    chatChanges: (added, resolved, stillOpen, unknown) =>
      `**前回の実行からの変化:** 新規 ${added} 件、解決済み ${resolved} 件、継続 ${stillOpen} 件${unknown > 0 ? `、不明 ${unknown} 件 (スコープを完全には収集できませんでした)` : ''}`,
    chatOmitted: (count) => `...ほか ${count} 件はレポートをご覧ください`,
    chatOpenReport: (url) => `レポートを開く: ${url}`,
    chatOpenRunReport: '実行のレポートを開いてください',
    chatApply: '新しい検出結果ごとの対処を実施してください (実行するコマンドはレポートに記載しています)',
    chatAccept:
      'リスクを受け入れる場合は、ベースラインに例外 (チェック、リソース、理由、有効期限) を追加してください',
    chatSummary: (open, added, resolved, max) =>
      `EKS アイデンティティ監査: 未対処 ${open} 件、新規 ${added} 件、解決済み ${resolved} 件 (最大の重要度 ${max})`,
    chatAlertSummary: (count, threshold, max) =>
      `EKS アイデンティティ監査のアラート: ${threshold} 以上の新しい検出結果が ${count} 件 (最大の重要度 ${max})`,
  },

  catalogue: {
    check: 'チェック',
    severity: '重要度',
    category: 'カテゴリ',
    title: 'タイトル',
    heading: 'チェック一覧',
    generated:
      'チェックのレジストリ (shared/checks/index.ts) から `checks list --lang ja` で生成しています。手で編集しないでください。',
    intro: (count) =>
      `${count} 個のチェックがあります。重要度は検出結果の既定値です。チェック ID は安定しており、名前が変わることはありません。` +
      '検出結果を抑制するには、ベースラインに `exceptions:` のエントリ (チェック ID とリソース ID のグロブ) を追加します。',
    categories: {
      drift: 'ドリフト: デプロイされた状態と宣言の比較',
      trust: '信頼ポリシー',
      runtime: '実行時の準備状況',
      usage: '利用状況',
      meta: '監査そのもの',
      cutover: 'ブルー/グリーンの切り替え',
    },
    meta: (title, severity, category) => `**${title}** · 重要度 ${severity} · カテゴリ ${category}`,
    remediation: '対処:',
    documentation: 'AWS ドキュメント:',
  },
};
