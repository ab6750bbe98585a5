/**
 * Lets the event loop run. better-sqlite3 is synchronous, so with SQLite every `await` on the
 * store resolves as a microtask and a loop of database work never gives HTTP a turn: a
 * background job or a large Bulk request would hold every other request (and let keep-alive
 * sockets time out under them). Long loops call this between steps.
 */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * How many values (emails, members, PATCH operations) make a write large enough to give the loop
 * turns inside its transaction. Smaller writes run as one step: on SQLite a turn taken inside a
 * transaction keeps the write lock across it, and a second connection in the same process (two
 * nodes in one test process) would then block the thread in SQLite's busy wait.
 */
export const LARGE_WRITE = 100;

/** Gives the loop a turn when `size` makes the step large (see LARGE_WRITE); otherwise nothing. */
export const yieldIfLarge = (size: number): Promise<void> | undefined => (size > LARGE_WRITE ? yieldToEventLoop() : undefined);
