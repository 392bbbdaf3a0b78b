import { causeOfError } from '../aws/errors.js';
import type { FindingFacts, FindingLike } from '../model/facts.js';
import { roleNameOf } from '../model/facts.js';
import type { CollectionError } from '../model/scope.js';
import { CAUSE_LABELS_JA, causeHintJa } from './ja-messages.js';
import type { FindingMessage } from './types.js';

// Finding messages in Japanese, by check id, built from what the finding states: its place, its
// resource and its evidence (the report's contract). A message returns undefined when a fact it
// needs is missing, and the report then says the title and the resource instead. Text the audit
// engine wrote in English (a trust evaluator's reason) is left to the evidence.

type Evidence = Record<string, unknown>;

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const strings = (value: unknown): string[] =>
  list(value).filter((item): item is string => typeof item === 'string' && item !== '');
const record = (value: unknown): Evidence | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Evidence) : undefined;
const evidenceOf = (finding: FindingLike): Evidence => finding.evidence ?? {};

/** `payments/api`: the service account, when the finding names one. */
function serviceAccount(facts: FindingFacts): string | undefined {
  return facts.namespace && facts.serviceAccount ? `${facts.namespace}/${facts.serviceAccount}` : undefined;
}

/** `Statement[0] (Sid "X")` as the trust analyzer names statements. */
function statement(evidence: Evidence): string | undefined {
  const index = count(evidence.statementIndex);
  if (index === undefined) return undefined;
  const sid = text(evidence.sid);
  return sid === undefined ? `Statement[${index}]` : `Statement[${index}] (Sid "${sid}")`;
}

/** `ロール name (arn)` of a role-level finding. */
function role(facts: FindingFacts): string | undefined {
  return facts.roleName && facts.roleArn ? `ロール ${facts.roleName} (${facts.roleArn})` : undefined;
}

/** `Pod Identity の関連付け a-1 (クラスター c の ns/sa)`. */
function association(facts: FindingFacts): string | undefined {
  const who = serviceAccount(facts);
  if (!facts.associationId || !facts.cluster || !who) return undefined;
  return `Pod Identity の関連付け ${facts.associationId} (クラスター ${facts.cluster} の ${who})`;
}

/** `(3 アカウントでリージョン r のクラスター一覧を完全に確認しました)`, from the scopes an absence rests on. */
function listedIn(finding: FindingLike, region: string | undefined): string {
  const accounts = new Set((finding.restsOn ?? []).map((scope) => scope.accountId)).size;
  if (accounts === 0 || region === undefined) return '';
  return ` (クラスターが動きうる ${accounts} 個のアカウントで、リージョン ${region} のクラスター一覧を完全に確認しました)`;
}

/** The baseline's and associations' references to a role, as ROLE_NOT_FOUND words them. */
function referrer(phrase: string): string | undefined {
  const target = phrase.endsWith(' (target role)') ? ' (ターゲットロール)' : '';
  const bare = target ? phrase.slice(0, -' (target role)'.length) : phrase;
  let match = /^the baseline's Pod Identity binding for (\S+) on (\S+)$/.exec(bare);
  if (match)
    return `ベースラインの論理クラスター ${match[2]} の ${match[1]} に対する Pod Identity バインディング${target}`;
  match = /^the baseline's IRSA binding for (\S+) on (\S+)$/.exec(bare);
  if (match)
    return `ベースラインの論理クラスター ${match[2]} の ${match[1]} に対する IRSA バインディング${target}`;
  match = /^Pod Identity association (\S+) \((\S+) on (\S+)\)$/.exec(bare);
  if (match) return `Pod Identity の関連付け ${match[1]} (クラスター ${match[3]} の ${match[2]})${target}`;
  return undefined;
}

const LEVEL_WORDS: Readonly<Record<string, (facts: FindingFacts) => string>> = {
  account: (facts) => `アカウント ${facts.accountId}`,
  iam: (facts) => `アカウント ${facts.accountId} の IAM`,
  region: (facts) => `アカウント ${facts.accountId} のリージョン ${facts.region} の EKS`,
  cloudtrail: (facts) => `アカウント ${facts.accountId} のリージョン ${facts.region} の CloudTrail の記録`,
  cluster: (facts) =>
    `アカウント ${facts.accountId} のリージョン ${facts.region} のクラスター ${facts.cluster}`,
};

const CONSEQUENCE: Readonly<Record<string, string>> = {
  account: 'このアカウント内のものは、存在しない・未使用とは報告しません',
  iam: 'このアカウントのロールは、存在しない・未使用とは報告しません',
  region: 'このリージョンのクラスターとバインディングは、存在しない・未使用とは報告しません',
  cloudtrail: 'このリージョンの利用状況は不明のため、未使用とは報告しません',
  cluster: 'このクラスターのバインディングは、存在しない・未使用とは報告しません',
};

/** The errors a COLLECTION_INCOMPLETE finding records. */
function recordedErrors(evidence: Evidence): CollectionError[] {
  return list(evidence.errors).filter(
    (error): error is CollectionError =>
      typeof (error as CollectionError)?.service === 'string' &&
      typeof (error as CollectionError)?.operation === 'string' &&
      typeof (error as CollectionError)?.code === 'string',
  );
}

export const jaFindingMessages: Readonly<Record<string, FindingMessage>> = {
  PI_ASSOCIATION_MISSING: (facts) => {
    const who = serviceAccount(facts);
    if (!facts.cluster || !who) return undefined;
    const logical = facts.logicalCluster ? ` (論理クラスター ${facts.logicalCluster})` : '';
    const declared = facts.roleArn ? `ベースラインではロール ${facts.roleArn} を宣言しています。` : '';
    return `クラスター ${facts.cluster}${logical} に、サービスアカウント ${who} の Pod Identity の関連付けがありません。${declared}関連付けを作成するか、宣言を削除してください。`;
  },
  PI_ASSOCIATION_UNDECLARED: (facts, finding) => {
    const who = serviceAccount(facts);
    if (!facts.associationId || !facts.cluster || !who || !facts.roleArn) return undefined;
    const owner = text(evidenceOf(finding).ownerArn);
    const where = facts.logicalCluster ? `論理クラスター ${facts.logicalCluster} には` : 'ベースラインには';
    return `Pod Identity の関連付け ${facts.associationId}${owner ? ` (${owner} が所有)` : ''} は、クラスター ${facts.cluster} の ${who} にロール ${facts.roleArn} を付与していますが、${where}このバインディングの宣言がありません。ベースラインで宣言するか、関連付けを削除してください。`;
  },
  PI_ASSOCIATION_CHANGED: (facts, finding) => {
    const evidence = evidenceOf(finding);
    const actual = record(evidence.actual);
    const declared = record(evidence.declared);
    if (!facts.associationId || !facts.cluster || !actual || !declared) return undefined;
    const differences: string[] = [];
    if (actual.roleArn !== declared.roleArn)
      differences.push(
        `ロールは ${text(actual.roleArn) ?? '未設定'} ですが、ベースラインでは ${text(declared.roleArn) ?? 'なし'} を宣言しています`,
      );
    if ((actual.targetRoleArn ?? null) !== (declared.targetRoleArn ?? null))
      differences.push(
        `ターゲットロールは ${text(actual.targetRoleArn) ?? '未設定'} ですが、ベースラインでは ${text(declared.targetRoleArn) ?? 'なし'} を宣言しています`,
      );
    if (Boolean(actual.disableSessionTags) !== Boolean(declared.disableSessionTags))
      differences.push(
        `セッションタグは${actual.disableSessionTags ? '無効' : '有効'}ですが、ベースラインでは${declared.disableSessionTags ? '無効' : '有効'}と宣言しています`,
      );
    if (differences.length === 0) return undefined;
    return `クラスター ${facts.cluster} の Pod Identity の関連付け ${facts.associationId} がベースラインと異なります: ${differences.join('。')}。関連付けかベースラインを更新してください。`;
  },
  IRSA_BINDING_MISSING: (facts, finding) => {
    const who = serviceAccount(facts);
    if (!facts.cluster || !who || !facts.roleArn) return undefined;
    if (text(evidenceOf(finding).reason) === 'cluster has no OIDC issuer')
      return `クラスター ${facts.cluster} が OIDC 発行者を返さないため、そこでは ${who} (ロール ${facts.roleArn}) に IRSA を使えません。クラスターの OIDC の設定を確認するか、Pod Identity を使ってください。`;
    const issuer = facts.issuerHostPath ? ` (発行者 ${facts.issuerHostPath})` : '';
    return `ロール ${facts.roleName} の信頼ポリシーは、クラスター ${facts.cluster} の ${who} に IRSA での引き受けを許可していません${issuer}。このサービスアカウントの Pod は AccessDenied になります。発行者の信頼ステートメントを追加してください。`;
  },
  IRSA_BINDING_UNDECLARED: (facts, finding) => {
    const evidence = evidenceOf(finding);
    const subject = text(evidence.subject);
    if (!facts.cluster || !facts.roleName || !facts.issuerHostPath || !facts.logicalCluster) return undefined;
    const what =
      subject === undefined
        ? 'すべてのサービスアカウント'
        : text(evidence.subjectMatch) === 'equals'
          ? `サービスアカウント ${subject}`
          : `サブジェクトのパターン ${subject}`;
    return `ロール ${facts.roleName} は、クラスター ${facts.cluster} (発行者 ${facts.issuerHostPath}) の${what}を信頼していますが、論理クラスター ${facts.logicalCluster} にはこのロールに一致する IRSA バインディングの宣言がありません。バインディングを宣言するか、信頼ポリシーのステートメントを削除してください。`;
  },
  ROLE_NOT_FOUND: (facts, finding) => {
    if (!facts.roleName || !facts.roleArn) return undefined;
    const phrases = strings(evidenceOf(finding).referencedBy);
    if (phrases.length === 0) return undefined;
    const referrers = phrases.map(referrer);
    const users =
      referrers.every((item) => item !== undefined) && referrers.length > 0
        ? referrers.join('、')
        : `${phrases.length} 件の参照`;
    return `ロール ${facts.roleName} (${facts.roleArn}) はアカウント ${facts.accountId} に存在しませんが、${users}がこのロールを使っています。ロールを作成するか、参照を修正してください。`;
  },
  CLUSTER_MISSING: (facts) => {
    if (!facts.cluster || !facts.region || !facts.logicalCluster) return undefined;
    return `論理クラスター ${facts.logicalCluster} のメンバーであるクラスター ${facts.cluster} が、アカウント ${facts.accountId} のリージョン ${facts.region} に存在しません。復元するか、ベースラインのメンバーから削除してください。`;
  },
  CLUSTER_UNDECLARED: (facts) => {
    if (!facts.cluster || !facts.region) return undefined;
    return `アカウント ${facts.accountId} のリージョン ${facts.region} にあるクラスター ${facts.cluster} は、ベースラインのどの論理クラスターのメンバーでもありません。宣言するか、削除してください。`;
  },
  IRSA_NO_SUBJECT_CONDITION: (facts, finding) => {
    const who = role(facts);
    const which = statement(evidenceOf(finding));
    const issuer = facts.issuerHostPath;
    if (!who || !which || !issuer) return undefined;
    return `${who} の ${which} は ${issuer} を信頼していますが、${issuer}:sub を制限する条件がありません。クラスターのすべてのサービスアカウントがこのロールを引き受けられます。`;
  },
  IRSA_SUBJECT_WILDCARD: (facts, finding) => {
    const evidence = evidenceOf(finding);
    const who = role(facts);
    const which = statement(evidence);
    const issuer = facts.issuerHostPath;
    const example = text(record(evidence.witness)?.subject);
    if (!who || !which || !issuer || !example) return undefined;
    const other = text(record(evidence.otherWitness)?.subject);
    return evidence.crossesNamespaces === true
      ? `${who} の ${which} は、${issuer} について名前を書いていないサブジェクトを名前空間をまたいで信頼しています (例: ${example}${other ? `、${other}` : ''})。一致するどの名前空間のサービスアカウントもこのロールを引き受けられます。`
      : `${who} の ${which} は、${issuer} について 1 つの名前空間の中で名前を書いていないサブジェクトを信頼しています (例: ${example})。その名前空間の一致するサービスアカウントはすべてこのロールを引き受けられます。`;
  },
  IRSA_NO_AUDIENCE_CONDITION: (facts, finding) => {
    const evidence = evidenceOf(finding);
    const who = role(facts);
    const which = statement(evidence);
    const issuer = facts.issuerHostPath;
    const audience = record(evidence.witness)?.audience;
    if (!who || !which || !issuer || typeof audience !== 'string') return undefined;
    const written = strings(evidence.audiences);
    return written.length === 0
      ? `${who} の ${which} は ${issuer} を信頼していますが、${issuer}:aud = sts.amazonaws.com の条件がありません (オーディエンス ${JSON.stringify(audience)} を受け入れます)。`
      : `${who} の ${which} は ${issuer}:aud に ${written.map((value) => JSON.stringify(value)).join('、')} を指定しており、sts.amazonaws.com 以外にオーディエンス ${JSON.stringify(audience)} も受け入れます。`;
  },
  IRSA_UNKNOWN_PROVIDER: (facts, finding) => {
    const who = role(facts);
    if (!who || !facts.providerArn) return undefined;
    const owner = text(evidenceOf(finding).providerAccount);
    const why =
      owner && owner !== facts.accountId
        ? `このプロバイダーはアカウント ${owner} のもので、ウェブアイデンティティフェデレーションはロール自身のアカウント ${facts.accountId} のプロバイダーしか使いません`
        : `このプロバイダーはアカウント ${facts.accountId} に存在しません`;
    return `${who} は OIDC プロバイダー ${facts.providerArn} を信頼していますが、${why}。プロバイダーを作成するか、ステートメントを削除してください。`;
  },
  IRSA_STALE_PROVIDER: (facts, finding) => {
    const who = role(facts);
    if (!who || !facts.issuerHostPath) return undefined;
    return `${who} は EKS の発行者 ${facts.issuerHostPath} を信頼していますが、この発行者はどの稼働中のクラスターにも属していません${listedIn(finding, facts.region)}。古いステートメントを削除してください。`;
  },
  TRUST_UNSATISFIABLE: (facts, finding) => {
    const who = role(facts);
    const which = statement(evidenceOf(finding));
    if (!who || !which) return undefined;
    return `${who} の ${which} (${facts.issuerHostPath ?? 'pods.eks.amazonaws.com'} 向け) は、どのリクエストにも一致しません。一致しない理由はエビデンスに示しています。`;
  },
  PI_TRUST_UNSCOPED: (facts, finding) => {
    const evidence = evidenceOf(finding);
    const who = role(facts);
    const which = statement(evidence);
    if (!who || !which) return undefined;
    const witness = record(evidence.witness);
    const account = text(witness?.sourceAccount) ?? facts.accountId;
    const tagged = witness === undefined || witness.sessionTags !== undefined;
    return `${who} の ${which} は pods.eks.amazonaws.com を信頼していますが、どの関連付けが使えるかを制限する条件がありません。アカウント ${account} のどの Pod Identity の関連付けからも、クラスター、名前空間、サービスアカウントを問わずこのロールを使えます${tagged ? '' : ' (関連付けに disableSessionTags を設定するだけで使えます)'}。`;
  },
  PI_TRUST_MISSING: (facts, finding) => {
    const evidence = evidenceOf(finding);
    const which = association(facts);
    if (!which || !facts.roleName || !facts.roleArn) return undefined;
    const missing = strings(evidence.missingActions);
    const what =
      list(evidence.podIdentityStatements).length === 0
        ? 'pods.eks.amazonaws.com をまったく信頼していません'
        : `pods.eks.amazonaws.com に ${missing.join(' と ')} を許可していません`;
    const needed = ['sts:AssumeRole', ...(evidence.disableSessionTags === true ? [] : ['sts:TagSession'])];
    return `${which} が使うロール ${facts.roleName} (${facts.roleArn}) の信頼ポリシーは、${what}。信頼ポリシーで ${needed.join(' と ')} を許可するまで、このサービスアカウントの Pod は認証情報を得られません。`;
  },
  PI_TRUST_EXCLUDES_ASSOCIATION: (facts) => {
    const which = association(facts);
    if (!which || !facts.roleName || !facts.roleArn) return undefined;
    return `${which} が使うロール ${facts.roleName} (${facts.roleArn}) の信頼ポリシーは、この関連付け自身のセッションを拒否します (拒否の理由はエビデンスに示しています)。条件が一致するまで、Pod は AccessDenied になります。`;
  },
  PI_TARGET_ROLE_TRUST_MISMATCH: (facts, finding) => {
    const evidence = evidenceOf(finding);
    const which = association(facts);
    if (!which || !facts.roleArn || !facts.targetRoleArn) return undefined;
    const reasons: string[] = [];
    if (text(evidence.trustReason))
      reasons.push('ターゲットロールの信頼ポリシーが関連付けのロールを拒否しています');
    const denied = strings(evidence.deniedActions);
    if (denied.length > 0)
      reasons.push(
        `関連付けのロールの権限ポリシーが、ターゲットロールに対する ${denied.join(' と ')} を許可していません`,
      );
    if (reasons.length === 0) return undefined;
    return `${which} はロール ${facts.roleArn} からターゲットロール ${facts.targetRoleArn} に連鎖しますが、${reasons.join('。また、')}。Pod はターゲットロールの認証情報を得られません。`;
  },
  OIDC_PROVIDER_DANGLING: (facts, finding) => {
    if (!facts.providerArn || !facts.issuerHostPath) return undefined;
    const roles = strings(evidenceOf(finding).trustingRoles);
    const next =
      roles.length > 0
        ? `まだこのプロバイダーを指定している ${roles.length} 個のロールの信頼ポリシーから削除してから、プロバイダーを削除してください`
        : 'プロバイダーを削除してください';
    return `OIDC プロバイダー ${facts.providerArn} は EKS の発行者 ${facts.issuerHostPath} を指定していますが、この発行者はどの稼働中のクラスターにも属していません${listedIn(finding, facts.region)}。${next}。`;
  },
  PI_AGENT_MISSING: (facts, finding) => {
    const associations = count(evidenceOf(finding).associationCount);
    if (!facts.cluster || associations === undefined) return undefined;
    return `クラスター ${facts.cluster} (${finding.resource.id}) には Pod Identity の関連付けが ${associations} 件ありますが、eks-pod-identity-agent アドオンがなく、Auto Mode でもありません。アドオンをインストールしないと、Pod は Pod Identity の認証情報を得られません。`;
  },
  PI_ON_FARGATE: (facts, finding) => {
    const evidence = evidenceOf(finding);
    const which = association(facts);
    const selectors = list(evidence.selectors)
      .map(record)
      .filter((item) => item !== undefined);
    if (!which || selectors.length === 0) return undefined;
    const tail =
      'Fargate では Pod Identity は動きません。これらの Pod には IRSA を使うか、EC2 ノードに移してください。';
    if (evidence.allPods === true) {
      const first = selectors.find((selector) => record(selector.labels) === undefined) ?? selectors[0];
      return `${which}: すべての Pod が Fargate で動きます (プロファイル ${text(first.profile)} が名前空間のパターン ${text(first.namespace)} を選択しています)。${tail}`;
    }
    const labels = selectors
      .map((selector) =>
        Object.entries(record(selector.labels) ?? {})
          .map(([key, value]) => `${key}=${String(value)}`)
          .join(','),
      )
      .join(' または ');
    const profiles = [...new Set(selectors.map((selector) => text(selector.profile)).filter(Boolean))].join(
      '、',
    );
    return `${which}: ラベル ${labels} の Pod が Fargate で動きます (プロファイル ${profiles})。${tail}`;
  },
  PI_NODE_ROLE_MISSING_PERMISSION: (facts, finding) => {
    const nodeRole = facts.nodeRoleArn;
    const nodegroup = /:nodegroup\/[^/]+\/([^/]+)/.exec(finding.resource.id)?.[1];
    if (!nodeRole || !nodegroup || !facts.cluster) return undefined;
    return `クラスター ${facts.cluster} のノードグループ ${nodegroup} が使うノードロール ${roleNameOf(nodeRole) ?? nodeRole} (${nodeRole}) のポリシーは eks-auth:AssumeRoleForPodIdentity を許可していません。AmazonEKSWorkerNodePolicy (または同等のステートメント) をアタッチするまで、そのノードの Pod は Pod Identity の認証情報を得られません。`;
  },
  IDENTITY_DUAL_BINDING: (facts, finding) => {
    const evidence = evidenceOf(finding);
    const who = serviceAccount(facts);
    const podIdentityRole = text(evidence.podIdentityRoleArn);
    const irsaRoles = [
      ...new Set(
        list(evidence.irsaGrants)
          .map((grant) => text(record(grant)?.roleArn))
          .filter(Boolean),
      ),
    ] as string[];
    if (!who || !facts.cluster || !facts.associationId || !podIdentityRole || irsaRoles.length === 0)
      return undefined;
    const same = irsaRoles.every((arn) => arn === podIdentityRole);
    return `クラスター ${facts.cluster} のサービスアカウント ${who} には、Pod Identity の関連付け ${facts.associationId} (ロール ${podIdentityRole}) と、${irsaRoles.join('、')} による IRSA の許可があります。${
      same
        ? 'どちらも同じロールを付与するため、残っている IRSA のバインディングを削除してください。'
        : 'サービスアカウントに eks.amazonaws.com/role-arn アノテーションがあると、ほとんどの AWS SDK は IRSA のロールを優先して関連付けを無視するため、どちらかのバインディングを削除してください。'
    }`;
  },
  IRSA_MIGRATION_CANDIDATE: (facts) => {
    const who = serviceAccount(facts);
    if (!who || !facts.cluster || !facts.roleArn) return undefined;
    return `クラスター ${facts.cluster} のサービスアカウント ${who} は IRSA のロール ${facts.roleArn} を使っており、クラスターでは Pod Identity エージェントが動いています。EKS Pod Identity の関連付けに移行できます。`;
  },
  ROLE_UNUSED: (facts, finding) => {
    const evidence = evidenceOf(finding);
    const days = count(record(evidence.window)?.days);
    if (!facts.roleName || days === undefined) return undefined;
    const lastSeen = text(evidence.lastSeen);
    const last =
      lastSeen === undefined
        ? 'IAM に使用の記録はありません'
        : text(evidence.source) === 'iam:RoleLastUsed'
          ? `IAM の最終使用は ${lastSeen}`
          : `最後の使用は ${lastSeen}`;
    const usedBy = [
      ...strings(evidence.associations).map((arn) => {
        const match = /podidentityassociation\/([^/]+)\/([^/]+)$/.exec(arn);
        return match ? `関連付け ${match[2]} (クラスター ${match[1]})` : `関連付け ${arn}`;
      }),
      ...(strings(evidence.irsaIssuers).length > 0 ? ['IRSA の信頼ポリシー'] : []),
    ];
    return `ロール ${facts.roleName} は直近 ${days} 日間引き受けられていません (${last})。${usedBy.length > 0 ? `${usedBy.join('、')}を通じて使われるワークロードのロールです。` : ''}不要であれば削除してください。`;
  },
  PI_ASSOCIATION_UNUSED: (facts, finding) => {
    const which = association(facts);
    const days = count(record(evidenceOf(finding).window)?.days);
    if (!which || days === undefined) return undefined;
    const withRole = facts.roleArn ? `、ロール ${facts.roleArn}` : '';
    return `${which.replace(/\)$/, `${withRole})`)} は、直近 ${days} 日間に認証情報を発行していません。ワークロードがなくなっていれば削除してください。`;
  },
  IRSA_BINDING_UNUSED: (facts, finding) => {
    const who = serviceAccount(facts);
    const days = count(record(evidenceOf(finding).window)?.days);
    if (!who || !facts.cluster || !facts.roleName || days === undefined) return undefined;
    return `クラスター ${facts.cluster} のサービスアカウント ${who} は、直近 ${days} 日間に IRSA でロール ${facts.roleName} を引き受けていません。ワークロードがなくなっていれば、信頼ポリシーの許可を削除してください。`;
  },
  PI_ASSUME_DENIED: (facts, finding) => {
    const evidence = evidenceOf(finding);
    const requests = count(evidence.count);
    const latest = text(evidence.lastSeen);
    if (!facts.cluster || requests === undefined || !latest) return undefined;
    const nodes = strings(evidence.nodes);
    const from =
      nodes.length > 0
        ? `、ノードのセッション ${nodes.slice(0, 3).join(', ')}${nodes.length > 3 ? ` ほか ${nodes.length - 3} 件` : ''}から`
        : '';
    return `クラスター ${facts.cluster} で AssumeRoleForPodIdentity のリクエストが ${requests} 件拒否されています (最新は ${latest}${from})。このクラスターの Pod は認証情報を得られません。ノードロールの権限と、関連付けのロールの信頼ポリシーを確認してください。`;
  },
  UNDECLARED_USAGE: (facts, finding) => {
    const evidence = evidenceOf(finding);
    const who = serviceAccount(facts);
    const uses = count(evidence.count);
    const latest = text(evidence.lastSeen);
    if (!who || !facts.cluster || !facts.roleArn || uses === undefined || !latest || !facts.logicalCluster)
      return undefined;
    const via = text(evidence.via) === 'pod-identity' ? 'Pod Identity' : 'IRSA';
    return `クラスター ${facts.cluster} のサービスアカウント ${who} が ${via} でロール ${facts.roleArn} を ${uses} 回使っています (最新は ${latest}) が、論理クラスター ${facts.logicalCluster} にはこのバインディングの宣言がありません。宣言するか、アクセスを削除してください。`;
  },
  COLLECTION_INCOMPLETE: (facts, finding) => {
    const evidence = evidenceOf(finding);
    const level = text(evidence.level);
    if (level === undefined || !LEVEL_WORDS[level]) return undefined;
    if (text(evidence.reason) === 'not collected') {
      return level === 'account'
        ? `アカウント ${facts.accountId} はベースラインの対象範囲ですが、スナップショットにありません。この中のものは、存在しない・未使用とは報告しません。このアカウントを収集してください。`
        : `アカウント ${facts.accountId} のリージョン ${facts.region} には宣言されたクラスターがありますが、スナップショットにありません。この中のものは、存在しない・未使用とは報告しません。このリージョンを収集してください。`;
    }
    const errors = recordedErrors(evidence);
    if (errors.length === 0) return undefined;
    const described = errors
      .map(
        (error) =>
          `${error.service}:${error.operation} ${error.code}${error.resource ? ` (${error.resource})` : ''}、${CAUSE_LABELS_JA[causeOfError(error)]}`,
      )
      .join('; ');
    const hints = [...new Set(errors.map(causeHintJa))].join('');
    return `${LEVEL_WORDS[level](facts)}を完全には収集できませんでした (${described})。${CONSEQUENCE[level]}。${hints}`;
  },
  BASELINE_INVALID: (_facts, finding) => {
    const problems = strings(evidenceOf(finding).problems);
    const places = problems
      .map((problem) => /^(\S+:\d+:\d+)(?:\s+([^\s:]+):)?/.exec(problem))
      .filter((match) => match !== null)
      .map((match) => (match[2] ? `${match[1]} ${match[2]}` : match[1]));
    const where =
      places.length > 0
        ? ` 問題の場所: ${places.slice(0, 5).join('、')}${places.length > 5 ? ` ほか ${places.length - 5} 件` : ''}。`
        : '';
    return `ベースライン ${finding.resource.id} が不正なため${problems.length > 0 ? ` (問題 ${problems.length} 件)` : ''}、何も監査していません。ベースラインを修正し、もう一度アップロードしてください。${where}`;
  },
  SUPPRESSION_EXPIRED: (_facts, finding) => {
    const evidence = evidenceOf(finding);
    const check = text(evidence.check);
    const resource = text(evidence.resource);
    const expires = text(evidence.expires);
    if (!check || !resource || !expires) return undefined;
    const reason = text(evidence.reason);
    return `ベースラインの ${resource} に対する ${check} の例外は ${expires} に期限が切れました${reason ? ` (理由: "${reason}")` : ''}。抑制していた検出結果が再び報告されます。見直して更新するか、削除してください。`;
  },
};

/** Remediation templates that depend on what the finding found. */
export const jaFindingRemediations: Readonly<Record<string, FindingMessage>> = {
  IRSA_BINDING_MISSING: (_facts, finding) =>
    text(evidenceOf(finding).reason) === 'cluster has no OIDC issuer'
      ? 'クラスターの OIDC 発行者を確認してください (`aws eks describe-cluster --name CLUSTER --query cluster.identity.oidc.issuer`)。または、代わりに Pod Identity のバインディングを宣言してください。'
      : undefined,
  COLLECTION_INCOMPLETE: (facts, finding) => {
    const evidence = evidenceOf(finding);
    if (text(evidence.reason) === 'not collected') {
      return text(evidence.level) === 'account'
        ? `ほかのアカウントとあわせてこのアカウントも収集し (例: \`eks-identity-audit collect --accounts ${facts.accountId}\` に --role-name と --external-id を付けます)、新しいスナップショットを監査してください。`
        : `ほかのリージョンとあわせてこのリージョンも収集し (例: \`eks-identity-audit collect --regions ${facts.region}\`)、新しいスナップショットを監査してください。`;
    }
    const errors = recordedErrors(evidence);
    if (errors.length === 0) return undefined;
    const causes = [...new Set(errors.map((error) => causeOfError(error)))];
    const parts = causes.map((cause) => {
      const advice = [...new Set(errors.filter((error) => causeOfError(error) === cause).map(causeHintJa))];
      return `${CAUSE_LABELS_JA[cause]}: ${advice.join('')}`;
    });
    return `${parts.join(' ')} その後、再度収集してください。`;
  },
};
