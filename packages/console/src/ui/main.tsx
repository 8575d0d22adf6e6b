/**
 * The console's shell: a hash router (the daemon serves one page, so no
 * route needs the server), the navigation, and the token form shown when
 * the daemon answers 401 (it asks for a token off loopback).
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { token } from './api.js';
import { AgentPageView } from './pages/agent.js';
import { EventsPage } from './pages/events.js';
import { LeasePageView } from './pages/lease.js';
import { NetworkPageView } from './pages/network.js';
import { OverviewPage } from './pages/overview.js';
import { PortPageView } from './pages/port.js';
import './style.css';

type Route = { page: 'overview' } | { page: 'agent'; id: string } | { page: 'network'; id: string } | { page: 'lease'; network: string; ip: string } | { page: 'port'; id: string } | { page: 'events'; filter: Record<string, string> };

function routeOf(hash: string): Route {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'networks' && parts[1]) return { page: 'network', id: parts[1] };
  if (parts[0] === 'agents' && parts[1]) return { page: 'agent', id: parts[1] };
  if (parts[0] === 'ports' && parts[1]) return { page: 'port', id: parts[1] };
  if (parts[0] === 'leases' && parts[1] && parts[2]) return { page: 'lease', network: parts[1], ip: parts[2] };
  if (parts[0] === 'events') return { page: 'events', filter: Object.fromEntries(new URLSearchParams(search)) };
  return { page: 'overview' };
}

function Login({ onDone }: { onDone: () => void }) {
  const [value, setValue] = useState('');
  return (
    <form class="login" onSubmit={(e) => { e.preventDefault(); token.set(value); onDone(); }}>
      <h1>Sign in</h1>
      <p>This daemon's HTTP API asks for its token (api.http_token). It is kept in this tab only.</p>
      <label>Token <input type="password" autoFocus value={value} onInput={(e) => setValue((e.target as HTMLInputElement).value)} /></label>
      <button type="submit">Sign in</button>
    </form>
  );
}

function App() {
  const [hash, setHash] = useState(window.location.hash);
  const [needToken, setNeedToken] = useState(false);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    const onHash = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  const route = routeOf(hash);
  // A new page gets the keyboard's focus on its heading, as a page load would.
  useEffect(() => document.querySelector<HTMLElement>('main h1')?.focus(), [hash]);
  const onUnauthorized = () => {
    token.clear();
    setNeedToken(true);
  };
  const current = (page: Route['page']) => (route.page === page ? 'page' : undefined);
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.querySelector<HTMLElement>('main h1')?.focus(); }}>Skip to content</a>
      <header>
        <span class="brand">Leasehold</span>
        <nav aria-label="pages">
          <a href="#/" aria-current={current('overview')}>Overview</a>
          <a href="#/events" aria-current={current('events')}>Events</a>
        </nav>
        {token.get() && <button class="link" onClick={() => { token.clear(); setNeedToken(true); }}>Sign out</button>}
      </header>
      <main id="main" key={generation}>
        {needToken ? (
          <Login onDone={() => { setNeedToken(false); setGeneration((g) => g + 1); }} />
        ) : route.page === 'network' ? (
          <NetworkPageView id={route.id} onUnauthorized={onUnauthorized} />
        ) : route.page === 'agent' ? (
          <AgentPageView id={route.id} onUnauthorized={onUnauthorized} />
        ) : route.page === 'port' ? (
          <PortPageView id={route.id} onUnauthorized={onUnauthorized} />
        ) : route.page === 'lease' ? (
          <LeasePageView network={route.network} ip={route.ip} onUnauthorized={onUnauthorized} />
        ) : route.page === 'events' ? (
          <EventsPage initial={route.filter} onUnauthorized={onUnauthorized} />
        ) : (
          <OverviewPage onUnauthorized={onUnauthorized} />
        )}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
