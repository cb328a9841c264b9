import { type ComponentType, type JSX, lazy, useState } from "react";

/**
 * A page's code split into its own chunk, like React.lazy, with one difference that matters for the
 * first render: once `load` has resolved (the app starts the likeliest page's import at startup), the
 * page renders its component directly instead of suspending. React.lazy suspends on every first use,
 * even of a module already loaded, and React then holds back the revealed content until 300 ms after
 * the fallback appeared (its Suspense throttle, FALLBACK_THROTTLE_MS): that alone made the console's
 * first rows wait about 300 ms after their data had arrived.
 */
export interface LazyPage<P extends object> {
  readonly Page: (props: P) => JSX.Element;
  /** Starts loading the page's code (again answering the same module). */
  readonly load: () => Promise<unknown>;
}

export function lazyPage<P extends object>(load: () => Promise<{ default: ComponentType<P> }>): LazyPage<P> {
  let loaded: ComponentType<P> | undefined;
  let loading: Promise<{ default: ComponentType<P> }> | undefined;
  const start = () => {
    loading ??= load().then(
      (module) => {
        loaded = module.default;
        return module;
      },
      (error: unknown) => {
        loading = undefined; // a failed chunk (a network blip, a redeploy) may be asked for again
        throw error;
      },
    );
    return loading;
  };
  const Lazy = lazy(start);
  // biome-ignore lint/correctness/noComponentHookFactories: made once per page at module level, as lazy() is
  function Page(props: P) {
    // Chosen once per mount: switching from the lazy wrapper to the component would remount the page.
    const [Component] = useState<ComponentType<P>>(() => loaded ?? Lazy);
    return <Component {...props} />;
  }
  return { Page, load: start };
}
