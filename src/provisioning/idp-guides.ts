/**
 * The IdP set-up guides, defined once. The web app shows them for one list (base URL, unique
 * identifier and mapping filled in, in the words of the IdP's console, nothing to type in a
 * terminal); docs/idps/<idp>.md carries the same steps between generated markers, written and
 * checked by test/idp-guides.test.ts, so the two cannot drift.
 *
 * Console words (menus, buttons, field names) follow each vendor's provisioning docs:
 * - Okta: https://developer.okta.com/docs/concepts/scim/ and https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20
 * - Entra ID: https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups
 * - PingOne: https://docs.pingidentity.com/r/en-us/pingone/pingone_create_provisioning_connection and
 *   https://docs.pingidentity.com/integrations/scim/setup/pf_scim_connector_scim_connector_settings_reference.html
 * - OneLogin: https://developers.onelogin.com/scim/implement-scim-api (the SCIM Provisioner app's Configuration,
 *   Provisioning and Parameters tabs)
 * - JumpCloud: https://jumpcloud.com/support/provision-and-manage-users-and-groups-in-apps-using-custom-scim-identity-management-integration
 * - Google Workspace: https://support.google.com/a/answer/7681608
 * - Rippling: https://workos.com/docs/integrations/rippling-scim/2-create-your-rippling-application (Custom App,
 *   "User Management via SCIM", SCIM Authorization Method, Supported SCIM Attributes)
 */
import type { UidAttribute } from '../store/index.js';

export type IdpKey = 'okta' | 'entra-id' | 'pingone' | 'onelogin' | 'jumpcloud' | 'google-workspace' | 'rippling';

/** Text with `{base}` (the list's SCIM base URL), `{token}` (where the token goes) and `{idp}` to fill in. */
type Text = string;

export interface GuideDefinition {
  readonly key: IdpKey;
  readonly title: string;
  /** The token's label, so the audit trail names the IdP. */
  readonly tokenLabel: string;
  readonly console: string;
  readonly steps: readonly Text[];
  /** The IdP's name for its matching setting, and what it must be for each unique identifier. */
  readonly matchSetting: string;
  readonly matchOn: Readonly<Record<UidAttribute, Text>>;
  /** The IdP's own attribute for a SCIM attribute path Muster reads (what the admin sees in the mapping screen). */
  readonly attributes: Readonly<Record<string, string>>;
  readonly success: readonly Text[];
}

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const okta: GuideDefinition = {
  key: 'okta', title: 'Okta', tokenLabel: 'Okta', console: 'Okta Admin Console',
  steps: [
    'In the Okta Admin Console, go to **Applications → Applications** and click **Create App Integration**. Choose **SAML 2.0** (or **OIDC**), click **Next** and finish the wizard; the sign-in settings are not used by this roster.',
    'On the app\'s **General** tab, under **App Settings**, click **Edit**, set **Provisioning** to **SCIM** and click **Save**.',
    'Open the **Provisioning** tab, choose **Integration** and click **Edit**.',
    'In **SCIM connector base URL**, paste `{base}`.',
    'In **Unique identifier field for users**, type `userName`.',
    'Under **Supported provisioning actions**, tick **Push New Users**, **Push Profile Updates** and, if you want groups, **Push Groups**.',
    'Set **Authentication Mode** to **HTTP Header** and paste {token} as the **Bearer** token.',
    'Click **Test Connector Configuration**; Okta shows a green tick for each action it found. Close it and click **Save**.',
    'Under **Provisioning → To App**, click **Edit**, enable **Create Users**, **Update User Attributes** and **Deactivate Users**, leave **Sync Password** off, and click **Save**.',
    'On the **Assignments** tab, click **Assign → Assign to People** (or **Assign to Groups**) and assign the people who belong on this roster.',
  ],
  matchSetting: 'Unique identifier field for users',
  matchOn: {
    userName: '`userName` (Okta\'s **Username**).',
    email: '`userName`. Okta matches on the username; this roster is keyed on the work email, which Okta sends from the user\'s **Primary email**.',
    employeeNumber: `\`userName\`. This roster is keyed on the employee number: in **Directory → Profile Editor**, open the app's profile, click **Add Attribute**, set **External name** to \`employeeNumber\` and **External namespace** to \`${ENTERPRISE}\`, then under **Mappings** map \`user.employeeNumber\` to it.`,
  },
  attributes: {
    userName: 'Username (user.login)', 'name.givenName': 'First name (user.firstName)', 'name.familyName': 'Last name (user.lastName)',
    displayName: 'Display name (user.displayName)', 'emails[type eq "work"].value': 'Primary email (user.email)', title: 'Title (user.title)',
    [`${ENTERPRISE}:employeeNumber`]: 'Employee number (user.employeeNumber)', [`${ENTERPRISE}:department`]: 'Department (user.department)',
    [`${ENTERPRISE}:organization`]: 'Organization (user.organization)', [`${ENTERPRISE}:manager.value`]: 'Manager (user.managerId)',
    'phoneNumbers[type eq "mobile"].value': 'Mobile phone (user.mobilePhone)', active: 'the assignment itself (unassigning deactivates)',
  },
  success: [
    '**Test Connector Configuration** shows green ticks for the actions Okta found.',
    'After you assign someone, the assignment has no error under **Assignments**, and nothing new appears under **Dashboard → Tasks**.',
  ],
};

const entra: GuideDefinition = {
  key: 'entra-id', title: 'Microsoft Entra ID', tokenLabel: 'Microsoft Entra ID', console: 'Microsoft Entra admin center',
  steps: [
    'In the Microsoft Entra admin center, go to **Identity → Applications → Enterprise applications** and click **New application**, then **Create your own application**.',
    'Name it, choose **Integrate any other application you don\'t find in the gallery (Non-gallery)** and click **Create**.',
    'In the app, open **Provisioning** and click **Get started** (or **Connect your application**). Set **Provisioning Mode** to **Automatic**.',
    'Under **Admin Credentials**, in **Tenant URL**, paste `{base}?aadOptscim062020`.',
    'In **Secret Token**, paste {token}. Do not leave it empty.',
    'Click **Test Connection**, wait for the success message, then click **Save**.',
    'Open **Mappings → Provision Microsoft Entra ID Users** and check the matching attribute (below).',
    'Under **Settings**, set **Scope** to **Sync only assigned users and groups**. In **Users and groups**, click **Add user/group** and assign the people for this roster.',
    'Set **Provisioning Status** to **On** and click **Save**. The first cycle starts within minutes; **Provision on demand** tries one person straight away.',
  ],
  matchSetting: 'Matching precedence 1 (Mappings → Provision Microsoft Entra ID Users)',
  matchOn: {
    userName: '`userName`, fed by `userPrincipalName` (the default).',
    email: '`emails[type eq "work"].value`, fed by `mail`: edit that mapping, set **Match objects using this attribute** to **Yes** and **Matching precedence** to **1**.',
    employeeNumber: `\`userName\`, fed by \`userPrincipalName\`; and add a mapping **Source attribute** \`employeeId\` → **Target attribute** \`${ENTERPRISE}:employeeNumber\`, which this roster is keyed on.`,
  },
  attributes: {
    userName: 'userPrincipalName', 'name.givenName': 'givenName', 'name.familyName': 'surname', displayName: 'displayName',
    'emails[type eq "work"].value': 'mail', title: 'jobTitle', [`${ENTERPRISE}:employeeNumber`]: 'employeeId', [`${ENTERPRISE}:department`]: 'department',
    [`${ENTERPRISE}:manager.value`]: 'manager', 'phoneNumbers[type eq "mobile"].value': 'mobile', 'phoneNumbers[type eq "work"].value': 'telephoneNumber',
    'addresses[type eq "work"].locality': 'city', 'addresses[type eq "work"].country': 'country', externalId: 'mailNickname', active: 'Switch([IsSoftDeleted], …)',
  },
  success: [
    '**Test Connection** says the supplied credentials are authorized.',
    'The **Provisioning logs** list each person with **Status: Success**; the overview shows the cycle as completed.',
  ],
};

const pingone: GuideDefinition = {
  key: 'pingone', title: 'PingOne', tokenLabel: 'PingOne', console: 'PingOne admin console',
  steps: [
    'In the PingOne admin console, go to **Integrations → Provisioning** and click **+ → New Connection**.',
    'Under **Identity Store**, find the **SCIM** tile and click **Select**. Name the connection and click **Next**.',
    'In **SCIM Base URL**, paste `{base}`. Leave **Users Resource** as `/Users` and choose **SCIM Version** 2.0.',
    'Set **Authentication Method** to **OAuth 2 Bearer Token**, paste {token} as the token, and set **Auth Type Header** to **Bearer**.',
    'Click **Test Connection**; PingOne shows **Connection Successful**. Click **Continue**.',
    'Set **User Identifier** as shown below, **Remove Action** to **Disable** (people who leave stay on the roster as deactivated), and **Group Membership Handling** to **Merge**. Click **Finish**, then use the toggle to enable the connection.',
    'Create a **provisioning rule** from PingOne to this connection: its **User Filter** selects who is provisioned; check the attribute mapping against the table below; under **Group Provisioning** choose any groups to push. Enable the rule.',
  ],
  matchSetting: 'User Identifier',
  matchOn: {
    userName: '`userName` (PingOne **Username**); the default user filter `username Eq "%s"` is right.',
    email: '`userName` as usual; this roster is keyed on the work email, which PingOne sends from **Email Address**.',
    employeeNumber: `\`userName\` as usual; also map PingOne's **Employee Number** to \`${ENTERPRISE}:employeeNumber\` in the rule's attribute mapping: this roster is keyed on it.`,
  },
  attributes: {
    userName: 'Username', 'name.givenName': 'Given Name', 'name.familyName': 'Family Name', displayName: 'Formatted',
    'emails[type eq "work"].value': 'Email Address', title: 'Title', [`${ENTERPRISE}:employeeNumber`]: 'Employee Number', [`${ENTERPRISE}:department`]: 'Department',
    'phoneNumbers[type eq "mobile"].value': 'Mobile Phone', active: 'Enabled',
  },
  success: [
    '**Test Connection** shows **Connection Successful**.',
    'The rule shows people provisioned and no errors.',
  ],
};

const onelogin: GuideDefinition = {
  key: 'onelogin', title: 'OneLogin', tokenLabel: 'OneLogin', console: 'OneLogin Administration',
  steps: [
    'In OneLogin Administration, go to **Applications → Applications** and click **Add App**. Search for **SCIM Provisioner with SAML (SCIM v2 Enterprise)**, select it, name it and click **Save**.',
    'On the app\'s **Configuration** tab, in **SCIM Base URL**, paste `{base}`.',
    'In **SCIM Bearer Token**, paste {token}.',
    'Under **API Connection**, click **Enable**; the status turns to **Enabled**. Click **Save**.',
    'On the **Provisioning** tab, tick **Enable provisioning**. Under **Require admin approval before this action is performed**, untick **Create user**, **Delete user** and **Update user** unless you want to approve each change. For **When users are deleted in OneLogin**, choose **Suspend** to keep them on the roster as deactivated. Click **Save**.',
    'On the **Parameters** tab, set **SCIM Username** as shown below and check the attributes in the table.',
    'On the **Access** tab, tick the roles whose people belong on this roster (or assign the app to people one by one under **Users → a user → Applications**). Click **Save**.',
  ],
  matchSetting: 'SCIM Username (Parameters tab)',
  matchOn: {
    userName: '**Username** (or **Email**): Muster matches people on `userName`.',
    email: '**Email**; the roster is keyed on the work email, which OneLogin sends from **Email**.',
    employeeNumber: `**Username** or **Email** as usual; and on the **Parameters** tab add a parameter named \`${ENTERPRISE}:employeeNumber\` (tick **Include in User Provisioning**) fed by **Employee ID**, which this roster is keyed on.`,
  },
  attributes: {
    userName: 'scimusername', 'name.givenName': 'First Name', 'name.familyName': 'Last Name', displayName: 'Name',
    'emails[type eq "work"].value': 'Email', title: 'Title', [`${ENTERPRISE}:employeeNumber`]: 'Employee ID', [`${ENTERPRISE}:department`]: 'Department',
    'phoneNumbers[type eq "mobile"].value': 'Phone', active: 'the user\'s status',
  },
  success: [
    '**API Connection** shows **Enabled**.',
    'On the app\'s **Users** tab each person shows as provisioned; **Users → Provisioning** lists failures with the reason.',
  ],
};

const jumpcloud: GuideDefinition = {
  key: 'jumpcloud', title: 'JumpCloud', tokenLabel: 'JumpCloud', console: 'JumpCloud Admin Portal',
  steps: [
    'In the JumpCloud Admin Portal, go to **SSO Applications**, click **+ Add New Application** and choose **Custom Application**.',
    'Name the application and, when JumpCloud asks which features it uses, choose the identity management option (exporting users to the app). Save it and open its configuration.',
    'Open the **Identity Management** tab. Set **SCIM Version** to **SCIM 2.0**.',
    'In **Base URL**, paste `{base}`.',
    'In **Token Key**, paste {token}.',
    'Fill **Test User Email** with an address that is not on the roster. Tick **Enable management of User Groups and Group Membership in this application** if you want groups.',
    'Click **Test Connection**. JumpCloud creates a test user and a test group on the roster, then deletes them. Click **Activate**, then **Save**.',
    'On the app\'s **User Groups** tab, tick the user groups whose members belong on this roster and click **Save**.',
  ],
  matchSetting: 'none to set',
  matchOn: {
    userName: 'nothing to set: JumpCloud looks people up by `userName` (the JumpCloud **Username**).',
    email: 'nothing to set: JumpCloud sends the **Company Email** as the work email, which this roster is keyed on.',
    employeeNumber: 'nothing to set, but fill **Employee ID** for everyone: this roster is keyed on the employee number.',
  },
  attributes: {
    userName: 'Username', 'name.givenName': 'First Name', 'name.familyName': 'Last Name', displayName: 'Display Name',
    'emails[type eq "work"].value': 'Company Email', title: 'Job Title', [`${ENTERPRISE}:employeeNumber`]: 'Employee ID', [`${ENTERPRISE}:department`]: 'Department',
    [`${ENTERPRISE}:manager.value`]: 'Manager', 'phoneNumbers[type eq "mobile"].value': 'Mobile Number', active: 'the user\'s state',
  },
  success: [
    '**Test Connection** reports success, and **Activate** completes without an error.',
    'People of the ticked user groups appear on this roster within minutes.',
  ],
};

const google: GuideDefinition = {
  key: 'google-workspace', title: 'Google Workspace', tokenLabel: 'Google Workspace', console: 'Google Admin console',
  steps: [
    'In the Google Admin console, go to **Apps → Web and mobile apps** and open the app that will provision this roster (Google provisions only apps of its catalog that support it).',
    'Click **Auto-provisioning**, then **Configure auto-provisioning**.',
    'Paste {token} as the access token, and `{base}` as the endpoint URL where the app asks for one. Click **Continue**.',
    'Check the attribute mapping (attributes marked * are required) and click **Continue**.',
    'Optionally limit provisioning to a group, and click **Continue**.',
    'Under **Deprovisioning**, choose when accounts are deleted after the app is turned off for a user, or the user is suspended or deleted. A long delay keeps people on the roster longer. Click **Finish**.',
    'Turn **Auto-provisioning** on.',
  ],
  matchSetting: 'fixed by Google',
  matchOn: {
    userName: 'fixed by Google: it sends the primary email as `userName`.',
    email: 'fixed by Google: the primary email, which this roster is keyed on.',
    employeeNumber: 'fixed by Google, and Google does not send an employee number to every app: prefer a list keyed on username or email for Google Workspace.',
  },
  attributes: {
    userName: 'Primary email', 'name.givenName': 'First name', 'name.familyName': 'Last name', 'emails[type eq "work"].value': 'Primary email', active: 'suspended or not',
  },
  success: [
    'The app\'s **Auto-provisioning** section shows it **On** with no errors.',
    'Google syncs every few hours: the first people can take that long to arrive.',
  ],
};

const rippling: GuideDefinition = {
  key: 'rippling', title: 'Rippling', tokenLabel: 'Rippling', console: 'Rippling admin dashboard',
  steps: [
    'In the Rippling admin dashboard, open **Custom App** (under **Identity Management**) and click **Create New App**.',
    'Name the app, choose its categories, add a logo, tick **User Management via SCIM** and click **Continue**.',
    'Set the SCIM version to **2.0** and paste `{base}` in **SCIM Base URL**.',
    'In **SCIM Authorization Method**, choose **Bearer Token**. Tick **Supports Pagination**, and **Supports Groups** if you want groups.',
    'In **Supported SCIM Attributes**, add the attributes named below and in the table. Click **Continue**.',
    'When Rippling asks for the token, paste {token}.',
    'Set the **App Access Rules** (who gets the app: everyone, or a department or group) and the **Provision Time**, then check the **Attribute Mappings** and finish.',
  ],
  matchSetting: 'Supported SCIM Attributes',
  matchOn: {
    userName: 'include `userName` (Rippling sends the work email).',
    email: 'include `emails.primary` (the work email this roster is keyed on).',
    employeeNumber: 'include `employeeNumber`: this roster is keyed on it.',
  },
  attributes: {
    userName: 'Work email', 'name.givenName': 'Legal first name', 'name.familyName': 'Legal last name', 'emails[type eq "work"].value': 'Work email',
    title: 'Title', [`${ENTERPRISE}:employeeNumber`]: 'Employee number', [`${ENTERPRISE}:department`]: 'Department', externalId: 'Rippling id', active: 'employment status',
  },
  success: [
    'The app\'s page lists the people provisioned with no errors.',
    'A new hire appears on the roster on their start date.',
  ],
};

export const IDP_GUIDES: ReadonlyMap<IdpKey, GuideDefinition> = new Map([okta, entra, pingone, onelogin, jumpcloud, google, rippling].map((g) => [g.key, g]));

export interface GuideList {
  readonly baseUrl: string;
  readonly uid: UidAttribute;
  /** The list's mapping: a SCIM path feeding a roster field, with the field's label. */
  readonly mapping: readonly { readonly source: string; readonly label: string; readonly unique: boolean }[];
}

export interface RenderedGuide {
  readonly idp: IdpKey;
  readonly title: string;
  readonly tokenLabel: string;
  readonly markdown: string;
}

/** Fills a guide for one list. `tokenHere` is how the steps name the token (the in-app button, or the CLI for the engineer's copy). */
export function renderGuide(g: GuideDefinition, list: GuideList, tokenHere: string): RenderedGuide {
  const fill = (t: string) => t.replaceAll('{base}', list.baseUrl).replaceAll('{token}', tokenHere).replaceAll('{idp}', g.title);
  const rows = list.mapping.map((m) => `| ${m.label}${m.unique ? ' (unique identifier)' : ''} | \`${m.source}\` | ${g.attributes[m.source] ?? '—'} |`);
  const md = [
    `### Steps in the ${g.console}`, '',
    ...g.steps.map((s, i) => `${i + 1}. ${fill(s)}`), '',
    '### Match users on', '',
    `**${g.matchSetting}**: ${fill(g.matchOn[list.uid])}`, '',
    '### Attribute mapping', '',
    `| Roster field | SCIM attribute | In ${g.title} |`, '|---|---|---|', ...rows, '',
    `Attributes marked — are not sent by ${g.title} by default: add them in its attribute mapping, or leave those fields empty.`, '',
    '### When it works', '',
    ...g.success.map((s) => `- ${fill(s)}`),
  ].join('\n');
  return { idp: g.key, title: g.title, tokenLabel: g.tokenLabel, markdown: md };
}

/** Unique identifier words for the in-app text. */
export const UID_WORDS: Readonly<Record<UidAttribute, string>> = { userName: 'username', email: 'work email', employeeNumber: 'employee number' };

export const DOCS_BASE_URL = 'https://<your-muster>/scim/v2/lists/<listId>';
export const DOCS_BEGIN = '<!-- BEGIN generated from src/provisioning/idp-guides.ts (UPDATE_IDP_GUIDES=1 npx vitest run test/idp-guides.test.ts rewrites it) -->';
export const DOCS_END = '<!-- END generated -->';

/**
 * The engineer's copy for docs/idps/<idp>.md: the same steps and tables as the web app shows,
 * with placeholders, the token from the CLI, and "match users on" for each unique identifier.
 */
export function docsGuide(g: GuideDefinition, mapping: GuideList['mapping']): string {
  const token = `a token labelled "${g.tokenLabel}" (the web app's guide creates one with one click; from a terminal: \`muster tokens create --list <listId> --label "${g.tokenLabel}"\`)`;
  const inApp = renderGuide(g, { baseUrl: DOCS_BASE_URL, uid: 'userName', mapping }, token).markdown;
  const match = (['userName', 'email', 'employeeNumber'] as const).map((u) => `- List keyed on **${UID_WORDS[u]}** (\`--uid ${u}\`): ${renderGuide(g, { baseUrl: DOCS_BASE_URL, uid: u, mapping: [] }, token).markdown.split('\n').find((l) => l.startsWith(`**${g.matchSetting}**`))}`);
  const lines = inApp.split('\n');
  const at = lines.indexOf('### Match users on');
  const next = lines.indexOf('### Attribute mapping');
  return [DOCS_BEGIN, '', ...lines.slice(0, at + 2), ...match, '', ...lines.slice(next), '', DOCS_END].join('\n');
}
