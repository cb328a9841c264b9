import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
// First, and also a script of its own in index.html (vite.config.ts): importing it here too puts
// early.ts and what it needs into that one small file, which then runs without a second download.
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
