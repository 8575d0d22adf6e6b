/** Data for a page: fetched, refetched on demand, and live from the event stream. */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { EventJson } from '../server/shapes.js';
import { getJson, streamEvents, Unauthorized } from './api.js';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  /** Fetches again (keeping what is shown until the answer comes). */
  reload(): void;
}

export function useJson<T>(path: string | undefined, onUnauthorized: () => void): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    if (path === undefined) return;
    const abort = new AbortController();
    getJson<T>(path, abort.signal).then(
      (value) => {
        setData(value);
        setError(undefined);
      },
      (e: Error) => {
        if (abort.signal.aborted) return;
        if (e instanceof Unauthorized) onUnauthorized();
        setError(e);
      },
    );
    return () => abort.abort();
  }, [path, generation]);
  return { data, error, reload: () => setGeneration((g) => g + 1) };
}

/**
 * Calls `onEvent` for each new event matching `query`, and `refresh` at
 * most once a second after events came (a burst of leases is one refetch).
 */
export function useLive(query: string, refresh: () => void, onEvent?: (event: EventJson) => void): boolean {
  const [live, setLive] = useState(false);
  const latest = useRef({ refresh, onEvent });
  latest.current = { refresh, onEvent };
  useEffect(() => {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    setLive(false);
    void streamEvents(
      query,
      (event) => {
        latest.current.onEvent?.(event);
        timer ??= setTimeout(() => {
          timer = undefined;
          latest.current.refresh();
        }, 1_000);
      },
      abort.signal,
      () => setLive(true),
    );
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, [query]);
  return live;
}
