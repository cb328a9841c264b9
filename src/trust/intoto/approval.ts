/**
 * An approval: a person or team vouching for one image digest, as an in-toto predicate signed with
 * their key and attached like any attestation. Binary Authorization calls this an attestor's note;
 * here it is a predicate a policy demands with `attestations` (type, key, and a CEL condition such as
 * `timestamp(predicate.expires) > now`).
 */
export const PREDICATE_TYPE_APPROVAL = "https://portcullis.dev/attestations/approval/v1";

export interface ApprovalPredicate {
  /** Who approves (an e-mail address, a team): what the key's holder says they are. */
  readonly approver: string;
  /** Why: the change request, the review, the exception. */
  readonly reason: string;
  /** RFC 3339. */
  readonly approvedAt: string;
  /** RFC 3339; absent: no expiry (a policy may still demand one). */
  readonly expires?: string;
  /** A link to the ticket or review, when there is one. */
  readonly ticket?: string;
}

export interface ApprovalOptions {
  readonly approver: string;
  readonly reason: string;
  /** How long the approval holds, in ms from `now`. */
  readonly validForMs?: number;
  readonly ticket?: string;
  readonly now?: Date;
}

/** The approval predicate; an empty approver or reason is refused (an approval must say who and why). */
export function buildApproval(options: ApprovalOptions): ApprovalPredicate {
  const approver = options.approver.trim();
  const reason = options.reason.trim();
  if (approver === "") throw new RangeError("an approval names its approver");
  if (reason === "") throw new RangeError("an approval gives its reason");
  if (options.validForMs !== undefined && !(options.validForMs > 0)) {
    throw new RangeError(`an approval's validity must be positive, not ${options.validForMs} ms`);
  }
  const now = options.now ?? new Date();
  return {
    approver,
    reason,
    approvedAt: now.toISOString(),
    ...(options.validForMs !== undefined
      ? { expires: new Date(now.getTime() + options.validForMs).toISOString() }
      : {}),
    ...(options.ticket ? { ticket: options.ticket } : {}),
  };
}
