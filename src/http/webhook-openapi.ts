/** The webhook routes of the admin API's OpenAPI description (webhook-routes.ts, docs/webhooks.md); merged into openapi.ts. */
const problem = { $ref: '#/components/responses/Problem' };
const endpointId = { name: 'endpointId', in: 'path', required: true, schema: { type: 'string' } };
const deliveryId = { name: 'deliveryId', in: 'path', required: true, schema: { type: 'string' } };
const endpointBody = {
  type: 'object',
  properties: {
    url: { type: 'string', format: 'uri', description: 'https:// (or http://, unencrypted); private and loopback addresses are refused unless the operator allows them' },
    eventTypes: { type: ['array', 'null'], items: { type: 'string' }, description: 'event types to receive (GET /webhooks/event-types); null: every type' },
    description: { type: 'string', maxLength: 200 },
    enabled: { type: 'boolean' },
  },
};
const endpoint = {
  type: 'object',
  properties: {
    id: { type: 'string' }, url: { type: 'string' }, description: { type: 'string' }, eventTypes: { type: ['array', 'null'], items: { type: 'string' } },
    enabled: { type: 'boolean' }, pausedAt: { type: ['string', 'null'], description: 'paused by Muster after failing for too long; resume by hand' }, pausedReason: { type: ['string', 'null'] },
    failingSince: { type: ['string', 'null'] }, pending: { type: 'integer' }, failed: { type: 'integer' }, previousSecretExpiresAt: { type: ['string', 'null'] }, createdAt: { type: 'string' }, updatedAt: { type: 'string' },
  },
};
const withSecret = { description: '{endpoint, secret}: the secret (whsec_…) is shown this once', content: { 'application/json': { schema: { type: 'object', properties: { endpoint, secret: { type: 'string' } } } } } };

export const WEBHOOK_PATHS = {
  '/webhooks/event-types': { get: { summary: 'every event type an endpoint can receive, with its meaning', responses: { 200: { description: '{eventTypes: [{type, meaning}]}' } } } },
  '/webhooks': {
    get: { summary: 'the organisation\'s webhook endpoints (never their secrets), with pending and failed delivery counts', responses: { 200: { description: '{endpoints}' } } },
    post: { summary: 'add an endpoint (owner or admin); it receives the events that happen from now on', requestBody: { content: { 'application/json': { schema: { ...endpointBody, required: ['url'] } } } }, responses: { 201: withSecret, 400: problem, 403: problem } },
  },
  '/webhooks/{endpointId}': {
    get: { summary: 'one endpoint', parameters: [endpointId], responses: { 200: { description: '{endpoint}' }, 404: problem } },
    patch: { summary: 'change the URL, event types, description, or turn it off and on', parameters: [endpointId], requestBody: { content: { 'application/json': { schema: endpointBody } } }, responses: { 200: { description: '{endpoint}' }, 400: problem, 404: problem } },
    delete: { summary: 'remove the endpoint with its deliveries', parameters: [endpointId], responses: { 204: { description: 'removed' }, 404: problem } },
  },
  '/webhooks/{endpointId}/rotate-secret': {
    post: {
      summary: 'a new signing secret, shown once; the old one keeps signing beside it for graceHours (default 24; 0: stops at once)', parameters: [endpointId],
      requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { graceHours: { type: 'integer', minimum: 0, maximum: 168 } } } } } },
      responses: { 200: withSecret, 400: problem, 404: problem },
    },
  },
  '/webhooks/{endpointId}/resume': { post: { summary: 'resume a paused endpoint: held deliveries are sent, in order, each with a fresh 24 hours of retries', parameters: [endpointId], responses: { 200: { description: '{endpoint}' }, 404: problem } } },
  '/webhooks/{endpointId}/test': { post: { summary: 'send a webhook.test ping (even to a paused endpoint)', parameters: [endpointId], responses: { 202: { description: '{delivery}: queued; GET the delivery for its attempts' }, 404: problem } } },
  '/webhooks/{endpointId}/deliveries': {
    get: {
      summary: 'the endpoint\'s deliveries, newest first, each with its attempts (status, duration, error, the start of the answer)', parameters: [endpointId,
        { name: 'state', in: 'query', schema: { type: 'string', enum: ['pending', 'delivered', 'failed'] } }, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200 } },
        { name: 'before', in: 'query', schema: { type: 'string' }, description: 'createdAt of the last delivery of the previous page' }],
      responses: { 200: { description: '{deliveries}' }, 400: problem, 404: problem },
    },
  },
  '/webhooks/{endpointId}/deliveries/{deliveryId}': { get: { summary: 'one delivery with its attempts', parameters: [endpointId, deliveryId], responses: { 200: { description: '{delivery}' }, 404: problem } } },
  '/webhooks/{endpointId}/deliveries/{deliveryId}/replay': {
    post: { summary: 'send a delivery again, with the same Muster-Delivery-Id', parameters: [endpointId, deliveryId], responses: { 202: { description: '{delivery}' }, 404: problem, 409: problem } },
  },
} as const;
