import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
// First. The build also inlines it into index.html (vite.config.ts), which started the reads already
// (they are kept by path: nothing is asked twice); this is for the dev server, which does not inline.
import "./early-start";
import { App } from "./app";
import { applyTheme, storedTheme } from "./theme";
import "./styles.css";

applyTheme(storedTheme());
const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
