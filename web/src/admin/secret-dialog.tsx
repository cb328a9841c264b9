import { useEffect, useRef, useState } from "react";
import { Time } from "../components/bits";

/**
 * A robot's secret (or a new user's one-time password: `what`), shown once: a modal <dialog> (focus
 * kept inside, Esc closes) with the name, the secret and a copy button. The secret lives only in this
 * component's props; closing forgets it. `expiresAt` (a robot's) says how long the secret will work:
 * null for never; left out, nothing is said.
 */
export function SecretDialog({
  name,
  secret,
  onClose,
  what = "Secret",
  expiresAt,
}: {
  name: string;
  secret: string;
  onClose: () => void;
  what?: "Secret" | "One-time password";
  expiresAt?: string | null;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [copied, setCopied] = useState("");
  useEffect(() => {
    const element = dialog.current;
    if (element && !element.open) element.showModal();
  }, []);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied("Copied to the clipboard.");
    } catch {
      setCopied("The browser refused the clipboard: select the secret and copy it.");
    }
  };
  return (
    <dialog ref={dialog} className="secret-dialog" aria-labelledby="secret-title" onClose={onClose}>
      <h2 id="secret-title">
        {what} of {name}
      </h2>
      <p>
        This is the only time the {what.toLowerCase()} is shown: store it now. Portcullis keeps only its hash.
      </p>
      {expiresAt !== undefined && (
        <p>
          {expiresAt === null ? (
            "It never expires."
          ) : (
            <>
              It expires at <Time value={expiresAt} />.
            </>
          )}
        </p>
      )}
      <label>
        {what}
        <input readOnly value={secret} data-testid="robot-secret" onFocus={(e) => e.target.select()} />
      </label>
      <p role="status">{copied}</p>
      <div className="toolbar">
        <button type="button" onClick={copy}>
          Copy {what.toLowerCase()}
        </button>
        <button type="button" onClick={() => dialog.current?.close()}>
          I have stored it
        </button>
      </div>
    </dialog>
  );
}
