import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { renderApiServerAuth } from "./api-server-config.js";

const CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const KEY = "-----BEGIN EC PRIVATE KEY-----\nMHcC\n-----END EC PRIVATE KEY-----\n";
const BASE = {
  serviceName: "portcullis",
  namespace: "portcullis",
  kubeconfigPath: "/etc/kubernetes/pc.yaml",
};

describe("renderApiServerAuth", () => {
  it("names the kubeconfig from both webhook plugins of an AdmissionConfiguration", () => {
    const { admissionConfiguration } = renderApiServerAuth({ ...BASE, token: "t0ken" });
    expect(parse(admissionConfiguration)).toEqual({
      apiVersion: "apiserver.config.k8s.io/v1",
      kind: "AdmissionConfiguration",
      plugins: ["ValidatingAdmissionWebhook", "MutatingAdmissionWebhook"].map((name) => ({
        name,
        configuration: {
          apiVersion: "apiserver.config.k8s.io/v1",
          kind: "WebhookAdmissionConfiguration",
          kubeConfigFile: "/etc/kubernetes/pc.yaml",
        },
      })),
    });
  });

  it("keys the credentials by the Service DNS name, with the port when it is not 443", () => {
    const kubeconfig = parse(
      renderApiServerAuth({ ...BASE, clientCertificatePem: CERT, clientKeyPem: KEY, token: "t0ken" })
        .kubeconfig,
    );
    const user = {
      "client-certificate-data": Buffer.from(CERT).toString("base64"),
      "client-key-data": Buffer.from(KEY).toString("base64"),
      token: "t0ken",
    };
    expect(kubeconfig).toEqual({
      apiVersion: "v1",
      kind: "Config",
      users: [
        { name: "portcullis.portcullis.svc:8443", user },
        { name: "portcullis.portcullis.svc", user },
      ],
    });
    const on443 = parse(renderApiServerAuth({ ...BASE, port: 443, token: "t0ken" }).kubeconfig);
    expect(on443.users).toEqual([{ name: "portcullis.portcullis.svc", user: { token: "t0ken" } }]);
  });

  it.each([
    [{}, /client certificate and key, or a token/],
    [{ clientCertificatePem: CERT }, /client key must be a PEM private key/],
    [{ clientCertificatePem: "nope", clientKeyPem: KEY }, /PEM certificate/],
    [{ token: "has space" }, /printable ASCII/],
    [{ token: "t", port: 0 }, /not a TCP port/],
  ])("refuses %j", (extra, message) => {
    expect(() => renderApiServerAuth({ ...BASE, ...extra })).toThrow(message);
  });
});
