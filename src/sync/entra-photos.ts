/**
 * Entra profile photos (issue #7, optional): after a sync round, a job fetches the photo of each
 * active person of the list who has neither an approved nor a pending photo, from Graph's
 * `GET /users/{id}/photo/$value` (learn.microsoft.com/graph/api/profilephoto-get), and puts it
 * through the same checks as any upload. A photo that passes waits in the review queue (source
 * `entra`); one that fails is recorded with the reasons. Graph does not report photo changes in
 * users/delta, so a person is asked again at most once a week.
 */
import type { Logger } from '../log.js';
import type { RequestMeta } from '../audit/audit-trail.js';
import { PhotoError, type PhotoService } from '../credentials/photo-service.js';
import { yieldToEventLoop } from '../runtime/turns.js';
import type { JobRow, Store } from '../store/index.js';
import type { EntraSync } from './entra-sync.js';

const RECHECK_MS = 7 * 24 * 3600_000;
const BATCH = 100;

export interface EntraPhotoResult {
  stored: number;
  refused: number;
  none: number;
  skipped: number;
}

export class EntraPhotoSync {
  constructor(
    private readonly store: Store,
    private readonly entra: EntraSync,
    private readonly photos: PhotoService,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async run(job: JobRow, save: (params: unknown, done: number) => Promise<boolean>): Promise<EntraPhotoResult | { skipped: string } | undefined> {
    const [list, conn] = await Promise.all([this.store.lists.get(job.list_id), this.store.entra.get(job.list_id)]);
    if (!list || !conn || !conn.sync_photos) return { skipped: 'photo sync is off for this list' };
    const graph = this.entra.client(conn);
    const meta: RequestMeta = { actor: 'entra-sync', requestId: job.id, idp: 'Microsoft Entra ID', idpEvidence: 'graph-pull' };
    const params = JSON.parse(job.params) as { after?: number; result?: EntraPhotoResult };
    let after = params.after ?? 0, done = Number(job.done);
    const result: EntraPhotoResult = params.result ?? { stored: 0, refused: 0, none: 0, skipped: 0 };
    for (;;) {
      const batch = await this.store.roster.usersAfter(list.id, after, BATCH);
      if (!batch.length) break;
      for (const u of batch) {
        const graphId = typeof u.data.externalId === 'string' ? u.data.externalId : undefined;
        if (u.data.active === false || !graphId || (await this.store.photos.ofPerson(u.id, ['approved', 'pending'])).length) {
          result.skipped++;
          continue;
        }
        const checked = await this.store.entra.photoCheckedAt(list.id, u.id);
        const at = this.now();
        if (checked && at.getTime() - Date.parse(checked) < RECHECK_MS) {
          result.skipped++;
          continue;
        }
        const bytes = await graph.getBytes(`/v1.0/users/${encodeURIComponent(graphId)}/photo/$value`);
        if (!bytes) {
          result.none++;
          await this.store.entra.photoChecked(list.id, u.id, at.toISOString(), 'none');
          continue;
        }
        for (let attempt = 1; ; attempt++) {
          try {
            await this.photos.upload(list, u.id, bytes, 'entra', meta);
            result.stored++;
            await this.store.entra.photoChecked(list.id, u.id, at.toISOString(), 'pending');
          } catch (err) {
            // Uploads by people come first: when the photo checks are busy, wait for a free slot.
            if (err instanceof PhotoError && err.code === 'busy' && attempt < 60) {
              await new Promise((r) => setTimeout(r, 1000));
              continue;
            }
            if (!(err instanceof PhotoError) || err.status !== 422) throw err;
            // photos.upload has recorded the refusal (photo.upload_refused, source entra) already.
            result.refused++;
            await this.store.entra.photoChecked(list.id, u.id, at.toISOString(), 'refused');
          }
          break;
        }
      }
      after = batch[batch.length - 1]!.seq;
      done += batch.length;
      await yieldToEventLoop();
      if (!(await save({ after, result }, done))) return undefined;
    }
    this.log.info('entra photos fetched', { list: list.id, ...result });
    return result;
  }
}
