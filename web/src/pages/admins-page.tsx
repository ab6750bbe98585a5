/**
 * Admin accounts: everyone sees who has access; only the owner adds, re-roles and removes them.
 * Owners and admins also see the security log (sign-ins and account changes).
 */
import { useState, type FormEvent } from 'react';
import { api, toApiError, type AdminAccount, type ApiError, type Role } from '../api';
import { ConfirmButton } from '../components/confirm-button';
import { DateTime } from '../components/date-time';
import { ErrorMessage } from '../components/error-message';
import { StatusMessage } from '../components/status-message';
import { useAsync } from '../hooks/use-async';
import { useSession } from '../session';
import { SelectField } from '../components/select-field';
import { SecurityLog } from './security-log';
import { SsoSection } from './sso-section';
import { TableScroll } from '../components/table-scroll';

const ROLES: readonly [Role, string][] = [['owner', 'Owner: everything, and manages admins'], ['admin', 'Admin: lists, sync and mapping'], ['viewer', 'Viewer: read-only']];

export function AdminsPage() {
  const { isOwner, canWrite, admin: me } = useSession();
  const admins = useAsync(() => api.admins.all(), []);
  const [error, setError] = useState<ApiError>();
  const [said, setSaid] = useState('');
  const [changes, setChanges] = useState(0);

  const act = async (fn: () => Promise<string>) => {
    setError(undefined);
    try {
      setSaid(await fn());
      setChanges((n) => n + 1);
      await admins.reload(true);
    } catch (err) {
      setError(toApiError(err));
    }
  };
  const create = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = e.currentTarget;
    const f = new FormData(form);
    await act(async () => {
      const a = await api.admins.create({
        email: String(f.get('email') ?? ''), name: String(f.get('name') ?? ''), role: String(f.get('role')) as Role, password: String(f.get('password') ?? ''),
      });
      form.reset();
      return `${a.name} can now sign in as ${a.role}.`;
    });
  };

  return (
    <section className="page">
      <h1>Admins</h1>
      <ErrorMessage error={error ?? admins.error} />
      <StatusMessage>{said}</StatusMessage>
      {admins.data ? (
        <TableScroll label="Admin accounts">
          <table className="cards">
            <caption className="visually-hidden">Admin accounts</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Last sign-in</th>{isOwner ? <th scope="col">Actions</th> : null}</tr></thead>
            <tbody>
              {admins.data.admins.map((a: AdminAccount) => (
                <tr key={a.id}>
                  <td data-label="Name">{a.name}{a.id === me.id ? ' (you)' : ''}</td>
                  <td data-label="Email">{a.email}</td>
                  <td data-label="Role">
                    {isOwner && a.id !== me.id ? (
                      <select aria-label={`Role of ${a.name}`} value={a.role} onChange={(e) => void act(async () => {
                        const u = await api.admins.setRole(a.id, e.target.value as Role);
                        return `${u.name} is now ${u.role}.`;
                      })}>
                        {ROLES.map(([r]) => <option key={r} value={r}>{r}</option>)}
                      </select>
                    ) : a.role}
                  </td>
                  <td data-label="Last sign-in"><DateTime value={a.lastSignInAt} fallback="Never" /></td>
                  {isOwner ? (
                    <td data-label="Actions">
                      {a.id === me.id ? null : (
                        <ConfirmButton label="Remove" ariaLabel={`Remove ${a.name}`} confirmLabel={`Remove ${a.name}`} question={`Remove ${a.name}? They can no longer sign in.`}
                          onConfirm={() => act(async () => { await api.admins.remove(a.id); return `${a.name} was removed.`; })} />
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </TableScroll>
      ) : null}
      {isOwner ? (
        <form onSubmit={create} className="panel stack" aria-labelledby="add-admin-h">
          <h2 id="add-admin-h">Add an admin</h2>
          <label>Name<input name="name" required autoComplete="off" /></label>
          <label>Email<input name="email" type="email" required autoComplete="off" /></label>
          <SelectField label="Role" name="role" defaultValue="admin">{ROLES.map(([r, l]) => <option key={r} value={r}>{l}</option>)}</SelectField>
          <label>Initial password<input name="password" type="password" required minLength={12} autoComplete="new-password" aria-describedby="admin-pw-hint" /></label>
          <p id="admin-pw-hint" className="hint">At least 12 characters. Give it to them through a safe channel.</p>
          <button type="submit">Add admin</button>
        </form>
      ) : <p className="hint">Only the owner manages admin accounts.</p>}
      <SsoSection isOwner={isOwner} />
      {canWrite ? <SecurityLog changes={changes} /> : null}
    </section>
  );
}
