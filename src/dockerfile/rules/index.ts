/** Every lint rule, in id order. One file per rule: `pc1NN-<name>.ts`. */
import { pc101 } from "./pc101-base-image-pinned-by-digest.js";
import { pc102 } from "./pc102-no-latest-tag.js";
import { pc103 } from "./pc103-approved-base-image.js";
import { pc104 } from "./pc104-non-root-user.js";
import { pc105 } from "./pc105-add-remote-checksum.js";
import { pc106 } from "./pc106-copy-not-add.js";
import { pc107 } from "./pc107-no-pipe-to-shell.js";
import { pc108 } from "./pc108-apt-update-with-install.js";
import { pc109 } from "./pc109-no-install-recommends.js";
import { pc110 } from "./pc110-apt-lists-removed.js";
import { pc111 } from "./pc111-apk-no-cache.js";
import { pc112 } from "./pc112-package-cache-cleaned.js";
import { pc113 } from "./pc113-pinned-package-versions.js";
import { pc114 } from "./pc114-non-interactive-install.js";
import { pc115 } from "./pc115-no-secrets-in-env-arg.js";
import { pc116 } from "./pc116-no-sudo.js";
import { pc117 } from "./pc117-no-world-writable.js";
import { pc118 } from "./pc118-no-ssh-port.js";
import { pc119 } from "./pc119-healthcheck.js";
import { pc120 } from "./pc120-workdir-absolute.js";
import { pc121 } from "./pc121-exec-form.js";
import { pc122 } from "./pc122-single-cmd-entrypoint.js";
import { pc123 } from "./pc123-maintainer-deprecated.js";
import { pc124 } from "./pc124-copy-whole-context.js";
import { pc125 } from "./pc125-cd-instead-of-workdir.js";
import { pc126 } from "./pc126-apt-get-not-apt.js";
import { pc127 } from "./pc127-pip-no-cache-dir.js";
import { pc128 } from "./pc128-copy-from-valid.js";
import { pc129 } from "./pc129-unique-stage-names.js";
import { pc130 } from "./pc130-expose-valid-ports.js";
import { pc131 } from "./pc131-no-pointless-commands.js";
import { pc132 } from "./pc132-single-healthcheck.js";
import { pc133 } from "./pc133-copy-multiple-sources-to-dir.js";
import { pc134 } from "./pc134-from-platform-constant.js";
import { pc135 } from "./pc135-no-dist-upgrade.js";
import { pc136 } from "./pc136-env-self-reference.js";
import { pc137 } from "./pc137-copy-relative-destination.js";
import { pc138 } from "./pc138-useradd-no-log-init.js";
import { pc139 } from "./pc139-wget-progress.js";
import { pc140 } from "./pc140-label-key-valid.js";
import { pc141 } from "./pc141-consecutive-run.js";
import { pc142 } from "./pc142-yarn-cache-clean.js";
import { pc143 } from "./pc143-one-downloader.js";
import { pc144 } from "./pc144-shell-instruction.js";
import { pc145 } from "./pc145-pipefail.js";
import { pc146 } from "./pc146-instruction-before-from.js";
import { pc147 } from "./pc147-reserved-stage-name.js";
import { pc148 } from "./pc148-no-setuid-setgid.js";
import { pc149 } from "./pc149-verified-packages-only.js";
import { pc150 } from "./pc150-label-schema.js";
import { pc151 } from "./pc151-too-complex-to-analyse.js";
import type { Rule } from "./types.js";

export const RULES: readonly Rule[] = [
  pc101,
  pc102,
  pc103,
  pc104,
  pc105,
  pc106,
  pc107,
  pc108,
  pc109,
  pc110,
  pc111,
  pc112,
  pc113,
  pc114,
  pc115,
  pc116,
  pc117,
  pc118,
  pc119,
  pc120,
  pc121,
  pc122,
  pc123,
  pc124,
  pc125,
  pc126,
  pc127,
  pc128,
  pc129,
  pc130,
  pc131,
  pc132,
  pc133,
  pc134,
  pc135,
  pc136,
  pc137,
  pc138,
  pc139,
  pc140,
  pc141,
  pc142,
  pc143,
  pc144,
  pc145,
  pc146,
  pc147,
  pc148,
  pc149,
  pc150,
  pc151,
];

const BY_ID = new Map(RULES.map((rule) => [rule.id, rule]));

/** The rule with this id (`PC104`, case-insensitive), or undefined. */
export function ruleById(id: string): Rule | undefined {
  return BY_ID.get(id.toUpperCase());
}
