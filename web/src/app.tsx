import { lazy, type ReactNode, Suspense, useEffect, useRef } from "react";
import { apiSend } from "./api";
import { Failure, Loading } from "./components/bits";
import { PageBoundary } from "./components/boundary";
// The page most visits land on is in the main chunk: no second download and no Suspense on the first
// render (React holds a revealed Suspense boundary back until 300 ms after its fallback appeared,
// FALLBACK_THROTTLE_MS, which alone made the first rows wait ~300 ms after their data). The others
// load when first shown.
import RepositoriesPage from "./pages/repositories";
import { hrefWith, Link, matchRoute, navigate, type Route, useLocation } from "./router";
import { SessionProvider, useSession } from "./session";
import { ThemeToggle } from "./theme";

const RepositoryPage = lazy(() => import("./pages/repository"));
const ImagePage = lazy(() => import("./pages/image"));
const DecisionsPage = lazy(() => import("./pages/decisions"));
const TimelinePage = lazy(() => import("./pages/timeline"));
const PoliciesPage = lazy(() => import("./pages/policies"));
const AdvisoriesPage = lazy(() => import("./pages/advisories"));
const AdminPage = lazy(() => import("./pages/admin"));
const AdminProjectPage = lazy(() => import("./pages/admin-project"));
const AdminSystemPage = lazy(() => import("./pages/admin-system"));
const LoginPage = lazy(() => import("./pages/login"));
const NotFoundPage = lazy(() => import("./pages/not-found"));

function page(route: Route): ReactNode {
  switch (route.page) {
    case "repositories":
      return <RepositoriesPage />;
    case "repository":
      return <RepositoryPage key={route.name} name={route.name} />;
    case "image":
      return <ImagePage key={`${route.name}@${route.digest}`} name={route.name} digest={route.digest} />;
    case "decisions":
      return <DecisionsPage />;
    case "timeline":
      return <TimelinePage />;
    case "policies":
      return <PoliciesPage />;
    case "advisories":
      return <AdvisoriesPage />;
    case "admin":
      return <AdminPage />;
    case "admin-project":
      return <AdminProjectPage key={route.name} name={route.name} />;
    case "admin-system":
      return <AdminSystemPage />;
    case "login":
      return <LoginPage />;
    case "not-found":
      return <NotFoundPage />;
  }
}

const SECTIONS: readonly { to: string; title: string; pages: readonly Route["page"][] }[] = [
  { to: "/repositories", title: "Repositories", pages: ["repositories", "repository", "image"] },
  { to: "/decisions", title: "Decisions", pages: ["decisions", "timeline"] },
  { to: "/policies", title: "Policies", pages: ["policies"] },
  { to: "/advisories", title: "Advisory database", pages: ["advisories"] },
];

function Shell() {
  const session = useSession();
  const location = useLocation();
  const route = matchRoute(location.path);
  const mustSignIn = !session.signedIn && route.page !== "login";
  useEffect(() => {
    if (mustSignIn) navigate(hrefWith("/login", { return_to: location.href }), { replace: true });
  }, [mustSignIn, location.href]);
  // After a navigation, move focus to the new page's heading (as a full page load would reset it).
  // Not on the first page: a fresh load leaves focus at the top, where the skip link is the first stop.
  const shownPath = useRef(location.path);
  useEffect(() => {
    if (shownPath.current === location.path) return;
    shownPath.current = location.path;
    const heading = document.getElementById("page-heading");
    if (heading && document.activeElement?.closest("main") === null) heading.focus({ preventScroll: true });
  }, [location.path]);
  const admin = session.info?.authMode === "accounts" && session.administers();
  const sections = admin
    ? [
        ...SECTIONS,
        { to: "/admin", title: "Administration", pages: ["admin", "admin-project", "admin-system"] as const },
      ]
    : SECTIONS;
  const signOut = async () => {
    await apiSend("POST", "/auth/logout").catch(() => undefined);
    session.refresh();
  };
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/" className="brand">
          Portcullis
        </Link>
        <nav aria-label="Main">
          <ul className="main-nav">
            {session.signedIn &&
              sections.map((section) => (
                <li key={section.to}>
                  <Link
                    to={section.to}
                    aria-current={
                      (section.pages as readonly string[]).includes(route.page) ? "page" : undefined
                    }
                  >
                    {section.title}
                  </Link>
                </li>
              ))}
          </ul>
        </nav>
        <div className="who">
          {session.me && session.me.kind !== "anonymous" && (
            <>
              <span>{session.me.name}</span>
              <button type="button" onClick={signOut}>
                Sign out
              </button>
            </>
          )}
          {session.me?.kind === "anonymous" && <span className="muted">anonymous (loopback)</span>}
          <ThemeToggle />
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <PageBoundary key={location.path}>
          <Suspense fallback={<Loading what="the page" />}>{mustSignIn ? null : page(route)}</Suspense>
        </PageBoundary>
      </main>
      <footer className="bottom">
        {session.info ? `Portcullis ${session.info.version}` : "Portcullis"} · everything here is also in the{" "}
        <a href="/api/v1/openapi.json">HTTP API</a>
      </footer>
    </>
  );
}

export function App() {
  return (
    <SessionProvider
      fallback={(error) =>
        error ? (
          <main id="main">
            <Failure error={error} what="who you are" />
          </main>
        ) : (
          <Loading what="Portcullis" />
        )
      }
    >
      <Shell />
    </SessionProvider>
  );
}
