/**
 * Queries built and compiled once, run with new values (src/store/prepared.ts, issue 16): the
 * same rows as the query built afresh, on the database and inside a transaction, on both engines.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase, type Connection } from '../src/store/index.js';
import { Prepared } from '../src/store/prepared.js';
import { freshDatabase, type TestDatabase } from './helpers/database.js';

let tdb: TestDatabase;
let conn: Connection;

// A new, empty database for each test: no test sees another's rows.
beforeEach(async () => {
  tdb = await freshDatabase();
  conn = await openDatabase(tdb.url);
});

afterEach(async () => {
  await conn.db.destroy();
  await tdb.drop();
});

const INSERT = new Prepared<{ id: string; secret: string; at: string }, never>(['id', 'secret', 'at'], (db, p) => db.insertInto('paging_keys')
  .values({ id: p.id, secret: p.secret, created_at: p.at }));
/** A value used twice, and a constant between the parameters. */
const FIND = new Prepared<{ prefix: string; at: string }, { id: string; secret: string }>(['prefix', 'at'], (db, p) => db.selectFrom('paging_keys')
  .select(['id', 'secret']).where('id', 'like', sql<string>`${p.prefix} || '%'`).where('id', '<>', 'cursor').where('created_at', '>=', p.at)
  .where('secret', '<>', p.prefix).orderBy('id'));

describe('compiled-once queries', () => {
  it('bind each run\'s values where the query builder would, on the database and in a transaction', async () => {
    await INSERT.execute(conn.db, { id: 'a-1', secret: 's1', at: '2026-01-01' });
    await conn.db.transaction().execute(async (trx) => {
      await INSERT.execute(trx, { id: 'a-2', secret: 's2', at: '2026-02-01' });
      await INSERT.execute(trx, { id: 'b-1', secret: 's3', at: '2026-03-01' });
      expect(await FIND.rows(trx, { prefix: 'a-', at: '2026-01-15' })).toEqual([{ id: 'a-2', secret: 's2' }]);
    });
    expect(await FIND.rows(conn.db, { prefix: 'a-', at: '2000-01-01' })).toEqual([{ id: 'a-1', secret: 's1' }, { id: 'a-2', secret: 's2' }]);
    expect(await FIND.first(conn.db, { prefix: 'b-', at: '2000-01-01' })).toEqual({ id: 'b-1', secret: 's3' });
    expect(await FIND.first(conn.db, { prefix: 'c-', at: '2000-01-01' })).toBeUndefined();
    // The query built afresh agrees.
    const fresh = await conn.db.selectFrom('paging_keys').select(['id', 'secret']).where('id', 'like', 'a-%').where('created_at', '>=', '2000-01-01').orderBy('id').execute();
    expect(await FIND.rows(conn.db, { prefix: 'a-', at: '2000-01-01' })).toEqual(fresh);
  });

  it('reports an update\'s affected rows', async () => {
    const UPDATE = new Prepared<{ id: string; secret: string }, never>(['id', 'secret'], (db, p) => db.updateTable('paging_keys').set({ secret: p.secret }).where('id', '=', p.id));
    await INSERT.execute(conn.db, { id: 'a-1', secret: 's1', at: '2026-01-01' });
    expect((await UPDATE.execute(conn.db, { id: 'a-1', secret: 'changed' })).numAffectedRows).toBe(1n);
    expect((await UPDATE.execute(conn.db, { id: 'nobody', secret: 'x' })).numAffectedRows).toBe(0n);
  });

  it('refuses a query that does not pass a named value on as a parameter', async () => {
    const BROKEN = new Prepared<{ id: string; unused: string }, { id: string }>(['id', 'unused'], (db, p) => db.selectFrom('paging_keys').select('id').where('id', '=', p.id));
    await expect(BROKEN.rows(conn.db, { id: 'a-1', unused: 'x' })).rejects.toThrow(/"unused" does not reach the SQL/);
  });
});
