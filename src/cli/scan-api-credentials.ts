import type { Credentials } from "../oci/index.js";

export const SCAN_API_USERNAME_ENV = "PORTCULLIS_SCAN_API_USERNAME";
export const SCAN_API_PASSWORD_ENV = "PORTCULLIS_SCAN_API_PASSWORD";

/**
 * The credentials `--scan-api` sends (Basic) to a Portcullis server in accounts mode, whose scan reports
 * need `scan.read`: PORTCULLIS_SCAN_API_USERNAME and PORTCULLIS_SCAN_API_PASSWORD when set (a robot's
 * name and secret, say from a Kubernetes Secret), else what the docker config keeps for the server's
 * host. One of the two variables without the other is a usage error; neither is ever printed.
 */
export function scanApiCredentials(
  fromDockerConfig: () => Credentials | undefined,
  usage: (message: string) => Error,
  env: NodeJS.ProcessEnv = process.env,
): Credentials | undefined {
  const username = env[SCAN_API_USERNAME_ENV];
  const password = env[SCAN_API_PASSWORD_ENV];
  const given = (value: string | undefined) => value !== undefined && value !== "";
  if (given(username) !== given(password)) {
    throw usage(`${SCAN_API_USERNAME_ENV} and ${SCAN_API_PASSWORD_ENV} go together: set both or neither`);
  }
  if (given(username)) return { username: username!, password: password! };
  return fromDockerConfig();
}
