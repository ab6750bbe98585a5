/** The list's setting "invite new people provisioned by the IdP automatically", with its link rules and reminder. */
import { useState, type FormEvent } from 'react';
import { api, toApiError, type ApiError, type AutoInviteSettings } from '../../api';
import { ErrorMessage } from '../../components/error-message';
import { StatusMessage } from '../../components/status-message';
import { Link } from '../../router';

export function AutoInviteForm({ listId, settings, canWrite, onSaved }: { readonly listId: string; readonly settings: AutoInviteSettings; readonly canWrite: boolean; readonly onSaved: () => void }) {
  const [enabled, setEnabled] = useState(settings.enabled);
  const [hours, setHours] = useState(String(settings.hours));
  const [reminder, setReminder] = useState(settings.reminderDays === null ? '' : String(settings.reminderDays));
  const [message, setMessage] = useState('');
  const [error, setError] = useState<ApiError>();
  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setError(undefined);
    setMessage('');
    try {
      const s = await api.campaigns.saveAutomatic(listId, { enabled, hours: Number(hours), attempts: settings.attempts, reminderDays: reminder ? Number(reminder) : null, maxReminders: settings.maxReminders });
      setMessage(s.enabled ? 'New people will be invited as your identity provider sends them.' : 'New people are no longer invited automatically.');
      onSaved();
    } catch (err) {
      setError(toApiError(err));
    }
  };
  return (
    <form className="panel stack" onSubmit={(e) => void submit(e)} aria-labelledby="auto-invite">
      <h2 id="auto-invite">New people</h2>
      <label className="inline"><input type="checkbox" checked={enabled} disabled={!canWrite} onChange={(e) => setEnabled(e.target.checked)} /> Invite new people provisioned by the identity provider automatically</label>
      <div className="row">
        <label>Links work for (hours)<input type="number" min={1} max={720} required value={hours} disabled={!canWrite} onChange={(e) => setHours(e.target.value)} /></label>
        <label>Remind after (days, empty: never)<input type="number" min={1} max={60} value={reminder} disabled={!canWrite} onChange={(e) => setReminder(e.target.value)} /></label>
      </div>
      {canWrite ? <div className="toolbar"><button type="submit" className="secondary">Save</button></div> : null}
      {settings.campaignId ? <p><Link to={`/lists/${listId}/photos/campaigns/${settings.campaignId}`}>Who was invited automatically</Link></p> : null}
      <StatusMessage>{message}</StatusMessage>
      <ErrorMessage error={error} />
    </form>
  );
}
