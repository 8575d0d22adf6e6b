/**
 * The console's requests: JSON from /console/api/ and the event stream,
 * with the token (when the daemon asks for one) in X-Auth-Token, kept in
 * sessionStorage: gone with the tab, never in a URL or a cookie.
 */
import type { EventJson } from '../server/shapes.js';

const TOKEN_KEY = 'leasehold.token';
const BASE = new URL('./api/', window.location.href);

export class Unauthorized extends Error {}

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

function headers(): HeadersInit {
  const t = token.get();
  return t ? { 'X-Auth-Token': t } : {};
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(new URL(path, BASE), { headers: headers(), ...(signal ? { signal } : {}) });
  if (response.status === 401) throw new Unauthorized('the daemon asks for a token');
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (!response.ok) throw new Error(body?.error?.message ?? `${response.status} ${response.statusText}`);
  return body as T;
}

/**
 * Calls `onEvent` with each new journal event matching `query` until
 * `signal` aborts; `onLive` once the stream is open. Reconnects after a
 * failure (the daemon restarting), a few seconds later.
 */
export async function streamEvents(query: string, onEvent: (event: EventJson) => void, signal: AbortSignal, onLive: () => void = () => {}): Promise<void> {
  while (!signal.aborted) {
    try {
      const response = await fetch(new URL(`events?${query}`, BASE), { headers: headers(), signal });
      if (response.status === 401) throw new Unauthorized('the daemon asks for a token');
      if (!response.ok || !response.body) throw new Error(`event stream: ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          if (block.startsWith(': live')) onLive();
          const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
          if (data) onEvent(JSON.parse(data) as EventJson);
        }
      }
    } catch (error) {
      if (signal.aborted || error instanceof Unauthorized) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 3_000));
  }
}
