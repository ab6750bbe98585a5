/** The photo campaign routes' answers (docs/campaigns.md). */
export interface CampaignFilter {
  readonly field?: string;
  readonly value?: string;
  readonly since?: string;
}

export interface CampaignTotals {
  readonly selected: number;
  readonly people: number;
  readonly pending: number;
  readonly noEmail: number;
  readonly skipped: number;
  readonly queued: number;
  readonly sent: number;
  readonly failed: number;
  readonly opened: number;
  readonly uploaded: number;
  readonly approved: number;
  readonly reminded: number;
}

export interface Campaign {
  readonly id: string;
  readonly listId: string;
  /** `campaign`: started by an admin; `auto`: the list's invitations of new people. */
  readonly kind: 'campaign' | 'auto';
  readonly name: string;
  readonly filter: CampaignFilter | null;
  /** `selecting`, `sending`, `finished`; an automatic one is `on` or `off`. */
  readonly status: string;
  readonly link: { readonly hours: number; readonly attempts: number; readonly consentText: string | null };
  readonly reminderDays: number | null;
  readonly maxReminders: number;
  readonly running: boolean;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly finishedAt: string | null;
  readonly totals: CampaignTotals;
}

export interface AutoInviteSettings {
  readonly enabled: boolean;
  readonly campaignId: string | null;
  readonly hours: number;
  readonly attempts: number;
  readonly consentText: string | null;
  readonly reminderDays: number | null;
  readonly maxReminders: number;
}

export type CampaignPersonState = 'pending' | 'no_email' | 'skipped' | 'queued' | 'sent' | 'failed' | 'opened' | 'uploaded' | 'approved';
export type CampaignPeopleFilter = 'all' | 'no_email' | 'failed' | 'waiting' | 'uploaded' | 'approved' | 'skipped';

export interface CampaignPerson {
  readonly personId: string;
  readonly name: string;
  readonly userName: string;
  readonly email: string | null;
  readonly state: CampaignPersonState;
  readonly emailState: string | null;
  /** The SMTP server's reply to the last email: its acceptance, or why it refused. */
  readonly lastReply: string | null;
  readonly invitedAt: string | null;
  readonly lastSentAt: string | null;
  readonly sends: number;
  readonly reminders: number;
  readonly openedAt: string | null;
  readonly uploadedAt: string | null;
  readonly approved: boolean;
  readonly note: string | null;
}

export interface StartCampaign {
  readonly name?: string;
  readonly filter?: CampaignFilter;
  readonly hours?: number;
  readonly attempts?: number;
  readonly consentText?: string;
  readonly reminderDays?: number | null;
  readonly maxReminders?: number;
}
