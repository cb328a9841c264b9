import { stringify } from "yaml";
import { AdmissionError } from "./errors.js";
import { checkAnnotationKey } from "./patch.js";
import { WORKLOAD_KINDS } from "./workload-kinds.js";

/**
 * ValidatingWebhookConfiguration and MutatingWebhookConfiguration (admissionregistration.k8s.io/v1)
 * for the Portcullis webhook, as `portcullis admission install` prints them.
 * - Rules: CREATE and UPDATE of every workload kind we read, plus pods/ephemeralcontainers (the
 *   subresource `kubectl debug` uses to add a container to a running pod).
 * - namespaceSelector: spares kube-system and the webhook's own namespace (so a webhook that is down
 *   cannot block its own restart), and any namespace labelled with the opt-out label. Opting out is
 *   per namespace only: namespace labels need cluster rights, object labels would let anyone opt out.
 * - sideEffects None: the answer changes nothing, so dry-run requests are sent too.
 * - Mutating: reinvocationPolicy IfNeeded, so images another webhook rewrites after us get pinned.
 */

export interface WebhookConfigOptions {
  serviceName: string;
  namespace: string;
  /** The PEM of the CA that signed the serving certificate. */
  caBundlePem: string;
  failurePolicy?: "Fail" | "Ignore";
  /** 1 to 30 seconds (the API's limits); default 10. */
  timeoutSeconds?: number;
  paths?: { validate?: string; mutate?: string };
  port?: number;
  /** metadata.name of both configurations; default the service name. */
  name?: string;
  /** Webhook names are `validate.<domain>` and `mutate.<domain>`; default portcullis.dev. */
  webhookDomain?: string;
  /** Default kube-system and `namespace`. */
  exemptNamespaces?: string[];
  /** Namespaces labelled `<optOutLabel>=disabled` are not checked; default portcullis.dev/admission. */
  optOutLabel?: string;
}

export interface RenderedWebhookConfigurations {
  validating: Record<string, unknown>;
  mutating: Record<string, unknown>;
  /** Both as one multi-document YAML stream. */
  yaml: string;
}

export const DEFAULT_WEBHOOK_PORT = 8443;
export const DEFAULT_TIMEOUT_SECONDS = 10;
export const OPT_OUT_VALUE = "disabled";

const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*$/;

function configInvalid(message: string): AdmissionError {
  return new AdmissionError("CONFIG_INVALID", message);
}

function checked(options: WebhookConfigOptions) {
  const { serviceName, namespace, caBundlePem } = options;
  if (!DNS_LABEL.test(serviceName))
    throw configInvalid(`service name ${JSON.stringify(serviceName)} is not a DNS label`);
  if (!DNS_LABEL.test(namespace))
    throw configInvalid(`namespace ${JSON.stringify(namespace)} is not a DNS label`);
  if (!/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(caBundlePem)) {
    throw configInvalid("caBundlePem must hold a PEM certificate");
  }
  const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  if (!Number.isInteger(timeoutSeconds) || timeoutSeconds < 1 || timeoutSeconds > 30) {
    throw configInvalid(`timeoutSeconds must be an integer from 1 to 30, not ${timeoutSeconds}`);
  }
  const port = options.port ?? DEFAULT_WEBHOOK_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw configInvalid(`port ${port} is not a TCP port`);
  const failurePolicy = options.failurePolicy ?? "Fail";
  if (failurePolicy !== "Fail" && failurePolicy !== "Ignore") {
    throw configInvalid(`failurePolicy must be Fail or Ignore, not ${JSON.stringify(failurePolicy)}`);
  }
  const validatePath = options.paths?.validate ?? "/validate";
  const mutatePath = options.paths?.mutate ?? "/mutate";
  for (const path of [validatePath, mutatePath]) {
    if (!/^\/[-A-Za-z0-9._~/]*$/.test(path))
      throw configInvalid(`webhook path ${JSON.stringify(path)} is not a URL path`);
  }
  const domain = options.webhookDomain ?? "portcullis.dev";
  // A webhook name must be a fully qualified name of at least three labels (admissionregistration validation).
  if (!DNS_SUBDOMAIN.test(`validate.${domain}`) || domain.split(".").length < 2) {
    throw configInvalid(`webhook domain ${JSON.stringify(domain)} must be a DNS name of at least two labels`);
  }
  const optOutLabel = checkLabelKey(options.optOutLabel ?? "portcullis.dev/admission");
  const name = options.name ?? serviceName;
  if (!DNS_SUBDOMAIN.test(name)) throw configInvalid(`name ${JSON.stringify(name)} is not a DNS subdomain`);
  const exempt = options.exemptNamespaces ?? ["kube-system", namespace];
  return {
    ...options,
    timeoutSeconds,
    port,
    failurePolicy,
    validatePath,
    mutatePath,
    domain,
    optOutLabel,
    name,
    exempt,
  };
}

function checkLabelKey(key: string): string {
  try {
    return checkAnnotationKey(key);
  } catch {
    throw configInvalid(`${JSON.stringify(key)} is not a valid label key`);
  }
}

function rules() {
  const byGroup = new Map<string, string[]>();
  for (const info of WORKLOAD_KINDS) {
    const group = info.groups[0]!;
    byGroup.set(group, [...(byGroup.get(group) ?? []), info.resource]);
  }
  byGroup.get("")?.splice(1, 0, "pods/ephemeralcontainers");
  return [...byGroup].map(([group, resources]) => ({
    apiGroups: [group],
    apiVersions: ["v1"],
    operations: ["CREATE", "UPDATE"],
    resources,
    scope: "Namespaced",
  }));
}

export function renderWebhookConfigurations(options: WebhookConfigOptions): RenderedWebhookConfigurations {
  const o = checked(options);
  const caBundle = Buffer.from(o.caBundlePem, "utf8").toString("base64");
  const webhook = (kind: "validate" | "mutate") => ({
    name: `${kind}.${o.domain}`,
    clientConfig: {
      service: {
        namespace: o.namespace,
        name: o.serviceName,
        path: kind === "validate" ? o.validatePath : o.mutatePath,
        port: o.port,
      },
      caBundle,
    },
    rules: rules(),
    failurePolicy: o.failurePolicy,
    matchPolicy: "Equivalent",
    namespaceSelector: {
      matchExpressions: [
        { key: "kubernetes.io/metadata.name", operator: "NotIn", values: [...new Set(o.exempt)] },
        { key: o.optOutLabel, operator: "NotIn", values: [OPT_OUT_VALUE] },
      ],
    },
    sideEffects: "None",
    timeoutSeconds: o.timeoutSeconds,
    admissionReviewVersions: ["v1", "v1beta1"],
    ...(kind === "mutate" ? { reinvocationPolicy: "IfNeeded" } : {}),
  });
  const meta = { name: o.name, labels: { "app.kubernetes.io/name": "portcullis" } };
  const validating = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "ValidatingWebhookConfiguration",
    metadata: meta,
    webhooks: [webhook("validate")],
  };
  const mutating = {
    apiVersion: "admissionregistration.k8s.io/v1",
    kind: "MutatingWebhookConfiguration",
    metadata: meta,
    webhooks: [webhook("mutate")],
  };
  const yaml = `${stringify(mutating, { aliasDuplicateObjects: false })}---\n${stringify(validating, { aliasDuplicateObjects: false })}`;
  return { validating, mutating, yaml };
}
