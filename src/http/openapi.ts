import { EMAIL_PATHS } from './email-openapi.js';
import { INSTALLATION_PATHS } from './installation-openapi.js';
import { CAMPAIGN_PATHS } from './campaign-openapi.js';
import { WEBHOOK_PATHS } from './webhook-openapi.js';

/** The admin API's OpenAPI 3.1 description, served at /api/v1/openapi.json. Keep it in step with admin-routes.ts (a test checks every route is described). */
const problem = { $ref: '#/components/responses/Problem' };
const listId = { name: 'listId', in: 'path', required: true, schema: { type: 'string' } };
const fieldKey = { name: 'key', in: 'path', required: true, schema: { type: 'string' } };
const filters = [
  { name: 'action', in: 'query', description: 'comma-separated actions, e.g. person.created,person.deactivated', schema: { type: 'string' } },
  { name: 'person', in: 'query', description: 'a person\'s name, email, identifier or id (every word must match, as the People search does), or a group\'s id: their events, credential and card events included', schema: { type: 'string', maxLength: 200 } },
  { name: 'personId', in: 'query', description: 'exactly this person (or group) id: every event about them, their credentials\' and card prints\' included', schema: { type: 'string', maxLength: 200 } },
  { name: 'idp', in: 'query', description: 'the IdP that sent the change, e.g. Okta or Microsoft Entra ID (any case)', schema: { type: 'string' } },
  { name: 'event', in: 'query', description: 'one event, by its number in the chain (seq)', schema: { type: 'integer', minimum: 1 } },
  { name: 'since', in: 'query', description: 'events at or after this time (ISO 8601)', schema: { type: 'string', format: 'date-time' } },
  { name: 'until', in: 'query', description: 'events before this time (ISO 8601)', schema: { type: 'string', format: 'date-time' } },
];

export const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'Muster admin API', version: '1', description: 'Lists, the provisioning audit trail and the request log. Authenticate with an admin API key: `Authorization: Bearer mst_admin_…` (muster admin-keys create).' },
  servers: [{ url: '/api/v1' }],
  security: [{ adminKey: [] }, { session: [], csrf: [] }],
  components: {
    securitySchemes: {
      adminKey: { type: 'http', scheme: 'bearer', description: 'an admin API key of one organisation (acts as the admin role; cannot manage accounts)' },
      session: { type: 'apiKey', in: 'cookie', name: 'muster_session', description: 'the web app\'s session (POST /auth/sign-in); HttpOnly, SameSite=Strict' },
      csrf: { type: 'apiKey', in: 'header', name: 'x-csrf-token', description: 'required with the session cookie on POST, PUT, PATCH and DELETE: the csrfToken of /auth/session' },
    },
    responses: {
      Problem: { description: 'an error', content: { 'application/json': { schema: { type: 'object', required: ['error', 'detail'], properties: { error: { type: 'string' }, detail: { type: 'string' } } } } } },
    },
    schemas: {
      RosterField: {
        type: 'object', required: ['key', 'label', 'type'],
        properties: {
          key: { type: 'string', pattern: '^[a-z][a-z0-9_]{0,62}$' }, label: { type: 'string' },
          type: { type: 'string', enum: ['text', 'number', 'email', 'phone', 'date', 'boolean', 'dropdown', 'reference'] },
          options: { type: 'array', items: { type: 'string' } }, required: { type: 'boolean' }, unique: { type: 'boolean', readOnly: true },
        },
      },
      MappingEntry: {
        type: 'object', required: ['field'],
        properties: {
          source: { type: 'string', description: 'a SCIM path: title, name.givenName, emails[type eq "work"].value, urn:…:User:attr' },
          field: { type: 'string' }, transform: { type: 'string', enum: ['copy', 'trim', 'lower', 'upper', 'template'] },
          template: { type: 'string', description: 'for template: "{name.givenName} {name.familyName}"' },
        },
      },
      AuditEvent: {
        type: 'object',
        properties: {
          id: { type: 'integer' }, seq: { type: 'integer', description: 'position in the list\'s hash chain' }, time: { type: 'string', format: 'date-time' },
          action: { type: 'string' }, target: { type: ['object', 'null'] },
          changes: { type: 'array', items: { type: 'object', properties: { field: { type: 'string' }, before: {}, after: {} } } },
          detail: {}, requestId: { type: ['string', 'null'] }, actor: { type: 'string' }, token: { type: ['object', 'null'] },
          idp: { type: ['object', 'null'], properties: { name: { type: 'string' }, evidence: { type: 'string' } } },
          normalisations: { type: 'array', items: { type: 'string' } }, prevHash: { type: 'string' }, hash: { type: 'string' },
        },
      },
    },
  },
  paths: {
    '/auth/session': { get: { summary: 'the signed-in admin, organisation and CSRF token; setupRequired while no account exists', security: [], responses: { 200: { description: '{setupRequired, admin, organisation, csrfToken}' } } } },
    '/auth/setup': {
      post: {
        summary: 'first run: create the owner account (and name the organisation); refused once any account exists', security: [],
        requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['organisation', 'name', 'email', 'password'], properties: { organisation: { type: 'string' }, name: { type: 'string' }, email: { type: 'string' }, password: { type: 'string', minLength: 12, writeOnly: true } } } } } },
        responses: { 201: { description: 'the session (sets the cookie)' }, 400: problem, 403: problem, 409: problem },
      },
    },
    '/auth/sign-in': {
      post: {
        summary: 'sign in; 10 failures in a row lock the account for 15 minutes', security: [],
        requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['email', 'password'], properties: { email: { type: 'string' }, password: { type: 'string', writeOnly: true } } } } } },
        responses: { 200: { description: 'the session (sets the cookie)' }, 401: problem, 403: problem, 429: problem },
      },
    },
    '/auth/sign-out': { post: { summary: 'end this session', security: [], responses: { 204: { description: 'signed out' } } } },
    '/auth/sso/discover': {
      post: {
        summary: 'which identity provider signs in this email address (by domain) or this organisation (a sign-in link\'s org); docs/sso.md', security: [],
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { email: { type: 'string' }, org: { type: 'string' } } } } } },
        responses: { 200: { description: '{sso: {orgId, name, passwordsOff} | null}' }, 403: problem, 429: problem },
      },
    },
    '/auth/sso/start': {
      get: {
        summary: 'a browser navigation: starts sign-in with the organisation\'s OpenID Connect provider (code flow, PKCE, state, nonce)', security: [],
        parameters: [{ name: 'org', in: 'query', required: true, schema: { type: 'string' } }, { name: 'login_hint', in: 'query', schema: { type: 'string' } }],
        responses: { 303: { description: 'to the provider\'s authorization endpoint, or to /?sso_error=<code> (docs/errors.md)' } },
      },
    },
    '/auth/sso/callback': {
      get: {
        summary: 'the redirect URI registered at the provider: checks state (once, this browser), the ID token (openid-client), the organisation\'s rules, then signs in', security: [],
        responses: { 303: { description: 'to / with a session cookie, or to /?sso_error=<code> (docs/errors.md)' } },
      },
    },
    '/admins': {
      get: { summary: 'the organisation\'s admin accounts', responses: { 200: { description: '{admins}' }, 401: problem } },
      post: {
        summary: 'create an account (owners only)',
        requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['email', 'name', 'password'], properties: { email: { type: 'string' }, name: { type: 'string' }, role: { type: 'string', enum: ['owner', 'admin', 'viewer'] }, password: { type: 'string', minLength: 12, writeOnly: true } } } } } },
        responses: { 201: { description: 'the account' }, 400: problem, 403: problem, 409: problem },
      },
    },
    '/sso': {
      get: { summary: 'the organisation\'s single sign-on connection (never the client secret), the redirect URI to register and the sign-in link', responses: { 200: { description: '{configured, displayName, issuer, clientId, allowedDomains, groupClaim, groupRoles, defaultRole, passwordsOff, redirectUri, signInUrl}' }, 401: problem } },
      put: {
        summary: 'set the OpenID Connect connection (owners only); the client secret is sealed with the installation\'s key and may be omitted to keep it',
        requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['displayName', 'issuer', 'clientId'], properties: {
          displayName: { type: 'string' }, issuer: { type: 'string', format: 'uri' }, clientId: { type: 'string' }, clientSecret: { type: 'string', writeOnly: true },
          allowedDomains: { type: 'array', items: { type: 'string' } }, groupClaim: { type: 'string', nullable: true },
          groupRoles: { type: 'array', items: { type: 'object', properties: { group: { type: 'string' }, role: { type: 'string', enum: ['owner', 'admin', 'viewer'] } } } },
          defaultRole: { type: 'string', enum: ['owner', 'admin', 'viewer'] }, passwordsOff: { type: 'boolean' },
        } } } } },
        responses: { 200: { description: 'the connection' }, 400: problem, 403: problem, 409: problem },
      },
      delete: { summary: 'remove the connection (owners only): passwords work again', responses: { 204: { description: 'removed' }, 403: problem, 404: problem } },
    },
    '/security-events': {
      get: {
        summary: 'the organisation\'s security log, newest first: sign-ins, failed sign-ins, sign-ins slowed from an address, sign-outs, account and admin-key changes (owners and admins)',
        parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', maximum: 500 } }, { name: 'cursor', in: 'query', schema: { type: 'integer' }, description: 'the `next` of the previous page' }],
        responses: { 200: { description: '{events: [{id, time, action, actor, target, detail, address}], next}' }, 403: problem },
      },
    },
    '/events': {
      get: {
        summary: 'the organisation\'s domain events after a cursor, oldest first (docs/events.md): person.created, person.updated (roster fields before/after), person.deactivated, credential.status_changed, …; a system that was down pages on from its last `next` and misses nothing. 410 `events_cursor_expired` once `after` is older than retention (MUSTER_EVENTS_RETENTION_DAYS, 30 days)',
        parameters: [
          { name: 'after', in: 'query', schema: { type: 'integer', minimum: 0 }, description: 'the `next` of the previous page (0 or absent: from the oldest event kept)' },
          { name: 'type', in: 'query', schema: { type: 'array', items: { type: 'string' } }, style: 'form', explode: true, description: 'keep only these event types (repeat it, or separate with commas)' },
          { name: 'list', in: 'query', schema: { type: 'string' }, description: 'keep only the events of this list' },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000 }, description: 'at most this many events (default 100)' },
        ],
        responses: {
          200: { description: '{events: [{id, orgId, seq, listId, type, subject, occurredAt, payload}], next}: `id` increases in commit order; `seq` is per organisation and gap-free; `next` is the cursor to send as `after` (the same `after` when nothing is new)' },
          400: problem, 404: problem, 410: problem,
        },
      },
    },
    '/admins/{adminId}': {
      patch: { summary: 'change an account\'s role (owners only; the last owner stays owner)', parameters: [{ name: 'adminId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'the account' }, 403: problem, 404: problem, 409: problem } },
      delete: { summary: 'remove an account and its sessions (owners only; not yourself, not the last owner)', parameters: [{ name: 'adminId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 204: { description: 'removed' }, 403: problem, 404: problem, 409: problem } },
    },
    '/lists': {
      get: { summary: 'the organisation\'s lists with Total, Active and Synced counts and, for lists that use SCIM, their SCIM base URL (`scimBaseUrl` is null for lists synced from Entra ID or with no sync)', responses: { 200: { description: 'lists' }, 401: problem } },
      post: {
        summary: 'create a list; syncMethod scim (the default, "automated provisioning") sets up the default schema and answers the first token, once',
        requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, uidAttribute: { type: 'string', enum: ['employeeNumber', 'userName', 'email'] }, syncMethod: { type: 'string', enum: ['scim', 'none'] }, externalIdUnique: { type: 'boolean' } } } } } },
        responses: { 201: { description: '{list, token: {id, label, secret} | null}' }, 400: problem, 403: problem },
      },
    },
    '/lists/{listId}/people/{personId}/credentials': {
      get: { summary: 'a person\'s credentials with their status and verification URL (the QR code\'s target), and `issue`: per kind (card, apple_pass, google_pass) whether it can be issued now ({available, source: organisation|installation|null, reason, setupUrl})', parameters: [listId, { name: 'personId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: '{credentials, issue}' }, 404: problem } },
      post: {
        summary: 'issue a credential to an active person: a printed card, an Apple Wallet pass (needs the organisation\'s Apple Wallet settings, or the installation\'s), or a Google Wallet pass (answers google.saveUrl, the "Save to Google Wallet" link); it is revoked when the IdP deactivates them',
        parameters: [listId, { name: 'personId', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { kind: { type: 'string', enum: ['card', 'apple_pass', 'google_pass'] } } } } } },
        responses: { 201: { description: 'the credential; a google_pass adds google: {objectId, classId, state, syncedAt, lastError, saveUrl}' }, 404: problem, 409: problem },
      },
    },
    '/apple-wallet': {
      get: { summary: 'the organisation\'s Apple Wallet settings: identifiers and certificate metadata (subject, expiry, fingerprint) with warnings when a certificate expires within 30 days; never the key', responses: { 200: { description: '{configured, passTypeIdentifier, teamIdentifier, organizationName, certificate, wwdrCertificate, warnings}' }, 401: problem } },
      put: {
        summary: 'set the Pass Type ID certificate and key (PEM, or a .p12 in base64 with its password) and Apple\'s WWDR intermediate; stored encrypted. Without a certificate, changes the names only',
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: {
          passTypeIdentifier: { type: 'string', description: 'defaults to the certificate\'s UID' }, teamIdentifier: { type: 'string', description: 'defaults to the certificate\'s OU' }, organizationName: { type: 'string' },
          certificate: { type: 'string', writeOnly: true, description: 'PEM or base64 of PEM' }, privateKey: { type: 'string', writeOnly: true, description: 'unencrypted PEM or base64 of PEM' },
          p12: { type: 'string', writeOnly: true, description: 'base64 of the .p12 Keychain Access exports' }, p12Password: { type: 'string', writeOnly: true }, wwdrCertificate: { type: 'string', description: 'PEM or base64 of PEM' },
        } } } } },
        responses: { 200: { description: 'the settings as GET shows them' }, 400: problem, 403: problem },
      },
      delete: { summary: 'remove the Apple Wallet settings and certificate; passes can no longer be built nor pushed', responses: { 204: { description: 'removed' }, 403: problem, 404: problem } },
    },
    '/lists/{listId}/credentials/{credentialId}/pkpass': {
      get: { summary: 'the current .pkpass of an apple_pass credential (voided when the credential is revoked or suspended); not for viewers (it carries the pass\'s authentication token)', parameters: [listId, { name: 'credentialId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'application/vnd.apple.pkpass' }, 403: problem, 404: problem, 409: problem } },
    },
    '/lists/{listId}/credentials/{credentialId}/pkpass-link': {
      post: {
        summary: 'a signed, expiring link the holder opens on their iPhone to add the pass (default 72 hours)',
        parameters: [listId, { name: 'credentialId', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { ttlHours: { type: 'integer', minimum: 1, maximum: 720 } } } } } },
        responses: { 201: { description: '{url, expiresAt}' }, 400: problem, 404: problem },
      },
    },
    '/wallet-branding': {
      get: { summary: 'the organisation\'s colours and logo on its wallet passes (its name comes from the organisation)', responses: { 200: { description: '{backgroundColor, foregroundColor, logoUrl, logoImage, updatedAt}' }, 401: problem } },
      put: {
        summary: 'set the organisation\'s colours and logo on its wallet passes, whoever\'s credentials sign them (its own or the installation\'s)',
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: {
          backgroundColor: { type: 'string', pattern: '^#[0-9a-fA-F]{6}$' }, foregroundColor: { type: 'string', pattern: '^#[0-9a-fA-F]{6}$' }, logoUrl: { type: 'string', format: 'uri', description: 'https; Google fetches it' },
          logo: { type: ['string', 'null'], description: 'a PNG or JPEG image, base64, up to 1 MB: Apple passes carry it as logo.png/logo@2x.png; left out, the image is kept; null removes it' },
        } } } } },
        responses: { 200: { description: 'the branding as GET shows it' }, 400: problem, 403: problem },
      },
    },
    '/lists/{listId}/people/{personId}/wallet-links': {
      get: {
        summary: 'the links that add the person\'s newest valid Apple and Google passes to their wallets (the Apple download link, 72 hours; Google\'s "Save" link); null for a kind without a valid pass; not for viewers',
        parameters: [listId, { name: 'personId', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: '{apple: {credentialId, url, expiresAt} | null, google: {credentialId, saveUrl} | null}' }, 403: problem, 404: problem },
      },
    },
    '/capture-settings': {
      get: { summary: 'the organisation\'s capture session settings', responses: { 200: { description: '{approveOnCapture}' }, 401: problem } },
      put: {
        summary: 'whether a photo an admin takes in a capture session is approved in the same step (off by default); the change is in the audit trail',
        requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['approveOnCapture'], properties: { approveOnCapture: { type: 'boolean' } } } } } },
        responses: { 200: { description: '{approveOnCapture}' }, 400: problem, 403: problem },
      },
    },
    '/lists/{listId}/capture/people': {
      get: {
        summary: 'capture session search: people by name, email, identifier, or the value a card\'s barcode holds (a verification URL or code finds its holder), with their current photo (approved, pending or null)',
        parameters: [listId, { name: 'q', in: 'query', required: true, schema: { type: 'string' } }],
        responses: { 200: { description: '{people: [{id, userName, active, fields, photo, matchedBy: barcode|exact|search}]}' }, 400: problem },
      },
    },
    '/google-wallet': {
      get: { summary: 'the organisation\'s Google Wallet settings: issuer id, class id, the service account\'s email and key id (never the key), endpoints', responses: { 200: { description: '{configured, …}' }, 401: problem } },
      put: {
        summary: 'set up Google Wallet for the organisation (owner or admin): the issuer id and the service account key JSON, stored encrypted with the installation\'s secret key',
        requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['issuerId', 'serviceAccountKey'], properties: {
          issuerId: { type: 'string', pattern: '^[0-9]+$' }, serviceAccountKey: { description: 'the key file\'s JSON (object or text)', oneOf: [{ type: 'object' }, { type: 'string' }] },
          classSuffix: { type: 'string', default: 'muster-id' }, tokenUrl: { type: 'string', description: 'only with MUSTER_GOOGLE_WALLET_CUSTOM_ENDPOINTS' }, apiUrl: { type: 'string', description: 'only with MUSTER_GOOGLE_WALLET_CUSTOM_ENDPOINTS' },
          logoUrl: { type: 'string', format: 'uri' }, heroImageUrl: { type: 'string', format: 'uri' }, backgroundColor: { type: 'string', pattern: '^#[0-9a-fA-F]{6}$' },
        } } } } },
        responses: { 200: { description: 'the settings as GET shows them' }, 400: problem, 403: problem },
      },
      delete: { summary: 'remove the Google Wallet settings and the stored key (passes already saved stay in wallets; their updates wait until it is set up again)', responses: { 204: { description: 'removed' }, 404: problem } },
    },
    '/lists/{listId}/credentials/{credentialId}/{action}': {
      post: {
        summary: 'suspend, revoke (for good) or reinstate a credential; an optional {"reason"} is kept in the audit trail',
        parameters: [listId, { name: 'credentialId', in: 'path', required: true, schema: { type: 'string' } }, { name: 'action', in: 'path', required: true, schema: { type: 'string', enum: ['suspend', 'revoke', 'reinstate'] } }],
        responses: { 200: { description: 'the credential' }, 404: problem, 409: problem },
      },
    },
    '/lists/{listId}/people/{personId}/photo': {
      get: { summary: 'the person\'s approved photo (JPEG)', parameters: [listId, { name: 'personId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'image/jpeg' }, 404: problem } },
      post: {
        summary: 'upload a photo for the person (the image as the body); it is checked (size, light, focus, exactly one face), cropped 3:4 and waits for review',
        parameters: [listId, { name: 'personId', in: 'path', required: true, schema: { type: 'string' } }, { name: 'source', in: 'query', schema: { type: 'string', enum: ['admin', 'capture'] } }, { name: 'approve', in: 'query', schema: { type: 'boolean' }, description: 'with source=capture: approve it in the same step (the organisation\'s approveOnCapture must be on; 409 capture_approval_off otherwise)' }],
        requestBody: { content: { 'image/jpeg': {}, 'image/png': {}, 'image/webp': {}, 'image/avif': {} } },
        responses: { 201: { description: 'the photo, pending review' }, 413: problem, 422: { description: '{error: photo_rejected, detail, problems: [{code, message}]}' } },
      },
    },
    '/lists/{listId}/people/{personId}/photos': { get: { summary: 'every photo of the person with its status and review', parameters: [listId, { name: 'personId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: '{photos}' }, 404: problem } } },
    '/lists/{listId}/people/{personId}/photo-link': {
      post: {
        summary: 'a self-upload link for the person (shown once): expires after `hours` (72), allows `attempts` tries (5), optionally asks for consent',
        parameters: [listId, { name: 'personId', in: 'path', required: true, schema: { type: 'string' } }],
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { hours: { type: 'integer', minimum: 1, maximum: 720 }, attempts: { type: 'integer', minimum: 1, maximum: 20 }, consentText: { type: 'string' } } } } } },
        responses: { 201: { description: '{url, expiresAt, attemptsLeft}' }, 400: problem, 404: problem },
      },
    },
    '/lists/{listId}/photos': {
      get: {
        summary: 'the review queue (status pending, oldest first) or photos in another status, with counts per status',
        parameters: [listId, { name: 'status', in: 'query', schema: { type: 'string', enum: ['pending', 'approved', 'rejected', 'superseded'] } }, { name: 'limit', in: 'query', schema: { type: 'integer' } }, { name: 'after', in: 'query', schema: { type: 'string' } }],
        responses: { 200: { description: '{photos, counts, next}' } },
      },
    },
    '/lists/{listId}/photos/approve': { post: { summary: 'approve many photos at once: {"ids": [...]}', parameters: [listId], responses: { 200: { description: '{approved, skipped}' }, 400: problem } } },
    '/lists/{listId}/photos/{photoId}/image': { get: { summary: 'a photo\'s image (JPEG), for review', parameters: [listId, { name: 'photoId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'image/jpeg' }, 404: problem } } },
    '/lists/{listId}/photos/{photoId}/{decision}': {
      post: {
        summary: 'approve or reject (with {"reason"}) a photo waiting for review; approving replaces the person\'s approved photo',
        parameters: [listId, { name: 'photoId', in: 'path', required: true, schema: { type: 'string' } }, { name: 'decision', in: 'path', required: true, schema: { type: 'string', enum: ['approve', 'reject'] } }],
        responses: { 200: { description: 'the photo' }, 400: problem, 404: problem, 409: problem },
      },
    },
    '/lists/{listId}/card-templates': {
      get: { summary: 'the list\'s CR80 card templates (a list without one gets the default staff card)', parameters: [listId], responses: { 200: { description: '{templates}' } } },
      post: { summary: 'save a new card template (docs/cards.md); every problem is reported at once', parameters: [listId], responses: { 201: { description: 'the template' }, 422: { description: '{error: invalid_template, detail, problems: [{path, message}]}' } } },
    },
    '/lists/{listId}/card-templates/preview': {
      post: { summary: 'a card (front and back) as PDF for one real person, with a saved template ({templateId}) or one being edited ({template}); issues nothing', parameters: [listId], responses: { 200: { description: 'application/pdf' }, 404: problem, 422: problem } },
    },
    '/lists/{listId}/card-templates/{templateId}': {
      get: { summary: 'one card template', parameters: [listId, { name: 'templateId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'the template' }, 404: problem } },
      put: { summary: 'replace a card template', parameters: [listId, { name: 'templateId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'the template' }, 404: problem, 422: problem } },
      delete: { summary: 'delete a card template (not the list\'s last one: 409 last_template)', parameters: [listId, { name: 'templateId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 204: { description: 'deleted' }, 404: problem, 409: problem } },
    },
    '/lists/{listId}/print-jobs': {
      post: {
        summary: 'print cards as a background job: the people named, or every active person with an approved photo; one card per page (card printers) or A4/Letter sheets with crop marks. Each printed person gets a card credential (reused unless reissue)',
        parameters: [listId],
        requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['templateId'], properties: { templateId: { type: 'string' }, layout: { type: 'string', enum: ['card', 'a4', 'letter'] }, sides: { type: 'string', enum: ['front', 'both'] }, personIds: { type: 'array', items: { type: 'string' } }, reissue: { type: 'boolean' } } } } } },
        responses: { 202: { description: 'the job; follow it at /lists/{listId}/jobs/{jobId}' }, 400: problem, 404: problem },
      },
    },
    '/lists/{listId}/print-jobs/{jobId}/pdf': { get: { summary: 'the print job\'s PDF once it is done', parameters: [listId, { name: 'jobId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'application/pdf' }, 404: problem, 409: problem } } },
    '/lists/{listId}/tokens': {
      get: { summary: 'the list\'s SCIM tokens: label, hint, created, last used, revoked (never the secret)', parameters: [listId], responses: { 200: { description: '{tokens}' }, 404: problem } },
      post: { summary: 'a new SCIM token, its secret shown once (rotation: create, then revoke the old one); 409 sync_method_conflict unless the list uses SCIM', parameters: [listId], requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { label: { type: 'string', maxLength: 100 } } } } } }, responses: { 201: { description: '{token, secret}' }, 409: problem } },
    },
    '/lists/{listId}/tokens/{tokenId}': {
      delete: { summary: 'revoke a SCIM token; the IdP using it gets 401 from then on', parameters: [listId, { name: 'tokenId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 204: { description: 'revoked' }, 404: problem } },
    },
    '/lists/{listId}': {
      get: { summary: 'one list with its Total, Active and Synced counts, and `scimBaseUrl` (null unless the list uses SCIM)', parameters: [listId], responses: { 200: { description: 'the list' }, 401: problem, 404: problem } },
      patch: {
        summary: 'rename a list, turn its strict mode on or off, set its sync method to none or scim (turning SCIM off revokes its tokens; turning it on answers its first token, once), or change its unique identifier while it has no people (409 uid_locked after)',
        parameters: [listId], requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { name: { type: 'string' }, strict: { type: 'boolean' }, syncMethod: { type: 'string', enum: ['none', 'scim'] }, uidAttribute: { type: 'string', enum: ['employeeNumber', 'userName', 'email'] } } } } } },
        responses: { 200: { description: 'the list' }, 400: problem, 404: problem, 409: problem },
      },
    },
    '/lists/{listId}/entra': {
      get: { summary: 'the list\'s Entra ID connection (never the secret), chosen groups by name (groups: [{id, displayName}]), schedule, last run, next run (never in the past: nextRunDue when a run is due now; running when one is queued or running), people in scope', parameters: [listId], responses: { 200: { description: 'connection' } } },
      put: {
        summary: 'connect the list to Entra ID (refused while it uses SCIM); the client secret is stored encrypted',
        parameters: [listId],
        requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['tenantId', 'clientId', 'clientSecret', 'groupIds'], properties: {
          tenantId: { type: 'string' }, clientId: { type: 'string' }, clientSecret: { type: 'string', writeOnly: true }, groupIds: { type: 'array', items: { type: 'string', format: 'uuid' }, maxItems: 50, description: 'Entra group object ids (GUIDs); their names are read from Graph' },
          schedule: { type: 'string', enum: ['manual', '15m', 'hourly', 'daily'] }, authorityUrl: { type: 'string' }, graphUrl: { type: 'string' },
          syncPhotos: { type: 'boolean', description: 'after each run, fetch Entra profile photos of people without one into the photo review queue' },
        } } } } },
        responses: { 200: { description: 'connection' }, 400: problem, 409: problem },
      },
    },
    '/lists/{listId}/entra/test': { post: { summary: 'Test connection: users and groups readable, or the missing permission (User.Read.All, GroupMember.Read.All)', parameters: [listId], responses: { 200: { description: '{ok, users, groups, missingPermissions, error?}' }, 404: problem } } },
    '/lists/{listId}/entra/groups': { get: { summary: 'groups whose name starts with `search`, for the scope picker', parameters: [listId, { name: 'search', in: 'query', schema: { type: 'string' } }], responses: { 200: { description: '{groups}' }, 502: problem } } },
    '/lists/{listId}/entra/runs': {
      get: { summary: 'sync runs, newest first, with progress and outcome', parameters: [listId], responses: { 200: { description: '{runs}' } } },
      post: { summary: 'Sync now: queue a run (or answer the one already queued or running)', parameters: [listId], responses: { 202: { description: 'Job' }, 404: problem } },
    },
    '/lists/{listId}/setup/{idp}': {
      get: {
        summary: 'the set-up guide for an IdP, with this list\'s SCIM base URL filled in',
        parameters: [listId, { name: 'idp', in: 'path', required: true, schema: { type: 'string', enum: ['okta', 'entra-id', 'pingone', 'onelogin', 'jumpcloud', 'google-workspace', 'rippling'] } }],
        responses: { 200: { description: '{idp, title, tokenLabel, markdown}' }, 404: problem },
      },
    },
    '/lists/{listId}/setup/{idp}/check': {
      get: {
        summary: 'the set-up guide\'s live check: without seq, request and time, where the list stands; with them, the SCIM operations and failed requests (in words) since',
        parameters: [listId, { name: 'idp', in: 'path', required: true, schema: { type: 'string' } },
          { name: 'seq', in: 'query', schema: { type: 'integer' } }, { name: 'request', in: 'query', schema: { type: 'integer' } }, { name: 'time', in: 'query', schema: { type: 'string', format: 'date-time' } }],
        responses: { 200: { description: '{since, requests, created, updated, deactivated, reactivated, deleted, groups, failed, failures[{time, method, status, scimType, what, fix}]}' }, 400: problem, 404: problem },
      },
    },
    '/lists/{listId}/fields': {
      get: { summary: 'the roster schema: typed fields', parameters: [listId], responses: { 200: { description: '{fields: RosterField[]}' }, 401: problem, 404: problem } },
      post: {
        summary: 'add a field (its key never changes); every person is re-derived by a job',
        parameters: [listId], requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/RosterField' } } } },
        responses: { 201: { description: '{field, jobId}' }, 400: problem, 409: problem },
      },
    },
    '/lists/{listId}/fields/{key}': {
      patch: { summary: 'change a field\'s label, type, options or required flag', parameters: [listId, fieldKey], responses: { 200: { description: '{field, jobId}' }, 400: problem, 404: problem } },
      delete: { summary: 'remove a field (not the unique identifier) and its mapping entries', parameters: [listId, fieldKey], responses: { 200: { description: '{jobId}' }, 400: problem, 404: problem } },
    },
    '/lists/{listId}/mapping': {
      get: { summary: 'the mapping from SCIM attribute paths to roster fields', parameters: [listId], responses: { 200: { description: '{entries: MappingEntry[], version}' } } },
      put: {
        summary: 'replace the mapping; answers 202 with the re-derivation job',
        parameters: [listId], requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { entries: { type: 'array', items: { $ref: '#/components/schemas/MappingEntry' } } } } } } },
        responses: { 202: { description: '{entries, job}' }, 400: problem },
      },
    },
    '/lists/{listId}/mapping/preview': {
      post: { summary: 'what a mapping (default: the saved one) makes of one person, without saving', parameters: [listId], responses: { 200: { description: '{values, problems}' }, 400: problem, 404: problem } },
    },
    '/lists/{listId}/jobs': { get: { summary: 'recent background jobs', parameters: [listId], responses: { 200: { description: '{jobs}' } } } },
    '/lists/{listId}/jobs/{jobId}': {
      get: { summary: 'a job\'s progress: status, done, total, percent', parameters: [listId, { name: 'jobId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'Job' }, 404: problem } },
    },
    '/lists/{listId}/attributes': {
      get: { summary: 'every attribute path the list has received, with a count, a sample value and whether it is mapped', parameters: [listId], responses: { 200: { description: '{attributes}' } } },
    },
    '/lists/{listId}/people': {
      get: {
        summary: 'the roster: people with their fields, photoStatus (none, pending, approved, rejected) and credentialStatus (none, valid, suspended, revoked), paged, sorted, searched and filtered, with the list\'s counts',
        parameters: [listId,
          { name: 'search', in: 'query', schema: { type: 'string' }, description: 'words that must all appear in some field' },
          { name: 'status', in: 'query', schema: { type: 'string', enum: ['active', 'deactivated'] } },
          { name: 'problems', in: 'query', schema: { type: 'boolean' }, description: 'only people with (true) or without (false) sync problems' },
          { name: 'photo', in: 'query', schema: { type: 'string', enum: ['none', 'pending'] }, description: 'none: no approved photo and none waiting for review; pending: a photo waits for approval' },
          { name: 'credential', in: 'query', schema: { type: 'string', enum: ['none', 'revoked'] }, description: 'none: no card issued yet; revoked: credentials, none of them valid or suspended' },
          { name: 'sort', in: 'query', schema: { type: 'string' }, description: 'a field key, created or lastModified' },
          { name: 'order', in: 'query', schema: { type: 'string', enum: ['asc', 'desc'] } },
          { name: 'offset', in: 'query', schema: { type: 'integer' } }, { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 500 } }],
        responses: { 200: { description: '{total, offset, people, counts}' }, 400: problem },
      },
    },
    '/lists/{listId}/import': {
      post: {
        summary: 'import people from CSV into a list without a sync method (header: field keys or labels; rows matched by the unique identifier)',
        parameters: [listId, { name: 'dryRun', in: 'query', schema: { type: 'boolean' }, description: 'report what would change, change nothing' }],
        requestBody: { content: { 'text/csv': { schema: { type: 'string' } } } },
        responses: { 200: { description: '{dryRun, rows, created, updated, unchanged, errors: [{row, column, value, problem}]}' }, 400: problem, 409: problem, 413: problem },
      },
    },
    '/lists/{listId}/people/export': { get: { summary: 'the roster as CSV, every field, streamed', parameters: [listId], responses: { 200: { description: 'text/csv' } } } },
    '/lists/{listId}/people/{personId}': {
      get: { summary: 'one person: fields (every field of the list, null when empty), photo and credential status, sync problems, last operation (`lastOperation`: the newest write of the person in the audit trail, null once retention dropped it), groups, references (the manager: {field, id, name, onList}) the SCIM resource, and `issue`: what can be issued to them now and why not', parameters: [listId, { name: 'personId', in: 'path', required: true, schema: { type: 'string' } }], responses: { 200: { description: 'Person' }, 404: problem } },
    },
    '/lists/{listId}/audit/events': {
      get: {
        summary: 'search the audit trail, newest first, with a keyset cursor',
        parameters: [listId, ...filters,
          { name: 'cursor', in: 'query', schema: { type: 'integer' }, description: 'the `next` value of the previous page' },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          { name: 'order', in: 'query', schema: { type: 'string', enum: ['desc', 'asc'], default: 'desc' } }],
        responses: { 200: { description: '{events: AuditEvent[], next: integer|null}; each event as stored (changes with their SCIM and roster paths) plus `words`: {title, changes: [{label, field, before, after, paths}], facts: [{label, text}]}, one change per roster field with the list\'s labels and values in words' }, 400: problem, 401: problem, 404: problem },
      },
    },
    '/lists/{listId}/audit/export': {
      get: {
        summary: 'stream every matching event, oldest first',
        parameters: [listId, ...filters, { name: 'format', in: 'query', schema: { type: 'string', enum: ['jsonl', 'csv'], default: 'jsonl' } }],
        responses: { 200: { description: 'application/x-ndjson (events as stored) or text/csv, streamed; CSV columns: seq, time, action, event, target_type, target_id, target_name, idp, idp_evidence, token_label, request_id, actor, changes ("Label: before → after", one per line), fields, change_paths (the raw stored paths, line for line), details, changes_json, detail_json, normalisations, hash' }, 400: problem, 401: problem, 404: problem },
      },
    },
    '/lists/{listId}/audit/verify': {
      get: { summary: 'verify the list\'s hash chain', parameters: [listId], responses: { 200: { description: '{ok, checked, firstBad?}' }, 401: problem, 404: problem } },
    },
    '/lists/{listId}/request-log': {
      get: {
        summary: 'the troubleshooting request log, newest first (bodies with secrets redacted; owners and admins, 403 for viewers)',
        parameters: [listId,
          { name: 'failed', in: 'query', schema: { type: 'boolean' } }, { name: 'requestId', in: 'query', schema: { type: 'string' } },
          { name: 'cursor', in: 'query', schema: { type: 'integer' } }, { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 500 } }],
        responses: { 200: { description: '{requests, next}' }, 400: problem, 401: problem, 404: problem },
      },
    },
    ...EMAIL_PATHS,
    ...INSTALLATION_PATHS,
    ...CAMPAIGN_PATHS,
    ...WEBHOOK_PATHS,
  },
} as const;
