import { PageTitle } from "../components/bits";
import { Link } from "../router";

export default function NotFoundPage() {
  return (
    <>
      <PageTitle>Not found</PageTitle>
      <p>
        The console has no page here. <Link to="/repositories">See the repositories</Link>.
      </p>
    </>
  );
}
