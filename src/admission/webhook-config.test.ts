import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { loadFixture } from "./testing.js";
import { renderWebhookConfigurations, type WebhookConfigOptions } from "./webhook-config.js";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
const OPTIONS: WebhookConfigOptions = {
  serviceName: "portcullis",
  namespace: "portcullis-system",
  caBundlePem: PEM,
};

/** Every key path of a JSON value, arrays collapsed ("webhooks[].rules[].apiGroups"). */
function keyPaths(value: unknown, prefix = ""): string[] {
  if (Array.isArray(value)) return value.flatMap((v) => keyPaths(v, `${prefix}[]`));
  if (typeof value !== "object" || value === null) return [prefix];
  return Object.entries(value).flatMap(([k, v]) => [`${prefix}.${k}`, ...keyPaths(v, `${prefix}.${k}`)]);
}

describe("renderWebhookConfigurations", () => {
  const rendered = renderWebhookConfigurations(OPTIONS);

  it("writes only fields the API knows (every one appears in the Kubernetes round-trip fixtures)", () => {
    for (const [ours, fixture] of [
      [rendered.validating, "admissionregistration.k8s.io.v1.ValidatingWebhookConfiguration.json"],
      [rendered.mutating, "admissionregistration.k8s.io.v1.MutatingWebhookConfiguration.json"],
    ] as const) {
      const known = new Set(keyPaths(loadFixture(fixture)));
      const unknown = keyPaths(ours).filter(
        (path) => !known.has(path) && !path.startsWith(".metadata.labels."),
      );
      expect(unknown).toEqual([]);
    }
  });

  it("points at the service, spares kube-system, its own namespace and opted-out namespaces", () => {
    const webhook = (rendered.validating.webhooks as Record<string, unknown>[])[0]!;
    expect(webhook).toMatchObject({
      name: "validate.portcullis.dev",
      clientConfig: {
        service: { namespace: "portcullis-system", name: "portcullis", path: "/validate", port: 8443 },
        caBundle: Buffer.from(PEM).toString("base64"),
      },
      failurePolicy: "Fail",
      matchPolicy: "Equivalent",
      sideEffects: "None",
      timeoutSeconds: 10,
      admissionReviewVersions: ["v1", "v1beta1"],
      namespaceSelector: {
        matchExpressions: [
          {
            key: "kubernetes.io/metadata.name",
            operator: "NotIn",
            values: ["kube-system", "portcullis-system"],
          },
          { key: "portcullis.dev/admission", operator: "NotIn", values: ["disabled"] },
        ],
      },
    });
    expect(webhook.reinvocationPolicy).toBeUndefined();
    expect(webhook.rules).toEqual([
      {
        apiGroups: [""],
        apiVersions: ["v1"],
        operations: ["CREATE", "UPDATE"],
        resources: ["pods", "pods/ephemeralcontainers", "podtemplates", "replicationcontrollers"],
        scope: "Namespaced",
      },
      {
        apiGroups: ["apps"],
        apiVersions: ["v1"],
        operations: ["CREATE", "UPDATE"],
        resources: ["deployments", "replicasets", "statefulsets", "daemonsets"],
        scope: "Namespaced",
      },
      {
        apiGroups: ["batch"],
        apiVersions: ["v1"],
        operations: ["CREATE", "UPDATE"],
        resources: ["jobs", "cronjobs"],
        scope: "Namespaced",
      },
    ]);
    const mutating = (rendered.mutating.webhooks as Record<string, unknown>[])[0]!;
    expect(mutating).toMatchObject({
      name: "mutate.portcullis.dev",
      clientConfig: { service: { path: "/mutate" } },
      reinvocationPolicy: "IfNeeded",
    });
  });

  it("renders both as a YAML stream that parses back to the same objects", () => {
    const docs = parseAllDocuments(rendered.yaml).map((d) => d.toJS());
    expect(docs).toEqual([rendered.mutating, rendered.validating]);
    expect(rendered.yaml).not.toContain("*"); // no YAML aliases: kubectl users read it
  });

  it("takes failurePolicy, timeout, paths and port", () => {
    const custom = renderWebhookConfigurations({
      ...OPTIONS,
      failurePolicy: "Ignore",
      timeoutSeconds: 5,
      paths: { validate: "/admission/validate", mutate: "/admission/mutate" },
      port: 443,
    });
    const webhook = (custom.validating.webhooks as Record<string, unknown>[])[0]!;
    expect(webhook).toMatchObject({
      failurePolicy: "Ignore",
      timeoutSeconds: 5,
      clientConfig: { service: { path: "/admission/validate", port: 443 } },
    });
  });

  it.each<[string, Partial<WebhookConfigOptions>]>([
    ["timeout over 30", { timeoutSeconds: 31 }],
    ["timeout 0", { timeoutSeconds: 0 }],
    ["a service name with dots", { serviceName: "a.b" }],
    ["an upper-case namespace", { namespace: "Prod" }],
    ["no PEM", { caBundlePem: "not a certificate" }],
    ["a path without /", { paths: { validate: "validate" } }],
    ["a bad failure policy", { failurePolicy: "Maybe" as "Fail" }],
    ["a single-label webhook domain", { webhookDomain: "local" }],
    ["a bad opt-out label", { optOutLabel: "bad label" }],
  ])("refuses %s with CONFIG_INVALID", (_name, patch) => {
    expect(() => renderWebhookConfigurations({ ...OPTIONS, ...patch })).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID" }),
    );
  });
});
