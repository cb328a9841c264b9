import { describe } from "vitest";
import { unavailable } from "../../../../test/support/requirements.js";
import { runDriverConformance } from "../conformance.js";
import { s3TestDriver, s3TestSettings } from "./testing.js";

const settings = s3TestSettings();

describe.skipIf(unavailable("an S3 server (PORTCULLIS_TEST_S3)", settings !== undefined))("S3Driver", () => {
  if (!settings) return;
  runDriverConformance("s3", () => s3TestDriver(settings));
});
