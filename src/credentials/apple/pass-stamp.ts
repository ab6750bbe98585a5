/**
 * A pass's modification stamp: whole seconds (HTTP dates have no finer grain: RFC 9110 §5.6.7),
 * strictly increasing per pass, so that every new version has a Last-Modified later than the
 * one a device already holds, even when it changed within the same second (a pass issued and
 * revoked in one second must not answer 304 to the device that fetched the first version).
 */
export function nextStamp(now: Date, previous: string | undefined): string {
  const floor = Math.floor(now.getTime() / 1000) * 1000;
  const prev = previous ? Date.parse(previous) : Number.NEGATIVE_INFINITY;
  return new Date(Math.max(floor, prev + 1000)).toISOString();
}

/** Wallet's update tag (`passesUpdatedSince`/`lastUpdated`): epoch seconds, opaque to the device. */
export function tagToIso(tag: string | undefined): string | undefined {
  if (tag === undefined || !/^\d{1,12}$/.test(tag)) return undefined;
  return new Date(Number(tag) * 1000).toISOString();
}

/**
 * The tag a listing answers: a little before now, so a change whose transaction committed after
 * this listing but was stamped before it is still "since" the tag the next time the device asks
 * (its push arrives after the commit). A pass may be listed twice; never missed.
 */
export const SETTLE_SECONDS = 30;
export function listingTag(now: Date): string {
  return String(Math.floor(now.getTime() / 1000) - SETTLE_SECONDS);
}
