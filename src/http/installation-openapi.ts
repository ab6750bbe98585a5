/** The installation owner's routes of the admin API's OpenAPI description (installation-routes.ts); merged into openapi.ts. */
const problem = { $ref: '#/components/responses/Problem' };
const ownerOnly = { description: 'not_installation_owner: only the installation\'s owner may' };

export const INSTALLATION_PATHS = {
  '/installation/wallets': {
    get: { summary: 'the installation\'s own Apple and Google Wallet credentials, which organisations without their own issue passes under (never the keys)', responses: { 200: { description: '{apple, google}' }, 403: ownerOnly } },
  },
  '/installation/apple-wallet': {
    put: {
      summary: 'set the installation\'s Apple Pass Type ID certificate: {certificate, privateKey} (PEM) or {p12, p12Password}, with wwdrCertificate; a new pass type identifier is refused while passes of the old one are live',
      responses: { 200: { description: 'the settings, metadata only' }, 400: problem, 403: ownerOnly, 409: { description: 'pass_type_in_use' } },
    },
    delete: { summary: 'remove the installation\'s Apple Wallet certificate', responses: { 204: { description: 'removed' }, 403: ownerOnly, 404: problem } },
  },
  '/installation/google-wallet': {
    put: { summary: 'set the installation\'s Google Wallet issuer id and service account key', responses: { 200: { description: 'the settings, without the key' }, 400: problem, 403: ownerOnly } },
    delete: { summary: 'remove the installation\'s Google Wallet issuer account', responses: { 204: { description: 'removed' }, 403: ownerOnly, 404: problem } },
  },
  '/installation/security-events': {
    get: { summary: 'the installation\'s security log: its wallet credentials set and removed, by whom', parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', maximum: 500 } }], responses: { 200: { description: '{events, next}' }, 403: ownerOnly } },
  },
} as const;
