/**
 * GET /api/v1/events (issue 15, item 4): an organisation's domain events after a cursor, so a
 * system that was down catches up. The cursor is the global event id (commit order, migration
 * 022), so "after" pages never skip or repeat; a cursor older than retention is refused rather
 * than silently resumed past the events it missed.
 */
import type { DomainEvent, EventType } from './types.js';
import { isEventType } from './types.js';
import type { Store } from '../store/index.js';

export const MAX_EVENTS_PAGE = 1000;

export interface EventsPage {
  readonly events: readonly DomainEvent[];
  /** The cursor for the next request: the last event's id, or `after` when nothing is new. */
  readonly next: string;
}

/** Why a page cannot be read: a bad parameter (400) or a cursor retention has passed (410). */
export class EventsQueryError extends Error {
  constructor(readonly code: 'invalid_parameter' | 'events_cursor_expired', message: string) {
    super(message);
    this.name = 'EventsQueryError';
  }
}

export class EventsApi {
  constructor(private readonly store: Store) {}

  /** `types`: event types to keep (none: all); `listId` already checked to be the organisation's. */
  async page(orgId: string, q: { after: number; types: readonly string[]; listId?: string; limit: number }): Promise<EventsPage> {
    const unknown = q.types.filter((t) => !isEventType(t));
    if (unknown.length) throw new EventsQueryError('invalid_parameter', `unknown event type ${JSON.stringify(unknown[0])}: see GET /api/v1/openapi.json or docs/events.md for the list`);
    const pruned = await this.store.events.prunedThrough(orgId);
    if (q.after < pruned) {
      throw new EventsQueryError('events_cursor_expired',
        `events after ${q.after} are no longer kept (retention removed this organisation's events up to id ${pruned}): resynchronise from the roster (GET /api/v1/lists/{listId}/people), then page from after=${pruned}`);
    }
    const events = await this.store.events.readAfter({ orgId, afterId: q.after, types: q.types as EventType[], ...(q.listId !== undefined ? { listId: q.listId } : {}), limit: q.limit });
    return { events, next: String(events.length ? events[events.length - 1]!.id : q.after) };
  }
}
