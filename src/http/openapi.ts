/** The admin API's OpenAPI 3.1 description, served at /api/v1/openapi.json. Keep it in step with admin-routes.ts (a test checks every route is described). */
const problem = { $ref: '#/components/responses/Problem' };
const listId = { name: 'listId', in: 'path', required: true, schema: { type: 'string' } };
const filters = [
  { name: 'action', in: 'query', description: 'comma-separated actions, e.g. person.created,person.deactivated', schema: { type: 'string' } },
  { name: 'person', in: 'query', description: 'the id of the person or group the events touched', schema: { type: 'string' } },
  { name: 'idp', in: 'query', description: 'the IdP that sent the change, e.g. Okta or Microsoft Entra ID', schema: { type: 'string' } },
  { name: 'since', in: 'query', description: 'events at or after this time (ISO 8601)', schema: { type: 'string', format: 'date-time' } },
  { name: 'until', in: 'query', description: 'events before this time (ISO 8601)', schema: { type: 'string', format: 'date-time' } },
];

export const OPENAPI = {
  openapi: '3.1.0',
  info: { title: 'Muster admin API', version: '1', description: 'Lists, the provisioning audit trail and the request log. Authenticate with an admin API key: `Authorization: Bearer mst_admin_…` (muster admin-keys create).' },
  servers: [{ url: '/api/v1' }],
  security: [{ adminKey: [] }],
  components: {
    securitySchemes: { adminKey: { type: 'http', scheme: 'bearer', description: 'an admin API key of one organisation' } },
    responses: {
      Problem: { description: 'an error', content: { 'application/json': { schema: { type: 'object', required: ['error', 'detail'], properties: { error: { type: 'string' }, detail: { type: 'string' } } } } } },
    },
    schemas: {
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
    '/lists': { get: { summary: 'the organisation\'s lists', responses: { 200: { description: 'lists' }, 401: problem } } },
    '/lists/{listId}/audit/events': {
      get: {
        summary: 'search the audit trail, newest first, with a keyset cursor',
        parameters: [listId, ...filters,
          { name: 'cursor', in: 'query', schema: { type: 'integer' }, description: 'the `next` value of the previous page' },
          { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          { name: 'order', in: 'query', schema: { type: 'string', enum: ['desc', 'asc'], default: 'desc' } }],
        responses: { 200: { description: '{events: AuditEvent[], next: integer|null}' }, 400: problem, 401: problem, 404: problem },
      },
    },
    '/lists/{listId}/audit/export': {
      get: {
        summary: 'stream every matching event, oldest first',
        parameters: [listId, ...filters, { name: 'format', in: 'query', schema: { type: 'string', enum: ['jsonl', 'csv'], default: 'jsonl' } }],
        responses: { 200: { description: 'application/x-ndjson or text/csv, streamed' }, 400: problem, 401: problem, 404: problem },
      },
    },
    '/lists/{listId}/audit/verify': {
      get: { summary: 'verify the list\'s hash chain', parameters: [listId], responses: { 200: { description: '{ok, checked, firstBad?}' }, 401: problem, 404: problem } },
    },
    '/lists/{listId}/request-log': {
      get: {
        summary: 'the troubleshooting request log, newest first (bodies with secrets redacted)',
        parameters: [listId,
          { name: 'failed', in: 'query', schema: { type: 'boolean' } }, { name: 'requestId', in: 'query', schema: { type: 'string' } },
          { name: 'cursor', in: 'query', schema: { type: 'integer' } }, { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 500 } }],
        responses: { 200: { description: '{requests, next}' }, 400: problem, 401: problem, 404: problem },
      },
    },
  },
} as const;
