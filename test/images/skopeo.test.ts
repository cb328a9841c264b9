/**
 * Archives written by skopeo (containers/image) read with openImage: `skopeo copy` from an OCI
 * layout built in Node into an oci: layout and a docker-archive. Skipped when skopeo is absent.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { digestOf } from "../../src/core/index.js";
import { type OpenedManifestImage, openImage, walkImage } from "../../src/oci/index.js";
import { type BuiltImage, buildImage, writeLayout } from "../../src/oci/sources/testing/build.js";
import { unavailable } from "../support/requirements.js";
import { hasCommand, run } from "../support/targets.js";

describe.skipIf(unavailable("skopeo", hasCommand("skopeo")))("openImage reads what skopeo writes", () => {
  let work: string;
  let image: BuiltImage;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "portcullis-skopeo-images-"));
    image = await buildImage([
      [{ name: "etc/os-release", content: "ID=skopeo\n" }],
      [{ name: "usr/bin/tool", content: "#!/bin/sh\n", mode: 0o755 }],
    ]);
    await writeLayout(join(work, "src"), [{ tag: "v1", image }]);
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  async function check(opened: OpenedManifestImage): Promise<void> {
    expect(opened.config.parsed.config?.User).toBe("app");
    const fs = await walkImage(opened, { consumers: [{ select: (f) => f.path === "/etc/os-release" }] });
    expect(fs.content("/etc/os-release", 0)?.toString()).toBe("ID=skopeo\n");
    expect(fs.info("/usr/bin/tool")?.mode).toBe(0o755);
    await opened.close();
  }

  it("an oci: layout", async () => {
    await run("skopeo", ["copy", `oci:${join(work, "src")}:v1`, `oci:${join(work, "copy")}:copied`]);
    const opened = (await openImage(`oci:${join(work, "copy")}:copied`)) as OpenedManifestImage;
    expect(opened.digest).toBe(image.digest);
    await check(opened);
  });

  it("a docker-archive", async () => {
    const file = join(work, "save.tar");
    await run("skopeo", ["copy", `oci:${join(work, "src")}:v1`, `docker-archive:${file}:example.com/app:1`]);
    const opened = (await openImage(`docker-archive:${file}`)) as OpenedManifestImage;
    expect(opened.reference).toBe("example.com/app:1");
    expect(opened.config.parsed.rootfs?.diff_ids).toEqual(image.tars.map((t) => digestOf(t)));
    await check(opened);
  });
});
