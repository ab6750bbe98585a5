export { openDatabase, StoreError, type Connection } from './connect.js';
export { Store, type Repos } from './store.js';
export { engineOf, type Engine } from './engine.js';
export { compileFilter, compileMemberFilter, sortExpression, type FilterContext } from './filter-sql.js';
export type { MasterList, Organisation, UidAttribute, SyncMethod } from './lists-repo.js';
export type { TokenInfo } from './tokens-repo.js';
export type { UserWrite, UserRecord, PageQuery } from './users-repo.js';
export type { GroupWrite, GroupRecord, MemberRecord } from './groups-repo.js';
