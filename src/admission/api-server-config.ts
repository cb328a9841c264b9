import { stringify } from "yaml";
import { AdmissionError } from "./errors.js";
import { DEFAULT_WEBHOOK_PORT } from "./webhook-config.js";

/**
 * The API server side of the webhook's caller authentication: how kube-apiserver is told to present a
 * client certificate or a bearer token when it calls the webhook. The API server reads an
 * AdmissionConfiguration (`--admission-control-config-file`) whose ValidatingAdmissionWebhook and
 * MutatingAdmissionWebhook plugins name a kubeconfig; in it, the `users` entry whose name is the
 * webhook's Service DNS name (`<svc>.<ns>.svc`, with `:<port>` when the port is not 443) holds the
 * credentials ("Authenticate API servers",
 * https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/).
 */
export interface ApiServerAuthOptions {
  serviceName: string;
  namespace: string;
  /** The Service port the webhook configurations name (default 8443). */
  port?: number;
  /** Where the kubeconfig will sit on the API server's host (the AdmissionConfiguration names it). */
  kubeconfigPath: string;
  /** PEM client certificate and key (client.crt and client.key from `admission certs`). */
  clientCertificatePem?: string;
  clientKeyPem?: string;
  /** The bearer token `admission serve --token-file` expects. */
  token?: string;
}

export interface RenderedApiServerAuth {
  /** The AdmissionConfiguration for kube-apiserver's --admission-control-config-file. */
  readonly admissionConfiguration: string;
  /** The kubeconfig it names (holds the credentials: keep it as secret as the key). */
  readonly kubeconfig: string;
}

function invalid(message: string): AdmissionError {
  return new AdmissionError("CONFIG_INVALID", message);
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

export function renderApiServerAuth(options: ApiServerAuthOptions): RenderedApiServerAuth {
  const port = options.port ?? DEFAULT_WEBHOOK_PORT;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw invalid(`port ${port} is not a TCP port`);
  const hasCert = options.clientCertificatePem !== undefined || options.clientKeyPem !== undefined;
  if (hasCert) {
    if (
      !/-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(options.clientCertificatePem ?? "")
    )
      throw invalid("the client certificate must be a PEM certificate");
    if (
      !/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+-----END [A-Z ]*PRIVATE KEY-----/.test(
        options.clientKeyPem ?? "",
      )
    )
      throw invalid("the client key must be a PEM private key");
  }
  if (options.token !== undefined && !/^[\x21-\x7e]+$/.test(options.token))
    throw invalid("the token must be printable ASCII without spaces");
  if (!hasCert && options.token === undefined)
    throw invalid("give a client certificate and key, or a token, for the API server to authenticate with");
  const host = `${options.serviceName}.${options.namespace}.svc`;
  const user = {
    ...(hasCert
      ? {
          "client-certificate-data": b64(options.clientCertificatePem!),
          "client-key-data": b64(options.clientKeyPem!),
        }
      : {}),
    ...(options.token !== undefined ? { token: options.token } : {}),
  };
  // The port is part of the name for a Service port other than 443 (API servers from 1.16 on).
  const names = port === 443 ? [host] : [`${host}:${port}`, host];
  const kubeconfig = stringify({
    apiVersion: "v1",
    kind: "Config",
    users: names.map((name) => ({ name, user })),
  });
  const plugin = (name: string) => ({
    name,
    configuration: {
      apiVersion: "apiserver.config.k8s.io/v1",
      kind: "WebhookAdmissionConfiguration",
      kubeConfigFile: options.kubeconfigPath,
    },
  });
  const admissionConfiguration = stringify({
    apiVersion: "apiserver.config.k8s.io/v1",
    kind: "AdmissionConfiguration",
    plugins: [plugin("ValidatingAdmissionWebhook"), plugin("MutatingAdmissionWebhook")],
  });
  return { admissionConfiguration, kubeconfig };
}
