import { AdmissionError } from "./errors.js";

/**
 * Node 20's node:crypto can read X.509 certificates but not create them, so for trying the webhook out
 * we print the openssl commands that make a CA and a serving certificate instead. The serving
 * certificate names the Service the API server calls (`<svc>.<ns>.svc`, which is what it verifies;
 * the other forms help in-cluster callers) in subjectAltName: Go's TLS ignores the Common Name.
 */

export interface OpensslOptions {
  serviceName: string;
  namespace: string;
  /** Validity of both certificates in days; default 365. */
  days?: number;
  /** Directory the files are written to; default the current one. */
  dir?: string;
  /**
   * The Common Name of the client certificate (client.crt) the API server presents to the webhook,
   * which `admission serve --client-ca ca.crt` accepts and records as `mtls:<name>`; default
   * kube-apiserver.
   */
  clientName?: string;
}

/** What a client certificate's CN may be here: printable, no shell or DN metacharacters. */
const CLIENT_NAME = /^[A-Za-z0-9][-A-Za-z0-9.:@_]{0,62}$/;

const DNS_LABEL = /^[a-z0-9](?:[-a-z0-9]{0,61}[a-z0-9])?$/;

/** The DNS names a serving certificate for the Service must carry. */
export function serviceDnsNames(serviceName: string, namespace: string): string[] {
  return [
    serviceName,
    `${serviceName}.${namespace}`,
    `${serviceName}.${namespace}.svc`,
    `${serviceName}.${namespace}.svc.cluster.local`,
  ];
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/**
 * A POSIX shell script writing ca.key, ca.crt, tls.key and tls.crt, and client.key and client.crt
 * (ECDSA P-256) into `dir`. The caBundle of the webhook configurations is ca.crt; the server serves
 * tls.crt and tls.key; the API server authenticates with client.crt and client.key (its admission
 * kubeconfig's client-certificate-data and client-key-data), which `admission serve --client-ca ca.crt`
 * verifies.
 */
export function renderOpensslCommands(options: OpensslOptions): string {
  const { serviceName, namespace } = options;
  const days = options.days ?? 365;
  if (!DNS_LABEL.test(serviceName) || !DNS_LABEL.test(namespace)) {
    throw new AdmissionError("CONFIG_INVALID", "service name and namespace must be DNS labels");
  }
  if (!Number.isInteger(days) || days < 1 || days > 3650) {
    throw new AdmissionError("CONFIG_INVALID", `days must be an integer from 1 to 3650, not ${days}`);
  }
  const clientName = options.clientName ?? "kube-apiserver";
  if (!CLIENT_NAME.test(clientName)) {
    throw new AdmissionError(
      "CONFIG_INVALID",
      `client name ${JSON.stringify(clientName)} is not a plain name`,
    );
  }
  const dir = shellQuote(options.dir ?? ".");
  const names = serviceDnsNames(serviceName, namespace);
  const san = names.map((n) => `DNS:${n}`).join(",");
  const cn = names[2]!;
  return [
    "#!/bin/sh",
    "# A CA, a serving certificate and an API server client certificate for the Portcullis admission webhook (for trying it out).",
    "set -eu",
    `cd ${dir}`,
    "umask 077",
    "openssl ecparam -name prime256v1 -genkey -noout -out ca.key",
    `openssl req -x509 -new -key ca.key -sha256 -days ${days} -subj '/CN=portcullis-admission-ca' \\`,
    "  -addext 'basicConstraints=critical,CA:TRUE' -addext 'keyUsage=critical,keyCertSign,cRLSign' -out ca.crt",
    "openssl ecparam -name prime256v1 -genkey -noout -out tls.key",
    `openssl req -new -key tls.key -subj '/CN=${cn}' -out tls.csr`,
    `printf '%s\\n' 'subjectAltName=${san}' 'basicConstraints=critical,CA:FALSE' \\`,
    "  'keyUsage=critical,digitalSignature' 'extendedKeyUsage=serverAuth' > tls.ext",
    `openssl x509 -req -in tls.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days ${days} \\`,
    "  -extfile tls.ext -out tls.crt",
    "openssl ecparam -name prime256v1 -genkey -noout -out client.key",
    `openssl req -new -key client.key -subj '/CN=${clientName}' -out client.csr`,
    "printf '%s\\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature' \\",
    "  'extendedKeyUsage=clientAuth' > client.ext",
    `openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -sha256 -days ${days} \\`,
    "  -extfile client.ext -out client.crt",
    "rm -f tls.csr tls.ext client.csr client.ext ca.srl",
    "chmod 644 ca.crt tls.crt client.crt",
    "",
  ].join("\n");
}
