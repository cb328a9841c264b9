import type { ReactNode } from "react";
import { apiSend } from "../api";
import type { Action } from "./action";
import type { Robot } from "./types";

/**
 * One button of a table row that writes through `action` (busy while any write runs; a failure shown by
 * the tab's <Problem>). `label` names the row for screen readers ("Delete role ops").
 */
export function RowAction({
  label,
  action,
  run,
  danger = false,
  disabled = false,
  children,
}: {
  label: string;
  action: Action;
  run: () => Promise<void>;
  danger?: boolean;
  disabled?: boolean;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      className={danger ? "danger" : undefined}
      disabled={action.busy || disabled}
      aria-label={label}
      onClick={() => action.run(run)}
    >
      {children}
    </button>
  );
}

export function robotStatus(robot: Robot): string {
  return robot.disabled ? "revoked" : robot.expired ? "expired" : "active";
}

/**
 * A robot row's Rotate and Revoke (and, for system robots, Delete) as the project and system tabs
 * both offer them: `url(tail)` is the robot's own API path; `onRotated` gets the new secret (shown
 * once), `onChanged` reloads the list.
 */
export function RobotActions({
  robot,
  action,
  url,
  onRotated,
  onChanged,
  deletable = false,
}: {
  robot: Robot;
  action: Action;
  url: (tail?: string) => string;
  onRotated: (answer: { name: string; secret: string }) => void;
  onChanged: () => void;
  deletable?: boolean;
}) {
  return (
    <span className="toolbar">
      <RowAction
        label={`Rotate the secret of ${robot.name}`}
        action={action}
        disabled={robot.disabled}
        run={async () => {
          const answer = await apiSend<{ name: string; secret: string }>("POST", url("/rotate"));
          if (answer) onRotated(answer);
        }}
      >
        Rotate
      </RowAction>
      <RowAction
        label={`Revoke ${robot.name}`}
        action={action}
        danger
        disabled={robot.disabled}
        run={async () => {
          await apiSend("POST", url("/revoke"));
          onChanged();
        }}
      >
        Revoke
      </RowAction>
      {deletable && (
        <RowAction
          label={`Delete ${robot.name}`}
          action={action}
          danger
          run={async () => {
            await apiSend("DELETE", url());
            onChanged();
          }}
        >
          Delete
        </RowAction>
      )}
    </span>
  );
}
