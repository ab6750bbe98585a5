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

/**
 * Requests this process is serving now. The event loop is the process's, so this is too: every
 * app in the process (two nodes in one test process) counts here, and background work waits for
 * all of them.
 */
let inFlight = 0;
let idleWaiters: Array<() => void> = [];

/** Marks a request as being served; call the answer once when it has been answered. */
export function foregroundBegin(): () => void {
  inFlight++;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    if (--inFlight === 0 && idleWaiters.length) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  };
}

/** The longest a background step waits for requests to be answered: background work always progresses. */
export const BACKGROUND_WAIT_MAX_MS = 50;

/**
 * A background loop's turn between steps (campaign batches, outgoing email, webhook deliveries):
 * the loop first lets the event loop run, then, while requests are being served, waits until
 * they are answered (at most BACKGROUND_WAIT_MAX_MS). A request half-way through (its body
 * arriving, its response being written) then finishes before the next background step takes the
 * thread, instead of waiting behind it; a background step still runs when a request arrives
 * during it, so steps are kept short. Measured with bench/campaign.mjs (bench/RESULTS.md,
 * "A photo campaign"). Not for request handlers: a handler would wait for itself.
 */
export async function backgroundTurn(): Promise<void> {
  await yieldToEventLoop();
  if (inFlight === 0) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      idleWaiters = idleWaiters.filter((w) => w !== wake);
      resolve();
    }, BACKGROUND_WAIT_MAX_MS);
    const wake = () => {
      clearTimeout(timer);
      resolve();
    };
    idleWaiters.push(wake);
  });
}
