/**
 * What the identity domain reports for the record: logins, token issues and every change to accounts,
 * grants and robots. `app/` writes them to the audit log with their actor; nothing here holds a secret.
 */
export type AuthEventType =
  | "login.succeeded"
  | "login.failed"
  | "login.locked"
  | "token.issued"
  | "user.changed"
  | "group.changed"
  | "project.changed"
  | "member.changed"
  | "role.changed"
  | "robot.changed"
  | "key.rotated"
  | "retention.run"
  | "webhook.changed"
  | "replication.changed";

export interface AuthEvent {
  readonly type: AuthEventType;
  /** Who acted (a user or robot name, `anonymous`, or `system` for the CLI on the server's host). */
  readonly actor: string;
  /** What it acted on: an account, a project, a robot, a scope list. */
  readonly target: string;
  readonly outcome: "allow" | "deny";
  /** A sentence for people; never a secret. */
  readonly reason: string;
  readonly address?: string;
}

export type AuthEventSink = (event: AuthEvent) => void;
