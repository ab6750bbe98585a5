/**
 * Single sign-on with the organisation's OpenID Connect provider (docs/sso.md): the owner enters
 * what the provider gave Muster's registration and who may come in; everyone else sees whether
 * it is on. The client secret is sent once and never shown again.
 */
import { useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type Role, type SsoSettings } from '../api';
import { ConfirmButton } from '../components/confirm-button';
import { CopyButton } from '../components/copy-button';
import { ErrorMessage } from '../components/error-message';
import { StatusMessage } from '../components/status-message';
import { SelectField } from '../components/select-field';
import { useAsync } from '../hooks/use-async';

const ROLES: readonly Role[] = ['viewer', 'admin', 'owner'];

/** "muster-admins = admin" lines to { group, role } pairs; a line that does not parse is reported. */
function parseMapping(text: string): { pairs: { group: string; role: Role }[]; problem?: string } {
  const pairs: { group: string; role: Role }[] = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (!line) continue;
    const at = line.lastIndexOf('=');
    const group = line.slice(0, at).trim(), role = line.slice(at + 1).trim().toLowerCase() as Role;
    if (at < 1 || !group || !ROLES.includes(role)) return { pairs, problem: `Line ${i + 1} of the group mapping should read "group = owner", "group = admin" or "group = viewer".` };
    pairs.push({ group, role });
  }
  return { pairs };
}

export function SsoSection({ isOwner }: { readonly isOwner: boolean }) {
  const settings = useAsync(() => api.sso.get(), []);
  const [error, setError] = useState<ApiError>();
  const [problem, setProblem] = useState('');
  const [said, setSaid] = useState('');
  const s: SsoSettings | undefined = settings.data;

  const save = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const mapping = parseMapping(String(f.get('groupRoles') ?? ''));
    setProblem(mapping.problem ?? '');
    if (mapping.problem) return;
    setError(undefined);
    try {
      const secret = String(f.get('clientSecret') ?? '');
      await api.sso.put({
        displayName: String(f.get('displayName') ?? ''), issuer: String(f.get('issuer') ?? '').trim(), clientId: String(f.get('clientId') ?? '').trim(),
        ...(secret ? { clientSecret: secret } : {}),
        allowedDomains: String(f.get('allowedDomains') ?? '').split(/[\s,]+/).filter(Boolean),
        groupClaim: String(f.get('groupClaim') ?? '').trim() || null, groupRoles: mapping.pairs,
        defaultRole: String(f.get('defaultRole') ?? 'viewer') as Role, passwordsOff: f.get('passwordsOff') === 'on',
      });
      setSaid('Single sign-on saved. Try it in a private window before you sign out.');
      await settings.reload(true);
    } catch (err) {
      setError(toApiError(err));
    }
  };

  const remove = async () => {
    setError(undefined);
    try {
      await api.sso.remove();
      setSaid('Single sign-on removed: everyone signs in with their password again.');
      await settings.reload(true);
    } catch (err) {
      setError(toApiError(err));
    }
  };

  return (
    <section className="panel stack" aria-labelledby="sso-h">
      <h2 id="sso-h">Single sign-on</h2>
      <ErrorMessage error={error ?? settings.error} />
      {problem ? <p className="error" role="alert">{problem}</p> : null}
      <StatusMessage>{said}</StatusMessage>
      {s ? (
        <>
          <p>{s.configured ? `Admins sign in with ${s.displayName}${s.passwordsOff ? '; passwords are off' : ', or with their password'}.` : 'Admins sign in with their password. Connect your identity provider (Okta, Microsoft Entra ID, Google…) so they sign in with their work account instead.'}</p>
          <p>Redirect URI to register at your provider: <code>{s.redirectUri}</code> <CopyButton value={s.redirectUri} label="Copy the redirect URI" /></p>
          {s.configured ? <p>Sign-in link for your organisation: <code>{s.signInUrl}</code> <CopyButton value={s.signInUrl} label="Copy the sign-in link" /></p> : null}
          {isOwner ? (
            <form onSubmit={save} className="stack" key={String(s.configured) + (s.displayName ?? '')}>
              <label>Name on the sign-in button<input name="displayName" required maxLength={60} defaultValue={s.displayName ?? ''} placeholder="Okta" /></label>
              <label>Issuer URL<input name="issuer" type="url" required defaultValue={s.issuer ?? ''} placeholder="https://example.okta.com" aria-describedby="sso-issuer-hint" /></label>
              <p id="sso-issuer-hint" className="hint">Muster reads the provider's settings from this URL followed by /.well-known/openid-configuration.</p>
              <label>Client ID<input name="clientId" required autoComplete="off" defaultValue={s.clientId ?? ''} /></label>
              <label>Client secret<input name="clientSecret" type="password" autoComplete="new-password" required={!s.configured} placeholder={s.configured ? 'Stored encrypted; leave empty to keep it' : ''} /></label>
              <label>Allowed domains<input name="allowedDomains" defaultValue={(s.allowedDomains ?? []).join(', ')} placeholder="example.org, example.com" aria-describedby="sso-domains-hint" /></label>
              <p id="sso-domains-hint" className="hint">Only people whose email address is in one of these domains may sign in; the sign-in page also offers your provider to whoever types one. Leave empty to decide by groups alone.</p>
              <label>Group claim<input name="groupClaim" defaultValue={s.groupClaim ?? ''} placeholder="groups" /></label>
              <label>Groups and their roles<textarea name="groupRoles" rows={3} defaultValue={(s.groupRoles ?? []).map((g) => `${g.group} = ${g.role}`).join('\n')} placeholder={'muster-owners = owner\nmuster-admins = admin'} aria-describedby="sso-groups-hint" /></label>
              <p id="sso-groups-hint" className="hint">One group per line. With a group claim, only people in a listed group get in, with the highest role of their groups, updated at every sign-in.</p>
              <SelectField label="Role of new accounts without a group claim" name="defaultRole" defaultValue={s.defaultRole ?? 'viewer'}>{ROLES.map((r) => <option key={r} value={r}>{r}</option>)}</SelectField>
              <label className="inline"><input name="passwordsOff" type="checkbox" defaultChecked={s.passwordsOff === true} /> Turn passwords off for this organisation</label>
              <p className="hint">If the provider ever fails, an owner still gets in once with a password set on the server: <code>muster admins reset-password --email …</code>.</p>
              <div>
                <button type="submit">Save single sign-on</button>
                {s.configured ? <ConfirmButton label="Remove" ariaLabel="Remove single sign-on" confirmLabel="Remove single sign-on" question="Remove single sign-on? Everyone signs in with their password again." onConfirm={remove} /> : null}
              </div>
            </form>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
