/** The frame around every signed-in screen: skip link, header with navigation and sign-out, main. */
import { useEffect, useRef, type ReactNode } from 'react';
import { Link, useLocation } from '../router';
import { useSession } from '../session';
import { PausedWebhooksNotice } from '../pages/webhooks/paused-notice';

export function Layout({ children }: { readonly children: ReactNode }) {
  const { admin, session, isOwner, signOut } = useSession();
  const { path } = useLocation();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  // After an in-app navigation, move focus to the new screen's heading so keyboard and screen
  // reader users start at the top of what changed (a full page load does this by itself).
  useEffect(() => {
    if (first.current) { first.current = false; return; }
    // A screen still loading has no heading yet: then main itself takes focus.
    const target = main.current?.querySelector('h1') ?? main.current;
    if (target) {
      target.setAttribute('tabindex', '-1');
      target.focus({ preventScroll: false });
    }
  }, [path]);

  const current = (prefix: string) => (path === prefix || (prefix !== '/' && path.startsWith(prefix)) ? 'page' : undefined);
  return (
    <>
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="app-header">
        <Link to="/" className="brand">Muster</Link>
        {session.organisation ? <span className="org">{session.organisation.name}</span> : null}
        <nav aria-label="Main">
          <ul>
            <li><Link to="/" aria-current={path === '/' || path.startsWith('/lists') ? 'page' : undefined}>Lists</Link></li>
            {isOwner || admin.role === 'admin' ? <li><Link to="/admins" aria-current={current('/admins')}>Admins</Link></li> : null}
            <li><Link to="/settings/wallets" aria-current={current('/settings/wallets')}>Wallets</Link></li>
            <li><Link to="/settings/email" aria-current={current('/settings/email')}>Email</Link></li>
            <li><Link to="/settings/webhooks" aria-current={current('/settings/webhooks')}>Webhooks</Link></li>
            {admin.installationOwner ? <li><Link to="/settings/installation" aria-current={current('/settings/installation')}>Installation</Link></li> : null}
          </ul>
        </nav>
        <div className="who">
          <span>{admin.name} <span className="role">({admin.role})</span></span>
          <button type="button" className="secondary" onClick={() => void signOut()}>Sign out</button>
        </div>
      </header>
      <main id="main" ref={main}>
        {path !== '/settings/webhooks' ? <PausedWebhooksNotice path={path} /> : null}
        {children}
      </main>
    </>
  );
}
