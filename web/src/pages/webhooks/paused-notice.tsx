/** On every screen: a notice when Muster has paused messages to a receiving system (docs/webhooks.md#paused-endpoints). */
import { api } from '../../api';
import { useAsync } from '../../hooks/use-async';
import { Link } from '../../router';

export function PausedWebhooksNotice({ path }: { readonly path: string }) {
  // Looked at again on each screen change: cheap, and a pause is news worth seeing soon.
  const endpoints = useAsync(() => api.webhooks.list(), [path]);
  const paused = (endpoints.data?.endpoints ?? []).filter((e) => e.pausedAt);
  if (!paused.length) return null;
  return (
    <p role="status" className="warning paused-banner">
      <strong>Messages to {paused.length === 1 ? (paused[0]!.description || paused[0]!.url) : `${paused.length} receiving systems`} are paused</strong> after failing for a long time. Nothing is lost. <Link to="/settings/webhooks">Open Webhooks to resume</Link>
    </p>
  );
}
