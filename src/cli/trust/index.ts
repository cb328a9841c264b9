import type { Command } from "commander";
import { registerApprove } from "./approve.js";
import { registerAttest } from "./attest.js";
import { registerAttestations } from "./attestations.js";
import { registerKeygen } from "./keygen.js";
import { registerProvenance } from "./provenance.js";
import { registerSign } from "./sign.js";
import { registerVerify } from "./verify.js";
import { registerVerifyAttestation } from "./verify-attestation.js";
import { registerVerifyProvenance } from "./verify-provenance.js";

/** keygen, sign, verify, attest, approve, verify-attestation, attestations, provenance, verify-provenance. */
export function registerTrustCommands(program: Command, setExit: (code: number) => void): void {
  registerKeygen(program, setExit);
  registerSign(program, setExit);
  registerVerify(program, setExit);
  registerAttest(program, setExit);
  registerApprove(program, setExit);
  registerVerifyAttestation(program, setExit);
  registerAttestations(program, setExit);
  registerProvenance(program, setExit);
  registerVerifyProvenance(program, setExit);
}
