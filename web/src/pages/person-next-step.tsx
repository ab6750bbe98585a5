/**
 * What the ID office does next for this person, in the order the work happens: a photo (send the
 * self-upload link), its approval, then a card to print. One step at a time, with the way to it.
 */
import type { MasterList, PersonDetail } from '../api';
import { Link } from '../router';
import { useSession } from '../session';

/** Opens the self-upload link form below and moves the keyboard there. */
function openPhotoLink() {
  const d = document.getElementById('photo-link');
  if (!(d instanceof HTMLDetailsElement)) return;
  d.open = true;
  d.scrollIntoView({ block: 'center' });
  d.querySelector('summary')?.focus();
}

export function NextStep({ list, person, name }: { readonly list: MasterList; readonly person: PersonDetail; readonly name: string }) {
  const { canWrite } = useSession();
  let text: string;
  let action = null;
  if (!person.active) {
    text = `${name} is deactivated: nothing is issued to them until the identity provider reactivates them.`;
  } else if (person.photoStatus === 'none' || person.photoStatus === 'rejected') {
    text = person.photoStatus === 'rejected' ? `${name}'s photo was refused. Ask for a new one.` : `${name} has no photo yet.`;
    action = canWrite ? <button type="button" onClick={openPhotoLink}>Send a photo link</button> : null;
  } else if (person.photoStatus === 'pending') {
    text = `A photo of ${name} is waiting for approval.`;
    action = <Link className="button" to={`/lists/${list.id}/photos`}>Approve in the Photos tab</Link>;
  } else if (person.credentialStatus === 'none') {
    text = `${name}'s photo is approved: the card can be printed.`;
    action = <Link className="button" to={`/lists/${list.id}/cards`}>Print a card in the Cards tab</Link>;
  } else if (person.credentialStatus === 'revoked') {
    text = `${name}'s credentials are all revoked. Print a new card if they need one.`;
    action = <Link className="button secondary" to={`/lists/${list.id}/cards`}>Print a card in the Cards tab</Link>;
  } else if (person.credentialStatus === 'suspended') {
    text = `${name}'s credential is suspended: reinstate it below when they may use it again.`;
  } else {
    text = `Nothing to do: ${name} has an approved photo and a valid credential.`;
  }
  return (
    <section aria-labelledby="next-h" className="panel next-step">
      <h2 id="next-h">Next step</h2>
      <p>{text}</p>
      {action ? <p className="toolbar">{action}</p> : null}
    </section>
  );
}
