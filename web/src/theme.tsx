import { useEffect, useState } from "react";

/**
 * Light, dark, or the system's choice (prefers-color-scheme, the default). The choice is a
 * `data-theme` attribute on <html> that the style sheet reads, kept in localStorage.
 */
export type ThemeChoice = "system" | "light" | "dark";
const KEY = "portcullis.theme";
const NEXT: Record<ThemeChoice, ThemeChoice> = { system: "light", light: "dark", dark: "system" };

export function storedTheme(): ThemeChoice {
  try {
    const value = window.localStorage.getItem(KEY);
    return value === "light" || value === "dark" ? value : "system";
  } catch {
    return "system";
  }
}

export function applyTheme(choice: ThemeChoice): void {
  if (choice === "system") document.documentElement.removeAttribute("data-theme");
  else document.documentElement.setAttribute("data-theme", choice);
}

export function ThemeToggle() {
  const [choice, setChoice] = useState<ThemeChoice>(storedTheme);
  useEffect(() => {
    applyTheme(choice);
    try {
      if (choice === "system") window.localStorage.removeItem(KEY);
      else window.localStorage.setItem(KEY, choice);
    } catch {
      // Storage refused (private mode): the choice lasts this page.
    }
  }, [choice]);
  return (
    <button
      type="button"
      className="theme-toggle"
      onClick={() => setChoice(NEXT[choice])}
      aria-label={`Theme: ${choice}. Change theme`}
    >
      {choice === "dark" ? "☾" : choice === "light" ? "☀" : "◐"} <span className="theme-name">{choice}</span>
    </button>
  );
}
