import { describe, expect, it } from "vitest";
import { exposureOf } from "./exposure.js";

describe("exposureOf", () => {
  it("keeps what widens a container's reach, and nothing else", () => {
    const spec = {
      hostNetwork: true,
      hostPID: false,
      serviceAccountName: "deployer",
      securityContext: { runAsNonRoot: true },
      volumes: [
        { name: "docker", hostPath: { path: "/var/run/docker.sock" } },
        { name: "cache", emptyDir: {} },
      ],
      containers: [
        {
          name: "web",
          image: "shop/web:v1",
          env: [{ name: "PASSWORD", value: "hunter2" }],
          securityContext: {
            privileged: true,
            runAsUser: 0,
            allowPrivilegeEscalation: true,
            capabilities: { add: ["SYS_ADMIN", "NET_RAW"], drop: ["ALL"] },
          },
          ports: [{ containerPort: 8080, hostPort: 80 }],
          volumeMounts: [{ name: "docker", mountPath: "/var/run/docker.sock" }],
        },
      ],
    };
    const exposure = exposureOf(spec)!;
    expect(exposure).toEqual({
      hostNetwork: true,
      hostPID: false,
      serviceAccount: "deployer",
      podSecurityContext: { runAsNonRoot: true },
      hostPaths: [{ volume: "docker", path: "/var/run/docker.sock" }],
      containers: [
        {
          name: "web",
          securityContext: {
            privileged: true,
            runAsUser: 0,
            allowPrivilegeEscalation: true,
            capabilitiesAdd: ["SYS_ADMIN", "NET_RAW"],
          },
          ports: [{ containerPort: 8080, hostPort: 80 }],
          mounts: [{ volume: "docker", mountPath: "/var/run/docker.sock" }],
        },
      ],
    });
    // An environment variable's value is never kept.
    expect(JSON.stringify(exposure)).not.toContain("hunter2");
  });

  it("bounds lists and strings, and ignores what is not a spec", () => {
    const many = Array.from({ length: 100 }, (_, i) => ({ name: `c${i}`.padEnd(400, "x") }));
    const exposure = exposureOf({ containers: many })!;
    const containers = exposure.containers as { name: string }[];
    expect(containers).toHaveLength(32);
    expect(containers[0]!.name).toHaveLength(253);
    expect(exposureOf("nope")).toBeUndefined();
    expect(exposureOf(null)).toBeUndefined();
  });
});
