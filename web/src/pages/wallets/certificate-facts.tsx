/** A certificate's metadata as the API shows it: subject, issuer, validity, fingerprint. */
import type { CertificateView } from '../../api';
import { DateTime } from '../../components/date-time';

export function CertificateFacts({ title, cert }: { readonly title: string; readonly cert: CertificateView }) {
  return (
    <div>
      <h3>{title}</h3>
      <dl className="facts">
        <div><dt>Subject</dt><dd>{cert.subject}</dd></div>
        <div><dt>Issuer</dt><dd>{cert.issuer}</dd></div>
        <div><dt>Valid</dt><dd><DateTime value={cert.notBefore} /> to <DateTime value={cert.notAfter} /></dd></div>
        <div><dt>SHA-256</dt><dd><code>{cert.fingerprint}</code></dd></div>
      </dl>
    </div>
  );
}
