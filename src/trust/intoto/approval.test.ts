import { describe, expect, it } from "vitest";
import { buildApproval } from "./approval.js";

describe("buildApproval", () => {
  const now = new Date("2026-06-01T12:00:00Z");

  it("says who, why, when and until when", () => {
    expect(
      buildApproval({
        approver: " security@example.com ",
        reason: "reviewed in CR-1234",
        validForMs: 30 * 86_400_000,
        ticket: "https://tickets.example.com/CR-1234",
        now,
      }),
    ).toEqual({
      approver: "security@example.com",
      reason: "reviewed in CR-1234",
      approvedAt: "2026-06-01T12:00:00.000Z",
      expires: "2026-07-01T12:00:00.000Z",
      ticket: "https://tickets.example.com/CR-1234",
    });
    expect(buildApproval({ approver: "a", reason: "b", now })).toEqual({
      approver: "a",
      reason: "b",
      approvedAt: "2026-06-01T12:00:00.000Z",
    });
  });

  it.each([
    [{ approver: " ", reason: "b" }, "names its approver"],
    [{ approver: "a", reason: "" }, "gives its reason"],
    [{ approver: "a", reason: "b", validForMs: 0 }, "must be positive"],
    [{ approver: "a", reason: "b", validForMs: Number.NaN }, "must be positive"],
  ])("refuses %j", (options, message) => {
    expect(() => buildApproval(options)).toThrow(message);
  });
});
