/**
 * Who still needs a photo: active people without an approved or pending one. Built from two
 * paged reads the API already has (the photos by status, the active people), so the backend needs
 * no new endpoint; a list of tens of thousands costs a few hundred small requests, once per session.
 */
import { api, type Person, type PhotoStatus } from '../../api';

async function peopleWithPhotos(listId: string, status: PhotoStatus, into: Set<string>): Promise<void> {
  let after: string | undefined;
  for (;;) {
    const page = await api.photos.queue(listId, status, after, 200);
    for (const p of page.photos) into.add(p.personId);
    if (!page.next) return;
    after = page.next;
  }
}

export async function captureQueue(listId: string): Promise<Person[]> {
  const covered = new Set<string>();
  await peopleWithPhotos(listId, 'approved', covered);
  await peopleWithPhotos(listId, 'pending', covered);
  const out: Person[] = [];
  for (let offset = 0; ; ) {
    const page = await api.roster.people(listId, { status: 'active', offset, limit: 500 });
    for (const p of page.people) if (!covered.has(p.id)) out.push(p);
    offset += page.people.length;
    if (page.people.length === 0 || offset >= page.total) return out;
  }
}
