import type { CheckText } from './types.js';

/**
 * The check catalogue in Japanese, by check id: the registered checks and the cutover checks. Code
 * spans (commands, condition keys, placeholders such as `ROLE_NAME`) are exactly those of the
 * English metadata; the catalogue test holds every entry to that.
 */
export const jaChecks: Readonly<Record<string, CheckText>> = {
  PI_ASSOCIATION_MISSING: {
    title: '宣言された Pod Identity の関連付けがありません',
    description:
      'ベースラインで Pod Identity のバインディング (クラスター、名前空間、サービスアカウント → ロール) を宣言していますが、その論理クラスターのメンバークラスターにこのサービスアカウントの関連付けがありません。そのクラスターでは Pod に AWS の認証情報が渡りません。宣言したバインディングはすべてのメンバーに必要で、ブルー/グリーンの切り替え中は両方のクラスターに必要です。存在しないクラスターについては報告しません (`CLUSTER_MISSING` を参照)。メンバークラスターとその関連付けを完全に収集できた場合にだけ判定し、そうでなければ不明として記録します。',
    remediation:
      '関連付けを作成してください: `aws eks create-pod-identity-association --cluster-name CLUSTER --namespace NAMESPACE --service-account SERVICE_ACCOUNT --role-arn ROLE_ARN`。不要であれば、ベースラインからバインディングを削除してください。',
  },
  PI_ASSOCIATION_UNDECLARED: {
    title: 'Pod Identity の関連付けが宣言されていません',
    description:
      '宣言された論理クラスターのメンバークラスターに、ベースラインで宣言していない名前空間とサービスアカウントの Pod Identity の関連付けがあります。レビューを経ずに AWS へのアクセスが付与されています。宣言済みのサービスアカウントで値だけが異なる関連付けは、`PI_ASSOCIATION_CHANGED` として報告します。',
    remediation:
      'レビューのうえベースラインの `podIdentity:` にバインディングを宣言するか、関連付けを削除してください: `aws eks delete-pod-identity-association --cluster-name CLUSTER --association-id ID`。',
  },
  PI_ASSOCIATION_CHANGED: {
    title: 'Pod Identity の関連付けがベースラインと異なります',
    description:
      'メンバークラスターに宣言済みのサービスアカウントの関連付けがありますが、ロール、クロスアカウントのターゲットロール、または `disableSessionTags` の設定が宣言と異なります。Pod がレビューとは別の権限で動くか、ABAC ポリシーが前提とするセッションタグが失われます。',
    remediation:
      '関連付けを宣言どおりの値に更新してください: `aws eks update-pod-identity-association --cluster-name CLUSTER --association-id ID --role-arn ROLE_ARN`。変更が意図したものであれば、レビューのうえベースラインを更新してください。',
  },
  IRSA_BINDING_MISSING: {
    title: '宣言された IRSA バインディングがロールの信頼ポリシーで許可されていません',
    description:
      'ベースラインで IRSA のバインディングを宣言していますが、ロールの信頼ポリシーが、メンバークラスターの OIDC 発行者が発行したサービスアカウントのトークン (`system:serviceaccount:NAMESPACE:SA`、オーディエンス `sts.amazonaws.com`) による引き受けを許可していません。そのクラスターでは `AssumeRoleWithWebIdentity` が失敗します。ブルー/グリーンで作り直した後に、新しいクラスターの発行者を追加し忘れた場合によく起こります。文字列の比較ではなく信頼ポリシーを評価して判定し、評価できない信頼ポリシーは報告せず不明として数えます。OIDC 発行者を返さないメンバークラスターは、完全に収集できた場合にだけ報告します。',
    remediation:
      'メンバークラスターの発行者に対するステートメントを信頼ポリシーに追加し、適用してください: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`。',
  },
  IRSA_BINDING_UNDECLARED: {
    title: 'IRSA の許可が宣言されていません',
    description:
      'スキャン対象アカウントのロールが、宣言されたメンバークラスターの OIDC 発行者を、ベースラインがその論理クラスターとロールについて宣言しているどの IRSA バインディングにも一致しないサービスアカウント (またはサブジェクトのパターン、`:sub` 条件がなければすべてのサービスアカウント) に対して信頼しています。レビューを経ずに AWS へのアクセスが付与されています。スキャン対象アカウントは、宣言されたクラスターのアカウントとベースラインの `accounts` です。',
    remediation:
      'レビューのうえベースラインの `irsa:` にバインディングを宣言するか、ロールの信頼ポリシーからステートメントを削除してください: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`。',
  },
  ROLE_NOT_FOUND: {
    title: 'ロールが存在しません',
    description:
      'ベースラインで宣言したロール (バインディングのロール、またはクロスアカウントのターゲットロール)、または Pod Identity の関連付けのロールが、IAM を完全に収集できたにもかかわらずそのアカウントのロールにありません。ワークロードは認証情報を得られません。ロールのアカウント (クロスアカウントの Pod Identity ではターゲットロールのアカウント) の IAM データを完全に収集できた場合にだけ判定します。スキャンしていないアカウントや IAM の収集に失敗したアカウントのロールは、不明として記録します。',
    remediation:
      'バインディングに必要な信頼ポリシーを持つロールを作成する (または IaC のコードから復元する) か、ベースラインまたは関連付けのロール ARN を修正してください。ロールがないことは `aws iam get-role --role-name ROLE_NAME` で確認できます。',
  },
  CLUSTER_MISSING: {
    title: '宣言されたクラスターが存在しません',
    description:
      'ベースラインの論理クラスターのメンバーが、そのリージョンのクラスター一覧を完全に収集できたにもかかわらず、アカウントとリージョンにありません。クラスターが削除されたか、名前が変わったか、まだ作られていません。そのバインディングは個別には報告しません。リージョンのクラスター一覧を完全に収集できた場合にだけ判定し、そうでなければ不明として記録します (そのリージョンは `COLLECTION_INCOMPLETE` になります)。',
    remediation:
      'クラスターを復元するか、ベースラインの論理クラスターの `members` を更新してください (ブルー/グリーンの切り替えが終わったら古いメンバーを削除します)。存在するクラスターは `aws eks list-clusters --region REGION` で確認できます。',
  },
  CLUSTER_UNDECLARED: {
    title: 'クラスターが宣言されていません',
    description:
      'スキャン対象アカウント (宣言されたクラスターのアカウントとベースラインの `accounts`) のクラスターが、どの論理クラスターのメンバーでもありません。そのワークロードアイデンティティは宣言と照合されません。その関連付けは個別には報告しません。',
    remediation:
      'ベースラインの論理クラスターの `members` にクラスターを追加する (ブルー/グリーンの新しいメンバー、または新しい論理クラスターとして) か、放置されたクラスターであれば削除してください: `aws eks delete-cluster --name CLUSTER`。',
  },
  IRSA_NO_SUBJECT_CONDITION: {
    title: 'IRSA の信頼ポリシーにサービスアカウントのサブジェクト条件がありません',
    description:
      '問い: 信頼ポリシーは、クラスターのすべてのサービスアカウントにロールの引き受けを許していないか。ポリシーの Deny ステートメントを適用したうえで、あるオーディエンスについて、ステートメントがクラスターの OIDC プロバイダーのすべてのサブジェクト `system:serviceaccount:NAMESPACE:NAME` を受け入れる場合に該当します。`:sub` クレームの条件がない場合や、すべてのサブジェクトに一致する条件 (`StringLike` `system:serviceaccount:*`) がある場合です。すべての名前空間のすべてのサービスアカウントがロールを取得できます。入れるのはそのクラスターのワークロードだけなので、CRITICAL ではなく HIGH です。エビデンスには、それを示すリクエストの例と、確認用の `trust can-assume` コマンドを含めています。ロール、ステートメント、プロバイダーごとに 1 回報告します。評価できない条件 (アナライザーが評価しない演算子やキー、別のリクエストキーの変数) でしか決まらない問いは、報告せず不明として数えます。',
    remediation:
      '`<issuer host path>:sub` に `system:serviceaccount:NAMESPACE:SERVICE_ACCOUNT` を指定する `StringEquals` 条件 (と `<issuer host path>:aud` = `sts.amazonaws.com`) を追加し、適用してください: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`。',
  },
  IRSA_SUBJECT_WILDCARD: {
    title: 'IRSA のサブジェクト条件でワイルドカードを使っています',
    description:
      '問い: 信頼ポリシーは、ポリシーに名前のないサービスアカウントを受け入れていないか。ポリシーの Deny ステートメントを適用したうえで、ワイルドカードを含まないどの `:sub` の値にも書かれていないサブジェクトをステートメントが受け入れる場合に該当します。典型的には `*` や `?` を使った `StringLike` (IAM のパターンでは `*` は `:` にも一致するため、`system:serviceaccount:team-*` は名前空間をまたぎます) や `StringNotEquals` です。名前を書かずに受け入れるサービスアカウントが複数の名前空間にまたがる場合は HIGH、1 つの名前空間に収まる場合は MEDIUM です。すべてのサービスアカウントを受け入れる信頼ポリシーは、代わりに `IRSA_NO_SUBJECT_CONDITION` になります。エビデンスには、それを示すリクエストの例と、確認用の `trust can-assume` コマンドを含めています。ロール、ステートメント、プロバイダーごとに 1 回報告します。評価できない条件 (アナライザーが評価しない演算子やキー、別のリクエストキーの変数) でしか決まらない問いは、報告せず不明として数えます。',
    remediation:
      '`StringLike` のサブジェクトパターンを、`StringEquals` と正確な `system:serviceaccount:NAMESPACE:SERVICE_ACCOUNT` の値に置き換え、適用してください: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`。名前がどうしても変わる場合は、理由を添えてベースラインに例外を追加してください。',
  },
  IRSA_NO_AUDIENCE_CONDITION: {
    title: 'IRSA の信頼ポリシーにオーディエンス条件がありません',
    description:
      '問い: 信頼ポリシーは、オーディエンスが `sts.amazonaws.com` ではないトークンを受け入れていないか。ポリシーの Deny ステートメントを適用したうえで、ステートメントが別の `:aud` の値を受け入れる場合に該当します。`<issuer host path>:aud` の条件がない場合、何にでも一致する条件 (`StringLike` `*`) の場合、`sts.amazonaws.com` 以外のオーディエンスも並べている場合です。クラスターが別のオーディエンス向けに発行したトークンも受け入れられます。LOW: 多層防御のためのもので、IAM はプロバイダーのクライアント ID も確認します。エビデンスには、それを示すリクエストの例と、確認用の `trust can-assume` コマンドを含めています。ロール、ステートメント、プロバイダーごとに 1 回報告します。評価できない条件 (アナライザーが評価しない演算子やキー、別のリクエストキーの変数) でしか決まらない問いは、報告せず不明として数えます。',
    remediation:
      'ステートメントの `StringEquals` ブロックに `"<issuer host path>:aud": "sts.amazonaws.com"` を追加し (このキーには他の値を入れません)、適用してください: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`。',
  },
  IRSA_UNKNOWN_PROVIDER: {
    title: 'IRSA の信頼ポリシーが存在しない OIDC プロバイダーを指定しています',
    description:
      '信頼ポリシーが、ロール自身のアカウントのプロバイダーにない IAM OIDC プロバイダー ARN (削除された、作成されていない、またはウェブアイデンティティフェデレーションでは使われない別アカウントの ARN) とフェデレーションしています。この許可は機能しません。ロールのアカウントの IAM データ (OIDC プロバイダー) を完全に収集できた場合にだけ判定し、そうでなければ不明として記録します。',
    remediation:
      'クラスターの発行者に対するプロバイダーを作成する (`aws iam create-open-id-connect-provider --url https://ISSUER_HOST_PATH --client-id-list sts.amazonaws.com` または `eksctl utils associate-iam-oidc-provider --cluster CLUSTER --approve`) か、ステートメントを削除してください: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`。',
  },
  IRSA_STALE_PROVIDER: {
    title: 'IRSA の信頼ポリシーが、もう存在しないクラスターの発行者を指定しています',
    description:
      '信頼ポリシーが、インベントリのどのクラスターにも属さない EKS の OIDC 発行者を許可しています。典型的には、ブルー/グリーンの切り替え後の古いクラスターです。サイズに上限のあるポリシーの中で無駄な記述になります。発行者はクラスターのリージョンを示しますがアカウントは示さず、IRSA はアカウントをまたいで使えるため、クラスターが動きうるすべてのアカウント (ロールとプロバイダーのアカウント、そのリージョンで収集したすべてのアカウント、そこにクラスターを宣言しているすべてのアカウント、読み取れなかったかまったく収集していないスキャン対象アカウント) でそのリージョンのクラスター一覧を完全に収集できた場合にだけ判定します。CloudTrail で直近 7 日以内にその発行者のトークンが受け入れられている間も判定しません。それ以外は不明として記録します。監査の対象外のアカウントやリージョンにあるクラスターは古く見えるため、そうしたアカウントとリージョンはベースラインに記載してください。',
    remediation:
      '削除されたクラスターの発行者に対するステートメントを削除してください: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`。',
  },
  TRUST_UNSATISFIABLE: {
    title: '信頼ポリシーのステートメントが一致することはありません',
    description:
      '問い: このステートメントは、何らかのリクエストの許可に関わるか。プリンシパルが行えるどのリクエスト (サービスアカウントのサブジェクトとオーディエンスを持つプロバイダーのウェブアイデンティティ、6 つのセッションタグを付けた Pod Identity サービス、または関連付けがセッションタグを無効にしている場合はタグなし) も、このステートメントを許可側に含めてポリシーが許可しない場合、該当しません。アクションはそれぞれ個別に認可されるため、別のステートメントの `sts:AssumeRole` と並んで `sts:TagSession` だけを許可するステートメントは該当しません。典型的な原因は、`:aud` キーの下のサービスアカウントのサブジェクト、`*` を含む `StringEquals` の値、別のプロバイダーやリクエストに含まれない条件キー、互いに排他的な同じキーの条件、すべてを取り消す Deny です。エビデンスには、キー、値、どのリクエストも一致しない理由を示しています。リクエストは EKS が行えるものに限ります。Kubernetes の名前は小文字の DNS 名、クラスター名は英字、数字、`-` と `_` で、オーディエンスがサービスアカウントのサブジェクトになることはありません。MEDIUM: 何も公開されませんが、想定したワークロードは実行時に拒否されます。評価できない条件 (アナライザーが評価しない演算子やキー、別のリクエストキーの変数) でしか決まらない問いは、報告せず不明として数えます。',
    remediation:
      'エビデンスに示されたステートメント (条件キー、演算子、値) を修正し、適用してください: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`。結果は `eks-identity-audit trust can-assume` で確認できます。',
  },
  PI_TRUST_UNSCOPED: {
    title:
      'Pod Identity の信頼ポリシーがクラスター、名前空間、サービスアカウント、アカウントのいずれにも限定されていません',
    description:
      '問い: 信頼ポリシーは、あるアカウントのすべての Pod Identity の関連付けを、クラスター、名前空間、サービスアカウントを問わず受け入れていないか。あるアカウントについて、ステートメント (対になるアクションを許可するステートメントを含め、Deny ステートメントを適用したうえで) が、6 つのセッションタグ付き、または `disableSessionTags` の関連付けが行うようにタグなしで、そのすべてを受け入れる場合に該当します。すべての値に一致する条件 (`arn:aws:eks:*:*:cluster/*`、`*`)、セッションタグのない関連付けが回避できる `...IfExists` や `Null` で守られた条件、`aws:SourceAccount` だけ (関連付けは自身のアカウントのロールしか使いません) では限定になりません。アカウントのどの関連付けからもロールを使え、残る関門は `iam:PassRole` を持って `eks:CreatePodIdentityAssociation` を呼び出せるのは誰かだけです。エビデンスには、それを示すリクエストの例と、確認用の `trust can-assume` コマンドを含めています。評価できない条件 (アナライザーが評価しない演算子やキー、別のリクエストキーの変数) でしか決まらない問いは、報告せず不明として数えます。',
    remediation:
      'セッションタグの条件 (`aws:RequestTag/eks-cluster-name`、`aws:RequestTag/kubernetes-namespace`、`aws:RequestTag/kubernetes-service-account` に対する `StringEquals` など。`IfExists` は付けません) か、クラスターを指定する `ArnEquals aws:SourceArn` を追加し、適用してください: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`。',
  },
  PI_TRUST_MISSING: {
    title: '関連付けのロールが Pod Identity サービスを信頼していません',
    description:
      'Pod Identity の関連付けのロールは存在しますが、信頼ポリシーが `pods.eks.amazonaws.com` に `sts:AssumeRole` と、関連付けがセッションタグを無効にしていなければ `sts:TagSession` を許可していません。サービスアカウントの Pod は認証情報を得られません (エージェントから AccessDenied)。インベントリにないロールは `ROLE_NOT_FOUND` で扱います。',
    remediation:
      '`"Principal": {"Service": "pods.eks.amazonaws.com"}` と `"Action": ["sts:AssumeRole", "sts:TagSession"]` を持ち、セッションタグの条件で範囲を絞ったステートメントを追加し、適用してください: `aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`。',
  },
  PI_TRUST_EXCLUDES_ASSOCIATION: {
    title: 'ロールの信頼ポリシーが、自身の関連付けのセッションタグを拒否しています',
    description:
      '関連付けのロールは `pods.eks.amazonaws.com` を信頼していますが、EKS がこの関連付けのために作るセッション (`eks-cluster-arn`、`eks-cluster-name`、`kubernetes-namespace`、`kubernetes-service-account` のタグ、`aws:SourceAccount` = クラスターのアカウント、`aws:SourceArn` = クラスター ARN) で信頼ポリシーを評価すると拒否されます。Pod は実行時に AccessDenied になります。Pod 名と UID は Pod ごとに異なるため、それらの条件を満たすとみなしても拒否される場合にだけ拒否として数えます。それ以外は不明とし、検出結果にはせず判定保留として数えます。',
    remediation:
      '信頼ポリシーの条件を関連付け (クラスター名または ARN、名前空間、サービスアカウント、送信元アカウント) に合わせるか、関連付けを本来のロールに向けてください: `aws eks update-pod-identity-association --cluster-name CLUSTER --association-id ASSOCIATION_ID --role-arn ROLE_ARN`。結果は `eks-identity-audit trust can-assume --pod-identity --tag KEY=VALUE ...` で確認できます。',
  },
  PI_TARGET_ROLE_TRUST_MISMATCH: {
    title: 'ターゲットロールが、Pod Identity の連鎖元である関連付けのロールを受け入れません',
    description:
      'ターゲットロールを持つ関連付けでは、EKS は関連付けのロールを引き受けたうえで、そのロールのセッションでターゲットロールを引き受けます。その際、関連付けの外部 ID と (無効にしていなければ) セッションタグを推移的タグとして渡します。ターゲットロールの信頼ポリシーはこのリクエストを許可する必要があり、タグがあれば `sts:TagSession` も必要です。アカウントをまたぐ場合は、関連付けのロールの権限ポリシーもターゲットに対する `sts:AssumeRole` (と `sts:TagSession`) を許可する必要があります。どちらかが拒否される場合に報告します。スキャン対象外のアカウントのターゲットロールや、スナップショットにない管理ポリシーに依存する権限は判定しません。',
    remediation:
      'ターゲットアカウントで、関連付けのロールがターゲットロールを引き受けられるようにしてください (`"Principal": {"AWS": "ASSOCIATION_ROLE_ARN"}`、`"Action": ["sts:AssumeRole", "sts:TagSession"]`、必要に応じて関連付けの外部 ID を指定する `StringEquals sts:ExternalId`): `aws iam update-assume-role-policy --role-name TARGET_ROLE_NAME --policy-document file://trust-policy.json`。あわせて、関連付けのロールにターゲットロール ARN に対する `sts:AssumeRole` と `sts:TagSession` を許可してください: `aws iam put-role-policy --role-name ROLE_NAME --policy-name assume-target-role --policy-document file://policy.json`。',
  },
  OIDC_PROVIDER_DANGLING: {
    title: 'もう存在しないクラスターの IAM OIDC プロバイダーが残っています',
    description:
      'IAM OIDC プロバイダーが、どの稼働中のクラスターにも属さない EKS の発行者 (`oidc.eks.REGION.amazonaws.com/id/ID`) を指定しています。典型的には、ブルー/グリーンの切り替えで残されたものです。プロバイダー 100 個のクォータを消費し、古い信頼ポリシーのステートメントを有効そうに見せます。クロスアカウント IRSA ではプロバイダーはロールのアカウントに、クラスターは別のアカウントにあるため、クラスターが動きうるすべてのアカウント (プロバイダーのアカウント、そのリージョンで収集したすべてのアカウント、そこにクラスターを宣言しているすべてのアカウント、読み取れなかったかまったく収集していないスキャン対象アカウント) で発行者のリージョンのクラスター一覧を完全に収集できた場合にだけ判定します。CloudTrail で直近 7 日以内にその発行者のトークンが受け入れられている間も判定しません。それ以外は不明として記録します。監査の対象外のアカウントやリージョンにあるクラスターのプロバイダーは残骸に見えるため、そうしたアカウントとリージョンはベースラインに記載してください。',
    remediation:
      'このプロバイダーをまだ指定している信頼ポリシーのステートメントを削除してから、プロバイダーを削除してください: `aws iam delete-open-id-connect-provider --open-id-connect-provider-arn PROVIDER_ARN`。',
  },
  PI_AGENT_MISSING: {
    title: 'Pod Identity の関連付けがあるクラスターに Pod Identity エージェントがありません',
    description:
      'Pod は Pod Identity の認証情報を `eks-pod-identity-agent` DaemonSet から受け取ります。関連付けがあってもアドオンがない (エージェントが組み込まれている EKS Auto Mode でもない) クラスターでは認証情報が渡らず、SDK はノードロールにフォールバックするか失敗します。クラスターとそのアドオンを完全に収集できた場合にだけ判定し、そうでなければ不明として記録します。EKS アドオン以外の方法で導入したエージェントは、このチェックからは見えません。',
    remediation:
      'アドオンをインストールしてください: `aws eks create-addon --cluster-name CLUSTER --addon-name eks-pod-identity-agent --region REGION`。',
  },
  PI_ON_FARGATE: {
    title: '関連付けの名前空間が、Pod Identity に対応していない Fargate で動いています',
    description:
      'EKS Pod Identity にはエージェントの DaemonSet が必要ですが、Fargate では動きません。名前空間のパターン (`*` と `?` を使用可) が関連付けの名前空間に一致する Fargate プロファイルのセレクターは、その Pod を Fargate に送り、Pod は Pod Identity の認証情報を得られません。一致するセレクターがすべてラベルも要求している場合は、そのラベルを持つ Pod だけが Fargate に配置されるため、MEDIUM とし、ラベルを示します。',
    remediation:
      'Fargate で動く Pod には IRSA を使う (サービスアカウントに `eks.amazonaws.com/role-arn` アノテーションを付け、クラスターの OIDC プロバイダーを信頼させる) か、これらの Pod が EC2 ノードで動くよう Fargate プロファイルを絞り込んでください (新しいセレクターで `aws eks delete-fargate-profile` と `aws eks create-fargate-profile`)。',
  },
  PI_NODE_ROLE_MISSING_PERMISSION: {
    title: 'ノードロールが eks-auth:AssumeRoleForPodIdentity を呼び出せません',
    description:
      'Pod Identity の関連付けがある (Auto Mode ではない) クラスターでは、各ノードのエージェントがノードロールで `eks-auth:AssumeRoleForPodIdentity` を呼び出します。ノードグループのロールは、インラインポリシーかアタッチされたポリシーでこれを許可する必要があります (AWS 管理ポリシーの `AmazonEKSWorkerNodePolicy` は許可しています)。アタッチされたポリシーのドキュメントがすべてスナップショットにある場合にだけ報告します。必要な管理ポリシーのドキュメントがない場合は不明とし、検出結果にはせず判定保留として記録します (`nodeRolePodIdentityPermissions` も参照)。インベントリにないノードロールはスキップします。',
    remediation:
      'AWS 管理ポリシーをアタッチしてください: `aws iam attach-role-policy --role-name NODE_ROLE_NAME --policy-arn arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy`。または、いずれかのポリシーに `eks-auth:AssumeRoleForPodIdentity` を追加してください。',
  },
  IDENTITY_DUAL_BINDING: {
    title: 'サービスアカウントに IRSA の許可と Pod Identity の関連付けの両方があります',
    description:
      'ロールの信頼ポリシーがクラスターの OIDC 発行者を通じてサービスアカウントを許可している (正確なサブジェクトか一致するパターン。サブジェクト条件がまったくない信頼ポリシーは `IRSA_NO_SUBJECT_CONDITION` で扱います) 一方で、Pod Identity の関連付けもそのサービスアカウントに付いています。サービスアカウントに `eks.amazonaws.com/role-arn` アノテーションがあると、Pod にはウェブアイデンティティの環境変数と Pod Identity のコンテナエンドポイントの両方が渡ります。ほとんどの AWS SDK はウェブアイデンティティのトークンを先に試すため、Pod は IRSA のロールを使い続け、関連付けは黙って無視されます。両方が同じロールを指す場合は LOW です。',
    remediation:
      '移行を完了してください: サービスアカウントから `eks.amazonaws.com/role-arn` アノテーションを、ロールの信頼ポリシーから IRSA のステートメントを削除する (`aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`) か、関連付けを削除します (`aws eks delete-pod-identity-association --cluster-name CLUSTER --association-id ASSOCIATION_ID`)。',
  },
  IRSA_MIGRATION_CANDIDATE: {
    title: 'IRSA のバインディングを EKS Pod Identity に移行できます',
    description:
      'ロールの信頼ポリシーがクラスターの OIDC 発行者を通じて 1 つの正確なサービスアカウントを許可しており、クラスターでは Pod Identity エージェント (アドオンまたは Auto Mode) が動き、名前空間を選択する Fargate プロファイルはなく、サービスアカウントにはまだ関連付けがなく、ロールは EKS アドオンの IRSA ロールではありません (Pod Identity に対応していないアドオンがあります)。移行するとロールの信頼ポリシーからクラスターがなくなり、クラスターを作り直しても IAM を編集する必要がなくなります。クラスターにないもの (関連付け、名前空間の Fargate プロファイル) を根拠にするため、完全に収集できたクラスターについてだけ判定します。',
    remediation:
      'ロールの信頼ポリシーに `pods.eks.amazonaws.com` のステートメントを追加し、`aws eks create-pod-identity-association` で関連付けを作成して Pod を再起動してから、IRSA のステートメントとサービスアカウントのアノテーションを削除してください。',
  },
  ROLE_UNUSED: {
    title: 'ワークロードのロールが使われていません',
    description:
      'ワークロードのロール (Pod Identity の関連付けのロール、または信頼ポリシーが EKS の OIDC 発行者を許可しているロール) が、ベースラインの `unusedAfterDays` の期間に引き受けられていません。期間内に CloudTrail の `AssumeRole`/`AssumeRoleWithWebIdentity` も IAM の `RoleLastUsed` もありません。IAM の `RoleLastUsed` はすべてのリージョンを対象とします。この判定には、アカウントの IAM データを完全に収集できていること、ロールのアカウントの CloudTrail を、収集したすべてのリージョンと、関連付けや信頼する発行者のリージョンについて期間全体にわたって完全に収集できていること、ロールが期間より古いことも必要です。そうでなければ利用状況を不明として数えます。',
    remediation:
      '所有者に確認し、このロールを使う関連付けと信頼ポリシーの許可を削除してから、ロールを削除してください: `aws iam delete-role --role-name ROLE_NAME` (先にポリシーをデタッチします)。',
  },
  PI_ASSOCIATION_UNUSED: {
    title: 'Pod Identity の関連付けが使われていません',
    description:
      '`unusedAfterDays` の期間に、この関連付けのクラスター、名前空間、サービスアカウントのセッションタグを持つ (セッションタグが無効なら、そのロールを指定した) `pods.eks.amazonaws.com` による `sts:AssumeRole` がありません。どの Pod も使っていません。EKS はクラスターのアカウントとリージョンでロールを引き受けるため、クラスター、そのアカウントの IAM データ、そのアカウントとリージョンの CloudTrail を完全に収集でき、その期間が `unusedAfterDays` 全体をカバーし、関連付けが期間より古く、IAM の `RoleLastUsed` が CloudTrail に記録された最後の使用より後の使用を示していない場合にだけ判定します。そうでなければ利用状況を不明として数えます。',
    remediation:
      'ワークロードがなくなったことを確認してから、関連付けを削除し (`aws eks delete-pod-identity-association --cluster-name CLUSTER --association-id ID`)、ベースラインからその宣言を削除してください。',
  },
  IRSA_BINDING_UNUSED: {
    title: 'IRSA のバインディングが使われていません',
    description:
      '`unusedAfterDays` の期間に、このクラスターのサービスアカウントのトークンによる `sts:AssumeRoleWithWebIdentity` でロールが引き受けられていません。宣言したバインディングのうち信頼ポリシーが許可しているものと、スキャンしたロールの正確なサブジェクトによる許可が対象です。引き受けはロールのアカウントで、ワークロードの SDK が呼び出す STS エンドポイントのリージョン (どのリージョンでもありえます) に記録されるため、クラスターとロールの IAM データを完全に収集でき、ロールのアカウントの CloudTrail をクラスターのリージョンと収集したほかのすべてのリージョンについて期間全体にわたって完全に収集でき、IAM の `RoleLastUsed` が CloudTrail に記録された最後の使用より後ではなく (それより後の使用は、CloudTrail を収集していないリージョンの STS エンドポイント経由の、このバインディングによるものかもしれません)、ロールとクラスターがともに期間より古い場合にだけ判定します。そうでなければ利用状況を不明として数えます。',
    remediation:
      'ワークロードがなくなったことを確認してから、ロールの信頼ポリシーからこのサービスアカウントのステートメントを削除し (`aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://trust-policy.json`)、ベースラインからバインディングを削除してください。',
  },
  PI_ASSUME_DENIED: {
    title: 'Pod Identity の認証情報リクエストが拒否されています',
    description:
      '期間内に、AccessDenied で失敗した `eks-auth:AssumeRoleForPodIdentity` の呼び出しが CloudTrail に記録されています。クラスター上の Pod が認証情報を要求し、得られませんでした。記録に残るのはクラスターと呼び出し元のノードだけで、ロールやサービスアカウントはわかりません。よくある原因は、`eks-auth:AssumeRoleForPodIdentity` を持たないノードロールや、関連付けのセッションタグを拒否するロールの信頼ポリシーです (同じクラスターの信頼ポリシーと実行時の検出結果を参照してください)。',
    remediation:
      'ノードロールの権限と関連付けのロールの信頼ポリシーを確認し (`PI_NODE_ROLE_MISSING_PERMISSION`、`PI_TRUST_MISSING`、`PI_TRUST_EXCLUDES_ASSOCIATION`)、クラスターの関連付けを一覧表示してください: `aws eks list-pod-identity-associations --cluster-name CLUSTER`。',
  },
  UNDECLARED_USAGE: {
    title: '使用中のワークロードアイデンティティが宣言されていません',
    description:
      '期間内に、宣言されたメンバークラスターのサービスアカウントが、Pod Identity (`pods.eks.amazonaws.com` による `sts:AssumeRole` のセッションタグ) または IRSA (そのトークンによる `AssumeRoleWithWebIdentity`) でロールの認証情報を取得したことが CloudTrail に記録されていますが、ベースラインはその論理クラスター、名前空間、サービスアカウント、ロールについて、その方式のバインディングを宣言していません。',
    remediation:
      'レビューのうえベースラインでバインディングを宣言する (`podIdentity:` または `irsa:`) か、このサービスアカウントに使用を許している関連付けまたは信頼ポリシーの許可を削除してください。',
  },
  COLLECTION_INCOMPLETE: {
    title: 'スコープを完全には収集できませんでした',
    description:
      'アカウント、その IAM データ、リージョン、クラスター、リージョンの CloudTrail の記録の収集でエラーが記録されたか (AccessDenied、失敗した AssumeRole、到達できないエンドポイント、AWS のエラーコードのない 404 など)、宣言されたアカウントやリージョンがスナップショットにまったくありません。そうしたスコープ内のものは存在しない・未使用とは報告しないため、この検出結果が、監査がそこを見られていない唯一の手がかりです。スコープごとに 1 件報告し、失敗した操作、エラーコード、その原因区分 (認証情報、アクセス拒否、ネットワーク、タイムアウト、スロットリング、未対応の API、サーバーエラー、想定外の応答) を示します。アカウント全体を読み取れなかった場合は HIGH、部分的な欠落は MEDIUM です。',
    remediation:
      '検出結果が示す原因区分の対処 (検出結果ごとの対処に記載) に従い、再度収集してください。失敗した操作は検出結果のエビデンスに記載しています。',
  },
  BASELINE_INVALID: {
    title: 'ベースラインが不正です',
    description:
      'ベースラインファイルの解析または検証に失敗したため、何も監査できません。CLI は問題 (ファイル、行、フィールド) を表示して終了コード 1 で終了します。夜間の監査はこの検出結果だけを公開し、ほかの結果は出さないため、壊れたベースラインが問題のない状態やドリフトした状態に見えることはありません。',
    remediation:
      '一覧の問題を修正し、アップロードする前にファイルを確認してください: `eks-identity-audit baseline validate baseline.yaml`。',
  },
  SUPPRESSION_EXPIRED: {
    title: 'ベースラインの例外の有効期限が切れています',
    description:
      'ベースラインの `exceptions:` のエントリが `expires` の日付を過ぎたため、抑制していた検出結果が再び報告されます。有効期限があることで、受け入れたリスクを定期的に見直せます。',
    remediation:
      '元の検出結果を修正して例外を削除するか、例外を見直してベースラインに新しい `expires` の日付を設定してください。',
  },

  CUTOVER_COLLECTION_INCOMPLETE: {
    title: '切り替えるクラスターまたはその IAM データを完全には収集できませんでした',
    description:
      'OLD、NEW、またはそのアカウントの IAM データで収集エラーが記録されました。ワークロードやブロッカーがレポートから漏れている可能性があるため、READY (またはクリーン) とは言えません。両方のフェーズで報告します。',
    remediation: 'エビデンスに示されたアクセスの問題を修正し、再度収集してください。',
  },
  CUTOVER_ASSOCIATION_NOT_REPLICATED: {
    title: 'Pod Identity の関連付けが新しいクラスターに複製されていません',
    description:
      'OLD で Pod Identity を使うワークロードに、同じ名前空間、サービスアカウント、ロール、ターゲットロール、セッションタグの設定を持つ関連付けが NEW にありません。アドオンが所有する関連付けは、アドオンを通じて作り直します。',
    remediation:
      '`aws eks create-pod-identity-association --cluster-name NEW --namespace NS --service-account SA --role-arn ROLE_ARN` を実行してください。アドオンが所有する関連付けは `aws eks update-addon --cluster-name NEW --addon-name ADDON --pod-identity-associations serviceAccount=SA,roleArn=ROLE_ARN` で作成します。',
  },
  CUTOVER_IRSA_TRUST_NOT_EXTENDED: {
    title: 'IRSA ロールの信頼ポリシーが新しいクラスターの発行者を許可していません',
    description:
      'IRSA ロールの信頼ポリシーが、NEW の OIDC 発行者のトークンによる、ワークロードのサービスアカウントからの引き受けを許可していません。',
    remediation:
      'OLD のものにならって NEW の発行者のステートメントを追加してください (ポリシー全体は計画に記載しています): `aws iam update-assume-role-policy --role-name ROLE --policy-document file://ROLE-trust-policy.json`。',
  },
  CUTOVER_OIDC_PROVIDER_MISSING: {
    title: '新しいクラスターの発行者の IAM OIDC プロバイダーがありません',
    description:
      'IRSA のワークロードには、ロールのアカウントに NEW の発行者の IAM OIDC プロバイダーが必要です。ないと、STS は NEW のトークンをすべて拒否します。',
    remediation:
      'プロバイダーを作成してください: `aws iam create-open-id-connect-provider --url https://oidc.eks.REGION.amazonaws.com/id/ID --client-id-list sts.amazonaws.com`。',
  },
  CUTOVER_AGENT_MISSING: {
    title: '新しいクラスターに Pod Identity エージェントがありません',
    description:
      'Pod Identity のワークロードには、NEW に `eks-pod-identity-agent` アドオンが必要です (EKS Auto Mode には組み込まれています)。',
    remediation:
      'アドオンをインストールしてください: `aws eks create-addon --cluster-name NEW --addon-name eks-pod-identity-agent`。',
  },
  CUTOVER_NODE_ROLE_MISSING_PERMISSION: {
    title: '新しいクラスターのノードロールが eks-auth:AssumeRoleForPodIdentity を呼び出せません',
    description:
      'NEW のノードのエージェントは、ノードグループのロールで `eks-auth:AssumeRoleForPodIdentity` を呼び出します。ポリシーがこれを許可していないと、そのノードの Pod は認証情報を得られません。',
    remediation:
      'AWS 管理ポリシーをアタッチしてください: `aws iam attach-role-policy --role-name NODE_ROLE --policy-arn arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy`。',
  },
  CUTOVER_TRUST_PINNED_TO_OLD_CLUSTER: {
    title: 'ロールの信頼ポリシーまたは ABAC の条件が古いクラスターに固定されています',
    description:
      '`aws:RequestTag/eks-cluster-name`、`aws:RequestTag/eks-cluster-arn`、`aws:SourceArn` の条件が OLD を指定しているため、関連付けのロールの信頼ポリシーが OLD の Pod Identity のセッションは受け入れ、NEW のセッションは受け入れません。または、権限ポリシーが OLD だけを指定する `aws:PrincipalTag/eks-cluster-name`/`-arn` の値を条件にしています。',
    remediation:
      '条件の値に NEW の名前または ARN を追加してください (切り替えが終わるまで OLD のものは残します): `aws iam update-assume-role-policy --role-name ROLE --policy-document file://trust-policy.json`。',
  },
  CUTOVER_TARGET_ROLE_PINNED_TO_OLD_CLUSTER: {
    title: 'クロスアカウントのターゲットロールが古いクラスターに固定されています',
    description:
      'ターゲットロールの信頼ポリシーが、OLD からの関連付けのロールの連鎖は受け入れ、NEW からは受け入れません。`sts:ExternalId`、セッションタグ、プリンシパルタグの条件が OLD (または OLD の関連付け) を指定しています。',
    remediation:
      'ターゲットアカウントで、ターゲットロールの信頼ポリシーの条件に NEW の外部 ID またはクラスター名/ARN を追加してください: `aws iam update-assume-role-policy --role-name TARGET_ROLE --policy-document file://trust-policy.json`。',
  },
  CUTOVER_FARGATE_INCOMPATIBLE: {
    title: '新しいクラスターが Pod Identity の名前空間を Fargate で動かします',
    description:
      'NEW の Fargate プロファイルが、OLD ではノードで動いていた Pod Identity のワークロードの名前空間を選択しています。Pod Identity は Fargate では動きません。NEW のセレクターがラベルも要求している場合は MEDIUM です (影響はその Pod だけです)。',
    remediation:
      'これらの Pod がノードで動くよう Fargate プロファイルを絞り込むか、NEW ではワークロードを IRSA に切り替えてください。',
  },
  CUTOVER_NEW_NOT_SERVING: {
    title: '新しいクラスターが、古いクラスターのすべてのワークロードをまだ処理できません',
    description:
      'pre フェーズがまだ NOT_READY になる状態で post フェーズを実行しました。OLD のワークロードアイデンティティの一部に、NEW でのブロッカーがあります。いま OLD が使っているものを削除するとそれらのワークロードが止まるおそれがあるため、計画には削除を一切含めていません。',
    remediation:
      '`cutover --phase pre` を実行し、READY になるまでその計画を適用してから、もう一度 post フェーズを実行してください。',
  },
  CUTOVER_OLD_ISSUER_STILL_TRUSTED: {
    title: 'ロールがまだ古いクラスターの発行者を信頼しています',
    description:
      '切り替えの後も、信頼ポリシーのステートメントが OLD の OIDC 発行者のトークンを許可しています。2,048 文字の信頼ポリシーの容量を使い、OLD がなくなれば古い許可として残ります。計画がステートメントを削除するのは、NEW がそのステートメントの許可するすべてのサブジェクトを処理でき (評価で NEW の発行者からのサブジェクトが受け入れられ、NEW のプロバイダーが存在する)、根拠となるデータが完全な場合だけです。',
    remediation:
      'OLD のステートメントを削除してください (ポリシー全体は計画に記載しています): `aws iam update-assume-role-policy --role-name ROLE --policy-document file://ROLE-trust-policy.json`。',
  },
  CUTOVER_OLD_OIDC_PROVIDER_LEFT: {
    title: '古いクラスターの IAM OIDC プロバイダーが残っています',
    description:
      'OLD の発行者の IAM OIDC プロバイダーがまだあります (プロバイダーは 1 アカウントあたり最大 100 個です)。計画がこれを削除するのは、スキャンしたどのアカウントのロールも NEW が処理しないワークロードのためにこれを信頼しておらず、CloudTrail に (`--since` 以降の) 発行者の使用がなく、その IAM と CloudTrail のデータが完全な場合だけです。',
    remediation:
      'プロバイダーを削除してください: `aws iam delete-open-id-connect-provider --open-id-connect-provider-arn ARN`。',
  },
  CUTOVER_OLD_ASSOCIATIONS_LEFT: {
    title: '古いクラスターに Pod Identity の関連付けが残っています',
    description:
      'OLD がまだ存在し、Pod Identity の関連付けも残っています。計画が関連付けを削除するのは、NEW に同じ関連付けがあり、評価で NEW でのそのセッション (ロールとターゲットロール) が受け入れられ、根拠となるクラスターと IAM のデータが完全な場合だけです。',
    remediation:
      '関連付けを削除してください: `aws eks delete-pod-identity-association --cluster-name OLD --association-id ID` (または OLD を削除します)。',
  },
  CUTOVER_ASSUME_FAILURES: {
    title: '新しいクラスターでワークロードの認証情報の取得が失敗しています',
    description:
      '`--since` 以降、NEW での認証情報の失敗が CloudTrail に記録されています: `eks-auth:AssumeRoleForPodIdentity` の AccessDenied、拒否された Pod Identity の `sts:AssumeRole`、または NEW の発行者のトークンによる `AssumeRoleWithWebIdentity` の失敗です。',
    remediation:
      'エビデンスのエラーメッセージを確認し、`eks-identity-audit trust can-assume` でロールの信頼ポリシーと照らし合わせてください。',
  },
};
