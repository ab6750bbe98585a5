/**
 * `{ ...a, ...b }` for objects whose keys Muster's own code chose (rows, audit events, contexts):
 * never for a client's document.
 *
 * On Node 20 (V8 11.3) an object literal that spreads an object and then adds properties, or
 * spreads two, takes V8's slow path every time: 2.4–3.8 µs for `{ ...base, type, subject }` on this
 * machine, against 0.1 µs for Object.assign and 0.02 µs for a spread alone (bench/RESULTS.md,
 * "A lookup's router and reads"). A write ran several of them. Object.assign sets properties where
 * a spread defines them: an own key `__proto__` in `b` would set the result's prototype, which is
 * why client input keeps its spreads (and the input guard refuses such keys anyway).
 */
export const merged = <A extends object, B extends object>(a: A, b: B): Omit<A, keyof B> & B => Object.assign({}, a, b) as Omit<A, keyof B> & B;
