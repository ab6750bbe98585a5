import { Link } from '../router';

export function NotFoundPage() {
  return (
    <section className="page">
      <h1>Page not found</h1>
      <p>There is nothing at this address. <Link to="/">Go to your lists</Link>.</p>
    </section>
  );
}
