import { createContext, type ReactNode, useContext, useEffect, useRef, useState } from "react";
import { ApiError, apiGet, takeSettledAnswer } from "./api";
import { allSettled } from "./early";
import type { Me, SystemInfo } from "./types";

/**
 * Who is using the console and what the server is: GET /api/v1/system/info (readable signed out) and
 * GET /api/v1/me, fetched together once. `can` answers from /me's grants, so the console offers only
 * what the server would allow (the server checks again on every request).
 */
export interface Session {
  readonly info: SystemInfo | undefined;
  /** undefined while signed out in accounts mode. */
  readonly me: Me | undefined;
  readonly signedIn: boolean;
  /** Whether the user holds `permission`, for `repository`'s project when given. */
  can(permission: string, repository?: string): boolean;
  /** Whether the user may change something the administration pages offer, in some project. */
  administers(): boolean;
  refresh(): void;
}

/** What the administration pages write: holding one of these (anywhere) shows them. */
const ADMINISTRATION = [
  "system.projects",
  "system.users",
  "system.roles",
  "system.robots",
  "immutability.write",
  "project.write",
  "member.write",
  "robot.read",
  "robot.write",
  "retention.write",
];

const ANONYMOUS_ADMIN: Me = { name: "anonymous", kind: "anonymous", admin: true };

export function sessionFrom(info: SystemInfo | undefined, me: Me | undefined, refresh: () => void): Session {
  const can = (permission: string, repository?: string): boolean => {
    if (!me) return false;
    if (me.admin) return true;
    if (me.systemPermissions?.includes(permission)) return true;
    const project = repository?.split("/")[0];
    return (me.grants ?? []).some(
      (grant) =>
        (project === undefined || grant.project === project) && grant.permissions.includes(permission),
    );
  };
  return {
    info,
    me,
    signedIn: me !== undefined,
    refresh,
    can,
    administers: () => ADMINISTRATION.some((permission) => can(permission)),
  };
}

const SessionContext = createContext<Session>(sessionFrom(undefined, undefined, () => {}));

export function useSession(): Session {
  return useContext(SessionContext);
}

type State =
  | { status: "loading" }
  | { status: "ready"; info?: SystemInfo; me?: Me }
  | { status: "failed"; error: Error };

const INFO = "/api/v1/system/info";
const ME = "/api/v1/me";

/** The session from its two reads' outcomes; throws what the console cannot go on without. */
function sessionOf(
  info: PromiseSettledResult<SystemInfo>,
  me: PromiseSettledResult<Me>,
): { info?: SystemInfo; me?: Me } {
  const infoValue = info.status === "fulfilled" ? info.value : undefined;
  if (me.status === "fulfilled") return { ...(infoValue ? { info: infoValue } : {}), me: me.value };
  const error: unknown = me.reason;
  // 401: accounts mode, signed out. 404: a server without /me (anonymous mode on an older server):
  // everything is readable there, as anonymous access on loopback is.
  if (error instanceof ApiError && error.status === 401) return infoValue ? { info: infoValue } : {};
  if (error instanceof ApiError && error.status === 404 && infoValue?.authMode !== "accounts") {
    return { ...(infoValue ? { info: infoValue } : {}), me: ANONYMOUS_ADMIN };
  }
  throw error;
}

async function loadSession(): Promise<{ info?: SystemInfo; me?: Me }> {
  const [info, me] = await Promise.allSettled([apiGet<SystemInfo>(INFO), apiGet<Me>(ME)]);
  return sessionOf(info, me);
}

/**
 * The session at the first render, when the early start script (early.ts) already holds both reads:
 * the app then renders its page at once instead of "Loading" first. Only successes are held there.
 */
function sessionInHand(): State | undefined {
  if (!allSettled(INFO, ME)) return undefined;
  const info = takeSettledAnswer<SystemInfo>(INFO);
  const me = takeSettledAnswer<Me>(ME);
  if (!info || !me) return undefined;
  try {
    return { status: "ready", ...sessionOf(info, me) };
  } catch {
    return undefined;
  }
}

export function SessionProvider({
  children,
  fallback,
}: {
  children: ReactNode;
  fallback: (error?: Error) => ReactNode;
}) {
  const [state, setState] = useState<State>(() => sessionInHand() ?? { status: "loading" });
  const inHand = useRef(state.status === "ready");
  const [generation, setGeneration] = useState(0);
  // generation asks for a fresh session (after sign-in or out).
  useEffect(() => {
    if (inHand.current && generation === 0) {
      inHand.current = false;
      return;
    }
    let live = true;
    loadSession().then(
      (loaded) => live && setState({ status: "ready", ...loaded }),
      (error: unknown) =>
        live &&
        setState({ status: "failed", error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      live = false;
    };
  }, [generation]);
  if (state.status === "loading") return fallback();
  if (state.status === "failed") return fallback(state.error);
  const session = sessionFrom(state.info, state.me, () => setGeneration((n) => n + 1));
  return <SessionContext.Provider value={session}>{children}</SessionContext.Provider>;
}
