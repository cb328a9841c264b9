import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { MAX_NOTE_SIGNATURES, openNote, parseNote, signNote } from "./note.js";
import { NoteSigner, NoteVerifier } from "./note-keys.js";

/** The example keys and note published with golang.org/x/mod/sumdb/note (see NOTICE). */
const GO = JSON.parse(
  readFileSync(join(import.meta.dirname, "../testdata/signed-note/go-sumdb-note.json"), "utf8"),
) as {
  peterVerifierKey: string;
  peterSignerKey: string;
  enochVerifierKey: string;
  text: string;
  peterSignatureLine: string;
  enochSignatureLine: string;
};
const peter = NoteVerifier.parse(GO.peterVerifierKey);
const enoch = NoteVerifier.parse(GO.enochVerifierKey);
const peterNote = `${GO.text}\n${GO.peterSignatureLine}`;

describe("signed notes against the Go reference implementation's published example", () => {
  it("reads the verifier and signer keys, key IDs included, and writes them back unchanged", () => {
    expect([peter.name, peter.keyId]).toEqual(["PeterNeumann", 0xc74f20a3]);
    expect(peter.toString()).toBe(GO.peterVerifierKey);
    const signer = NoteSigner.parse(GO.peterSignerKey);
    expect(signer.verifier.toString()).toBe(GO.peterVerifierKey);
    expect(signer.toSecretString()).toBe(GO.peterSignerKey);
  });

  it("signs the example text byte for byte as Go does (Ed25519 is deterministic)", () => {
    expect(signNote(GO.text, [NoteSigner.parse(GO.peterSignerKey)])).toBe(peterNote);
  });

  it("opens the example note, setting aside a signature by a key it was not given", () => {
    const opened = openNote(`${GO.text}\n${GO.peterSignatureLine}${GO.enochSignatureLine}`, [peter]);
    expect(opened.text).toBe(GO.text);
    expect(opened.verified.map((s) => s.name)).toEqual(["PeterNeumann"]);
    expect(opened.unverified.map((s) => [s.name, s.keyId])).toEqual([["EnochRoot", 0xaf0cfe78]]);
    const both = openNote(`${GO.text}\n${GO.peterSignatureLine}${GO.enochSignatureLine}`, [enoch, peter]);
    expect(both.verified.map((s) => s.name)).toEqual(["PeterNeumann", "EnochRoot"]);
  });

  it("refuses a note signed by no key it trusts", () => {
    expect(() => openNote(peterNote, [enoch])).toThrow(expect.objectContaining({ code: "NOTE_UNVERIFIED" }));
    expect(() => openNote(peterNote, [])).toThrow(expect.objectContaining({ code: "NOTE_UNVERIFIED" }));
  });

  it("refuses a bad signature by a trusted key, and an edited text", () => {
    const line = GO.peterSignatureLine;
    const corrupted = `${GO.text}\n${line.slice(0, 60)}ABCD${line.slice(60)}`;
    expect(() => openNote(corrupted, [peter])).toThrow(
      expect.objectContaining({ code: "SIGNATURE_INVALID" }),
    );
    const edited = peterNote.replace("cryptography", "cryptographY");
    expect(() => openNote(edited, [peter])).toThrow(expect.objectContaining({ code: "SIGNATURE_INVALID" }));
  });

  it.each([
    ["no signature block", GO.text],
    ["a blank line and nothing", `${GO.text}\n`],
    ["a last line without its newline", `${GO.text}\n${GO.peterSignatureLine.slice(0, -1)}`],
    ["a control character", `\u0001${peterNote}`],
    [
      "a key name with a space",
      `${GO.text}\n${GO.peterSignatureLine.replace("PeterNeumann", "Peter Neumann")}`,
    ],
    [
      "a key name with a plus",
      `${GO.text}\n${GO.peterSignatureLine.replace("PeterNeumann", "Peter+Neumann")}`,
    ],
    ["a line that is no signature", `${peterNote}Unexpected line.\n`],
    ["a hyphen for the em dash", `${GO.text}\n${GO.peterSignatureLine.replace("\u2014", "-")}`],
    ["non-canonical base64", `${GO.text}\n${GO.peterSignatureLine.replace("AM=", "AN=")}`],
    ["too many signatures", `${GO.text}\n${GO.peterSignatureLine.repeat(MAX_NOTE_SIGNATURES + 1)}`],
    ["more than 64 KiB", `${"a".repeat(70_000)}\n\n${GO.peterSignatureLine}`],
  ])("refuses a note with %s as malformed", (_, note) => {
    expect(() => openNote(note, [peter])).toThrow(expect.objectContaining({ code: "NOTE_MALFORMED" }));
  });

  it("refuses a note that is not UTF-8", () => {
    const bytes = Buffer.concat([Buffer.from([0xff]), Buffer.from(peterNote)]);
    expect(() => parseNote(bytes)).toThrow(expect.objectContaining({ code: "NOTE_MALFORMED" }));
    expect(openNote(Buffer.from(peterNote), [peter]).text).toBe(GO.text);
  });

  it("refuses every truncation and every one-byte change of a verifier key", () => {
    const key = Buffer.from(GO.peterVerifierKey);
    const mangled: string[] = [];
    for (let i = 0; i <= key.length; i++) {
      for (let j = i + 1; j <= key.length; j++)
        if (i !== 0 || j !== key.length) mangled.push(key.toString("latin1", i, j));
    }
    for (let i = 0; i < key.length; i++) {
      const copy = Buffer.from(key);
      copy[i]! += 1;
      mangled.push(copy.toString("latin1"));
    }
    for (const text of mangled) {
      expect(() => NoteVerifier.parse(text), text).toThrow(
        expect.objectContaining({ code: "KEY_MALFORMED" }),
      );
    }
  });

  it("refuses a verifier list naming one key twice", () => {
    expect(() => openNote(peterNote, [peter, peter])).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT" }),
    );
  });
});

describe("signed notes with keys of our own", () => {
  it("round-trips through a generated key, several signers, and keeps the seed out of strings", () => {
    const log = NoteSigner.generate("portcullis.example/audit");
    const witness = NoteSigner.generate("witness.example");
    const note = signNote("hello\nworld\n", [log, witness]);
    const opened = openNote(note, [NoteVerifier.parse(log.verifier.toString())]);
    expect(opened.text).toBe("hello\nworld\n");
    expect(opened.unverified.map((s) => s.name)).toEqual(["witness.example"]);
    const secret = log.toSecretString().split("+").pop()!;
    expect(`${log}`).not.toContain(secret);
    expect(JSON.stringify({ log })).not.toContain(secret);
    const seed = Buffer.from(secret, "base64").subarray(1);
    expect(inspect(log, { depth: 5 })).not.toMatch(new RegExp(`\\b${seed[0]}, ${seed[1]}, ${seed[2]}\\b`));
    expect(() => openNote(note, [NoteSigner.generate("portcullis.example/audit").verifier])).toThrow(
      expect.objectContaining({ code: "NOTE_UNVERIFIED" }),
    );
  });

  it("refuses to sign text that could not be read back", () => {
    const signer = NoteSigner.generate("k");
    for (const text of ["no newline", "tab\there\n", ""]) {
      expect(() => signNote(text, [signer])).toThrow(expect.objectContaining({ code: "NOTE_MALFORMED" }));
    }
    expect(() => NoteSigner.generate("two words")).toThrow(
      expect.objectContaining({ code: "KEY_MALFORMED" }),
    );
  });
});
