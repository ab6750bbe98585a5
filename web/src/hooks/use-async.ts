/**
 * Loads data for a screen; re-loads when `deps` change. A load superseded by the next one, or still
 * running when the screen goes, is cancelled through the signal it is given (a search typed over is
 * then dropped by the server if it still waits for its turn), and its answer ignored.
 */
import { useCallback, useEffect, useRef, useState, type DependencyList } from 'react';
import { toApiError, type ApiError } from '../api';

export interface Async<T> {
  readonly data: T | undefined;
  readonly error: ApiError | undefined;
  readonly loading: boolean;
  /** Loads again; `quiet` keeps the current data on screen meanwhile (polling). */
  reload(quiet?: boolean): Promise<void>;
  set(data: T): void;
}

export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): Async<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const inFlight = useRef<AbortController | undefined>(undefined);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(async (quiet = false) => {
    const mine = ++generation.current;
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    if (!quiet) setLoading(true);
    try {
      const d = await loadRef.current(controller.signal);
      if (mine !== generation.current) return;
      setData(d);
      setError(undefined);
    } catch (err) {
      if (mine === generation.current) setError(toApiError(err));
    } finally {
      if (mine === generation.current) {
        setLoading(false);
        inFlight.current = undefined;
      }
    }
  }, []);

  useEffect(() => () => {
    generation.current++;
    inFlight.current?.abort();
  }, []);

  useEffect(() => {
    void reload();
    // the caller names what the load depends on
  }, deps);

  return { data, error, loading, reload, set: setData };
}
