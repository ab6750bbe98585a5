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
/** Milliseconds during which at least one request was in flight, up to `busySince` (performance.now()). */
let busyMs = 0;
let busySince = 0;
let idleWaiters: Array<() => void> = [];

/** Time with a request in flight so far (ms): a background loop compares two readings. */
const busyTime = (): number => busyMs + (inFlight > 0 ? performance.now() - busySince : 0);

/** Marks a request as being served; call the answer once when it has been answered. */
export function foregroundBegin(): () => void {
  if (inFlight++ === 0) busySince = performance.now();
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    if (inFlight === 1) busyMs += performance.now() - busySince;
    if (--inFlight === 0 && idleWaiters.length) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const wake of waiters) wake();
    }
  };
}

/** Told before every background step (`backgroundTurn`, `backgroundTurns`). */
const beforeBackgroundStep = new Set<() => void>();

/**
 * Calls `fn` before each background step takes the thread. The SQLite store commits its open
 * group here (store/sqlite/commit-groups.ts), so that the requests whose changes it holds are
 * answered before the step runs rather than after it. Answers a function that stops the calls.
 */
export function onBackgroundStep(fn: () => void): () => void {
  beforeBackgroundStep.add(fn);
  return () => beforeBackgroundStep.delete(fn);
}

const backgroundStepStarts = (): void => {
  for (const fn of beforeBackgroundStep) fn();
};

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
  if (inFlight > 0) await waitForIdle(BACKGROUND_WAIT_MAX_MS);
  backgroundStepStarts();
}

/** Until no request is in flight, at most `maxWaitMs`. */
async function waitForIdle(maxWaitMs: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      idleWaiters = idleWaiters.filter((w) => w !== wake);
      resolve();
    }, maxWaitMs);
    const wake = () => {
      clearTimeout(timer);
      resolve();
    };
    idleWaiters.push(wake);
  });
}

/** The share of the thread's time a background loop made by `backgroundTurns` takes while requests keep it busy. */
export const BACKGROUND_SHARE = 0.25;
/** The longest such a loop waits between steps: it always progresses. */
export const BACKGROUND_WAIT_LONGEST_MS = 500;

/**
 * Turns for a background loop whose steps are heavy enough to matter to provisioning (webhook
 * deliveries: a batch of signed HTTP requests and their settle transaction). After a step of `s` ms
 * during which requests were in flight a fraction `b` of the time, the loop waits
 * `s × b × (1 − share) / share` (at most BACKGROUND_WAIT_LONGEST_MS): with requests always in flight
 * it takes at most BACKGROUND_SHARE of the time; with a request now and then (`b` near 0) it goes on
 * almost at once; with none, at once. Unlike `backgroundTurn`, a moment with no request in flight
 * does not end the wait: a node answering writes in groups (SQLite's group commit) has such a moment
 * after every group, and deliveries took a quarter of the thread through them. A step is measured
 * from the end of one turn to the start of the next, its own awaits included, so the share is an
 * upper bound. Make one per run of the loop: the first turn counts no step. Measured with
 * bench/webhooks.mjs (bench/RESULTS.md, "Webhooks").
 */
export function backgroundTurns(share: number = BACKGROUND_SHARE): () => Promise<void> {
  let stepStarted: number | undefined;
  let busyAtStart = 0;
  return async () => {
    if (stepStarted !== undefined) {
      const step = performance.now() - stepStarted;
      const busy = step > 0 ? Math.min(1, (busyTime() - busyAtStart) / step) : 0;
      const wait = Math.min(BACKGROUND_WAIT_LONGEST_MS, (step * busy * (1 - share)) / share);
      if (wait >= 1) await new Promise((resolve) => setTimeout(resolve, wait));
    }
    await yieldToEventLoop();
    backgroundStepStarts();
    stepStarted = performance.now();
    busyAtStart = busyTime();
  };
}

/**
 * Turns of the event loop shared by several loops of foreground work (the Bulk requests in
 * flight): `next()` resolves in a turn of the event loop that no other of them has, in the order
 * they asked. N such loops then take one step per turn of the event loop between them, not N, and
 * a request arriving meanwhile waits behind one step instead of N.
 */
export class LoopTurns {
  private readonly waiting: Array<() => void> = [];
  private scheduled = false;

  next(): Promise<void> {
    // The step's writes are committed as it ends (SQLite's open commit group): a request arriving
    // before the next step writes a group of its own, not one with this step's pages in it.
    backgroundStepStarts();
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.scheduled) this.schedule();
    });
  }

  private schedule(): void {
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      // As before a background step: the requests whose writes the open commit group holds are
      // answered now, not after this step.
      backgroundStepStarts();
      this.waiting.shift()?.();
      if (this.waiting.length) this.schedule();
    });
  }
}
