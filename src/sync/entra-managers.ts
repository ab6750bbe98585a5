/**
 * Manager links of Entra-synced people. Graph names a user's manager by Graph id; Muster links the
 * person to the manager's person on the list, so a link can only be made once both are on it.
 * A reference to a manager not on the list yet is remembered (entra_pending_managers) and resolved
 * when that manager arrives, in this round or any later one: in a delta round Graph does not repeat
 * `manager@delta` for a report whose link did not change (learn.microsoft.com/graph/api/user-delta),
 * so the report itself will not say it again. Entra's own SCIM provisioning links managers in a
 * second step the same way.
 */
import type { ScimCtx, ScimService } from '../lists/scim-service.js';
import { yieldToEventLoop } from '../runtime/turns.js';
import type { MasterList, Store } from '../store/index.js';
import type { ManagerChange } from './graph-user.js';

export class ManagerLinks {
  constructor(private readonly store: Store, private readonly scim: ScimService) {}

  /**
   * Records, after a page of users was written, who waits for a manager not on the list (`waiting`:
   * Graph user id → manager's Graph id) and who no longer does (`settled`), then links everyone on
   * the list who was waiting for a manager among `arrivals` (the page's Graph user ids).
   * Returns how many people were linked.
   */
  async afterPage(list: MasterList, ctx: ScimCtx, waiting: ReadonlyMap<string, string>, settled: readonly string[], arrivals: readonly string[]): Promise<number> {
    if (settled.length) await this.store.entra.clearPendingManagers(list.id, settled);
    for (const [userId, managerId] of waiting) await this.store.entra.setPendingManager(list.id, userId, managerId);
    const pending = await this.store.entra.pendingFor(list.id, arrivals);
    let linked = 0;
    for (let i = 0; i < pending.length; i += 500) {
      const chunk = pending.slice(i, i + 500);
      await yieldToEventLoop();
      const known = await this.store.users.byExternalIds(list, chunk.flat());
      const resolved: string[] = [];
      for (const [userId, managerId] of chunk) {
        const person = known.get(userId), manager = known.get(managerId);
        if (!person || !manager) continue; // the report is not on the list (yet): keep waiting
        await this.scim.setManager(ctx, person.id, manager.id);
        resolved.push(userId);
        linked++;
      }
      await this.store.entra.clearPendingManagers(list.id, resolved);
    }
    return linked;
  }
}

/**
 * The enterprise `manager` to write for a person, from what Graph said (`change`), the manager's
 * person on the list if known, and the link stored now (kept when Graph said nothing).
 */
export function managerToWrite(change: ManagerChange, managerPersonId: string | undefined, stored: unknown): Readonly<Record<string, unknown>> | undefined {
  if (change.kind === 'set') return managerPersonId ? { value: managerPersonId } : undefined;
  if (change.kind === 'removed') return undefined;
  return stored && typeof stored === 'object' && !Array.isArray(stored) ? (stored as Record<string, unknown>) : undefined;
}
