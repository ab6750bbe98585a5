/** The person the editor previews on: their roster fields and approved photo (if any). */
import { api, type MasterList, type Person } from '../../api';
import type { PreviewData } from './card-svg';

export async function previewData(list: MasterList, person: Person | undefined, origin: string): Promise<PreviewData> {
  const sample = `${origin}/v/preview`;
  if (!person) return { fields: {}, photoUrl: null, verifyUrl: sample };
  const photos = await api.photos.ofPerson(list.id, person.id).catch(() => ({ photos: [] }));
  const approved = photos.photos.find((p) => p.status === 'approved');
  return { fields: person.fields, photoUrl: approved ? api.photos.approvedUrl(list.id, person.id, approved.id) : null, verifyUrl: sample };
}
