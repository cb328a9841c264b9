import { startEarly } from "./early";

/**
 * A build entry of its own (web/vite.config.ts puts it first in index.html, `async`): it runs as soon
 * as its few kilobytes arrive, long before the main chunk, and starts the first requests (early.ts).
 */
startEarly(window.location.pathname, window.location.search);
