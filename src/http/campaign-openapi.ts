/** The photo campaign routes of the admin API's OpenAPI description (campaign-routes.ts); merged into openapi.ts. */
const problem = { $ref: '#/components/responses/Problem' };
const listId = { name: 'listId', in: 'path', required: true, schema: { type: 'string' } };
const campaignId = { name: 'campaignId', in: 'path', required: true, schema: { type: 'string' } };
const filter = {
  type: 'object', description: 'the part of the list to invite; leave out for everyone without a photo',
  properties: { field: { type: 'string', description: 'a roster field key, such as department' }, value: { type: 'string', description: 'the field\'s value (case-insensitive)' }, since: { type: 'string', format: 'date', description: 'people created on or after this date' } },
};
const rules = {
  hours: { type: 'integer', minimum: 1, maximum: 720, description: 'how long each link works (72)' }, attempts: { type: 'integer', minimum: 1, maximum: 20, description: 'tries per link (5)' },
  consentText: { type: 'string', maxLength: 2000 }, reminderDays: { type: ['integer', 'null'], minimum: 1, maximum: 60, description: 'days after the last email before a reminder; null: none' },
  maxReminders: { type: 'integer', minimum: 1, maximum: 5 },
};

export const CAMPAIGN_PATHS = {
  '/lists/{listId}/campaigns': {
    get: { summary: 'the list\'s photo campaigns, newest first, with their totals; whether email works here; the automatic invitations setting', parameters: [listId], responses: { 200: { description: '{configured, campaigns, automatic}' }, 404: problem } },
    post: {
      summary: 'start a campaign: invite everyone without an approved photo (or in the filter) by email, each with their own self-upload link, as a background job',
      parameters: [listId], requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { name: { type: 'string' }, filter, ...rules } } } } },
      responses: { 202: { description: 'the campaign, selecting' }, 400: problem, 404: problem, 409: { description: 'email_not_configured' } },
    },
  },
  '/lists/{listId}/campaigns/preview': {
    post: { summary: 'how many people a campaign with this filter would invite now', parameters: [listId], requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { filter } } } } }, responses: { 200: { description: '{people}' }, 400: problem } },
  },
  '/lists/{listId}/campaign-settings': {
    get: { summary: 'the list\'s automatic invitations of new people provisioned by the IdP', parameters: [listId], responses: { 200: { description: '{enabled, campaignId, hours, attempts, consentText, reminderDays, maxReminders}' } } },
    put: {
      summary: 'turn the automatic invitations of new people on or off, with their link rules and reminders', parameters: [listId],
      requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['enabled'], properties: { enabled: { type: 'boolean' }, ...rules } } } } },
      responses: { 200: { description: 'the settings' }, 400: problem, 409: { description: 'email_not_configured' } },
    },
  },
  '/lists/{listId}/campaigns/{campaignId}': {
    get: { summary: 'a campaign: its settings, status and totals (selected, pending, without email, queued, sent, failed, opened, uploaded, approved, reminded)', parameters: [listId, campaignId], responses: { 200: { description: 'the campaign' }, 404: problem } },
  },
  '/lists/{listId}/campaigns/{campaignId}/people': {
    get: {
      summary: 'a page of the campaign\'s people by username: their state (pending, no_email, skipped, queued, sent, failed, opened, uploaded, approved), the SMTP reply of their last email, reminders',
      parameters: [listId, campaignId, { name: 'filter', in: 'query', schema: { type: 'string', enum: ['all', 'no_email', 'failed', 'waiting', 'uploaded', 'approved', 'skipped'] } },
        { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0 } }, { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500 } }],
      responses: { 200: { description: '{total, offset, limit, people}' }, 400: problem, 404: problem },
    },
  },
  '/lists/{listId}/campaigns/{campaignId}/people/{personId}/resend': {
    post: {
      summary: 'a new link and invitation by email to one person of the campaign', parameters: [listId, campaignId, { name: 'personId', in: 'path', required: true, schema: { type: 'string' } }],
      responses: { 202: { description: 'the person as the people page shows them' }, 404: problem, 409: { description: 'email_not_configured' }, 422: { description: 'no_email_address' } },
    },
  },
} as const;
