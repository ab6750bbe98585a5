/**
 * Lets the event loop run. better-sqlite3 is synchronous, so with SQLite every `await` on the
 * store resolves as a microtask and a loop of database work never gives HTTP a turn: a
 * background job or a large Bulk request would hold every other request (and let keep-alive
 * sockets time out under them). Long loops call this between steps.
 */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
