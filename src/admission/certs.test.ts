import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { unavailable } from "../../test/support/requirements.js";
import { renderOpensslCommands, serviceDnsNames } from "./certs.js";
import { AdmissionError } from "./errors.js";
import { renderWebhookConfigurations } from "./webhook-config.js";

const OPTIONS = { serviceName: "portcullis", namespace: "portcullis-system" };

describe("renderOpensslCommands", () => {
  it("refuses bad names and validity", () => {
    expect(() => renderOpensslCommands({ serviceName: "a_b", namespace: "x" })).toThrow(AdmissionError);
    expect(() => renderOpensslCommands({ serviceName: "a", namespace: "x", days: 0 })).toThrow(/days/);
    expect(() =>
      renderOpensslCommands({ serviceName: "a", namespace: "x", clientName: "a'; rm -rf /" }),
    ).toThrow(/client name/);
  });

  it.skipIf(unavailable("openssl", existsSync("/usr/bin/openssl")))(
    "makes a CA and a serving certificate for the Service that the CA verifies",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "portcullis-certs-"));
      try {
        const script = renderOpensslCommands({
          serviceName: "portcullis",
          namespace: "portcullis-system",
          dir,
          days: 30,
        });
        writeFileSync(join(dir, "make.sh"), script);
        execFileSync("sh", [join(dir, "make.sh")], { stdio: "pipe" });
        const ca = new X509Certificate(readFileSync(join(dir, "ca.crt")));
        const tls = new X509Certificate(readFileSync(join(dir, "tls.crt")));
        expect(ca.ca).toBe(true);
        expect(tls.ca).toBe(false);
        expect(tls.checkIssued(ca)).toBe(true);
        expect(tls.verify(ca.publicKey)).toBe(true);
        for (const name of serviceDnsNames("portcullis", "portcullis-system")) {
          expect(tls.checkHost(name)).toBe(name);
        }
        expect(tls.subjectAltName).toContain("DNS:portcullis.portcullis-system.svc");
        expect(existsSync(join(dir, "tls.key"))).toBe(true);
        // The API server's client certificate: signed by the same CA, for client authentication only.
        const client = new X509Certificate(readFileSync(join(dir, "client.crt")));
        expect(client.checkIssued(ca)).toBe(true);
        expect(client.verify(ca.publicKey)).toBe(true);
        expect(client.subject).toBe("CN=kube-apiserver");
        expect(client.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
        expect(existsSync(join(dir, "client.key"))).toBe(true);
        // The CA renders into a configuration the tests above accept.
        const rendered = renderWebhookConfigurations({
          ...OPTIONS,
          caBundlePem: readFileSync(join(dir, "ca.crt"), "utf8"),
        });
        expect(rendered.yaml).toContain("caBundle: LS0tLS1CRUdJTi");
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
