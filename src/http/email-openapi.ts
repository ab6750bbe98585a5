/** The email routes of the admin API's OpenAPI description (email-routes.ts); merged into openapi.ts. */
const problem = { $ref: '#/components/responses/Problem' };
const kind = { name: 'kind', in: 'path', required: true, schema: { type: 'string', enum: ['photo_invitation', 'photo_reminder', 'wallet_pass', 'card_ready'] } };
const template = { type: 'object', properties: { subject: { type: 'string' }, text: { type: 'string' }, html: { type: 'string', description: 'empty: plain text only' } } };

export const EMAIL_PATHS = {
  '/email': {
    get: { summary: 'whether this installation sends email (MUSTER_SMTP_URL) and from which address; the organisation\'s sender name and reply-to', responses: { 200: { description: '{configured, fromAddress, senderName, replyTo, defaultSenderName, cardReadyEmail}' } } },
    put: {
      summary: 'the organisation\'s sender name and reply-to address (owner or admin)',
      requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { senderName: { type: ['string', 'null'] }, replyTo: { type: ['string', 'null'], format: 'email' }, cardReadyEmail: { type: 'boolean', description: 'email "your card is ready" to the people of each finished print batch' } } } } } },
      responses: { 200: { description: 'the settings as GET shows them' }, 400: problem, 403: problem },
    },
  },
  '/email/templates': { get: { summary: 'every kind of message with the organisation\'s wording (or the default), the values it may use and the defaults', responses: { 200: { description: '{templates}' } } } },
  '/email/templates/{kind}': {
    put: { summary: 'the organisation\'s wording of a kind of message: {{value}} placeholders, {{#value}}…{{/value}} sections', parameters: [kind], requestBody: { content: { 'application/json': { schema: template } } }, responses: { 200: { description: 'the template' }, 404: problem, 422: { description: '{error: invalid_template, detail, problems: [{field, message}]}' } } },
    delete: { summary: 'back to Muster\'s default wording', parameters: [kind], responses: { 200: { description: 'the default template' }, 404: problem } },
  },
  '/email/templates/{kind}/preview': {
    post: { summary: 'the message as a person would get it, with sample values, from a draft (or the saved template when the body is empty)', parameters: [kind], requestBody: { content: { 'application/json': { schema: template } } }, responses: { 200: { description: '{from, replyTo, subject, text, html}' }, 422: problem } },
  },
  '/email/messages': {
    get: {
      summary: 'the organisation\'s latest messages, newest first: queued, sending, sent (with the server\'s reply) or failed (with its refusal)',
      parameters: [{ name: 'personId', in: 'query', schema: { type: 'string' } }, { name: 'state', in: 'query', schema: { type: 'string', enum: ['queued', 'sending', 'sent', 'failed'] } }, { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 500 } }],
      responses: { 200: { description: '{messages}' }, 400: problem },
    },
  },
  '/lists/{listId}/people/{personId}/photo-link/email': {
    post: {
      summary: 'create a self-upload link and email it to the person (their primary address); the link is not shown',
      parameters: [{ name: 'listId', in: 'path', required: true, schema: { type: 'string' } }, { name: 'personId', in: 'path', required: true, schema: { type: 'string' } }],
      requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { hours: { type: 'integer', minimum: 1, maximum: 720 }, attempts: { type: 'integer', minimum: 1, maximum: 20 }, consentText: { type: 'string' } } } } } },
      responses: { 202: { description: '{message, expiresAt, attemptsLeft}: the message is queued' }, 404: problem, 409: { description: 'email_not_configured' }, 422: { description: 'no_email_address' } },
    },
  },
  '/lists/{listId}/people/{personId}/wallet-passes/email': {
    post: {
      summary: 'email the person their wallet passes (the wallet_pass template with the Apple Wallet link and the "Save to Google Wallet" link); passes they lack are issued first, under the organisation\'s or the installation\'s credentials',
      parameters: [{ name: 'listId', in: 'path', required: true, schema: { type: 'string' } }, { name: 'personId', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { 202: { description: '{message, issued, apple, google}: the message is queued' }, 404: problem, 409: { description: 'email_not_configured, no_wallet_pass, person_inactive' }, 422: { description: 'no_email_address' } },
    },
  },
  '/lists/{listId}/wallet-passes/email': {
    post: {
      summary: 'email wallet passes to the people named ({personIds}) or to everyone active on the list, as a background job',
      parameters: [{ name: 'listId', in: 'path', required: true, schema: { type: 'string' } }],
      requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { personIds: { type: 'array', items: { type: 'string' } } } } } } },
      responses: { 202: { description: '{jobId, progress}: follow GET /lists/{listId}/jobs/{jobId}' }, 400: problem, 409: { description: 'email_not_configured' } },
    },
  },
} as const;
