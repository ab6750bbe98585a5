/** Typed calls of the photo campaign routes (docs/campaigns.md). */
import { request } from './client';
import type { AutoInviteSettings, Campaign, CampaignFilter, CampaignPeopleFilter, CampaignPerson, StartCampaign } from './campaign-types';

const L = (listId: string) => `/lists/${encodeURIComponent(listId)}`;
const C = (listId: string, id: string) => `${L(listId)}/campaigns/${encodeURIComponent(id)}`;

export const campaigns = {
  all: (listId: string) => request<{ configured: boolean; campaigns: Campaign[]; automatic: AutoInviteSettings }>('GET', `${L(listId)}/campaigns`),
  preview: (listId: string, filter: CampaignFilter | undefined) => request<{ people: number }>('POST', `${L(listId)}/campaigns/preview`, filter ? { filter } : {}),
  start: (listId: string, b: StartCampaign) => request<Campaign>('POST', `${L(listId)}/campaigns`, b),
  get: (listId: string, id: string) => request<Campaign>('GET', C(listId, id)),
  people: (listId: string, id: string, q: { filter: CampaignPeopleFilter; offset: number; limit: number }) =>
    request<{ total: number; offset: number; limit: number; people: CampaignPerson[] }>('GET', `${C(listId, id)}/people`, undefined, q),
  resend: (listId: string, id: string, personId: string) => request<CampaignPerson>('POST', `${C(listId, id)}/people/${encodeURIComponent(personId)}/resend`, {}),
  saveAutomatic: (listId: string, b: Omit<AutoInviteSettings, 'campaignId' | 'consentText'> & { consentText?: string }) => request<AutoInviteSettings>('PUT', `${L(listId)}/campaign-settings`, b),
};
