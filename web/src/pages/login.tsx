import { type FormEvent, useEffect, useState } from "react";
import { ApiError, apiSend } from "../api";
import { PageTitle } from "../components/bits";
import { hrefWith, isLocalPath, navigate, useLocation } from "../router";
import { useSession } from "../session";

/**
 * Sign in: a local (or directory) account's name and password, POST /auth/login, which sets the
 * session cookie; or single sign-on when the server has an OpenID provider.
 */
export default function LoginPage() {
  const session = useSession();
  const location = useLocation();
  const wanted = location.query.get("return_to") ?? "/";
  const returnTo = isLocalPath(wanted) && !wanted.startsWith("/login") ? wanted : "/";
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState("");
  const [busy, setBusy] = useState(false);
  const [signedIn, setSignedIn] = useState(false);
  useEffect(() => {
    if (signedIn && session.signedIn) navigate(returnTo, { replace: true });
  }, [signedIn, session.signedIn, returnTo]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setProblem("");
    try {
      await apiSend("POST", "/auth/login", { username: name, password });
      // Leave only once the session says who we are (the effect below): navigating now, with the
      // signed-out session still in place, would send the shell straight back here.
      setSignedIn(true);
      session.refresh();
    } catch (err) {
      setProblem(
        err instanceof ApiError && err.status === 401
          ? "Wrong name or password."
          : err instanceof ApiError && err.code === "THROTTLED"
            ? err.message
            : `Could not sign in: ${(err as Error).message}`,
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login">
      <PageTitle>Sign in to Portcullis</PageTitle>
      <form onSubmit={submit} aria-describedby={problem ? "login-problem" : undefined}>
        <label>
          User name
          <input
            autoComplete="username"
            required
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(event) => setPassword(event.target.value)}
          />
        </label>
        {problem && (
          <p id="login-problem" className="failure" role="alert">
            {problem}
          </p>
        )}
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
      {session.info?.oidc && (
        <p>
          <a className="button" href={hrefWith("/auth/oidc/login", { return_to: returnTo })}>
            Sign in with SSO
          </a>
        </p>
      )}
    </div>
  );
}
