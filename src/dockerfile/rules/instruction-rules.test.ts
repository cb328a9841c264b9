import { describe, expect, it } from "vitest";
import { isSecretName, pc115, secretValueKind, shannonEntropy } from "./pc115-no-secrets-in-env-arg.js";
import { pc118 } from "./pc118-no-ssh-port.js";
import { pc119 } from "./pc119-healthcheck.js";
import { pc120 } from "./pc120-workdir-absolute.js";
import { pc121 } from "./pc121-exec-form.js";
import { pc122 } from "./pc122-single-cmd-entrypoint.js";
import { pc123 } from "./pc123-maintainer-deprecated.js";
import { exposeProblem, pc130 } from "./pc130-expose-valid-ports.js";
import { df, linesOf, lintWith } from "./testing.js";
import type { Rule } from "./types.js";

type Case = readonly [string, string, readonly number[]];

function table(rule: Rule, cases: readonly Case[]): void {
  it.each(cases)("%s", (_name, text, lines) => {
    expect(linesOf(rule, text)).toEqual(lines);
  });
}

describe("PC115 no-secrets-in-env-arg", () => {
  table(pc115, [
    ["ENV password", df("FROM a:1", "ENV DB_PASSWORD=hunter2"), [2]],
    ["ARG token default", df("FROM a:1", "ARG NPM_TOKEN=abc123"), [2]],
    ["global ARG", df("ARG GITHUB_TOKEN=abc", "FROM a:1"), [1]],
    ["API key", df("FROM a:1", "ENV STRIPE_API_KEY=sk_test_x"), [2]],
    ["camelCase", df("FROM a:1", "ENV apiKey=1234"), [2]],
    ["AWS secret", df("FROM a:1", "ENV AWS_SECRET_ACCESS_KEY=abc"), [2]],
    ["copied from ARG into ENV", df("FROM a:1", "ARG NPM_TOKEN", "ENV NPM_TOKEN=$NPM_TOKEN"), [3]],
    ["ARG without default", df("FROM a:1", "ARG NPM_TOKEN"), []],
    ["empty value", df("FROM a:1", 'ENV PASSWORD=""'), []],
    ["pointer to a secret", df("FROM a:1", "ENV DB_PASSWORD_FILE=/run/secrets/db"), []],
    ["not a secret name", df("FROM a:1", "ENV PASSPORT_ENABLED=1 BYPASS=1 TOKENIZERS_PARALLELISM=false"), []],
    ["GitHub token under any name", df("FROM a:1", `ENV X=ghp_${"A1b2C3d4".repeat(5)}`), [2]],
    ["AWS key id", df("FROM a:1", "ENV KEYID=AKIAIOSFODNN7EXAMPLE"), [2]],
    ["Slack token", df("FROM a:1", "ARG HOOK=xoxb-123456789012-abcdefghij"), [2]],
    ["high entropy", df("FROM a:1", "ENV SESSION=Zq8vR2mXkL9pT4wY7nB3cF6hJ1dG5sA0"), [2]],
    ["URL with a password", df("FROM a:1", "ENV DATABASE_URL=postgres://app:s3cr3t@db:5432/app"), [2]],
    [
      "ordinary values",
      df("FROM a:1", "ENV NODE_ENV=production PATH=/usr/local/bin:/usr/bin LANG=C.UTF-8"),
      [],
    ],
    ["GPG fingerprint", df("FROM a:1", "ENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D"), []],
    [
      "version and URL",
      df("FROM a:1", "ENV NODE_VERSION=20.11.1 SRC=https://example.com/download/a-1.2.tgz"),
      [],
    ],
    ["ONBUILD", df("FROM a:1", "ONBUILD ENV API_TOKEN=abc"), [2]],
    ["one finding per variable", df("FROM a:1", "ENV PASSWORD=a SECRET=b"), [2, 2]],
  ]);

  it("does not echo the secret", () => {
    const [finding] = lintWith(pc115, df("FROM a:1", "ENV DB_PASSWORD=hunter2"));
    expect(finding?.message).toBe("ENV DB_PASSWORD sets a secret-named variable to a value");
    expect(finding?.message).not.toContain("hunter2");
  });

  it("classifies names and values", () => {
    expect(isSecretName("PRIVATE_KEY")).toBe(true);
    expect(isSecretName("clientSecret")).toBe(true);
    expect(isSecretName("GPG_KEY")).toBe(false);
    expect(isSecretName("PWD")).toBe(false);
    expect(isSecretName("SECRET_NAME")).toBe(false);
    expect(secretValueKind("-----BEGIN RSA PRIVATE KEY-----")).toBe("a private key");
    expect(secretValueKind("aaaaaaaaaaaaaaaaaaaaaaaaa")).toBeUndefined();
    expect(shannonEntropy("abab")).toBe(1);
    expect(shannonEntropy("")).toBe(0);
  });
});

describe("PC118 no-ssh-port", () => {
  table(pc118, [
    ["22", df("FROM a:1", "EXPOSE 22"), [2]],
    ["22/tcp among others", df("FROM a:1", "EXPOSE 80 22/tcp"), [2]],
    ["range", df("FROM a:1", "EXPOSE 20-25"), [2]],
    ["web ports", df("FROM a:1", "EXPOSE 80 443 8022"), []],
    ["udp", df("FROM a:1", "EXPOSE 22/udp"), []],
  ]);
});

describe("PC119 healthcheck", () => {
  table(pc119, [
    ["CMD without HEALTHCHECK", df("FROM a:1", 'CMD ["server"]'), [2]],
    ["ENTRYPOINT without HEALTHCHECK", df("FROM a:1", 'ENTRYPOINT ["server"]', 'CMD ["--port", "80"]'), [3]],
    [
      "HEALTHCHECK",
      df("FROM a:1", "HEALTHCHECK CMD curl -f http://localhost/ || exit 1", 'CMD ["server"]'),
      [],
    ],
    ["HEALTHCHECK NONE", df("FROM a:1", "HEALTHCHECK NONE", 'CMD ["server"]'), []],
    [
      "inherited from parent stage",
      df("FROM a:1 AS base", "HEALTHCHECK CMD true", "FROM base", 'CMD ["x"]'),
      [],
    ],
    ["no command", df("FROM a:1", "COPY x /x"), []],
    [
      "only a builder runs a command",
      df("FROM a:1 AS b", 'CMD ["x"]', "FROM c:1", "COPY --from=b /x /x"),
      [],
    ],
  ]);
});

describe("PC120 workdir-absolute", () => {
  table(pc120, [
    ["relative", df("FROM a:1", "WORKDIR app"), [2]],
    ["dot relative", df("FROM a:1", "WORKDIR ./src"), [2]],
    ["absolute", df("FROM a:1", "WORKDIR /app"), []],
    ["quoted absolute", df("FROM a:1", 'WORKDIR "/my app"'), []],
    ["variable", df("FROM a:1", "WORKDIR $HOME/app"), []],
    ["Windows", df("FROM a:1", "WORKDIR C:\\app"), []],
  ]);
});

describe("PC121 exec-form", () => {
  table(pc121, [
    ["CMD shell form", df("FROM a:1", "CMD node server.js"), [2]],
    ["ENTRYPOINT shell form", df("FROM a:1", "ENTRYPOINT /entrypoint.sh"), [2]],
    ["exec form", df("FROM a:1", 'ENTRYPOINT ["/entrypoint.sh"]', 'CMD ["node", "server.js"]'), []],
    ["RUN is not concerned", df("FROM a:1", "RUN make"), []],
    ["ONBUILD", df("FROM a:1", "ONBUILD CMD make"), [2]],
  ]);
});

describe("PC122 single-cmd-entrypoint", () => {
  table(pc122, [
    ["two CMD", df("FROM a:1", 'CMD ["a"]', 'CMD ["b"]'), [2]],
    ["two ENTRYPOINT", df("FROM a:1", 'ENTRYPOINT ["a"]', 'ENTRYPOINT ["b"]', 'ENTRYPOINT ["c"]'), [2, 3]],
    ["one of each", df("FROM a:1", 'ENTRYPOINT ["a"]', 'CMD ["b"]'), []],
    ["one per stage", df("FROM a:1 AS x", 'CMD ["a"]', "FROM b:1", 'CMD ["b"]'), []],
  ]);
});

describe("PC123 maintainer-deprecated", () => {
  table(pc123, [
    ["MAINTAINER", df("FROM a:1", "MAINTAINER Jane <jane@example.com>"), [2]],
    ["LABEL", df("FROM a:1", 'LABEL org.opencontainers.image.authors="jane@example.com"'), []],
  ]);
});

describe("PC130 expose-valid-ports", () => {
  table(pc130, [
    ["valid", df("FROM a:1", "EXPOSE 80 443/tcp 53/udp 8000-8010 9000/SCTP"), []],
    ["too large", df("FROM a:1", "EXPOSE 70000"), [2]],
    ["zero", df("FROM a:1", "EXPOSE 0"), [2]],
    ["host mapping", df("FROM a:1", "EXPOSE 8080:80"), [2]],
    ["unknown protocol", df("FROM a:1", "EXPOSE 80/http"), [2]],
    ["reversed range", df("FROM a:1", "EXPOSE 9000-8000"), [2]],
    ["variable", df("FROM a:1", "ARG PORT=80", "EXPOSE $PORT"), []],
  ]);

  it("explains the problem", () => {
    expect(exposeProblem("8080:80")).toContain("is not a port number");
    expect(exposeProblem("65536")).toBe('"65536": port 65536 is outside 1-65535');
  });
});
