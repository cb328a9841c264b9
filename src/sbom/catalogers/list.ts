import { apkCataloger } from "./apk/index.js";
import type { Cataloger } from "./cataloger.js";
import { dotnetCataloger } from "./dotnet/cataloger.js";
import { dpkgCataloger } from "./dpkg/index.js";
import { goBinaryCataloger } from "./go/index.js";
import { javaCataloger } from "./java/index.js";
import { npmCataloger } from "./npm/cataloger.js";
import { phpCataloger } from "./php/cataloger.js";
import { pythonCataloger } from "./python/cataloger.js";
import { rpmCataloger } from "./rpm/index.js";
import { rubyCataloger } from "./ruby/cataloger.js";
import { rustCataloger } from "./rust/index.js";

/**
 * Every cataloger, one per ecosystem; adding an ecosystem is one folder and one line here.
 * Distribution packages first, then language packages, then binaries and archives.
 */
export const CATALOGERS: readonly Cataloger[] = [
  dpkgCataloger,
  apkCataloger,
  rpmCataloger,
  npmCataloger,
  pythonCataloger,
  rubyCataloger,
  phpCataloger,
  dotnetCataloger,
  goBinaryCataloger,
  rustCataloger,
  javaCataloger,
];
