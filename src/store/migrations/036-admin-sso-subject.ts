import type { Kysely } from 'kysely';
import type { Engine } from '../engine.js';

/**
 * `admins.sso_issuer`, `admins.sso_client_id` and `admins.sso_subject`: the identity provider's
 * `iss` and `sub` of the person an account signs in as with single sign-on, and the client the
 * `sub` was issued to (Entra ID's `sub` differs from one application to another). OpenID Connect Core 1.0 §5.7: "The sub
 * (subject) and iss (issuer) Claims, used together, are the only Claims that an RP can rely upon as
 * a stable identifier for the End-User"; an email address can be given to someone else. An account
 * is matched by its verified address only until its first single sign-on, which records the pair;
 * from then on it is the pair that signs in to it. Unique together, so one person at a provider
 * is one account.
 */
export async function up(db: Kysely<unknown>, _engine: Engine): Promise<void> {
  await db.schema.alterTable('admins').addColumn('sso_issuer', 'text').execute();
  await db.schema.alterTable('admins').addColumn('sso_client_id', 'text').execute();
  await db.schema.alterTable('admins').addColumn('sso_subject', 'text').execute();
  await db.schema.createIndex('admins_sso_subject').unique().on('admins').columns(['sso_issuer', 'sso_subject']).execute();
}
