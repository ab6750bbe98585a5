import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * `outbox_events.audit_seq`: the sequence number, in the list's audit trail, of the audit event
 * a row's payload is read from (issue 16, item 3: one copy of a change). A `person.created` or
 * `person.updated` event written while the audit trail is on stores no payload of its own (the
 * empty text) and names its audit event here; EventsRepo derives the payload from that event's
 * changes when it is read (src/events/from-audit.ts, the same function that made it), and
 * AuditRepo.dropThrough writes the payload into the row before retention removes the audit event.
 * A `person.created` payload lists every roster field the person got: about 690 bytes a person
 * for the outbox's 30 days, held again, packed, in the audit event.
 *
 * A column added without a default: no table is rewritten, on either engine. Rows written before
 * it have it null and keep their payload. A node of an earlier version reading a new row finds an
 * empty payload and fails to parse it; its consumers and webhook deliveries retry from their
 * cursor, so upgraded nodes deliver those events (docs/operations.md, rolling upgrades).
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.alterTable('outbox_events').addColumn('audit_seq', 'bigint').execute();
}
