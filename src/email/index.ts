export { EmailError, EmailService, messageView, personEmail, type EmailMessageView, type NewMessage } from './email-service.js';
export { DEFAULT_RETRY, EmailOutbox, retryDelay, type OutboxOptions, type RetryPolicy } from './email-outbox.js';
export { classify, smtpTransport, type EmailTransport, type OutgoingEmail, type SendOutcome } from './smtp-transport.js';
export { DEFAULT_TEMPLATES, EMAIL_KINDS, KINDS, checkTemplate, renderEmail, type EmailKind, type EmailTemplate } from './templates.js';
export { autoCampaignId, CAMPAIGN_JOB, campaignInviteConsumer, CampaignService, type CampaignView } from './campaign-service.js';
