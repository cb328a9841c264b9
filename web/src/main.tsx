import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App, startEarly } from "./app";
import { applyTheme, storedTheme } from "./theme";
import "./styles.css";

applyTheme(storedTheme());
startEarly(window.location.pathname, window.location.search);
const root = document.getElementById("root");
if (!root) throw new Error("index.html has no #root");
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
