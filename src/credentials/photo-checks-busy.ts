/** Too many photo checks waiting (a module of its own, so callers can test for it without loading sharp). */
export class PhotoChecksBusyError extends Error {
  constructor() {
    super('Muster is checking many photos right now; try again in a minute.');
    this.name = 'PhotoChecksBusyError';
  }
}
