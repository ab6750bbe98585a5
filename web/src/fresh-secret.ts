/**
 * A token secret that was just created, kept in memory only until the Sync tab has shown it once.
 * It never goes to storage or the URL: a reload loses it, as a secret shown once should.
 */
let fresh: { listId: string; secret: string; tokenId?: string } | undefined;

export function keepFreshSecret(listId: string, secret: string, tokenId?: string): void {
  fresh = { listId, secret, tokenId };
}

export function peekFreshSecret(listId: string): { secret: string; tokenId?: string } | undefined {
  if (fresh?.listId !== listId) return undefined;
  return { secret: fresh.secret, tokenId: fresh.tokenId };
}

/** Forgets the secret once it is on screen (separate from peeking: React may render twice). */
export function forgetFreshSecret(listId: string): void {
  if (fresh?.listId === listId) fresh = undefined;
}
