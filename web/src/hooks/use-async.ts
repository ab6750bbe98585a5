/** Loads data for a screen; re-loads when `deps` change, ignores answers that arrive too late. */
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

export function useAsync<T>(load: () => Promise<T>, deps: DependencyList): Async<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<ApiError>();
  const [loading, setLoading] = useState(true);
  const generation = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(async (quiet = false) => {
    const mine = ++generation.current;
    if (!quiet) setLoading(true);
    try {
      const d = await loadRef.current();
      if (mine !== generation.current) return;
      setData(d);
      setError(undefined);
    } catch (err) {
      if (mine === generation.current) setError(toApiError(err));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }, []);

  useEffect(() => {
    void reload();
    // the caller names what the load depends on
  }, deps);

  return { data, error, loading, reload, set: setData };
}
