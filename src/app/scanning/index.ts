export { notRunnableReason, openRegistryImage } from "./registry-image.js";
export { type AssessOptions, assessSbom, type ScanReport, type ScanSummary, summarise } from "./report.js";
export { CYCLONEDX_MEDIA_TYPE, ScanOnPush, type ScanOnPushOptions } from "./scan-on-push.js";
export { type ScanStatus, ScanStore, type ScanSummaryRow, type StoredScan } from "./store.js";
