/**
 * The IdP set-up guides, defined once. The web app shows them for one list (base URL, unique
 * identifier and mapping filled in, in the words of the IdP's console, nothing to type in a
 * terminal); docs/idps/<idp>.md carries the same steps between generated markers, written and
 * checked by test/idp-guides.test.ts, so the two cannot drift.
 *
 * Console words (menus, buttons, field names) follow each vendor's own set-up pages where they
 * could be read; each guide's `checkedAgainst` names them (shown in docs/idps only), and says
 * which words come from third-party guides because no vendor page was found.
 */
import type { UidAttribute } from '../store/index.js';

export type IdpKey = 'okta' | 'entra-id' | 'pingone' | 'onelogin' | 'jumpcloud' | 'google-workspace' | 'rippling';

/** Text with `{base}` (the list's SCIM base URL), `{token}` (where the token goes), `{idp}` and `{uidStep}` to fill in. */
type Text = string;

export interface GuideDefinition {
  readonly key: IdpKey;
  readonly title: string;
  /** The token's label, so the audit trail names the IdP. */
  readonly tokenLabel: string;
  readonly console: string;
  readonly steps: readonly Text[];
  /**
   * A step that depends on the list's unique identifier (`{uidStep}` in `steps`), one whole
   * sentence per identifier, so the step reads right on its own for the list it is shown for.
   */
  readonly uidStep?: Readonly<Record<UidAttribute, Text>>;
  /** The IdP's name for its matching setting, and what it must be for each unique identifier. */
  readonly matchSetting: string;
  readonly matchOn: Readonly<Record<UidAttribute, Text>>;
  /** The IdP's own attribute for a SCIM attribute path Muster reads (what the admin sees in the mapping screen). */
  readonly attributes: Readonly<Record<string, string>>;
  readonly success: readonly Text[];
  /** The pages the console words were checked against (docs/idps only, never in the web app). */
  readonly checkedAgainst: readonly string[];
}

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const OKTA_LOOKUP = 'this is how Okta looks people up, whatever this list is keyed on';

const okta: GuideDefinition = {
  key: 'okta', title: 'Okta', tokenLabel: 'Okta', console: 'Okta Admin Console',
  steps: [
    'In the Okta Admin Console, go to **Applications and Resources → Applications** (in older consoles **Applications → Applications**) and click **Create App Integration**. Choose **SAML 2.0** (or **SWA**; Okta does not add SCIM provisioning to an OIDC app), click **Next** and finish the wizard; the sign-in settings are not used by this roster.',
    'On the app\'s **General** tab, click **Edit**, scroll to **Provisioning**, select **SCIM** and click **Save**.',
    'Open the new **Provisioning** tab; under **Settings**, choose **Integration** and click **Edit**.',
    'In **SCIM connector base URL**, paste `{base}`.',
    '{uidStep}',
    'Under **Supported provisioning actions**, tick **Push New Users**, **Push Profile Updates** and, if you want groups, **Push Groups**.',
    'Set **Authentication Mode** to **HTTP Header** and paste {token} as the bearer token.',
    'Click **Test Connector Configuration**; Okta lists the provisioning actions it found. Close it and click **Save**.',
    'Under **Settings**, choose **To App**, click **Edit**, enable **Create Users**, **Update User Attributes** and **Deactivate Users**, leave **Sync Password** off, and click **Save**.',
    'On the **Assignments** tab, click **Assign**, then **Assign to People** (or **Assign to Groups**), and assign the people who belong on this roster.',
  ],
  uidStep: {
    userName: `In **Unique identifier field for users**, type \`userName\`: ${OKTA_LOOKUP}, and this roster is keyed on the username too.`,
    email: `In **Unique identifier field for users**, type \`userName\`: ${OKTA_LOOKUP}. This roster is keyed on the work email, which Okta sends from each person's **Primary email**; nothing more to set for it.`,
    employeeNumber: `In **Unique identifier field for users**, type \`userName\`: ${OKTA_LOOKUP}. This roster is keyed on the employee number, which Okta sends once you add it to the app's profile (see **Match users on** below).`,
  },
  matchSetting: 'Unique identifier field for users',
  matchOn: {
    userName: '`userName`, filled from each person\'s Okta **Username**; this roster is keyed on it.',
    email: '`userName` (how Okta looks people up). This roster is keyed on the work email, which Okta sends from each person\'s **Primary email**.',
    employeeNumber: `\`userName\` (how Okta looks people up). This roster is keyed on the employee number, which Okta sends only once you add it: on the **Provisioning** tab, under **To App**, in **Attribute Mappings**, click **Go to Profile Editor**, click **Add Attribute**, set **External name** to \`employeeNumber\` and **External namespace** to \`${ENTERPRISE}\`, save it, then map \`user.employeeNumber\` to it.`,
  },
  attributes: {
    userName: 'Username (user.login)', 'name.givenName': 'First name (user.firstName)', 'name.familyName': 'Last name (user.lastName)',
    displayName: 'Display name (user.displayName)', 'emails[type eq "work"].value': 'Primary email (user.email)', title: 'Title (user.title)',
    [`${ENTERPRISE}:employeeNumber`]: 'Employee number (user.employeeNumber)', [`${ENTERPRISE}:department`]: 'Department (user.department)',
    [`${ENTERPRISE}:organization`]: 'Organization (user.organization)', [`${ENTERPRISE}:manager.value`]: 'Manager (user.managerId)',
    'phoneNumbers[type eq "mobile"].value': 'Mobile phone (user.mobilePhone)', active: 'the assignment itself (unassigning deactivates)',
  },
  success: [
    '**Test Connector Configuration** lists the provisioning actions Okta found, with no error.',
    'After you assign someone, the assignment shows no error, and the app\'s **View Logs** (the System Log) shows no failed provisioning event.',
  ],
  checkedAgainst: [
    'https://developer.okta.com/docs/guides/create-an-app-integration/main/ (Applications and Resources → Applications, Create App Integration, Assign → Assign to People / Assign to Groups)',
    'https://developer.okta.com/docs/guides/scim-provisioning-integration-connect/main/ (General → Edit → Provisioning → SCIM; Provisioning → Settings → Integration; SCIM connector base URL and unique identifier field; Supported provisioning actions; Authentication Mode → HTTP Header; Test Connector Configuration; To App: Create Users, Update User Attributes, Deactivate Users, Sync Password; Attribute Mappings → Go to Profile Editor → Add Attribute; View Logs; SCIM is not added to OIDC apps)',
    'https://help.okta.com/en-us/content/topics/apps/oiw/provisioning-settings.htm',
    'https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20 (Provisioning → To App → Edit → Create Users)',
  ],
};

const entra: GuideDefinition = {
  key: 'entra-id', title: 'Microsoft Entra ID', tokenLabel: 'Microsoft Entra ID', console: 'Microsoft Entra admin center',
  steps: [
    'In the Microsoft Entra admin center, go to **Entra ID → Enterprise apps** (in older menus **Identity → Applications → Enterprise applications**) and select **New application**, then **Create your own application**.',
    'Enter a name, choose **Integrate any other application you don\'t find in the gallery (Non-gallery)** and select **Create**.',
    'In the app, select **Provisioning** in the left panel, then **New configuration** (in older tenants, **Get started**, then set **Provisioning Mode** to **Automatic**).',
    'In **Tenant URL**, paste `{base}?aadOptscim062020`.',
    'In **Secret Token**, paste {token}. Do not leave it empty.',
    'Select **Test Connection**; when it succeeds, select **Create** (in older tenants, **Save**).',
    'Select **Attribute mapping** in the left panel, open the user mapping (**Provision Microsoft Entra ID Users**) and check the matching attribute (below). Select **Save** after any change.',
    'Select **Users and groups**, then **Add user/group**, and assign the people for this roster (provisioning only assigned users and groups is the recommended scope).',
    'Select **Provision on demand** to try one person straight away, then **Overview** and **Start provisioning**. Later cycles run about every 40 minutes.',
  ],
  matchSetting: 'Matching attribute (Attribute mapping → Provision Microsoft Entra ID Users)',
  matchOn: {
    userName: '`userName`, fed by `userPrincipalName` (the default).',
    email: '`emails[type eq "work"].value`, fed by `mail`: edit that mapping, set **Match objects using this attribute** to **Yes** and **Matching precedence** to **1**.',
    employeeNumber: `\`userName\`, fed by \`userPrincipalName\` (the default); and select **Add New Mapping** with **Source attribute** \`employeeId\` and **Target attribute** \`${ENTERPRISE}:employeeNumber\`, which this roster is keyed on.`,
  },
  attributes: {
    userName: 'userPrincipalName', 'name.givenName': 'givenName', 'name.familyName': 'surname', displayName: 'displayName',
    'emails[type eq "work"].value': 'mail', title: 'jobTitle', [`${ENTERPRISE}:employeeNumber`]: 'employeeId', [`${ENTERPRISE}:department`]: 'department',
    [`${ENTERPRISE}:manager.value`]: 'manager', 'phoneNumbers[type eq "mobile"].value': 'mobile', 'phoneNumbers[type eq "work"].value': 'telephoneNumber',
    'addresses[type eq "work"].locality': 'city', 'addresses[type eq "work"].country': 'country', externalId: 'mailNickname', active: 'Switch([IsSoftDeleted], …)',
  },
  success: [
    '**Test Connection** succeeds (when it fails, Entra shows the error it got).',
    'The **Provisioning logs** list each person with a success status; the overview shows the cycle as completed.',
  ],
  checkedAgainst: [
    'https://learn.microsoft.com/en-us/entra/identity/app-provisioning/use-scim-to-provision-users-and-groups (section "Integrate your SCIM endpoint with the Microsoft Entra provisioning service": New application → Create your own application, the non-gallery option, Provisioning → New configuration, Tenant URL, Secret Token, Test Connection, Create, Users and groups, Attribute mapping, Matching properties, Provision on demand, Overview, Start provisioning, Provisioning logs, 40-minute cycles)',
    'https://learn.microsoft.com/en-us/entra/identity/app-provisioning/configure-automatic-user-provisioning-portal (Entra ID → Enterprise apps, Provisioning Mode Automatic, Admin Credentials, Test Connection, Mappings, Add New Mapping, Settings scope, Provisioning Status)',
    'https://learn.microsoft.com/en-us/entra/identity/app-provisioning/customize-application-attributes (Edit Attribute: Source attribute, Target attribute, Match objects using this attribute, Matching precedence)',
    'https://learn.microsoft.com/en-us/entra/identity/app-provisioning/application-provisioning-config-problem-scim-compatibility (the aadOptscim062020 flag)',
  ],
};

const pingone: GuideDefinition = {
  key: 'pingone', title: 'PingOne', tokenLabel: 'PingOne', console: 'PingOne admin console',
  steps: [
    'In the PingOne admin console, go to **Integrations → Provisioning**, click the **+** button and then **New Connection**.',
    'For the connection type, select **Identity Store**, locate the **SCIM** tile and click **Select**. Enter a name and click **Next**.',
    'On the **Authentication** step, in **SCIM Base URL**, paste `{base}`; set **Users Resource** to `/Users` and **SCIM Version** to **2.0**.',
    'Set **Authentication Method** to **OAuth 2 Bearer Token**, paste {token} as the access token, and set **Auth Type Header** to **Bearer**.',
    'Click **Test Connection**; PingOne shows **Connection Successful**. Click **Continue**.',
    'In the connection\'s preferences, set **User Identifier** as shown below (PingOne builds the **User Filter Expression** from it), and choose to disable, not delete, users who are removed, so they stay on the roster as deactivated. Click **Finish**, then use the toggle to enable the connection.',
    'Create an outbound provisioning **rule** for this connection: its **User Filter** selects who is provisioned; check the attribute mapping against the table below; in its group provisioning section choose any groups to push. Enable the rule.',
  ],
  matchSetting: 'User Identifier',
  matchOn: {
    userName: '`userName` (PingOne **Username**); the default **User Filter Expression** `username Eq "%s"` is right.',
    email: '`userName`, as for any list; this roster is keyed on the work email, which PingOne sends from **Email Address**.',
    employeeNumber: `\`userName\`, as for any list; also map PingOne's **Employee Number** to \`${ENTERPRISE}:employeeNumber\` in the rule's attribute mapping: this roster is keyed on it.`,
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
  checkedAgainst: [
    'https://docs.pingidentity.com/r/en-us/pingone/pingone_create_provisioning_connection (Integrations → Provisioning, + → New Connection, Identity Store, SCIM tile → Select, Authentication step, SCIM Base URL, Users Resource, SCIM Version, Authentication Method, Auth Type Header: Bearer, Test Connection → Connection Successful, Continue, Finish, the toggle)',
    'https://docs.pingidentity.com/pingone/integrations/p1_scim_filter_expressions.html (User Identifier, User Filter Expression `username Eq "%s"`)',
    'https://docs.pingidentity.com/pingone/integrations/p1_scim_provisioning_features.html (OAuth 2 bearer token, configurable deprovisioning actions)',
    'https://docs.pingidentity.com/pingone/integrations/p1_provisioning_outbound_group_provisioning.html (a rule\'s User Filter and group provisioning section)',
    'The names of the "disable rather than delete" setting and of PingOne\'s user attributes were not found on a Ping page; they are described, not quoted.',
  ],
};

const onelogin: GuideDefinition = {
  key: 'onelogin', title: 'OneLogin', tokenLabel: 'OneLogin', console: 'OneLogin Administration',
  steps: [
    'In OneLogin Administration, go to **Applications → Applications** and click **Add App**. Search for **SCIM Provisioner with SAML (SCIM v2 Enterprise)**, select it, name it and click **Save**.',
    'On the app\'s **Configuration** tab, in **SCIM Base URL**, paste `{base}`.',
    'In **SCIM Bearer Token**, paste {token}.',
    'Under **API Connection**, click **Enable**; the status turns to **Enabled**. Click **Save**.',
    'On the **Provisioning** tab, tick **Enable provisioning**. Under **Require admin approval before this action is performed**, untick **Create user**, **Delete user** and **Update user** unless you want to approve each change. For users deleted in OneLogin, choose **Suspend** to keep them on the roster as deactivated. Click **Save**.',
    'On the **Parameters** tab, set **SCIM Username** as shown below and check the attributes in the table.',
    'On the **Access** tab, tick the roles whose people belong on this roster (or assign the app to people one by one under **Users → a user → Applications**). Click **Save**.',
  ],
  matchSetting: 'SCIM Username (Parameters tab)',
  matchOn: {
    userName: '**Username** (or **Email**): Muster matches people on `userName`.',
    email: '**Email**; the roster is keyed on the work email, which OneLogin sends from **Email**.',
    employeeNumber: `**Username** or **Email**, as for any list; and on the **Parameters** tab add a parameter named \`${ENTERPRISE}:employeeNumber\` (tick **Include in User Provisioning**) fed by **Employee ID**, which this roster is keyed on.`,
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
  checkedAgainst: [
    'No OneLogin (One Identity) page on SCIM provisioner set-up was found in the reference corpus. The words follow third-party guides that quote the console: https://www.livingsecurity.com/migration/support/configuring-scim-for-onelogin (SCIM Provisioner with SAML (SCIM v2 Enterprise), Configuration: SCIM Base URL, SCIM Bearer Token; Parameters: SCIM username; Provisioning: Enable Provisioning), https://intercom.help/lessonly/en/articles/3666593-onelogin-scim-configuration (Applications → Add App, API Status → Enable, Require admin approval before this action, Access → Roles, Users → Provisioning, the app\'s Users tab), https://vpn-documentation.in4it.com/scim (Enable provisioning, the three approval boxes).',
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
  checkedAgainst: [
    'https://jumpcloud.com/support/provision-and-manage-users-and-groups-in-apps-using-custom-scim-identity-management-integration (JumpCloud Admin Portal, the Identity Management tab, SCIM 1.1 or 2.0 with an API key or bearer token, the test user you provide and the test user and group created then deleted); its step-by-step section was not in the reference corpus.',
    'https://jumpcloud.com/support/get-started-identity-management-connectors (Base URL, Token Key)',
    'Field and button names below the tab (Base URL, Token Key, Test User Email, Enable management of User Groups and Group Membership, Test Connection, Activate, User Groups tab) are confirmed by third-party guides quoting the console: https://boxyhq.com/docs/directory-sync/providers/jumpcloud, https://help.kisi.io/marketplace/identity_management/scim/jumpcloud, https://docs.byo.propelauth.com/scim/example-setup-guides/jumpcloud.',
  ],
};

const google: GuideDefinition = {
  key: 'google-workspace', title: 'Google Workspace', tokenLabel: 'Google Workspace', console: 'Google Admin console',
  steps: [
    'In the Google Admin console, go to **Apps → Web and mobile apps** and open the app that will provision this roster. Google provisions only apps of its catalog that support automated provisioning, and the app must first be set up for single sign-on with Google.',
    'Click **Auto-provisioning**, then **Configure auto-provisioning**.',
    'Paste {token} as the access token, and `{base}` as the endpoint URL where the app asks for one. Click **Continue**.',
    'Check the attribute mapping and click **Continue**.',
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
  checkedAgainst: [
    'https://support.google.com/a/answer/7681608 ("About automated user provisioning": supported catalog apps only, SSO with Google first, users synced every few hours; active, suspended and deleted users)',
    'Google documents the auto-provisioning screens (Configure auto-provisioning, attribute mapping, group scope, Deprovisioning) per catalog app; no such page was in the reference corpus, so those words are Google\'s usual ones, not checked against a page.',
  ],
};

const rippling: GuideDefinition = {
  key: 'rippling', title: 'Rippling', tokenLabel: 'Rippling', console: 'Rippling admin dashboard',
  steps: [
    'In the Rippling admin dashboard, go to **IT → Third-Party Access**, click **Add Integration**, then **Create New Custom Integration** (in older dashboards: **Custom App** under **Identity Management**, then **Create New App**).',
    'Enter the name, choose its **Categories**, upload a logo, select **User Management via SCIM** and click **Continue**.',
    'Set **SCIM Version** to **2.0** and paste `{base}` in **SCIM base URL**.',
    'Set **SCIM Authorization Method** to **Bearer Token**. Tick **Supports Pagination**, and **Supports Groups** if you want groups.',
    'Under **Supported SCIM Attributes**, add the attributes named below and in the table. Click **Install now** and choose **Yes, I\'ll install this integration**.',
    'When Rippling asks for the bearer token, paste {token}.',
    'Set the **App Access Rules** (who gets the app: everyone, or a department or group) and the **Provision Time**; under **Attribute Mappings**, set each attribute\'s cadence to **On user creation and updates**, and finish.',
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
  checkedAgainst: [
    'No Rippling page on custom SCIM apps was found in the reference corpus. The words follow third-party guides that quote the console: https://help.kombo.dev/hc/en-us/articles/35612530773521-Rippling-SCIM-How-do-I-link-my-account (IT → Third-Party Access → Add Integration → Create New Custom Integration, Categories, User Management via SCIM, SCIM Version, SCIM base URL, SCIM Authorization Method: Bearer Token, Supports Groups, Supports Pagination, Supported SCIM Attributes, Install now, App Access Rules, Provision Time, Attribute Mappings cadence) and https://workos.com/docs/integrations/rippling-scim (Custom App under Identity Management, Create New App).',
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
export function renderGuide(g: GuideDefinition, list: GuideList, tokenHere: string, uidStep?: string): RenderedGuide {
  const step = uidStep ?? g.uidStep?.[list.uid] ?? '';
  const fill = (t: string): string => t.replaceAll('{uidStep}', step).replaceAll('{base}', list.baseUrl).replaceAll('{token}', tokenHere).replaceAll('{idp}', g.title);
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
const UIDS = ['userName', 'email', 'employeeNumber'] as const;

export const UID_WORDS: Readonly<Record<UidAttribute, string>> = { userName: 'username', email: 'work email', employeeNumber: 'employee number' };

export const DOCS_BASE_URL = 'https://<your-muster>/scim/v2/lists/<listId>';
export const DOCS_BEGIN = '<!-- BEGIN generated from src/lists/idp-guides.ts (UPDATE_IDP_GUIDES=1 npx vitest run test/idp-guides.test.ts rewrites it) -->';
export const DOCS_END = '<!-- END generated -->';

/**
 * The engineer's copy for docs/idps/<idp>.md: the same steps and tables as the web app shows,
 * with placeholders, the token from the CLI, and "match users on" for each unique identifier.
 */
export function docsGuide(g: GuideDefinition, mapping: GuideList['mapping']): string {
  const token = `a token labelled "${g.tokenLabel}" (the web app's guide creates one with one click; from a terminal: \`muster tokens create --list <listId> --label "${g.tokenLabel}"\`)`;
  // The step that depends on the unique identifier: the web app shows the one sentence for its list; here, all three.
  const uidStep = g.uidStep
    ? ['It depends on the list\'s unique identifier:', ...UIDS.map((u) => `   - Keyed on **${UID_WORDS[u]}**: ${g.uidStep![u].replaceAll('{idp}', g.title)}`)].join('\n')
    : undefined;
  const inApp = renderGuide(g, { baseUrl: DOCS_BASE_URL, uid: 'userName', mapping }, token, uidStep).markdown;
  const match = UIDS.map((u) => `- List keyed on **${UID_WORDS[u]}** (\`--uid ${u}\`): ${renderGuide(g, { baseUrl: DOCS_BASE_URL, uid: u, mapping: [] }, token).markdown.split('\n').find((l) => l.startsWith(`**${g.matchSetting}**`))}`);
  const lines = inApp.split('\n');
  const at = lines.indexOf('### Match users on');
  const next = lines.indexOf('### Attribute mapping');
  const checked = ['### Console words checked against', '', ...g.checkedAgainst.map((c) => `- ${c}`)];
  return [DOCS_BEGIN, '', ...lines.slice(0, at + 2), ...match, '', ...lines.slice(next), '', ...checked, '', DOCS_END].join('\n');
}
