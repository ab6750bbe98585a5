/** Who is signed in, what their role may do, and how to end the session; shared through context. */
import { createContext, useContext } from 'react';
import type { Admin, Session } from './api';

export interface SessionState {
  readonly session: Session;
  readonly admin: Admin;
  /** Viewers are read-only: the app shows them no write controls at all. */
  readonly canWrite: boolean;
  /** Only owners manage admin accounts. */
  readonly isOwner: boolean;
  signOut(): Promise<void>;
}

export const SessionContext = createContext<SessionState | null>(null);

export function useSession(): SessionState {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in screen');
  return s;
}
